"""Tests of tf1seq.contrib.stacked_rnn against TensorFlow 1.15's.

The stacked bidirectional RNNs restore the TF1.15 checkpoints written by
tests/testdata/make_contrib_rnn_fixtures.py (so every variable name must
be TF1's) and match TF1.15's outputs and states; TensorFlow's own
`static_state_saving_rnn` is checked to run tf1seq cells.
"""

import tensorflow as tf

import contrib_rnn_oracle as oracle
import tf1_behaviour
from tf1seq import rnn_cell
from tf1seq.contrib import stacked_rnn



def _fetch(outputs, states_fw, states_bw):
  fetch = {"outputs": outputs}
  for i, s in enumerate(tf.nest.flatten((states_fw, states_bw))):
    fetch["state_%d" % i] = s
  return fetch


class _DictStateSaver(object):
  """A state saver keeping each named state in a variable."""

  def __init__(self, batch_size, sizes):
    self._states = {
        name: tf.compat.v1.get_variable(
            "saved_" + name, [batch_size, size], trainable=False,
            initializer=tf.compat.v1.random_uniform_initializer(-1, 1))
        for name, size in sizes.items()}

  def state(self, name):
    return tf.identity(self._states[name])

  def save_state(self, name, value):
    return tf.compat.v1.assign(self._states[name], value)


class StackedRnnTest(tf.test.TestCase):

  def test_stack_bidirectional_dynamic_rnn_matches_tf115(self):
    data = oracle.load("stack_bidirectional_dynamic")
    with tf.Graph().as_default():
      result = stacked_rnn.stack_bidirectional_dynamic_rnn(
          [rnn_cell.GRUCell(4), rnn_cell.BasicLSTMCell(3)],
          [rnn_cell.GRUCell(2), rnn_cell.BasicLSTMCell(3)],
          tf.constant(data["in_x"]), dtype=tf.float32,
          sequence_length=data["in_lengths"])
      oracle.check(self, "stack_bidirectional_dynamic", _fetch(*result))

  def test_stack_bidirectional_rnn_matches_tf115(self):
    data = oracle.load("stack_bidirectional_static")
    with tf.Graph().as_default():
      outputs, states_fw, states_bw = stacked_rnn.stack_bidirectional_rnn(
          [rnn_cell.GRUCell(4), rnn_cell.GRUCell(3)],
          [rnn_cell.GRUCell(2), rnn_cell.GRUCell(3)],
          tf.unstack(tf.constant(data["in_x"])), dtype=tf.float32)
      oracle.check(self, "stack_bidirectional_static",
                   _fetch(tf.stack(outputs), states_fw, states_bw))

  def test_dynamic_time_major_equals_batch_major(self):
    data = oracle.load("stack_bidirectional_dynamic")
    with tf.Graph().as_default():
      def build(x, time_major, scope):
        return stacked_rnn.stack_bidirectional_dynamic_rnn(
            [rnn_cell.GRUCell(2)], [rnn_cell.GRUCell(2)], x,
            dtype=tf.float32, time_major=time_major, scope=scope)[0]
      x = tf.constant(data["in_x"])
      batch_major = build(x, False, "stack")
      time_major = build(tf.transpose(x, [1, 0, 2]), True, "stack_tm")
      with tf.compat.v1.Session() as sess:
        sess.run(tf.compat.v1.global_variables_initializer())
        by_name = {v.op.name: v for v in tf.compat.v1.global_variables()}
        for name, v in by_name.items():
          if name.startswith("stack_tm/"):
            sess.run(v.assign(by_name["stack/" + name[len("stack_tm/"):]]))
        want, got = sess.run([batch_major,
                              tf.transpose(time_major, [1, 0, 2])])
    self.assertAllClose(want, got, atol=1e-6)

  def test_static_state_saving_rnn_runs_tf1seq_cells(self):
    # Oracle: static_rnn from the saved state gives the same outputs, and
    # the saver then holds the final state.
    data = oracle.load("stack_bidirectional_static")
    with tf.Graph().as_default():
      inputs = tf.unstack(tf.constant(data["in_x"]))
      cell = rnn_cell.BasicLSTMCell(3)
      saver = _DictStateSaver(2, {"c": 3, "h": 3})
      outputs, state = stacked_rnn.static_state_saving_rnn(
          cell, inputs, saver, ("c", "h"))
      initial = rnn_cell.LSTMStateTuple(saver.state("c"), saver.state("h"))
      want, want_state = stacked_rnn.static_rnn(cell, inputs,
                                                initial_state=initial)
      with tf.compat.v1.Session() as sess:
        sess.run(tf.compat.v1.global_variables_initializer())
        expected, expected_state = sess.run([want, want_state])
        got, got_state = sess.run([outputs, state])
        saved = sess.run(saver.state("h"))
    self.assertAllClose(expected, got, atol=1e-6)
    self.assertAllClose(expected_state, got_state, atol=1e-6)
    self.assertAllClose(expected_state.h, saved, atol=1e-6)

  def test_bad_arguments(self):
    gru = rnn_cell.GRUCell(2)
    for args, message in [
        (([], [gru]), "at least one fw cell"),
        (([gru], []), "at least one bw cell"),
        ((gru, [gru]), "cells_fw must be a list"),
        (([gru], [gru, gru]), "Forward and Backward cells must have the same "
                              "depth"),
    ]:
      with self.assertRaisesRegex(ValueError, message):
        stacked_rnn.stack_bidirectional_dynamic_rnn(*args, inputs=None)
    with self.assertRaisesRegex(ValueError, "initial_states_bw must be a list "
                                "of state tensors"):
      stacked_rnn.stack_bidirectional_rnn([gru], [gru], [],
                                          initial_states_bw=[1, 2])

  def test_v1_behaviour(self):
    tf1_behaviour.rerun(self, "stacked_rnn_test", min_tests=5)


if __name__ == "__main__":
  tf.test.main()
