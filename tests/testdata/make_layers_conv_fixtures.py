"""Writes tests/testdata/layers_conv/expected.npz with TensorFlow 1.15.

  /work/tf115/bin/python tests/testdata/make_layers_conv_fixtures.py

TensorFlow 1.15's tf.layers convolutions, poolings and batch normalization
on small fixed inputs with fixed weights (constant initializers), and the
variable names and UPDATE_OPS count of a graph that uses them all.
TensorFlow 1.15 runs channels_first convolutions and poolings only on GPUs,
so those are tested against the transposed channels_last results.
"""

import os

import numpy as np
import tensorflow as tf

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "layers_conv", "expected.npz")


def main():
  rng = np.random.RandomState(7)
  data = {
      "x1": rng.randn(2, 7, 3).astype(np.float32),
      "x2": rng.randn(2, 6, 5, 3).astype(np.float32),
      "k1": rng.randn(3, 3, 4).astype(np.float32),
      "b1": rng.randn(4).astype(np.float32),
      "k2": rng.randn(3, 2, 3, 4).astype(np.float32),
      "b2": rng.randn(4).astype(np.float32),
      "bn3": (rng.randn(4, 5, 3) * 2 + 1).astype(np.float32),
      "bn4": (rng.randn(3, 4, 4, 2) * 2 - 1).astype(np.float32),
      "gamma": rng.rand(3).astype(np.float32) + 0.5,
      "beta": rng.randn(3).astype(np.float32),
      "mm": rng.randn(3).astype(np.float32),
      "mv": rng.rand(3).astype(np.float32) + 0.5,
      "gamma4": rng.rand(4).astype(np.float32) + 0.5,
      "beta4": rng.randn(4).astype(np.float32),
      "mm4": rng.randn(4).astype(np.float32),
      "mv4": rng.rand(4).astype(np.float32) + 0.5,
  }
  data.update({
      "x3": rng.randn(2, 4, 5, 4, 2).astype(np.float32),
      "k3": rng.randn(2, 3, 2, 2, 3).astype(np.float32),
      "b3": rng.randn(3).astype(np.float32),
      "kt2": rng.randn(3, 2, 4, 3).astype(np.float32),
      "kt3": rng.randn(2, 2, 2, 3, 2).astype(np.float32),
      "dw1": rng.randn(3, 3, 2).astype(np.float32),
      "pw1": rng.randn(1, 6, 4).astype(np.float32),
      "dw2": rng.randn(3, 3, 3, 2).astype(np.float32),
      "pw2": rng.randn(1, 1, 6, 4).astype(np.float32),
  })
  c = tf.constant_initializer
  with tf.Graph().as_default():
    x1 = tf.constant(data["x1"])
    x2 = tf.constant(data["x2"])
    outputs = {}
    kw1 = dict(kernel_initializer=c(data["k1"]), bias_initializer=c(data["b1"]))
    kw2 = dict(kernel_initializer=c(data["k2"]), bias_initializer=c(data["b2"]))
    outputs["conv1d_same_s2"] = tf.layers.conv1d(
        x1, 4, 3, strides=2, padding="same", **kw1)
    outputs["conv1d_valid_d2_relu"] = tf.layers.conv1d(
        x1, 4, 3, dilation_rate=2, activation=tf.nn.relu, **kw1)
    outputs["conv2d_same_s21"] = tf.layers.conv2d(
        x2, 4, (3, 2), strides=(2, 1), padding="same", **kw2)
    outputs["conv2d_valid_d21"] = tf.layers.conv2d(
        x2, 4, [3, 2], dilation_rate=(2, 1), use_bias=False, **kw2)
    outputs["conv2d_class"] = tf.layers.Conv2D(4, (3, 2), **kw2)(x2)
    outputs["max1d_valid"] = tf.layers.max_pooling1d(x1, 2, 2)
    outputs["max1d_same"] = tf.layers.max_pooling1d(x1, 3, 2, padding="same")
    outputs["avg1d_same"] = tf.layers.average_pooling1d(x1, 3, 2,
                                                        padding="same")
    outputs["max2d_valid"] = tf.layers.max_pooling2d(x2, (2, 2), (2, 1))
    outputs["max2d_same"] = tf.layers.max_pooling2d(x2, 3, 2, padding="same")
    outputs["avg2d_same"] = tf.layers.average_pooling2d(x2, (3, 2), 2,
                                                        padding="same")
    outputs["max2d_class"] = tf.layers.MaxPooling2D(2, 2)(x2)
    # 3-D, transposed and separable convolutions, 3-D poolings.
    x3 = tf.constant(data["x3"])
    kw3 = dict(kernel_initializer=c(data["k3"]), bias_initializer=c(data["b3"]))
    outputs["conv3d_same_s121"] = tf.layers.conv3d(
        x3, 3, (2, 3, 2), strides=(1, 2, 1), padding="same", **kw3)
    outputs["conv3d_valid_d2_relu"] = tf.layers.conv3d(
        x3, 3, (2, 3, 2), dilation_rate=(2, 1, 1), activation=tf.nn.relu,
        **kw3)
    kwt2 = dict(kernel_initializer=c(data["kt2"]),
                bias_initializer=c(data["b2"]))
    outputs["conv2dt_valid_s21"] = tf.layers.conv2d_transpose(
        x2, 4, (3, 2), strides=(2, 1), **kwt2)
    outputs["conv2dt_same_s2_relu"] = tf.layers.conv2d_transpose(
        x2, 4, (3, 2), strides=2, padding="same", activation=tf.nn.relu,
        **kwt2)
    outputs["conv2dt_class"] = tf.layers.Conv2DTranspose(
        4, (3, 2), use_bias=False, **kwt2)(x2)
    outputs["conv3dt_same_s212"] = tf.layers.conv3d_transpose(
        x3, 3, 2, strides=(2, 1, 2), padding="same",
        kernel_initializer=c(data["kt3"]), bias_initializer=c(data["b3"]))
    kws1 = dict(depthwise_initializer=c(data["dw1"]),
                pointwise_initializer=c(data["pw1"]),
                bias_initializer=c(data["b1"]))
    outputs["sep1d_same_s2"] = tf.layers.separable_conv1d(
        x1, 4, 3, strides=2, padding="same", depth_multiplier=2, **kws1)
    outputs["sep1d_valid_d2"] = tf.layers.separable_conv1d(
        x1, 4, 3, dilation_rate=2, depth_multiplier=2, **kws1)
    kws2 = dict(depthwise_initializer=c(data["dw2"]),
                pointwise_initializer=c(data["pw2"]),
                bias_initializer=c(data["b2"]))
    outputs["sep2d_same_s2_relu"] = tf.layers.separable_conv2d(
        x2, 4, 3, strides=2, padding="same", depth_multiplier=2,
        activation=tf.nn.relu, **kws2)
    outputs["sep2d_valid_d2"] = tf.layers.separable_conv2d(
        x2, 4, 3, dilation_rate=2, depth_multiplier=2, use_bias=False,
        **kws2)
    outputs["sep2d_class"] = tf.layers.SeparableConv2D(
        4, 3, depth_multiplier=2, **kws2)(x2)
    outputs["max3d_valid"] = tf.layers.max_pooling3d(x3, 2, (2, 1, 2))
    outputs["avg3d_same"] = tf.layers.average_pooling3d(
        x3, (2, 3, 2), 2, padding="same")
    outputs["max3d_class"] = tf.layers.MaxPooling3D(2, 2, padding="same")(x3)
    # Batch normalization: rank 3 (moments) and rank 4 (fused in TF1).
    bn = dict(gamma_initializer=c(data["gamma"]),
              beta_initializer=c(data["beta"]),
              moving_mean_initializer=c(data["mm"]),
              moving_variance_initializer=c(data["mv"]), momentum=0.9)
    outputs["bn3_train"] = tf.layers.batch_normalization(
        tf.constant(data["bn3"]), training=True, name="bn3", **bn)
    outputs["bn3_infer"] = tf.layers.batch_normalization(
        tf.constant(data["bn3"]), training=False, name="bn3_infer", **bn)
    bn4 = dict(bn, gamma_initializer=c(data["gamma"][:2]),
               beta_initializer=c(data["beta"][:2]),
               moving_mean_initializer=c(data["mm"][:2]),
               moving_variance_initializer=c(data["mv"][:2]))
    outputs["bn4_train"] = tf.layers.batch_normalization(
        tf.constant(data["bn4"]), training=True, name="bn4", **bn4)
    axis1 = dict(bn, gamma_initializer=c(data["gamma4"]),
                 beta_initializer=c(data["beta4"]),
                 moving_mean_initializer=c(data["mm4"]),
                 moving_variance_initializer=c(data["mv4"]))
    outputs["bn4_axis1_infer"] = tf.layers.batch_normalization(
        tf.constant(data["bn4"]), axis=1, training=False, fused=False,
        name="bn4_axis1", **axis1)
    outputs["bn4_axis1_train"] = tf.layers.batch_normalization(
        tf.constant(data["bn4"]), axis=1, training=True, fused=False,
        name="bn4_axis1_train", **axis1)
    is_training = tf.placeholder(tf.bool, [])
    outputs["bn3_fed"] = tf.layers.BatchNormalization(
        name="bn3_fed", epsilon=0.01, center=False, **{
            k: v for k, v in bn.items() if k != "beta_initializer"})(
                tf.constant(data["bn3"]), training=is_training)
    update_ops = tf.get_collection(tf.GraphKeys.UPDATE_OPS)
    with tf.Session() as sess:
      sess.run(tf.global_variables_initializer())
      names = sorted(outputs)
      for training in (True, False):
        values = sess.run([outputs[n] for n in names],
                          {is_training: training})
        for name, value in zip(names, values):
          if name == "bn3_fed":
            name += "_%s" % ("train" if training else "infer")
          data["out_" + name] = value
      sess.run(update_ops, {is_training: True})
      sess.run([u for u in update_ops if "bn3_fed" in u.name],
               {is_training: False})  # No change when not training.
      for scope in ("bn3", "bn4", "bn3_fed", "bn4_axis1_train"):
        mean, variance = sess.run(
            ["%s/moving_mean:0" % scope, "%s/moving_variance:0" % scope])
        data["moving_mean_" + scope] = mean
        data["moving_variance_" + scope] = variance
    data["update_ops_count"] = np.array(len(update_ops))
    data["global_names"] = np.array(
        sorted(v.op.name for v in tf.global_variables()))
    data["trainable_names"] = np.array(
        sorted(v.op.name for v in tf.trainable_variables()))
  os.makedirs(os.path.dirname(OUT), exist_ok=True)
  np.savez_compressed(OUT, **data)
  print("wrote", OUT, os.path.getsize(OUT), "bytes")


if __name__ == "__main__":
  main()
