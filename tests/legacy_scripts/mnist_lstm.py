"""Classifies MNIST digits with an LSTM over the image rows.

A TensorFlow 1.x program (written for TF 1.12): each 28x28 image is read as
28 time steps of 28 pixels by a BasicLSTMCell; its last hidden state goes
through a dense layer to the 10 classes. Checkpoints go to --train_dir and
training resumes from the latest one, up to --max_steps in total.

  python mnist_lstm.py --train_dir=/tmp/mnist_lstm --max_steps=2000
"""

from __future__ import absolute_import
from __future__ import division
from __future__ import print_function

import os

import numpy as np
import tensorflow as tf
from tensorflow.examples.tutorials.mnist import input_data

flags = tf.flags
flags.DEFINE_string("data_dir", "/tmp/tensorflow/mnist/input_data",
                    "Directory for the MNIST data.")
flags.DEFINE_string("train_dir", "/tmp/mnist_lstm",
                    "Directory for checkpoints.")
flags.DEFINE_integer("max_steps", 2000, "Total number of training steps.")
flags.DEFINE_integer("batch_size", 64, "Batch size.")
flags.DEFINE_integer("num_units", 64, "Size of the LSTM state.")
flags.DEFINE_float("learning_rate", 0.005, "Adam learning rate.")
flags.DEFINE_integer("log_every", 10, "Print the loss every this many steps.")
flags.DEFINE_integer("num_eval", 500, "Number of test images to evaluate.")
flags.DEFINE_string("predictions_file", "",
                    "If set, save the test class probabilities there (.npy).")
FLAGS = flags.FLAGS

ROWS = 28
COLUMNS = 28
NUM_CLASSES = 10


def inference(images):
  """Logits for a batch of flattened images."""
  rows = tf.reshape(images, [-1, COLUMNS])
  cell_in = tf.layers.dense(rows, FLAGS.num_units)
  cell_in = tf.reshape(cell_in, [-1, ROWS, FLAGS.num_units])
  cell = tf.contrib.rnn.BasicLSTMCell(FLAGS.num_units)
  _, state = tf.nn.dynamic_rnn(cell, cell_in, dtype=tf.float32)
  return tf.layers.dense(state.h, NUM_CLASSES)


def main(_):
  tf.logging.set_verbosity(tf.logging.INFO)
  mnist = input_data.read_data_sets(FLAGS.data_dir, one_hot=True, seed=1)
  if not tf.gfile.Exists(FLAGS.train_dir):
    tf.gfile.MakeDirs(FLAGS.train_dir)

  with tf.Graph().as_default():
    tf.set_random_seed(1)
    images = tf.placeholder(tf.float32, [None, ROWS * COLUMNS], name="images")
    labels = tf.placeholder(tf.float32, [None, NUM_CLASSES], name="labels")
    logits = inference(images)
    probabilities = tf.nn.softmax(logits, name="probabilities")
    loss = tf.reduce_mean(
        tf.nn.softmax_cross_entropy_with_logits_v2(labels=labels,
                                                   logits=logits))
    global_step = tf.train.get_or_create_global_step()
    train_op = tf.train.AdamOptimizer(FLAGS.learning_rate).minimize(
        loss, global_step=global_step)
    correct = tf.equal(tf.argmax(logits, 1), tf.argmax(labels, 1))
    accuracy = tf.reduce_mean(tf.cast(correct, tf.float32))
    saver = tf.train.Saver(max_to_keep=2)

    with tf.Session() as sess:
      checkpoint = tf.train.latest_checkpoint(FLAGS.train_dir)
      if checkpoint:
        saver.restore(sess, checkpoint)
        tf.logging.info("Restored %s", checkpoint)
      else:
        sess.run(tf.global_variables_initializer())
      step = sess.run(global_step)
      print("start_step %d" % step)
      while step < FLAGS.max_steps:
        batch_images, batch_labels = mnist.train.next_batch(FLAGS.batch_size)
        _, loss_value, step = sess.run(
            [train_op, loss, global_step],
            feed_dict={images: batch_images, labels: batch_labels})
        if step % FLAGS.log_every == 0:
          print("step %d loss %.4f" % (step, loss_value))
      saver.save(sess, os.path.join(FLAGS.train_dir, "model.ckpt"),
                 global_step=step)

      feed = {images: mnist.test.images[:FLAGS.num_eval],
              labels: mnist.test.labels[:FLAGS.num_eval]}
      test_accuracy, test_probabilities = sess.run(
          [accuracy, probabilities], feed_dict=feed)
      print("final_step %d test_accuracy %.4f" % (step, test_accuracy))
      if FLAGS.predictions_file:
        np.save(FLAGS.predictions_file, test_probabilities)


if __name__ == "__main__":
  tf.app.run()
