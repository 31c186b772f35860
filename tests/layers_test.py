"""tf1seq.layers.dense against TF1's `tf.compat.v1.layers.dense` (the oracle).

The oracle is `tensorflow.python.keras.legacy_tf_layers.core.dense`, TF1's
dense layer as TensorFlow 2.21 still ships it. Each graph is built with both,
checkpoints are exchanged both ways, and variable names, shapes, outputs,
gradients and regularization losses must agree.
"""

import inspect
import os
import sys

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

from tf1seq import layers

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import oracle  # pylint: disable=g-import-not-at-top,g-bad-import-order

ATOL = 1e-6


def both(build):
  """`(oracle's, tf1seq's)` results of `build(api)`, each in a new graph."""
  results = []
  for name in (oracle.ORACLE, oracle.TF1SEQ):
    with tf.Graph().as_default():
      results.append(build(oracle.api(name)))
  return results


class DenseTest(tf.test.TestCase, parameterized.TestCase):

  def assert_matches_oracle(self, build, both_ways=True):
    pair = oracle.compare_with_oracle(
        build, self.create_tempdir().full_path, both_ways=both_ways,
        label="dense")
    self.assertEqual(pair.variables[1], pair.variables[0])
    self.assertLessEqual(
        oracle.max_abs_difference(pair.expected, pair.actual), ATOL)
    if both_ways:
      self.assertLessEqual(oracle.max_abs_difference(
          pair.reverse_expected, pair.reverse_actual), ATOL)
    return pair

  @parameterized.parameters(
      dict(shape=[3, 4], units=2),
      dict(shape=[1, 1], units=1),
      dict(shape=[2, 5, 3], units=4),
      dict(shape=[2, 2, 3, 2], units=3),
      dict(shape=[3, 4], units=2, activation=tf.nn.relu),
      dict(shape=[2, 3, 4], units=2, use_bias=False, activation=tf.tanh))
  def test_matches_oracle(self, shape, units, **kwargs):
    def build(api):
      x = tf.constant(oracle.random_array(shape, 0))
      y = api.dense(x, units, **kwargs)
      y = api.dense(y, 2, activation=tf.sigmoid)
      loss = tf.reduce_sum(y * y * y)
      return {"outputs": y, "gradients": oracle.gradients(loss, x)}
    pair = self.assert_matches_oracle(build)
    self.assertEqual(pair.actual["outputs"].shape, tuple(shape[:-1]) + (2,))
    names = [name for name, _ in pair.variables[1]]
    if kwargs.get("use_bias", True):
      self.assertEqual(names, ["dense/kernel:0", "dense/bias:0",
                               "dense_1/kernel:0", "dense_1/bias:0"])
    else:
      self.assertEqual(names, ["dense/kernel:0", "dense_1/kernel:0",
                               "dense_1/bias:0"])
    self.assertEqual(pair.variables[1][0][1], [shape[-1], units])

  def test_names_and_shapes(self):
    with tf.Graph().as_default():
      x = tf.zeros([2, 3])
      layers.dense(x, 4)
      layers.dense(x, 5, use_bias=False)
      layers.dense(x, 6, name="logits")
      with tf.compat.v1.variable_scope("tower"):
        layers.dense(x, 7)
      layers.dense(x, 8)
      self.assertEqual(oracle.variable_names_and_shapes(), [
          ("dense/kernel:0", [3, 4]), ("dense/bias:0", [4]),
          ("dense_1/kernel:0", [3, 5]),
          ("logits/kernel:0", [3, 6]), ("logits/bias:0", [6]),
          ("tower/dense/kernel:0", [3, 7]), ("tower/dense/bias:0", [7]),
          ("dense_2/kernel:0", [3, 8]), ("dense_2/bias:0", [8])])

  def test_uniquification_matches_oracle(self):
    def build(api):
      x = tf.zeros([2, 3])
      api.dense(x, 4)
      api.dense(x, 4, name="dense_1")
      api.dense(x, 4)
      with tf.compat.v1.variable_scope("a"):
        api.dense(x, 2)
        api.dense(x, 2, name="out")
      return oracle.variable_names_and_shapes()
    expected, actual = both(build)
    self.assertEqual(actual, expected)

  def test_reentered_scope_without_reuse_raises_like_oracle(self):
    # TF1 numbers layer names per graph, not per scope entry: a second
    # `dense` in a re-entered scope is "dense" again and collides.
    def build(api):
      x = tf.zeros([2, 3])
      with tf.compat.v1.variable_scope("a"):
        api.dense(x, 2)
      with tf.compat.v1.variable_scope("a"):
        with self.assertRaisesRegex(ValueError,
                                    "a/dense/kernel already exists"):
          api.dense(x, 2)
      return oracle.variable_names_and_shapes()
    expected, actual = both(build)
    self.assertEqual(actual, expected)

  @parameterized.parameters("name_reuse", "scope_reuse", "auto_reuse",
                            "reuse_variables")
  def test_reuse_matches_oracle(self, how):
    def build(api):
      x = tf.constant(oracle.random_array([2, 3], 1))
      first = api.dense(x, 4, name="shared")
      if how == "name_reuse":
        second = api.dense(x, 4, name="shared", reuse=True)
      elif how == "scope_reuse":
        with tf.compat.v1.variable_scope(
            tf.compat.v1.get_variable_scope(), reuse=True):
          second = api.dense(x, 4, name="shared")
      elif how == "auto_reuse":
        with tf.compat.v1.variable_scope("s", reuse=tf.compat.v1.AUTO_REUSE):
          first = api.dense(x, 4, name="shared")
        with tf.compat.v1.variable_scope("s", reuse=tf.compat.v1.AUTO_REUSE):
          second = api.dense(x, 4, name="shared")
      else:
        with tf.compat.v1.variable_scope("t"):
          first = api.dense(x, 4, name="shared")
          tf.compat.v1.get_variable_scope().reuse_variables()
          second = api.dense(x, 4, name="shared")
      return {"first": first, "second": second}
    pair = self.assert_matches_oracle(build)
    self.assertLen(pair.variables[1], 2 if how != "auto_reuse" and
                   how != "reuse_variables" else 4)
    self.assertAllClose(pair.actual["second"], pair.actual["first"],
                        atol=ATOL)

  def test_same_name_without_reuse_raises_like_oracle(self):
    for name in (oracle.ORACLE, oracle.TF1SEQ):
      with tf.Graph().as_default():
        dense = oracle.api(name).dense
        dense(tf.zeros([1, 2]), 3, name="twice")
        with self.assertRaisesRegex(ValueError, r"twice/kernel.*already "
                                    r"exists"):
          dense(tf.zeros([1, 2]), 3, name="twice")

  def test_default_and_given_initializers_match_oracle(self):
    def build(api):
      x = tf.constant(oracle.random_array([2, 3], 2))
      with tf.compat.v1.variable_scope(
          "root", initializer=tf.compat.v1.constant_initializer(0.3)):
        default = api.dense(x, 2)
      given = api.dense(
          x, 2, kernel_initializer=tf.compat.v1.constant_initializer(-0.2),
          bias_initializer=tf.compat.v1.constant_initializer(0.7))
      return {"default": default, "given": given,
              "variables": tf.compat.v1.global_variables()}
    expected = oracle.run(build, oracle.ORACLE)
    actual = oracle.run(build, oracle.TF1SEQ)
    self.assertEqual(actual.variables, expected.variables)
    self.assertLessEqual(
        oracle.max_abs_difference(expected.values, actual.values), ATOL)
    self.assertAllEqual(actual.values["variables"][1], [0., 0.])

  def test_unknown_batch_and_time(self):
    def build(api):
      x = tf.compat.v1.placeholder_with_default(
          oracle.random_array([2, 3, 4], 3), [None, None, 4])
      y = api.dense(x, 5)
      return {"outputs": y, "static_shape": tf.constant(
          [-1 if d is None else d for d in y.shape.as_list()])}
    pair = self.assert_matches_oracle(build)
    self.assertAllEqual(pair.actual["static_shape"], [-1, -1, 5])
    self.assertEqual(pair.actual["outputs"].shape, (2, 3, 5))

  def test_float64(self):
    def build(api):
      x = tf.constant(oracle.random_array([3, 2], 4, np.float64))
      y = api.dense(x, 3, activation=tf.nn.softplus)
      return {"outputs": y,
              "gradients": oracle.gradients(tf.reduce_sum(y ** 2), x)}
    pair = self.assert_matches_oracle(build)
    self.assertEqual(pair.actual["outputs"].dtype, np.float64)
    with tf.Graph().as_default():
      layers.dense(tf.zeros([1, 2], tf.float64), 3)
      self.assertEqual(
          [v.dtype.base_dtype for v in tf.compat.v1.global_variables()],
          [tf.float64, tf.float64])

  def test_regularizers_match_oracle(self):
    def build(api):
      x = tf.constant(oracle.random_array([4, 3], 5))
      api.dense(x, 2, kernel_regularizer=tf.nn.l2_loss,
                bias_regularizer=lambda b: 3. * tf.reduce_sum(tf.abs(b)),
                activity_regularizer=tf.nn.l2_loss,
                bias_initializer=tf.compat.v1.constant_initializer(0.1))
      return tf.compat.v1.get_collection(
          tf.compat.v1.GraphKeys.REGULARIZATION_LOSSES)
    pair = self.assert_matches_oracle(build)
    self.assertLen(pair.actual, 3)

  def test_trainable_false_matches_oracle(self):
    def build(api):
      api.dense(tf.zeros([1, 2]), 3, trainable=False)
      api.dense(tf.zeros([1, 2]), 3)
      return ([v.name for v in tf.compat.v1.trainable_variables()],
              [v.name for v in tf.compat.v1.global_variables()])
    expected, actual = both(build)
    self.assertEqual(actual, expected)
    self.assertEqual(actual[0], ["dense_1/kernel:0", "dense_1/bias:0"])

  def test_constraints_are_on_the_variables(self):
    def build(api):
      api.dense(tf.zeros([1, 2]), 3,
                kernel_constraint=lambda k: tf.clip_by_value(k, -0.1, 0.1),
                bias_constraint=tf.nn.relu)
      return [v.constraint is not None
              for v in tf.compat.v1.global_variables()]
    expected, actual = both(build)
    self.assertEqual(actual, expected)
    self.assertEqual(actual, [True, True])

  def test_unknown_last_dimension(self):
    with tf.Graph().as_default():
      with self.assertRaisesRegex(
          ValueError, r"inputs\.shape\[-1\] must be known, got shape"):
        layers.dense(tf.compat.v1.placeholder(tf.float32, [2, None]), 3)

  def test_signature(self):
    def parameters(function):
      return [(p.name, p.default) for p in
              inspect.signature(function).parameters.values()]
    want = parameters(oracle.legacy_core.dense)
    got = parameters(layers.dense)
    self.assertEqual([name for name, _ in got], [name for name, _ in want])
    for (name, got_default), (_, want_default) in zip(got, want):
      if name == "bias_initializer":
        self.assertIsInstance(got_default,
                              type(tf.compat.v1.zeros_initializer()))
      else:
        self.assertEqual(got_default, want_default, msg=name)


class DropoutFlattenClassTest(tf.test.TestCase):

  def test_dropout_class_is_the_function(self):
    with tf.Graph().as_default():
      x = tf.ones([64, 50])
      training = tf.compat.v1.placeholder(tf.bool, [])
      layer = layers.Dropout(rate=0.5, seed=3)
      dropped = layer(x, training=training)
      kept = layer.apply(x)  # training defaults to False.
      with self.assertRaisesRegex(ValueError, r"rate must be in \[0, 1\), "
                                  r"got 1\.5"):
        layers.Dropout(rate=1.5)(x, training=True)
      with tf.compat.v1.Session() as session:
        on, off, plain = session.run(
            [dropped, layers.Dropout(0.5)(x, training=training), kept],
            {training: True})
        self.assertAllEqual(session.run(dropped, {training: False}),
                            np.ones([64, 50]))
    self.assertAllEqual(plain, np.ones([64, 50]))
    self.assertTrue(set(np.unique(on)) <= {0.0, 2.0})
    self.assertBetween(float((on == 0).mean()), 0.4, 0.6)
    self.assertTrue(set(np.unique(off)) <= {0.0, 2.0})

  def test_flatten_class_both_data_formats(self):
    values = np.arange(2 * 3 * 4 * 5, dtype=np.float32).reshape(2, 3, 4, 5)
    with tf.Graph().as_default():
      last = layers.Flatten()(values)
      first = layers.Flatten(data_format="channels_first")(values)
      unknown = layers.Flatten()(tf.compat.v1.placeholder_with_default(
          values, [None, None, 4, 5]))
      with tf.compat.v1.Session() as session:
        last, first, unknown = session.run([last, first, unknown])
    self.assertAllEqual(last, values.reshape(2, -1))
    self.assertAllEqual(unknown, values.reshape(2, -1))
    # channels_first: the channel axis (1) moves last before flattening.
    self.assertAllEqual(first, values.transpose(0, 2, 3, 1).reshape(2, -1))
    with self.assertRaisesRegex(ValueError, r"data_format must be "
                                r"'channels_last' or 'channels_first', got "
                                r"'nchw'"):
      layers.Flatten(data_format="nchw")


if __name__ == "__main__":
  tf.test.main()
