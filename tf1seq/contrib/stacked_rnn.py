"""TF1's stacked bidirectional RNNs from `tf.contrib.rnn`, Keras-free.

`stack_bidirectional_dynamic_rnn` and `stack_bidirectional_rnn` feed the
concatenated forward and backward outputs of layer k to layer k + 1. Their
variables keep TF1's names:

  dynamic: stack_bidirectional_rnn/cell_0/bidirectional_rnn/fw/gru_cell/...
  static:  stack_bidirectional_rnn/cell_0/fw/gru_cell/...

`static_bidirectional_rnn` and `static_state_saving_rnn` are TensorFlow's
own `tf.compat.v1.nn` functions, which still run tf1seq cells.

Usage:

  from tf1seq import rnn_cell
  from tf1seq.contrib import stacked_rnn
  outputs, states_fw, states_bw = stacked_rnn.stack_bidirectional_dynamic_rnn(
      [rnn_cell.GRUCell(64), rnn_cell.GRUCell(64)],
      [rnn_cell.GRUCell(64), rnn_cell.GRUCell(64)],
      x, dtype=tf.float32, sequence_length=lengths)
"""

import tensorflow as tf

static_rnn = tf.compat.v1.nn.static_rnn
static_bidirectional_rnn = tf.compat.v1.nn.static_bidirectional_rnn
static_state_saving_rnn = tf.compat.v1.nn.static_state_saving_rnn


def _check_layers(cells_fw, cells_bw, initial_states_fw, initial_states_bw):
  """TF1's checks of the per-layer arguments (same messages)."""
  if not cells_fw:
    raise ValueError("Must specify at least one fw cell for BidirectionalRNN.")
  if not cells_bw:
    raise ValueError("Must specify at least one bw cell for BidirectionalRNN.")
  if not isinstance(cells_fw, list):
    raise ValueError("cells_fw must be a list of RNNCells (one per layer).")
  if not isinstance(cells_bw, list):
    raise ValueError("cells_bw must be a list of RNNCells (one per layer).")
  if len(cells_fw) != len(cells_bw):
    raise ValueError("Forward and Backward cells must have the same depth.")
  for direction, states in (("fw", initial_states_fw),
                            ("bw", initial_states_bw)):
    if states is not None and (not isinstance(states, list) or
                               len(states) != len(cells_fw)):
      raise ValueError("initial_states_%s must be a list of state tensors "
                       "(one per layer)." % direction)


def _layer_state(states, i):
  return states[i] if states else None


def stack_bidirectional_rnn(cells_fw, cells_bw, inputs,
                            initial_states_fw=None, initial_states_bw=None,
                            dtype=None, sequence_length=None, scope=None):
  """Stacked `static_bidirectional_rnn` layers.

  Args:
    cells_fw: list of forward cells, one per layer.
    cells_bw: list of backward cells, as many.
    inputs: list of `[batch, depth]` tensors, one per step.
    initial_states_fw: optional list of forward initial states per layer.
    initial_states_bw: optional list of backward initial states per layer.
    dtype: the initial states' dtype when they are not given.
    sequence_length: optional `[batch]` int lengths.
    scope: variable scope; default "stack_bidirectional_rnn".

  Returns:
    `(outputs, states_fw, states_bw)`: the last layer's list of
    `[batch, fw_size + bw_size]` outputs and tuples of each layer's final
    forward and backward states.

  Raises:
    ValueError: if the cell lists are empty, not lists, of different
      lengths, or the initial states are not one per layer.
  """
  _check_layers(cells_fw, cells_bw, initial_states_fw, initial_states_bw)
  states_fw = []
  states_bw = []
  layer_inputs = inputs
  with tf.compat.v1.variable_scope(scope or "stack_bidirectional_rnn"):
    for i, (cell_fw, cell_bw) in enumerate(zip(cells_fw, cells_bw)):
      with tf.compat.v1.variable_scope("cell_%d" % i) as cell_scope:
        layer_inputs, state_fw, state_bw = static_bidirectional_rnn(
            cell_fw, cell_bw, layer_inputs,
            initial_state_fw=_layer_state(initial_states_fw, i),
            initial_state_bw=_layer_state(initial_states_bw, i),
            sequence_length=sequence_length, dtype=dtype, scope=cell_scope)
      states_fw.append(state_fw)
      states_bw.append(state_bw)
  return layer_inputs, tuple(states_fw), tuple(states_bw)


def stack_bidirectional_dynamic_rnn(cells_fw, cells_bw, inputs,
                                    initial_states_fw=None,
                                    initial_states_bw=None, dtype=None,
                                    sequence_length=None,
                                    parallel_iterations=None,
                                    time_major=False, scope=None,
                                    swap_memory=False):
  """Stacked `bidirectional_dynamic_rnn` layers.

  Args:
    cells_fw: list of forward cells, one per layer.
    cells_bw: list of backward cells, as many.
    inputs: `[batch, time, depth]` (or `[time, batch, depth]` with
      `time_major`).
    initial_states_fw: optional list of forward initial states per layer.
    initial_states_bw: optional list of backward initial states per layer.
    dtype: the initial states' dtype when they are not given.
    sequence_length: optional `[batch]` int lengths.
    parallel_iterations: passed to `dynamic_rnn`.
    time_major: whether `inputs` and the outputs are time-major.
    scope: variable scope; default "stack_bidirectional_rnn".
    swap_memory: passed to `dynamic_rnn`.

  Returns:
    `(outputs, states_fw, states_bw)`: the last layer's outputs (forward
    and backward concatenated on the last axis) and tuples of each layer's
    final forward and backward states.

  Raises:
    ValueError: if the cell lists are empty, not lists, of different
      lengths, or the initial states are not one per layer.
  """
  _check_layers(cells_fw, cells_bw, initial_states_fw, initial_states_bw)
  states_fw = []
  states_bw = []
  layer_inputs = inputs
  with tf.compat.v1.variable_scope(scope or "stack_bidirectional_rnn"):
    for i, (cell_fw, cell_bw) in enumerate(zip(cells_fw, cells_bw)):
      with tf.compat.v1.variable_scope("cell_%d" % i):
        outputs, (state_fw, state_bw) = (
            tf.compat.v1.nn.bidirectional_dynamic_rnn(
                cell_fw, cell_bw, layer_inputs,
                initial_state_fw=_layer_state(initial_states_fw, i),
                initial_state_bw=_layer_state(initial_states_bw, i),
                sequence_length=sequence_length,
                parallel_iterations=parallel_iterations, dtype=dtype,
                swap_memory=swap_memory, time_major=time_major))
        layer_inputs = tf.concat(outputs, 2)
      states_fw.append(state_fw)
      states_bw.append(state_bw)
  return layer_inputs, tuple(states_fw), tuple(states_bw)
