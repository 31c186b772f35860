"""The TF1 layer mechanism, Keras-free: variable scopes, build once, reuse.

A `Layer` is what `tf.compat.v1.layers.Layer` was to TF1 graphs, minus
Keras: at its first call it captures a variable scope (its `name`, or the
snake-cased class name uniquified in the enclosing scope: `dense`,
`dense_1`, ...), creates its variables there once in `build`, and every
later call reuses them. `reuse=True` or `tf.compat.v1.AUTO_REUSE` share an
existing scope's variables, exactly as TF1 did, so variable names (and so
checkpoints) are TF1's.

Usage:

  class Scale(base_layer.Layer):
    def build(self, input_shape):
      self._scale = self.add_variable("scale", [input_shape[-1]])

    def call(self, inputs):
      return inputs * self._scale

  y = Scale()(x)  # Variable `scale/scale`.
"""

import contextlib
import re

import tensorflow as tf


def to_tensor(value):
  """Converts to a tensor, leaving TensorArrays (valid cell states) alone."""
  if isinstance(value, tf.TensorArray):
    return value
  return tf.convert_to_tensor(value)


def snake_case(name):
  """`BasicLSTMCell` -> `basic_lstm_cell`, as TF1 named layer scopes."""
  intermediate = re.sub("(.)([A-Z][a-z0-9]+)", r"\1_\2", name)
  snake = re.sub("([a-z])([A-Z])", r"\1_\2", intermediate).lower()
  if snake[0] != "_":
    return snake
  return "private" + snake


class Layer(object):
  """Base of tf1seq's layers and cells: TF1's scope and reuse rules."""

  def __init__(self, trainable=True, name=None, dtype=None, _reuse=None,
               _scope=None):
    """Creates the layer; variables come at the first call.

    Args:
      trainable: whether the variables are added to TRAINABLE_VARIABLES.
      name: the variable scope name; defaults to the snake-cased class name,
        uniquified in the enclosing scope at the first call (as TF1 did).
      dtype: the dtype of the variables; defaults to the inputs' dtype.
      _reuse: TF1's `reuse`: True reuses existing variables of the scope
        (no uniquification); `tf.compat.v1.AUTO_REUSE` creates or reuses.
      _scope: a variable scope (or name) to capture now instead of at the
        first call; `tf.compat.v1.layers.dense(name=...)` does this, so a
        second layer of the same name collides unless it reuses.
    """
    self.trainable = trainable
    self._base_name = name or snake_case(type(self).__name__)
    self._dtype = tf.as_dtype(dtype) if dtype is not None else None
    self._reuse = _reuse
    self._scope = None
    if _scope is not None:
      with tf.compat.v1.variable_scope(_scope) as captured:
        self._scope = captured
    self.built = False
    self._trainable_weights = []
    self._non_trainable_weights = []

  # -- Subclass interface.

  def build(self, input_shape):
    """Creates the variables; called once, at the first call."""
    del input_shape  # Layers that create nothing need no build.

  def call(self, inputs, *args, **kwargs):
    """The computation; variables exist by now."""
    raise NotImplementedError("Abstract method")

  def _check_call_args(self, inputs, *args):
    """Validates the arguments at graph construction; default: nothing."""
    del inputs, args

  # -- Properties TF1 code reads.

  @property
  def dtype(self):
    return self._dtype

  @property
  def name(self):
    return self._scope.name if self._scope is not None else self._base_name

  @property
  def scope_name(self):
    if self._scope is None:
      raise ValueError("No name available for the scope of layer %r: it is "
                       "set at the first call." % self._base_name)
    return self._scope.name

  @property
  def trainable_weights(self):
    return list(self._trainable_weights) if self.trainable else []

  @property
  def non_trainable_weights(self):
    if self.trainable:
      return list(self._non_trainable_weights)
    return list(self._trainable_weights) + list(self._non_trainable_weights)

  @property
  def weights(self):
    return self.trainable_weights + self.non_trainable_weights

  trainable_variables = trainable_weights
  non_trainable_variables = non_trainable_weights
  variables = weights

  # -- Variables.

  def add_variable(self, name, shape, dtype=None, initializer=None,
                   regularizer=None, trainable=True, constraint=None,
                   partitioner=None):
    """Creates (or, when reusing, gets) a variable in the layer's scope.

    Args:
      name: the variable's name within the layer's scope.
      shape: its shape.
      dtype: its dtype; default the layer's, else float32.
      initializer: default the scope's (glorot uniform in TF1).
      regularizer: optional `fn(variable) -> loss`, added to the
        REGULARIZATION_LOSSES collection when the variable is created.
      trainable: also subject to the layer's `trainable`.
      constraint: optional projection applied by TF1 optimizers.
      partitioner: optional partitioner (TF1's sharded variables).

    Returns:
      The variable.
    """
    existing = set(id(v) for v in tf.compat.v1.global_variables())
    variable = tf.compat.v1.get_variable(
        name, shape=shape, dtype=dtype or self._dtype or tf.float32,
        initializer=initializer, trainable=trainable and self.trainable,
        constraint=constraint, partitioner=partitioner)
    if regularizer is not None and id(variable) not in existing:
      with tf.compat.v1.name_scope(name + "/Regularizer"):
        loss = regularizer(variable)
      if loss is not None:
        tf.compat.v1.add_to_collection(
            tf.compat.v1.GraphKeys.REGULARIZATION_LOSSES, loss)
    return variable

  add_weight = add_variable

  def _track_variable(self, getter, *args, **kwargs):
    """Custom getter: records every variable the layer gets, once."""
    variable = getter(*args, **kwargs)
    if isinstance(variable, tf.Variable):
      trainable = variable.trainable
    elif hasattr(variable, "_get_variable_list"):  # Partitioned.
      trainable = variable._get_variable_list()[0].trainable  # pylint: disable=protected-access
    else:
      trainable = kwargs.get("trainable", True)
    bucket = (self._trainable_weights if trainable
              else self._non_trainable_weights)
    if all(variable is not v for v in bucket):
      bucket.append(variable)
    return variable

  # -- Calling.

  def _capture_scope(self, scope):
    """Fixes the layer's variable scope at the first call, as TF1 did."""
    if self._scope is not None:
      return
    if self._reuse:
      with tf.compat.v1.variable_scope(
          scope if scope is not None else self._base_name) as captured:
        self._scope = captured
    else:
      with tf.compat.v1.variable_scope(
          scope, default_name=self._base_name) as captured:
        self._scope = captured

  def __call__(self, inputs, *args, scope=None, **kwargs):
    """Builds the variables at the first call, then runs `call`.

    Args:
      inputs: a tensor or nested structure of tensors.
      *args: passed to `call`.
      scope: the variable scope for the first call; defaults to the layer's
        name under the current scope.
      **kwargs: passed to `call`.

    Returns:
      What `call` returns.
    """
    inputs = tf.nest.map_structure(to_tensor, inputs)
    self._check_call_args(inputs, *args)
    with self._layer_scope(scope):
      if not self.built:
        self._build_for(inputs)
      return self.call(inputs, *args, **kwargs)

  @contextlib.contextmanager
  def _layer_scope(self, scope=None):
    """Enters the layer's variable and name scopes (captured once)."""
    self._capture_scope(scope)
    reuse = True if self.built else self._reuse
    with tf.compat.v1.variable_scope(
        self._scope, reuse=reuse, custom_getter=self._track_variable,
        auxiliary_name_scope=False) as current_scope:
      with tf.compat.v1.name_scope(current_scope.original_name_scope):
        yield current_scope

  def _build_for(self, inputs):
    """Builds the variables for `inputs`; inside `_layer_scope`."""
    first = tf.nest.flatten(inputs)[0]
    if self._dtype is None and (first.dtype.is_floating or
                                first.dtype.is_complex):
      self._dtype = first.dtype.base_dtype
    self.build(tf.nest.map_structure(lambda x: x.shape, inputs))
    self.built = True

  def build_variables(self, inputs, scope=None):
    """Creates the variables exactly as the first call would, without calling.

    For code that computes with the variables itself (tf1seq's fast
    `dynamic_rnn`) but must keep the names a call would give.

    Args:
      inputs: a tensor (or structure) like the layer's first input; only its
        shape and dtype are used.
      scope: as for `__call__`.
    """
    inputs = tf.nest.map_structure(to_tensor, inputs)
    with self._layer_scope(scope):
      if not self.built:
        self._build_for(inputs)

  def apply(self, inputs, *args, **kwargs):
    """TF1's alias of `__call__`."""
    return self(inputs, *args, **kwargs)
