"""Keras-layout recurrent cells, Keras-free, for Keras-faithful numerics.

TF1's cells keep one `kernel` over `[x, h]`; Keras' keep an input `kernel`
and a `recurrent_kernel`, with Keras' initialisers (glorot uniform, then
orthogonal for the recurrent kernel, zeros for biases; `unit_forget_bias` for
the LSTM) and Keras' gate orders. These cells reproduce Keras 3's cells
(`keras.layers.SimpleRNNCell`, `LSTMCell`, `GRUCell`) in graph mode, so that
weights copy over one to one and training starts from the same
distribution as the Keras code of the Keras tutorials:

  SimpleRNNCell: `kernel` [depth, units], `recurrent_kernel` [units, units],
    `bias` [units].
  KerasLSTMCell: `kernel` [depth, 4u], `recurrent_kernel` [u, 4u], `bias`
    [4u]; gates i, f, c, o; state `LSTMStateTuple(c, h)`.
  KerasGRUCell: `kernel` [depth, 3u], `recurrent_kernel` [u, 3u]; gates z,
    r, h; `bias` [2, 3u] (input and recurrent biases) when `reset_after`
    (Keras' default, CuDNN's convention), else [3u].
  LayerNormSimpleRNNCell: the time-series chapter's `LNSimpleRNNCell`: a linear
    SimpleRNNCell (`simple_rnn_cell/...`), layer norm (`layer_norm/gamma`,
    `layer_norm/beta`), then the activation.

`dropout` and `recurrent_dropout` are Keras' variational dropout: one mask
on the inputs and one on `h` (as it enters the recurrent matmul), each
drawn once per sequence. `sequence.rnn(..., training=...)` draws them before
the time loop and hands them over with `set_dropout_masks`.

Usage:

  from tf1seq.cells import keras_layout as keras_cells
  cell = keras_cells.KerasLSTMCell(20)
  outputs, state = tf.compat.v1.nn.dynamic_rnn(cell, x, dtype=tf.float32)
"""

import tensorflow as tf

from tf1seq import normalization
from tf1seq.cells import base as rnn_cell_base

KERNEL = "kernel"
RECURRENT_KERNEL = "recurrent_kernel"
BIAS = "bias"


def glorot_uniform(seed=None):
  """Keras' default kernel initialiser (fans from the variable's shape)."""
  return tf.compat.v1.glorot_uniform_initializer(seed=seed)


def orthogonal(seed=None):
  """Keras' default recurrent initialiser."""
  return tf.compat.v1.orthogonal_initializer(seed=seed)


def _check_rate(name, rate):
  if not isinstance(rate, (int, float)) or not 0 <= rate < 1:
    raise ValueError("%s must be a float in [0, 1), got %r" % (name, rate))
  return float(rate)


def _check_units(units):
  if not isinstance(units, int) or isinstance(units, bool) or units <= 0:
    raise ValueError("units must be a positive int, got %r" % (units,))
  return units


class KerasRNNCell(rnn_cell_base.LayerRNNCell):
  """Shared by the Keras-layout cells: units, initialisers and dropout."""

  def __init__(self, units, activation="tanh", use_bias=True,
               kernel_initializer=None, recurrent_initializer=None,
               bias_initializer=None, dropout=0., recurrent_dropout=0.,
               name=None, dtype=None, reuse=None, **kwargs):
    """Creates the cell.

    Args:
      units: positive int, the size of the output and of `h`.
      activation: name or callable; Keras' default `tanh`.
      use_bias: whether the cell has biases.
      kernel_initializer: default glorot uniform (Keras').
      recurrent_initializer: default orthogonal (Keras').
      bias_initializer: default zeros.
      dropout: fraction of the inputs dropped (one mask per sequence).
      recurrent_dropout: fraction of `h` dropped in the recurrent matmul.
      name: the variable scope; default the snake-cased class name.
      dtype: the variables' dtype; default the inputs'.
      reuse: reuse the variables of an existing scope (TF1 semantics).
      **kwargs: `trainable`.

    Raises:
      ValueError: if `units` is not a positive int or a rate is outside
        [0, 1).
    """
    super().__init__(_reuse=reuse, name=name, dtype=dtype, **kwargs)
    self.units = _check_units(units)
    self._activation = rnn_cell_base.get_activation(activation)
    self.use_bias = use_bias
    self._kernel_initializer = (
        rnn_cell_base.get_initializer(kernel_initializer) or
        glorot_uniform())
    self._recurrent_initializer = (
        rnn_cell_base.get_initializer(recurrent_initializer) or
        orthogonal())
    self._bias_initializer = (rnn_cell_base.get_initializer(bias_initializer)
                              or tf.compat.v1.zeros_initializer())
    self.dropout = _check_rate("dropout", dropout)
    self.recurrent_dropout = _check_rate("recurrent_dropout",
                                         recurrent_dropout)
    self._input_mask = None
    self._recurrent_mask = None

  @property
  def state_size(self):
    return self.units

  @property
  def output_size(self):
    return self.units

  def set_dropout_masks(self, input_mask=None, recurrent_mask=None):
    """Sets the masks `call` multiplies inputs and `h` by (None: none).

    Args:
      input_mask: `[batch, depth]`, already scaled by `1 / (1 - dropout)`.
      recurrent_mask: `[batch, units]`, likewise.
    """
    self._input_mask = input_mask
    self._recurrent_mask = recurrent_mask

  def _drop_inputs(self, inputs):
    if self._input_mask is None:
      return inputs
    return inputs * self._input_mask

  def _drop_recurrent(self, h):
    if self._recurrent_mask is None:
      return h
    return h * self._recurrent_mask

  def _add_kernels(self, depth, columns):
    self.kernel = self.add_variable(
        KERNEL, [depth, columns], initializer=self._kernel_initializer)
    self.recurrent_kernel = self.add_variable(
        RECURRENT_KERNEL, [self.units, columns],
        initializer=self._recurrent_initializer)


class SimpleRNNCell(KerasRNNCell):
  """Keras' SimpleRNNCell: `h' = activation(x @ kernel + h @ rk + bias)`."""

  def build(self, inputs_shape):
    self._add_kernels(int(inputs_shape[-1]), self.units)
    self.bias = None
    if self.use_bias:
      self.bias = self.add_variable(BIAS, [self.units],
                                    initializer=self._bias_initializer)

  def linear(self, inputs, state):
    """The pre-activation `x @ kernel + h @ recurrent_kernel + bias`."""
    z = tf.matmul(self._drop_inputs(inputs), self.kernel)
    if self.bias is not None:
      z = tf.nn.bias_add(z, self.bias)
    return z + tf.matmul(self._drop_recurrent(state), self.recurrent_kernel)

  def call(self, inputs, state):
    h = self._activation(self.linear(inputs, state))
    return h, h


class KerasLSTMCell(KerasRNNCell):
  """Keras' LSTMCell; the kernels' columns hold the gates i, f, c, o.

    i, f, o = recurrent_activation(x @ k + h @ rk + b)  (their columns)
    c' = f * c + i * activation(x @ k_c + h @ rk_c + b_c)
    h' = o * activation(c')
  """

  def __init__(self, units, recurrent_activation="sigmoid",
               unit_forget_bias=True, **kwargs):
    """Creates the cell.

    Args:
      units: positive int.
      recurrent_activation: of the gates; Keras' default `sigmoid`.
      unit_forget_bias: start the forget gate's bias at 1 (Keras' default),
        the other biases from `bias_initializer`.
      **kwargs: as `KerasRNNCell`.
    """
    super().__init__(units, **kwargs)
    self._recurrent_activation = rnn_cell_base.get_activation(
        recurrent_activation)
    self.unit_forget_bias = unit_forget_bias

  @property
  def state_size(self):
    return rnn_cell_base.LSTMStateTuple(self.units, self.units)

  def _lstm_bias_initializer(self, shape, dtype=None, partition_info=None):
    del partition_info  # Unused.
    n = self.units
    init = self._bias_initializer
    return tf.concat([init([n], dtype=dtype), tf.ones([n], dtype=dtype),
                      init([2 * n], dtype=dtype)], 0)

  def build(self, inputs_shape):
    n = self.units
    self._add_kernels(int(inputs_shape[-1]), 4 * n)
    self.bias = None
    if self.use_bias:
      initializer = (self._lstm_bias_initializer if self.unit_forget_bias
                     else self._bias_initializer)
      self.bias = self.add_variable(BIAS, [4 * n], initializer=initializer)

  def call(self, inputs, state):
    c, h = state
    z = tf.matmul(self._drop_inputs(inputs), self.kernel)
    z += tf.matmul(self._drop_recurrent(h), self.recurrent_kernel)
    if self.bias is not None:
      z = tf.nn.bias_add(z, self.bias)
    i, f, g, o = tf.split(z, 4, axis=1)
    i = self._recurrent_activation(i)
    f = self._recurrent_activation(f)
    o = self._recurrent_activation(o)
    new_c = f * c + i * self._activation(g)
    new_h = o * self._activation(new_c)
    return new_h, rnn_cell_base.LSTMStateTuple(new_c, new_h)


class KerasGRUCell(KerasRNNCell):
  """Keras' GRUCell; the kernels' columns hold the gates z, r, h.

  reset_after=True (Keras' default):
    x_z, x_r, x_h = x @ k + b[0];  h_z, h_r, h_h = h @ rk + b[1]
    hh = activation(x_h + r * h_h)
  reset_after=False:
    hh = activation(x_h + (r * h) @ rk_h)
  and z = recurrent_activation(x_z + h_z), r likewise,
  h' = z * h + (1 - z) * hh.
  """

  def __init__(self, units, recurrent_activation="sigmoid",
               reset_after=True, **kwargs):
    """Creates the cell.

    Args:
      units: positive int.
      recurrent_activation: of the gates; Keras' default `sigmoid`.
      reset_after: apply the reset gate after the recurrent matmul (two
        biases, Keras 3's default) or before it (one bias).
      **kwargs: as `KerasRNNCell`.
    """
    super().__init__(units, **kwargs)
    self._recurrent_activation = rnn_cell_base.get_activation(
        recurrent_activation)
    self.reset_after = reset_after

  def build(self, inputs_shape):
    n = self.units
    self._add_kernels(int(inputs_shape[-1]), 3 * n)
    self.bias = None
    if self.use_bias:
      shape = [2, 3 * n] if self.reset_after else [3 * n]
      self.bias = self.add_variable(BIAS, shape,
                                    initializer=self._bias_initializer)

  def call(self, inputs, state):
    n = self.units
    x = tf.matmul(self._drop_inputs(inputs), self.kernel)
    h_dropped = self._drop_recurrent(state)
    if self.bias is not None:
      input_bias = self.bias[0] if self.reset_after else self.bias
      x = tf.nn.bias_add(x, input_bias)
    x_z, x_r, x_h = tf.split(x, 3, axis=1)
    if self.reset_after:
      rec = tf.matmul(h_dropped, self.recurrent_kernel)
      if self.bias is not None:
        rec = tf.nn.bias_add(rec, self.bias[1])
      h_z, h_r, h_h = tf.split(rec, 3, axis=1)
    else:
      rec = tf.matmul(h_dropped, self.recurrent_kernel[:, :2 * n])
      h_z, h_r = tf.split(rec, 2, axis=1)
    z = self._recurrent_activation(x_z + h_z)
    r = self._recurrent_activation(x_r + h_r)
    if self.reset_after:
      hh = self._activation(x_h + r * h_h)
    else:
      hh = self._activation(
          x_h + tf.matmul(r * h_dropped, self.recurrent_kernel[:, 2 * n:]))
    new_h = z * state + (1 - z) * hh
    return new_h, new_h


class LayerNormSimpleRNNCell(KerasRNNCell):
  """The time-series chapter's `LNSimpleRNNCell`: `h' = act(LN(x @ k + h @ rk + b))`.

  Variables: `simple_rnn_cell/{kernel, recurrent_kernel, bias}` and
  `layer_norm/{gamma, beta}` (ones and zeros; epsilon 1e-3 as Keras').
  """

  def __init__(self, units, epsilon=1e-3, **kwargs):
    """Creates the cell.

    Args:
      units: positive int.
      epsilon: added to the variance in the layer norm.
      **kwargs: as `KerasRNNCell`.
    """
    super().__init__(units, **kwargs)
    self.epsilon = epsilon
    self._linear_cell = SimpleRNNCell(
        units, activation=tf.identity, use_bias=self.use_bias,
        kernel_initializer=self._kernel_initializer,
        recurrent_initializer=self._recurrent_initializer,
        bias_initializer=self._bias_initializer, name="simple_rnn_cell")

  def set_dropout_masks(self, input_mask=None, recurrent_mask=None):
    self._linear_cell.set_dropout_masks(input_mask, recurrent_mask)

  def build(self, inputs_shape):
    with tf.compat.v1.variable_scope("layer_norm"):
      self.gamma = self.add_variable(
          "gamma", [self.units], initializer=tf.compat.v1.ones_initializer())
      self.beta = self.add_variable(
          "beta", [self.units], initializer=tf.compat.v1.zeros_initializer())

  def call(self, inputs, state):
    # The inner cell's variables are created under this cell's scope, whose
    # getter records them too: `variables` lists all five.
    linear, _ = self._linear_cell(inputs, state)
    h = self._activation(normalization.layer_norm(
        linear, self.gamma, self.beta, self.epsilon))
    return h, h
