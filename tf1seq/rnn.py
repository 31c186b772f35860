"""`dynamic_rnn` with the input projection hoisted out of the time loop.

A drop-in for `tf.compat.v1.nn.dynamic_rnn`: same signature, same variables
(names, shapes, layout; checkpoints are interchangeable), same outputs and
final state (to float rounding), same `sequence_length` semantics (outputs
past a sequence's length are zero, its state stops there).

TF1's cells multiply `[x_t, h] @ kernel` at every step. The `x_t` part does
not depend on the recurrence, so for a cell that offers its step in two
parts (`RNNCell.hoisted_step`: `BasicRNNCell`, `GRUCell`, `BasicLSTMCell`,
`LSTMCell`, and subclasses that keep their `call`) it is computed for all
steps at once, as one large matmul before the loop, and only the recurrent
part stays inside it. A `MultiRNNCell` stack runs layer by layer, each
layer's whole output sequence being the next one's input, which is the same
computation as TF1's step-by-step stack; a layer may sit in a
`DropoutWrapper` that drops only its outputs. An LSTM that
`tf1seq.fused_lstm` computes (`RNNCell.fused_lstm_parameters`) also gets
its hand-written gradient, its two time loops running on tf1seq's C++
kernels (`tf1seq.lstm_kernel`; float32, where they build), else under XLA
by default. Any other cell (other
wrappers, cells of your own) runs through `tf.compat.v1.nn.dynamic_rnn`
unchanged.

Usage:

  from tf1seq import rnn
  from tf1seq import rnn_cell
  cell = rnn_cell.BasicLSTMCell(128)
  outputs, state = rnn.dynamic_rnn(cell, inputs, dtype=tf.float32)
  # Loops without XLA where the C++ kernels are not used (plain graph ops;
  # the same values):
  outputs, state = rnn.dynamic_rnn(cell, inputs, dtype=tf.float32, xla=False)
  # For a serving graph: forward only, no XLA, no custom gradient; the loop
  # is unrolled when the number of steps is known:
  outputs, state = rnn.dynamic_rnn(cell, inputs, dtype=tf.float32,
                                   for_serving=True)
  # or for every `dynamic_rnn` of code that builds a model:
  with rnn.serving_graph():
    logits = build_model(images)
"""

import contextlib
import threading

import tensorflow as tf
# TensorFlow's own loops, by module: `tf.compat.v1.nn.dynamic_rnn` may be
# this module's `dynamic_rnn` once `tf1seq.patch()` has run.
from tensorflow.python.ops import rnn as tf_rnn

from tf1seq import fused_lstm
from tf1seq.cells import base as rnn_cell_base

# The default of `dynamic_rnn`'s `xla` argument: whether the fused LSTM's
# forward and backward passes are compiled with XLA
# (`tf.function(jit_compile=True)`). False runs the same computation as
# ordinary graph ops. Read when a graph is built.
_XLA_DEFAULT = True


def set_xla(enabled):
  """Sets the default of `dynamic_rnn(..., xla=None)` for graphs built next.

  It decides how the fused LSTM's loops run where tf1seq's C++ kernels do
  not (`tf1seq.lstm_kernel`: no compiler, `TF1SEQ_LSTM_KERNEL=0`, float64).
  On by default: on 2 CPU cores it trains the MNIST row-LSTM faster than
  the same loops as graph ops (benchmarks/README.md); off, the graph runs
  where XLA is unavailable or unwanted. The values are the same either
  way. The trainers' `--xla` flag.

  Args:
    enabled: a bool.

  Raises:
    TypeError: if `enabled` is not a bool.
  """
  global _XLA_DEFAULT
  if not isinstance(enabled, bool):
    raise TypeError("set_xla takes a bool, got %r" % (enabled,))
  _XLA_DEFAULT = enabled


def xla_enabled():
  """The default of `dynamic_rnn(..., xla=None)`."""
  return _XLA_DEFAULT


_SERVING = threading.local()


@contextlib.contextmanager
def serving_graph():
  """Makes `dynamic_rnn(..., for_serving=None)` build serving loops.

  Inside the context every `dynamic_rnn` (also those that model code calls
  through `tf1seq.sequence`) builds the forward-only form: a plain graph with
  no XLA-compiled function and no custom gradient, over the same variables
  and with the same values as the training graph.

  Yields:
    None.
  """
  previous = getattr(_SERVING, "enabled", False)
  _SERVING.enabled = True
  try:
    yield
  finally:
    _SERVING.enabled = previous


def serving_enabled():
  """The default of `dynamic_rnn(..., for_serving=None)` here."""
  return getattr(_SERVING, "enabled", False)


def _output_dropout(cell):
  """`(cell, None)`, or `(wrapped cell, wrapper)` for a `DropoutWrapper`
  whose only dropout is on the outputs (applied after the time loop)."""
  drops_outputs_only = getattr(cell, "drops_outputs_only", None)
  if drops_outputs_only is not None and drops_outputs_only():
    return cell.cell, cell
  return cell, None


def _has_hoisted_step(cell):
  return (isinstance(cell, rnn_cell_base.RNNCell) and
          rnn_cell_base.own_form(cell, "_hoisted_step"))


def _layers_of(cell):
  """`[(single-layer cell, output dropout or None)]` of `cell`, or None if
  the fast path can't run."""
  stack_layers = getattr(cell, "stack_layers", None)
  layers = stack_layers() if stack_layers is not None else None
  layers = [_output_dropout(layer) for layer in layers or [cell]]
  if all(_has_hoisted_step(layer) for layer, _ in layers):
    return layers
  return None


def supports(cell):
  """True if `dynamic_rnn` takes the hoisted path for `cell`."""
  return _layers_of(cell) is not None


def _run_hoisted(hoisted, cell, inputs, state, sequence_length,
                 parallel_iterations, swap_memory):
  """Runs one layer's `HoistedStep` over time-major `inputs` `[T, B, d]`.

  Returns:
    `(outputs [T, B, output_size], final_state)`.
  """
  time_steps = tf.shape(inputs)[0]
  batch = tf.shape(inputs)[1]
  depth = tf.compat.dimension_value(inputs.shape[-1])
  projected = hoisted.project(tf.reshape(inputs, [-1, depth]))
  projected = tf.reshape(
      projected, tf.stack([time_steps, batch, tf.shape(projected)[-1]]))
  projected_ta = tf.TensorArray(projected.dtype, size=time_steps,
                                clear_after_read=True).unstack(projected)
  output_size = cell.output_size
  outputs_ta = tf.TensorArray(inputs.dtype, size=time_steps,
                              element_shape=tf.TensorShape(
                                  [inputs.shape[1], output_size]))

  def body(t, state, outputs_ta):
    output, new_state = hoisted.step(projected_ta.read(t), state)
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


def _run_unrolled(hoisted, inputs, state, sequence_length):
  """`_run_hoisted` with the time loop written out, for a static `T`.

  One matmul projects every step's inputs; each step then adds the one
  recurrent matmul of its gates. Without a loop the graph needs no
  TensorArray or while op, so converters (TFLite's built-in ops, ONNX) and
  Grappler see a plain chain of ops.
  """
  time_steps = tf.compat.dimension_value(inputs.shape[0])
  depth = tf.compat.dimension_value(inputs.shape[-1])
  projected = hoisted.project(tf.reshape(inputs, [-1, depth]))
  width = tf.compat.dimension_value(projected.shape[-1])
  projected = tf.reshape(projected, [time_steps, -1, width])
  outputs = []
  for t, step_projected in enumerate(tf.unstack(projected, time_steps)):
    output, new_state = hoisted.step(step_projected, state)
    if sequence_length is not None:
      valid = tf.expand_dims(t < sequence_length, 1)
      output = tf.where(valid, output, tf.zeros_like(output))
      new_state = tf.nest.map_structure(
          lambda new, old: tf.where(valid, new, old), new_state, state)
    outputs.append(output)
    state = new_state
  return tf.stack(outputs), state


def _folded(hoisted, kernel, bias):
  """`hoisted` for inputs `x` whose cell inputs are `x @ kernel + bias`.

  The cell's input projection is affine, `project(y) = y @ W + b`, so
  `project(x @ kernel + bias) = x @ (kernel @ W) + project(bias)`, and
  `kernel @ W = project(kernel) - project(0)`: one matmul of `x` per layer
  call instead of two, with folded weights computed from the variables.
  """
  folded_kernel = hoisted.project(kernel) - hoisted.project(
      tf.zeros_like(kernel[:1]))
  folded_bias = hoisted.project(tf.expand_dims(bias, 0))[0]

  def project(x):
    return tf.nn.bias_add(tf.matmul(x, folded_kernel), folded_bias)

  return rnn_cell_base.HoistedStep(project, hoisted.step)


def _run_layer(cell, inputs, state, sequence_length, parallel_iterations,
               swap_memory, xla, for_serving=False, input_projection=None):
  """Runs one built single-layer cell over time-major `inputs`."""
  if for_serving:
    if input_projection is not None:
      kernel, bias = input_projection
      hoisted = _folded(
          cell.hoisted_step(tf.compat.dimension_value(kernel.shape[-1])),
          kernel, bias)
    else:
      hoisted = cell.hoisted_step(
          tf.compat.dimension_value(inputs.shape[-1]))
    if tf.compat.dimension_value(inputs.shape[0]) is not None:
      return _run_unrolled(hoisted, inputs, state, sequence_length)
    return _run_hoisted(hoisted, cell, inputs, state, sequence_length,
                        parallel_iterations, swap_memory)
  parameters = cell.fused_lstm_parameters(inputs.dtype)
  if parameters is not None:
    return fused_lstm.run(parameters, inputs, state, sequence_length,
                          parallel_iterations, swap_memory, jit_compile=xla)
  # Prepared once, outside the loop.
  hoisted = cell.hoisted_step(tf.compat.dimension_value(inputs.shape[-1]))
  return _run_hoisted(hoisted, cell, inputs, state, sequence_length,
                      parallel_iterations, swap_memory)


def dynamic_rnn(cell, inputs, sequence_length=None, initial_state=None,
                dtype=None, parallel_iterations=None, swap_memory=False,
                time_major=False, scope=None, xla=None, for_serving=None,
                input_projection=None):
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
    xla: whether the fused LSTM's loops are compiled with XLA; None: the
      default of `set_xla` (True unless changed).
    for_serving: build the forward-only form for an exported graph: each
      layer's hoisted step in a plain `tf.while_loop`, or unrolled when the
      number of steps is static (then no loop at all); no XLA, no custom
      gradient, no saved gates; the same variables and values. `xla` is
      then ignored. None: True inside `serving_graph()`, else False.
    input_projection: optional `(kernel [d, depth], bias [depth])`: the
      cell's inputs are `inputs @ kernel + bias` (e.g. a linear dense layer
      before the RNN; `inputs` is then `[..., d]`). Training graphs apply it
      first; serving graphs fold it into the first layer's input projection
      (one matmul instead of two).

  Returns:
    `(outputs, final_state)` as `tf.compat.v1.nn.dynamic_rnn` returns them.

  Raises:
    ValueError: if `inputs` is not rank 3 with a known depth, neither
      `initial_state` nor `dtype` is given, `sequence_length` is not a
      vector, or the state does not fit the cell.
  """
  layers = _layers_of(cell)
  if layers is None or tf.nest.is_nested(inputs):
    if input_projection is not None:
      kernel, bias = input_projection
      inputs = tf.nn.bias_add(tf.tensordot(inputs, kernel, 1), bias)
    return tf_rnn.dynamic_rnn(
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
    if for_serving is None:
      for_serving = serving_enabled()
    fold = None
    if input_projection is not None:
      kernel, bias = (tf.convert_to_tensor(t) for t in input_projection)
      if for_serving:
        fold = (kernel, bias)
      else:
        inputs = tf.nn.bias_add(tf.tensordot(inputs, kernel, 1), bias)
        inputs.set_shape(inputs.shape[:2].concatenate(kernel.shape[-1:]))
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

    stacked = getattr(cell, "stack_layers", None) is not None and (
        cell.stack_layers() is not None)
    states = list(initial_state) if stacked else [initial_state]
    if xla is None:
      xla = _XLA_DEFAULT
    outputs = inputs
    final_states = []
    for index, ((layer_cell, dropout), state) in enumerate(zip(layers,
                                                              states)):
      step_input = outputs[0]
      if index == 0 and fold is not None:
        # The cell is built for the projected depth.
        step_input = tf.zeros([1, fold[0].shape[-1]], step_input.dtype)
      if not stacked:
        layer_cell.build_variables(step_input)
      else:
        with cell.layer_scope(index):
          layer_cell.build_variables(step_input)
      rnn_cell_base.check_inputs(step_input)
      outputs, final_state = _run_layer(
          layer_cell, outputs, state, sequence_length, parallel_iterations,
          swap_memory, xla, for_serving, fold if index == 0 else None)
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


def bidirectional_dynamic_rnn(cell_fw, cell_bw, inputs, sequence_length=None,
                              initial_state_fw=None, initial_state_bw=None,
                              dtype=None, parallel_iterations=None,
                              swap_memory=False, time_major=False,
                              scope=None, xla=None):
  """`tf.compat.v1.nn.bidirectional_dynamic_rnn` on `dynamic_rnn`.

  The same scopes as TensorFlow's (`bidirectional_rnn/fw/...`,
  `bidirectional_rnn/bw/...`), so the variables and checkpoints are the
  same; each direction takes the fast path if its cell does.

  Args:
    cell_fw, cell_bw: the two directions' cells.
    inputs: `[batch, time, depth]` (or time-major) tensor, or a structure.
    sequence_length: optional int vector `[batch]`; the backward direction
      reverses each sequence within its length.
    initial_state_fw, initial_state_bw: optional initial states.
    dtype, parallel_iterations, swap_memory, time_major: as `dynamic_rnn`.
    scope: variable scope; default "bidirectional_rnn".
    xla: as `dynamic_rnn`.

  Returns:
    `((output_fw, output_bw), (output_state_fw, output_state_bw))`.
  """
  time_axis, batch_axis = (0, 1) if time_major else (1, 0)

  def reverse(value):
    if sequence_length is not None:
      return tf.reverse_sequence(value, seq_lengths=sequence_length,
                                 seq_axis=time_axis, batch_axis=batch_axis)
    return tf.reverse(value, axis=[time_axis])

  options = dict(sequence_length=sequence_length, dtype=dtype,
                 parallel_iterations=parallel_iterations,
                 swap_memory=swap_memory, time_major=time_major, xla=xla)
  with tf.compat.v1.variable_scope(scope or "bidirectional_rnn"):
    with tf.compat.v1.variable_scope("fw") as fw_scope:
      output_fw, state_fw = dynamic_rnn(
          cell_fw, inputs, initial_state=initial_state_fw, scope=fw_scope,
          **options)
    with tf.compat.v1.variable_scope("bw") as bw_scope:
      reversed_output, state_bw = dynamic_rnn(
          cell_bw, tf.nest.map_structure(reverse, inputs),
          initial_state=initial_state_bw, scope=bw_scope, **options)
  return (output_fw, reverse(reversed_output)), (state_fw, state_bw)
