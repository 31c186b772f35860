"""Writes tests/testdata/seq2seq_decode/: TensorFlow 1.15 decoding results.

Run with TensorFlow 1.15 (tf.contrib.seq2seq):

  /work/tf115/bin/python tests/testdata/make_seq2seq_decode_fixtures.py

One graph holds an embedding, an LSTM decoder cell and a dense projection
(the usual NMT layout: one cell and one projection shared by the training
and inference decoders, all under the `decoder` scope), and a second
two-layer decoder without projection (scope `multi`). It writes

  model.ckpt.*       the variables (restored by the tests into tf1seq's
                     graph, so the variable names must match);
  expected.npz       every decoder's outputs, final states and lengths;
  gather_tree.npz    `gather_tree` on random trees.
"""

import os

import numpy as np
import tensorflow as tf
from tensorflow.contrib import seq2seq

VOCAB, EMBED, UNITS, BATCH, TIME = 6, 3, 4, 2, 5
GO, END = 0, 1
BEAM = 3
MAX_ITERATIONS = 6
OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                       "seq2seq_decode")


def constants():
  """The inputs every decoder shares (the tests rebuild them from here)."""
  rng = np.random.RandomState(5)
  return dict(
      target_ids=rng.randint(2, VOCAB, [BATCH, TIME]).astype(np.int32),
      lengths=np.array([TIME, 3], np.int32),
      init_c=rng.normal(0, 1, [BATCH, UNITS]).astype(np.float32),
      init_h=rng.normal(0, 0.5, [BATCH, UNITS]).astype(np.float32))


class RecordingCell(tf.nn.rnn_cell.RNNCell):
  """A GRU whose state also records each step's first input feature.

  The state holds a TensorArray, as an attention cell's alignment history
  does; beam search reorders it at the end (reorder_tensor_arrays).
  """

  def __init__(self):
    super(RecordingCell, self).__init__()
    self._gru = tf.nn.rnn_cell.GRUCell(3)

  @property
  def state_size(self):
    return (self._gru.state_size, tf.TensorShape([]))

  @property
  def output_size(self):
    return self._gru.output_size

  def zero_state(self, batch_size, dtype):
    return (self._gru.zero_state(batch_size, dtype),
            tf.TensorArray(dtype, size=0, dynamic_size=True,
                           element_shape=tf.TensorShape([batch_size])))

  def __call__(self, inputs, state, scope=None):
    gru_state, record = state
    output, gru_state = self._gru(inputs, gru_state)
    return output, (gru_state, record.write(record.size(), inputs[:, 0]))


class FakeAttentionCell(tf.nn.rnn_cell.RNNCell):
  """A GRU with an AttentionWrapperState: alignments = softmax(h @ W).

  The smallest cell beam search's coverage penalty applies to: the
  alignments over 4 source positions come from the output through a dense
  layer `alignment` without bias.
  """

  def __init__(self):
    super(FakeAttentionCell, self).__init__()
    self._gru = tf.nn.rnn_cell.GRUCell(3)
    self._alignment = tf.layers.Dense(4, use_bias=False, name="alignment")

  @property
  def state_size(self):
    return seq2seq.AttentionWrapperState(
        cell_state=3, attention=3, time=tf.TensorShape([]), alignments=4,
        alignment_history=(), attention_state=4)

  @property
  def output_size(self):
    return 3

  def zero_state(self, batch_size, dtype):
    return seq2seq.AttentionWrapperState(
        cell_state=self._gru.zero_state(batch_size, dtype),
        attention=tf.zeros([batch_size, 3], dtype), time=tf.zeros([], tf.int32),
        alignments=tf.zeros([batch_size, 4], dtype), alignment_history=(),
        attention_state=tf.zeros([batch_size, 4], dtype))

  def __call__(self, inputs, state, scope=None):
    output, cell_state = self._gru(inputs, state.cell_state)
    alignments = tf.nn.softmax(self._alignment(output))
    return output, seq2seq.AttentionWrapperState(
        cell_state=cell_state, attention=output, time=state.time + 1,
        alignments=alignments, alignment_history=(),
        attention_state=alignments)


def recording_table():
  """Embedding rows `[id, noise, noise]`: the first feature is the id."""
  return np.concatenate(
      [np.arange(5, dtype=np.float32)[:, None],
       np.random.RandomState(3).normal(size=[5, 2]).astype(np.float32)], 1)


def aux_constants():
  """Inputs [BATCH, TIME, 3] and auxiliary inputs [BATCH, TIME, 2]."""
  rng = np.random.RandomState(8)
  return (rng.normal(size=[BATCH, TIME, EMBED]).astype(np.float32),
          rng.normal(size=[BATCH, TIME, 2]).astype(np.float32))


def build():
  """Builds every decoder; returns {name: tensor} of the values saved."""
  c = constants()
  fetch = {}
  with tf.variable_scope(tf.get_variable_scope(),
                         initializer=tf.random_uniform_initializer(
                             -1.0, 1.0, seed=17)):
    # Seeds chosen so that greedy decoding ends at different steps.
    embedding = tf.get_variable(
        "embedding", [VOCAB, EMBED],
        initializer=tf.random_normal_initializer(stddev=2.0, seed=117))
    cell = tf.nn.rnn_cell.BasicLSTMCell(UNITS)
    dense = tf.layers.Dense(
        VOCAB, name="dense",
        kernel_initializer=tf.random_normal_initializer(stddev=1.5, seed=217))
    init_state = tf.nn.rnn_cell.LSTMStateTuple(tf.constant(c["init_c"]),
                                               tf.constant(c["init_h"]))
    inputs = tf.nn.embedding_lookup(embedding, c["target_ids"])
    start_tokens = tf.fill([BATCH], GO)

    def run(name, helper, state=init_state, **kwargs):
      decoder = seq2seq.BasicDecoder(cell, helper, state, output_layer=dense)
      outputs, final_state, lengths = seq2seq.dynamic_decode(
          decoder, scope="decoder", **kwargs)
      fetch[name + "/rnn_output"] = outputs.rnn_output
      fetch[name + "/sample_id"] = outputs.sample_id
      fetch[name + "/c"] = final_state.c
      fetch[name + "/h"] = final_state.h
      fetch[name + "/lengths"] = lengths

    run("train", seq2seq.TrainingHelper(inputs, c["lengths"]),
        impute_finished=True)
    run("train_raw", seq2seq.TrainingHelper(inputs, c["lengths"]))
    greedy = seq2seq.GreedyEmbeddingHelper(embedding, start_tokens, END)
    run("greedy", greedy, maximum_iterations=MAX_ITERATIONS)
    run("greedy_imputed_time_major", greedy,
        maximum_iterations=MAX_ITERATIONS, impute_finished=True,
        output_time_major=True)
    # The sampling runs go one iteration at a time: with parallel
    # iterations a random op of step t + 1 may draw before step t's (its
    # inputs do not depend on step t), and the samples change from run to
    # run even in TensorFlow 1.15.
    run("sample", seq2seq.SampleEmbeddingHelper(
        embedding, start_tokens, END, softmax_temperature=0.7, seed=7),
        maximum_iterations=MAX_ITERATIONS, parallel_iterations=1)
    run("scheduled_embedding", seq2seq.ScheduledEmbeddingTrainingHelper(
        inputs, c["lengths"], embedding, 0.5, seed=11, scheduling_seed=12),
        parallel_iterations=1)
    run("scheduled_output", seq2seq.ScheduledOutputTrainingHelper(
        inputs, c["lengths"], 0.5, seed=13,
        next_inputs_fn=lambda out: tf.nn.embedding_lookup(
            embedding, tf.argmax(out, -1))), parallel_iterations=1)

    # Output feedback with auxiliary inputs: a GRU fed [inputs | aux] or
    # [its own output | aux] (3 + 2 features).
    aux_cell = tf.nn.rnn_cell.GRUCell(EMBED)
    aux_inputs, aux = aux_constants()
    helper = seq2seq.ScheduledOutputTrainingHelper(
        aux_inputs, c["lengths"], 0.5, seed=21, auxiliary_inputs=aux)
    outputs, state, lengths = seq2seq.dynamic_decode(
        seq2seq.BasicDecoder(aux_cell, helper,
                             aux_cell.zero_state(BATCH, tf.float32)),
        parallel_iterations=1, scope="aux")
    fetch["scheduled_aux/rnn_output"] = outputs.rnn_output
    fetch["scheduled_aux/sample_id"] = outputs.sample_id
    fetch["scheduled_aux/state"] = state
    fetch["scheduled_aux/lengths"] = lengths

    for name, penalty in (("beam", 0.0), ("beam_penalty", 0.8)):
      decoder = seq2seq.BeamSearchDecoder(
          cell, embedding, start_tokens, END,
          seq2seq.tile_batch(init_state, BEAM), BEAM, output_layer=dense,
          length_penalty_weight=penalty)
      outputs, state, lengths = seq2seq.dynamic_decode(
          decoder, maximum_iterations=MAX_ITERATIONS, scope="decoder")
      fetch[name + "/predicted_ids"] = outputs.predicted_ids
      fetch[name + "/scores"] = outputs.beam_search_decoder_output.scores
      fetch[name + "/step_ids"] = (
          outputs.beam_search_decoder_output.predicted_ids)
      fetch[name + "/parent_ids"] = (
          outputs.beam_search_decoder_output.parent_ids)
      fetch[name + "/c"] = state.cell_state.c
      fetch[name + "/h"] = state.cell_state.h
      fetch[name + "/log_probs"] = state.log_probs
      fetch[name + "/beam_lengths"] = state.lengths
      fetch[name + "/finished"] = state.finished
      fetch[name + "/lengths"] = lengths

    # A two-layer cell without projection: nested state, output = vocab.
    multi = tf.nn.rnn_cell.MultiRNNCell(
        [tf.nn.rnn_cell.GRUCell(UNITS), tf.nn.rnn_cell.BasicLSTMCell(VOCAB)])
    multi_state = multi.zero_state(BATCH * BEAM, tf.float32)
    decoder = seq2seq.BeamSearchDecoder(
        multi, embedding, start_tokens, END, multi_state, BEAM,
        length_penalty_weight=0.5)
    outputs, state, lengths = seq2seq.dynamic_decode(
        decoder, maximum_iterations=MAX_ITERATIONS, output_time_major=True,
        scope="multi")
    fetch["multi/predicted_ids"] = outputs.predicted_ids
    fetch["multi/scores"] = outputs.beam_search_decoder_output.scores
    fetch["multi/gru"] = state.cell_state[0]
    fetch["multi/lstm_c"] = state.cell_state[1].c
    fetch["multi/lengths"] = lengths

    # A TensorArray in the cell state, reordered along the final beams.
    recording = RecordingCell()
    decoder = seq2seq.BeamSearchDecoder(
        recording, tf.constant(recording_table()), tf.constant([0, 2]), 4,
        recording.zero_state(BATCH * BEAM, tf.float32), BEAM,
        output_layer=tf.layers.Dense(
            5, kernel_initializer=tf.random_normal_initializer(
                stddev=2.0, seed=1)))
    outputs, state, lengths = seq2seq.dynamic_decode(
        decoder, maximum_iterations=5, scope="recording")
    fetch["recording/record"] = state.cell_state[1]
    fetch["recording/predicted_ids"] = outputs.predicted_ids
    fetch["recording/parent_ids"] = (
        outputs.beam_search_decoder_output.parent_ids)
    fetch["recording/beam_lengths"] = state.lengths

    # The coverage penalty (with a length penalty) on an attention state.
    attention = FakeAttentionCell()
    decoder = seq2seq.BeamSearchDecoder(
        attention, tf.constant(recording_table()), tf.constant([0, 2]), 4,
        attention.zero_state(BATCH * BEAM, tf.float32), BEAM,
        output_layer=tf.layers.Dense(
            5, kernel_initializer=tf.random_normal_initializer(
                stddev=2.0, seed=2)),
        length_penalty_weight=0.5, coverage_penalty_weight=0.4)
    outputs, state, lengths = seq2seq.dynamic_decode(
        decoder, maximum_iterations=5, scope="coverage")
    fetch["coverage/predicted_ids"] = outputs.predicted_ids
    fetch["coverage/scores"] = outputs.beam_search_decoder_output.scores
    fetch["coverage/accumulated_attention_probs"] = (
        state.accumulated_attention_probs)
    fetch["coverage/beam_lengths"] = state.lengths
    fetch["coverage/log_probs"] = state.log_probs
  return fetch


def gather_tree_cases():
  """Random trees, with lengths 0 and beyond max_time.

  (A parent id outside [0, beam_width) on a walked path is an
  InvalidArgumentError "Saw invalid parent id 7 at (batch, time, beam) ==
  (0, 2, 0)" in TensorFlow 1.15.)
  """
  rng = np.random.RandomState(9)
  step_ids = rng.randint(0, 5, [6, 4, 3]).astype(np.int32)
  parent_ids = rng.randint(0, 3, [6, 4, 3]).astype(np.int32)
  lengths = np.array([6, 3, 0, 9], np.int32)
  bad_parents = parent_ids.copy()
  with tf.Graph().as_default(), tf.Session() as session:
    beams = session.run(
        seq2seq.gather_tree(step_ids, parent_ids, lengths, end_token=2))
  return dict(step_ids=step_ids, parent_ids=parent_ids, lengths=lengths,
              beams=beams)


def main():
  if not os.path.isdir(OUT_DIR):
    os.makedirs(OUT_DIR)
  with tf.Graph().as_default():
    fetch = build()
    saver = tf.train.Saver()
    with tf.Session() as session:
      session.run(tf.global_variables_initializer())
      values = session.run(fetch)
      saver.save(session, os.path.join(OUT_DIR, "model.ckpt"),
                 write_meta_graph=False, write_state=False)
      variables = sorted((v.op.name, v.shape.as_list())
                         for v in tf.global_variables())
  for name, shape in variables:
    print(name, shape)
  for name in sorted(values):
    if "sample_id" in name or "predicted_ids" in name or "lengths" in name:
      print(name, values[name].tolist())
  np.savez(os.path.join(OUT_DIR, "expected.npz"),
           variable_names=np.array([n for n, _ in variables]), **values)
  np.savez(os.path.join(OUT_DIR, "gather_tree.npz"), **gather_tree_cases())


if __name__ == "__main__":
  main()
