"""Tests for tf1seq.compat.v1: a TF1 script ports by its import line.

`tf1seq.compat.v1` disables TF2 behaviour for the whole process when
imported, so each case runs in a fresh interpreter.
"""

import subprocess
import sys
import textwrap

import tensorflow as tf


def run_python(source):
  """Runs `source` in a fresh interpreter; returns its stdout lines."""
  result = subprocess.run(
      [sys.executable, "-c", textwrap.dedent(source)],
      capture_output=True, text=True, timeout=300, check=False)
  if result.returncode != 0:
    raise AssertionError("subprocess failed:\n%s" % result.stderr[-4000:])
  return result.stdout.strip().splitlines()


class CompatV1Test(tf.test.TestCase):

  def test_issue_example_builds_zero_state(self):
    lines = run_python("""
        import tf1seq.compat.v1 as tf
        tf.disable_eager_execution()
        c = tf.nn.rnn_cell.BasicLSTMCell(8)
        s = c.zero_state(2, tf.float32)
        print(type(s).__name__, s.c.shape, s.h.dtype.name)
        """)
    self.assertEqual(lines[-1], "LSTMStateTuple (2, 8) float32")

  def test_aliases_resolve_to_tf1seq(self):
    lines = run_python("""
        import tf1seq.compat.v1 as tf
        from tf1seq import layers, rnn_cell
        print(tf.compat.v1.nn.rnn_cell.BasicLSTMCell is rnn_cell.BasicLSTMCell)
        print(tf.nn.rnn_cell.GRUCell is rnn_cell.GRUCell)
        print(tf.contrib.rnn.LayerNormBasicLSTMCell
              is rnn_cell.LayerNormBasicLSTMCell)
        print(tf.layers.dense is layers.dense)
        print(tf.compat.v1.layers.dense is layers.dense)
        print(tf.placeholder is __import__("tensorflow").compat.v1.placeholder)
        """)
    self.assertEqual(lines, ["True"] * 6)

  def test_import_gives_tf1_graph_mode(self):
    lines = run_python("""
        import tensorflow
        before = tensorflow.executing_eagerly()
        import tf1seq.compat.v1 as tf
        print(before, tf.executing_eagerly(),
              tensorflow.compat.v1.resource_variables_enabled())
        """)
    self.assertEqual(lines[-1], "True False False")

  def test_other_modules_change_no_global_state(self):
    lines = run_python("""
        import tensorflow as tf
        from tf1seq import layers, rnn_cell
        from tf1seq.contrib import rnn
        import tf1seq
        print(tf.executing_eagerly(), tf.compat.v1.resource_variables_enabled())
        """)
    self.assertEqual(lines[-1], "True True")

  def test_tf1_script_trains_after_import_change(self):
    lines = run_python("""
        import numpy as np
        import tf1seq.compat.v1 as tf
        tf.set_random_seed(0)
        x = tf.placeholder(tf.float32, [None, 4, 3])
        y = tf.placeholder(tf.float32, [None, 2])
        cell_in = tf.reshape(tf.layers.dense(tf.reshape(x, [-1, 3]), 8),
                             [-1, 4, 8])
        cell = tf.contrib.rnn.BasicLSTMCell(8)
        init_state = cell.zero_state(16, dtype=tf.float32)
        output, state = tf.nn.dynamic_rnn(cell, cell_in,
                                          initial_state=init_state,
                                          time_major=False)
        logits = tf.layers.dense(state[1], 2)
        loss = tf.reduce_mean(
            tf.nn.softmax_cross_entropy_with_logits_v2(labels=y,
                                                       logits=logits))
        train = tf.train.AdamOptimizer(0.05).minimize(loss)
        rng = np.random.RandomState(0)
        xs = rng.rand(16, 4, 3).astype(np.float32)
        labels = (xs[:, :, 0].sum(1) > 2).astype(int)
        ys = np.eye(2)[labels]
        with tf.Session() as sess:
          tf.global_variables_initializer().run()
          first = sess.run(loss, {x: xs, y: ys})
          for _ in range(60):
            sess.run(train, {x: xs, y: ys})
          last = sess.run(loss, {x: xs, y: ys})
        print(sorted(v.name for v in tf.trainable_variables()))
        print(first > 0.5, last < first / 4)
        """)
    self.assertEqual(lines[-2], str(sorted([
        "dense/kernel:0", "dense/bias:0", "dense_1/kernel:0",
        "dense_1/bias:0", "rnn/basic_lstm_cell/kernel:0",
        "rnn/basic_lstm_cell/bias:0"])))
    self.assertEqual(lines[-1], "True True")

  def test_uncovered_contrib_names_the_module(self):
    lines = run_python("""
        import tf1seq.compat.v1 as tf
        try:
          tf.contrib.distributions
        except AttributeError as e:
          print(e)
        try:
          tf.layers.experimental
        except AttributeError as e:
          print(e)
        """)
    self.assertRegex(lines[0], r"tf\.contrib\.distributions is not covered")
    self.assertRegex(lines[1], r"tf\.layers\.experimental is not provided")


if __name__ == "__main__":
  tf.test.main()
