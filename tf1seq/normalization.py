"""Batch and layer normalisation in graph mode, with Keras' defaults.

`batch_normalization` is Keras' `BatchNormalization()` over the last axis
(momentum 0.99, epsilon 1e-3): with `training` it normalises by the batch's
statistics (over every axis but the last, so over batch and time for
`[batch, time, depth]`) and puts the moving-average updates in
`tf.compat.v1.GraphKeys.UPDATE_OPS`, which the train op must depend on, as
in TF1; without it, it uses the moving averages. Variables:
`batch_normalization/{gamma, beta, moving_mean, moving_variance}`.

`layer_normalization` is Keras' `LayerNormalization()` (epsilon 1e-3):
statistics over the last axis of each example, the same in training and
inference. Variables: `layer_normalization/{gamma, beta}`.

Usage:

  h = normalization.batch_normalization(h, training=is_training)
  update_ops = tf.compat.v1.get_collection(
      tf.compat.v1.GraphKeys.UPDATE_OPS)
  with tf.control_dependencies(update_ops):
    train_op = optimizer.minimize(loss)
"""

import tensorflow as tf

from tf1seq import base_layer


def _check_depth(inputs):
  shape = inputs.shape
  if shape.ndims is None or shape.ndims < 2 or shape[-1] is None:
    raise ValueError("inputs must have rank >= 2 and a known last "
                     "dimension, got shape %s" % shape)
  return int(shape[-1])


class BatchNormalization(base_layer.Layer):
  """Keras' `BatchNormalization(axis=-1)` as a TF1 layer."""

  def __init__(self, momentum=0.99, epsilon=1e-3, name=None, **kwargs):
    """Creates the layer.

    Args:
      momentum: of the moving averages.
      epsilon: added to the variance.
      name: the scope; default `batch_normalization`, uniquified.
      **kwargs: `trainable`, `_reuse`.

    Raises:
      ValueError: if `momentum` is outside [0, 1] or `epsilon` <= 0.
    """
    super().__init__(name=name, **kwargs)
    if not 0 <= momentum <= 1:
      raise ValueError("momentum must be in [0, 1], got %r" % (momentum,))
    if not epsilon > 0:
      raise ValueError("epsilon must be positive, got %r" % (epsilon,))
    self.momentum = momentum
    self.epsilon = epsilon

  def _check_call_args(self, inputs, *args):
    del args
    _check_depth(inputs)

  def build(self, input_shape):
    depth = int(input_shape[-1])
    ones = tf.compat.v1.ones_initializer()
    zeros = tf.compat.v1.zeros_initializer()
    self.gamma = self.add_variable("gamma", [depth], initializer=ones)
    self.beta = self.add_variable("beta", [depth], initializer=zeros)
    self.moving_mean = self.add_variable("moving_mean", [depth],
                                         initializer=zeros, trainable=False)
    self.moving_variance = self.add_variable(
        "moving_variance", [depth], initializer=ones, trainable=False)

  def _normalize(self, inputs, mean, variance):
    return tf.nn.batch_normalization(inputs, mean, variance, self.beta,
                                     self.gamma, self.epsilon)

  def _training_branch(self, inputs):
    axes = list(range(inputs.shape.ndims - 1))
    mean, variance = tf.nn.moments(inputs, axes)
    return self._normalize(inputs, mean, variance), mean, variance

  def call(self, inputs, training=False):
    inference = self._normalize(inputs, self.moving_mean,
                                self.moving_variance)
    if isinstance(training, bool) and not training:
      return inference
    normalized, mean, variance = self._training_branch(inputs)
    decay = 1. - self.momentum
    if isinstance(training, bool):
      outputs = normalized
      mean_update = self.moving_mean.assign_sub(
          (self.moving_mean - mean) * decay)
      variance_update = self.moving_variance.assign_sub(
          (self.moving_variance - variance) * decay)
    else:
      training = tf.convert_to_tensor(training)
      outputs = tf.cond(training, lambda: normalized, lambda: inference)
      # Not training: the update adds zero, so the averages stay put.
      decay = tf.where(training, decay, 0.)
      mean_update = self.moving_mean.assign_sub(
          (self.moving_mean - tf.stop_gradient(mean)) * decay)
      variance_update = self.moving_variance.assign_sub(
          (self.moving_variance - tf.stop_gradient(variance)) * decay)
    for update in (mean_update, variance_update):
      tf.compat.v1.add_to_collection(tf.compat.v1.GraphKeys.UPDATE_OPS,
                                     update)
    return outputs


def batch_normalization(inputs, training=False, momentum=0.99, epsilon=1e-3,
                        name=None, reuse=None):
  """Keras' `BatchNormalization()` on the last axis of `inputs`.

  Args:
    inputs: tensor of rank >= 2 with a known last dimension.
    training: Python bool or boolean scalar tensor: normalise by the
      batch's statistics (and update the moving averages through
      UPDATE_OPS), or by the moving averages.
    momentum: of the moving averages.
    epsilon: added to the variance.
    name: the scope; default `batch_normalization`, uniquified.
    reuse: reuse the variables of a layer of the same name.

  Returns:
    A tensor shaped like `inputs`.

  Raises:
    ValueError: if the last dimension of `inputs` is unknown.
  """
  layer = BatchNormalization(momentum=momentum, epsilon=epsilon, name=name,
                             _scope=name, _reuse=reuse)
  return layer(inputs, training=training)


class LayerNormalization(base_layer.Layer):
  """Keras' `LayerNormalization(axis=-1)` as a TF1 layer."""

  def __init__(self, epsilon=1e-3, name=None, **kwargs):
    super().__init__(name=name, **kwargs)
    self.epsilon = epsilon

  def _check_call_args(self, inputs, *args):
    del args
    _check_depth(inputs)

  def build(self, input_shape):
    depth = int(input_shape[-1])
    self.gamma = self.add_variable(
        "gamma", [depth], initializer=tf.compat.v1.ones_initializer())
    self.beta = self.add_variable(
        "beta", [depth], initializer=tf.compat.v1.zeros_initializer())

  def call(self, inputs):
    return layer_norm(inputs, self.gamma, self.beta, self.epsilon)


def layer_norm(inputs, gamma, beta, epsilon):
  """Normalises each example over the last axis, then `* gamma + beta`.

  The one layer normalisation of tf1seq: `LayerNormalization`, the
  Keras-layout LayerNorm SimpleRNN cell and `LayerNormBasicLSTMCell`
  (tf.contrib.rnn's, epsilon 1e-12) all compute it so.

  Args:
    inputs: a tensor; the statistics are over its last axis.
    gamma, beta: the scale and offset, shaped like the last axis.
    epsilon: added to the variance.
  """
  mean, variance = tf.nn.moments(inputs, axes=[-1], keepdims=True)
  return tf.nn.batch_normalization(inputs, mean, variance, beta, gamma,
                                   epsilon)


def layer_normalization(inputs, epsilon=1e-3, name=None, reuse=None):
  """Keras' `LayerNormalization()`: per example, over the last axis.

  Args:
    inputs: tensor of rank >= 2 with a known last dimension.
    epsilon: added to the variance.
    name: the scope; default `layer_normalization`, uniquified.
    reuse: reuse the variables of a layer of the same name.

  Returns:
    A tensor shaped like `inputs`.

  Raises:
    ValueError: if the last dimension of `inputs` is unknown.
  """
  layer = LayerNormalization(epsilon=epsilon, name=name, _scope=name,
                             _reuse=reuse)
  return layer(inputs)
