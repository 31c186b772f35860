"""Carrying a recurrent state across batches: fed tensors or variables.

Two ways, as TF1 code did it, both for any cell and any nested state
(a `MultiRNNCell` of LSTMs has a tuple of `LSTMStateTuple`s):

1. Carried-state feeding (TF1's `ptb_word_lm`): `carried_state` makes the
   initial state out of `placeholder_with_default(zero_state)` tensors of
   shape `[None, size]`. Not feeding them starts from zeros; the training
   loop fetches the final state of batch k and feeds it (`feed_dict_for`) as
   the initial state of batch k+1, and feeds nothing at epoch boundaries.

2. State variables (Keras' `stateful=True`): `StateVariables` keeps the
   state of a fixed batch size in non-trainable local variables (so the
   `Saver` does not checkpoint them and a resumed run starts from zeros),
   reads them as the initial state, assigns the final state to them after
   the loss is computed (`update`), and resets them (`reset_states`, all
   layers or one).

Usage:

  cell = rnn_cell.MultiRNNCell([rnn_cell.BasicLSTMCell(64) for _ in "ab"])
  # 1. Feeding.
  initial_state = state.carried_state(cell, tf.shape(inputs)[0])
  outputs, final_state = tf.compat.v1.nn.dynamic_rnn(
      cell, inputs, initial_state=initial_state)
  values = None  # Zeros.
  for x in windows:
    values, loss = sess.run([final_state, loss_t],
                            {inputs_t: x, **state.feed_dict_for(
                                initial_state, values, batch_size=len(x))})
  # 2. Variables.
  stateful = state.StateVariables(cell, batch_size=32)
  outputs, final_state = tf.compat.v1.nn.dynamic_rnn(
      cell, inputs, initial_state=stateful.initial_state_for(inputs))
  train_op = tf.group(optimizer.minimize(loss),
                      stateful.update(final_state, after=[loss]))
  sess.run(stateful.reset_states())  # At each epoch's start.

The flat names of a state (`state_names`) are those of the stateful
serving signature: `state_c_0`, `state_h_0`, `state_c_1`, ... for LSTM
layers, `state_0`, ... for GRU and basic RNN layers.
"""

import numpy as np
import tensorflow as tf


def _is_namedtuple(value):
  return isinstance(value, tuple) and hasattr(value, "_fields")


def layers_of(state_size):
  """The per-layer parts of a `state_size` (or state): a list.

  A `MultiRNNCell`'s state is a plain tuple with one entry per layer; any
  other cell's state (an int, a `TensorShape`, an `LSTMStateTuple`) is one
  layer.
  """
  if isinstance(state_size, (tuple, list)) and not _is_namedtuple(state_size):
    return list(state_size)
  return [state_size]


def _layer_leaf_suffixes(layer_size):
  """`["c", "h"]` for an LSTMStateTuple, `[""]` for a flat state."""
  if _is_namedtuple(layer_size):
    suffixes = []
    for field, value in zip(layer_size._fields, layer_size):
      suffixes += [field + ("_" + s if s else "")
                   for s in _layer_leaf_suffixes(value)]
    return suffixes
  if isinstance(layer_size, (tuple, list)):
    suffixes = []
    for i, value in enumerate(layer_size):
      suffixes += ["%d" % i + ("_" + s if s else "")
                   for s in _layer_leaf_suffixes(value)]
    return suffixes
  return [""]


def state_names(state_size, prefix="state"):
  """Flat names of a state's tensors, in `tf.nest.flatten` order.

  Args:
    state_size: a cell's `state_size` (or a state of that structure).
    prefix: the names' start.

  Returns:
    A list of strings: `state_c_0`, `state_h_0`, `state_c_1`, ... for a
    stack of LSTMs; `state_0`, `state_1` for a stack of GRUs.
  """
  names = []
  for i, layer in enumerate(layers_of(state_size)):
    names += ["%s_%s%d" % (prefix, suffix + "_" if suffix else "", i)
              for suffix in _layer_leaf_suffixes(layer)]
  return names


def _leaf_size(size):
  return tf.TensorShape(size).as_list()


def zero_state_values(state_size, batch_size, dtype=np.float32):
  """Numpy zeros of a state: what a server keeps for a new client.

  Args:
    state_size: a cell's `state_size`.
    batch_size: a Python int.
    dtype: numpy dtype.

  Returns:
    The structure of `state_size` with `[batch_size, size]` zero arrays.
  """
  return tf.nest.map_structure(
      lambda size: np.zeros([batch_size] + _leaf_size(size), dtype=dtype),
      state_size)


def _check_batch_size_argument(batch_size):
  if isinstance(batch_size, bool) or not isinstance(
      batch_size, (int, np.integer)) or batch_size <= 0:
    raise ValueError("batch_size must be a positive int, got %r" %
                     (batch_size,))


def carried_state(cell, batch_size, dtype=tf.float32, name="initial_state"):
  """Initial-state inputs that default to zeros and may be fed.

  Args:
    cell: an `RNNCell` (any nesting of state).
    batch_size: int or scalar int32 tensor: the batch size of the default
      zero state, usually `tf.shape(inputs)[0]`. The tensors' static shape is
      `[None, size]`, so a fed state of any batch size is accepted.
    dtype: the state's dtype.
    name: name scope of the placeholders.

  Returns:
    The structure of `cell.state_size` of `placeholder_with_default`
    tensors, named `<name>/state_c_0` etc.
  """
  with tf.compat.v1.name_scope(name):
    zeros = cell.zero_state(batch_size, dtype)
    names = state_names(cell.state_size)
    flat = [tf.compat.v1.placeholder_with_default(
        zero, [None] + zero.shape.as_list()[1:], name=leaf_name)
            for zero, leaf_name in zip(tf.nest.flatten(zeros), names)]
  return tf.nest.pack_sequence_as(zeros, flat)


def _describe(structure):
  def describe(leaf):
    shape = getattr(leaf, "shape", None)
    return "array%s" % (list(shape),) if shape is not None else repr(leaf)
  try:
    return str(tf.nest.map_structure(describe, structure))
  except (TypeError, ValueError):
    return repr(structure)


def feed_dict_for(initial_state, values, batch_size=None):
  """The feed dict that sets `initial_state` to `values`.

  Args:
    initial_state: what `carried_state` returned.
    values: the fetched final state of the previous batch (numpy arrays of
      the same structure), or None for zeros (an epoch's start, a resume).
    batch_size: if given, every value must have this many rows.

  Returns:
    A dict from the placeholders to the values (empty for None).

  Raises:
    ValueError: if `values` has another structure than `initial_state`, a
      value's shape is not `[batch, size]`, or its batch is not
      `batch_size`.
  """
  if values is None:
    return {}
  try:
    tf.nest.assert_same_structure(initial_state, values, check_types=False)
  except (ValueError, TypeError):
    raise ValueError(
        "the state fed must have the structure of the initial state %s, got "
        "%s" % (_describe(initial_state), _describe(values))) from None
  names = state_names(initial_state)
  feed = {}
  for name, tensor, value in zip(names, tf.nest.flatten(initial_state),
                                 tf.nest.flatten(values)):
    value = np.asarray(value)
    expected = tensor.shape.as_list()
    if value.ndim != len(expected) or any(
        want is not None and want != got
        for want, got in zip(expected[1:], value.shape[1:])):
      raise ValueError("state %s must have shape [batch, %s], got %s" %
                       (name, ", ".join(map(str, expected[1:])),
                        list(value.shape)))
    if batch_size is not None and value.shape[0] != batch_size:
      raise ValueError(
          "state %s has batch size %d but the inputs have batch size %d; "
          "reset the state (feed None) when the batch size changes" %
          (name, value.shape[0], batch_size))
    feed[tensor] = value
  return feed


class StateVariables(object):
  """The state of a fixed batch size kept in variables between steps.

  The analogue of Keras' `stateful=True`: row i of batch k+1 continues row
  i of batch k, so the batch size is fixed. The variables are
  non-trainable and, by default, in `LOCAL_VARIABLES` only: the `Saver`
  does not checkpoint them, `MonitoredTrainingSession` initialises them to
  zeros, and a restored run starts from zeros.
  """

  def __init__(self, cell, batch_size, dtype=tf.float32, checkpointed=False,
               name="stateful_state"):
    """Creates the variables (zeros) for `cell`'s state.

    Args:
      cell: an `RNNCell` (any nesting of state).
      batch_size: the fixed batch size, a positive int.
      dtype: the state's dtype.
      checkpointed: if True, the variables are global (saved by a `Saver`)
        instead of local.
      name: the variables' scope: `<name>/state_c_0` etc.

    Raises:
      ValueError: if `batch_size` is not a positive int.
    """
    _check_batch_size_argument(batch_size)
    self._batch_size = int(batch_size)
    self._state_size = cell.state_size
    collections = ([tf.compat.v1.GraphKeys.GLOBAL_VARIABLES] if checkpointed
                   else [tf.compat.v1.GraphKeys.LOCAL_VARIABLES])
    names = state_names(cell.state_size)
    flat_sizes = tf.nest.flatten(cell.state_size)
    with tf.compat.v1.variable_scope(name) as scope:
      self._scope_name = scope.name
      flat = [tf.compat.v1.get_variable(
          leaf_name, [self._batch_size] + _leaf_size(size), dtype=dtype,
          initializer=tf.compat.v1.zeros_initializer(), trainable=False,
          collections=collections, use_resource=True)
              for leaf_name, size in zip(names, flat_sizes)]
    self._variables = tf.nest.pack_sequence_as(cell.state_size, flat)

  @property
  def batch_size(self):
    return self._batch_size

  @property
  def variables(self):
    """The variables, in the structure of the cell's state."""
    return self._variables

  def initial_state_for(self, inputs):
    """The variables' values as an initial state for a batch of `inputs`.

    Args:
      inputs: the batch-major inputs of the unroll (`[batch, ...]`).

    Returns:
      Tensors of the cell's state structure. If the batch of `inputs` is
      only known when run, the reads carry a check whose failure
      (`InvalidArgumentError`) names both batch sizes.

    Raises:
      ValueError: if the static batch of `inputs` is not `batch_size`.
    """
    inputs = tf.convert_to_tensor(inputs)
    static_batch = inputs.shape[0] if inputs.shape.ndims else None
    message = ("the state variables %s hold a batch of %d (a fixed batch "
               "size, as with Keras' stateful=True) but the inputs have "
               "batch size" % (self._scope_name, self._batch_size))
    if static_batch is not None:
      if static_batch != self._batch_size:
        raise ValueError("%s %d" % (message, static_batch))
      checks = []
    else:
      batch = tf.shape(inputs)[0]
      checks = [tf.debugging.assert_equal(
          batch, self._batch_size, message=message, summarize=1,
          name="check_state_batch_size")]
    with tf.control_dependencies(checks):
      return tf.nest.map_structure(lambda v: tf.identity(v.read_value()),
                                   self._variables)

  def update(self, final_state, after=()):
    """An op assigning `final_state` to the variables.

    Args:
      final_state: the unroll's final state (the cell's structure).
      after: tensors or ops (the loss, the train op) the assignment waits
        for, so that nothing still to run in the step reads the new state.

    Returns:
      The grouped assignment op.

    Raises:
      ValueError: if `final_state` has another structure than the state.
    """
    try:
      tf.nest.assert_same_structure(self._variables, final_state,
                                    check_types=False)
    except (ValueError, TypeError):
      raise ValueError(
          "final_state must have the structure of the state variables %s, "
          "got %s" % (_describe(self._variables),
                      _describe(final_state))) from None
    after = [a for a in tf.nest.flatten(after) if a is not None]
    with tf.compat.v1.name_scope("update_state"), \
        tf.control_dependencies(after):
      assigns = [variable.assign(value, read_value=False)
                 for variable, value in zip(tf.nest.flatten(self._variables),
                                            tf.nest.flatten(final_state))]
      return tf.group(*assigns, name="update")

  def reset_states(self, layer=None):
    """An op setting the state (all layers, or `layer`) to zeros.

    Args:
      layer: None for every layer, or the index of one layer of a
        `MultiRNNCell` (0 for a single cell).

    Returns:
      The op.

    Raises:
      ValueError: if `layer` is not a valid layer index.
    """
    layers = layers_of(self._variables)
    if layer is None:
      chosen = layers
    else:
      if (isinstance(layer, bool) or not isinstance(layer, int) or
          not 0 <= layer < len(layers)):
        raise ValueError("layer must be None or an int in [0, %d), got %r"
                         % (len(layers), layer))
      chosen = [layers[layer]]
    with tf.compat.v1.name_scope("reset_states"):
      assigns = [v.assign(tf.zeros_like(v), read_value=False)
                 for v in tf.nest.flatten(chosen)]
      return tf.group(*assigns, name="reset")
