"""Tests for tf1seq.compat.patching (`tf1seq.patch()`): tf1seq's TF1 names in TensorFlow's namespaces.

The patch is process-wide but reversible: each in-process test unpatches
in tearDown, and checks that it did. The Keras 3 coexistence case runs in
a fresh interpreter.
"""

import importlib
import subprocess
import sys
import textwrap

import tensorflow as tf

import tf1seq
from tf1seq.cells import block as block_cells
from tf1seq.compat import coverage
from tf1seq import layers
from tf1seq import patch
from tf1seq import rnn_cell
from tf1seq import seq2seq
from tf1seq.data import input_data


def run_python(source):
  """Runs `source` in a fresh interpreter; returns its stdout lines."""
  result = subprocess.run(
      [sys.executable, "-c", textwrap.dedent(source)],
      capture_output=True, text=True, timeout=300, check=False)
  if result.returncode != 0:
    raise AssertionError("subprocess failed:\n%s" % result.stderr[-4000:])
  return result.stdout.strip().splitlines()


class PatchTest(tf.test.TestCase):

  def setUp(self):
    super().setUp()
    patch.unpatch()
    self.addCleanup(patch.unpatch)

  def test_installs_tf1seq_into_tensorflow_namespaces(self):
    with tf1seq.patch() as handle:
      self.assertTrue(handle.installed)
      import tensorflow.compat.v1 as v1  # pylint: disable=g-import-not-at-top
      self.assertIs(tf.compat.v1.nn.rnn_cell.BasicLSTMCell,
                    rnn_cell.BasicLSTMCell)
      self.assertIs(v1.nn.rnn_cell.LSTMStateTuple, rnn_cell.LSTMStateTuple)
      self.assertIs(v1.layers.dense, layers.dense)
      self.assertIs(v1.layers.Dense, layers.Dense)
      self.assertIs(v1.contrib.rnn.LSTMBlockCell, block_cells.LSTMBlockCell)
      self.assertIs(v1.contrib.rnn.DropoutWrapper, rnn_cell.DropoutWrapper)
      self.assertIs(v1.contrib.seq2seq.sequence_loss, seq2seq.sequence_loss)
      self.assertIs(v1.placeholder, tf.compat.v1.placeholder)  # Untouched.
      from tensorflow.contrib import rnn  # pylint: disable=g-import-not-at-top
      self.assertIs(rnn.MultiRNNCell, rnn_cell.MultiRNNCell)
      self.assertIs(rnn, v1.contrib.rnn)
      contrib_rnn = importlib.import_module("tensorflow.contrib.rnn")
      self.assertIs(contrib_rnn.LSTMCell, rnn_cell.LSTMCell)
      from tensorflow.examples.tutorials.mnist import input_data as tf1_input_data  # pylint: disable=g-import-not-at-top
      self.assertIs(tf1_input_data.read_data_sets, input_data.read_data_sets)
      slim_layers = importlib.import_module("tensorflow.contrib.layers")
      import tf_slim  # pylint: disable=g-import-not-at-top
      self.assertIs(slim_layers.fully_connected, tf_slim.fully_connected)
      self.assertIs(v1.contrib.layers.xavier_initializer,
                    tf_slim.xavier_initializer)
      self.assertIs(v1.contrib.slim.arg_scope, tf_slim.arg_scope)

  def test_patched_names_build_tf1_graphs(self):
    with tf1seq.patch():
      v1 = tf.compat.v1
      with tf.Graph().as_default():
        x = v1.placeholder(tf.float32, [None, 5, 3])
        cell = v1.nn.rnn_cell.MultiRNNCell(
            [v1.contrib.rnn.LSTMBlockCell(4),
             v1.nn.rnn_cell.BasicLSTMCell(4)])
        _, state = v1.nn.dynamic_rnn(cell, x, dtype=tf.float32)
        v1.layers.dense(state[1].h, 2)
        names = [v.op.name for v in v1.global_variables()]
    self.assertEqual(names, [
        "rnn/multi_rnn_cell/cell_0/lstm_cell/kernel",
        "rnn/multi_rnn_cell/cell_0/lstm_cell/bias",
        "rnn/multi_rnn_cell/cell_1/basic_lstm_cell/kernel",
        "rnn/multi_rnn_cell/cell_1/basic_lstm_cell/bias",
        "dense/kernel", "dense/bias"])

  def test_unpatch_restores_the_originals(self):
    v1 = tf.compat.v1
    compat = tf.compat
    nn = v1.nn
    original_rnn_cell = nn.rnn_cell
    original_layers = v1.layers
    meta_path = list(sys.meta_path)
    tf1seq.patch()
    self.assertIsNot(nn.rnn_cell, original_rnn_cell)
    import tensorflow.contrib.seq2seq  # pylint: disable=g-import-not-at-top,unused-import
    from tensorflow.examples.tutorials.mnist import input_data as unused  # pylint: disable=g-import-not-at-top,unused-import
    tf1seq.unpatch()
    self.assertIs(tf.compat, compat)
    self.assertIs(tf.compat.v1, v1)
    self.assertIs(v1.nn, nn)
    self.assertIs(v1.nn.rnn_cell, original_rnn_cell)
    self.assertIs(v1.layers, original_layers)
    self.assertNotIsInstance(sys.modules["tensorflow.compat.v1"].layers,
                             coverage.Namespace)
    self.assertFalse(hasattr(v1, "contrib"))
    self.assertFalse(hasattr(tf, "contrib"))
    self.assertFalse(hasattr(tf, "examples"))
    self.assertEqual(sys.meta_path, meta_path)
    self.assertEqual([name for name in sys.modules
                      if name.startswith(("tensorflow.contrib",
                                          "tensorflow.examples"))], [])
    with self.assertRaises(ModuleNotFoundError):
      importlib.import_module("tensorflow.contrib.rnn")
    with self.assertRaisesRegex(AttributeError, r"not available with Keras"):
      v1.nn.rnn_cell.BasicLSTMCell  # pylint: disable=pointless-statement

  def test_idempotent_and_nested(self):
    first = tf1seq.patch()
    second = tf1seq.patch()
    self.assertTrue(first.installed)
    self.assertFalse(second.installed)
    rnn_cell_namespace = tf.compat.v1.nn.rnn_cell
    with tf1seq.patch():  # Already patched: leaving does not unpatch.
      pass
    self.assertTrue(patch.is_patched())
    self.assertIs(tf.compat.v1.nn.rnn_cell, rnn_cell_namespace)
    self.assertEqual(sum(isinstance(finder, patch._Finder)  # pylint: disable=protected-access
                         for finder in sys.meta_path), 1)
    tf1seq.unpatch()
    tf1seq.unpatch()  # No-op.
    self.assertFalse(patch.is_patched())
    with tf1seq.patch():
      self.assertTrue(patch.is_patched())
    self.assertFalse(patch.is_patched())

  def test_tf1seq_patch_is_the_callable_module(self):
    self.assertIs(tf1seq.patch, patch)
    self.assertIs(tf1seq.unpatch, patch.unpatch)
    with tf1seq.patch.patch() as handle:
      self.assertTrue(handle.installed)

  def test_unknown_contrib_module_names_it(self):
    with tf1seq.patch():
      with self.assertRaisesRegex(
          ImportError, r"^tf\.contrib\.foo is not covered by tf1seq; "
          r"tf1seq's tf\.contrib has: crf, data, framework, layers, learn, "
          r"legacy_seq2seq, lookup, rnn, seq2seq, signal, slim, training\.$"):
        importlib.import_module("tensorflow.contrib.foo")
      with self.assertRaisesRegex(ImportError,
                                  r"tf\.contrib\.cudnn_rnn is not covered"):
        exec("from tensorflow.contrib import cudnn_rnn", {})  # pylint: disable=exec-used
      with self.assertRaisesRegex(AttributeError,
                                  r"tf\.contrib\.keras is not covered"):
        tf.compat.v1.contrib.keras  # pylint: disable=pointless-statement
      with self.assertRaisesRegex(
          ImportError, r"tf\.contrib\.rnn\.GridLSTMCell is not covered"):
        exec("from tensorflow.contrib.rnn import GridLSTMCell", {})  # pylint: disable=exec-used
      with self.assertRaisesRegex(
          ImportError, r"tensorflow\.examples\.tutorials\.foo is not covered"):
        importlib.import_module("tensorflow.examples.tutorials.foo")

  def test_uncovered_layers_function_names_the_alternative(self):
    with tf1seq.patch():
      with self.assertRaisesRegex(
          AttributeError, r"^tf\.layers\.Layer is not provided "
          r"by tf1seq \(TensorFlow's own needs Keras 2\); use tf1seq\."
          r"base_layer\.Layer "):
        tf.compat.v1.layers.Layer  # pylint: disable=pointless-statement
      with self.assertRaisesRegex(AttributeError,
                                  r"use tf\.contrib\.layers \(tf_slim\) or "
                                  r"tf\.nn ops\."):
        tf.compat.v1.layers.experimental  # pylint: disable=pointless-statement
      with self.assertRaisesRegex(AttributeError,
                                  r"tf\.contrib\.seq2seq\.BasicDecoderV2 is "
                                  r"not covered"):
        tf.compat.v1.contrib.seq2seq.BasicDecoderV2  # pylint: disable=pointless-statement


class FreshProcessTest(tf.test.TestCase):

  def test_import_tf1seq_stays_light(self):
    lines = run_python("""
        import sys
        import tf1seq
        print("tensorflow" in sys.modules, "tf1seq.compat.patching" in sys.modules)
        """)
    self.assertEqual(lines, ["False False"])

  def test_keras3_works_in_the_same_process(self):
    lines = run_python("""
        import numpy as np
        import tensorflow as tf
        import tf1seq
        tf1seq.patch()
        import keras
        import tensorflow.compat.v1 as v1

        with tf.Graph().as_default():
          x = v1.placeholder(tf.float32, [2, 5, 3])
          cell = v1.nn.rnn_cell.BasicLSTMCell(4)
          _, state = v1.nn.dynamic_rnn(cell, x, dtype=tf.float32)
          logits = v1.layers.dense(state.h, 2)
          with v1.Session() as session:
            session.run(v1.global_variables_initializer())
            graph_out = session.run(logits, {x: np.ones([2, 5, 3])})
        print(type(cell).__module__, graph_out.shape)

        layer = tf.keras.layers.LSTM(4)
        eager_out = layer(np.ones([2, 5, 3], np.float32))
        model = tf.keras.Sequential([tf.keras.Input((5, 3)),
                                     tf.keras.layers.LSTM(4),
                                     tf.keras.layers.Dense(1)])
        model.compile(optimizer="sgd", loss="mse")
        history = model.fit(np.ones([4, 5, 3]), np.ones([4, 1]), epochs=1,
                            verbose=0)
        print(keras.__version__.split(".")[0], type(layer).__module__,
              tuple(eager_out.shape), tf.executing_eagerly(),
              tf.keras.layers.LSTM is keras.layers.LSTM,
              len(history.history["loss"]))
        """)
    self.assertEqual(lines[0], "tf1seq.cells.lstm (2, 2)")
    major, module, rest = lines[1].split(" ", 2)
    self.assertEqual(major, "3")
    self.assertStartsWith(module, "keras.")
    self.assertEqual(rest, "(2, 4) True True 1")


if __name__ == "__main__":
  tf.test.main()
