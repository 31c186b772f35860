"""Learns a running sum modulo 3 with a static LSTM (TensorFlow 0.12 style).

A program written against TensorFlow 0.12, before the 1.0 renames: the
sequence is cut into steps with `tf.split(1, n, x)` (TF 0.x's argument
order), run through `tf.nn.rnn` (the static loop), projected with
`tf.nn.rnn_cell._linear`, trained with `tf.nn.seq2seq.
sequence_loss_by_example`, and logged with `tf.scalar_summary`,
`tf.histogram_summary`, `tf.merge_all_summaries` and
`tf.train.SummaryWriter(logdir, sess.graph_def)`. It also uses `tf.concat(1,
...)`, `tf.pack`, `tf.mul`, `tf.batch_matmul`, positional
`sparse_softmax_cross_entropy_with_logits(logits, labels)` and
`control_flow_ops.while_loop` from TensorFlow's internals.

Each input is a sequence of digits 0-2; the target at each step is the sum
of the digits so far modulo 3, which needs the LSTM's memory.

  python tf0_running_sum.py --train_steps=400 --logdir=/tmp/logs
"""

from __future__ import print_function

import numpy as np
import tensorflow as tf
from tensorflow.python.ops import control_flow_ops

flags = tf.app.flags
flags.DEFINE_integer("train_steps", 400, "Number of training batches.")
flags.DEFINE_string("logdir", "logs", "Where the summaries go.")
FLAGS = flags.FLAGS

STEPS = 10
BATCH = 64
UNITS = 32


def batch(rng):
  digits = rng.randint(0, 3, size=(BATCH, STEPS))
  return digits, np.cumsum(digits, axis=1) % 3


def main(_):
  rng = np.random.RandomState(3)
  tf.set_random_seed(3)
  inputs = tf.placeholder(tf.int32, [BATCH, STEPS])
  targets = tf.placeholder(tf.int32, [BATCH, STEPS])
  one_hot = tf.one_hot(inputs, 3)
  # TF 0.x: split(split_dim, num_split, value), concat(concat_dim, values).
  steps = [tf.squeeze(x, [1]) for x in tf.split(1, STEPS, one_hot)]
  position = tf.ones([BATCH, 1])
  steps = [tf.concat(1, [x, tf.mul(position, float(i) / STEPS)])
           for i, x in enumerate(steps)]
  cell = tf.nn.rnn_cell.BasicLSTMCell(UNITS)
  outputs, _ = tf.nn.rnn(cell, steps, dtype=tf.float32)
  logits = []
  with tf.variable_scope("output") as scope:
    for i, output in enumerate(outputs):
      if i > 0:
        scope.reuse_variables()
      logits.append(tf.nn.rnn_cell._linear(output, 3, True))
  labels = [tf.squeeze(t, [1]) for t in tf.split(1, STEPS, targets)]
  weights = [tf.ones([BATCH]) for _ in range(STEPS)]
  loss = tf.reduce_mean(tf.nn.seq2seq.sequence_loss_by_example(
      logits, labels, weights))
  first_step_loss = tf.reduce_mean(
      tf.nn.sparse_softmax_cross_entropy_with_logits(logits[0], labels[0]))
  predictions = tf.argmax(tf.pack(logits, axis=1), 2)
  accuracy = tf.reduce_mean(tf.cast(tf.equal(
      tf.cast(predictions, tf.int32), targets), tf.float32))
  # Mean squared output norm, by a batched matmul of each output with itself.
  stacked = tf.pack(outputs, axis=1)
  gram = tf.batch_matmul(stacked, stacked, adj_y=True)
  # Steps counted by a while loop from TensorFlow's internals.
  counted = control_flow_ops.while_loop(
      lambda i, n: i < STEPS, lambda i, n: (i + 1, n + 1),
      [tf.constant(0), tf.constant(0)])[1]
  tf.scalar_summary("loss", loss)
  tf.scalar_summary("accuracy", accuracy)
  tf.histogram_summary("output_norms", tf.matrix_diag_part(gram))
  train_op = tf.train.AdamOptimizer(0.01).minimize(loss)
  merged = tf.merge_all_summaries()

  with tf.Session() as sess:
    writer = tf.train.SummaryWriter(FLAGS.logdir, sess.graph_def)
    tf.initialize_all_variables().run()
    for step in range(1, FLAGS.train_steps + 1):
      x, y = batch(rng)
      _, loss_value, summary = sess.run(
          [train_op, loss, merged], {inputs: x, targets: y})
      writer.add_summary(summary, step)
      if step % 100 == 0:
        print("step %d loss %.4f" % (step, loss_value))
    writer.close()
    x, y = batch(np.random.RandomState(99))
    acc, first, gram_value, out_value, steps_counted = sess.run(
        [accuracy, first_step_loss, gram, stacked, counted],
        {inputs: x, targets: y})
    print("accuracy %.4f" % acc)
    print("first_step_loss %.4f" % first)
    print("gram_max_error %.2e" % np.abs(
        gram_value - np.einsum("btu,bsu->bts", out_value, out_value)).max())
    print("steps_counted %d" % steps_counted)


if __name__ == "__main__":
  tf.app.run()
