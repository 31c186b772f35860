"""Tests for tf1seq.lstm_kernel: the C++ LSTM loops against TensorFlow's.

Where a C++ compiler is installed the kernels must build and load; the fast
path on them must equal TensorFlow's own `dynamic_rnn` with TF1's
`BasicLSTMCell` (outputs, final state, every gradient), with and without
sequence lengths, for batches split into one or several shards, and equal
the same fast path on TensorFlow ops (`TF1SEQ_LSTM_KERNEL=0`). Without a
compiler, or when the build fails, `ops()` is None and the fast path runs
on TensorFlow ops with the same values.
"""

import os
import subprocess
import sys
import textwrap
from unittest import mock

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

import oracle
from tf1seq import lstm_kernel
from tf1seq import rnn
from tf1seq import rnn_cell

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run(dynamic_rnn, batch, sequence_length, steps=7, depth=5, units=6,
        checkpoint=None, save_to=None):
  """Outputs, final state and gradients of one LSTM layer, as numpy."""

  def build(api):
    rng = np.random.RandomState(batch)
    x = tf.constant(rng.uniform(-1, 1, (batch, steps, depth)), tf.float32)
    cell = api.rnn_cell.BasicLSTMCell(units, forget_bias=0.7)
    state = api.rnn_cell.LSTMStateTuple(
        tf.constant(rng.uniform(-1, 1, (batch, units)), tf.float32),
        tf.constant(rng.uniform(-1, 1, (batch, units)), tf.float32))
    outputs, final = dynamic_rnn(cell, x, initial_state=state,
                                 sequence_length=sequence_length)
    loss = (tf.reduce_sum(tf.sin(outputs)) + tf.reduce_sum(final.c ** 2) +
            tf.reduce_sum(final.h ** 3))
    grads = tf.gradients(loss, cell.trainable_variables +
                         [x, state.c, state.h])
    return [outputs, final, grads]

  return oracle.run(build, oracle.TF1SEQ, restore=checkpoint,
                    save=save_to).values


class LstmKernelTest(tf.test.TestCase, parameterized.TestCase):

  def setUp(self):
    super().setUp()
    if not lstm_kernel.enabled():
      self.skipTest("switched off by %s=0" % lstm_kernel.ENV)
    if lstm_kernel.compiler() is None:
      self.skipTest("no C++ compiler: KernelFallbackTest covers this")
    self.assertIsNotNone(lstm_kernel.ops(), "the kernels did not build")

  def test_the_fast_path_runs_on_the_kernels(self):
    with tf.Graph().as_default() as graph:
      cell = rnn_cell.BasicLSTMCell(4)
      outputs, _ = rnn.dynamic_rnn(cell, tf.zeros([2, 3, 5]),
                                   dtype=tf.float32)
      tf.gradients(outputs, cell.trainable_variables)
    types = {op.type for op in graph.get_operations()}
    self.assertContainsSubset({"Tf1seqLstmForward", "Tf1seqLstmBackward"},
                              types)
    with mock.patch.dict(os.environ, {lstm_kernel.ENV: "0"}):
      with tf.Graph().as_default() as graph:
        rnn.dynamic_rnn(rnn_cell.BasicLSTMCell(4), tf.zeros([2, 3, 5]),
                        dtype=tf.float32)
      self.assertNotIn("Tf1seqLstmForward",
                       {op.type for op in graph.get_operations()})

  @parameterized.product(batch=[1, 13, 40],
                         lengths=[False, True])
  def test_equals_tensorflow_and_the_op_form(self, batch, lengths):
    sequence_length = None
    if lengths:
      sequence_length = np.random.RandomState(batch).randint(0, 8, batch)
    reference = self.create_tempdir().full_path + "/reference"
    expected = run(tf.compat.v1.nn.dynamic_rnn, batch, sequence_length,
                   save_to=reference)
    actual = run(rnn.dynamic_rnn, batch, sequence_length,
                 checkpoint=reference)
    self.assertAllClose(actual, expected, atol=2e-5, rtol=2e-5)
    with mock.patch.dict(os.environ, {lstm_kernel.ENV: "0"}):
      ops_form = run(rnn.dynamic_rnn, batch, sequence_length,
                     checkpoint=reference)
    self.assertAllClose(actual, ops_form, atol=2e-5, rtol=2e-5)

  def test_bad_shapes_are_refused_with_the_shapes(self):
    kernels = lstm_kernel.ops()
    with self.assertRaisesRegex(
        (tf.errors.InvalidArgumentError, ValueError),
        r"shapes do not fit: projected \[3,2,8\], c \[2,3\]"):
      self.evaluate(kernels.tf1seq_lstm_forward(
          tf.zeros([3, 2, 8]), tf.zeros([2, 3]), tf.zeros([2, 3]),
          tf.zeros([2, 8]), tf.ones([3, 2])))

  def test_saved_meta_graph_imports_after_patch(self):
    directory = self.create_tempdir().full_path
    with tf.Graph().as_default():
      x = tf.constant(np.random.RandomState(0).rand(3, 4, 2), tf.float32)
      outputs, _ = rnn.dynamic_rnn(rnn_cell.BasicLSTMCell(5), x,
                                   dtype=tf.float32)
      tf.compat.v1.add_to_collection("outputs", outputs)
      with tf.compat.v1.Session() as session:
        session.run(tf.compat.v1.global_variables_initializer())
        expected = session.run(outputs)
        tf.compat.v1.train.Saver().save(session, directory + "/model")
    np.save(directory + "/expected.npy", expected)
    source = """
        import sys
        import numpy as np
        import tensorflow.compat.v1 as tf
        import tf1seq
        tf1seq.patch()
        with tf.Graph().as_default(), tf.Session() as session:
          saver = tf.train.import_meta_graph(sys.argv[1] + "/model.meta")
          saver.restore(session, sys.argv[1] + "/model")
          got = session.run(tf.get_collection("outputs")[0])
        print(np.abs(got - np.load(sys.argv[1] + "/expected.npy")).max())
        """
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [ROOT, os.environ.get("PYTHONPATH", "")]))
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(source), directory], env=env,
        capture_output=True, text=True, timeout=300, check=False, cwd=ROOT)
    self.assertEqual(result.returncode, 0, result.stderr[-3000:])
    self.assertEqual(float(result.stdout.split()[-1]), 0.0)

  def test_library_is_cached_per_source_and_tensorflow(self):
    path = lstm_kernel.library_path()
    self.assertTrue(os.path.exists(path), path)
    self.assertIn(os.path.join("tf1seq", "kernels", "lstm_sequence-"),
                  path)
    self.assertEqual(lstm_kernel.library_path(), path)


class KernelFallbackTest(tf.test.TestCase):

  def test_failed_build_falls_back_to_tensorflow_ops(self):
    cache = self.create_tempdir().full_path
    source = """
        import numpy as np
        import tensorflow as tf
        from tf1seq import lstm_kernel, rnn, rnn_cell
        print("ops", lstm_kernel.ops())
        with tf.Graph().as_default() as graph:
          x = tf.constant(np.ones((2, 3, 4)), tf.float32)
          outputs, _ = rnn.dynamic_rnn(rnn_cell.BasicLSTMCell(5), x,
                                       dtype=tf.float32)
          print("kernel ops", sorted({op.type for op in
                                      graph.get_operations()
                                      if op.type.startswith("Tf1seq")}))
        """
    env = dict(os.environ, CXX="/bin/false", TF1SEQ_CACHE_DIR=cache,
               PYTHONPATH=os.pathsep.join([ROOT,
                                           os.environ.get("PYTHONPATH", "")]))
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(source)],
                            env=env, capture_output=True, text=True,
                            timeout=300, check=False, cwd=ROOT)
    self.assertEqual(result.returncode, 0, result.stderr[-3000:])
    self.assertIn("ops None\nkernel ops []\n", result.stdout)
    self.assertRegex(result.stderr, r"tf1seq's LSTM kernels are not "
                     r"available \(building .*lstm_sequence\.cc failed")
    self.assertEqual(os.listdir(os.path.join(cache, "kernels")), [])

  def test_switched_off_by_the_environment(self):
    with mock.patch.dict(os.environ, {lstm_kernel.ENV: "0"}):
      self.assertFalse(lstm_kernel.enabled())
      self.assertIsNone(lstm_kernel.ops())


if __name__ == "__main__":
  tf.test.main()
