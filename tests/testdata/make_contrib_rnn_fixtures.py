"""Writes tests/testdata/contrib_rnn/: TensorFlow 1.15's contrib RNN outputs.

Run with TensorFlow 1.15 (its tf.contrib.rnn and tf.contrib.legacy_seq2seq
are the oracle):

  /work/tf115/bin/python tests/testdata/make_contrib_rnn_fixtures.py

For every case it builds a small graph, sets every variable to fixed random
values (so zero-initialised biases are tested too), and writes
`<case>.npz` (the inputs `in_*` and the fetched outputs `out_*`) and a
TF1.15 checkpoint `<case>.ckpt.*` holding the variables under their TF1
names. The tests build the same graph with tf1seq on TensorFlow 2, restore
the checkpoint and compare.
"""

import os

import numpy as np
import tensorflow as tf
# LayerNormLSTMCell is in this module but not exported by tf.contrib.rnn.
from tensorflow.contrib.rnn.python.ops import rnn_cell as contrib_rnn_cell

rnn = tf.contrib.rnn
s2s = tf.contrib.legacy_seq2seq

OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                       "contrib_rnn")
BATCH, TIME, DEPTH = 2, 3, 3


def _floats(rng, *shape):
  return rng.uniform(-1.0, 1.0, size=shape).astype(np.float32)


def _ids(rng, vocab, *shape):
  return rng.randint(0, vocab, size=shape).astype(np.int32)


# -- Cases. Each takes a RandomState and returns (inputs, outputs): dicts of
# numpy inputs and of tensors to fetch; the tensors read the inputs as
# constants.


def _dynamic(cell, rng, depth=DEPTH):
  x = _floats(rng, BATCH, TIME, depth)
  outputs, state = tf.nn.dynamic_rnn(cell, tf.constant(x), dtype=tf.float32)
  fetch = {"outputs": outputs}
  for i, s in enumerate(tf.nest.flatten(state)):
    fetch["state_%d" % i] = s
  return {"x": x}, fetch


def _dynamic_with_grad(cell, rng, depth=DEPTH):
  x = tf.constant(_floats(rng, BATCH, TIME, depth))
  outputs, state = tf.nn.dynamic_rnn(cell, x, dtype=tf.float32)
  fetch = {"outputs": outputs}
  for i, s in enumerate(tf.nest.flatten(state)):
    fetch["state_%d" % i] = s
  loss = tf.reduce_sum(outputs * outputs)
  fetch["grad_x"] = tf.gradients(loss, [x])[0]
  variables = tf.trainable_variables()
  for v, g in zip(variables, tf.gradients(loss, variables)):
    if g is not None:  # Unused variables (a bias under layer norm).
      fetch["grad/" + v.op.name] = g
  return {"x": x}, fetch


def case_output_projection(rng):
  return _dynamic(rnn.OutputProjectionWrapper(
      tf.nn.rnn_cell.GRUCell(4), 5, activation=tf.tanh), rng)


def case_input_projection(rng):
  return _dynamic(rnn.InputProjectionWrapper(
      tf.nn.rnn_cell.BasicLSTMCell(4), 2, activation=tf.tanh), rng)


def case_embedding(rng):
  ids = _ids(rng, 7, TIME, BATCH)
  cell = rnn.EmbeddingWrapper(tf.nn.rnn_cell.GRUCell(4), 7, 3)
  outputs, state = tf.nn.static_rnn(cell, tf.unstack(tf.constant(ids)),
                                    dtype=tf.float32)
  return {"ids": ids}, {"outputs": tf.stack(outputs), "state_0": state}


def case_attention(rng):
  return _dynamic_with_grad(rnn.AttentionCellWrapper(
      tf.nn.rnn_cell.LSTMCell(4), attn_length=2, attn_vec_size=3), rng)


def case_attention_concat(rng):
  return _dynamic(rnn.AttentionCellWrapper(
      tf.nn.rnn_cell.GRUCell(4), attn_length=3, state_is_tuple=False), rng)


def case_highway(rng):
  return _dynamic(rnn.HighwayWrapper(tf.nn.rnn_cell.GRUCell(DEPTH)), rng)


def case_highway_uncoupled(rng):
  return _dynamic(rnn.HighwayWrapper(
      tf.nn.rnn_cell.BasicLSTMCell(DEPTH), couple_carry_transform_gates=False,
      carry_bias_init=0.5), rng)


def case_nas(rng):
  return _dynamic_with_grad(rnn.NASCell(4), rng)


def case_nas_proj(rng):
  return _dynamic(rnn.NASCell(4, num_proj=3, use_bias=True), rng)


def case_ugrnn(rng):
  return _dynamic(rnn.UGRNNCell(4, forget_bias=0.5), rng)


def case_indrnn(rng):
  return _dynamic(rnn.IndRNNCell(4, activation=tf.nn.relu), rng)


def case_indy_lstm(rng):
  return _dynamic(rnn.IndyLSTMCell(4, forget_bias=0.5), rng)


def case_cifg(rng):
  return _dynamic(rnn.CoupledInputForgetGateLSTMCell(
      4, use_peepholes=True, num_proj=3, proj_clip=0.3), rng)


def case_cifg_layer_norm(rng):
  return _dynamic_with_grad(rnn.CoupledInputForgetGateLSTMCell(
      4, layer_norm=True, norm_gain=0.9, norm_shift=0.1), rng)


def case_layer_norm_lstm(rng):
  return _dynamic(contrib_rnn_cell.LayerNormLSTMCell(
      4, use_peepholes=True, cell_clip=0.8, num_proj=3, proj_clip=0.4), rng)


def case_layer_norm_lstm_ln(rng):
  return _dynamic_with_grad(contrib_rnn_cell.LayerNormLSTMCell(
      4, layer_norm=True, norm_gain=1.1, norm_shift=-0.1), rng)


def case_gru_block(rng):
  return _dynamic_with_grad(rnn.GRUBlockCell(4), rng)


def case_gru_block_v2(rng):
  return _dynamic(rnn.GRUBlockCellV2(4), rng)


def case_lstm_block_fused(rng):
  x = tf.constant(_floats(rng, TIME + 1, BATCH, DEPTH))
  lengths = np.array([4, 2], np.int32)
  cell = rnn.LSTMBlockFusedCell(4, forget_bias=0.5)
  outputs, state = cell(x, dtype=tf.float32, sequence_length=lengths)
  loss = tf.reduce_sum(outputs * outputs) + tf.reduce_sum(state.c)
  return {"x": x, "lengths": lengths}, {
      "outputs": outputs, "state_0": state.c, "state_1": state.h,
      "grad_x": tf.gradients(loss, [x])[0]}


def case_lstm_block_fused_peephole(rng):
  x = _floats(rng, TIME, BATCH, DEPTH)
  c0, h0 = _floats(rng, BATCH, 4), _floats(rng, BATCH, 4)
  cell = rnn.LSTMBlockFusedCell(4, cell_clip=0.5, use_peephole=True,
                                name="fused")
  outputs, state = cell(tf.constant(x),
                        initial_state=(tf.constant(c0), tf.constant(h0)))
  return {"x": x, "c0": c0, "h0": h0}, {
      "outputs": outputs, "state_0": state.c, "state_1": state.h}


# -- legacy_seq2seq.

ENC_VOCAB, DEC_VOCAB, EMBED = 6, 5, 3


def _enc_dec(rng, enc_len=3, dec_len=2, enc_vocab=ENC_VOCAB,
             dec_vocab=DEC_VOCAB):
  enc = _ids(rng, enc_vocab, enc_len, BATCH)
  dec = _ids(rng, dec_vocab, dec_len, BATCH)
  return enc, dec


def _fetch_seq(outputs, state):
  fetch = {"outputs": tf.stack(outputs)}
  for i, s in enumerate(tf.nest.flatten(state)):
    fetch["state_%d" % i] = s
  return fetch


def case_sequence_loss(rng):
  logits = _floats(rng, TIME, BATCH, 5)
  targets = _ids(rng, 5, TIME, BATCH)
  weights = rng.uniform(0, 1, size=(TIME, BATCH)).astype(np.float32)
  args = ([tf.constant(l) for l in logits], [tf.constant(t) for t in targets],
          [tf.constant(w) for w in weights])
  return {"logits": logits, "targets": targets, "weights": weights}, {
      "by_example": s2s.sequence_loss_by_example(*args),
      "by_example_sum": s2s.sequence_loss_by_example(
          *args, average_across_timesteps=False),
      "loss": s2s.sequence_loss(*args),
      "loss_sum": s2s.sequence_loss(*args, average_across_timesteps=False,
                                    average_across_batch=False)}


def case_rnn_decoder(rng):
  x = _floats(rng, TIME, BATCH, DEPTH)
  h0 = _floats(rng, BATCH, 4)
  cell = tf.nn.rnn_cell.GRUCell(4)
  w = tf.get_variable("proj_w", [4, DEPTH])

  def loop(prev, i):
    del i
    return tf.matmul(prev, w)

  outputs, state = s2s.rnn_decoder(tf.unstack(tf.constant(x)),
                                   tf.constant(h0), cell,
                                   loop_function=loop)
  return {"x": x, "h0": h0}, _fetch_seq(outputs, state)


def case_attention_decoder(rng):
  x = _floats(rng, TIME, BATCH, DEPTH)
  attn = _floats(rng, BATCH, 4, 3)
  c0, h0 = _floats(rng, BATCH, 4), _floats(rng, BATCH, 4)
  cell = tf.nn.rnn_cell.BasicLSTMCell(4)
  outputs, state = s2s.attention_decoder(
      tf.unstack(tf.constant(x)),
      tf.nn.rnn_cell.LSTMStateTuple(tf.constant(c0), tf.constant(h0)),
      tf.constant(attn), cell, output_size=5, num_heads=2,
      initial_state_attention=True)
  return {"x": x, "attn": attn, "c0": c0, "h0": h0}, _fetch_seq(outputs,
                                                                   state)


def case_basic_rnn_seq2seq(rng):
  enc = _floats(rng, 3, BATCH, DEPTH)
  dec = _floats(rng, 2, BATCH, DEPTH)
  outputs, state = s2s.basic_rnn_seq2seq(
      tf.unstack(tf.constant(enc)), tf.unstack(tf.constant(dec)),
      tf.nn.rnn_cell.GRUCell(4))
  return {"enc": enc, "dec": dec}, _fetch_seq(outputs, state)


def case_tied_rnn_seq2seq(rng):
  enc = _floats(rng, 3, BATCH, DEPTH)
  dec = _floats(rng, 2, BATCH, DEPTH)
  outputs, state = s2s.tied_rnn_seq2seq(
      tf.unstack(tf.constant(enc)), tf.unstack(tf.constant(dec)),
      tf.nn.rnn_cell.BasicLSTMCell(4))
  return {"enc": enc, "dec": dec}, _fetch_seq(outputs, state)


def case_embedding_rnn_decoder(rng):
  _, dec = _enc_dec(rng)
  h0 = _floats(rng, BATCH, 4)
  proj_w, proj_b = _floats(rng, 4, DEC_VOCAB), _floats(rng, DEC_VOCAB)
  outputs, state = s2s.embedding_rnn_decoder(
      tf.unstack(tf.constant(dec)), tf.constant(h0),
      tf.nn.rnn_cell.GRUCell(4), DEC_VOCAB, EMBED,
      output_projection=(tf.constant(proj_w), tf.constant(proj_b)),
      feed_previous=True)
  return {"dec": dec, "h0": h0, "proj_w": proj_w, "proj_b": proj_b}, (
      _fetch_seq(outputs, state))


def case_embedding_attention_decoder(rng):
  _, dec = _enc_dec(rng)
  h0 = _floats(rng, BATCH, 4)
  attn = _floats(rng, BATCH, 3, 4)
  outputs, state = s2s.embedding_attention_decoder(
      tf.unstack(tf.constant(dec)), tf.constant(h0), tf.constant(attn),
      tf.nn.rnn_cell.GRUCell(4), DEC_VOCAB, EMBED, output_size=DEC_VOCAB,
      feed_previous=True)
  return {"dec": dec, "h0": h0, "attn": attn}, _fetch_seq(outputs, state)


def case_embedding_rnn_seq2seq(rng):
  enc, dec = _enc_dec(rng)
  cell = tf.nn.rnn_cell.BasicLSTMCell(4)
  outputs, state = s2s.embedding_rnn_seq2seq(
      tf.unstack(tf.constant(enc)), tf.unstack(tf.constant(dec)), cell,
      ENC_VOCAB, DEC_VOCAB, EMBED,
      feed_previous=tf.constant(True))
  return {"enc": enc, "dec": dec}, _fetch_seq(outputs, state)


def case_embedding_attention_seq2seq(rng):
  enc, dec = _enc_dec(rng)
  outputs, state = s2s.embedding_attention_seq2seq(
      tf.unstack(tf.constant(enc)), tf.unstack(tf.constant(dec)),
      tf.nn.rnn_cell.GRUCell(4), ENC_VOCAB, DEC_VOCAB, EMBED, num_heads=2,
      feed_previous=True)
  return {"enc": enc, "dec": dec}, _fetch_seq(outputs, state)


def case_embedding_attention_seq2seq_cond(rng):
  enc, dec = _enc_dec(rng)
  feed = tf.placeholder_with_default(False, [])
  cell = tf.nn.rnn_cell.MultiRNNCell([tf.nn.rnn_cell.BasicLSTMCell(4)
                                      for _ in range(2)])
  outputs, state = s2s.embedding_attention_seq2seq(
      tf.unstack(tf.constant(enc)), tf.unstack(tf.constant(dec)), cell,
      ENC_VOCAB, DEC_VOCAB, EMBED, feed_previous=feed,
      initial_state_attention=True)
  return {"enc": enc, "dec": dec}, _fetch_seq(outputs, state)


def case_embedding_tied_rnn_seq2seq(rng):
  enc, dec = _enc_dec(rng, enc_vocab=DEC_VOCAB)
  outputs, state = s2s.embedding_tied_rnn_seq2seq(
      tf.unstack(tf.constant(enc)), tf.unstack(tf.constant(dec)),
      tf.nn.rnn_cell.GRUCell(4), DEC_VOCAB, EMBED, feed_previous=True)
  return {"enc": enc, "dec": dec}, _fetch_seq(outputs, state)


def case_one2many_rnn_seq2seq(rng):
  enc, dec = _enc_dec(rng)
  dec_b = _ids(rng, 4, 3, BATCH)
  outputs, states = s2s.one2many_rnn_seq2seq(
      tf.unstack(tf.constant(enc)),
      {"a": tf.unstack(tf.constant(dec)), "b": tf.unstack(tf.constant(dec_b))},
      tf.nn.rnn_cell.GRUCell(4),
      {"a": tf.nn.rnn_cell.GRUCell(4), "b": tf.nn.rnn_cell.GRUCell(4)},
      ENC_VOCAB, {"a": DEC_VOCAB, "b": 4}, EMBED)
  fetch = {}
  for key in ("a", "b"):
    fetch["outputs_" + key] = tf.stack(outputs[key])
    fetch["state_" + key] = states[key]
  return {"enc": enc, "dec": dec, "dec_b": dec_b}, fetch


def case_model_with_buckets(rng):
  enc, dec = _enc_dec(rng, enc_len=3, dec_len=3)
  targets = _ids(rng, DEC_VOCAB, 3, BATCH)
  weights = rng.uniform(0, 1, size=(3, BATCH)).astype(np.float32)

  def seq2seq(encoder_inputs, decoder_inputs):
    return s2s.embedding_attention_seq2seq(
        encoder_inputs, decoder_inputs, tf.nn.rnn_cell.GRUCell(4), ENC_VOCAB,
        DEC_VOCAB, EMBED)

  outputs, losses = s2s.model_with_buckets(
      tf.unstack(tf.constant(enc)), tf.unstack(tf.constant(dec)),
      tf.unstack(tf.constant(targets)), tf.unstack(tf.constant(weights)),
      [(2, 2), (3, 3)], seq2seq)
  return {"enc": enc, "dec": dec, "targets": targets, "weights": weights}, {
      "outputs_0": tf.stack(outputs[0]), "outputs_1": tf.stack(outputs[1]),
      "loss_0": losses[0], "loss_1": losses[1]}


# -- Stacked bidirectional RNNs.


def case_stack_bidirectional_dynamic(rng):
  x = _floats(rng, BATCH, TIME, DEPTH)
  lengths = np.array([3, 2], np.int32)
  outputs, states_fw, states_bw = rnn.stack_bidirectional_dynamic_rnn(
      [tf.nn.rnn_cell.GRUCell(4), tf.nn.rnn_cell.BasicLSTMCell(3)],
      [tf.nn.rnn_cell.GRUCell(2), tf.nn.rnn_cell.BasicLSTMCell(3)],
      tf.constant(x), dtype=tf.float32, sequence_length=lengths)
  fetch = {"outputs": outputs}
  for i, s in enumerate(tf.nest.flatten((states_fw, states_bw))):
    fetch["state_%d" % i] = s
  return {"x": x, "lengths": lengths}, fetch


def case_stack_bidirectional_static(rng):
  x = _floats(rng, TIME, BATCH, DEPTH)
  outputs, states_fw, states_bw = rnn.stack_bidirectional_rnn(
      [tf.nn.rnn_cell.GRUCell(4), tf.nn.rnn_cell.GRUCell(3)],
      [tf.nn.rnn_cell.GRUCell(2), tf.nn.rnn_cell.GRUCell(3)],
      tf.unstack(tf.constant(x)), dtype=tf.float32)
  fetch = {"outputs": tf.stack(outputs)}
  for i, s in enumerate(tf.nest.flatten((states_fw, states_bw))):
    fetch["state_%d" % i] = s
  return {"x": x}, fetch


def _write(name, build):
  graph = tf.Graph()
  with graph.as_default():
    tf.set_random_seed(1)
    rng = np.random.RandomState(sum(map(ord, name)))
    inputs, fetch = build(rng)
    variables = tf.global_variables()
    with tf.Session() as sess:
      sess.run(tf.global_variables_initializer())
      for v in variables:
        shape = v.shape.as_list()
        v.load(rng.uniform(-0.8, 0.8, size=shape).astype(np.float32), sess)
      values = sess.run(fetch)
      if variables:
        tf.train.Saver(variables).save(
            sess, os.path.join(OUT_DIR, name + ".ckpt"),
            write_meta_graph=False, write_state=False)
  arrays = {}
  for key, value in inputs.items():
    if isinstance(value, tf.Tensor):
      value = tf.contrib.util.constant_value(value)
    arrays["in_" + key] = value
  for key, value in values.items():
    arrays["out_" + key] = value
  np.savez(os.path.join(OUT_DIR, name + ".npz"), **arrays)
  print(name, sorted(v.op.name for v in variables))


def main():
  if not os.path.isdir(OUT_DIR):
    os.makedirs(OUT_DIR)
  for name, build in sorted(globals().items()):
    if name.startswith("case_"):
      _write(name[len("case_"):], build)


if __name__ == "__main__":
  main()
