"""Tests of tf1seq.contrib.legacy_seq2seq against TensorFlow 1.15's.

Each case builds the model TF1.15 built in
tests/testdata/make_contrib_rnn_fixtures.py, restores its checkpoint (so
every variable name must be TF1's) and compares outputs and states.
"""

import numpy as np
import tensorflow as tf

import contrib_rnn_oracle as oracle
import tf1_behaviour
from tf1seq import rnn_cell
from tf1seq.contrib import legacy_seq2seq as s2s


ENC_VOCAB, DEC_VOCAB, EMBED = 6, 5, 3


def _steps(array):
  return tf.unstack(tf.constant(array))


def _fetch(outputs, state):
  fetch = {"outputs": tf.stack(outputs)}
  for i, s in enumerate(tf.nest.flatten(state)):
    fetch["state_%d" % i] = s
  return fetch


class LegacySeq2seqTest(tf.test.TestCase):

  def _check(self, case, build):
    data = oracle.load(case)
    with tf.Graph().as_default():
      oracle.check(self, case, build(data))

  def test_sequence_loss(self):
    def build(d):
      args = (_steps(d["in_logits"]), _steps(d["in_targets"]),
              _steps(d["in_weights"]))
      return {
          "by_example": s2s.sequence_loss_by_example(*args),
          "by_example_sum": s2s.sequence_loss_by_example(
              *args, average_across_timesteps=False),
          "loss": s2s.sequence_loss(*args),
          "loss_sum": s2s.sequence_loss(*args, average_across_timesteps=False,
                                        average_across_batch=False)}
    self._check("sequence_loss", build)

  def test_sequence_loss_matches_numpy(self):
    d = oracle.load("sequence_loss")
    logits, targets, weights = d["in_logits"], d["in_targets"], d["in_weights"]
    log_softmax = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    crossent = -np.take_along_axis(log_softmax, targets[..., None], -1)[..., 0]
    by_example = (crossent * weights).sum(0) / (weights.sum(0) + 1e-12)
    self.assertAllClose(by_example, d["out_by_example"], atol=1e-6)

  def test_sequence_loss_with_softmax_loss_function(self):
    d = oracle.load("sequence_loss")
    calls = []

    def loss_function(labels, logits):
      calls.append(labels)
      return tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels,
                                                            logits=logits)

    with tf.Graph().as_default():
      loss = s2s.sequence_loss(
          _steps(d["in_logits"]), _steps(d["in_targets"]),
          _steps(d["in_weights"]), softmax_loss_function=loss_function)
      self.assertLen(calls, 3)
      with tf.compat.v1.Session() as sess:
        self.assertAllClose(sess.run(loss), d["out_loss"], atol=1e-6)

  def test_rnn_decoder(self):
    def build(d):
      w = tf.compat.v1.get_variable("proj_w", [4, 3])
      outputs, state = s2s.rnn_decoder(
          _steps(d["in_x"]), tf.constant(d["in_h0"]), rnn_cell.GRUCell(4),
          loop_function=lambda prev, i: tf.matmul(prev, w))
      return _fetch(outputs, state)
    self._check("rnn_decoder", build)

  def test_attention_decoder(self):
    def build(d):
      outputs, state = s2s.attention_decoder(
          _steps(d["in_x"]),
          rnn_cell.LSTMStateTuple(tf.constant(d["in_c0"]),
                                  tf.constant(d["in_h0"])),
          tf.constant(d["in_attn"]), rnn_cell.BasicLSTMCell(4),
          output_size=5, num_heads=2, initial_state_attention=True)
      return _fetch(outputs, state)
    self._check("attention_decoder", build)

  def test_basic_rnn_seq2seq(self):
    self._check("basic_rnn_seq2seq", lambda d: _fetch(*s2s.basic_rnn_seq2seq(
        _steps(d["in_enc"]), _steps(d["in_dec"]), rnn_cell.GRUCell(4))))

  def test_tied_rnn_seq2seq(self):
    self._check("tied_rnn_seq2seq", lambda d: _fetch(*s2s.tied_rnn_seq2seq(
        _steps(d["in_enc"]), _steps(d["in_dec"]), rnn_cell.BasicLSTMCell(4))))

  def test_embedding_rnn_decoder(self):
    self._check("embedding_rnn_decoder", lambda d: _fetch(
        *s2s.embedding_rnn_decoder(
            _steps(d["in_dec"]), tf.constant(d["in_h0"]), rnn_cell.GRUCell(4),
            DEC_VOCAB, EMBED,
            output_projection=(tf.constant(d["in_proj_w"]),
                               tf.constant(d["in_proj_b"])),
            feed_previous=True)))

  def test_embedding_attention_decoder(self):
    self._check("embedding_attention_decoder", lambda d: _fetch(
        *s2s.embedding_attention_decoder(
            _steps(d["in_dec"]), tf.constant(d["in_h0"]),
            tf.constant(d["in_attn"]), rnn_cell.GRUCell(4), DEC_VOCAB, EMBED,
            output_size=DEC_VOCAB, feed_previous=True)))

  def test_embedding_rnn_seq2seq_feed_previous_tensor(self):
    self._check("embedding_rnn_seq2seq", lambda d: _fetch(
        *s2s.embedding_rnn_seq2seq(
            _steps(d["in_enc"]), _steps(d["in_dec"]),
            rnn_cell.BasicLSTMCell(4), ENC_VOCAB, DEC_VOCAB, EMBED,
            feed_previous=tf.constant(True))))

  def test_embedding_attention_seq2seq(self):
    self._check("embedding_attention_seq2seq", lambda d: _fetch(
        *s2s.embedding_attention_seq2seq(
            _steps(d["in_enc"]), _steps(d["in_dec"]), rnn_cell.GRUCell(4),
            ENC_VOCAB, DEC_VOCAB, EMBED, num_heads=2, feed_previous=True)))

  def test_embedding_attention_seq2seq_cond_multi_cell(self):
    def build(d):
      cell = rnn_cell.MultiRNNCell([rnn_cell.BasicLSTMCell(4)
                                    for _ in range(2)])
      return _fetch(*s2s.embedding_attention_seq2seq(
          _steps(d["in_enc"]), _steps(d["in_dec"]), cell, ENC_VOCAB,
          DEC_VOCAB, EMBED,
          feed_previous=tf.compat.v1.placeholder_with_default(False, []),
          initial_state_attention=True))
    self._check("embedding_attention_seq2seq_cond", build)

  def test_embedding_tied_rnn_seq2seq(self):
    self._check("embedding_tied_rnn_seq2seq", lambda d: _fetch(
        *s2s.embedding_tied_rnn_seq2seq(
            _steps(d["in_enc"]), _steps(d["in_dec"]), rnn_cell.GRUCell(4),
            DEC_VOCAB, EMBED, feed_previous=True)))

  def test_one2many_rnn_seq2seq(self):
    def build(d):
      outputs, states = s2s.one2many_rnn_seq2seq(
          _steps(d["in_enc"]),
          {"a": _steps(d["in_dec"]), "b": _steps(d["in_dec_b"])},
          rnn_cell.GRUCell(4),
          {"a": rnn_cell.GRUCell(4), "b": rnn_cell.GRUCell(4)},
          ENC_VOCAB, {"a": DEC_VOCAB, "b": 4}, EMBED)
      fetch = {}
      for key in ("a", "b"):
        fetch["outputs_" + key] = tf.stack(outputs[key])
        fetch["state_" + key] = states[key]
      return fetch
    self._check("one2many_rnn_seq2seq", build)

  def test_model_with_buckets(self):
    def build(d):
      def seq2seq(encoder_inputs, decoder_inputs):
        return s2s.embedding_attention_seq2seq(
            encoder_inputs, decoder_inputs, rnn_cell.GRUCell(4), ENC_VOCAB,
            DEC_VOCAB, EMBED)
      outputs, losses = s2s.model_with_buckets(
          _steps(d["in_enc"]), _steps(d["in_dec"]), _steps(d["in_targets"]),
          _steps(d["in_weights"]), [(2, 2), (3, 3)], seq2seq)
      return {"outputs_0": tf.stack(outputs[0]),
              "outputs_1": tf.stack(outputs[1]),
              "loss_0": losses[0], "loss_1": losses[1]}
    self._check("model_with_buckets", build)

  def test_bad_arguments(self):
    with tf.Graph().as_default():
      x = [tf.zeros([2, 3])]
      with self.assertRaisesRegex(ValueError, "Must provide at least 1 input"):
        s2s.attention_decoder([], None, tf.zeros([2, 3, 4]),
                              rnn_cell.GRUCell(4))
      with self.assertRaisesRegex(ValueError, "With less than 1 heads"):
        s2s.attention_decoder(x, None, tf.zeros([2, 3, 4]),
                              rnn_cell.GRUCell(4), num_heads=0)
      with self.assertRaisesRegex(ValueError,
                                  "Shape.2. of attention_states must be "
                                  "known"):
        s2s.attention_decoder(
            x, None, tf.compat.v1.placeholder(tf.float32, [2, 3, None]),
            rnn_cell.GRUCell(4))
      with self.assertRaisesRegex(ValueError, "Lengths of logits, weights, "
                                  "and targets must be the same 1, 2, 1"):
        s2s.sequence_loss_by_example(x, [tf.zeros([2], tf.int32)], x + x)
      with self.assertRaisesRegex(ValueError, r"Length of encoder_inputs \(1\) "
                                  r"must be at least that of last bucket "
                                  r"\(2\)"):
        s2s.model_with_buckets(x, x, x, x, [(2, 2)], None)
      with self.assertRaisesRegex(TypeError, "enc_cell is not an RNNCell"):
        s2s.one2many_rnn_seq2seq(x, {}, object(), {}, 3, {}, 2)
      with self.assertRaisesRegex(ValueError, "keys of dec_cells_dict"):
        s2s.one2many_rnn_seq2seq(x, {"a": x}, rnn_cell.GRUCell(2), {}, 3,
                                 {}, 2)

  def test_v1_behaviour(self):
    tf1_behaviour.rerun(self, "legacy_seq2seq_test", min_tests=16)


if __name__ == "__main__":
  tf.test.main()
