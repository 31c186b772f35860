"""TF1's `tf.contrib.rnn.GRUBlockCell` and `GRUBlockCellV2` in plain TF ops.

TF1 ran these as the fused `GRUBlockCell` op; tf1seq computes the same
formula with ordinary ops (so gradients exist on TensorFlow 2):

  r, u = split(sigmoid([x, h] @ W_ru + b_ru))     b_ru starts at 1
  c = tanh([x, r * h] @ W_c + b_c)                b_c starts at 0
  h' = u * h + (1 - u) * c

The two classes differ only in their variable names (default scope
`gru_cell`, as in TF1):

  GRUBlockCell    gru_cell/{w_ru, b_ru, w_c, b_c}
  GRUBlockCellV2  gru_cell/{gates/kernel, gates/bias,
                            candidate/kernel, candidate/bias}
                  (the names of tf.nn.rnn_cell.GRUCell's checkpoints)

Usage:

  from tf1seq.cells import gru_block
  cell = gru_block.GRUBlockCell(128)
  outputs, state = tf.compat.v1.nn.dynamic_rnn(cell, x, dtype=tf.float32)
"""

from absl import logging
import tensorflow as tf

from tf1seq import rnn_cell


class GRUBlockCell(rnn_cell.LayerRNNCell):
  """TF1's block GRU cell; variables `w_ru`, `b_ru`, `w_c`, `b_c`."""

  # The variable names of the gates' and candidate's kernel and bias.
  _NAMES = ("w_ru", "b_ru", "w_c", "b_c")

  def __init__(self, num_units=None, cell_size=None, reuse=None,
               name="gru_cell"):
    """Creates the cell.

    Args:
      num_units: int, the state's depth.
      cell_size: deprecated alias of `num_units`.
      reuse: reuse the variables of an existing scope (TF1 semantics).
      name: the scope name; default `gru_cell` (uniquified, as in TF1).

    Raises:
      ValueError: unless exactly one of `num_units` and `cell_size` is
        given.
    """
    super().__init__(_reuse=reuse, name=name)
    if (cell_size is None) == (num_units is None):
      raise ValueError(
          "Exactly one of num_units or cell_size must be provided.")
    if num_units is None:
      logging.warning("cell_size is deprecated, use num_units instead")
      num_units = cell_size
    self._cell_size = num_units

  @property
  def state_size(self):
    return self._cell_size

  @property
  def output_size(self):
    return self._cell_size

  def build(self, inputs_shape):
    depth = tf.compat.dimension_value(tf.TensorShape(inputs_shape)[1])
    if depth is None:
      raise ValueError("Expecting input_size to be set.")
    n = self._cell_size
    w_ru, b_ru, w_c, b_c = self._NAMES
    self._gate_kernel = self.add_variable(w_ru, [depth + n, 2 * n])
    self._gate_bias = self.add_variable(
        b_ru, [2 * n], initializer=tf.compat.v1.constant_initializer(1.0))
    self._candidate_kernel = self.add_variable(w_c, [depth + n, n])
    self._candidate_bias = self.add_variable(
        b_c, [n], initializer=tf.compat.v1.constant_initializer(0.0))

  def call(self, inputs, state):
    gates = tf.sigmoid(tf.nn.bias_add(
        tf.matmul(tf.concat([inputs, state], 1), self._gate_kernel),
        self._gate_bias))
    r, u = tf.split(gates, 2, axis=1)
    c = tf.tanh(tf.nn.bias_add(
        tf.matmul(tf.concat([inputs, r * state], 1), self._candidate_kernel),
        self._candidate_bias))
    new_h = u * state + (1 - u) * c
    return new_h, new_h


class GRUBlockCellV2(GRUBlockCell):
  """`GRUBlockCell` with GRUCell's variable names (`gates/kernel`, ...)."""

  _NAMES = ("gates/kernel", "gates/bias", "candidate/kernel",
            "candidate/bias")
