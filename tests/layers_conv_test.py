"""Tests for tf1seq.layers_conv against TensorFlow 1.15's tf.layers.

The fixtures (tests/testdata/layers_conv/expected.npz, written by
tests/testdata/make_layers_conv_fixtures.py under TensorFlow 1.15) hold the
inputs, weights, outputs, moving averages after one update, variable names
and the UPDATE_OPS count of the same graph built with tf.layers.
V1BehaviourTest runs them again in a fresh process after
disable_v2_behavior() (shapes of Dimension objects, v1 control flow).
"""

import os
import subprocess
import sys

import numpy as np
import tensorflow as tf

_V1_SWITCH = "LAYERS_CONV_TEST_V1_BEHAVIOUR"
if os.environ.get(_V1_SWITCH) == "1":
  tf.compat.v1.disable_v2_behavior()

from tf1seq import layers_conv  # pylint: disable=g-import-not-at-top

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                        "testdata", "layers_conv", "expected.npz")
ATOL = 1e-5


def load():
  with np.load(FIXTURES) as data:
    return {name: data[name] for name in data.files}


def build(data):
  """The fixture generator's graph, with tf1seq.layers_conv."""
  c = tf.compat.v1.constant_initializer
  x1 = tf.constant(data["x1"])
  x2 = tf.constant(data["x2"])
  out = {}
  kw1 = dict(kernel_initializer=c(data["k1"]), bias_initializer=c(data["b1"]))
  kw2 = dict(kernel_initializer=c(data["k2"]), bias_initializer=c(data["b2"]))
  out["conv1d_same_s2"] = layers_conv.conv1d(
      x1, 4, 3, strides=2, padding="same", **kw1)
  out["conv1d_valid_d2_relu"] = layers_conv.conv1d(
      x1, 4, 3, dilation_rate=2, activation=tf.nn.relu, **kw1)
  out["conv2d_same_s21"] = layers_conv.conv2d(
      x2, 4, (3, 2), strides=(2, 1), padding="same", **kw2)
  out["conv2d_valid_d21"] = layers_conv.conv2d(
      x2, 4, [3, 2], dilation_rate=(2, 1), use_bias=False, **kw2)
  out["conv2d_class"] = layers_conv.Conv2D(4, (3, 2), **kw2)(x2)
  out["max1d_valid"] = layers_conv.max_pooling1d(x1, 2, 2)
  out["max1d_same"] = layers_conv.max_pooling1d(x1, 3, 2, padding="same")
  out["avg1d_same"] = layers_conv.average_pooling1d(x1, 3, 2, padding="same")
  out["max2d_valid"] = layers_conv.max_pooling2d(x2, (2, 2), (2, 1))
  out["max2d_same"] = layers_conv.max_pooling2d(x2, 3, 2, padding="same")
  out["avg2d_same"] = layers_conv.average_pooling2d(x2, (3, 2), 2,
                                                    padding="same")
  out["max2d_class"] = layers_conv.MaxPooling2D(2, 2)(x2)
  x3 = tf.constant(data["x3"])
  kw3 = dict(kernel_initializer=c(data["k3"]), bias_initializer=c(data["b3"]))
  out["conv3d_same_s121"] = layers_conv.conv3d(
      x3, 3, (2, 3, 2), strides=(1, 2, 1), padding="same", **kw3)
  out["conv3d_valid_d2_relu"] = layers_conv.conv3d(
      x3, 3, (2, 3, 2), dilation_rate=(2, 1, 1), activation=tf.nn.relu,
      **kw3)
  kwt2 = dict(kernel_initializer=c(data["kt2"]),
              bias_initializer=c(data["b2"]))
  out["conv2dt_valid_s21"] = layers_conv.conv2d_transpose(
      x2, 4, (3, 2), strides=(2, 1), **kwt2)
  out["conv2dt_same_s2_relu"] = layers_conv.conv2d_transpose(
      x2, 4, (3, 2), strides=2, padding="same", activation=tf.nn.relu,
      **kwt2)
  out["conv2dt_class"] = layers_conv.Conv2DTranspose(
      4, (3, 2), use_bias=False, **kwt2)(x2)
  out["conv3dt_same_s212"] = layers_conv.conv3d_transpose(
      x3, 3, 2, strides=(2, 1, 2), padding="same",
      kernel_initializer=c(data["kt3"]), bias_initializer=c(data["b3"]))
  kws1 = dict(depthwise_initializer=c(data["dw1"]),
              pointwise_initializer=c(data["pw1"]),
              bias_initializer=c(data["b1"]))
  out["sep1d_same_s2"] = layers_conv.separable_conv1d(
      x1, 4, 3, strides=2, padding="same", depth_multiplier=2, **kws1)
  out["sep1d_valid_d2"] = layers_conv.separable_conv1d(
      x1, 4, 3, dilation_rate=2, depth_multiplier=2, **kws1)
  kws2 = dict(depthwise_initializer=c(data["dw2"]),
              pointwise_initializer=c(data["pw2"]),
              bias_initializer=c(data["b2"]))
  out["sep2d_same_s2_relu"] = layers_conv.separable_conv2d(
      x2, 4, 3, strides=2, padding="same", depth_multiplier=2,
      activation=tf.nn.relu, **kws2)
  out["sep2d_valid_d2"] = layers_conv.separable_conv2d(
      x2, 4, 3, dilation_rate=2, depth_multiplier=2, use_bias=False, **kws2)
  out["sep2d_class"] = layers_conv.SeparableConv2D(
      4, 3, depth_multiplier=2, **kws2)(x2)
  out["max3d_valid"] = layers_conv.max_pooling3d(x3, 2, (2, 1, 2))
  out["avg3d_same"] = layers_conv.average_pooling3d(
      x3, (2, 3, 2), 2, padding="same")
  out["max3d_class"] = layers_conv.MaxPooling3D(2, 2, padding="same")(x3)
  bn = dict(gamma_initializer=c(data["gamma"]),
            beta_initializer=c(data["beta"]),
            moving_mean_initializer=c(data["mm"]),
            moving_variance_initializer=c(data["mv"]), momentum=0.9)
  out["bn3_train"] = layers_conv.batch_normalization(
      tf.constant(data["bn3"]), training=True, name="bn3", **bn)
  out["bn3_infer"] = layers_conv.batch_normalization(
      tf.constant(data["bn3"]), training=False, name="bn3_infer", **bn)
  bn4 = dict(bn, gamma_initializer=c(data["gamma"][:2]),
             beta_initializer=c(data["beta"][:2]),
             moving_mean_initializer=c(data["mm"][:2]),
             moving_variance_initializer=c(data["mv"][:2]))
  out["bn4_train"] = layers_conv.batch_normalization(
      tf.constant(data["bn4"]), training=True, name="bn4", **bn4)
  axis1 = dict(bn, gamma_initializer=c(data["gamma4"]),
               beta_initializer=c(data["beta4"]),
               moving_mean_initializer=c(data["mm4"]),
               moving_variance_initializer=c(data["mv4"]))
  out["bn4_axis1_infer"] = layers_conv.batch_normalization(
      tf.constant(data["bn4"]), axis=1, training=False, fused=False,
      name="bn4_axis1", **axis1)
  out["bn4_axis1_train"] = layers_conv.batch_normalization(
      tf.constant(data["bn4"]), axis=1, training=True, fused=False,
      name="bn4_axis1_train", **axis1)
  is_training = tf.compat.v1.placeholder(tf.bool, [])
  out["bn3_fed"] = layers_conv.BatchNormalization(
      name="bn3_fed", epsilon=0.01, center=False,
      **{k: v for k, v in bn.items() if k != "beta_initializer"})(
          tf.constant(data["bn3"]), training=is_training)
  return out, is_training


class LayersConvTest(tf.test.TestCase):

  @classmethod
  def setUpClass(cls):
    super().setUpClass()
    cls.data = load()

  def test_outputs_moving_averages_and_names_match_tf1(self):
    data = self.data
    with tf.Graph().as_default():
      out, is_training = build(data)
      update_ops = tf.compat.v1.get_collection(
          tf.compat.v1.GraphKeys.UPDATE_OPS)
      self.assertLen(update_ops, int(data["update_ops_count"]))
      self.assertEqual(
          sorted(v.op.name for v in tf.compat.v1.global_variables()),
          list(data["global_names"]))
      self.assertEqual(
          sorted(v.op.name for v in tf.compat.v1.trainable_variables()),
          list(data["trainable_names"]))
      with tf.compat.v1.Session() as sess:
        sess.run(tf.compat.v1.global_variables_initializer())
        names = sorted(out)
        for training in (True, False):
          values = sess.run([out[n] for n in names], {is_training: training})
          for name, value in zip(names, values):
            if name == "bn3_fed":
              name += "_%s" % ("train" if training else "infer")
            expected = data["out_" + name]
            self.assertEqual(value.shape, expected.shape, name)
            self.assertAllClose(value, expected, atol=ATOL, rtol=0,
                                msg=name)
        sess.run(update_ops, {is_training: True})
        sess.run([u for u in update_ops if u.name.startswith("bn3_fed/")],
                 {is_training: False})
        variables = {v.op.name: v for v in tf.compat.v1.global_variables()}
        for scope in ("bn3", "bn4", "bn3_fed", "bn4_axis1_train"):
          mean, variance = sess.run([variables[scope + "/moving_mean"],
                                     variables[scope + "/moving_variance"]])
          self.assertAllClose(mean, data["moving_mean_" + scope], atol=ATOL,
                              rtol=0, msg=scope)
          self.assertAllClose(variance, data["moving_variance_" + scope],
                              atol=ATOL, rtol=0, msg=scope)

  def test_channels_first_is_the_transposed_channels_last(self):
    data = self.data
    c = tf.compat.v1.constant_initializer
    with tf.Graph().as_default():
      x1 = tf.transpose(tf.constant(data["x1"]), [0, 2, 1])
      x2 = tf.transpose(tf.constant(data["x2"]), [0, 3, 1, 2])
      conv1 = layers_conv.conv1d(
          x1, 4, 3, strides=2, padding="SAME", data_format="channels_first",
          kernel_initializer=c(data["k1"]), bias_initializer=c(data["b1"]))
      conv2 = layers_conv.conv2d(
          x2, 4, (3, 2), strides=(2, 1), padding="same",
          data_format="channels_first", kernel_initializer=c(data["k2"]),
          bias_initializer=c(data["b2"]))
      pool = layers_conv.average_pooling2d(x2, (3, 2), 2, padding="same",
                                           data_format="channels_first")
      self.assertEqual(conv2.shape.as_list(), [2, 4, 3, 5])
      with tf.compat.v1.Session() as sess:
        sess.run(tf.compat.v1.global_variables_initializer())
        conv1, conv2, pool = sess.run([conv1, conv2, pool])
    self.assertAllClose(conv1, data["out_conv1d_same_s2"].transpose(0, 2, 1),
                        atol=ATOL, rtol=0)
    self.assertAllClose(conv2,
                        data["out_conv2d_same_s21"].transpose(0, 3, 1, 2),
                        atol=ATOL, rtol=0)
    self.assertAllClose(pool, data["out_avg2d_same"].transpose(0, 3, 1, 2),
                        atol=ATOL, rtol=0)

  def test_channels_first_new_forms_are_the_transposed_channels_last(self):
    data = self.data
    c = tf.compat.v1.constant_initializer
    first = {}
    with tf.Graph().as_default():
      x1 = tf.transpose(tf.constant(data["x1"]), [0, 2, 1])
      x2 = tf.transpose(tf.constant(data["x2"]), [0, 3, 1, 2])
      x3 = tf.transpose(tf.constant(data["x3"]), [0, 4, 1, 2, 3])
      cf = dict(data_format="channels_first")
      first["conv3d_same_s121"] = layers_conv.conv3d(
          x3, 3, (2, 3, 2), strides=(1, 2, 1), padding="same",
          kernel_initializer=c(data["k3"]), bias_initializer=c(data["b3"]),
          **cf)
      first["conv2dt_valid_s21"] = layers_conv.conv2d_transpose(
          x2, 4, (3, 2), strides=(2, 1), kernel_initializer=c(data["kt2"]),
          bias_initializer=c(data["b2"]), **cf)
      first["sep1d_same_s2"] = layers_conv.separable_conv1d(
          x1, 4, 3, strides=2, padding="same", depth_multiplier=2,
          depthwise_initializer=c(data["dw1"]),
          pointwise_initializer=c(data["pw1"]),
          bias_initializer=c(data["b1"]), **cf)
      first["sep2d_valid_d2"] = layers_conv.separable_conv2d(
          x2, 4, 3, dilation_rate=2, depth_multiplier=2, use_bias=False,
          depthwise_initializer=c(data["dw2"]),
          pointwise_initializer=c(data["pw2"]), **cf)
      first["avg3d_same"] = layers_conv.average_pooling3d(
          x3, (2, 3, 2), 2, padding="same", **cf)
      self.assertEqual(first["conv2dt_valid_s21"].shape.as_list(),
                       [2, 4, 13, 6])
      with tf.compat.v1.Session() as sess:
        sess.run(tf.compat.v1.global_variables_initializer())
        first = sess.run(first)
    for name, value in first.items():
      last = data["out_" + name]
      order = [0, last.ndim - 1] + list(range(1, last.ndim - 1))
      self.assertAllClose(value, last.transpose(order), atol=ATOL, rtol=0,
                          msg=name)

  def test_transposed_unknown_batch_and_spatial_lengths(self):
    data = self.data
    c = tf.compat.v1.constant_initializer
    with tf.Graph().as_default():
      x = tf.compat.v1.placeholder(tf.float32, [None, None, 5, 3])
      y = layers_conv.conv2d_transpose(
          x, 4, (3, 2), strides=(2, 1), kernel_initializer=c(data["kt2"]),
          bias_initializer=c(data["b2"]))
      self.assertEqual(y.shape.as_list(), [None, None, 6, 4])
      with tf.compat.v1.Session() as sess:
        sess.run(tf.compat.v1.global_variables_initializer())
        value = sess.run(y, {x: data["x2"]})
    self.assertAllClose(value, data["out_conv2dt_valid_s21"], atol=ATOL,
                        rtol=0)

  def test_reuse_and_class_properties(self):
    with tf.Graph().as_default():
      x = tf.zeros([2, 5, 5, 3])
      layers_conv.conv2d(x, 4, 3, name="shared")
      layers_conv.conv2d(x, 4, 3, name="shared", reuse=True)
      layer = layers_conv.BatchNormalization()
      layer(x, training=True)
      self.assertEqual([v.op.name for v in layer.trainable_weights],
                       ["batch_normalization/gamma",
                        "batch_normalization/beta"])
      self.assertEqual([v.op.name for v in layer.non_trainable_weights],
                       ["batch_normalization/moving_mean",
                        "batch_normalization/moving_variance"])
      self.assertLen(layer.updates, 2)
      self.assertEqual(
          sorted(v.op.name for v in tf.compat.v1.global_variables())[:2],
          ["batch_normalization/beta", "batch_normalization/gamma"])
      self.assertLen(tf.compat.v1.global_variables(), 6)

  def test_bad_arguments(self):
    with tf.Graph().as_default():
      x = tf.zeros([2, 5, 3])
      with self.assertRaisesRegex(ValueError,
                                  r"^filters must be a positive int, got 0"):
        layers_conv.conv1d(x, 0, 3)
      with self.assertRaisesRegex(
          ValueError, r"^kernel_size must be a positive int or 2 positive "
          r"ints, got \(3, 0\)"):
        layers_conv.conv2d(tf.zeros([1, 4, 4, 1]), 2, (3, 0))
      with self.assertRaisesRegex(ValueError, r"^padding must be one of "
                                  r"\('valid', 'same'\), got 'causal'"):
        layers_conv.conv1d(x, 2, 3, padding="causal")
      with self.assertRaisesRegex(ValueError, r"^data_format must be one of"):
        layers_conv.max_pooling1d(x, 2, 2, data_format="NWC")
      with self.assertRaisesRegex(ValueError, r"^strides > 1 and "
                                  r"dilation_rate > 1 cannot be combined"):
        layers_conv.conv1d(x, 2, 3, strides=2, dilation_rate=2)
      with self.assertRaisesRegex(ValueError, r"^inputs must have rank 4, "
                                  r"got shape \(2, 5, 3\)"):
        layers_conv.conv2d(x, 2, 3)
      with self.assertRaisesRegex(ValueError, r"^inputs must have rank 5, "
                                  r"got shape \(2, 5, 3\)"):
        layers_conv.conv3d_transpose(x, 2, 3)
      with self.assertRaisesRegex(
          ValueError, r"^depth_multiplier must be a positive int, got 0"):
        layers_conv.separable_conv1d(x, 2, 3, depth_multiplier=0)
      with self.assertRaisesRegex(TypeError, r"dilation_rate"):
        layers_conv.conv2d_transpose(tf.zeros([1, 4, 4, 1]), 2, 3,
                                     dilation_rate=2)
      with self.assertRaisesRegex(ValueError, r"^renorm is not supported"):
        layers_conv.batch_normalization(x, renorm=True)
      with self.assertRaisesRegex(ValueError, r"^fused=True needs a 4-D "
                                  r"input normalised over axis 1 or 3"):
        layers_conv.batch_normalization(x, fused=True)
      with self.assertRaisesRegex(ValueError, r"^axis must name distinct "
                                  r"non-batch axes"):
        layers_conv.batch_normalization(x, axis=0)
      with self.assertRaisesRegex(TypeError, r"^training must be a bool or "
                                  r"a boolean tensor, got float32"):
        layers_conv.batch_normalization(x, training=tf.constant(1.0))


class PatchTest(tf.test.TestCase):

  def test_tf_layers_names_after_patch(self):
    import tf1seq  # pylint: disable=g-import-not-at-top
    with tf1seq.patch():
      for name in layers_conv.TF1_NAMES:
        self.assertIs(getattr(tf.compat.v1.layers, name),
                      getattr(layers_conv, name))
      with tf.Graph().as_default():
        h = tf.compat.v1.layers.conv1d(tf.zeros([2, 9, 3]), 4, 3)
        h = tf.compat.v1.layers.max_pooling1d(h, 2, 2)
        h = tf.compat.v1.layers.batch_normalization(h, training=True)
        self.assertEqual(h.shape.as_list(), [2, 3, 4])
        self.assertLen(tf.compat.v1.get_collection(
            tf.compat.v1.GraphKeys.UPDATE_OPS), 2)


class V1BehaviourTest(tf.test.TestCase):

  def test_same_results_after_disable_v2_behavior(self):
    if os.environ.get(_V1_SWITCH) == "1":
      self.skipTest("already the v1-behaviour run")
    result = subprocess.run(
        [sys.executable, os.path.abspath(__file__), "LayersConvTest"],
        env=dict(os.environ, **{_V1_SWITCH: "1"}), capture_output=True,
        text=True, timeout=600, check=False)
    self.assertEqual(result.returncode, 0, result.stderr[-3000:])
    self.assertRegex(result.stderr,
                     r"\[       OK \] LayersConvTest\.test_outputs")
    self.assertRegex(result.stderr, r"Ran \d+ tests in .*\n\nOK")


if __name__ == "__main__":
  tf.test.main()
