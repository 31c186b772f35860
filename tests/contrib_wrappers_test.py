"""Tests of tf1seq.cells.contrib_wrappers against TensorFlow 1.15's.

Each case restores the TF1.15 checkpoint written by
tests/testdata/make_contrib_rnn_fixtures.py (so the variable names must be
TF1's) and compares outputs, final states and gradients with TF1.15's.
"""

from absl.testing import parameterized
import tensorflow as tf

import contrib_rnn_oracle as oracle
import tf1_behaviour
from tf1seq import rnn_cell
from tf1seq.cells import contrib_wrappers as wrappers


CELLS = {
    "output_projection": lambda: wrappers.OutputProjectionWrapper(
        rnn_cell.GRUCell(4), 5, activation=tf.tanh),
    "input_projection": lambda: wrappers.InputProjectionWrapper(
        rnn_cell.BasicLSTMCell(4), 2, activation=tf.tanh),
    "attention": lambda: wrappers.AttentionCellWrapper(
        rnn_cell.LSTMCell(4), attn_length=2, attn_vec_size=3),
    "attention_concat": lambda: wrappers.AttentionCellWrapper(
        rnn_cell.GRUCell(4), attn_length=3, state_is_tuple=False),
    "highway": lambda: wrappers.HighwayWrapper(rnn_cell.GRUCell(3)),
    "highway_uncoupled": lambda: wrappers.HighwayWrapper(
        rnn_cell.BasicLSTMCell(3), couple_carry_transform_gates=False,
        carry_bias_init=0.5),
}


class ContribWrappersTest(tf.test.TestCase, parameterized.TestCase):

  @parameterized.parameters(sorted(CELLS))
  def test_dynamic_rnn_matches_tf115(self, case):
    with tf.Graph().as_default():
      fetch, loss = oracle.dynamic_rnn_fetch(CELLS[case](), oracle.load(case))
      oracle.check(self, case, fetch, grads_of=loss)

  def test_embedding_wrapper_static_rnn_matches_tf115(self):
    data = oracle.load("embedding")
    with tf.Graph().as_default():
      cell = wrappers.EmbeddingWrapper(rnn_cell.GRUCell(4), 7, 3)
      outputs, state = tf.compat.v1.nn.static_rnn(
          cell, tf.unstack(tf.constant(data["in_ids"])), dtype=tf.float32)
      oracle.check(self, "embedding",
                   {"outputs": tf.stack(outputs), "state_0": state})

  def test_wrappers_track_the_wrapped_variables(self):
    with tf.Graph().as_default():
      cell = CELLS["output_projection"]()
      cell(tf.zeros([2, 3]), cell.zero_state(2, tf.float32))
      self.assertEqual(
          [v.op.name for v in cell.trainable_variables],
          ["output_projection_wrapper/gru_cell/gates/kernel",
           "output_projection_wrapper/gru_cell/gates/bias",
           "output_projection_wrapper/gru_cell/candidate/kernel",
           "output_projection_wrapper/gru_cell/candidate/bias",
           "output_projection_wrapper/kernel",
           "output_projection_wrapper/bias"])

  def test_attention_zero_state_has_the_window(self):
    with tf.Graph().as_default():
      cell = CELLS["attention"]()
      state = cell.zero_state(2, tf.float32)
      self.assertEqual([s.shape.as_list() for s in tf.nest.flatten(state)],
                       [[2, 4], [2, 4], [2, 4], [2, 8]])

  def test_bad_arguments(self):
    with self.assertRaisesRegex(TypeError, "cell must be an RNNCell"):
      wrappers.OutputProjectionWrapper(object(), 3)
    with self.assertRaisesRegex(ValueError, "output_size must be > 0: 0"):
      wrappers.OutputProjectionWrapper(rnn_cell.GRUCell(2), 0)
    with self.assertRaisesRegex(ValueError, "must be > 0: 0, 3"):
      wrappers.EmbeddingWrapper(rnn_cell.GRUCell(2), 0, 3)
    with self.assertRaisesRegex(ValueError, "attn_length should be greater"):
      wrappers.AttentionCellWrapper(rnn_cell.GRUCell(2), 0)
    with self.assertRaisesRegex(ValueError, "state_is_tuple is not set"):
      wrappers.AttentionCellWrapper(rnn_cell.LSTMCell(2), 2,
                                    state_is_tuple=False)

  def test_highway_needs_outputs_shaped_like_inputs(self):
    with tf.Graph().as_default():
      cell = wrappers.HighwayWrapper(rnn_cell.GRUCell(4))
      with self.assertRaisesRegex(
          ValueError, r"outputs shaped like the inputs, got inputs \(2, 3\) "
          r"and outputs \(2, 4\)"):
        cell(tf.zeros([2, 3]), tf.zeros([2, 4]))

  def test_v1_behaviour(self):
    tf1_behaviour.rerun(self, "contrib_wrappers_test", min_tests=6)


if __name__ == "__main__":
  tf.test.main()
