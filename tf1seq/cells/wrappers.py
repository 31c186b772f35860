"""Cells made of cells: TF1's `MultiRNNCell` and the cell wrappers.

Wrappers add no variable scope of their own, as in TF1: a `DropoutWrapper`
around a `BasicLSTMCell` still keeps `rnn/basic_lstm_cell/kernel`, and
`MultiRNNCell` puts layer k under `multi_rnn_cell/cell_k/`.

Usage:

  from tf1seq import rnn_cell
  cells = [rnn_cell.DropoutWrapper(rnn_cell.BasicLSTMCell(256),
                                   output_keep_prob=keep_prob)
           for _ in range(2)]
  stack = rnn_cell.MultiRNNCell(cells)
  outputs, final_state = tf.compat.v1.nn.dynamic_rnn(
      stack, x, initial_state=stack.zero_state(batch_size, tf.float32))
"""

import contextlib
import hashlib
import numbers

from absl import logging
import tensorflow as tf
# nest's shallow-structure helpers are not in `tf.nest`; DropoutWrapper needs
# them to drop out only the parts of a state the filter selects.
from tensorflow.python.util import nest

from tf1seq.cells import base as rnn_cell_base


def _check_is_cell(argument, cell):
  """Raises TypeError unless `cell` has TF1's RNNCell interface."""
  missing = [attr for attr in ("output_size", "state_size")
             if not hasattr(cell, attr)]
  if not (hasattr(cell, "zero_state") or hasattr(cell, "get_initial_state")):
    missing.append("zero_state")
  if not callable(cell):
    missing.append("__call__")
  if missing:
    raise TypeError("%s must be an RNNCell, got %r (missing %s)" %
                    (argument, cell, ", ".join(missing)))


def _weights_of(cells, attr):
  weights = []
  for cell in cells:
    weights += list(getattr(cell, attr, []))
  return weights


class MultiRNNCell(rnn_cell_base.RNNCell):
  """A stack of cells: the output of layer k is the input of layer k + 1."""

  def __init__(self, cells, state_is_tuple=True):
    """Creates the stack.

    Args:
      cells: a non-empty list of cells, bottom first.
      state_is_tuple: if True, the state is a tuple with one entry per cell;
        if False, all states concatenated along axis 1.

    Raises:
      ValueError: if `cells` is empty, or a cell has a tuple state while
        `state_is_tuple` is False.
      TypeError: if `cells` is not a list or tuple of cells.
    """
    super().__init__()
    if not isinstance(cells, (list, tuple)):
      raise TypeError("cells must be a list or tuple, got %r" % (cells,))
    if not cells:
      raise ValueError("cells must hold at least one cell, got []")
    for i, cell in enumerate(cells):
      _check_is_cell("cells[%d]" % i, cell)
    if len(set(id(cell) for cell in cells)) < len(cells):
      logging.warning("At least two cells provided to MultiRNNCell are the "
                      "same object and will share weights.")
    self._cells = list(cells)
    self._state_is_tuple = state_is_tuple
    if not state_is_tuple and any(
        tf.nest.is_nested(c.state_size) for c in cells):
      raise ValueError("state_is_tuple=False needs cells with flat states, "
                       "got state sizes %s" % [c.state_size for c in cells])

  @property
  def cells(self):
    return list(self._cells)

  @property
  def state_size(self):
    if self._state_is_tuple:
      return tuple(cell.state_size for cell in self._cells)
    return sum(cell.state_size for cell in self._cells)

  @property
  def output_size(self):
    return self._cells[-1].output_size

  @property
  def trainable_weights(self):
    return _weights_of(self._cells, "trainable_weights") if self.trainable \
        else []

  @property
  def non_trainable_weights(self):
    weights = _weights_of(self._cells, "non_trainable_weights")
    if not self.trainable:
      weights = _weights_of(self._cells, "trainable_weights") + weights
    return weights

  trainable_variables = trainable_weights
  non_trainable_variables = non_trainable_weights

  @property
  def weights(self):
    return self.trainable_weights + self.non_trainable_weights

  variables = weights

  def zero_state(self, batch_size, dtype):
    with tf.compat.v1.name_scope(type(self).__name__ + "ZeroState",
                                 values=[batch_size]):
      if self._state_is_tuple:
        return tuple(cell.zero_state(batch_size, dtype)
                     for cell in self._cells)
      return super().zero_state(batch_size, dtype)

  def stack_layers(self):
    """The cells, for `tf1seq.rnn`'s layer-by-layer run, or None.

    None if the state is concatenated (`state_is_tuple=False`) or a
    subclass overrides `call`.
    """
    if not (self._state_is_tuple and
            rnn_cell_base.own_form(self, "stack_layers")):
      return None
    return list(self._cells)

  @contextlib.contextmanager
  def layer_scope(self, index):
    """The variable scope of layer `index`, as `call` enters it."""
    with self._layer_scope():
      with tf.compat.v1.variable_scope("cell_%d" % index) as scope:
        yield scope

  def call(self, inputs, state):
    position = 0
    layer_input = inputs
    new_states = []
    for i, cell in enumerate(self._cells):
      with tf.compat.v1.variable_scope("cell_%d" % i):
        if self._state_is_tuple:
          cell_state = state[i]
        else:
          cell_state = tf.slice(state, [0, position], [-1, cell.state_size])
          position += cell.state_size
        layer_input, new_state = cell(layer_input, cell_state)
        new_states.append(new_state)
    if self._state_is_tuple:
      return layer_input, tuple(new_states)
    return layer_input, tf.concat(new_states, 1)


class _Wrapper(rnn_cell_base.RNNCell):
  """Base of the wrappers: no scope of its own, the wrapped cell's sizes."""

  def __init__(self, cell):
    super().__init__()
    _check_is_cell("cell", cell)
    self.cell = cell

  @property
  def wrapped_cell(self):
    return self.cell

  @property
  def state_size(self):
    return self.cell.state_size

  @property
  def output_size(self):
    return self.cell.output_size

  @property
  def trainable_weights(self):
    return list(getattr(self.cell, "trainable_weights", []))

  @property
  def non_trainable_weights(self):
    return list(getattr(self.cell, "non_trainable_weights", []))

  trainable_variables = trainable_weights
  non_trainable_variables = non_trainable_weights

  @property
  def weights(self):
    return self.trainable_weights + self.non_trainable_weights

  variables = weights

  def zero_state(self, batch_size, dtype):
    with tf.compat.v1.name_scope(type(self).__name__ + "ZeroState",
                                 values=[batch_size]):
      return self.cell.zero_state(batch_size, dtype)

  def __call__(self, inputs, state, scope=None):
    return self._call_wrapped_cell(inputs, state, scope=scope)

  def _call_wrapped_cell(self, inputs, state, scope):
    raise NotImplementedError("Abstract method")


def _default_dropout_state_filter_visitor(substate):
  """Drops out everything but an LSTM's memory `c` and TensorArrays."""
  if isinstance(substate, rnn_cell_base.LSTMStateTuple):
    return rnn_cell_base.LSTMStateTuple(c=False, h=True)
  if isinstance(substate, tf.TensorArray):
    return False
  return True


def _enumerated_map_structure_up_to(shallow_structure, map_fn, *args):
  """map_structure_up_to that also passes each leaf's running index."""
  index = [0]

  def enumerated_fn(*inner_args):
    result = map_fn(index[0], *inner_args)
    index[0] += 1
    return result

  return nest.map_structure_up_to(shallow_structure, enumerated_fn, *args)


class DropoutWrapper(_Wrapper):
  """Dropout on a cell's inputs, outputs and (part of its) state.

  With `variational_recurrent=True` one mask is drawn per run (per
  `session.run`) and used at every step (Gal & Ghahramani, 2016);
  otherwise each step draws a new mask. By default the LSTM memory `c` is
  never dropped.
  """

  def __init__(self, cell, input_keep_prob=1.0, output_keep_prob=1.0,
               state_keep_prob=1.0, variational_recurrent=False,
               input_size=None, dtype=None, seed=None,
               dropout_state_filter_visitor=None):
    """Creates the wrapper.

    Args:
      cell: the cell to wrap.
      input_keep_prob: float in [0, 1] or scalar tensor.
      output_keep_prob: float in [0, 1] or scalar tensor.
      state_keep_prob: float in [0, 1] or scalar tensor; applied to the
        parts of the new state that `dropout_state_filter_visitor` selects.
      variational_recurrent: if True, the same masks at every step.
      input_size: (nested) depth of the inputs; needed with
        `variational_recurrent` and `input_keep_prob < 1`.
      dtype: the dtype of inputs and state; needed with
        `variational_recurrent`.
      seed: int; each mask's seed is derived from it as in TF1, so the same
        seed gives TF1's masks.
      dropout_state_filter_visitor: function from a sub-state to a bool or a
        structure of bools choosing what to drop.

    Raises:
      TypeError: if `cell` is not a cell or the filter is not callable.
      ValueError: if a constant keep probability is outside [0, 1], or
        `variational_recurrent` lacks `dtype` or `input_size`.
    """
    super().__init__(cell)
    if (dropout_state_filter_visitor is not None and
        not callable(dropout_state_filter_visitor)):
      raise TypeError("dropout_state_filter_visitor must be callable, got %r"
                      % (dropout_state_filter_visitor,))
    self._dropout_state_filter = (dropout_state_filter_visitor or
                                  _default_dropout_state_filter_visitor)
    with tf.compat.v1.name_scope("DropoutWrapperInit"):
      for prob, attr in [(input_keep_prob, "input_keep_prob"),
                         (state_keep_prob, "state_keep_prob"),
                         (output_keep_prob, "output_keep_prob")]:
        tensor_prob = tf.convert_to_tensor(prob)
        const_prob = tf.get_static_value(tensor_prob)
        if const_prob is not None:
          if const_prob < 0 or const_prob > 1:
            raise ValueError("%s must be between 0 and 1, got %s" %
                             (attr, const_prob))
          setattr(self, "_" + attr, float(const_prob))
        else:
          setattr(self, "_" + attr, tensor_prob)
    self._variational_recurrent = variational_recurrent
    self._input_size = input_size
    self._seed = seed
    self._recurrent_input_noise = None
    self._recurrent_state_noise = None
    self._recurrent_output_noise = None
    if variational_recurrent:
      self._create_variational_noise(cell, input_size, dtype)

  def _create_variational_noise(self, cell, input_size, dtype):
    if dtype is None:
      raise ValueError("variational_recurrent=True needs dtype")

    def batch_noise(size, inner_seed):
      shape = tf.concat(([1], tf.TensorShape(size).as_list()), 0)
      return tf.random.uniform(shape, seed=inner_seed, dtype=dtype)

    if (not isinstance(self._input_keep_prob, numbers.Real) or
        self._input_keep_prob < 1.0):
      if input_size is None:
        raise ValueError("variational_recurrent=True with input_keep_prob < "
                         "1 needs input_size")
      self._recurrent_input_noise = _enumerated_map_structure_up_to(
          input_size,
          lambda i, s: batch_noise(s, self._gen_seed("input", i)),
          input_size)
    self._recurrent_state_noise = _enumerated_map_structure_up_to(
        cell.state_size,
        lambda i, s: batch_noise(s, self._gen_seed("state", i)),
        cell.state_size)
    self._recurrent_output_noise = _enumerated_map_structure_up_to(
        cell.output_size,
        lambda i, s: batch_noise(s, self._gen_seed("output", i)),
        cell.output_size)

  def _gen_seed(self, salt_prefix, index):
    """TF1's per-mask seed: md5 of the seed and a salt, so masks match."""
    if self._seed is None:
      return None
    salt = "%s_%d" % (salt_prefix, index)
    digest = hashlib.md5((str(self._seed) + salt).encode("utf-8"))
    return int(digest.hexdigest()[:8], 16) & 0x7FFFFFFF

  def _variational_value(self, value, noise, keep_prob):
    # keep_prob + U[0, 1) floors to 1 with probability keep_prob.
    binary = tf.floor(keep_prob + noise)
    result = tf.divide(value, keep_prob) * binary
    result.set_shape(value.shape)
    return result

  def _dropout(self, values, salt_prefix, recurrent_noise, keep_prob,
               shallow_filtered_substructure=None):
    if shallow_filtered_substructure is None:
      shallow_filtered_substructure = values

    if not self._variational_recurrent:
      def dropout(i, do_dropout, value):
        if not isinstance(do_dropout, bool) or do_dropout:
          return tf.nn.dropout(value, rate=1. - keep_prob,
                               seed=self._gen_seed(salt_prefix, i))
        return value
      return _enumerated_map_structure_up_to(
          shallow_filtered_substructure, dropout,
          shallow_filtered_substructure, values)

    def variational(i, do_dropout, value, noise):
      del i  # The noise was drawn per index already.
      if not isinstance(do_dropout, bool) or do_dropout:
        return self._variational_value(value, noise, keep_prob)
      return value
    return _enumerated_map_structure_up_to(
        shallow_filtered_substructure, variational,
        shallow_filtered_substructure, values, recurrent_noise)

  def drops_outputs_only(self):
    """Whether the only dropout is a fresh mask on the outputs every step.

    Then the outputs of all steps can be dropped at once after the time
    loop (`drop_all_outputs`), as tf1seq's fast `dynamic_rnn` does: the
    same distribution, other random numbers. Not with a `seed` (which
    promises TF1's very masks), variational masks, dropout on inputs or
    state, or in a subclass that overrides `_call_wrapped_cell`.
    """
    return (self._seed is None and not self._variational_recurrent and
            self._input_keep_prob == 1.0 and self._state_keep_prob == 1.0
            and isinstance(self._input_keep_prob, float) and
            isinstance(self._state_keep_prob, float) and
            rnn_cell_base.own_form(self, "drops_outputs_only",
                                   step="_call_wrapped_cell"))

  def drop_all_outputs(self, outputs):
    """The output dropout applied to every step's outputs at once.

    Args:
      outputs: the wrapped cell's outputs of all steps, `[time, batch,
        depth]`.

    Returns:
      `outputs` with independent dropout on every element (none if the
      keep probability is the constant 1).
    """
    keep_prob = self._output_keep_prob
    if isinstance(keep_prob, float) and keep_prob == 1.0:
      return outputs
    return tf.nn.dropout(outputs, rate=1. - keep_prob)

  def _call_wrapped_cell(self, inputs, state, scope):
    def should_dropout(p):
      return not isinstance(p, float) or p < 1

    if should_dropout(self._input_keep_prob):
      inputs = self._dropout(inputs, "input", self._recurrent_input_noise,
                             self._input_keep_prob)
    output, new_state = self.cell(inputs, state, scope=scope)
    if should_dropout(self._state_keep_prob):
      shallow = nest.get_traverse_shallow_structure(
          self._dropout_state_filter, new_state)
      new_state = self._dropout(new_state, "state",
                                self._recurrent_state_noise,
                                self._state_keep_prob, shallow)
    if should_dropout(self._output_keep_prob):
      output = self._dropout(output, "output", self._recurrent_output_noise,
                             self._output_keep_prob)
    return output, new_state


class ResidualWrapper(_Wrapper):
  """Adds the cell's inputs to its outputs: `output = inputs + cell(...)`."""

  def __init__(self, cell, residual_fn=None):
    """Creates the wrapper.

    Args:
      cell: the cell to wrap; its output must have the inputs' shape.
      residual_fn: optional `fn(inputs, outputs)`; default adds them.
    """
    super().__init__(cell)
    self._residual_fn = residual_fn

  def _call_wrapped_cell(self, inputs, state, scope):
    outputs, new_state = self.cell(inputs, state, scope=scope)
    if self._residual_fn is not None:
      return self._residual_fn(inputs, outputs), new_state

    def add(inp, out):
      if not inp.shape.is_compatible_with(out.shape):
        raise ValueError("ResidualWrapper needs outputs shaped like the "
                         "inputs, got inputs %s and outputs %s" %
                         (inp.shape, out.shape))
      return inp + out

    tf.nest.assert_same_structure(inputs, outputs)
    return tf.nest.map_structure(add, inputs, outputs), new_state


class DeviceWrapper(_Wrapper):
  """Runs the wrapped cell (and its zero state) on `device`."""

  def __init__(self, cell, device):
    """Creates the wrapper.

    Args:
      cell: the cell to wrap.
      device: a device string or function, as for `tf.device`.
    """
    super().__init__(cell)
    self._device = device

  def zero_state(self, batch_size, dtype):
    with tf.compat.v1.name_scope(type(self).__name__ + "ZeroState",
                                 values=[batch_size]):
      with tf.compat.v1.device(self._device):
        return self.cell.zero_state(batch_size, dtype)

  def _call_wrapped_cell(self, inputs, state, scope):
    with tf.compat.v1.device(self._device):
      return self.cell(inputs, state, scope=scope)
