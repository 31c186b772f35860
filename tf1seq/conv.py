"""1-D convolutions over `[batch, time, channels]` and WaveNet stacks.

`conv1d` is `tf.compat.v1.layers.conv1d` (variables `conv1d/kernel`
[kernel_size, in_channels, filters] and `conv1d/bias`, then `conv1d_1/...`)
with Keras' `padding="causal"` besides `"valid"` and `"same"`: causal pads
`(kernel_size - 1) * dilation_rate` zeros on the left, so output t sees only
inputs <= t and the length is kept.

`wavenet` is the time-series chapter's stack of causal dilated convolutions
(ReLU, rates 1, 2, 4, 8 twice, then a 1x1 convolution to the outputs);
`original_wavenet` is its gated-activation WaveNet with residual and skip
connections.

Usage:

  from tf1seq import conv
  z = conv.conv1d(x, filters=20, kernel_size=4, strides=2)   # [b, 24, 20]
  y = conv.wavenet(x, filters=20, rates=(1, 2, 4, 8) * 2, outputs=10)
"""

import tensorflow as tf

from tf1seq import base_layer

PADDINGS = ("valid", "same", "causal")


def _positive_int(name, value):
  if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
    raise ValueError("%s must be a positive int, got %r" % (name, value))
  return value


class Conv1D(base_layer.Layer):
  """`activation(conv1d(inputs, kernel) + bias)`; see `conv1d`."""

  def __init__(self, filters, kernel_size, strides=1, padding="valid",
               dilation_rate=1, activation=None, use_bias=True,
               kernel_initializer=None,
               bias_initializer=tf.compat.v1.zeros_initializer(),
               name=None, **kwargs):
    super().__init__(name=name, **kwargs)
    self.filters = _positive_int("filters", filters)
    self.kernel_size = _positive_int("kernel_size", kernel_size)
    self.strides = _positive_int("strides", strides)
    self.dilation_rate = _positive_int("dilation_rate", dilation_rate)
    if padding not in PADDINGS:
      raise ValueError("padding must be one of %s, got %r" %
                       (PADDINGS, padding))
    if self.strides > 1 and self.dilation_rate > 1:
      raise ValueError("strides and dilation_rate cannot both be > 1, got "
                       "strides=%d, dilation_rate=%d" %
                       (self.strides, self.dilation_rate))
    self.padding = padding
    self.activation = activation
    self.use_bias = use_bias
    self.kernel_initializer = kernel_initializer
    self.bias_initializer = bias_initializer

  def _check_call_args(self, inputs, *args):
    del args
    shape = inputs.shape
    if shape.ndims != 3 or shape[-1] is None:
      raise ValueError("inputs must be [batch, time, channels] with known "
                       "channels, got shape %s" % shape)

  def build(self, input_shape):
    channels = int(input_shape[-1])
    # The default (glorot uniform) takes its fans from the whole kernel
    # shape, `kernel_size * channels` and `kernel_size * filters`, as Keras.
    self.kernel = self.add_variable(
        "kernel", [self.kernel_size, channels, self.filters],
        initializer=self.kernel_initializer)
    self.bias = None
    if self.use_bias:
      self.bias = self.add_variable("bias", [self.filters],
                                    initializer=self.bias_initializer)

  def call(self, inputs):
    padding = self.padding.upper()
    if self.padding == "causal":
      left = (self.kernel_size - 1) * self.dilation_rate
      inputs = tf.pad(inputs, [[0, 0], [left, 0], [0, 0]])
      padding = "VALID"
    # tf.nn.convolution runs dilations through space_to_batch, which the
    # CPU kernels (and their gradients) support; tf.nn.conv1d's do not.
    outputs = tf.nn.convolution(inputs, self.kernel, strides=self.strides,
                                padding=padding,
                                dilations=self.dilation_rate)
    if self.bias is not None:
      outputs = tf.nn.bias_add(outputs, self.bias)
    if self.activation is not None:
      outputs = self.activation(outputs)
    return outputs


def conv1d(inputs, filters, kernel_size, strides=1, padding="valid",
           dilation_rate=1, activation=None, use_bias=True,
           kernel_initializer=None,
           bias_initializer=tf.compat.v1.zeros_initializer(), name=None,
           reuse=None):
  """1-D convolution: `tf.compat.v1.layers.conv1d` plus causal padding.

  Args:
    inputs: `[batch, time, channels]` with known channels.
    filters: positive int, output channels.
    kernel_size: positive int.
    strides: positive int.
    padding: "valid" (length `(time - (k - 1) * d - 1) // strides + 1`),
      "same" or "causal" (left zero padding, length kept for strides 1).
    dilation_rate: positive int; not with strides > 1.
    activation: optional callable.
    use_bias: whether to add a bias.
    kernel_initializer: default the scope's (glorot uniform, as Keras).
    bias_initializer: default zeros.
    name: the scope; default `conv1d`, uniquified.
    reuse: reuse the variables of a layer of the same name.

  Returns:
    `[batch, new_time, filters]`.

  Raises:
    ValueError: on a bad size, padding, or inputs not rank 3 with known
      channels.
  """
  layer = Conv1D(filters, kernel_size, strides=strides, padding=padding,
                 dilation_rate=dilation_rate, activation=activation,
                 use_bias=use_bias, kernel_initializer=kernel_initializer,
                 bias_initializer=bias_initializer, name=name, _scope=name,
                 _reuse=reuse)
  return layer(inputs)


def wavenet(inputs, filters=20, rates=(1, 2, 4, 8) * 2, outputs=10,
            kernel_size=2, activation=tf.nn.relu):
  """The time-series chapter's WaveNet: causal dilated convolutions, 1x1 out.

  Args:
    inputs: `[batch, time, channels]`.
    filters: channels of every dilated layer.
    rates: the dilation rate of each layer.
    outputs: channels of the final 1x1 convolution (no activation).
    kernel_size: of the dilated layers.
    activation: of the dilated layers.

  Returns:
    `[batch, time, outputs]`; output t depends on inputs <= t only, over a
    receptive field of `1 + (kernel_size - 1) * sum(rates)` steps.

  Raises:
    ValueError: as `conv1d`, or if `rates` is empty.
  """
  if not rates:
    raise ValueError("rates must list at least one dilation rate, got %r" %
                     (rates,))
  z = inputs
  for rate in rates:
    z = conv1d(z, filters, kernel_size, padding="causal", dilation_rate=rate,
               activation=activation)
  return conv1d(z, outputs, 1)


def gated_activation_unit(inputs, activation=tf.tanh):
  """The time-series chapter's `GatedActivationUnit` on `[..., 2 * n]` channels.

  As the book wrote it: `activation(activation(x[..., :n])) *
  sigmoid(x[..., n:])` (the activation is applied twice, a slip of the
  seed kept here so the model is the book's).

  Args:
    inputs: tensor with an even, known last dimension.
    activation: callable.

  Returns:
    `[..., n]`.

  Raises:
    ValueError: if the last dimension is unknown or odd.
  """
  channels = inputs.shape[-1]
  if channels is None or channels % 2:
    raise ValueError("inputs.shape[-1] must be known and even, got shape %s"
                     % inputs.shape)
  n = channels // 2
  linear_output = activation(inputs[..., :n])
  gate = tf.sigmoid(inputs[..., n:])
  return activation(linear_output) * gate


def wavenet_residual_block(inputs, filters, dilation_rate):
  """Gated causal convolution, 1x1 convolution, residual and skip outputs.

  Args:
    inputs: `[batch, time, filters]`.
    filters: the block's channels.
    dilation_rate: of the causal convolution (kernel size 2).

  Returns:
    `(inputs + z, z)`: the residual output and the skip output.
  """
  z = conv1d(inputs, 2 * filters, 2, padding="causal",
             dilation_rate=dilation_rate)
  z = gated_activation_unit(z)
  z = conv1d(z, filters, 1)
  return inputs + z, z


def original_wavenet(inputs, layers_per_block=3, blocks=1, filters=32,
                     outputs=10):
  """The time-series chapter's gated WaveNet, residual and skip connections.

  Args:
    inputs: `[batch, time, channels]`.
    layers_per_block: residual blocks per stack, dilations 1, 2, 4, ...
    blocks: stacks.
    filters: channels of the residual path.
    outputs: channels of the softmax output.

  Returns:
    `[batch, time, outputs]`, a softmax over the last axis (as the book).
  """
  z = conv1d(inputs, filters, 2, padding="causal")
  skips = []
  for rate in [2 ** i for i in range(layers_per_block)] * blocks:
    z, skip = wavenet_residual_block(z, filters, rate)
    skips.append(skip)
  z = tf.nn.relu(tf.add_n(skips))
  z = conv1d(z, filters, 1, activation=tf.nn.relu)
  return conv1d(z, outputs, 1, activation=tf.nn.softmax)
