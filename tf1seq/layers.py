"""TF1's `tf.compat.v1.layers.dense`, Keras-free, and sequence helpers.

`dense` has TF1's signature, defaults and variable names (`dense/kernel`,
`dense/bias`, then `dense_1/...`), so graphs and checkpoints carry over.
`time_distributed_dense` applies one dense layer at every step of a
`[batch, time, depth]` tensor (Keras' `TimeDistributed(Dense)`), and
`embedding` is `embedding_lookup` on an `embedding/embeddings` variable.

Usage:

  from tf1seq import layers
  x_2d = tf.reshape(images, [-1, 28])
  cell_in = tf.reshape(layers.dense(x_2d, 128), [-1, 28, 128])
  ...
  logits = layers.dense(state.h, 10)
"""

import tensorflow as tf

from tf1seq import base_layer


class Dense(base_layer.Layer):
  """`outputs = activation(inputs @ kernel + bias)`, TF1's `Dense` layer.

  Inputs of rank > 2 are contracted on their last axis (tensordot), as TF1
  did, so `[batch, time, depth]` gives `[batch, time, units]`.
  """

  def __init__(self, units, activation=None, use_bias=True,
               kernel_initializer=None,
               bias_initializer=tf.compat.v1.zeros_initializer(),
               kernel_regularizer=None, bias_regularizer=None,
               activity_regularizer=None, kernel_constraint=None,
               bias_constraint=None, trainable=True, name=None, **kwargs):
    """Creates the layer; see `dense` for the arguments."""
    super().__init__(trainable=trainable, name=name, **kwargs)
    if not isinstance(units, int) or units <= 0:
      raise ValueError("units must be a positive int, got %r" % (units,))
    self.units = units
    self.activation = activation
    self.use_bias = use_bias
    self.kernel_initializer = kernel_initializer
    self.bias_initializer = bias_initializer
    self.kernel_regularizer = kernel_regularizer
    self.bias_regularizer = bias_regularizer
    self.activity_regularizer = activity_regularizer
    self.kernel_constraint = kernel_constraint
    self.bias_constraint = bias_constraint
    self.kernel = None
    self.bias = None

  def _check_call_args(self, inputs, *args):
    del args
    shape = inputs.shape
    if shape.ndims is not None and shape.ndims < 2:
      raise ValueError("inputs must have rank >= 2, got shape %s" % shape)
    if shape.ndims is None or shape[-1] is None:
      raise ValueError("inputs.shape[-1] must be known, got shape %s" % shape)

  def build(self, input_shape):
    depth = int(input_shape[-1])
    self.kernel = self.add_variable(
        "kernel", shape=[depth, self.units],
        initializer=self.kernel_initializer,
        regularizer=self.kernel_regularizer,
        constraint=self.kernel_constraint)
    if self.use_bias:
      self.bias = self.add_variable(
          "bias", shape=[self.units], initializer=self.bias_initializer,
          regularizer=self.bias_regularizer,
          constraint=self.bias_constraint)

  def call(self, inputs):
    if self._dtype is not None and inputs.dtype.base_dtype != self._dtype:
      inputs = tf.cast(inputs, self._dtype)
    rank = inputs.shape.ndims
    if rank == 2:
      outputs = tf.matmul(inputs, self.kernel)
    else:
      outputs = tf.tensordot(inputs, self.kernel, [[rank - 1], [0]])
      outputs.set_shape(inputs.shape[:-1].concatenate([self.units]))
    if self.use_bias:
      outputs = tf.nn.bias_add(outputs, self.bias)
    if self.activation is not None:
      outputs = self.activation(outputs)
    if self.activity_regularizer is not None:
      # TF1 (through Keras) added the activity loss averaged over the batch.
      with tf.compat.v1.name_scope("ActivityRegularizer"):
        loss = self.activity_regularizer(outputs)
        batch = tf.cast(tf.shape(outputs)[0], loss.dtype)
        tf.compat.v1.add_to_collection(
            tf.compat.v1.GraphKeys.REGULARIZATION_LOSSES, loss / batch)
    return outputs


def dense(inputs, units, activation=None, use_bias=True,
          kernel_initializer=None,
          bias_initializer=tf.compat.v1.zeros_initializer(),
          kernel_regularizer=None, bias_regularizer=None,
          activity_regularizer=None, kernel_constraint=None,
          bias_constraint=None, trainable=True, name=None, reuse=None):
  """Densely-connected layer: TF1's `tf.compat.v1.layers.dense`.

  Args:
    inputs: tensor of rank >= 2 with a known last dimension.
    units: int, the output size.
    activation: optional callable applied to the output.
    use_bias: whether to add a bias.
    kernel_initializer: default the variable scope's (glorot uniform).
    bias_initializer: default zeros.
    kernel_regularizer: optional `fn(kernel) -> loss` (collected in
      REGULARIZATION_LOSSES).
    bias_regularizer: optional `fn(bias) -> loss`.
    activity_regularizer: optional `fn(outputs) -> loss`, batch-averaged.
    kernel_constraint: optional projection applied after optimizer updates.
    bias_constraint: likewise for the bias.
    trainable: whether the variables are trainable.
    name: the scope name. When given it is used as is (a second layer of the
      same name needs `reuse`); when None, `dense`, `dense_1`, ...
    reuse: reuse the variables of a previous layer of the same name.

  Returns:
    The output tensor, `inputs.shape[:-1] + [units]`.

  Raises:
    ValueError: if the last dimension of `inputs` is unknown or its rank is
      below 2.
  """
  layer = Dense(units, activation=activation, use_bias=use_bias,
                kernel_initializer=kernel_initializer,
                bias_initializer=bias_initializer,
                kernel_regularizer=kernel_regularizer,
                bias_regularizer=bias_regularizer,
                activity_regularizer=activity_regularizer,
                kernel_constraint=kernel_constraint,
                bias_constraint=bias_constraint, trainable=trainable,
                name=name, _scope=name, _reuse=reuse)
  return layer(inputs)


def time_distributed_dense(inputs, units, activation=None, name=None,
                           reuse=None, **kwargs):
  """One dense layer applied at every step of `[batch, time, depth]`.

  The reshape form TF1 code used (`[batch * time, depth]`, dense, reshape
  back): the same variables at every step, so the parameter count is
  `depth * units + units` whatever the sequence length.

  Args:
    inputs: `[batch, time, depth]` tensor with a known depth.
    units: int, the output size per step.
    activation: optional callable.
    name: the scope name (default `dense`, uniquified).
    reuse: reuse the variables of a previous layer of the same name.
    **kwargs: any other argument of `dense`.

  Returns:
    `[batch, time, units]`.

  Raises:
    ValueError: if `inputs` is not rank 3 or its depth is unknown.
  """
  inputs = tf.convert_to_tensor(inputs)
  shape = inputs.shape
  if shape.ndims != 3 or shape[-1] is None:
    raise ValueError("inputs must be [batch, time, depth] with a known "
                     "depth, got shape %s" % shape)
  flat = tf.reshape(inputs, [-1, int(shape[-1])])
  outputs = dense(flat, units, activation=activation, name=name, reuse=reuse,
                  **kwargs)
  dynamic = tf.shape(inputs)
  outputs = tf.reshape(outputs, tf.stack([dynamic[0], dynamic[1], units]))
  outputs.set_shape(shape[:-1].concatenate([units]))
  return outputs


def embedding(ids, vocab_size, embedding_size, initializer=None,
              name="embedding", reuse=None, trainable=True, dtype=tf.float32):
  """Looks `ids` up in an `[vocab_size, embedding_size]` table.

  Args:
    ids: int tensor of any shape.
    vocab_size: number of rows.
    embedding_size: width of each row.
    initializer: default uniform in [-0.05, 0.05], as Keras' Embedding.
    name: the scope; the variable is `<name>/embeddings`.
    reuse: reuse an existing table.
    trainable: whether the table is trainable.
    dtype: the table's dtype.

  Returns:
    `ids.shape + [embedding_size]`.

  Raises:
    ValueError: if `ids` is not an integer tensor or a size is not positive.
  """
  ids = tf.convert_to_tensor(ids)
  if not ids.dtype.is_integer:
    raise ValueError("ids must be an integer tensor, got dtype %s" %
                     ids.dtype.name)
  for arg, value in (("vocab_size", vocab_size),
                     ("embedding_size", embedding_size)):
    if not isinstance(value, int) or value <= 0:
      raise ValueError("%s must be a positive int, got %r" % (arg, value))
  if initializer is None:
    initializer = tf.compat.v1.random_uniform_initializer(-0.05, 0.05)
  with tf.compat.v1.variable_scope(name, reuse=reuse):
    table = tf.compat.v1.get_variable(
        "embeddings", [vocab_size, embedding_size], dtype=dtype,
        initializer=initializer, trainable=trainable)
    return tf.nn.embedding_lookup(table, ids)


def dropout(inputs, rate=0.5, noise_shape=None, seed=None, training=False,
            name=None):
  """TF1's `tf.compat.v1.layers.dropout`: drops only when `training`.

  Args:
    inputs: a tensor.
    rate: the fraction of units dropped (not the keep probability).
    noise_shape: optional shape of the mask, broadcast to `inputs`.
    seed: int seed of the mask.
    training: Python bool or boolean tensor; identity when False.
    name: optional name scope.

  Returns:
    A tensor shaped like `inputs`.

  Raises:
    ValueError: if a constant `rate` is outside [0, 1).
  """
  if isinstance(rate, (int, float)) and not 0 <= rate < 1:
    raise ValueError("rate must be in [0, 1), got %r" % (rate,))
  with tf.compat.v1.name_scope(name, "dropout", [inputs]):
    inputs = tf.convert_to_tensor(inputs)
    if isinstance(training, bool):
      if not training or (isinstance(rate, (int, float)) and rate == 0):
        return tf.identity(inputs)
      return tf.nn.dropout(inputs, rate=rate, noise_shape=noise_shape,
                           seed=seed)
    return tf.cond(
        training,
        lambda: tf.nn.dropout(inputs, rate=rate, noise_shape=noise_shape,
                              seed=seed),
        lambda: tf.identity(inputs))


def flatten(inputs, name=None):
  """TF1's `tf.compat.v1.layers.flatten`: `[batch, ...]` -> `[batch, n]`."""
  with tf.compat.v1.name_scope(name, "flatten", [inputs]):
    inputs = tf.convert_to_tensor(inputs)
    inner = inputs.shape[1:]
    if inner.is_fully_defined():
      return tf.reshape(inputs, [-1, inner.num_elements()])
    return tf.reshape(inputs, tf.stack([tf.shape(inputs)[0], -1]))


class Dropout(object):
  """TF1's `tf.layers.Dropout`: the class form of `dropout` (no variables).

  Usage:

    layer = layers.Dropout(rate=0.3)
    outputs = layer(inputs, training=is_training)
  """

  def __init__(self, rate=0.5, noise_shape=None, seed=None, name=None,
               **unused_kwargs):
    self.rate = rate
    self.noise_shape = noise_shape
    self.seed = seed
    self.name = name

  def __call__(self, inputs, training=False):
    return dropout(inputs, self.rate, self.noise_shape, self.seed, training,
                   self.name)

  apply = __call__


class Flatten(object):
  """TF1's `tf.layers.Flatten`: the class form of `flatten` (no variables).

  With `data_format="channels_first"` the channels move last first, so the
  order of the flattened values is the channels_last one, as in TF1.
  """

  def __init__(self, data_format="channels_last", name=None,
               **unused_kwargs):
    if data_format not in ("channels_last", "channels_first"):
      raise ValueError("data_format must be 'channels_last' or "
                       "'channels_first', got %r" % (data_format,))
    self.data_format = data_format
    self.name = name

  def __call__(self, inputs):
    inputs = tf.convert_to_tensor(inputs)
    rank = inputs.shape.ndims
    if self.data_format == "channels_first" and rank and rank > 2:
      inputs = tf.transpose(inputs, [0] + list(range(2, rank)) + [1])
    return flatten(inputs, self.name)

  apply = __call__
