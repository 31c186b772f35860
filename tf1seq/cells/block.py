"""TF1's `tf.contrib.rnn.LSTMBlockCell`, Keras-free, in plain TF ops.

TF1 ran this cell as one fused op (`LSTMBlockCell`, lstm_ops); TensorFlow 2
still has the forward op but no gradient for it, so tf1seq computes the same
formula with ordinary ops. Variables, as TF1 named them (the default scope
is `lstm_cell`, so its checkpoints are `tf.nn.rnn_cell.LSTMCell`'s):

  kernel [depth + units, 4 * units], bias [4 * units] (zeros), and with
  `use_peephole` w_i_diag, w_f_diag, w_o_diag [units].

The kernel's columns hold the gates in the op's order i, cs (the new
input, `j` in LSTMCell), f, o:

  i = sigmoid(x_i + w_i_diag * c)
  f = sigmoid(x_f + forget_bias + w_f_diag * c)
  c' = clip(tanh(x_cs) * i + c * f, cell_clip)     (no clip if cell_clip <= 0)
  o = sigmoid(x_o + w_o_diag * c')
  h' = tanh(c') * o

Usage:

  from tf1seq.cells import block as block_cells
  cell = block_cells.LSTMBlockCell(200, forget_bias=0.0)
  outputs, state = tf.compat.v1.nn.dynamic_rnn(cell, x, dtype=tf.float32)
"""

import tensorflow as tf

from tf1seq.cells import base as rnn_cell_base

LSTMStateTuple = rnn_cell_base.LSTMStateTuple


class LSTMBlockCell(rnn_cell_base.LayerRNNCell):
  """TF1's `tf.contrib.rnn.LSTMBlockCell` (state `LSTMStateTuple(c, h)`)."""

  def __init__(self, num_units, forget_bias=1.0, cell_clip=None,
               use_peephole=False, dtype=None, reuse=None, name="lstm_cell"):
    """Creates the cell.

    Args:
      num_units: int, the number of units.
      forget_bias: float added to the forget gate's pre-activation.
      cell_clip: optional float; the cell state is clipped to
        [-cell_clip, cell_clip] when it is > 0. Default: no clipping.
      use_peephole: add the diagonal peephole connections.
      dtype: the variables' dtype; default the inputs' dtype.
      reuse: reuse variables of an existing scope (TF1 semantics).
      name: the scope name; default `lstm_cell` (uniquified, as in TF1).
    """
    super().__init__(_reuse=reuse, name=name, dtype=dtype)
    rnn_cell_base.check_supported_dtype(self.dtype)
    if not isinstance(num_units, int) or num_units <= 0:
      raise ValueError("num_units must be a positive int, got %r" %
                       (num_units,))
    self._num_units = num_units
    self._forget_bias = forget_bias
    self._cell_clip = cell_clip if cell_clip is not None else -1
    self._use_peephole = use_peephole

  @property
  def state_size(self):
    return LSTMStateTuple(self._num_units, self._num_units)

  @property
  def output_size(self):
    return self._num_units

  def build(self, inputs_shape):
    depth = inputs_shape[-1]
    n = self._num_units
    self._kernel = self.add_variable(rnn_cell_base.KERNEL,
                                     shape=[depth + n, 4 * n])
    self._bias = self.add_variable(
        rnn_cell_base.BIAS, shape=[4 * n],
        initializer=tf.compat.v1.constant_initializer(0.0))
    if self._use_peephole:
      self._w_i_diag = self.add_variable("w_i_diag", shape=[n])
      self._w_f_diag = self.add_variable("w_f_diag", shape=[n])
      self._w_o_diag = self.add_variable("w_o_diag", shape=[n])

  def call(self, inputs, state):
    if len(state) != 2:
      raise ValueError("Expecting state to be a tuple with length 2.")
    c_prev, h_prev = state
    gates = tf.nn.bias_add(
        tf.matmul(tf.concat([inputs, h_prev], 1), self._kernel), self._bias)
    i, cs, f, o = tf.split(gates, num_or_size_splits=4, axis=1)
    f = f + tf.constant(self._forget_bias, dtype=f.dtype)
    if self._use_peephole:
      i = i + c_prev * self._w_i_diag
      f = f + c_prev * self._w_f_diag
    c = tf.tanh(cs) * tf.sigmoid(i) + c_prev * tf.sigmoid(f)
    if self._cell_clip > 0:
      c = tf.clip_by_value(c, -self._cell_clip, self._cell_clip)
    if self._use_peephole:
      o = o + c * self._w_o_diag
    h = tf.tanh(c) * tf.sigmoid(o)
    return h, LSTMStateTuple(c, h)
