"""The RNN cell base class of tf1seq: TF1's `RNNCell` contract without Keras.

TensorFlow 1.x cells were Keras-2 layers underneath; on TensorFlow >= 2.16
(Keras 3) they are gone. This module gives the same contract as plain Python
objects over `tf.compat.v1` variable scopes, so that TF1 graphs keep their
variable names (`rnn/basic_lstm_cell/kernel`) and old checkpoints restore:

  * `state_size`, `output_size`, `zero_state(batch_size, dtype)` and
    `get_initial_state(...)`, as `tf.compat.v1.nn.dynamic_rnn` expects;
  * `__call__(inputs, state, scope=None)`: the first call captures a variable
    scope named after the cell (`basic_lstm_cell`, uniquified as TF1 did, or
    `name=` / `scope=`), builds the variables once, and every later call
    reuses them;
  * `variables`, `trainable_variables` (and TF1's `weights`,
    `trainable_weights` aliases) list what the cell created.

Usage:

  class MyCell(rnn_cell_base.LayerRNNCell):
    @property
    def state_size(self):
      return 4

    @property
    def output_size(self):
      return 4

    def build(self, inputs_shape):
      self._kernel = self.add_variable(
          rnn_cell_base.KERNEL, [inputs_shape[-1] + 4, 4])

    def call(self, inputs, state):
      h = tf.tanh(tf.matmul(tf.concat([inputs, state], 1), self._kernel))
      return h, h
"""

import collections

from absl import logging
import tensorflow as tf

from tf1seq import base_layer

# Variable names, as TF1's rnn_cell_impl spelled them.
KERNEL = "kernel"
BIAS = "bias"


class LSTMStateTuple(collections.namedtuple("LSTMStateTuple", ("c", "h"))):
  """The state of an LSTM cell: `(c, h)`, in that order.

  `c` is the memory cell and `h` the output (TF1 also called it `m`).
  """
  __slots__ = ()

  @property
  def dtype(self):
    c, h = self
    if c.dtype != h.dtype:
      raise TypeError("Inconsistent internal state: %s vs %s" %
                      (c.dtype, h.dtype))
    return c.dtype


def check_supported_dtype(dtype):
  """Raises ValueError unless `dtype` is None, floating or complex."""
  if dtype is None:
    return
  dtype = tf.as_dtype(dtype)
  if not (dtype.is_floating or dtype.is_complex):
    raise ValueError("RNN cell only supports floating point inputs, but saw "
                     "dtype: %s" % dtype.name)


def _concat_shape(prefix, suffix, static=False):
  """Concatenates a batch size (int or tensor) with a state size.

  Args:
    prefix: the batch size: a Python int or a scalar or vector tensor.
    suffix: the state size: an int, a `TensorShape` or a list.
    static: if True, return a Python list (possibly with None); otherwise an
      int32 tensor.

  Returns:
    The shape `[prefix, *suffix]`.

  Raises:
    ValueError: if the batch size tensor is not a scalar or vector.
  """
  if isinstance(prefix, (tf.Tensor, tf.Variable)):
    p_static = tf.get_static_value(prefix)
    p = prefix
    if p.shape.ndims == 0:
      p = tf.expand_dims(p, 0)
      p_static = None if p_static is None else [int(p_static)]
    elif p.shape.ndims != 1:
      raise ValueError("batch_size must be a scalar or vector tensor, got "
                       "shape %s" % p.shape)
    if p_static is None:
      p_static = [None] * (p.shape[0] if p.shape[0] is not None else 1)
  else:
    p_static = tf.TensorShape(prefix).as_list()
    p = tf.constant(p_static, dtype=tf.int32)
  s_static = tf.TensorShape(suffix).as_list()
  if static:
    return list(p_static) + s_static
  return tf.concat([tf.cast(p, tf.int32),
                    tf.constant(s_static, dtype=tf.int32)], 0)


def zero_state_tensors(state_size, batch_size, dtype):
  """Zeros shaped `[batch_size, s]` for each `s` in a nested `state_size`."""

  def zeros_for(size):
    zeros = tf.zeros(_concat_shape(batch_size, size), dtype=dtype)
    zeros.set_shape(_concat_shape(batch_size, size, static=True))
    return zeros

  return tf.nest.map_structure(zeros_for, state_size)


def _flatten_with_paths(structure, path="state"):
  """Yields `(path, leaf)` with paths like `state.c` or `state[1].h`."""
  if isinstance(structure, tuple) and hasattr(structure, "_fields"):
    for field, value in zip(structure._fields, structure):
      yield from _flatten_with_paths(value, "%s.%s" % (path, field))
  elif isinstance(structure, (tuple, list)):
    for i, value in enumerate(structure):
      yield from _flatten_with_paths(value, "%s[%d]" % (path, i))
  else:
    yield path, structure


def _structure_string(structure):
  """`LSTMStateTuple(c=8, h=8)` or `(Tensor[?,8], ...)` for messages."""
  def describe(leaf):
    if isinstance(leaf, (tf.Tensor, tf.Variable)):
      return "Tensor%s" % leaf.shape
    return str(leaf)
  return str(tf.nest.map_structure(describe, structure))


def check_state(state_size, state):
  """Checks a state against `state_size` at graph-construction time.

  Args:
    state_size: an int, `TensorShape`, or nested tuple of them.
    state: the (nested) state tensors given to a cell.

  Raises:
    ValueError: if the structures differ, or a state tensor's last dimension
      is known and differs from its size.
  """
  try:
    tf.nest.assert_same_structure(state_size, state, check_types=False)
  except (ValueError, TypeError):
    raise ValueError(
        "state must have the structure of state_size %s, got %s" %
        (_structure_string(state_size), _structure_string(state))) from None
  sizes = dict(_flatten_with_paths(state_size))
  for path, tensor in _flatten_with_paths(state):
    if not isinstance(tensor, (tf.Tensor, tf.Variable)):
      continue  # TensorArrays and the like carry their own shapes.
    expected = tf.TensorShape(sizes[path]).as_list()
    actual = tensor.shape
    if actual.ndims is None:
      continue
    if actual.ndims != 1 + len(expected):
      raise ValueError("%s must have shape [batch, %s], got %s" %
                       (path, ", ".join(map(str, expected)), actual))
    for want, got in zip(expected, actual.as_list()[1:]):
      if want is not None and got is not None and want != got:
        raise ValueError("%s must have shape [batch, %s], got %s" %
                         (path, ", ".join(map(str, expected)), actual))


def check_inputs(inputs):
  """Checks that `inputs` is `[batch, depth]` with a known depth.

  Args:
    inputs: the input tensor of one cell step.

  Returns:
    The static depth, an int.

  Raises:
    ValueError: on a rank other than 2 or an unknown last dimension.
  """
  shape = inputs.shape
  if shape.ndims is not None and shape.ndims != 2:
    raise ValueError("inputs must have rank 2 [batch, depth], got shape %s" %
                     shape)
  if shape.ndims is None or shape[-1] is None:
    raise ValueError("inputs.shape[-1] must be known, got shape %s" % shape)
  return int(shape[-1])


class HoistedStep(collections.namedtuple("HoistedStep",
                                         ("project", "step"))):
  """A cell's step split in two, for `tf1seq.rnn.dynamic_rnn`.

  `project(x)` maps `[rows, depth]` inputs to the input part of the step
  (bias included), so all time steps are projected in one matmul before the
  time loop; `step(projected, state)` returns `(output, new_state)` from one
  step's projection and the state. Together they compute the cell's `call`.
  """
  __slots__ = ()


FusedLSTMParameters = collections.namedtuple(
    "FusedLSTMParameters", ("kernel", "bias", "forget_bias", "num_units",
                            "state_is_tuple"))
FusedLSTMParameters.__doc__ = """What `tf1seq.fused_lstm` needs of an LSTM.

  The cell computes `c' = c * sigmoid(f + forget_bias) + sigmoid(i) *
  tanh(j)`, `h' = tanh(c') * sigmoid(o)` with `[i, j, f, o] = [x, h] @ kernel
  + bias` (TF1's gate order) and nothing else.
  """

def _defining_class(cls, attribute):
  """The class of `cls`'s MRO whose own namespace holds `attribute`."""
  for klass in cls.__mro__:
    if attribute in vars(klass):
      return klass
  return None


def own_form(cell, method, step="call"):
  """Whether `cell`'s `step` method is the one its `method` reproduces.

  A cell class that offers another form of its step (`_hoisted_step`,
  `_fused_lstm_parameters`, a stack's layers) defines it beside its `call`
  (a wrapper's: `_call_wrapped_cell`). A subclass that overrides that
  method has changed the step, so the other form no longer computes it:
  the subclass falls back (and a log line says so), while a subclass that
  changes anything else keeps it.

  Args:
    cell: a cell.
    method: the name of the method offering the other form.
    step: the name of the method it must agree with.
  """
  owner = _defining_class(type(cell), method)
  if owner is None:
    return False
  if _defining_class(type(cell), step) is owner:
    return True
  logging.info("%s overrides %s.%s: tf1seq.rnn.dynamic_rnn runs it "
               "through TensorFlow's dynamic_rnn.", type(cell).__name__,
               owner.__name__, step)
  return False


class RNNCell(base_layer.Layer):
  """Abstract RNN cell: TF1's `tf.nn.rnn_cell.RNNCell` without Keras.

  A subclass defines `state_size`, `output_size` and `call(inputs, state)`
  returning `(output, new_state)`. It may create variables with
  `tf.compat.v1.get_variable` inside `call` (the TF1 idiom for plain
  `RNNCell`s) or, as a `LayerRNNCell`, once in `build`. The variable scope
  and reuse rules are `base_layer.Layer`'s, the same as TF1's.
  """

  @property
  def state_size(self):
    """int, TensorShape, or nested tuple of them: the state's shape."""
    raise NotImplementedError("Abstract method")

  @property
  def output_size(self):
    """int or TensorShape: the output's shape (without batch)."""
    raise NotImplementedError("Abstract method")

  def call(self, inputs, state):
    """One step: returns `(output, new_state)`."""
    raise NotImplementedError("Abstract method")

  def hoisted_step(self, input_depth):
    """The cell's step as a `HoistedStep`, or None if it has none.

    `tf1seq.rnn.dynamic_rnn` projects every time step's inputs at once with
    it. Cells offer it by defining `_hoisted_step(input_depth)` beside
    their `call`; a subclass that overrides `call` gets None.

    Args:
      input_depth: the inputs' last dimension (the cell is built).
    """
    if not own_form(self, "_hoisted_step"):
      return None
    return self._hoisted_step(input_depth)  # pylint: disable=no-member

  def fused_lstm_parameters(self, dtype):
    """`FusedLSTMParameters` if `tf1seq.fused_lstm` computes this cell.

    Args:
      dtype: the inputs' dtype.

    Returns:
      The parameters, or None (cells offer them by defining
      `_fused_lstm_parameters(dtype)` beside their `call`).
    """
    if not own_form(self, "_fused_lstm_parameters"):
      return None
    return self._fused_lstm_parameters(dtype)  # pylint: disable=no-member

  def _check_call_args(self, inputs, state):
    """Checks the state against `state_size` before anything is built."""
    del inputs  # A plain cell may take any inputs.
    check_state(self.state_size, state)

  def __call__(self, inputs, state, scope=None):
    """Runs one step of the cell on `inputs` from `state`.

    Args:
      inputs: a `[batch, depth]` tensor (or what the cell takes).
      state: a tensor or nested tuple matching `state_size`.
      scope: the variable scope for the first call; defaults to the cell's
        name under the current scope.

    Returns:
      `(output, new_state)`.

    Raises:
      ValueError: if `inputs` or `state` do not fit the cell.
    """
    state = tf.nest.map_structure(base_layer.to_tensor, state)
    return super().__call__(inputs, state, scope=scope)

  def get_initial_state(self, inputs=None, batch_size=None, dtype=None):
    """The zero state, sized from `inputs` or `batch_size`.

    Args:
      inputs: optional `[batch, ...]` tensor to take batch size and dtype
        from.
      batch_size: int or scalar tensor.
      dtype: the state's dtype.

    Returns:
      Zeros of the structure of `state_size`.

    Raises:
      ValueError: if `batch_size` contradicts the batch of `inputs`.
    """
    if inputs is not None:
      inputs = tf.convert_to_tensor(inputs, name="inputs")
      static_batch = inputs.shape[0]
      if batch_size is None:
        batch_size = (static_batch if static_batch is not None
                      else tf.shape(inputs)[0])
      else:
        given = tf.get_static_value(batch_size) if isinstance(
            batch_size, tf.Tensor) else batch_size
        if (given is not None and static_batch is not None and
            int(given) != static_batch):
          raise ValueError(
              "batch size from input tensor is different from the input "
              "param. Input tensor batch: %s, batch_size: %s" %
              (static_batch, batch_size))
      dtype = dtype or inputs.dtype
    return self.zero_state(batch_size, dtype)

  def zero_state(self, batch_size, dtype):
    """Zero-filled state tensors.

    Args:
      batch_size: a Python int or an int32 scalar tensor.
      dtype: the state's dtype.

    Returns:
      If `state_size` is an int or `TensorShape`, a `[batch_size, size]`
      tensor of zeros; if it is a nested structure, the same structure of
      such tensors.
    """
    with tf.compat.v1.name_scope(type(self).__name__ + "ZeroState",
                                 values=[batch_size]):
      return zero_state_tensors(self.state_size, batch_size, dtype)


class LayerRNNCell(RNNCell):
  """A cell that takes `[batch, depth]` inputs and builds once in `build`.

  Its first call checks that the inputs are rank 2 with a known depth and
  that the state fits `state_size`, so that a mistake is reported at graph
  construction naming what was expected and what came.
  """

  def _check_call_args(self, inputs, state):
    check_inputs(inputs)
    check_supported_dtype(inputs.dtype)
    super()._check_call_args(inputs, state)


_ACTIVATIONS = {
    "tanh": tf.tanh,
    "sigmoid": tf.sigmoid,
    "relu": tf.nn.relu,
    "relu6": tf.nn.relu6,
    "elu": tf.nn.elu,
    "selu": tf.nn.selu,
    "softsign": tf.nn.softsign,
    "softplus": tf.nn.softplus,
    "hard_sigmoid": lambda x: tf.clip_by_value(0.2 * x + 0.5, 0., 1.),
    "linear": tf.identity,
}


def get_activation(activation, default=tf.tanh):
  """Resolves an activation given as None, a callable or a name.

  Args:
    activation: None (the default), a callable, or one of the names TF1
      accepted through Keras (`"tanh"`, `"relu"`, `"sigmoid"`, ...).
    default: returned for None.

  Returns:
    A callable.

  Raises:
    ValueError: for an unknown name.
  """
  if not activation:
    return default
  if callable(activation):
    return activation
  if activation in _ACTIVATIONS:
    return _ACTIVATIONS[activation]
  raise ValueError("activation must be a callable or one of %s, got %r" %
                   (sorted(_ACTIVATIONS), activation))


_INITIALIZERS = {
    "zeros": tf.compat.v1.zeros_initializer,
    "ones": tf.compat.v1.ones_initializer,
    "glorot_uniform": tf.compat.v1.glorot_uniform_initializer,
    "glorot_normal": tf.compat.v1.glorot_normal_initializer,
    "orthogonal": tf.compat.v1.orthogonal_initializer,
    "random_normal": tf.compat.v1.random_normal_initializer,
    "random_uniform": tf.compat.v1.random_uniform_initializer,
    "truncated_normal": tf.compat.v1.truncated_normal_initializer,
    "identity": tf.compat.v1.initializers.identity,
}


def get_initializer(initializer):
  """Resolves an initializer given as None, an object or a name.

  Args:
    initializer: None, an initializer (any callable), or a name such as
      `"glorot_uniform"` or `"orthogonal"`.

  Returns:
    None or an initializer.

  Raises:
    ValueError: for an unknown name.
  """
  if initializer is None or callable(initializer):
    return initializer
  if initializer in _INITIALIZERS:
    return _INITIALIZERS[initializer]()
  raise ValueError("initializer must be callable or one of %s, got %r" %
                   (sorted(_INITIALIZERS), initializer))
