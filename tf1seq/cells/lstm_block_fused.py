"""TF1's `tf.contrib.rnn.LSTMBlockFusedCell`: a whole LSTM sequence at once.

TF1 ran the sequence as one fused `BlockLSTM` op; tf1seq runs the same
step (LSTMBlockCell's: gates i, cs, f, o in the kernel's columns) with
`tf.scan` over time, in ordinary ops that have gradients on TensorFlow 2:

  i = sigmoid(x_i [+ w_i_diag * c])
  f = sigmoid(x_f + forget_bias [+ w_f_diag * c])
  c' = clip(tanh(x_cs) * i + c * f, cell_clip)     (no clip if <= 0)
  h' = tanh(c') * sigmoid(x_o [+ w_o_diag * c'])

Variables, as TF1 named them: `lstm_fused_cell/kernel [depth + units,
4 * units]`, `bias [4 * units]` (zeros) and with `use_peephole`
`w_i_diag`, `w_f_diag`, `w_o_diag`. Inputs are time-major
`[time, batch, depth]` (or a list of `[batch, depth]`); with
`sequence_length`, outputs past each length are zero and the final state
is the one at its length, as in TF1.

Usage:

  from tf1seq.cells import lstm_block_fused
  cell = lstm_block_fused.LSTMBlockFusedCell(128)
  outputs, state = cell(x_time_major, dtype=tf.float32,
                        sequence_length=lengths)
"""

import tensorflow as tf

from tf1seq import rnn_cell

LSTMStateTuple = rnn_cell.LSTMStateTuple


class LSTMBlockFusedCell(object):
  """TF1's fused LSTM over a whole time-major sequence."""

  def __init__(self, num_units, forget_bias=1.0, cell_clip=None,
               use_peephole=False, reuse=None, dtype=None,
               name="lstm_fused_cell"):
    """Creates the cell.

    Args:
      num_units: int, the number of units.
      forget_bias: float added to the forget gate's pre-activation.
      cell_clip: optional float; the memory is clipped to
        [-cell_clip, cell_clip] when it is > 0.
      use_peephole: add the diagonal peephole connections.
      reuse: reuse the variables of an existing scope (TF1 semantics).
      dtype: the variables' dtype; default the inputs'.
      name: the scope name (uniquified at the first call, as in TF1).
    """
    self._num_units = num_units
    self._forget_bias = forget_bias
    self._cell_clip = cell_clip if cell_clip is not None else -1
    self._use_peephole = use_peephole
    self._reuse = reuse
    self._dtype = tf.as_dtype(dtype) if dtype is not None else None
    self._base_name = name
    self._scope = None
    self._variables = []
    self.built = False

  @property
  def num_units(self):
    """The number of units."""
    return self._num_units

  @property
  def name(self):
    return self._scope.name if self._scope is not None else self._base_name

  @property
  def variables(self):
    return list(self._variables)

  trainable_variables = variables
  weights = variables
  trainable_weights = variables

  def _build(self, depth, dtype):
    def variable(name, shape, initializer=None):
      v = tf.compat.v1.get_variable(name, shape, dtype=dtype,
                                    initializer=initializer)
      self._variables.append(v)
      return v

    n = self._num_units
    self._kernel = variable("kernel", [depth + n, 4 * n])
    self._bias = variable("bias", [4 * n],
                          tf.compat.v1.constant_initializer(0.0))
    if self._use_peephole:
      self._w_i_diag = variable("w_i_diag", [n])
      self._w_f_diag = variable("w_f_diag", [n])
      self._w_o_diag = variable("w_o_diag", [n])
    self.built = True

  def _step(self, state, x):
    c_prev, h_prev = state
    gates = tf.nn.bias_add(
        tf.matmul(tf.concat([x, h_prev], 1), self._kernel), self._bias)
    i, cs, f, o = tf.split(gates, 4, axis=1)
    f = f + self._forget_bias
    if self._use_peephole:
      i = i + c_prev * self._w_i_diag
      f = f + c_prev * self._w_f_diag
    c = tf.tanh(cs) * tf.sigmoid(i) + c_prev * tf.sigmoid(f)
    if self._cell_clip > 0:
      c = tf.clip_by_value(c, -self._cell_clip, self._cell_clip)
    if self._use_peephole:
      o = o + c * self._w_o_diag
    return c, tf.tanh(c) * tf.sigmoid(o)

  def __call__(self, inputs, initial_state=None, dtype=None,
               sequence_length=None, scope=None):
    """Runs the LSTM over `inputs`.

    Args:
      inputs: `[time, batch, depth]` tensor (depth known) or a list of
        `[batch, depth]` tensors.
      initial_state: optional `(c, h)`, each `[batch, num_units]`.
      dtype: the state's dtype; needed without `initial_state`.
      sequence_length: optional `[batch]` int lengths.
      scope: the variable scope at the first call; default the cell's name.

    Returns:
      `(outputs, LSTMStateTuple(c, h))`: outputs `[time, batch, num_units]`
      (a list if `inputs` was one) and the final state.

    Raises:
      ValueError: if `inputs` is not rank 3 with a known depth, or neither
        `initial_state` nor `dtype` is given, or `initial_state` is not a
        pair.
    """
    is_list = isinstance(inputs, list)
    inputs = tf.stack(inputs) if is_list else tf.convert_to_tensor(inputs)
    shape = inputs.shape.with_rank(3)
    depth = tf.compat.dimension_value(shape[2])
    if not depth:
      raise ValueError("Expecting inputs_shape[2] to be set: %s" % shape)
    batch_size = tf.compat.dimension_value(shape[1])
    if batch_size is None:
      batch_size = tf.shape(inputs)[1]
    time_len = tf.compat.dimension_value(shape[0])
    if time_len is None:
      time_len = tf.shape(inputs)[0]
    if initial_state is None:
      if dtype is None:
        raise ValueError("Either initial_state or dtype needs to be specified")
      zeros = tf.zeros(tf.stack([batch_size, self._num_units]), dtype=dtype)
      initial_state = zeros, zeros
    else:
      if len(initial_state) != 2:
        raise ValueError(
            "Expecting initial_state to be a tuple with length 2 or None")
      if dtype is None:
        dtype = initial_state[0].dtype
    c0, h0 = initial_state

    if self._scope is None:
      if self._reuse:
        with tf.compat.v1.variable_scope(scope or self._base_name) as captured:
          self._scope = captured
      else:
        with tf.compat.v1.variable_scope(
            scope, default_name=self._base_name) as captured:
          self._scope = captured
    with tf.compat.v1.variable_scope(
        self._scope, reuse=True if self.built else self._reuse,
        auxiliary_name_scope=False) as current:
      with tf.compat.v1.name_scope(current.original_name_scope):
        if not self.built:
          self._build(depth, self._dtype or inputs.dtype.base_dtype)
        cell_states, outputs = tf.scan(self._step, inputs,
                                       initializer=(c0, h0))
        if sequence_length is None:
          final_c, final_h = cell_states[-1], outputs[-1]
        else:
          sequence_length = tf.convert_to_tensor(sequence_length)
          mask = tf.transpose(
              tf.sequence_mask(sequence_length, time_len, dtype=dtype))
          outputs *= tf.expand_dims(mask, -1)
          # State k of [initial, step 1, ...] is the state at length k.
          at_length = tf.stack([sequence_length,
                                tf.range(batch_size,
                                         dtype=sequence_length.dtype)], 1)
          final_c = tf.gather_nd(
              tf.concat([c0[None], cell_states], 0), at_length)
          final_h = tf.gather_nd(
              tf.concat([h0[None], outputs], 0), at_length)
    if is_list:
      outputs = tf.unstack(outputs)
    return outputs, LSTMStateTuple(final_c, final_h)
