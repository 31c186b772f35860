"""TF1's LSTM cells, Keras-free, with TF1's variable names and numerics.

  BasicLSTMCell: `kernel` [depth + units, 4 * units], `bias` [4 * units].
  LSTMCell: the same, plus peepholes `w_f_diag`, `w_i_diag`, `w_o_diag`
    [units] and `projection/kernel` [units, num_proj].
  LayerNormBasicLSTMCell (tf.contrib.rnn): `kernel`, no bias with layer
    norm, and `gamma`/`beta` [units] under `input/`, `transform/`,
    `forget/`, `output/` and `state/`.

The kernel's columns hold the gates in TF1's order i, j, f, o (input gate,
new input, forget gate, output gate), so a TF1 checkpoint restores as is.

Usage:

  from tf1seq import rnn_cell
  cell = rnn_cell.BasicLSTMCell(128)
  state = cell.zero_state(batch_size, tf.float32)
  outputs, state = tf.compat.v1.nn.dynamic_rnn(cell, x, initial_state=state)
  logits = layers.dense(state.h, 10)
"""

import tensorflow as tf

from tf1seq import normalization
from tf1seq.cells import base as rnn_cell_base

LSTMStateTuple = rnn_cell_base.LSTMStateTuple


def _split_state(state, state_is_tuple, c_size, h_size):
  """Returns `(c, h)` from a tuple or a concatenated `[c, h]` state."""
  if state_is_tuple:
    c, h = state
    return c, h
  return (tf.slice(state, [0, 0], [-1, c_size]),
          tf.slice(state, [0, c_size], [-1, h_size]))


def _hoisted_lstm_step(cell, input_depth, h_size):
  """The `HoistedStep` of an LSTM cell with `_kernel`, `_bias`, `_update`."""
  kernel = tf.convert_to_tensor(cell._kernel)  # A partitioned one, joined.  pylint: disable=protected-access
  input_kernel = kernel[:input_depth]
  recurrent_kernel = kernel[input_depth:]
  c_size = cell._num_units  # pylint: disable=protected-access
  state_is_tuple = cell._state_is_tuple  # pylint: disable=protected-access

  def project(inputs):
    return tf.nn.bias_add(tf.matmul(inputs, input_kernel), cell._bias)  # pylint: disable=protected-access

  def step(projected, state):
    c, h = _split_state(state, state_is_tuple, c_size, h_size)
    return cell._update(projected + tf.matmul(h, recurrent_kernel), c)  # pylint: disable=protected-access

  return rnn_cell_base.HoistedStep(project, step)


class BasicLSTMCell(rnn_cell_base.LayerRNNCell):
  """Basic LSTM cell (no peepholes, no clipping, no projection).

  Gates, in the kernel's column order: i, j, f, o.
    c' = c * sigmoid(f + forget_bias) + sigmoid(i) * activation(j)
    h' = activation(c') * sigmoid(o)
  """

  def __init__(self, num_units, forget_bias=1.0, state_is_tuple=True,
               activation=None, reuse=None, name=None, dtype=None, **kwargs):
    """Creates the cell.

    Args:
      num_units: int, the number of units.
      forget_bias: float added to the forget gate's pre-activation.
      state_is_tuple: if True, the state is `LSTMStateTuple(c, h)`; if
        False, `c` and `h` concatenated along axis 1.
      activation: nonlinearity of the inner states; default `tanh`.
      reuse: reuse variables of an existing scope (TF1 semantics).
      name: the scope name; default `basic_lstm_cell`.
      dtype: the variables' dtype; default the inputs' dtype.
      **kwargs: `trainable`.
    """
    super().__init__(_reuse=reuse, name=name, dtype=dtype, **kwargs)
    rnn_cell_base.check_supported_dtype(self.dtype)
    self._num_units = num_units
    self._forget_bias = forget_bias
    self._state_is_tuple = state_is_tuple
    self._activation = rnn_cell_base.get_activation(activation)

  @property
  def state_size(self):
    if self._state_is_tuple:
      return LSTMStateTuple(self._num_units, self._num_units)
    return 2 * self._num_units

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
        initializer=tf.compat.v1.zeros_initializer())

  def call(self, inputs, state):
    c, h = _split_state(state, self._state_is_tuple, self._num_units,
                        self._num_units)
    gate_inputs = tf.matmul(tf.concat([inputs, h], 1), self._kernel)
    gate_inputs = tf.nn.bias_add(gate_inputs, self._bias)
    return self._update(gate_inputs, c)

  def _update(self, gate_inputs, c):
    """`(output, new_state)` from the gates' pre-activations and `c`."""
    i, j, f, o = tf.split(value=gate_inputs, num_or_size_splits=4, axis=1)
    forget_bias = tf.constant(self._forget_bias, dtype=f.dtype)
    new_c = tf.add(tf.multiply(c, tf.sigmoid(tf.add(f, forget_bias))),
                   tf.multiply(tf.sigmoid(i), self._activation(j)))
    new_h = tf.multiply(self._activation(new_c), tf.sigmoid(o))
    if self._state_is_tuple:
      return new_h, LSTMStateTuple(new_c, new_h)
    return new_h, tf.concat([new_c, new_h], 1)

  def _hoisted_step(self, input_depth):
    return _hoisted_lstm_step(self, input_depth, self._num_units)

  def _fused_lstm_parameters(self, dtype):
    if self._activation is not tf.tanh or dtype not in (tf.float32,
                                                        tf.float64):
      return None
    return rnn_cell_base.FusedLSTMParameters(
        tf.convert_to_tensor(self._kernel), self._bias,
        float(self._forget_bias), self._num_units, self._state_is_tuple)


class LSTMCell(rnn_cell_base.LayerRNNCell):
  """LSTM cell with optional peepholes, cell clipping and projection.

  Gates, in the kernel's column order: i, j, f, o. With peepholes
  (Sak et al., 2014):
    c' = sigmoid(f + forget_bias + w_f_diag * c) * c
         + sigmoid(i + w_i_diag * c) * activation(j)
    m = sigmoid(o + w_o_diag * c') * activation(c')
  then c' is clipped to +-cell_clip, and m projected by `projection/kernel`
  and clipped to +-proj_clip.
  """

  def __init__(self, num_units, use_peepholes=False, cell_clip=None,
               initializer=None, num_proj=None, proj_clip=None,
               num_unit_shards=None, num_proj_shards=None, forget_bias=1.0,
               state_is_tuple=True, activation=None, reuse=None, name=None,
               dtype=None, **kwargs):
    """Creates the cell.

    Args:
      num_units: int, the number of units.
      use_peepholes: adds diagonal peephole connections.
      cell_clip: if set, `c` is clipped to [-cell_clip, cell_clip].
      initializer: initializer of the kernel, peepholes and projection.
      num_proj: if set, the output (and `h`) is projected to this size.
      proj_clip: if set (with num_proj), the projection is clipped.
      num_unit_shards: deprecated; partitions the kernel in this many shards.
      num_proj_shards: deprecated; partitions the projection.
      forget_bias: float added to the forget gate's pre-activation.
      state_is_tuple: `LSTMStateTuple(c, h)` if True, else concatenated.
      activation: nonlinearity of the inner states; default `tanh`.
      reuse: reuse variables of an existing scope (TF1 semantics).
      name: the scope name; default `lstm_cell`.
      dtype: the variables' dtype; default the inputs' dtype.
      **kwargs: `trainable`.
    """
    super().__init__(_reuse=reuse, name=name, dtype=dtype, **kwargs)
    rnn_cell_base.check_supported_dtype(self.dtype)
    self._num_units = num_units
    self._use_peepholes = use_peepholes
    self._cell_clip = cell_clip
    self._initializer = rnn_cell_base.get_initializer(initializer)
    self._num_proj = num_proj
    self._proj_clip = proj_clip
    self._num_unit_shards = num_unit_shards
    self._num_proj_shards = num_proj_shards
    self._forget_bias = forget_bias
    self._state_is_tuple = state_is_tuple
    self._activation = rnn_cell_base.get_activation(activation)
    h_size = num_proj or num_units
    self._output_size = h_size
    self._state_size = (LSTMStateTuple(num_units, h_size) if state_is_tuple
                        else num_units + h_size)

  @property
  def state_size(self):
    return self._state_size

  @property
  def output_size(self):
    return self._output_size

  def build(self, inputs_shape):
    depth = inputs_shape[-1]
    n = self._num_units
    h_depth = self._num_proj or n
    self._kernel = self.add_variable(
        rnn_cell_base.KERNEL, shape=[depth + h_depth, 4 * n],
        initializer=self._initializer,
        partitioner=_partitioner(self._num_unit_shards))
    self._bias = self.add_variable(
        rnn_cell_base.BIAS, shape=[4 * n],
        initializer=tf.compat.v1.zeros_initializer())
    if self._use_peepholes:
      self._w_f_diag = self.add_variable("w_f_diag", shape=[n],
                                         initializer=self._initializer)
      self._w_i_diag = self.add_variable("w_i_diag", shape=[n],
                                         initializer=self._initializer)
      self._w_o_diag = self.add_variable("w_o_diag", shape=[n],
                                         initializer=self._initializer)
    if self._num_proj is not None:
      self._proj_kernel = self.add_variable(
          "projection/" + rnn_cell_base.KERNEL, shape=[n, self._num_proj],
          initializer=self._initializer,
          partitioner=_partitioner(self._num_proj_shards))

  def call(self, inputs, state):
    c_prev, m_prev = _split_state(state, self._state_is_tuple,
                                  self._num_units, self._output_size)
    lstm_matrix = tf.matmul(tf.concat([inputs, m_prev], 1), self._kernel)
    lstm_matrix = tf.nn.bias_add(lstm_matrix, self._bias)
    return self._update(lstm_matrix, c_prev)

  def _hoisted_step(self, input_depth):
    return _hoisted_lstm_step(self, input_depth, self._output_size)

  def _fused_lstm_parameters(self, dtype):
    if (self._use_peepholes or self._cell_clip is not None or
        self._num_proj is not None or self._activation is not tf.tanh or
        dtype not in (tf.float32, tf.float64)):
      return None
    return rnn_cell_base.FusedLSTMParameters(
        tf.convert_to_tensor(self._kernel), self._bias,
        float(self._forget_bias), self._num_units, self._state_is_tuple)

  def _update(self, lstm_matrix, c_prev):
    """`(output, new_state)` from the gates' pre-activations and `c`."""
    sigmoid = tf.sigmoid
    i, j, f, o = tf.split(value=lstm_matrix, num_or_size_splits=4, axis=1)
    if self._use_peepholes:
      c = (sigmoid(f + self._forget_bias + self._w_f_diag * c_prev) * c_prev +
           sigmoid(i + self._w_i_diag * c_prev) * self._activation(j))
    else:
      c = (sigmoid(f + self._forget_bias) * c_prev +
           sigmoid(i) * self._activation(j))
    if self._cell_clip is not None:
      c = tf.clip_by_value(c, -self._cell_clip, self._cell_clip)
    if self._use_peepholes:
      m = sigmoid(o + self._w_o_diag * c) * self._activation(c)
    else:
      m = sigmoid(o) * self._activation(c)
    if self._num_proj is not None:
      m = tf.matmul(m, self._proj_kernel)
      if self._proj_clip is not None:
        m = tf.clip_by_value(m, -self._proj_clip, self._proj_clip)
    if self._state_is_tuple:
      return m, LSTMStateTuple(c, m)
    return m, tf.concat([c, m], 1)


def _partitioner(num_shards):
  if num_shards is None:
    return None
  return tf.compat.v1.fixed_size_partitioner(num_shards)


_LAYER_NORM_SCOPES = ("input", "transform", "forget", "output", "state")


class LayerNormBasicLSTMCell(rnn_cell_base.LayerRNNCell):
  """tf.contrib.rnn's LSTM with layer normalisation and recurrent dropout.

  Ba et al. (2016) layer norm on each gate and on the new cell state, and
  Semeniuta et al. (2016) dropout on the candidate `g = activation(j)`:
    i, j, f, o = LN_i(.), LN_j(.), LN_f(.), LN_o(.) of [x, h] @ kernel
    c' = LN_state(c * sigmoid(f + forget_bias) + sigmoid(i) * dropout(g))
    h' = activation(c') * sigmoid(o)
  Each LN normalises over the units (epsilon 1e-12) with its own
  `gamma` (init norm_gain) and `beta` (init norm_shift).
  """

  def __init__(self, num_units, forget_bias=1.0, input_size=None,
               activation=tf.tanh, layer_norm=True, norm_gain=1.0,
               norm_shift=0.0, dropout_keep_prob=1.0, dropout_prob_seed=None,
               reuse=None):
    """Creates the cell.

    Args:
      num_units: int, the number of units.
      forget_bias: float added to the forget gate's pre-activation.
      input_size: deprecated and unused (as in TF1).
      activation: nonlinearity; default `tanh`.
      layer_norm: if False, no normalisation and a `bias` is added.
      norm_gain: initial value of every `gamma`.
      norm_shift: initial value of every `beta`.
      dropout_keep_prob: float or scalar tensor: keep probability of the
        candidate's dropout.
      dropout_prob_seed: int, the dropout seed.
      reuse: reuse variables of an existing scope (TF1 semantics).
    """
    del input_size  # Deprecated in TF1 too.
    super().__init__(_reuse=reuse)
    self._num_units = num_units
    self._activation = rnn_cell_base.get_activation(activation)
    self._forget_bias = forget_bias
    self._keep_prob = dropout_keep_prob
    self._seed = dropout_prob_seed
    self._layer_norm = layer_norm
    self._norm_gain = norm_gain
    self._norm_shift = norm_shift

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
    self._bias = None
    self._norm_params = {}
    if not self._layer_norm:
      self._bias = self.add_variable(rnn_cell_base.BIAS, shape=[4 * n])
      return
    for scope in _LAYER_NORM_SCOPES:
      gamma = self.add_variable(
          scope + "/gamma", shape=[n],
          initializer=tf.compat.v1.constant_initializer(self._norm_gain))
      beta = self.add_variable(
          scope + "/beta", shape=[n],
          initializer=tf.compat.v1.constant_initializer(self._norm_shift))
      self._norm_params[scope] = (gamma, beta)

  def _norm(self, inputs, scope):
    gamma, beta = self._norm_params[scope]
    return normalization.layer_norm(inputs, gamma, beta, 1e-12)

  def call(self, inputs, state):
    c, h = state
    concat = tf.matmul(tf.concat([inputs, h], 1), self._kernel)
    if self._bias is not None:
      concat = tf.nn.bias_add(concat, self._bias)
    i, j, f, o = tf.split(value=concat, num_or_size_splits=4, axis=1)
    if self._layer_norm:
      i = self._norm(i, "input")
      j = self._norm(j, "transform")
      f = self._norm(f, "forget")
      o = self._norm(o, "output")
    g = self._activation(j)
    if not isinstance(self._keep_prob, float) or self._keep_prob < 1:
      g = tf.nn.dropout(g, rate=1 - self._keep_prob, seed=self._seed)
    new_c = c * tf.sigmoid(f + self._forget_bias) + tf.sigmoid(i) * g
    if self._layer_norm:
      new_c = self._norm(new_c, "state")
    new_h = self._activation(new_c) * tf.sigmoid(o)
    return new_h, LSTMStateTuple(new_c, new_h)
