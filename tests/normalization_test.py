"""Batch and layer norm against Keras 3's layers (test-only oracle)."""

from absl.testing import parameterized
import keras
import numpy as np
import tensorflow as tf

from tf1seq.cells import keras_layout as keras_cells
from tf1seq import normalization
from tf1seq import sequence


def random_x(shape, seed=0):
  return np.random.RandomState(seed).normal(2., 3., shape).astype(np.float32)


class NormalizationTest(tf.test.TestCase, parameterized.TestCase):

  def test_batch_norm_matches_keras_in_both_modes(self):
    x = random_x((4, 5, 3))
    with tf.Graph().as_default():
      training = tf.compat.v1.placeholder_with_default(False, [])
      y = normalization.batch_normalization(x, training=training)
      updates = tf.compat.v1.get_collection(
          tf.compat.v1.GraphKeys.UPDATE_OPS)
      variables = tf.compat.v1.global_variables()
      self.assertEqual([v.op.name for v in variables], [
          "batch_normalization/gamma", "batch_normalization/beta",
          "batch_normalization/moving_mean",
          "batch_normalization/moving_variance"])
      self.assertLen(updates, 2)
      with self.session() as session:
        session.run(tf.compat.v1.global_variables_initializer())
        for v, value in zip(variables[:2], ([1., 2., 3.], [-1., 0., 1.])):
          v.load(value, session)
        inference_before = session.run(y)
        trained = session.run([y] + updates, {training: True})[0]
        inference_after = session.run(y)
        weights = session.run(variables)
    layer = keras.layers.BatchNormalization()
    layer.build((None, 5, 3))
    layer.set_weights([weights[0], weights[1], np.zeros(3), np.ones(3)])
    self.assertAllClose(inference_before, layer(x, training=False).numpy(),
                        atol=1e-5)
    self.assertAllClose(trained, layer(x, training=True).numpy(), atol=1e-5)
    # Keras' call with training=True updated its moving statistics too.
    self.assertAllClose(weights[2:], [w.numpy() for w in layer.weights[2:]],
                        atol=1e-6)
    self.assertAllClose(inference_after, layer(x, training=False).numpy(),
                        atol=1e-5)

  def test_batch_norm_python_bool(self):
    x = random_x((6, 2))
    with tf.Graph().as_default():
      y = normalization.batch_normalization(x, training=True)
      z = normalization.batch_normalization(x, training=False)
      self.assertLen(tf.compat.v1.get_collection(
          tf.compat.v1.GraphKeys.UPDATE_OPS), 2)   # Only the training one.
      with self.session() as session:
        session.run(tf.compat.v1.global_variables_initializer())
        y, z = session.run([y, z])
    mean, var = x.mean(0), x.var(0)
    self.assertAllClose(y, (x - mean) / np.sqrt(var + 1e-3), atol=1e-5)
    self.assertAllClose(z, x / np.sqrt(1. + 1e-3), atol=1e-5)

  def test_layer_norm_matches_keras(self):
    x = random_x((2, 4, 5))
    with tf.Graph().as_default():
      y = normalization.layer_normalization(x)
      with self.session() as session:
        session.run(tf.compat.v1.global_variables_initializer())
        gamma, beta = tf.compat.v1.global_variables()
        gamma.load(np.arange(5.), session)
        beta.load(np.ones(5), session)
        y = session.run(y)
    layer = keras.layers.LayerNormalization()
    layer.build((None, 4, 5))
    layer.set_weights([np.arange(5.), np.ones(5)])
    self.assertAllClose(y, layer(x).numpy(), atol=1e-5)

  def test_batch_norm_between_recurrent_layers(self):
    # The time-series chapter's BatchNorm RNN: the first layer's sequence is normalised
    # over batch and time before the second layer.
    x = random_x((3, 6, 1))
    with tf.Graph().as_default():
      cells = [keras_cells.SimpleRNNCell(4), keras_cells.SimpleRNNCell(2)]
      normalized = []

      def batch_norm(h, index):
        del index
        normalized.append(h)
        return normalization.batch_normalization(h, training=True)

      y = sequence.stacked_rnn(cells, x, return_sequences=True,
                               between_layers=batch_norm)
      second = tf.compat.v1.nn.dynamic_rnn(
          cells[1], normalization.batch_normalization(
              normalized[0], training=True, name="batch_normalization",
              reuse=True), dtype=tf.float32)[0]
      with self.session() as session:
        session.run(tf.compat.v1.global_variables_initializer())
        y, second = session.run([y, second])
    self.assertEqual(y.shape, (3, 6, 2))
    self.assertAllClose(y, second, atol=1e-6)

  def test_errors(self):
    with tf.Graph().as_default():
      with self.assertRaisesRegex(ValueError, "known last dimension, got "
                                  r"shape \(3,\)"):
        normalization.batch_normalization(tf.zeros([3]))
      with self.assertRaisesRegex(ValueError, r"momentum must be in \[0, 1\]"):
        normalization.batch_normalization(tf.zeros([3, 2]), momentum=2.)
      with self.assertRaisesRegex(ValueError, "known last dimension"):
        normalization.layer_normalization(
            tf.compat.v1.placeholder(tf.float32, [2, None]))


if __name__ == "__main__":
  tf.test.main()
