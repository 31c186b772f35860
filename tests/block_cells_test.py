"""Tests for tf1seq.cells.block: TF1's tf.contrib.rnn.LSTMBlockCell.

References: an independent numpy formulation of TF1's lstm_ops kernel, that
kernel itself (`tf.raw_ops.LSTMBlockCell`, forward only in TF 2), and TF's
own legacy `LSTMCell`, whose checkpoints LSTMBlockCell's are.
"""

import numpy as np
import tensorflow as tf

import oracle
from tf1seq.cells import block as block_cells
from tf1seq import rnn_cell


def sigmoid(x):
  return 1. / (1. + np.exp(-x))


def numpy_lstm_block(x, c, h, kernel, bias, forget_bias=1.0, cell_clip=-1,
                     diagonals=None):
  """One step of TF1's LSTMBlockCell op in float64 numpy; returns (c, h)."""
  gates = np.concatenate([x, h], 1).dot(kernel) + bias
  i, cs, f, o = np.split(gates, 4, axis=1)
  wci, wcf, wco = diagonals if diagonals is not None else (0., 0., 0.)
  i = sigmoid(i + c * wci)
  f = sigmoid(f + forget_bias + c * wcf)
  new_c = np.tanh(cs) * i + c * f
  if cell_clip > 0:
    new_c = np.clip(new_c, -cell_clip, cell_clip)
  o = sigmoid(o + new_c * wco)
  return new_c, np.tanh(new_c) * o


def run_graph(fetches):
  with tf.compat.v1.Session() as session:
    session.run(tf.compat.v1.global_variables_initializer())
    return session.run(fetches)


class LSTMBlockCellTest(tf.test.TestCase):

  def _unrolled_against_numpy(self, steps=4, **kwargs):
    inputs = oracle.random_array([3, steps, 2], seed=1, low=-2., high=2.)
    with tf.Graph().as_default():
      tf.compat.v1.set_random_seed(3)
      cell = block_cells.LSTMBlockCell(5, **kwargs)
      outputs, state = tf.compat.v1.nn.dynamic_rnn(
          cell, tf.constant(inputs), dtype=tf.float32)
      names = [v.op.name for v in cell.weights]
      values = run_graph({"outputs": outputs, "state": state,
                          "weights": cell.weights})
    weights = [w.astype(np.float64) for w in values["weights"]]
    diagonals = weights[2:] if kwargs.get("use_peephole") else None
    c = h = np.zeros([3, 5])
    expected = []
    for t in range(steps):
      c, h = numpy_lstm_block(
          inputs[:, t].astype(np.float64), c, h, weights[0], weights[1],
          forget_bias=kwargs.get("forget_bias", 1.0),
          cell_clip=kwargs.get("cell_clip") or -1, diagonals=diagonals)
      expected.append(h)
    self.assertAllClose(values["outputs"], np.stack(expected, 1), atol=1e-6)
    self.assertAllClose(values["state"].c, c, atol=1e-6)
    self.assertAllClose(values["state"].h, h, atol=1e-6)
    return names, values

  def test_defaults_match_numpy(self):
    names, values = self._unrolled_against_numpy()
    self.assertEqual(names, ["rnn/lstm_cell/kernel", "rnn/lstm_cell/bias"])
    self.assertEqual(values["weights"][0].shape, (7, 20))
    self.assertAllEqual(values["weights"][1], np.zeros([20]))  # Zeros init.

  def test_peephole_clip_and_forget_bias_match_numpy(self):
    names, values = self._unrolled_against_numpy(
        steps=6, use_peephole=True, cell_clip=0.4, forget_bias=0.25)
    self.assertEqual(names, ["rnn/lstm_cell/kernel", "rnn/lstm_cell/bias",
                             "rnn/lstm_cell/w_i_diag",
                             "rnn/lstm_cell/w_f_diag",
                             "rnn/lstm_cell/w_o_diag"])
    self.assertLessEqual(np.max(np.abs(values["state"].c)), 0.4 + 1e-7)

  def test_matches_tensorflow_lstm_block_cell_kernel(self):
    x = oracle.random_array([4, 3], seed=2)
    c = oracle.random_array([4, 6], seed=3, low=-2., high=2.)
    h = oracle.random_array([4, 6], seed=4)
    with tf.Graph().as_default():
      cell = block_cells.LSTMBlockCell(6, forget_bias=0.7, cell_clip=0.9,
                                       use_peephole=True)
      _, state = cell(tf.constant(x), rnn_cell.LSTMStateTuple(
          tf.constant(c), tf.constant(h)))
      kernel, bias, wci, wcf, wco = cell.weights
      reference = tf.raw_ops.LSTMBlockCell(
          x=x, cs_prev=c, h_prev=h, w=kernel, wci=wci, wcf=wcf, wco=wco,
          b=bias, forget_bias=0.7, cell_clip=0.9, use_peephole=True)
      got, want = run_graph(((state.c, state.h), (reference.cs,
                                                  reference.h)))
    self.assertAllClose(got, want, atol=1e-6, rtol=0)

  def test_checkpoints_are_tf1_lstm_cells(self):
    inputs = oracle.random_array([2, 5, 3], seed=5)

    def build(api):
      if api.name == oracle.TF1SEQ:
        cell = block_cells.LSTMBlockCell(4, use_peephole=True, cell_clip=0.5)
      else:
        cell = api.rnn_cell.LSTMCell(4, use_peepholes=True, cell_clip=0.5)
      outputs, state = tf.compat.v1.nn.dynamic_rnn(
          cell, tf.constant(inputs), dtype=tf.float32)
      return {"outputs": outputs, "state": state}

    pair = oracle.compare_with_oracle(build, self.create_tempdir().full_path)
    self.assertEqual(sorted(pair.variables[0]), sorted(pair.variables[1]))
    self.assertLessEqual(oracle.max_abs_difference(pair.expected,
                                                   pair.actual), 1e-6)
    self.assertLessEqual(oracle.max_abs_difference(pair.reverse_expected,
                                                   pair.reverse_actual), 1e-6)

  def test_names_in_a_stack_and_uniquified(self):
    with tf.Graph().as_default():
      stack = rnn_cell.MultiRNNCell([block_cells.LSTMBlockCell(3)
                                     for _ in range(2)])
      tf.compat.v1.nn.dynamic_rnn(stack, tf.zeros([1, 2, 4]),
                                  dtype=tf.float32)
      first, second = block_cells.LSTMBlockCell(2), block_cells.LSTMBlockCell(2)
      zeros = first.zero_state(1, tf.float32)
      first(tf.zeros([1, 2]), zeros)
      second(tf.zeros([1, 2]), zeros)
      names = [v.op.name for v in tf.compat.v1.global_variables()]
    self.assertEqual(names, [
        "rnn/multi_rnn_cell/cell_0/lstm_cell/kernel",
        "rnn/multi_rnn_cell/cell_0/lstm_cell/bias",
        "rnn/multi_rnn_cell/cell_1/lstm_cell/kernel",
        "rnn/multi_rnn_cell/cell_1/lstm_cell/bias",
        "lstm_cell/kernel", "lstm_cell/bias",
        "lstm_cell_1/kernel", "lstm_cell_1/bias"])

  def test_gradients_and_sizes(self):
    with tf.Graph().as_default():
      cell = block_cells.LSTMBlockCell(3, use_peephole=True)
      self.assertEqual(cell.state_size, rnn_cell.LSTMStateTuple(3, 3))
      self.assertEqual(cell.output_size, 3)
      outputs, _ = tf.compat.v1.nn.dynamic_rnn(
          cell, tf.ones([2, 4, 2]), dtype=tf.float32)
      grads = tf.gradients(tf.reduce_sum(outputs), cell.weights)
      values = run_graph(grads)
    self.assertLen(values, 5)
    for value in values:
      self.assertGreater(np.max(np.abs(value)), 0.)

  def test_bad_arguments(self):
    with self.assertRaisesRegex(ValueError, r"num_units"):
      block_cells.LSTMBlockCell(0)
    with tf.Graph().as_default():
      cell = block_cells.LSTMBlockCell(3)
      with self.assertRaisesRegex(ValueError, r"state"):
        cell(tf.zeros([1, 2]), (tf.zeros([1, 3]),))


if __name__ == "__main__":
  tf.test.main()
