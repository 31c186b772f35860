"""TF1 programs reach tf1seq's contrib RNN pieces by their TF1 names.

`import tf1seq.compat.v1 as tf` (and `tf1seq.patch`) resolve names through
tf1seq.coverage; this checks, in a fresh interpreter (the import disables
TF2 behaviour), that the tf.contrib.rnn and tf.contrib.legacy_seq2seq names
are tf1seq's and that a left-out name's error names the alternative.
"""

import os
import subprocess
import sys
import textwrap

import tensorflow as tf

from tf1seq import rnn_cell
from tf1seq.compat import coverage

_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_python(code):
  env = dict(os.environ)
  env["PYTHONPATH"] = os.pathsep.join(
      [_ROOT] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p])
  result = subprocess.run([sys.executable, "-c", textwrap.dedent(code)],
                          env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, universal_newlines=True,
                          check=False, cwd=_ROOT)
  if result.returncode:
    raise AssertionError(result.stderr[-3000:])
  return result.stdout.splitlines()


class ContribRnnCoverageTest(tf.test.TestCase):

  def test_compat_v1_resolves_the_contrib_rnn_names(self):
    lines = run_python("""
        import tf1seq.compat.v1 as tf
        from tf1seq.cells import contrib_cells, contrib_wrappers
        from tf1seq.contrib import legacy_seq2seq, stacked_rnn
        print(tf.contrib.rnn.NASCell is contrib_cells.NASCell)
        print(tf.contrib.rnn.OutputProjectionWrapper is
              contrib_wrappers.OutputProjectionWrapper)
        print(tf.contrib.legacy_seq2seq.embedding_attention_seq2seq is
              legacy_seq2seq.embedding_attention_seq2seq)
        print(tf.contrib.rnn.stack_bidirectional_dynamic_rnn is
              stacked_rnn.stack_bidirectional_dynamic_rnn)
        print(sorted(set(dir(tf.contrib.legacy_seq2seq)) -
                     set(dir(legacy_seq2seq))))
        cell = tf.contrib.rnn.GRUBlockCellV2(3)
        x = tf.placeholder(tf.float32, [None, 4, 2])
        outputs, _ = tf.nn.dynamic_rnn(cell, x, dtype=tf.float32)
        print([v.op.name for v in tf.global_variables()])
        try:
          tf.contrib.rnn.LayerNormLSTMCell
        except AttributeError as e:
          print(e)
        """)
    self.assertEqual(lines[:5], ["True", "True", "True", "True", "[]"])
    self.assertEqual(lines[5], str(
        ["rnn/gru_cell/gates/kernel", "rnn/gru_cell/gates/bias",
         "rnn/gru_cell/candidate/kernel", "rnn/gru_cell/candidate/bias"]))
    self.assertRegex(lines[6], r"^tf\.contrib\.rnn\.LayerNormLSTMCell is not "
                     r"covered by tf1seq; use tf1seq\.cells\.contrib_cells\."
                     r"LayerNormLSTMCell \(TF1\.15 did not export it")

  def test_tf1_program_trains_a_legacy_seq2seq_model(self):
    # A TF1 translate-style program: it must learn to copy 3 symbols.
    lines = run_python("""
        import numpy as np
        import tf1seq.compat.v1 as tf
        tf.set_random_seed(1)
        enc = [tf.placeholder(tf.int32, [None]) for _ in range(3)]
        dec = [tf.placeholder(tf.int32, [None]) for _ in range(3)]
        feed_previous = tf.placeholder_with_default(False, [])
        cell = tf.contrib.rnn.GRUBlockCellV2(16)
        outputs, _ = tf.contrib.legacy_seq2seq.embedding_attention_seq2seq(
            enc, dec, cell, 6, 6, 8, feed_previous=feed_previous)
        weights = [tf.ones_like(t, tf.float32) for t in enc]
        loss = tf.contrib.legacy_seq2seq.sequence_loss(outputs, enc, weights)
        train = tf.train.AdamOptimizer(0.05).minimize(loss)
        rng = np.random.RandomState(0)
        with tf.Session() as sess:
          sess.run(tf.global_variables_initializer())
          losses = []
          for _ in range(60):
            ids = rng.randint(1, 6, size=(3, 16))
            feed = {p: v for p, v in zip(enc, ids)}
            feed.update({p: v for p, v in zip(dec, [np.zeros(16)] +
                                              list(ids[:-1]))})
            losses.append(sess.run([train, loss], feed)[1])
          feed[feed_previous] = True
          print(losses[0] > 1.0, losses[-1] < 0.3 * losses[0],
                sess.run(loss, feed) < 0.5 * losses[0])
        """)
    self.assertEqual(lines, ["True True True"])

  def test_patched_tensorflow_imports_legacy_seq2seq(self):
    lines = run_python("""
        import tf1seq
        tf1seq.patch()
        import tensorflow.compat.v1 as tf
        from tensorflow.contrib import legacy_seq2seq
        from tf1seq.contrib import legacy_seq2seq as ours
        print(legacy_seq2seq.sequence_loss is ours.sequence_loss)
        """)
    self.assertEqual(lines, ["True"])


class CoreRnnCellTest(tf.test.TestCase):

  def test_tensorflow_1_0_module_of_the_core_cells(self):
    # The table behind every porting route, built without global effects.
    contrib = coverage.contrib_namespace("tensorflow.contrib")
    core = contrib.rnn.core_rnn_cell
    self.assertIs(core.BasicLSTMCell, rnn_cell.BasicLSTMCell)
    self.assertIs(core.MultiRNNCell, rnn_cell.MultiRNNCell)
    self.assertIs(core.DropoutWrapper, rnn_cell.DropoutWrapper)
    self.assertIs(core.EmbeddingWrapper, contrib.rnn.EmbeddingWrapper)
    with self.assertRaisesRegex(
        AttributeError, r"^tf\.contrib\.rnn\.core_rnn_cell\.Foo is not "
        r"covered by tf1seq; its tf\.contrib\.rnn\.core_rnn_cell has: "
        r"BasicLSTMCell, "):
      core.Foo  # pylint: disable=pointless-statement


if __name__ == "__main__":
  tf.test.main()
