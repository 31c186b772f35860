"""The LSTM layer with a hand-written gradient, for `tf1seq.rnn`.

For an LSTM without peepholes, clipping or projection (`BasicLSTMCell`,
plain `LSTMCell`, tanh activation, float32 or float64): the forward loop
saves each step's gates and state; the backward pass is one loop in reverse
time that computes only the gate gradients `dz_t` and
`dh_{t-1} = dz_t @ kernel[depth:]^T`, after which the kernel's, the bias's
and the inputs' gradients are single large matmuls over all steps
(`H_prev^T dZ`, `X^T dZ`, `dZ @ kernel[:depth]^T`) instead of one small
matmul per step. In float32 the two loops are tf1seq's C++ kernels
(`tf1seq.lstm_kernel`) where they are available; otherwise they are
TensorFlow ops, compiled with XLA when `jit_compile`, each loop becoming
one op whose time loop runs without TensorFlow's per-op overhead. All
three forms compute the same values.

Usage:

  from tf1seq import fused_lstm
  parameters = cell.fused_lstm_parameters(tf.float32)  # None: not an LSTM
  outputs, state = fused_lstm.run(parameters, time_major_inputs, state,
                                  sequence_length=None, jit_compile=True)
"""

import functools

import tensorflow as tf

from tf1seq import lstm_kernel
from tf1seq.cells import base as rnn_cell_base
from tf1seq.cells import lstm as lstm_cells

_GATES = 4  # Column blocks of an LSTM kernel: i, j, f, o (TF1's order).


def run(parameters, inputs, state, sequence_length=None,
        parallel_iterations=None, swap_memory=False, jit_compile=True):
  """One LSTM layer over time-major `inputs`.

  Args:
    parameters: the cell's `FusedLSTMParameters`.
    inputs: `[T, B, depth]`.
    state: the cell's state (`LSTMStateTuple` or concatenated `[c, h]`).
    sequence_length: None or int32 `[B]`: past it, outputs are zero and the
      state is frozen (TF1's `dynamic_rnn` semantics).
    parallel_iterations: of the while loops (without XLA); default 32.
    swap_memory: of the while loops (without XLA).
    jit_compile: whether the passes are compiled with XLA.

  Returns:
    `(outputs [T, B, n], final_state)` in the cell's state structure.
  """
  n = parameters.num_units
  c, h = lstm_cells._split_state(state, parameters.state_is_tuple, n, n)  # pylint: disable=protected-access
  valid = None
  if sequence_length is not None:
    # [T, B, 1]: whether step t of sequence b is within its length.
    valid = tf.expand_dims(tf.transpose(
        tf.sequence_mask(sequence_length, tf.shape(inputs)[0])), 2)
  outputs, new_c, new_h = _fused_lstm(
      inputs, c, h, parameters.kernel, parameters.bias, valid,
      parameters.forget_bias, parallel_iterations or 32, swap_memory,
      jit_compile)
  outputs.set_shape(inputs.shape[:2].concatenate([n]))
  new_c.set_shape(c.shape)
  new_h.set_shape(h.shape)
  if parameters.state_is_tuple:
    return outputs, rnn_cell_base.LSTMStateTuple(new_c, new_h)
  return outputs, tf.concat([new_c, new_h], 1)


def _fused_lstm(inputs, c, h, kernel, bias, valid, forget_bias,
                parallel_iterations, swap_memory, jit_compile):
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
    jit_compile: whether both passes are compiled with XLA.

  Returns:
    `(outputs [T, B, n], final c, final h)`.
  """
  forward_pass = _fused_lstm_forward
  backward_pass = _fused_lstm_backward
  kernels = lstm_kernel.ops() if inputs.dtype == tf.float32 else None
  if kernels is not None:
    forward_pass = functools.partial(_kernel_forward, kernels)
    backward_pass = functools.partial(_kernel_backward, kernels)
  elif jit_compile:
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
      d_projected, d_c, d_h, d_bias = backward_pass(
          d_outputs, d_final_c, d_final_h, c, kernel, valid, gates, cs,
          *loop_options)
      d_inputs, d_kernel = _fused_lstm_weight_gradients(
          inputs, h, kernel, outputs, d_projected)
      return [d_inputs, d_c, d_h, d_kernel, d_bias] + (
          [None] if valid is not None else [])

    return (outputs, final_c, final_h), gradient

  # Every tensor the passes use is an argument, so that the custom gradient
  # finds no variables behind them.
  args = [inputs, c, h, kernel, bias] + ([valid] if valid is not None
                                          else [])
  return tf.custom_gradient(layer)(*args)


def _projected(inputs, kernel, bias, forget_bias):
  """The input part of every step's gates, bias and forget bias included.

  Returns:
    `(projected [T, B, 4n], recurrent kernel [n, 4n])`.
  """
  depth = tf.compat.dimension_value(inputs.shape[-1])
  n = tf.compat.dimension_value(kernel.shape[-1]) // _GATES
  input_kernel, recurrent_kernel = tf.split(kernel, [depth, n], axis=0)
  forget = tf.constant([0] * (2 * n) + [forget_bias] * n + [0] * n,
                       inputs.dtype)
  projected = tf.nn.bias_add(
      tf.matmul(tf.reshape(inputs, [-1, depth]), input_kernel), bias + forget)
  shape = tf.shape(inputs)
  return (tf.reshape(projected, tf.stack([shape[0], shape[1], _GATES * n])),
          recurrent_kernel)


def _mask(valid, like):
  """`valid` as float32 `[T, B]` (ones where None), for the kernels."""
  if valid is None:
    return tf.ones(tf.shape(like)[:2], tf.float32)
  return tf.cast(tf.squeeze(valid, 2), tf.float32)


def _kernel_forward(kernels, inputs, c, h, kernel, bias, valid, forget_bias,
                    parallel_iterations, swap_memory):
  """`_fused_lstm_forward` on tf1seq's C++ kernel (float32)."""
  del parallel_iterations, swap_memory  # No while loop.
  projected, recurrent_kernel = _projected(inputs, kernel, bias, forget_bias)
  return kernels.tf1seq_lstm_forward(projected, c, h, recurrent_kernel,
                                     _mask(valid, inputs))


def _kernel_backward(kernels, d_outputs, d_final_c, d_final_h, c, kernel,
                     valid, gates, cs, parallel_iterations, swap_memory):
  """`_fused_lstm_backward` on tf1seq's C++ kernel (float32)."""
  del parallel_iterations, swap_memory  # No while loop.
  n = tf.compat.dimension_value(c.shape[-1])
  return kernels.tf1seq_lstm_backward(d_outputs, d_final_c, d_final_h, c,
                                      kernel[-n:], _mask(valid, cs), gates,
                                      cs)


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
  n = tf.compat.dimension_value(c.shape[-1])
  dtype = inputs.dtype
  time_steps = tf.shape(inputs)[0]
  projected, recurrent_kernel = _projected(inputs, kernel, bias, forget_bias)
  projected_ta = tf.TensorArray(dtype, size=time_steps).unstack(projected)
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
    `(d_projected [T, B, 4n], d_c, d_h, d_bias)`: the gradients of the
    gates' pre-activations, of the initial state and of the bias.
  """
  n = tf.compat.dimension_value(c.shape[-1])
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
  d_projected = d_gates_ta.stack()
  return d_projected, d_c, d_h, tf.reduce_sum(d_projected, [0, 1])


def _fused_lstm_weight_gradients(inputs, h, kernel, outputs, d_projected):
  """The kernel's and the inputs' gradients, a matmul each, all steps.

  Args:
    inputs: `[T, B, depth]`.
    h: `[B, n]`, the initial output state.
    kernel: `[depth + n, 4n]`.
    outputs: `[T, B, n]`.
    d_projected: `[T, B, 4n]`, from `_fused_lstm_backward`.

  Returns:
    `(d_inputs, d_kernel)`.
  """
  depth = tf.compat.dimension_value(inputs.shape[-1])
  n = tf.compat.dimension_value(h.shape[-1])
  d_projected = tf.reshape(d_projected, [-1, _GATES * n])
  # Before its length a sequence's previous h is its previous output; past
  # it, the gates get no gradient, so what stands there does not matter.
  h_prevs = tf.concat([tf.expand_dims(h, 0), outputs[:-1]], 0)
  d_kernel = tf.concat([
      tf.matmul(tf.reshape(inputs, [-1, depth]), d_projected,
                transpose_a=True),
      tf.matmul(tf.reshape(h_prevs, [-1, n]), d_projected, transpose_a=True),
  ], 0)
  d_inputs = tf.reshape(
      tf.matmul(d_projected, kernel[:depth], transpose_b=True),
      tf.shape(inputs))
  return d_inputs, d_kernel
