"""tf1seq.conv against Keras 3's Conv1D (test-only oracle) and numpy."""

from absl.testing import parameterized
import keras
import numpy as np
import tensorflow as tf

from tf1seq import conv


def random_x(shape, seed=0):
  return np.random.RandomState(seed).uniform(-1, 1, shape).astype(np.float32)


class ConvTest(tf.test.TestCase, parameterized.TestCase):

  def run_graph(self, fetches, feed=None):
    with self.session() as session:
      session.run(tf.compat.v1.global_variables_initializer())
      return session.run(fetches, feed)

  @parameterized.parameters(
      ("valid", 1, 1), ("valid", 2, 1), ("same", 1, 1), ("causal", 1, 1),
      ("causal", 1, 4), ("valid", 1, 2))
  def test_conv1d_matches_keras(self, padding, strides, dilation_rate):
    x = random_x((2, 11, 3))
    with tf.Graph().as_default():
      y = conv.conv1d(x, 4, 3, strides=strides, padding=padding,
                      dilation_rate=dilation_rate, activation=tf.nn.relu,
                      bias_initializer=tf.compat.v1.constant_initializer(0.1))
      variables = tf.compat.v1.trainable_variables()
      self.assertEqual([(v.op.name, v.shape.as_list()) for v in variables],
                       [("conv1d/kernel", [3, 3, 4]), ("conv1d/bias", [4])])
      y, weights = self.run_graph([y, variables])
    layer = keras.layers.Conv1D(4, 3, strides=strides, padding=padding,
                                dilation_rate=dilation_rate,
                                activation="relu")
    layer.build((None, 11, 3))
    layer.set_weights(weights)
    self.assertAllClose(y, layer(x).numpy(), atol=1e-5)

  def test_seed_conv_shortens_sequence(self):
    # The time-series chapter: Conv1D(20, kernel_size=4, strides=2, "valid") on 50 steps.
    with tf.Graph().as_default():
      y = conv.conv1d(tf.zeros([1, 50, 1]), 20, 4, strides=2)
      z = conv.conv1d(y, 5, 1)
      names = [v.op.name for v in tf.compat.v1.global_variables()]
      self.assertEqual(y.shape.as_list(), [1, 24, 20])
    self.assertEqual(names, ["conv1d/kernel", "conv1d/bias",
                             "conv1d_1/kernel", "conv1d_1/bias"])
    del z

  def test_wavenet_is_causal_with_its_receptive_field(self):
    # Rates 1, 2, 4, 8 twice with kernel 2: 1 + 30 steps of receptive field.
    x = random_x((1, 40, 1))
    with tf.Graph().as_default():
      inputs = tf.compat.v1.placeholder(tf.float32, [1, None, 1])
      y = conv.wavenet(inputs, filters=4, rates=(1, 2, 4, 8) * 2, outputs=3,
                       activation=tf.tanh)
      with self.session() as session:
        session.run(tf.compat.v1.global_variables_initializer())
        base = session.run(y, {inputs: x})
        future = x.copy()
        future[:, 35:] += 1.       # Changing steps >= 35 ...
        changed = session.run(y, {inputs: future})
        past = x.copy()
        past[:, 4] += 1.           # ... or step 4.
        changed_past = session.run(y, {inputs: past})
    self.assertEqual(base.shape, (1, 40, 3))
    self.assertAllClose(changed[:, :35], base[:, :35])   # Causal.
    self.assertNotAllClose(changed[:, 35:], base[:, 35:])
    self.assertNotAllClose(changed_past[:, 34], base[:, 34])  # 4 + 30.
    self.assertAllClose(changed_past[:, 35:], base[:, 35:])   # Out of reach.

  def test_gated_activation_unit_is_seed_formula(self):
    x = random_x((2, 3, 6))
    with tf.Graph().as_default():
      y = self.run_graph(conv.gated_activation_unit(tf.constant(x)))
    expected = np.tanh(np.tanh(x[..., :3])) / (1. + np.exp(-x[..., 3:]))
    self.assertAllClose(y, expected, atol=1e-6)

  def test_original_wavenet(self):
    with tf.Graph().as_default():
      y = conv.original_wavenet(tf.constant(random_x((2, 9, 1))),
                                layers_per_block=3, blocks=1, filters=8,
                                outputs=10)
      count = sum(v.shape.num_elements()
                  for v in tf.compat.v1.trainable_variables())
      y = self.run_graph(y)
    self.assertEqual(y.shape, (2, 9, 10))
    self.assertAllClose(y.sum(-1), np.ones((2, 9)), atol=1e-5)  # Softmax.
    # As Keras counts the tutorial's model (input conv, 3 blocks, 2 outputs).
    expected = ((2 * 1 * 8 + 8) + 3 * ((2 * 8 * 16 + 16) + (8 * 8 + 8)) +
                (8 * 8 + 8) + (8 * 10 + 10))
    self.assertEqual(count, expected)

  @parameterized.parameters(
      (dict(filters=0, kernel_size=2), r"filters must be a positive int"),
      (dict(filters=2, kernel_size=2, padding="full"),
       r"padding must be one of \('valid', 'same', 'causal'\), got 'full'"),
      (dict(filters=2, kernel_size=2, strides=2, dilation_rate=2),
       r"strides and dilation_rate cannot both be > 1"))
  def test_bad_arguments(self, kwargs, message):
    with tf.Graph().as_default():
      with self.assertRaisesRegex(ValueError, message):
        conv.conv1d(tf.zeros([1, 5, 1]), **kwargs)

  def test_bad_inputs(self):
    with tf.Graph().as_default():
      with self.assertRaisesRegex(ValueError, r"inputs must be \[batch, time,"
                                  r" channels\] with known channels"):
        conv.conv1d(tf.zeros([5, 1]), 2, 2)
      with self.assertRaisesRegex(ValueError, r"must be known and even"):
        conv.gated_activation_unit(tf.zeros([1, 2, 3]))
      with self.assertRaisesRegex(ValueError, r"rates must list"):
        conv.wavenet(tf.zeros([1, 5, 1]), rates=())


if __name__ == "__main__":
  tf.test.main()
