"""TF1's `tf.contrib.rnn` cell wrappers, Keras-free, with TF1's variables.

  OutputProjectionWrapper  output_projection_wrapper/{kernel,bias}, the cell
                           inside: output_projection_wrapper/gru_cell/...
  InputProjectionWrapper   input_projection_wrapper/{kernel,bias}
  EmbeddingWrapper         embedding_wrapper/embedding [classes, size]
  AttentionCellWrapper     attention_cell_wrapper/{kernel,bias},
                           .../attention/{attn_w,attn_v,kernel,bias},
                           .../attn_output_projection/{kernel,bias}
  HighwayWrapper           no scope of its own: carry_w, carry_b (and
                           transform_w, transform_b) beside the cell's scope

Kernels multiply the concatenation of their inputs (TF1's `_Linear`);
biases start at zero.

Usage:

  from tf1seq import rnn_cell
  from tf1seq.cells import contrib_wrappers
  cell = contrib_wrappers.OutputProjectionWrapper(rnn_cell.GRUCell(64),
                                                  vocab_size)
  logits, state = tf.compat.v1.nn.dynamic_rnn(cell, x, dtype=tf.float32)
"""

import math

from absl import logging
import tensorflow as tf

from tf1seq import rnn_cell


def check_is_cell(argument, cell):
  """Raises TypeError unless `cell` has TF1's RNNCell interface."""
  missing = [attr for attr in ("output_size", "state_size", "zero_state")
             if not hasattr(cell, attr)]
  if not callable(cell):
    missing.append("__call__")
  if missing:
    raise TypeError("%s must be an RNNCell, got %r (missing %s)" %
                    (argument, cell, ", ".join(missing)))


def linear(args, output_size, bias, bias_initializer=None,
           kernel_initializer=None, kernel_name="kernel", bias_name="bias"):
  """`concat(args, 1) @ kernel (+ bias)` in the current variable scope.

  TF1's `core_rnn_cell._linear`: variables `kernel [sum of depths,
  output_size]` and `bias [output_size]` (zeros unless `bias_initializer`);
  TF 0.x named them `Matrix` and `Bias` (`kernel_name`, `bias_name`).

  Args:
    args: a `[batch, depth]` tensor or a list of them.
    output_size: int, the output depth.
    bias: whether to add a bias.
    bias_initializer: the bias initializer; default zeros.
    kernel_initializer: the kernel initializer; default the scope's.

  Returns:
    A `[batch, output_size]` tensor.

  Raises:
    ValueError: if `args` is empty, or an argument is not rank 2 with a
      known depth.
  """
  if args is None or (isinstance(args, (list, tuple)) and not args):
    raise ValueError("`args` must be specified")
  if not isinstance(args, (list, tuple)):
    args = [args]
  total = 0
  for arg in args:
    shape = arg.shape
    if shape.ndims != 2:
      raise ValueError("linear is expecting 2D arguments: %s" %
                       [a.shape for a in args])
    depth = tf.compat.dimension_value(shape[1])
    if depth is None:
      raise ValueError("linear expects shape[1] to be provided for shape %s, "
                       "but saw %s" % (shape, depth))
    total += depth
  dtype = args[0].dtype
  kernel = tf.compat.v1.get_variable(kernel_name, [total, output_size],
                                     dtype=dtype,
                                     initializer=kernel_initializer)
  x = args[0] if len(args) == 1 else tf.concat(args, 1)
  result = tf.matmul(x, kernel)
  if not bias:
    return result
  with tf.compat.v1.variable_scope(
      tf.compat.v1.get_variable_scope()) as scope:
    scope.set_partitioner(None)  # TF1 never partitioned the bias.
    biases = tf.compat.v1.get_variable(
        bias_name, [output_size], dtype=dtype,
        initializer=(bias_initializer or
                     tf.compat.v1.constant_initializer(0.0, dtype=dtype)))
  return tf.nn.bias_add(result, biases)


class _Wrapper(rnn_cell.RNNCell):
  """A cell around `cell` whose state is the cell's."""

  def __init__(self, cell, reuse=None):
    super().__init__(_reuse=reuse)
    check_is_cell("cell", cell)
    self._cell = cell

  @property
  def state_size(self):
    return self._cell.state_size

  @property
  def output_size(self):
    return self._cell.output_size

  def zero_state(self, batch_size, dtype):
    with tf.compat.v1.name_scope(type(self).__name__ + "ZeroState",
                                 values=[batch_size]):
      return self._cell.zero_state(batch_size, dtype)


class EmbeddingWrapper(_Wrapper):
  """Looks its integer inputs up in an `embedding` before the cell.

  The embedding and its lookup are pinned to the CPU as in TF1; unlike
  TF1, the wrapped cell is not.
  """

  def __init__(self, cell, embedding_classes, embedding_size,
               initializer=None, reuse=None):
    """Creates the wrapper.

    Args:
      cell: the cell that reads the embedded inputs.
      embedding_classes: int, the number of symbols.
      embedding_size: int, the embedding depth.
      initializer: the embedding's initializer; default the variable
        scope's, else uniform in [-sqrt(3), sqrt(3)] (variance 1).
      reuse: reuse the variables of an existing scope (TF1 semantics).

    Raises:
      TypeError: if `cell` is not a cell.
      ValueError: if `embedding_classes` or `embedding_size` is not
        positive.
    """
    super().__init__(cell, reuse=reuse)
    if embedding_classes <= 0 or embedding_size <= 0:
      raise ValueError("Both embedding_classes and embedding_size must be > 0: "
                       "%d, %d." % (embedding_classes, embedding_size))
    self._embedding_classes = embedding_classes
    self._embedding_size = embedding_size
    self._initializer = initializer

  def call(self, inputs, state):
    initializer = (self._initializer or
                   tf.compat.v1.get_variable_scope().initializer)
    if not initializer:
      limit = math.sqrt(3)
      initializer = tf.compat.v1.random_uniform_initializer(-limit, limit)
    dtype = tf.nest.flatten(state)[0].dtype
    with tf.device("/cpu:0"):
      embedding = tf.compat.v1.get_variable(
          "embedding", [self._embedding_classes, self._embedding_size],
          initializer=initializer, dtype=dtype)
      embedded = tf.nn.embedding_lookup(embedding, tf.reshape(inputs, [-1]))
    return self._cell(embedded, state)


class InputProjectionWrapper(_Wrapper):
  """Projects the inputs to `num_proj` (`kernel`, `bias`) before the cell."""

  def __init__(self, cell, num_proj, activation=None, input_size=None,
               reuse=None):
    """Creates the wrapper.

    Args:
      cell: the cell that reads the projected inputs.
      num_proj: int, the projection's depth.
      activation: optional function applied to the projection.
      input_size: deprecated and unused (as in TF1).
      reuse: reuse the variables of an existing scope (TF1 semantics).

    Raises:
      TypeError: if `cell` is not a cell.
    """
    super().__init__(cell, reuse=reuse)
    if input_size is not None:
      logging.warning("%s: The input_size parameter is deprecated.", self)
    self._num_proj = num_proj
    self._activation = activation

  def call(self, inputs, state):
    projected = linear(inputs, self._num_proj, True)
    if self._activation:
      projected = self._activation(projected)
    return self._cell(projected, state)


class OutputProjectionWrapper(_Wrapper):
  """Projects the cell's output to `output_size` (`kernel`, `bias`)."""

  def __init__(self, cell, output_size, activation=None, reuse=None):
    """Creates the wrapper.

    Args:
      cell: the cell whose output is projected.
      output_size: int, the projection's depth.
      activation: optional function applied to the projection.
      reuse: reuse the variables of an existing scope (TF1 semantics).

    Raises:
      TypeError: if `cell` is not a cell.
      ValueError: if `output_size` is not positive.
    """
    super().__init__(cell, reuse=reuse)
    if output_size < 1:
      raise ValueError("Parameter output_size must be > 0: %d." % output_size)
    self._output_size = output_size
    self._activation = activation

  @property
  def output_size(self):
    return self._output_size

  def call(self, inputs, state):
    output, new_state = self._cell(inputs, state)
    projected = linear(output, self._output_size, True)
    if self._activation:
      projected = self._activation(projected)
    return projected, new_state


class AttentionCellWrapper(_Wrapper):
  """Attention over the cell's last `attn_length` outputs (LSTMN style).

  The state is `(cell_state, attns, attn_states)`: the last attention read
  `[batch, attn_size]` and the window of past outputs
  `[batch, attn_length * attn_size]` (or all concatenated along axis 1
  with `state_is_tuple=False`). A step:

    x = linear([inputs, attns], input_size)                  (kernel, bias)
    out, s = cell(x, state)
    score_t = attn_v . tanh(window_t @ attn_w + linear(flat(s)))
                                                   (attention/kernel, bias)
    attns = softmax(score) . window
    output = linear([out, attns], attn_size)  (attn_output_projection/...)
    window = window[1:] + [output]
  """

  def __init__(self, cell, attn_length, attn_size=None, attn_vec_size=None,
               input_size=None, state_is_tuple=True, reuse=None):
    """Creates the wrapper.

    Args:
      cell: the cell to wrap.
      attn_length: int, the number of past outputs attended over.
      attn_size: int, the depth of an attended output; default
        `cell.output_size`.
      attn_vec_size: int, the depth of the attention's hidden features;
        default `attn_size`.
      input_size: int, the depth the inputs and attention are projected
        to; default the inputs' depth.
      state_is_tuple: if False, the state is one concatenated tensor (then
        the cell's state must be a single tensor).
      reuse: reuse the variables of an existing scope (TF1 semantics).

    Raises:
      TypeError: if `cell` is not a cell.
      ValueError: if the cell has a tuple state and `state_is_tuple` is
        False, or `attn_length` is not positive.
    """
    super().__init__(cell, reuse=reuse)
    if tf.nest.is_nested(cell.state_size) and not state_is_tuple:
      raise ValueError(
          "Cell returns tuple of states, but the flag "
          "state_is_tuple is not set. State size is: %s" % str(cell.state_size))
    if attn_length <= 0:
      raise ValueError(
          "attn_length should be greater than zero, got %s" % str(attn_length))
    if not state_is_tuple:
      logging.warning("%s: Using a concatenated state is slower and will soon "
                      "be deprecated.  Use state_is_tuple=True.", self)
    self._state_is_tuple = state_is_tuple
    self._attn_length = attn_length
    self._attn_size = cell.output_size if attn_size is None else attn_size
    self._attn_vec_size = (self._attn_size if attn_vec_size is None
                           else attn_vec_size)
    self._input_size = input_size

  @property
  def state_size(self):
    sizes = (self._cell.state_size, self._attn_size,
             self._attn_size * self._attn_length)
    return sizes if self._state_is_tuple else sum(sizes)

  @property
  def output_size(self):
    return self._attn_size

  def zero_state(self, batch_size, dtype):
    return rnn_cell.RNNCell.zero_state(self, batch_size, dtype)

  def call(self, inputs, state):
    if self._state_is_tuple:
      cell_state, attns, window = state
    else:
      cell_state, attns, window = tf.split(
          state, [self._cell.state_size, self._attn_size,
                  self._attn_size * self._attn_length], axis=1)
    window = tf.reshape(window, [-1, self._attn_length, self._attn_size])
    input_size = self._input_size
    if input_size is None:
      input_size = inputs.shape.as_list()[1]
    cell_output, new_cell_state = self._cell(
        linear([inputs, attns], input_size, True), cell_state)
    query = tf.concat(tf.nest.flatten(new_cell_state), 1)
    new_attns, window = self._attention(query, window)
    with tf.compat.v1.variable_scope("attn_output_projection"):
      output = linear([cell_output, new_attns], self._attn_size, True)
    window = tf.concat([window, tf.expand_dims(output, 1)], 1)
    window = tf.reshape(window, [-1, self._attn_length * self._attn_size])
    new_state = (new_cell_state, new_attns, window)
    if not self._state_is_tuple:
      new_state = tf.concat(list(new_state), 1)
    return output, new_state

  def _attention(self, query, window):
    """Reads the window; returns the read and the window minus its oldest."""
    with tf.compat.v1.variable_scope("attention"):
      attn_w = tf.compat.v1.get_variable(
          "attn_w", [1, 1, self._attn_size, self._attn_vec_size])
      attn_v = tf.compat.v1.get_variable("attn_v", [self._attn_vec_size])
      hidden = tf.reshape(window, [-1, self._attn_length, 1, self._attn_size])
      features = tf.nn.conv2d(hidden, attn_w, [1, 1, 1, 1], "SAME")
      y = tf.reshape(linear(query, self._attn_vec_size, True),
                     [-1, 1, 1, self._attn_vec_size])
      scores = tf.reduce_sum(attn_v * tf.tanh(features + y), [2, 3])
      weights = tf.reshape(tf.nn.softmax(scores),
                           [-1, self._attn_length, 1, 1])
      read = tf.reshape(tf.reduce_sum(weights * hidden, [1, 2]),
                        [-1, self._attn_size])
      return read, window[:, 1:, :]


class HighwayWrapper(rnn_cell.RNNCell):
  """Highway connection: `output = x * carry + cell(x) * transform`.

  `carry = sigmoid(x @ carry_w + carry_b)`; `transform` is `1 - carry` or,
  uncoupled, `sigmoid(x @ transform_w + transform_b)`. As in TF1 the
  wrapper opens no scope: its variables sit in the enclosing scope
  (`rnn/carry_w`) beside the cell's (`rnn/gru_cell/...`).
  """

  def __init__(self, cell, couple_carry_transform_gates=True,
               carry_bias_init=1.0):
    """Creates the wrapper.

    Args:
      cell: the cell; its output must have the inputs' shape.
      couple_carry_transform_gates: if True, `transform = 1 - carry`.
      carry_bias_init: the carry bias's initial value (the transform
        bias starts at its negation).
    """
    super().__init__()
    check_is_cell("cell", cell)
    self._cell = cell
    self._couple_carry_transform_gates = couple_carry_transform_gates
    self._carry_bias_init = carry_bias_init

  @property
  def state_size(self):
    return self._cell.state_size

  @property
  def output_size(self):
    return self._cell.output_size

  def zero_state(self, batch_size, dtype):
    with tf.compat.v1.name_scope(type(self).__name__ + "ZeroState",
                                 values=[batch_size]):
      return self._cell.zero_state(batch_size, dtype)

  def _highway(self, x, out):
    depth = tf.compat.dimension_value(x.shape.with_rank(2)[1])
    carry = tf.sigmoid(tf.compat.v1.nn.xw_plus_b(
        x, tf.compat.v1.get_variable("carry_w", [depth, depth]),
        tf.compat.v1.get_variable(
            "carry_b", [depth], initializer=tf.compat.v1.constant_initializer(
                self._carry_bias_init))))
    if self._couple_carry_transform_gates:
      transform = 1 - carry
    else:
      transform = tf.sigmoid(tf.compat.v1.nn.xw_plus_b(
          x, tf.compat.v1.get_variable("transform_w", [depth, depth]),
          tf.compat.v1.get_variable(
              "transform_b", [depth],
              initializer=tf.compat.v1.constant_initializer(
                  -self._carry_bias_init))))
    return x * carry + out * transform

  def __call__(self, inputs, state, scope=None):
    """Runs the cell, then mixes its inputs into its outputs.

    Args:
      inputs: the cell's inputs.
      state: the cell's state.
      scope: the cell's scope, passed on.

    Returns:
      `(outputs, new_state)`.

    Raises:
      ValueError: if the outputs' structure or shapes differ from the
        inputs'.
    """
    outputs, new_state = self._cell(inputs, state, scope=scope)
    tf.nest.assert_same_structure(inputs, outputs)

    def check_shapes(x, y):
      if not x.shape.is_compatible_with(y.shape):
        raise ValueError("HighwayWrapper needs outputs shaped like the "
                         "inputs, got inputs %s and outputs %s" %
                         (x.shape, y.shape))

    tf.nest.map_structure(check_shapes, inputs, outputs)
    return tf.nest.map_structure(self._highway, inputs, outputs), new_state
