"""TF1's `tf.layers` convolutions, poolings and batch normalization, Keras-free.

The functions and classes have TF1's names, signatures, defaults and variable
names, so TF1 graphs and checkpoints carry over:

  conv1d / Conv1D, conv2d / Conv2D,     `conv2d/kernel` [kh, kw, in, filters],
  conv3d / Conv3D                       `conv2d/bias`, then `conv2d_1/...`
  conv2d_transpose / Conv2DTranspose,   `conv2d_transpose/kernel`
  conv3d_transpose / Conv3DTranspose    [kh, kw, filters, in], `.../bias`
  separable_conv1d / SeparableConv1D,   `separable_conv2d/depthwise_kernel`
  separable_conv2d / SeparableConv2D    [kh, kw, in, depth_multiplier],
                                        `.../pointwise_kernel`
                                        [1, 1, in * depth_multiplier,
                                        filters], `.../bias`
  max_pooling{1,2,3}d / MaxPooling{1,2,3}D,
  average_pooling{1,2,3}d / AveragePooling{1,2,3}D
  batch_normalization / BatchNormalization
                                        `batch_normalization/{gamma, beta,
                                        moving_mean, moving_variance}`

`data_format="channels_first"` is computed as channels_last between two
transposes (TensorFlow's CPU kernels support only channels_last).

`batch_normalization(inputs, training=...)` normalises by the batch's
statistics when `training` is true (a Python bool or a boolean tensor) and
by the moving averages otherwise; when training, it puts the moving-average
updates (`moving -= (moving - batch value) * (1 - momentum)`) into
`tf.compat.v1.GraphKeys.UPDATE_OPS`, which the train op must depend on, as
in TF1. Like TF1, a 4-D input normalised over axis 1 or 3 (TF1's fused
kernel) updates the moving variance with the unbiased (n - 1) batch
variance, any other input with the biased one. Renormalisation, virtual
batches and `adjustment` are not provided (ValueError).

Usage:

  from tf1seq import layers_conv
  h = layers_conv.conv2d(images, 32, 3, padding="same",
                         activation=tf.nn.relu)
  h = layers_conv.max_pooling2d(h, 2, 2)
  h = layers_conv.batch_normalization(h, training=is_training)
  with tf.control_dependencies(tf.compat.v1.get_collection(
      tf.compat.v1.GraphKeys.UPDATE_OPS)):
    train_op = optimizer.minimize(loss)
"""

import tensorflow as tf

from tf1seq import layers

_Layer = layers.base_layer.Layer
PADDINGS = ("valid", "same")
DATA_FORMATS = ("channels_last", "channels_first")


def _tuple(name, value, rank):
  """`value` as a tuple of `rank` positive ints (an int is repeated)."""
  if isinstance(value, int) and not isinstance(value, bool):
    value = (value,) * rank
  try:
    value = tuple(value)
  except TypeError:
    value = None
  if (value is None or len(value) != rank or
      not all(isinstance(v, int) and not isinstance(v, bool) and v > 0
              for v in value)):
    raise ValueError("%s must be a positive int or %d positive ints, got %r"
                     % (name, rank, value))
  return value


def _padding(value):
  padding = value.lower() if isinstance(value, str) else value
  if padding not in PADDINGS:
    raise ValueError("padding must be one of %s, got %r" % (PADDINGS, value))
  return padding


def _data_format(value):
  if value not in DATA_FORMATS:
    raise ValueError("data_format must be one of %s, got %r" %
                     (DATA_FORMATS, value))
  return value


def _to_last(inputs, data_format):
  if data_format == "channels_last":
    return inputs
  rank = inputs.shape.ndims
  return tf.transpose(inputs, [0] + list(range(2, rank)) + [1])


def _from_last(outputs, data_format):
  if data_format == "channels_last":
    return outputs
  rank = outputs.shape.ndims
  return tf.transpose(outputs, [0, rank - 1] + list(range(1, rank - 1)))


def _check_rank(inputs, rank, data_format):
  shape = inputs.shape
  if shape.ndims != rank + 2:
    raise ValueError("inputs must have rank %d, got shape %s" %
                     (rank + 2, shape))
  channels = shape[1] if data_format == "channels_first" else shape[-1]
  if tf.compat.dimension_value(channels) is None:
    raise ValueError("the channel dimension of inputs must be known, got "
                     "shape %s" % shape)


def _activity_loss(regularizer, outputs):
  """TF1's activity regularisation: the loss averaged over the batch."""
  if regularizer is None:
    return
  with tf.compat.v1.name_scope("ActivityRegularizer"):
    loss = regularizer(outputs)
    batch = tf.cast(tf.shape(outputs)[0], loss.dtype)
    tf.compat.v1.add_to_collection(
        tf.compat.v1.GraphKeys.REGULARIZATION_LOSSES, loss / batch)


# -- Convolutions -----------------------------------------------------------


class _Conv(_Layer):
  """An N-D convolution layer (N = `self.RANK`) with TF1's variables."""

  RANK = None

  def __init__(self, filters, kernel_size, strides=1, padding="valid",
               data_format="channels_last", dilation_rate=1, activation=None,
               use_bias=True, kernel_initializer=None,
               bias_initializer=tf.compat.v1.zeros_initializer(),
               kernel_regularizer=None, bias_regularizer=None,
               activity_regularizer=None, kernel_constraint=None,
               bias_constraint=None, trainable=True, name=None, **kwargs):
    super().__init__(trainable=trainable, name=name, **kwargs)
    if (not isinstance(filters, int) or isinstance(filters, bool) or
        filters <= 0):
      raise ValueError("filters must be a positive int, got %r" % (filters,))
    rank = self.RANK
    self.filters = filters
    self.kernel_size = _tuple("kernel_size", kernel_size, rank)
    self.strides = _tuple("strides", strides, rank)
    self.dilation_rate = _tuple("dilation_rate", dilation_rate, rank)
    if max(self.strides) > 1 and max(self.dilation_rate) > 1:
      raise ValueError("strides > 1 and dilation_rate > 1 cannot be combined, "
                       "got strides=%s, dilation_rate=%s" %
                       (self.strides, self.dilation_rate))
    self.padding = _padding(padding)
    self.data_format = _data_format(data_format)
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
    _check_rank(inputs, self.RANK, self.data_format)

  def _kernel_shape(self, channels):
    return list(self.kernel_size) + [channels, self.filters]

  def _add_kernels(self, channels):
    self.kernel = self.add_variable(
        "kernel", shape=self._kernel_shape(channels),
        initializer=self.kernel_initializer,
        regularizer=self.kernel_regularizer,
        constraint=self.kernel_constraint)

  def _convolve(self, inputs):
    """The convolution of channels_last `inputs` (no bias)."""
    return tf.nn.convolution(
        inputs, self.kernel, strides=list(self.strides),
        padding=self.padding.upper(), dilations=list(self.dilation_rate))

  def build(self, input_shape):
    axis = 1 if self.data_format == "channels_first" else -1
    self._add_kernels(tf.compat.dimension_value(input_shape[axis]))
    if self.use_bias:
      self.bias = self.add_variable(
          "bias", shape=[self.filters], initializer=self.bias_initializer,
          regularizer=self.bias_regularizer, constraint=self.bias_constraint)

  def call(self, inputs):
    if self._dtype is not None and inputs.dtype.base_dtype != self._dtype:
      inputs = tf.cast(inputs, self._dtype)
    outputs = self._convolve(_to_last(inputs, self.data_format))
    if self.use_bias:
      outputs = tf.nn.bias_add(outputs, self.bias)
    if self.activation is not None:
      outputs = self.activation(outputs)
    outputs = _from_last(outputs, self.data_format)
    _activity_loss(self.activity_regularizer, outputs)
    return outputs


class Conv1D(_Conv):
  """1-D convolution over `[batch, width, channels]`; see `conv1d`."""
  RANK = 1


class Conv2D(_Conv):
  """2-D convolution over `[batch, height, width, channels]`; see `conv2d`."""
  RANK = 2


class Conv3D(_Conv):
  """3-D convolution over `[batch, depth, height, width, channels]`; see
  `conv3d`."""
  RANK = 3


class _ConvTranspose(_Conv):
  """An N-D transposed convolution: the gradient of `_Conv` with respect to
  its input. The kernel is `[*kernel_size, filters, in]`, as in TF1."""

  def __init__(self, filters, kernel_size, strides=1, padding="valid",
               data_format="channels_last", activation=None, use_bias=True,
               kernel_initializer=None,
               bias_initializer=tf.compat.v1.zeros_initializer(),
               kernel_regularizer=None, bias_regularizer=None,
               activity_regularizer=None, kernel_constraint=None,
               bias_constraint=None, trainable=True, name=None, **kwargs):
    super().__init__(
        filters, kernel_size, strides=strides, padding=padding,
        data_format=data_format, activation=activation, use_bias=use_bias,
        kernel_initializer=kernel_initializer,
        bias_initializer=bias_initializer,
        kernel_regularizer=kernel_regularizer,
        bias_regularizer=bias_regularizer,
        activity_regularizer=activity_regularizer,
        kernel_constraint=kernel_constraint, bias_constraint=bias_constraint,
        trainable=trainable, name=name, **kwargs)

  def _kernel_shape(self, channels):
    return list(self.kernel_size) + [self.filters, channels]

  def _convolve(self, inputs):
    # Each spatial length n becomes n * stride ("same"), plus the kernel's
    # overhang max(k - stride, 0) ("valid").
    dynamic = tf.shape(inputs)
    output_shape = [dynamic[0]]
    for i, (k, stride) in enumerate(zip(self.kernel_size, self.strides)):
      length = tf.compat.dimension_value(inputs.shape[i + 1])
      if length is None:
        length = dynamic[i + 1]
      extra = max(k - stride, 0) if self.padding == "valid" else 0
      output_shape.append(length * stride + extra)
    output_shape.append(self.filters)
    outputs = tf.nn.conv_transpose(
        inputs, self.kernel, tf.stack(output_shape),
        strides=list(self.strides), padding=self.padding.upper())
    static = [None] + [
        s if isinstance(s, int) else None for s in output_shape[1:]]
    outputs.set_shape(static)
    return outputs


class Conv2DTranspose(_ConvTranspose):
  """Transposed 2-D convolution; see `conv2d_transpose`."""
  RANK = 2


class Conv3DTranspose(_ConvTranspose):
  """Transposed 3-D convolution; see `conv3d_transpose`."""
  RANK = 3


class _SeparableConv(_Conv):
  """A depthwise convolution (`depth_multiplier` outputs per input channel)
  followed by a 1x1 convolution, with TF1's `depthwise_kernel` [*kernel_size,
  in, depth_multiplier], `pointwise_kernel` [1, ..., in * depth_multiplier,
  filters] and `bias`. The 1-D form runs as 2-D over a height of 1."""

  def __init__(self, filters, kernel_size, strides=1, padding="valid",
               data_format="channels_last", dilation_rate=1,
               depth_multiplier=1, activation=None, use_bias=True,
               depthwise_initializer=None, pointwise_initializer=None,
               bias_initializer=tf.compat.v1.zeros_initializer(),
               depthwise_regularizer=None, pointwise_regularizer=None,
               bias_regularizer=None, activity_regularizer=None,
               depthwise_constraint=None, pointwise_constraint=None,
               bias_constraint=None, trainable=True, name=None, **kwargs):
    super().__init__(
        filters, kernel_size, strides=strides, padding=padding,
        data_format=data_format, dilation_rate=dilation_rate,
        activation=activation, use_bias=use_bias,
        bias_initializer=bias_initializer, bias_regularizer=bias_regularizer,
        activity_regularizer=activity_regularizer,
        bias_constraint=bias_constraint, trainable=trainable, name=name,
        **kwargs)
    if (not isinstance(depth_multiplier, int) or
        isinstance(depth_multiplier, bool) or depth_multiplier <= 0):
      raise ValueError("depth_multiplier must be a positive int, got %r" %
                       (depth_multiplier,))
    self.depth_multiplier = depth_multiplier
    self.depthwise_initializer = depthwise_initializer
    self.pointwise_initializer = pointwise_initializer
    self.depthwise_regularizer = depthwise_regularizer
    self.pointwise_regularizer = pointwise_regularizer
    self.depthwise_constraint = depthwise_constraint
    self.pointwise_constraint = pointwise_constraint
    self.depthwise_kernel = self.pointwise_kernel = None

  def _add_kernels(self, channels):
    self.depthwise_kernel = self.add_variable(
        "depthwise_kernel",
        shape=list(self.kernel_size) + [channels, self.depth_multiplier],
        initializer=self.depthwise_initializer,
        regularizer=self.depthwise_regularizer,
        constraint=self.depthwise_constraint)
    self.pointwise_kernel = self.add_variable(
        "pointwise_kernel",
        shape=[1] * self.RANK + [channels * self.depth_multiplier,
                                 self.filters],
        initializer=self.pointwise_initializer,
        regularizer=self.pointwise_regularizer,
        constraint=self.pointwise_constraint)

  def _convolve(self, inputs):
    depthwise, pointwise = self.depthwise_kernel, self.pointwise_kernel
    strides, rate = self.strides, self.dilation_rate
    if self.RANK == 1:  # As TF1: height 1, the width's stride on both axes.
      inputs = tf.expand_dims(inputs, 1)
      depthwise = tf.expand_dims(depthwise, 0)
      pointwise = tf.expand_dims(pointwise, 0)
      strides, rate = strides * 2, (1,) + rate
    outputs = tf.nn.separable_conv2d(
        inputs, depthwise, pointwise, strides=[1] + list(strides) + [1],
        padding=self.padding.upper(), dilations=list(rate))
    return tf.squeeze(outputs, [1]) if self.RANK == 1 else outputs


class SeparableConv1D(_SeparableConv):
  """Depthwise separable 1-D convolution; see `separable_conv1d`."""
  RANK = 1


class SeparableConv2D(_SeparableConv):
  """Depthwise separable 2-D convolution; see `separable_conv2d`."""
  RANK = 2


def _conv(layer_class, inputs, filters, kernel_size, strides, padding,
          data_format, dilation_rate, activation, use_bias,
          kernel_initializer, bias_initializer, kernel_regularizer,
          bias_regularizer, activity_regularizer, kernel_constraint,
          bias_constraint, trainable, name, reuse):
  layer = layer_class(
      filters, kernel_size, strides=strides, padding=padding,
      data_format=data_format, dilation_rate=dilation_rate,
      activation=activation, use_bias=use_bias,
      kernel_initializer=kernel_initializer,
      bias_initializer=bias_initializer,
      kernel_regularizer=kernel_regularizer,
      bias_regularizer=bias_regularizer,
      activity_regularizer=activity_regularizer,
      kernel_constraint=kernel_constraint, bias_constraint=bias_constraint,
      trainable=trainable, name=name, _scope=name, _reuse=reuse)
  return layer(inputs)


def conv1d(inputs, filters, kernel_size, strides=1, padding="valid",
           data_format="channels_last", dilation_rate=1, activation=None,
           use_bias=True, kernel_initializer=None,
           bias_initializer=tf.compat.v1.zeros_initializer(),
           kernel_regularizer=None, bias_regularizer=None,
           activity_regularizer=None, kernel_constraint=None,
           bias_constraint=None, trainable=True, name=None, reuse=None):
  """1-D convolution: TF1's `tf.compat.v1.layers.conv1d`.

  Args:
    inputs: `[batch, width, channels]` (channels_last) or `[batch, channels,
      width]` (channels_first), channels known.
    filters: int, the output channels.
    kernel_size: int or 1-tuple.
    strides: int or 1-tuple.
    padding: "valid" or "same" (any case).
    data_format: "channels_last" or "channels_first".
    dilation_rate: int or 1-tuple; > 1 only with strides 1.
    activation: optional callable applied to the output.
    use_bias: whether to add a bias.
    kernel_initializer: default the variable scope's (glorot uniform).
    bias_initializer: default zeros.
    kernel_regularizer: optional `fn(kernel) -> loss`.
    bias_regularizer: optional `fn(bias) -> loss`.
    activity_regularizer: optional `fn(outputs) -> loss`, batch-averaged.
    kernel_constraint: optional projection applied by TF1 optimizers.
    bias_constraint: likewise for the bias.
    trainable: whether the variables are trainable.
    name: the scope; default `conv1d`, `conv1d_1`, ...
    reuse: reuse the variables of a previous layer of the same name.

  Returns:
    The output tensor.

  Raises:
    ValueError: for a bad argument or an input of the wrong rank.
  """
  return _conv(Conv1D, inputs, filters, kernel_size, strides, padding,
               data_format, dilation_rate, activation, use_bias,
               kernel_initializer, bias_initializer, kernel_regularizer,
               bias_regularizer, activity_regularizer, kernel_constraint,
               bias_constraint, trainable, name, reuse)


def conv2d(inputs, filters, kernel_size, strides=(1, 1), padding="valid",
           data_format="channels_last", dilation_rate=(1, 1),
           activation=None, use_bias=True, kernel_initializer=None,
           bias_initializer=tf.compat.v1.zeros_initializer(),
           kernel_regularizer=None, bias_regularizer=None,
           activity_regularizer=None, kernel_constraint=None,
           bias_constraint=None, trainable=True, name=None, reuse=None):
  """2-D convolution: TF1's `tf.compat.v1.layers.conv2d`.

  Args: as `conv1d`, with 2-D `kernel_size`, `strides` and `dilation_rate`
  (an int means the same for both) and inputs `[batch, height, width,
  channels]` (or channels first). Variables `conv2d/kernel` [kh, kw, in,
  filters] and `conv2d/bias`.

  Returns:
    The output tensor.

  Raises:
    ValueError: for a bad argument or an input of the wrong rank.
  """
  return _conv(Conv2D, inputs, filters, kernel_size, strides, padding,
               data_format, dilation_rate, activation, use_bias,
               kernel_initializer, bias_initializer, kernel_regularizer,
               bias_regularizer, activity_regularizer, kernel_constraint,
               bias_constraint, trainable, name, reuse)


def _call_layer(layer_class, arguments):
  """Calls `layer_class(**arguments)` on `arguments["inputs"]` in the scope
  `name` (reusing its variables if `reuse`), as TF1's functions do."""
  arguments = dict(arguments)
  inputs = arguments.pop("inputs")
  reuse = arguments.pop("reuse")
  layer = layer_class(_scope=arguments["name"], _reuse=reuse, **arguments)
  return layer(inputs)


def conv3d(inputs, filters, kernel_size, strides=(1, 1, 1), padding="valid",
           data_format="channels_last", dilation_rate=(1, 1, 1),
           activation=None, use_bias=True, kernel_initializer=None,
           bias_initializer=tf.compat.v1.zeros_initializer(),
           kernel_regularizer=None, bias_regularizer=None,
           activity_regularizer=None, kernel_constraint=None,
           bias_constraint=None, trainable=True, name=None, reuse=None):
  """3-D convolution: TF1's `tf.compat.v1.layers.conv3d`.

  Args: as `conv1d`, with 3-D `kernel_size`, `strides` and `dilation_rate`
  and inputs `[batch, depth, height, width, channels]` (or channels first).
  Variables `conv3d/kernel` [kd, kh, kw, in, filters] and `conv3d/bias`.

  Returns:
    The output tensor.

  Raises:
    ValueError: for a bad argument or an input of the wrong rank.
  """
  return _call_layer(Conv3D, locals())


def conv2d_transpose(inputs, filters, kernel_size, strides=(1, 1),
                     padding="valid", data_format="channels_last",
                     activation=None, use_bias=True, kernel_initializer=None,
                     bias_initializer=tf.compat.v1.zeros_initializer(),
                     kernel_regularizer=None, bias_regularizer=None,
                     activity_regularizer=None, kernel_constraint=None,
                     bias_constraint=None, trainable=True, name=None,
                     reuse=None):
  """Transposed 2-D convolution: TF1's `tf.compat.v1.layers.conv2d_transpose`.

  Args: as `conv2d` without `dilation_rate`. Each spatial length n becomes
  n * stride ("same") or n * stride + max(kernel - stride, 0) ("valid").
  Variables `conv2d_transpose/kernel` [kh, kw, filters, in] and
  `conv2d_transpose/bias`.

  Returns:
    The output tensor.

  Raises:
    ValueError: for a bad argument or an input of the wrong rank.
  """
  return _call_layer(Conv2DTranspose, locals())


def conv3d_transpose(inputs, filters, kernel_size, strides=(1, 1, 1),
                     padding="valid", data_format="channels_last",
                     activation=None, use_bias=True, kernel_initializer=None,
                     bias_initializer=tf.compat.v1.zeros_initializer(),
                     kernel_regularizer=None, bias_regularizer=None,
                     activity_regularizer=None, kernel_constraint=None,
                     bias_constraint=None, trainable=True, name=None,
                     reuse=None):
  """Transposed 3-D convolution: TF1's `tf.compat.v1.layers.conv3d_transpose`.

  Args: as `conv2d_transpose`, in 3-D. Variables `conv3d_transpose/kernel`
  [kd, kh, kw, filters, in] and `conv3d_transpose/bias`.

  Returns:
    The output tensor.

  Raises:
    ValueError: for a bad argument or an input of the wrong rank.
  """
  return _call_layer(Conv3DTranspose, locals())


def separable_conv1d(inputs, filters, kernel_size, strides=1,
                     padding="valid", data_format="channels_last",
                     dilation_rate=1, depth_multiplier=1, activation=None,
                     use_bias=True, depthwise_initializer=None,
                     pointwise_initializer=None,
                     bias_initializer=tf.compat.v1.zeros_initializer(),
                     depthwise_regularizer=None, pointwise_regularizer=None,
                     bias_regularizer=None, activity_regularizer=None,
                     depthwise_constraint=None, pointwise_constraint=None,
                     bias_constraint=None, trainable=True, name=None,
                     reuse=None):
  """Depthwise separable 1-D convolution: TF1's
  `tf.compat.v1.layers.separable_conv1d`.

  Args: as `conv1d`, plus `depth_multiplier` (depthwise outputs per input
  channel), with `depthwise_*` and `pointwise_*` initializers, regularizers
  and constraints in place of the `kernel_*` ones. Variables
  `separable_conv1d/depthwise_kernel` [k, in, depth_multiplier],
  `separable_conv1d/pointwise_kernel` [1, in * depth_multiplier, filters]
  and `separable_conv1d/bias`.

  Returns:
    The output tensor.

  Raises:
    ValueError: for a bad argument or an input of the wrong rank.
  """
  return _call_layer(SeparableConv1D, locals())


def separable_conv2d(inputs, filters, kernel_size, strides=(1, 1),
                     padding="valid", data_format="channels_last",
                     dilation_rate=(1, 1), depth_multiplier=1,
                     activation=None, use_bias=True,
                     depthwise_initializer=None, pointwise_initializer=None,
                     bias_initializer=tf.compat.v1.zeros_initializer(),
                     depthwise_regularizer=None, pointwise_regularizer=None,
                     bias_regularizer=None, activity_regularizer=None,
                     depthwise_constraint=None, pointwise_constraint=None,
                     bias_constraint=None, trainable=True, name=None,
                     reuse=None):
  """Depthwise separable 2-D convolution: TF1's
  `tf.compat.v1.layers.separable_conv2d`.

  Args: as `separable_conv1d`, in 2-D (equal row and column strides, as
  TensorFlow's depthwise kernel needs). Variables
  `separable_conv2d/depthwise_kernel` [kh, kw, in, depth_multiplier],
  `separable_conv2d/pointwise_kernel` [1, 1, in * depth_multiplier,
  filters] and `separable_conv2d/bias`.

  Returns:
    The output tensor.

  Raises:
    ValueError: for a bad argument or an input of the wrong rank.
  """
  return _call_layer(SeparableConv2D, locals())


# -- Pooling ----------------------------------------------------------------


class _Pooling(_Layer):
  """N-D max or average pooling (no variables)."""

  RANK = None
  POOLING = None  # "MAX" or "AVG".

  def __init__(self, pool_size, strides, padding="valid",
               data_format="channels_last", name=None, **kwargs):
    super().__init__(name=name, **kwargs)
    self.pool_size = _tuple("pool_size", pool_size, self.RANK)
    self.strides = _tuple("strides", strides, self.RANK)
    self.padding = _padding(padding)
    self.data_format = _data_format(data_format)

  def _check_call_args(self, inputs, *args):
    del args
    _check_rank(inputs, self.RANK, self.data_format)

  def call(self, inputs):
    outputs = tf.nn.pool(
        _to_last(inputs, self.data_format), window_shape=list(self.pool_size),
        pooling_type=self.POOLING, strides=list(self.strides),
        padding=self.padding.upper())
    return _from_last(outputs, self.data_format)


class MaxPooling1D(_Pooling):
  """Max pooling over `[batch, width, channels]`."""
  RANK, POOLING = 1, "MAX"


class MaxPooling2D(_Pooling):
  """Max pooling over `[batch, height, width, channels]`."""
  RANK, POOLING = 2, "MAX"


class AveragePooling1D(_Pooling):
  """Average pooling over `[batch, width, channels]` (padding excluded)."""
  RANK, POOLING = 1, "AVG"


class AveragePooling2D(_Pooling):
  """Average pooling over `[batch, height, width, channels]`."""
  RANK, POOLING = 2, "AVG"


class MaxPooling3D(_Pooling):
  """Max pooling over `[batch, depth, height, width, channels]`."""
  RANK, POOLING = 3, "MAX"


class AveragePooling3D(_Pooling):
  """Average pooling over `[batch, depth, height, width, channels]`."""
  RANK, POOLING = 3, "AVG"


def _pool_function(function_name, layer_class):
  """TF1's functional form of a pooling layer, with its docstring."""

  def pool(inputs, pool_size, strides, padding="valid",
           data_format="channels_last", name=None):
    return layer_class(pool_size, strides, padding=padding,
                       data_format=data_format, name=name)(inputs)

  pool.__name__ = pool.__qualname__ = function_name
  pool.__doc__ = (
      "TF1's `tf.compat.v1.layers.%s`.\n\n"
      "  Args:\n"
      "    inputs: rank %d, channels_last or channels_first.\n"
      "    pool_size: int or %d-tuple, the window.\n"
      "    strides: int or %d-tuple.\n"
      "    padding: \"valid\" or \"same\" (any case).\n"
      "    data_format: \"channels_last\" or \"channels_first\".\n"
      "    name: the name scope.\n\n"
      "  Returns:\n"
      "    The pooled tensor.\n\n"
      "  Raises:\n"
      "    ValueError: for a bad argument or an input of the wrong rank.\n" %
      (function_name, layer_class.RANK + 2, layer_class.RANK,
       layer_class.RANK))
  return pool


max_pooling1d = _pool_function("max_pooling1d", MaxPooling1D)
max_pooling2d = _pool_function("max_pooling2d", MaxPooling2D)
max_pooling3d = _pool_function("max_pooling3d", MaxPooling3D)
average_pooling1d = _pool_function("average_pooling1d", AveragePooling1D)
average_pooling2d = _pool_function("average_pooling2d", AveragePooling2D)
average_pooling3d = _pool_function("average_pooling3d", AveragePooling3D)


# -- Batch normalization ----------------------------------------------------


def _as_training(training):
  """A Python bool, or a boolean tensor."""
  if training is None:
    return False
  if isinstance(training, (bool, int)):
    return bool(training)
  training = tf.convert_to_tensor(training)
  if training.dtype != tf.bool:
    raise TypeError("training must be a bool or a boolean tensor, got %s"
                    % training.dtype.name)
  value = tf.get_static_value(training)
  return bool(value) if value is not None else training


class BatchNormalization(_Layer):
  """TF1's `tf.compat.v1.layers.BatchNormalization`; see
  `batch_normalization`.
  """

  def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True,
               scale=True,
               beta_initializer=tf.compat.v1.zeros_initializer(),
               gamma_initializer=tf.compat.v1.ones_initializer(),
               moving_mean_initializer=tf.compat.v1.zeros_initializer(),
               moving_variance_initializer=tf.compat.v1.ones_initializer(),
               beta_regularizer=None, gamma_regularizer=None,
               beta_constraint=None, gamma_constraint=None, renorm=False,
               renorm_clipping=None, renorm_momentum=0.99, fused=None,
               trainable=True, virtual_batch_size=None, adjustment=None,
               name=None, **kwargs):
    super().__init__(trainable=trainable, name=name, **kwargs)
    del renorm_momentum  # Only meaningful with renorm.
    for argument, value in (("renorm", renorm),
                            ("renorm_clipping", renorm_clipping),
                            ("virtual_batch_size", virtual_batch_size),
                            ("adjustment", adjustment)):
      if value:
        raise ValueError("%s is not supported by tf1seq's batch "
                         "normalization, got %r" % (argument, value))
    if isinstance(axis, int) and not isinstance(axis, bool):
      self.axis = [axis]
    elif (isinstance(axis, (list, tuple)) and axis and
          all(isinstance(a, int) for a in axis)):
      self.axis = list(axis)
    else:
      raise ValueError("axis must be an int or a list of ints, got %r" %
                       (axis,))
    if not 0.0 <= momentum <= 1.0:
      raise ValueError("momentum must be in [0, 1], got %r" % (momentum,))
    if epsilon <= 0:
      raise ValueError("epsilon must be > 0, got %r" % (epsilon,))
    self.momentum = momentum
    self.epsilon = epsilon
    self.center = center
    self.scale = scale
    self.beta_initializer = beta_initializer
    self.gamma_initializer = gamma_initializer
    self.moving_mean_initializer = moving_mean_initializer
    self.moving_variance_initializer = moving_variance_initializer
    self.beta_regularizer = beta_regularizer
    self.gamma_regularizer = gamma_regularizer
    self.beta_constraint = beta_constraint
    self.gamma_constraint = gamma_constraint
    self.fused = fused
    self.gamma = self.beta = None
    self.moving_mean = self.moving_variance = None
    self.updates = []

  def _check_call_args(self, inputs, *args):
    del args
    ndims = inputs.shape.ndims
    if ndims is None:
      raise ValueError("inputs must have a known rank, got shape %s" %
                       inputs.shape)
    axes = [a + ndims if a < 0 else a for a in self.axis]
    if any(not 0 < a < ndims for a in axes) or len(set(axes)) != len(axes):
      raise ValueError("axis must name distinct non-batch axes of inputs "
                       "of shape %s, got %r" % (inputs.shape, self.axis))
    for a in axes:
      if tf.compat.dimension_value(inputs.shape[a]) is None:
        raise ValueError("axis %d of inputs must be known, got shape %s" %
                         (a, inputs.shape))

  def build(self, input_shape):
    ndims = input_shape.ndims
    self._axes = sorted(a + ndims if a < 0 else a for a in self.axis)
    param_shape = [tf.compat.dimension_value(input_shape[a])
                   for a in self._axes]
    if len(param_shape) == 1:
      param_shape = param_shape[0:1]
    # TF1's fused kernel (4-D input, channels on axis 1 or 3) updates the
    # moving variance with the unbiased batch variance.
    self._unbiased_update = (self.fused in (None, True) and ndims == 4 and
                             len(self.axis) == 1 and
                             self.axis[0] in (-3, -1, 1, 3))
    if self.fused and not self._unbiased_update:
      raise ValueError("fused=True needs a 4-D input normalised over axis 1 "
                       "or 3, got axis %r and rank %d" % (self.axis, ndims))
    dtype = self._dtype
    if dtype in (tf.float16, tf.bfloat16):
      dtype = tf.float32
    if self.scale:
      self.gamma = self.add_variable(
          "gamma", param_shape, dtype=dtype,
          initializer=self.gamma_initializer,
          regularizer=self.gamma_regularizer,
          constraint=self.gamma_constraint)
    if self.center:
      self.beta = self.add_variable(
          "beta", param_shape, dtype=dtype, initializer=self.beta_initializer,
          regularizer=self.beta_regularizer, constraint=self.beta_constraint)
    self.moving_mean = self.add_variable(
        "moving_mean", param_shape, dtype=dtype,
        initializer=self.moving_mean_initializer, trainable=False)
    self.moving_variance = self.add_variable(
        "moving_variance", param_shape, dtype=dtype,
        initializer=self.moving_variance_initializer, trainable=False)

  def _broadcast(self, value, ndims):
    """A parameter shaped to broadcast against the inputs."""
    if value is None or self._axes == [ndims - 1]:
      return value
    shape = [1] * ndims
    for a in self._axes:
      shape[a] = -1
    return tf.reshape(value, shape)

  def _update(self, variable, value, training):
    """`variable -= (variable - value) * (1 - momentum)` when training."""
    with tf.compat.v1.name_scope("AssignMovingAvg"):
      decay = tf.constant(1.0 - self.momentum, variable.dtype.base_dtype)
      if not isinstance(training, bool):
        decay = tf.where(training, decay, tf.zeros_like(decay))
      delta = (variable - tf.cast(value, variable.dtype.base_dtype)) * decay
      update = tf.compat.v1.assign_sub(variable, delta)
    tf.compat.v1.add_to_collection(tf.compat.v1.GraphKeys.UPDATE_OPS, update)
    self.updates.append(update)

  def call(self, inputs, training=False):
    training = _as_training(training)
    ndims = inputs.shape.ndims
    param_dtype = self.moving_mean.dtype.base_dtype
    x = tf.cast(inputs, param_dtype)
    if training is False:
      mean, variance = self.moving_mean, self.moving_variance
    else:
      reduction = [a for a in range(ndims) if a not in self._axes]
      batch_mean, batch_variance = tf.nn.moments(x, reduction)
      update_variance = batch_variance
      if self._unbiased_update:
        count = tf.cast(tf.size(x) // tf.size(batch_variance), param_dtype)
        update_variance = batch_variance * count / tf.maximum(count - 1.0,
                                                              1.0)
      self._update(self.moving_mean, batch_mean, training)
      self._update(self.moving_variance, update_variance, training)
      if training is True:
        mean, variance = batch_mean, batch_variance
      else:
        mean = tf.where(training, batch_mean, self.moving_mean)
        variance = tf.where(training, batch_variance, self.moving_variance)
    outputs = tf.nn.batch_normalization(
        x, self._broadcast(mean, ndims), self._broadcast(variance, ndims),
        self._broadcast(self.beta, ndims), self._broadcast(self.gamma, ndims),
        self.epsilon)
    return tf.cast(outputs, inputs.dtype)


def batch_normalization(inputs, axis=-1, momentum=0.99, epsilon=1e-3,
                        center=True, scale=True,
                        beta_initializer=tf.compat.v1.zeros_initializer(),
                        gamma_initializer=tf.compat.v1.ones_initializer(),
                        moving_mean_initializer=(
                            tf.compat.v1.zeros_initializer()),
                        moving_variance_initializer=(
                            tf.compat.v1.ones_initializer()),
                        beta_regularizer=None, gamma_regularizer=None,
                        beta_constraint=None, gamma_constraint=None,
                        training=False, trainable=True, name=None, reuse=None,
                        renorm=False, renorm_clipping=None,
                        renorm_momentum=0.99, fused=None,
                        virtual_batch_size=None, adjustment=None):
  """Batch normalization: TF1's `tf.compat.v1.layers.batch_normalization`.

  Args:
    inputs: a tensor whose `axis` dimensions are known.
    axis: int or list of ints, the axes kept (the features); statistics are
      taken over the others.
    momentum: of the moving averages.
    epsilon: added to the variance.
    center: add `beta`.
    scale: multiply by `gamma`.
    beta_initializer: default zeros.
    gamma_initializer: default ones.
    moving_mean_initializer: default zeros.
    moving_variance_initializer: default ones.
    beta_regularizer: optional `fn(beta) -> loss`.
    gamma_regularizer: optional `fn(gamma) -> loss`.
    beta_constraint: optional projection applied by TF1 optimizers.
    gamma_constraint: likewise for gamma.
    training: Python bool or boolean tensor: batch statistics and
      moving-average updates in UPDATE_OPS when true; moving averages when
      false.
    trainable: whether gamma and beta are trainable.
    name: the scope; default `batch_normalization`, `batch_normalization_1`.
    reuse: reuse the variables of a previous layer of the same name.
    renorm: must be False (not provided).
    renorm_clipping: must be None.
    renorm_momentum: ignored without renorm.
    fused: None or True (TF1's fused kernel where it applies: only the
      moving variance update differs, see the module doc) or False.
    virtual_batch_size: must be None.
    adjustment: must be None.

  Returns:
    The normalised tensor, of the inputs' shape and dtype.

  Raises:
    ValueError: for an unsupported or bad argument, or an input whose rank
      or feature axes are unknown.
    TypeError: if `training` is a non-boolean tensor.
  """
  layer = BatchNormalization(
      axis=axis, momentum=momentum, epsilon=epsilon, center=center,
      scale=scale, beta_initializer=beta_initializer,
      gamma_initializer=gamma_initializer,
      moving_mean_initializer=moving_mean_initializer,
      moving_variance_initializer=moving_variance_initializer,
      beta_regularizer=beta_regularizer, gamma_regularizer=gamma_regularizer,
      beta_constraint=beta_constraint, gamma_constraint=gamma_constraint,
      renorm=renorm, renorm_clipping=renorm_clipping,
      renorm_momentum=renorm_momentum, fused=fused, trainable=trainable,
      virtual_batch_size=virtual_batch_size, adjustment=adjustment,
      name=name, _scope=name, _reuse=reuse)
  return layer(inputs, training=training)


TF1_NAMES = ("conv1d", "Conv1D", "conv2d", "Conv2D", "conv3d", "Conv3D",
             "conv2d_transpose", "Conv2DTranspose", "conv3d_transpose",
             "Conv3DTranspose", "separable_conv1d", "SeparableConv1D",
             "separable_conv2d", "SeparableConv2D", "max_pooling1d",
             "MaxPooling1D", "max_pooling2d", "MaxPooling2D", "max_pooling3d",
             "MaxPooling3D", "average_pooling1d", "AveragePooling1D",
             "average_pooling2d", "AveragePooling2D", "average_pooling3d",
             "AveragePooling3D", "batch_normalization", "BatchNormalization")
