"""More of TF1's `tf.contrib.rnn` cells, Keras-free, with TF1's variables.

  NASCell                          nas_cell/{kernel, recurrent_kernel}
                                   [+ bias, projection_weights]
  UGRNNCell                        ugrnn_cell/{kernel, bias}
  IndRNNCell                       ind_rnn_cell/{kernel_w, kernel_u, bias}
  IndyLSTMCell                     indy_lstm_cell/{kernel_w, kernel_u, bias}
  CoupledInputForgetGateLSTMCell   coupled_input_forget_gate_lstm_cell/
                                   {W_0, B} [+ W_F_diag, W_O_diag, W_P_0,
                                   transform|forget|output|state/{gamma,beta}]
  LayerNormLSTMCell                layer_norm_lstm_cell/{kernel, bias}
                                   [+ w_*_diag, projection/kernel,
                                   input|transform|forget|output|state/...]

(`LayerNormLSTMCell` lived in TF1.15's tf.contrib.rnn sources but was not
exported by `tf.contrib.rnn`; `LayerNormBasicLSTMCell` is tf1seq's
`rnn_cell.LayerNormBasicLSTMCell`.) Layer normalisation is TF1's
`tf.contrib.layers.layer_norm` over the last axis with epsilon 1e-12.

Usage:

  from tf1seq.cells import contrib_cells
  cell = contrib_cells.NASCell(128)
  outputs, state = tf.compat.v1.nn.dynamic_rnn(cell, x, dtype=tf.float32)
"""

from absl import logging
import tensorflow as tf

from tf1seq import rnn_cell
from tf1seq.cells import contrib_wrappers

LSTMStateTuple = rnn_cell.LSTMStateTuple


def _input_depth(inputs_shape):
  """The known depth of `[batch, depth]` inputs, else ValueError."""
  depth = tf.compat.dimension_value(tf.TensorShape(inputs_shape)[-1])
  if depth is None:
    raise ValueError("Could not infer input size from inputs.get_shape()[-1]")
  return depth


def _layer_norm(x, gain, shift, scope):
  """TF1's contrib `layer_norm` of `x` with `scope/{gamma,beta}`."""
  depth = x.shape[-1:]
  with tf.compat.v1.variable_scope(scope):
    gamma = tf.compat.v1.get_variable(
        "gamma", shape=depth,
        initializer=tf.compat.v1.constant_initializer(gain))
    beta = tf.compat.v1.get_variable(
        "beta", shape=depth,
        initializer=tf.compat.v1.constant_initializer(shift))
    mean, variance = tf.nn.moments(x, [1], keepdims=True)
    return tf.nn.batch_normalization(x, mean, variance, offset=beta,
                                     scale=gamma, variance_epsilon=1e-12)


def _sharded_matrix(name, shape, dtype, num_shards):
  """`name_0 ... name_<k-1>`, row blocks of a `shape` matrix, concatenated."""
  rows = shape[0]
  if num_shards > rows:
    raise ValueError("Too many shards: shape=%s, num_shards=%d" %
                     (shape, num_shards))
  shards = []
  for i in range(num_shards):
    shard_rows = rows // num_shards + (1 if i < rows % num_shards else 0)
    shards.append(tf.compat.v1.get_variable(
        "%s_%d" % (name, i), [shard_rows] + list(shape[1:]), dtype=dtype))
  if len(shards) == 1:
    return shards[0]
  return tf.concat(shards, 0, name=name + "/concat")


class NASCell(rnn_cell.LayerRNNCell):
  """The recurrent cell found by Neural Architecture Search (Zoph & Le).

  `x @ kernel` and `h @ recurrent_kernel (+ bias)` each give 8 blocks of
  `num_units`; a fixed tree of sigmoid/relu/tanh combinations of them and
  the memory `c` gives the new `c` and `h` (then `h @ projection_weights`
  with `num_proj`). State `LSTMStateTuple(c, h)`.
  """

  _NAS_BASE = 8

  def __init__(self, num_units, num_proj=None, use_bias=False, reuse=None,
               name=None, dtype=None):
    """Creates the cell.

    Args:
      num_units: int, the memory's depth.
      num_proj: optional int, the depth `h` is projected to.
      use_bias: add a bias to the recurrent pre-activations.
      reuse: reuse the variables of an existing scope (TF1 semantics).
      name: the scope name; default `nas_cell`.
      dtype: the variables' dtype; default the inputs'.
    """
    super().__init__(_reuse=reuse, name=name, dtype=dtype)
    self._num_units = num_units
    self._num_proj = num_proj
    self._use_bias = use_bias

  @property
  def state_size(self):
    return LSTMStateTuple(self._num_units, self._num_proj or self._num_units)

  @property
  def output_size(self):
    return self._num_proj or self._num_units

  def build(self, inputs_shape):
    depth = _input_depth(inputs_shape)
    blocks = self._NAS_BASE * self._num_units
    self.recurrent_kernel = self.add_variable(
        "recurrent_kernel", [self._num_proj or self._num_units, blocks])
    self.kernel = self.add_variable("kernel", [depth, blocks])
    if self._use_bias:
      self.bias = self.add_variable(
          "bias", [blocks], initializer=tf.compat.v1.zeros_initializer())
    if self._num_proj is not None:
      self.projection_weights = self.add_variable(
          "projection_weights", [self._num_units, self._num_proj])

  def call(self, inputs, state):
    c_prev, h_prev = state
    recurrent = tf.matmul(h_prev, self.recurrent_kernel)
    if self._use_bias:
      recurrent = tf.nn.bias_add(recurrent, self.bias)
    m = tf.split(recurrent, self._NAS_BASE, axis=1)
    x = tf.split(tf.matmul(inputs, self.kernel), self._NAS_BASE, axis=1)
    sigmoid, relu, tanh = tf.sigmoid, tf.nn.relu, tf.tanh
    # The searched architecture: 8 leaves, then pairs, then the cell.
    leaves = [sigmoid(x[0] + m[0]), relu(x[1] + m[1]),
              sigmoid(x[2] + m[2]), relu(x[3] * m[3]),
              tanh(x[4] + m[4]), sigmoid(x[5] + m[5]),
              tanh(x[6] + m[6]), sigmoid(x[7] + m[7])]
    pair_0 = tanh(tanh(leaves[0] * leaves[1]) + c_prev)
    pair_1 = tanh(leaves[2] + leaves[3])
    pair_2 = tanh(leaves[4] * leaves[5])
    pair_3 = sigmoid(leaves[6] + leaves[7])
    new_c = pair_0 * pair_1
    new_h = tanh(new_c * tanh(pair_2 + pair_3))
    if self._num_proj is not None:
      new_h = tf.matmul(new_h, self.projection_weights)
    return new_h, LSTMStateTuple(new_c, new_h)


class UGRNNCell(rnn_cell.RNNCell):
  """Update Gate RNN (Collins et al.): one gate mixes state and candidate.

    g, c = split([x, h] @ kernel + bias)
    h' = sigmoid(g + forget_bias) * h + (1 - sigmoid(...)) * activation(c)
  """

  def __init__(self, num_units, initializer=None, forget_bias=1.0,
               activation=tf.tanh, reuse=None):
    """Creates the cell.

    Args:
      num_units: int, the state's depth.
      initializer: the kernel's initializer; default the scope's.
      forget_bias: float added to the gate's pre-activation.
      activation: the candidate's activation.
      reuse: reuse the variables of an existing scope (TF1 semantics).
    """
    super().__init__(_reuse=reuse)
    self._num_units = num_units
    self._initializer = initializer
    self._forget_bias = forget_bias
    self._activation = activation

  @property
  def state_size(self):
    return self._num_units

  @property
  def output_size(self):
    return self._num_units

  def call(self, inputs, state):
    _input_depth(inputs.shape.with_rank(2))
    with tf.compat.v1.variable_scope(tf.compat.v1.get_variable_scope(),
                                     initializer=self._initializer):
      gate, candidate = tf.split(contrib_wrappers.linear(
          tf.concat([inputs, state], 1), 2 * self._num_units, True), 2,
                                 axis=1)
    g = tf.sigmoid(gate + self._forget_bias)
    new_h = g * state + (1.0 - g) * self._activation(candidate)
    return new_h, new_h


class IndRNNCell(rnn_cell.LayerRNNCell):
  """Independently recurrent cell (Li et al. 2018): a diagonal recurrence.

    h' = activation(x @ kernel_w + h * kernel_u + bias)
  """

  def __init__(self, num_units, activation=None, reuse=None, name=None,
               dtype=None):
    """Creates the cell.

    Args:
      num_units: int, the state's depth.
      activation: default tanh.
      reuse: reuse the variables of an existing scope (TF1 semantics).
      name: the scope name; default `ind_rnn_cell`.
      dtype: the variables' dtype; default the inputs'.
    """
    super().__init__(_reuse=reuse, name=name, dtype=dtype)
    self._num_units = num_units
    self._activation = activation or tf.tanh

  @property
  def state_size(self):
    return self._num_units

  @property
  def output_size(self):
    return self._num_units

  def build(self, inputs_shape):
    depth = _input_depth(inputs_shape)
    self._kernel_w = self.add_variable("kernel_w", [depth, self._num_units])
    self._kernel_u = self.add_variable(
        "kernel_u", [1, self._num_units],
        initializer=tf.compat.v1.random_uniform_initializer(-1, 1))
    self._bias = self.add_variable(
        "bias", [self._num_units],
        initializer=tf.compat.v1.zeros_initializer())

  def call(self, inputs, state):
    h = self._activation(tf.nn.bias_add(
        tf.matmul(inputs, self._kernel_w) + state * self._kernel_u,
        self._bias))
    return h, h


class IndyLSTMCell(rnn_cell.LayerRNNCell):
  """LSTM whose recurrence is diagonal (Gonnet & Deselaers 2018).

  Gates i, j, f, o = split(x @ kernel_w + [h, h, h, h] * kernel_u + bias):
    c' = c * sigmoid(f + forget_bias) + sigmoid(i) * activation(j)
    h' = activation(c') * sigmoid(o)
  """

  def __init__(self, num_units, forget_bias=1.0, activation=None, reuse=None,
               kernel_initializer=None, bias_initializer=None, name=None,
               dtype=None):
    """Creates the cell.

    Args:
      num_units: int, the state's depth.
      forget_bias: float added to the forget gate.
      activation: default tanh.
      reuse: reuse the variables of an existing scope (TF1 semantics).
      kernel_initializer: `kernel_w`'s initializer.
      bias_initializer: `bias`'s initializer; default zeros.
      name: the scope name; default `indy_lstm_cell`.
      dtype: the variables' dtype; default the inputs'.
    """
    super().__init__(_reuse=reuse, name=name, dtype=dtype)
    self._num_units = num_units
    self._forget_bias = forget_bias
    self._activation = activation or tf.tanh
    self._kernel_initializer = kernel_initializer
    self._bias_initializer = bias_initializer

  @property
  def state_size(self):
    return LSTMStateTuple(self._num_units, self._num_units)

  @property
  def output_size(self):
    return self._num_units

  def build(self, inputs_shape):
    depth = _input_depth(inputs_shape)
    n = 4 * self._num_units
    self._kernel_w = self.add_variable(
        "kernel_w", [depth, n], initializer=self._kernel_initializer)
    self._kernel_u = self.add_variable(
        "kernel_u", [1, n],
        initializer=tf.compat.v1.random_uniform_initializer(-1, 1))
    self._bias = self.add_variable(
        "bias", [n], initializer=(self._bias_initializer or
                                  tf.compat.v1.zeros_initializer()))

  def call(self, inputs, state):
    c, h = state
    gates = tf.nn.bias_add(
        tf.matmul(inputs, self._kernel_w) +
        tf.tile(h, [1, 4]) * self._kernel_u, self._bias)
    i, j, f, o = tf.split(gates, 4, axis=1)
    new_c = (c * tf.sigmoid(f + self._forget_bias) +
             tf.sigmoid(i) * self._activation(j))
    new_h = self._activation(new_c) * tf.sigmoid(o)
    return new_h, LSTMStateTuple(new_c, new_h)


class CoupledInputForgetGateLSTMCell(rnn_cell.RNNCell):
  """LSTM whose input gate is `1 - forget gate` (Greff et al.'s CIFG).

  Gates j, f, o = split([x, m] @ W + B) (no B under layer norm, which
  normalises j, f, o and the new c):
    f' = sigmoid(f + forget_bias [+ W_F_diag * c])
    c' = f' * c + (1 - f') * activation(j)
    m' = sigmoid(o [+ W_O_diag * c']) * activation(c')  [@ W_P, clipped]
  As in TF1, `initializer` is stored but not used.
  """

  def __init__(self, num_units, use_peepholes=False, initializer=None,
               num_proj=None, proj_clip=None, num_unit_shards=1,
               num_proj_shards=1, forget_bias=1.0, state_is_tuple=True,
               activation=tf.tanh, reuse=None, layer_norm=False,
               norm_gain=1.0, norm_shift=0.0):
    """Creates the cell.

    Args:
      num_units: int, the memory's depth.
      use_peepholes: add the diagonal peephole connections.
      initializer: unused (TF1's cell ignored it too).
      num_proj: optional int, the output projection's depth.
      proj_clip: optional float; the projection is clipped to
        [-proj_clip, proj_clip].
      num_unit_shards: the number of row blocks `W` is stored in.
      num_proj_shards: the number of row blocks `W_P` is stored in.
      forget_bias: float added to the forget gate.
      state_is_tuple: if False, the state is `concat([c, m], 1)`.
      activation: the inner activation.
      reuse: reuse the variables of an existing scope (TF1 semantics).
      layer_norm: normalise the gates and the memory.
      norm_gain: the layer norm gain's initial value.
      norm_shift: the layer norm shift's initial value.
    """
    super().__init__(_reuse=reuse)
    if not state_is_tuple:
      logging.warning("%s: Using a concatenated state is slower and will soon "
                      "be deprecated.  Use state_is_tuple=True.", self)
    self._num_units = num_units
    self._use_peepholes = use_peepholes
    self._initializer = initializer
    self._num_proj = num_proj
    self._proj_clip = proj_clip
    self._num_unit_shards = num_unit_shards
    self._num_proj_shards = num_proj_shards
    self._forget_bias = forget_bias
    self._state_is_tuple = state_is_tuple
    self._activation = activation
    self._layer_norm = layer_norm
    self._norm_gain = norm_gain
    self._norm_shift = norm_shift
    m_size = num_proj or num_units
    self._state_size = (LSTMStateTuple(num_units, m_size) if state_is_tuple
                        else num_units + m_size)
    self._output_size = m_size

  @property
  def state_size(self):
    return self._state_size

  @property
  def output_size(self):
    return self._output_size

  def call(self, inputs, state):
    n = self._num_units
    m_size = self._num_proj or n
    if self._state_is_tuple:
      c_prev, m_prev = state
    else:
      c_prev, m_prev = tf.split(state, [n, m_size], axis=1)
    dtype = inputs.dtype
    depth = _input_depth(inputs.shape.with_rank(2))
    weights = _sharded_matrix("W", [depth + m_size, 3 * n], dtype,
                              self._num_unit_shards)
    bias = tf.compat.v1.get_variable(
        "B", shape=[3 * n], initializer=tf.compat.v1.zeros_initializer(),
        dtype=dtype)
    gates = tf.matmul(tf.concat([inputs, m_prev], 1), weights)
    if not self._layer_norm:
      gates = tf.nn.bias_add(gates, bias)
    j, f, o = tf.split(gates, 3, axis=1)
    if self._layer_norm:
      j = _layer_norm(j, self._norm_gain, self._norm_shift, "transform")
      f = _layer_norm(f, self._norm_gain, self._norm_shift, "forget")
      o = _layer_norm(o, self._norm_gain, self._norm_shift, "output")
    if self._use_peepholes:
      w_f_diag = tf.compat.v1.get_variable("W_F_diag", shape=[n], dtype=dtype)
      w_o_diag = tf.compat.v1.get_variable("W_O_diag", shape=[n], dtype=dtype)
      f = f + w_f_diag * c_prev
    forget = tf.sigmoid(f + self._forget_bias)
    c = forget * c_prev + (1 - forget) * self._activation(j)
    if self._layer_norm:
      c = _layer_norm(c, self._norm_gain, self._norm_shift, "state")
    if self._use_peepholes:
      o = o + w_o_diag * c
    m = tf.sigmoid(o) * self._activation(c)
    if self._num_proj is not None:
      m = tf.matmul(m, _sharded_matrix("W_P", [n, self._num_proj], dtype,
                                       self._num_proj_shards))
      if self._proj_clip is not None:
        m = tf.clip_by_value(m, -self._proj_clip, self._proj_clip)
    new_state = (LSTMStateTuple(c, m) if self._state_is_tuple
                 else tf.concat([c, m], 1))
    return m, new_state


class LayerNormLSTMCell(rnn_cell.RNNCell):
  """LSTMCell with optional layer normalisation (TF1.15 contrib's).

  Gates i, j, f, o = split([x, m] @ kernel + bias), the bias left out
  under layer norm, which normalises i, j, f, o and then the new c:
    c' = sigmoid(f + forget_bias [+ w_f_diag * c]) * c
         + sigmoid(i [+ w_i_diag * c]) * activation(j)   [clipped]
    m' = sigmoid(o [+ w_o_diag * c']) * activation(c')
         [@ projection/kernel, clipped]
  """

  def __init__(self, num_units, use_peepholes=False, cell_clip=None,
               initializer=None, num_proj=None, proj_clip=None,
               forget_bias=1.0, activation=None, layer_norm=False,
               norm_gain=1.0, norm_shift=0.0, reuse=None):
    """Creates the cell.

    Args:
      num_units: int, the memory's depth.
      use_peepholes: add the diagonal peephole connections.
      cell_clip: optional float; the memory is clipped to
        [-cell_clip, cell_clip].
      initializer: the weights' initializer; default the scope's.
      num_proj: optional int, the output projection's depth.
      proj_clip: optional float clipping the projection.
      forget_bias: float added to the forget gate.
      activation: default tanh.
      layer_norm: normalise the gates and the memory.
      norm_gain: the layer norm gain's initial value.
      norm_shift: the layer norm shift's initial value.
      reuse: reuse the variables of an existing scope (TF1 semantics).
    """
    super().__init__(_reuse=reuse)
    self._num_units = num_units
    self._use_peepholes = use_peepholes
    self._cell_clip = cell_clip
    self._initializer = initializer
    self._num_proj = num_proj
    self._proj_clip = proj_clip
    self._forget_bias = forget_bias
    self._activation = activation or tf.tanh
    self._layer_norm = layer_norm
    self._norm_gain = norm_gain
    self._norm_shift = norm_shift

  @property
  def state_size(self):
    return LSTMStateTuple(self._num_units, self._num_proj or self._num_units)

  @property
  def output_size(self):
    return self._num_proj or self._num_units

  def _norm(self, x, scope):
    if not self._layer_norm:
      return x
    return _layer_norm(x, self._norm_gain, self._norm_shift, scope)

  def call(self, inputs, state):
    c_prev, m_prev = state
    dtype = inputs.dtype
    depth = _input_depth(inputs.shape.with_rank(2))
    n = self._num_units
    with tf.compat.v1.variable_scope(tf.compat.v1.get_variable_scope(),
                                     initializer=self._initializer):
      kernel = tf.compat.v1.get_variable(
          "kernel", [depth + (self._num_proj or n), 4 * n], dtype=dtype)
      bias = tf.compat.v1.get_variable(
          "bias", [4 * n], dtype=dtype,
          initializer=tf.compat.v1.constant_initializer(0.0, dtype=dtype))
      gates = tf.matmul(tf.concat([inputs, m_prev], 1), kernel)
      if not self._layer_norm:
        gates = tf.nn.bias_add(gates, bias)
      i, j, f, o = tf.split(gates, 4, axis=1)
      i = self._norm(i, "input")
      j = self._norm(j, "transform")
      f = self._norm(f, "forget")
      o = self._norm(o, "output")
      if self._use_peepholes:
        w_f_diag = tf.compat.v1.get_variable("w_f_diag", [n], dtype=dtype)
        w_i_diag = tf.compat.v1.get_variable("w_i_diag", [n], dtype=dtype)
        w_o_diag = tf.compat.v1.get_variable("w_o_diag", [n], dtype=dtype)
        f = f + w_f_diag * c_prev
        i = i + w_i_diag * c_prev
      c = (tf.sigmoid(f + self._forget_bias) * c_prev +
           tf.sigmoid(i) * self._activation(j))
      c = self._norm(c, "state")
      if self._cell_clip is not None:
        c = tf.clip_by_value(c, -self._cell_clip, self._cell_clip)
      if self._use_peepholes:
        o = o + w_o_diag * c
      m = tf.sigmoid(o) * self._activation(c)
      if self._num_proj is not None:
        with tf.compat.v1.variable_scope("projection"):
          m = tf.matmul(m, tf.compat.v1.get_variable(
              "kernel", [n, self._num_proj], dtype=dtype))
        if self._proj_clip is not None:
          m = tf.clip_by_value(m, -self._proj_clip, self._proj_clip)
    return m, LSTMStateTuple(c, m)
