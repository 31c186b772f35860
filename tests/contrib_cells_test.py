"""Tests of tf1seq's contrib cells (contrib_cells, gru_block,
lstm_block_fused) against TensorFlow 1.15's tf.contrib.rnn.

Each case restores the TF1.15 checkpoint written by
tests/testdata/make_contrib_rnn_fixtures.py (so the variable names must be
TF1's) and compares outputs, final states and, where the fixture has them,
gradients.
"""

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

import contrib_rnn_oracle as oracle
import tf1_behaviour
from tf1seq.cells import contrib_cells
from tf1seq.cells import gru_block
from tf1seq.cells import lstm_block_fused


CELLS = {
    "nas": lambda: contrib_cells.NASCell(4),
    "nas_proj": lambda: contrib_cells.NASCell(4, num_proj=3, use_bias=True),
    "ugrnn": lambda: contrib_cells.UGRNNCell(4, forget_bias=0.5),
    "indrnn": lambda: contrib_cells.IndRNNCell(4, activation=tf.nn.relu),
    "indy_lstm": lambda: contrib_cells.IndyLSTMCell(4, forget_bias=0.5),
    "cifg": lambda: contrib_cells.CoupledInputForgetGateLSTMCell(
        4, use_peepholes=True, num_proj=3, proj_clip=0.3),
    "cifg_layer_norm": lambda: contrib_cells.CoupledInputForgetGateLSTMCell(
        4, layer_norm=True, norm_gain=0.9, norm_shift=0.1),
    "layer_norm_lstm": lambda: contrib_cells.LayerNormLSTMCell(
        4, use_peepholes=True, cell_clip=0.8, num_proj=3, proj_clip=0.4),
    "layer_norm_lstm_ln": lambda: contrib_cells.LayerNormLSTMCell(
        4, layer_norm=True, norm_gain=1.1, norm_shift=-0.1),
    "gru_block": lambda: gru_block.GRUBlockCell(4),
    "gru_block_v2": lambda: gru_block.GRUBlockCellV2(4),
}


class ContribCellsTest(tf.test.TestCase, parameterized.TestCase):

  @parameterized.parameters(sorted(CELLS))
  def test_dynamic_rnn_matches_tf115(self, case):
    with tf.Graph().as_default():
      fetch, loss = oracle.dynamic_rnn_fetch(CELLS[case](), oracle.load(case))
      oracle.check(self, case, fetch, grads_of=loss)

  def test_lstm_block_fused_matches_tf115(self):
    data = oracle.load("lstm_block_fused")
    with tf.Graph().as_default():
      x = tf.constant(data["in_x"])
      cell = lstm_block_fused.LSTMBlockFusedCell(4, forget_bias=0.5)
      outputs, state = cell(x, dtype=tf.float32,
                            sequence_length=data["in_lengths"])
      loss = tf.reduce_sum(outputs * outputs) + tf.reduce_sum(state.c)
      oracle.check(self, "lstm_block_fused", {
          "outputs": outputs, "state_0": state.c, "state_1": state.h,
          "grad_x": tf.gradients(loss, [x])[0]})
      self.assertEqual([v.op.name for v in cell.variables],
                       ["lstm_fused_cell/kernel", "lstm_fused_cell/bias"])

  def test_lstm_block_fused_peephole_matches_tf115(self):
    data = oracle.load("lstm_block_fused_peephole")
    with tf.Graph().as_default():
      cell = lstm_block_fused.LSTMBlockFusedCell(
          4, cell_clip=0.5, use_peephole=True, name="fused")
      outputs, state = cell(
          tf.constant(data["in_x"]),
          initial_state=(tf.constant(data["in_c0"]),
                         tf.constant(data["in_h0"])))
      oracle.check(self, "lstm_block_fused_peephole", {
          "outputs": outputs, "state_0": state.c, "state_1": state.h})

  def test_lstm_block_fused_list_inputs_and_reuse(self):
    with tf.Graph().as_default():
      cell = lstm_block_fused.LSTMBlockFusedCell(2)
      x = tf.ones([3, 1, 2])
      outputs, _ = cell(tf.unstack(x), dtype=tf.float32)
      again, _ = cell(x, dtype=tf.float32)
      self.assertLen(outputs, 3)
      self.assertLen(tf.compat.v1.global_variables(), 2)
      with tf.compat.v1.Session() as sess:
        sess.run(tf.compat.v1.global_variables_initializer())
        first, second = sess.run([tf.stack(outputs), again])
      self.assertAllClose(first, second)

  def test_gru_block_is_gru_cell_formula(self):
    # A numpy GRU from the fetched weights (r, u = sigmoid; c = tanh).
    with tf.Graph().as_default():
      cell = gru_block.GRUBlockCell(3)
      x = tf.constant(np.linspace(-1, 1, 8).reshape(2, 4), tf.float32)
      h = tf.constant(np.linspace(1, -1, 6).reshape(2, 3), tf.float32)
      new_h, _ = cell(x, h)
      with tf.compat.v1.Session() as sess:
        sess.run(tf.compat.v1.global_variables_initializer())
        got, xv, hv, (w_ru, b_ru, w_c, b_c) = sess.run(
            [new_h, x, h, cell.variables])
    sigmoid = lambda z: 1 / (1 + np.exp(-z))
    r, u = np.split(sigmoid(np.concatenate([xv, hv], 1) @ w_ru + b_ru), 2, 1)
    c = np.tanh(np.concatenate([xv, r * hv], 1) @ w_c + b_c)
    self.assertAllClose(got, u * hv + (1 - u) * c, atol=1e-6)

  def test_bad_arguments(self):
    with self.assertRaisesRegex(ValueError, "Exactly one of num_units or "
                                "cell_size must be provided"):
      gru_block.GRUBlockCell()
    with tf.Graph().as_default():
      with self.assertRaisesRegex(ValueError, "Either initial_state or dtype"):
        lstm_block_fused.LSTMBlockFusedCell(2)(tf.ones([3, 1, 2]))
      with self.assertRaisesRegex(ValueError, "Expecting initial_state to be "
                                  "a tuple with length 2 or None"):
        lstm_block_fused.LSTMBlockFusedCell(2)(tf.ones([3, 1, 2]),
                                               initial_state=[tf.ones([1, 2])])
      with self.assertRaisesRegex(ValueError, r"Expecting inputs_shape\[2\] "
                                  "to be set"):
        lstm_block_fused.LSTMBlockFusedCell(2)(
            tf.compat.v1.placeholder(tf.float32, [3, 1, None]),
            dtype=tf.float32)
      with self.assertRaisesRegex(ValueError, "Too many shards"):
        cell = contrib_cells.CoupledInputForgetGateLSTMCell(
            2, num_proj=1, num_proj_shards=3)
        cell(tf.ones([1, 2]), cell.zero_state(1, tf.float32))

  @parameterized.parameters("ugrnn", "cifg", "layer_norm_lstm")
  def test_unknown_input_depth(self, case):
    with tf.Graph().as_default():
      cell = CELLS[case]()
      with self.assertRaisesRegex(ValueError, r"Could not infer input size "
                                  r"from inputs.get_shape\(\)\[-1\]"):
        cell(tf.compat.v1.placeholder(tf.float32, [2, None]),
             cell.zero_state(2, tf.float32))

  def test_cifg_sharded_weights(self):
    with tf.Graph().as_default():
      cell = contrib_cells.CoupledInputForgetGateLSTMCell(
          4, num_unit_shards=3)
      cell(tf.ones([1, 3]), cell.zero_state(1, tf.float32))
      self.assertEqual(
          [(v.op.name, v.shape.as_list()) for v in cell.variables],
          [("coupled_input_forget_gate_lstm_cell/W_%d" % i, [rows, 12])
           for i, rows in enumerate([3, 2, 2])] +
          [("coupled_input_forget_gate_lstm_cell/B", [12])])

  def test_v1_behaviour(self):
    tf1_behaviour.rerun(self, "contrib_cells_test", min_tests=8)


if __name__ == "__main__":
  tf.test.main()
