"""`dynamic_rnn` with the input projection hoisted out of the time loop.

A drop-in for `tf.compat.v1.nn.dynamic_rnn`: same signature, same variables
(names, shapes, layout; checkpoints are interchangeable), same outputs and
final state (to float rounding), same `sequence_length` semantics (outputs
past a sequence's length are zero, its state stops there).

TF1's cells multiply `[x_t, h] @ kernel` at every step. The `x_t` part does
not depend on the recurrence, so for the cells tf1seq knows (`BasicRNNCell`,
`GRUCell`, `BasicLSTMCell`, `LSTMCell` and `MultiRNNCell` stacks of them) it
is computed for all steps at once, as one large matmul before the loop, and
only `h @ kernel[depth:]` stays inside it. A stack runs layer by layer, each
layer's whole output sequence being the next one's input, which is the same
computation as TF1's step-by-step stack. Any other cell (wrappers, cells of
your own) runs through `tf.compat.v1.nn.dynamic_rnn` unchanged.

The LSTM without peepholes, clipping or projection (`BasicLSTMCell`, plain
`LSTMCell`, tanh activation, float32 or float64) also gets a hand-written
gradient. The forward loop saves each step's gates and state; the backward
pass is one loop in reverse time that computes only the gate gradients
`dz_t` and `dh_{t-1} = dz_t @ kernel[depth:]^T`, after which the kernel's,
the bias's and the inputs' gradients are single large matmuls over all
steps (`H_prev^T dZ`, `X^T dZ`, `dZ @ kernel[:depth]^T`) instead of one
small matmul per step.

Usage:

  from tf1seq import rnn, rnn_cell
  cell = rnn_cell.BasicLSTMCell(128)
  outputs, state = rnn.dynamic_rnn(cell, inputs, dtype=tf.float32)
"""

import tensorflow as tf

from tf1seq import cell_wrappers
from tf1seq import lstm_cells
from tf1seq import rnn_cell_base
from tf1seq import simple_cells


def _hoistable(cell):
  """Whether the fast path computes `cell` (a single layer)."""
  kind = type(cell)
  if kind in (simple_cells.BasicRNNCell, simple_cells.GRUCell):
    return True
  if kind is lstm_cells.BasicLSTMCell:
    return True
  if kind is lstm_cells.LSTMCell:
    return True
  return False


def _unwrap_output_dropout(cell):
  """`(cell, None)`, or `(wrapped cell, wrapper)` for a `DropoutWrapper`
  whose only dropout is on the outputs (applied after the time loop)."""
  if (type(cell) is cell_wrappers.DropoutWrapper and
      cell._drops_outputs_only()):  # pylint: disable=protected-access
    return cell.cell, cell
  return cell, None


def _layers_of(cell):
  """`[(single-layer cell, output dropout or None)]` of `cell`, or None if
  the fast path can't run."""
  if type(cell) is cell_wrappers.MultiRNNCell:
    if not cell._state_is_tuple:  # pylint: disable=protected-access
      return None
    layers = cell.cells
  else:
    layers = [cell]
  layers = [_unwrap_output_dropout(layer) for layer in layers]
  if all(_hoistable(layer) for layer, _ in layers):
    return layers
  return None


def supports(cell):
  """True if `dynamic_rnn` takes the hoisted path for `cell`."""
  return _layers_of(cell) is not None


# -- One layer: project all steps, then loop over the recurrent part.


class _Layer(object):
  """The hoisted form of one cell: projection, then the per-step update."""

  def __init__(self, cell, depth):
    self.cell = cell
    self.depth = depth
    # Sliced once, outside the loop: a slice inside it would have each
    # step's gradient materialise a kernel-sized zero tensor.
    self.prepare()

  def prepare(self):
    """Splits the weights into input and recurrent parts."""
    raise NotImplementedError

  def project(self, x_2d):
    """`[T * B, depth]` -> the input part of every step, bias included."""
    raise NotImplementedError

  def step(self, projected, state):
    """Returns `(output, new_state)` from one step's projected input."""
    raise NotImplementedError


class _BasicRNNLayer(_Layer):

  def prepare(self):
    kernel = tf.convert_to_tensor(self.cell._kernel)  # pylint: disable=protected-access
    self.input_kernel = kernel[:self.depth]
    self.recurrent_kernel = kernel[self.depth:]

  def project(self, x_2d):
    return tf.nn.bias_add(tf.matmul(x_2d, self.input_kernel),
                          self.cell._bias)  # pylint: disable=protected-access

  def step(self, projected, state):
    output = self.cell._activation(  # pylint: disable=protected-access
        projected + tf.matmul(state, self.recurrent_kernel))
    return output, output


class _GRULayer(_Layer):

  def prepare(self):
    cell = self.cell
    gate_kernel = tf.convert_to_tensor(cell._gate_kernel)  # pylint: disable=protected-access
    candidate_kernel = tf.convert_to_tensor(cell._candidate_kernel)  # pylint: disable=protected-access
    # One matmul for the gates' and the candidate's input parts.
    self.input_kernel = tf.concat([gate_kernel[:self.depth],
                                   candidate_kernel[:self.depth]], 1)
    self.input_bias = tf.concat([cell._gate_bias, cell._candidate_bias], 0)  # pylint: disable=protected-access
    self.gate_recurrent = gate_kernel[self.depth:]
    self.candidate_recurrent = candidate_kernel[self.depth:]

  def project(self, x_2d):
    return tf.nn.bias_add(tf.matmul(x_2d, self.input_kernel),
                          self.input_bias)

  def step(self, projected, state):
    cell = self.cell
    n = cell._num_units  # pylint: disable=protected-access
    gate_in, candidate_in = tf.split(projected, [2 * n, n], axis=1)
    value = tf.sigmoid(gate_in + tf.matmul(state, self.gate_recurrent))
    r, u = tf.split(value, 2, axis=1)
    candidate = candidate_in + tf.matmul(r * state, self.candidate_recurrent)
    c = cell._activation(candidate)  # pylint: disable=protected-access
    new_h = u * state + (1 - u) * c
    return new_h, new_h


class _BasicLSTMLayer(_BasicRNNLayer):

  def step(self, projected, state):
    cell = self.cell
    n = cell._num_units  # pylint: disable=protected-access
    c, h = lstm_cells._split_state(state, cell._state_is_tuple, n, n)  # pylint: disable=protected-access
    gates = projected + tf.matmul(h, self.recurrent_kernel)
    i, j, f, o = tf.split(gates, 4, axis=1)
    activation = cell._activation  # pylint: disable=protected-access
    new_c = c * tf.sigmoid(f + cell._forget_bias) + tf.sigmoid(i) * activation(j)  # pylint: disable=protected-access
    new_h = activation(new_c) * tf.sigmoid(o)
    if cell._state_is_tuple:  # pylint: disable=protected-access
      return new_h, rnn_cell_base.LSTMStateTuple(new_c, new_h)
    return new_h, tf.concat([new_c, new_h], 1)


class _LSTMLayer(_BasicRNNLayer):

  def prepare(self):
    super().prepare()  # A partitioned kernel is concatenated first.
    if self.cell._num_proj is not None:  # pylint: disable=protected-access
      self.projection = tf.convert_to_tensor(self.cell._proj_kernel)  # pylint: disable=protected-access

  def step(self, projected, state):
    cell = self.cell
    n = cell._num_units  # pylint: disable=protected-access
    c_prev, m_prev = lstm_cells._split_state(  # pylint: disable=protected-access
        state, cell._state_is_tuple, n, cell._output_size)  # pylint: disable=protected-access
    gates = projected + tf.matmul(m_prev, self.recurrent_kernel)
    i, j, f, o = tf.split(gates, 4, axis=1)
    sigmoid = tf.sigmoid
    activation = cell._activation  # pylint: disable=protected-access
    if cell._use_peepholes:  # pylint: disable=protected-access
      c = (sigmoid(f + cell._forget_bias + cell._w_f_diag * c_prev) * c_prev +  # pylint: disable=protected-access
           sigmoid(i + cell._w_i_diag * c_prev) * activation(j))  # pylint: disable=protected-access
    else:
      c = (sigmoid(f + cell._forget_bias) * c_prev +  # pylint: disable=protected-access
           sigmoid(i) * activation(j))
    if cell._cell_clip is not None:  # pylint: disable=protected-access
      c = tf.clip_by_value(c, -cell._cell_clip, cell._cell_clip)  # pylint: disable=protected-access
    if cell._use_peepholes:  # pylint: disable=protected-access
      m = sigmoid(o + cell._w_o_diag * c) * activation(c)  # pylint: disable=protected-access
    else:
      m = sigmoid(o) * activation(c)
    if cell._num_proj is not None:  # pylint: disable=protected-access
      m = tf.matmul(m, self.projection)
      if cell._proj_clip is not None:  # pylint: disable=protected-access
        m = tf.clip_by_value(m, -cell._proj_clip, cell._proj_clip)  # pylint: disable=protected-access
    if cell._state_is_tuple:  # pylint: disable=protected-access
      return m, rnn_cell_base.LSTMStateTuple(c, m)
    return m, tf.concat([c, m], 1)


# -- The LSTM with a hand-written gradient.

_GATES = 4  # Column blocks of an LSTM kernel: i, j, f, o (TF1's order).

# Whether the fused LSTM's forward and backward passes are compiled with XLA
# (`tf.function(jit_compile=True)`): each becomes one op whose time loop
# runs without TensorFlow's per-op and per-iteration overhead, its gate
# arithmetic fused. False runs the same computation as ordinary graph ops.
# Set with `set_xla`; read when a graph is built.
_JIT_COMPILE = True


def set_xla(enabled):
  """Whether graphs built from now on compile the LSTM loops with XLA.

  On by default: on 2 CPU cores it trains the MNIST row-LSTM about 15%
  faster than the same loops as graph ops (README, "Speed"); off, the
  graph runs where XLA is unavailable or unwanted. The values are the
  same either way (tests/rnn_test.py). The trainers' `--xla` flag.

  Args:
    enabled: a bool.
  """
  global _JIT_COMPILE
  if not isinstance(enabled, bool):
    raise TypeError("set_xla takes a bool, got %r" % (enabled,))
  _JIT_COMPILE = enabled


def xla_enabled():
  """Whether graphs built now compile the LSTM loops with XLA."""
  return _JIT_COMPILE


def _fusable_lstm(cell, dtype):
  """Whether `cell` takes the fused path (else the hoisted one).

  Args:
    cell: a single-layer cell.
    dtype: the inputs' dtype.

  Returns:
    True for a `BasicLSTMCell` or an `LSTMCell` without peepholes, cell
    clipping or projection, with the tanh activation, on float32 or float64.
  """
  kind = type(cell)
  if kind is lstm_cells.LSTMCell:
    if (cell._use_peepholes or cell._cell_clip is not None or  # pylint: disable=protected-access
        cell._num_proj is not None):  # pylint: disable=protected-access
      return False
  elif kind is not lstm_cells.BasicLSTMCell:
    return False
  return (cell._activation is tf.tanh and  # pylint: disable=protected-access
          dtype in (tf.float32, tf.float64))


class _FusedLSTMLayer(object):
  """An LSTM layer computed by `_fused_lstm`."""

  def __init__(self, cell, depth):
    self.cell = cell
    self.depth = depth

  def run(self, inputs, state, sequence_length, parallel_iterations,
          swap_memory):
    """`_run_layer` for this layer."""
    cell = self.cell
    n = cell._num_units  # pylint: disable=protected-access
    c, h = lstm_cells._split_state(state, cell._state_is_tuple, n, n)  # pylint: disable=protected-access
    valid = None
    if sequence_length is not None:
      # [T, B, 1]: whether step t of sequence b is within its length.
      valid = tf.expand_dims(tf.transpose(
          tf.sequence_mask(sequence_length, tf.shape(inputs)[0])), 2)
    outputs, new_c, new_h = _fused_lstm(
        inputs, c, h, tf.convert_to_tensor(cell._kernel), cell._bias,  # pylint: disable=protected-access
        valid, float(cell._forget_bias), parallel_iterations or 32,  # pylint: disable=protected-access
        swap_memory)
    outputs.set_shape(inputs.shape[:2].concatenate([n]))
    new_c.set_shape(c.shape)
    new_h.set_shape(h.shape)
    if cell._state_is_tuple:  # pylint: disable=protected-access
      return outputs, rnn_cell_base.LSTMStateTuple(new_c, new_h)
    return outputs, tf.concat([new_c, new_h], 1)


def _fused_lstm(inputs, c, h, kernel, bias, valid, forget_bias,
                parallel_iterations, swap_memory):
  """One LSTM layer over time-major `inputs`, with its gradient written out.

  Args:
    inputs: `[T, B, depth]`.
    c: `[B, n]`, the initial cell state.
    h: `[B, n]`, the initial output state.
    kernel: `[depth + n, 4n]`.
    bias: `[4n]`.
    valid: None, or bool `[T, B, 1]`: false past a sequence's length, where
      the output is zero and the state frozen.
    forget_bias: float.
    parallel_iterations: of the while loops (without XLA).
    swap_memory: of the while loops (without XLA).

  Returns:
    `(outputs [T, B, n], final c, final h)`.
  """
  forward_pass = _fused_lstm_forward
  backward_pass = _fused_lstm_backward
  if _JIT_COMPILE:
    forward_pass = tf.function(forward_pass, jit_compile=True,
                               autograph=False)
    backward_pass = tf.function(backward_pass, jit_compile=True,
                                autograph=False)
  loop_options = (parallel_iterations, swap_memory)

  def layer(inputs, c, h, kernel, bias, *valid):
    valid = valid[0] if valid else None
    outputs, final_c, final_h, gates, cs = forward_pass(
        inputs, c, h, kernel, bias, valid, forget_bias, *loop_options)

    def gradient(d_outputs, d_final_c, d_final_h):
      d_projected, d_c, d_h = backward_pass(
          d_outputs, d_final_c, d_final_h, c, kernel, valid, gates, cs,
          *loop_options)
      d_inputs, d_kernel, d_bias = _fused_lstm_weight_gradients(
          inputs, h, kernel, outputs, d_projected)
      return [d_inputs, d_c, d_h, d_kernel, d_bias] + (
          [None] if valid is not None else [])

    return (outputs, final_c, final_h), gradient

  # Every tensor the passes use is an argument, so that the custom gradient
  # finds no variables behind them.
  args = [inputs, c, h, kernel, bias] + ([valid] if valid is not None
                                          else [])
  return tf.custom_gradient(layer)(*args)


def _fused_lstm_forward(inputs, c, h, kernel, bias, valid, forget_bias,
                        parallel_iterations, swap_memory):
  """`_fused_lstm`'s forward pass.

  The input part of every step's gates is one matmul before the loop; the
  loop multiplies only `h @ kernel[depth:]`.

  Returns:
    `(outputs, final c, final h, gates, cs)`: besides `_fused_lstm`'s
    results, what the backward pass needs: the activated gates
    `sigmoid(i), tanh(j), sigmoid(f + forget_bias), sigmoid(o)` of every
    step `[T, B, 4n]` and the cell state after every step `[T, B, n]`.
  """
  depth = inputs.shape[-1]
  n = c.shape[-1]
  dtype = inputs.dtype
  time_steps = tf.shape(inputs)[0]
  batch = tf.shape(inputs)[1]
  input_kernel, recurrent_kernel = tf.split(kernel, [depth, n], axis=0)
  forget = tf.constant([0] * (2 * n) + [forget_bias] * n + [0] * n, dtype)
  projected = tf.nn.bias_add(
      tf.matmul(tf.reshape(inputs, [-1, depth]), input_kernel), bias + forget)
  projected_ta = tf.TensorArray(dtype, size=time_steps).unstack(
      tf.reshape(projected, tf.stack([time_steps, batch, _GATES * n])))
  if valid is not None:
    valid_ta = tf.TensorArray(tf.bool, size=time_steps).unstack(valid)
  new_ta = lambda shape: tf.TensorArray(dtype, size=time_steps,
                                        element_shape=shape)
  # Plain MatMul of few rows is slow on CPU; the bias-fused one is not.
  zero_bias = tf.zeros([_GATES * n], dtype)

  def step(t, c, h, outputs_ta, gates_ta, cs_ta):
    z = projected_ta.read(t) + tf.nn.bias_add(
        tf.matmul(h, recurrent_kernel), zero_bias)
    i, j, f, o = tf.split(z, _GATES, axis=1)
    i, j, f, o = tf.sigmoid(i), tf.tanh(j), tf.sigmoid(f), tf.sigmoid(o)
    new_c = c * f + i * j
    new_h = tf.tanh(new_c) * o
    output = new_h
    if valid is not None:
      valid_t = valid_ta.read(t)
      new_c = tf.where(valid_t, new_c, c)
      new_h = tf.where(valid_t, new_h, h)
      output = tf.where(valid_t, output, tf.zeros_like(output))
    return (t + 1, new_c, new_h, outputs_ta.write(t, output),
            gates_ta.write(t, tf.concat([i, j, f, o], 1)),
            cs_ta.write(t, new_c))

  _, final_c, final_h, outputs_ta, gates_ta, cs_ta = tf.compat.v1.while_loop(
      lambda t, *unused: t < time_steps, step,
      (0, c, h, new_ta(h.shape), new_ta([c.shape[0], _GATES * n]),
       new_ta(c.shape)),
      parallel_iterations=parallel_iterations, swap_memory=swap_memory)
  return (outputs_ta.stack(), final_c, final_h, gates_ta.stack(),
          cs_ta.stack())


def _fused_lstm_backward(d_outputs, d_final_c, d_final_h, c, kernel, valid,
                         gates, cs, parallel_iterations, swap_memory):
  """`_fused_lstm`'s backward loop, in reverse time.

  Per step, only the gates' gradient `dz_t` and the recurrent matmul
  `dh_{t-1} = dz_t @ kernel[depth:]^T`; `_fused_lstm_weight_gradients`
  does the rest for all steps at once.

  Returns:
    `(d_projected [T, B, 4n], d_c, d_h)`: the gradients of the gates'
    pre-activations and of the initial state.
  """
  n = c.shape[-1]
  dtype = cs.dtype
  time_steps = tf.shape(cs)[0]
  recurrent_kernel = kernel[-n:]
  c_prevs = tf.concat([tf.expand_dims(c, 0), cs[:-1]], 0)
  read = lambda values: tf.TensorArray(dtype, size=time_steps).unstack(values)
  d_outputs_ta = read(d_outputs)
  gates_ta = read(gates)
  cs_ta = read(cs)
  c_prevs_ta = read(c_prevs)
  if valid is not None:
    valid_ta = read(tf.cast(valid, dtype))

  def step(t, dc, dh, d_gates_ta):
    t -= 1
    i, j, f, o = tf.split(gates_ta.read(t), _GATES, axis=1)
    tanh_c = tf.tanh(cs_ta.read(t))
    d_output = d_outputs_ta.read(t)
    if valid is not None:
      # Past its length a sequence's output is a constant zero and its
      # state passes through unchanged, and so does the state's gradient.
      valid_t = valid_ta.read(t)
      d_output *= valid_t
    dh_total = dh + d_output
    dc_total = dc + dh_total * o * (1 - tanh_c * tanh_c)
    dh_new = dh_total
    if valid is not None:
      dc_total *= valid_t
      dh_new = dh_total * valid_t
    d_gates = tf.concat([dc_total * j * i * (1 - i),
                         dc_total * i * (1 - j * j),
                         dc_total * c_prevs_ta.read(t) * f * (1 - f),
                         dh_new * tanh_c * o * (1 - o)], 1)
    dh_prev = tf.matmul(d_gates, recurrent_kernel, transpose_b=True)
    dc_prev = dc_total * f
    if valid is not None:
      dh_prev += (1 - valid_t) * dh_total
      dc_prev += (1 - valid_t) * dc
    return t, dc_prev, dh_prev, d_gates_ta.write(t, d_gates)

  _, d_c, d_h, d_gates_ta = tf.compat.v1.while_loop(
      lambda t, *unused: t > 0, step,
      (time_steps, d_final_c, d_final_h,
       tf.TensorArray(dtype, size=time_steps,
                      element_shape=[c.shape[0], _GATES * n])),
      parallel_iterations=parallel_iterations, swap_memory=swap_memory)
  return d_gates_ta.stack(), d_c, d_h


def _fused_lstm_weight_gradients(inputs, h, kernel, outputs, d_projected):
  """The kernel's, bias's and inputs' gradients, a matmul each, all steps.

  Args:
    inputs: `[T, B, depth]`.
    h: `[B, n]`, the initial output state.
    kernel: `[depth + n, 4n]`.
    outputs: `[T, B, n]`.
    d_projected: `[T, B, 4n]`, from `_fused_lstm_backward`.

  Returns:
    `(d_inputs, d_kernel, d_bias)`.
  """
  depth = inputs.shape[-1]
  n = h.shape[-1]
  d_projected = tf.reshape(d_projected, [-1, _GATES * n])
  # Before its length a sequence's previous h is its previous output; past
  # it, the gates get no gradient, so what stands there does not matter.
  h_prevs = tf.concat([tf.expand_dims(h, 0), outputs[:-1]], 0)
  d_kernel = tf.concat([
      tf.matmul(tf.reshape(inputs, [-1, depth]), d_projected,
                transpose_a=True),
      tf.matmul(tf.reshape(h_prevs, [-1, n]), d_projected, transpose_a=True),
  ], 0)
  d_bias = tf.reduce_sum(d_projected, 0)
  d_inputs = tf.reshape(
      tf.matmul(d_projected, kernel[:depth], transpose_b=True),
      tf.shape(inputs))
  return d_inputs, d_kernel, d_bias


_LAYERS = {
    simple_cells.BasicRNNCell: _BasicRNNLayer,
    simple_cells.GRUCell: _GRULayer,
    lstm_cells.BasicLSTMCell: _BasicLSTMLayer,
    lstm_cells.LSTMCell: _LSTMLayer,
}


def _run_layer(layer, inputs, state, sequence_length, parallel_iterations,
               swap_memory):
  """Runs one hoisted layer over time-major `inputs` `[T, B, depth]`.

  Returns:
    `(outputs [T, B, output_size], final_state)`.
  """
  if isinstance(layer, _FusedLSTMLayer):
    return layer.run(inputs, state, sequence_length, parallel_iterations,
                     swap_memory)
  time_steps = tf.shape(inputs)[0]
  batch = tf.shape(inputs)[1]
  projected = layer.project(tf.reshape(inputs, [-1, layer.depth]))
  projected = tf.reshape(
      projected, tf.stack([time_steps, batch, tf.shape(projected)[-1]]))
  projected_ta = tf.TensorArray(projected.dtype, size=time_steps,
                                clear_after_read=True).unstack(projected)
  output_size = layer.cell.output_size
  outputs_ta = tf.TensorArray(inputs.dtype, size=time_steps,
                              element_shape=tf.TensorShape(
                                  [inputs.shape[1], output_size]))

  def body(t, state, outputs_ta):
    output, new_state = layer.step(projected_ta.read(t), state)
    if sequence_length is not None:
      # Past its length a sequence outputs zeros and keeps its state.
      valid = tf.expand_dims(t < sequence_length, 1)
      output = tf.where(valid, output, tf.zeros_like(output))
      new_state = tf.nest.map_structure(
          lambda new, old: tf.where(valid, new, old), new_state, state)
    tf.nest.map_structure(
        lambda new, old: new.set_shape(old.shape), new_state, state)
    return t + 1, new_state, outputs_ta.write(t, output)

  _, final_state, outputs_ta = tf.compat.v1.while_loop(
      lambda t, *unused: t < time_steps, body, (0, state, outputs_ta),
      parallel_iterations=parallel_iterations or 32,
      swap_memory=swap_memory)
  outputs = outputs_ta.stack()
  outputs.set_shape([inputs.shape[0], inputs.shape[1], output_size])
  return outputs, final_state


def dynamic_rnn(cell, inputs, sequence_length=None, initial_state=None,
                dtype=None, parallel_iterations=None, swap_memory=False,
                time_major=False, scope=None):
  """`tf.compat.v1.nn.dynamic_rnn`, faster for tf1seq's own cells.

  Args:
    cell: an RNN cell. `BasicRNNCell`, `GRUCell`, `BasicLSTMCell`,
      `LSTMCell` and `MultiRNNCell` (state_is_tuple) stacks of them take the
      hoisted path, each layer also inside a `DropoutWrapper` that drops
      only its outputs, unseeded and not variational (the outputs of all
      steps are then dropped at once after the layer's loop: the same
      distribution, other random numbers); anything else runs through
      TensorFlow's `dynamic_rnn`.
    inputs: `[batch, time, depth]` (or `[time, batch, depth]` if
      `time_major`) tensor with a known depth.
    sequence_length: optional int vector `[batch]`.
    initial_state: optional state matching `cell.state_size`.
    dtype: the state's dtype when `initial_state` is not given.
    parallel_iterations: as for `tf.while_loop` (default 32).
    swap_memory: as for `tf.while_loop`.
    time_major: layout of `inputs` and `outputs`.
    scope: variable scope; default "rnn".

  Returns:
    `(outputs, final_state)` as `tf.compat.v1.nn.dynamic_rnn` returns them.

  Raises:
    ValueError: if `inputs` is not rank 3 with a known depth, neither
      `initial_state` nor `dtype` is given, `sequence_length` is not a
      vector, or the state does not fit the cell.
  """
  layers = _layers_of(cell)
  if layers is None or tf.nest.is_nested(inputs):
    return tf.compat.v1.nn.dynamic_rnn(
        cell, inputs, sequence_length=sequence_length,
        initial_state=initial_state, dtype=dtype,
        parallel_iterations=parallel_iterations, swap_memory=swap_memory,
        time_major=time_major, scope=scope)
  with tf.compat.v1.variable_scope(scope or "rnn"):
    inputs = tf.convert_to_tensor(inputs, name="inputs")
    if inputs.shape.ndims != 3 or inputs.shape[-1] is None:
      raise ValueError("inputs must be [batch, time, depth] (time-major: "
                       "[time, batch, depth]) with a known depth, got "
                       "shape %s" % inputs.shape)
    if not time_major:
      inputs = tf.transpose(inputs, [1, 0, 2])
    batch = tf.shape(inputs)[1]
    if initial_state is None:
      if not dtype:
        raise ValueError("If there is no initial_state, you must give a "
                         "dtype.")
      initial_state = cell.get_initial_state(batch_size=batch, dtype=dtype)
    else:
      initial_state = tf.nest.map_structure(tf.convert_to_tensor,
                                            initial_state)
      rnn_cell_base.check_state(cell.state_size, initial_state)
    if sequence_length is not None:
      sequence_length = tf.cast(sequence_length, tf.int32)
      if sequence_length.shape.ndims not in (None, 1):
        raise ValueError("sequence_length must be a vector of length "
                         "batch_size, got shape %s" % sequence_length.shape)
      sequence_length = tf.identity(sequence_length, name="sequence_length")

    stacked = type(cell) is cell_wrappers.MultiRNNCell
    states = list(initial_state) if stacked else [initial_state]
    outputs = inputs
    final_states = []
    for index, ((layer_cell, dropout), state) in enumerate(zip(layers,
                                                              states)):
      step_input = outputs[0]
      if not stacked:
        layer_cell.build_variables(step_input)
      else:
        with cell._layer_scope():  # pylint: disable=protected-access
          with tf.compat.v1.variable_scope("cell_%d" % index):
            layer_cell.build_variables(step_input)
      rnn_cell_base.check_inputs(step_input)
      depth = int(step_input.shape[-1])
      if _fusable_lstm(layer_cell, step_input.dtype):
        layer = _FusedLSTMLayer(layer_cell, depth)
      else:
        layer = _LAYERS[type(layer_cell)](layer_cell, depth)
      outputs, final_state = _run_layer(
          layer, outputs, state, sequence_length, parallel_iterations,
          swap_memory)
      if dropout is not None:
        # The wrapper's output dropout, every step's at once (zeros past a
        # sequence's length stay zeros); the state is not dropped.
        outputs = dropout.drop_all_outputs(outputs)
        dropout.built = True
      final_states.append(final_state)
    cell.built = True  # A stack is built once all its layers are.

    if not time_major:
      outputs = tf.transpose(outputs, [1, 0, 2])
    if not stacked:
      return outputs, final_states[0]
    return outputs, tuple(final_states)
