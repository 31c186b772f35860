"""TF1's `BasicRNNCell` and `GRUCell`, Keras-free, checkpoint-compatible.

Variables (under the cell's scope, e.g. `rnn/gru_cell/`):
  BasicRNNCell: `kernel` [depth + units, units], `bias` [units] (zeros).
  GRUCell: `gates/kernel` [depth + units, 2 * units], `gates/bias` (ones),
    `candidate/kernel` [depth + units, units], `candidate/bias` (zeros).

Usage:

  from tf1seq import rnn_cell
  cell = rnn_cell.GRUCell(64)
  outputs, state = tf.compat.v1.nn.dynamic_rnn(cell, x, dtype=tf.float32)
"""

import tensorflow as tf

from tf1seq.cells import base as rnn_cell_base


class BasicRNNCell(rnn_cell_base.LayerRNNCell):
  """The most basic RNN cell: `h' = activation([x, h] @ kernel + bias)`."""

  def __init__(self, num_units, activation=None, reuse=None, name=None,
               dtype=None, **kwargs):
    """Creates the cell.

    Args:
      num_units: int, the number of units.
      activation: nonlinearity; default `tanh`.
      reuse: reuse variables of an existing scope (TF1 semantics).
      name: the scope name; default `basic_rnn_cell`.
      dtype: the variables' dtype; default the inputs' dtype.
      **kwargs: `trainable`.
    """
    super().__init__(_reuse=reuse, name=name, dtype=dtype, **kwargs)
    rnn_cell_base.check_supported_dtype(self.dtype)
    self._num_units = num_units
    self._activation = rnn_cell_base.get_activation(activation)

  @property
  def state_size(self):
    return self._num_units

  @property
  def output_size(self):
    return self._num_units

  def build(self, inputs_shape):
    depth = inputs_shape[-1]
    self._kernel = self.add_variable(
        rnn_cell_base.KERNEL, shape=[depth + self._num_units, self._num_units])
    self._bias = self.add_variable(
        rnn_cell_base.BIAS, shape=[self._num_units],
        initializer=tf.compat.v1.zeros_initializer())

  def call(self, inputs, state):
    gate_inputs = tf.matmul(tf.concat([inputs, state], 1), self._kernel)
    gate_inputs = tf.nn.bias_add(gate_inputs, self._bias)
    output = self._activation(gate_inputs)
    return output, output

  def _hoisted_step(self, input_depth):
    # Sliced once, outside any loop: a slice inside it would have each
    # step's gradient materialise a kernel-sized zero tensor.
    kernel = tf.convert_to_tensor(self._kernel)
    input_kernel = kernel[:input_depth]
    recurrent_kernel = kernel[input_depth:]

    def project(inputs):
      return tf.nn.bias_add(tf.matmul(inputs, input_kernel), self._bias)

    def step(projected, state):
      output = self._activation(projected + tf.matmul(state,
                                                      recurrent_kernel))
      return output, output

    return rnn_cell_base.HoistedStep(project, step)


class GRUCell(rnn_cell_base.LayerRNNCell):
  """Gated Recurrent Unit cell (Cho et al., 2014), TF1's variant.

  r, u = sigmoid([x, h] @ gates/kernel + gates/bias)
  c = activation([x, r * h] @ candidate/kernel + candidate/bias)
  h' = u * h + (1 - u) * c
  """

  def __init__(self, num_units, activation=None, reuse=None,
               kernel_initializer=None, bias_initializer=None, name=None,
               dtype=None, **kwargs):
    """Creates the cell.

    Args:
      num_units: int, the number of units.
      activation: nonlinearity of the candidate; default `tanh`.
      reuse: reuse variables of an existing scope (TF1 semantics).
      kernel_initializer: initializer of both kernels.
      bias_initializer: initializer of both biases; default ones for the
        gates and zeros for the candidate.
      name: the scope name; default `gru_cell`.
      dtype: the variables' dtype; default the inputs' dtype.
      **kwargs: `trainable`.
    """
    super().__init__(_reuse=reuse, name=name, dtype=dtype, **kwargs)
    rnn_cell_base.check_supported_dtype(self.dtype)
    self._num_units = num_units
    self._activation = rnn_cell_base.get_activation(activation)
    self._kernel_initializer = rnn_cell_base.get_initializer(
        kernel_initializer)
    self._bias_initializer = rnn_cell_base.get_initializer(bias_initializer)

  @property
  def state_size(self):
    return self._num_units

  @property
  def output_size(self):
    return self._num_units

  def build(self, inputs_shape):
    depth = inputs_shape[-1]
    n = self._num_units
    self._gate_kernel = self.add_variable(
        "gates/" + rnn_cell_base.KERNEL, shape=[depth + n, 2 * n],
        initializer=self._kernel_initializer)
    self._gate_bias = self.add_variable(
        "gates/" + rnn_cell_base.BIAS, shape=[2 * n],
        initializer=(self._bias_initializer or
                     tf.compat.v1.constant_initializer(1.0)))
    self._candidate_kernel = self.add_variable(
        "candidate/" + rnn_cell_base.KERNEL, shape=[depth + n, n],
        initializer=self._kernel_initializer)
    self._candidate_bias = self.add_variable(
        "candidate/" + rnn_cell_base.BIAS, shape=[n],
        initializer=(self._bias_initializer or
                     tf.compat.v1.zeros_initializer()))

  def call(self, inputs, state):
    gate_inputs = tf.matmul(tf.concat([inputs, state], 1), self._gate_kernel)
    gate_inputs = tf.nn.bias_add(gate_inputs, self._gate_bias)
    r, u = self._gates(gate_inputs)
    candidate = tf.matmul(tf.concat([inputs, r * state], 1),
                          self._candidate_kernel)
    candidate = tf.nn.bias_add(candidate, self._candidate_bias)
    new_h = self._new_state(u, state, candidate)
    return new_h, new_h

  def _gates(self, gate_inputs):
    """`(r, u)` from the gates' pre-activations."""
    value = tf.sigmoid(gate_inputs)
    r, u = tf.split(value=value, num_or_size_splits=2, axis=1)
    return r, u

  def _new_state(self, u, state, candidate):
    """`h'` from the update gate and the candidate's pre-activation."""
    c = self._activation(candidate)
    return u * state + (1 - u) * c

  def _hoisted_step(self, input_depth):
    n = self._num_units
    gate_kernel = tf.convert_to_tensor(self._gate_kernel)
    candidate_kernel = tf.convert_to_tensor(self._candidate_kernel)
    # One matmul for the gates' and the candidate's input parts.
    input_kernel = tf.concat([gate_kernel[:input_depth],
                              candidate_kernel[:input_depth]], 1)
    input_bias = tf.concat([self._gate_bias, self._candidate_bias], 0)
    gate_recurrent = gate_kernel[input_depth:]
    candidate_recurrent = candidate_kernel[input_depth:]

    def project(inputs):
      return tf.nn.bias_add(tf.matmul(inputs, input_kernel), input_bias)

    def step(projected, state):
      gate_in, candidate_in = tf.split(projected, [2 * n, n], axis=1)
      r, u = self._gates(gate_in + tf.matmul(state, gate_recurrent))
      candidate = candidate_in + tf.matmul(r * state, candidate_recurrent)
      new_h = self._new_state(u, state, candidate)
      return new_h, new_h

    return rnn_cell_base.HoistedStep(project, step)
