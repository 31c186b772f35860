"""Tests that TF1 programs reach tf1seq.contrib through tf1seq's namespaces.

`import tf1seq.compat.v1 as tf` and `tf1seq.patch()` disable TF2 behaviour
for the whole process, so each case runs in a fresh interpreter.
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


class ContribCoverageTest(tf.test.TestCase):

  def test_compat_v1_resolves_contrib_names(self):
    lines = run_python("""
        import sys
        import tf1seq.compat.v1 as tf
        from tf1seq.contrib import crf, data, framework, learn, lookup
        from tf1seq.contrib import training
        print(tf.contrib.crf.crf_log_likelihood is crf.crf_log_likelihood)
        print(tf.contrib.crf.viterbi_decode is crf.viterbi_decode)
        print(tf.contrib.training.HParams is training.HParams)
        print(tf.contrib.training.bucket_by_sequence_length is
              training.bucket_by_sequence_length)
        print(tf.contrib.learn.preprocessing.VocabularyProcessor is
              learn.VocabularyProcessor)
        print(tf.contrib.learn.ModeKeys.INFER)
        print(tf.contrib.framework.nest.is_sequence([1]))
        print(tf.contrib.framework.get_or_create_global_step is
              framework.get_or_create_global_step)
        print(tf.contrib.data.batch_and_drop_remainder is
              data.batch_and_drop_remainder)
        print(tf.contrib.lookup.index_table_from_file is
              lookup.index_table_from_file)
        print("tf_slim" in sys.modules)
        print(tf.contrib.framework.arg_scope.__module__)
        """)
    self.assertEqual(lines, ["True"] * 5 + ["infer", "True", "True", "True",
                                           "True", "False",
                                           "tf_slim.ops.arg_scope"])

  def test_uncovered_contrib_names_list_what_is_covered(self):
    lines = run_python("""
        import tf1seq.compat.v1 as tf
        for name in ("tf.contrib.crf.crf_forward", "tf.contrib.learn.Estimator",
                     "tf.contrib.training.HParamDef", "tf.contrib.keras"):
          try:
            eval(name)
          except AttributeError as e:
            print(e)
        """)
    self.assertStartsWith(lines[0], "tf.contrib.crf.crf_forward is not "
                          "covered by tf1seq; its tf.contrib.crf has: "
                          "CrfDecodeBackwardRnnCell, ")
    self.assertEqual(lines[1], "tf.contrib.learn.Estimator is not covered by "
                     "tf1seq; its tf.contrib.learn has: ModeKeys, "
                     "preprocessing.")
    self.assertStartsWith(lines[2], "tf.contrib.training.HParamDef is not "
                          "covered by tf1seq; its tf.contrib.training has: ")
    self.assertEqual(lines[3], "tf.contrib.keras is not covered by tf1seq; "
                     "tf1seq's tf.contrib has: crf, data, framework, layers, "
                     "learn, legacy_seq2seq, lookup, rnn, seq2seq, signal, "
                     "slim, training.")

  def test_patched_tensorflow_imports_contrib_modules(self):
    lines = run_python("""
        import numpy as np
        import tf1seq
        tf1seq.patch()
        import tensorflow as tf
        from tensorflow.contrib import crf
        from tensorflow.contrib.learn.preprocessing import VocabularyProcessor
        from tensorflow.contrib.training import HParams
        tf = tf.compat.v1
        tf.disable_v2_behavior()
        x = tf.placeholder(tf.float32, [None, None, 3])
        tags = tf.placeholder(tf.int32, [None, None])
        lengths = tf.placeholder(tf.int32, [None])
        ll, transitions = crf.crf_log_likelihood(x, tags, lengths)
        decoded, _ = tf.contrib.crf.crf_decode(x, transitions, lengths)
        print(transitions.name)
        with tf.Session() as sess:
          sess.run(tf.global_variables_initializer())
          got = sess.run([ll, decoded], {x: np.zeros([2, 3, 3]),
                                         tags: [[0, 1, 2], [2, 2, 0]],
                                         lengths: [3, 2]})
        print(np.round(got[0], 4).tolist())
        print(list(VocabularyProcessor(2).fit_transform(["a b", "b"]))[1])
        print(HParams(a=1).parse("a=2").a)
        """)
    self.assertEqual(lines[0], "transitions:0")
    # Zero potentials: only the transitions score; ll <= 0 for any values.
    self.assertLen(lines[1].strip("[]").split(","), 2)
    self.assertEqual(lines[2:], ["[2 0]", "2"])


if __name__ == "__main__":
  tf.test.main()
