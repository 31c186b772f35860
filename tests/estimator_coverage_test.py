"""tf.estimator under tf1seq: absent, with an error that says what to do.

TensorFlow >= 2.16 ships no tf.estimator, and tf1seq does not provide it.
In tf1seq's `tf` namespace (`tf1seq.compat.v1`), after `tf1seq.patch()` and
under `python -m tf1seq.run`, every `tf.estimator.X` raises an
AttributeError naming X, saying so and giving the alternative
(MonitoredTrainingSession, or TensorFlow <= 2.15); the migration report
lists each tf.estimator name a program uses as not covered, with that
alternative. Each case runs in a subprocess (stderr to a file: a pipe
nobody drains would block it), since the patch and tf1seq.compat.v1 change
global state.
"""

import os
import re
import subprocess
import sys
import textwrap

import tensorflow as tf

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REASON = (r"TensorFlow >= 2\.16 ships no tf\.estimator, and tf1seq does not "
          r"provide it; write the model_fn's graph directly .* "
          r"tf\.compat\.v1\.train\.MonitoredTrainingSession .* or keep this "
          r"program on TensorFlow <= 2\.15\.")

# A TF1 Estimator program.
ESTIMATOR_SCRIPT = textwrap.dedent("""\
    import numpy as np
    import tensorflow as tf
    from tensorflow import estimator


    def model_fn(features, labels, mode):
      logits = tf.layers.dense(features["x"], 2)
      loss = tf.losses.sparse_softmax_cross_entropy(labels, logits)
      train_op = tf.train.AdamOptimizer().minimize(
          loss, global_step=tf.train.get_global_step())
      return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)


    def main(_):
      print("main runs")
      input_fn = tf.estimator.inputs.numpy_input_fn(
          {"x": np.zeros([8, 3], np.float32)}, np.zeros([8], np.int32),
          shuffle=False)
      model = estimator.Estimator(model_fn, model_dir="model")
      model.train(input_fn, steps=1)
      print(tf.estimator.ModeKeys.TRAIN)


    if __name__ == "__main__":
      tf.app.run()
    """)


def run_python(args, workdir, timeout=120):
  """`python args` in `workdir` with this tf1seq: (returncode, out, err)."""
  env = dict(os.environ, PYTHONPATH=os.pathsep.join(
      [ROOT, os.environ.get("PYTHONPATH", "")]))
  stderr_path = os.path.join(workdir, "stderr-%d.txt" % len(
      os.listdir(workdir)))
  with open(stderr_path, "w+") as stderr_file:
    process = subprocess.run(
        [sys.executable] + args, cwd=workdir, env=env,
        stdout=subprocess.PIPE, stderr=stderr_file, text=True,
        timeout=timeout, check=False)
    stderr_file.seek(0)
    return process.returncode, process.stdout, stderr_file.read()


class EstimatorCoverageTest(tf.test.TestCase):

  def run_code(self, code):
    workdir = self.create_tempdir().full_path
    returncode, stdout, stderr = run_python(["-c", code], workdir)
    self.assertEqual(returncode, 0, msg=stderr[-3000:])
    return stdout

  def write_script(self):
    workdir = self.create_tempdir().full_path
    with open(os.path.join(workdir, "estimator_program.py"), "w") as f:
      f.write(ESTIMATOR_SCRIPT)
    return workdir

  def test_report_lists_estimator_names_with_the_alternative(self):
    workdir = self.write_script()
    returncode, stdout, stderr = run_python(
        ["-m", "tf1seq.run", "--report-only", "estimator_program.py"],
        workdir)
    self.assertEqual(returncode, 0, msg=stderr[-3000:])
    self.assertNotIn("main runs", stdout)
    self.assertRegex(stdout, r"(?m)^Summary: 10 symbols, 5 covered, "
                     r"5 not covered\.$")
    self.assertRegex(stdout, r"\n  tf\.layers\.dense +tf1seq +line 7\n")
    for symbol, line in (("tf.estimator", 3),
                         ("tf.estimator.EstimatorSpec", 11),
                         ("tf.estimator.inputs.numpy_input_fn", 16),
                         ("tf.estimator.Estimator", 19),
                         ("tf.estimator.ModeKeys", 21)):
      self.assertRegex(stdout, r"\n  %s +NOT COVERED +line %d\n" % (
          re.escape(symbol), line))
    for symbol, name, line in (
        ("tf.estimator", "tf.estimator", 3),
        ("tf.estimator.EstimatorSpec", "tf.estimator.EstimatorSpec", 11),
        ("tf.estimator.inputs.numpy_input_fn", "tf.estimator.inputs", 16),
        ("tf.estimator.Estimator", "tf.estimator.Estimator", 19),
        ("tf.estimator.ModeKeys", "tf.estimator.ModeKeys", 21)):
      self.assertRegex(stdout, r"\n  %s \(line %d\): %s is not available: %s"
                       % (re.escape(symbol), line, re.escape(name), REASON))

  def test_run_fails_naming_the_symbol_and_the_alternative(self):
    workdir = self.write_script()
    returncode, stdout, stderr = run_python(
        ["-m", "tf1seq.run", "estimator_program.py"], workdir)
    self.assertEqual(returncode, 1)
    self.assertEqual(stdout, "main runs\n")
    self.assertRegex(stderr, r"\nAttributeError: tf\.estimator\.inputs is not "
                     r"available: %s\n" % REASON)

  def test_compat_v1_namespace(self):
    stdout = self.run_code(textwrap.dedent("""\
        import tf1seq.compat.v1 as tf
        from tf1seq.compat.v1 import estimator
        print(estimator is tf.estimator)
        for name in ("Estimator", "RunConfig", "export"):
          try:
            getattr(tf.estimator, name)
          except AttributeError as e:
            print(e)
        print(hasattr(tf.estimator, "Estimator"))
        """))
    lines = stdout.splitlines()
    self.assertLen(lines, 5)
    self.assertEqual(lines[0], "True")
    for line, name in zip(lines[1:4], ("Estimator", "RunConfig", "export")):
      self.assertRegex(line, r"^tf\.estimator\.%s is not available: %s$" % (
          name, REASON))
    self.assertEqual(lines[4], "False")

  def test_patch_installs_and_unpatch_removes(self):
    stdout = self.run_code(textwrap.dedent("""\
        import tensorflow as real_tf
        import tf1seq
        print(hasattr(real_tf.compat.v1, "estimator"))
        with tf1seq.patch():
          import tensorflow.compat.v1 as tf
          try:
            tf.estimator.EstimatorSpec
          except AttributeError as e:
            print(e)
        print(hasattr(real_tf.compat.v1, "estimator"))
        """))
    lines = stdout.splitlines()
    self.assertLen(lines, 3)
    self.assertEqual(lines[0], "False")
    self.assertRegex(lines[1], r"^tf\.estimator\.EstimatorSpec is not "
                     r"available: %s$" % REASON)
    self.assertEqual(lines[2], "False")


if __name__ == "__main__":
  tf.test.main()
