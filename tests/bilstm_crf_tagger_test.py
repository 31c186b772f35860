"""Runs tests/legacy_scripts/bilstm_crf_tagger.py unmodified under tf1seq.run.

The TF1 program (BiLSTM-CRF tagger on synthetic BIO spans) runs in a
subprocess with `python -m tf1seq.run --report` (stderr to a file: a pipe
nobody drains would block it). Its migration report must cover every TF1
symbol it uses, and the trained tagger must tag >= 95% of test tokens right,
with crf_decode and viterbi_decode agreeing on every sentence.
"""

import os
import re
import subprocess
import sys

import tensorflow as tf

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "legacy_scripts", "bilstm_crf_tagger.py")


def tf1seq_run(args, workdir, timeout=300):
  """`python -m tf1seq.run args` in `workdir`: (returncode, stdout, stderr)."""
  root = os.path.dirname(HERE)
  env = dict(os.environ, PYTHONPATH=os.pathsep.join(
      [root, os.environ.get("PYTHONPATH", "")]))
  stderr_path = os.path.join(workdir, "stderr.txt")
  with open(stderr_path, "w+") as stderr_file:
    process = subprocess.run(
        [sys.executable, "-m", "tf1seq.run"] + args, cwd=workdir, env=env,
        stdout=subprocess.PIPE, stderr=stderr_file, text=True,
        timeout=timeout, check=False)
    stderr_file.seek(0)
    return process.returncode, process.stdout, stderr_file.read()


class BiLstmCrfTaggerTest(tf.test.TestCase):

  def test_trains_to_95_percent_with_everything_covered(self):
    workdir = self.create_tempdir().full_path
    returncode, stdout, stderr = tf1seq_run(
        ["--report", SCRIPT, "--train_steps=300"], workdir)
    if returncode != 0:
      self.fail("exit status %d\nstdout:\n%s\nstderr:\n%s" %
                (returncode, stdout[-2000:], stderr[-4000:]))
    summary = re.search(r"^Summary: (\d+) symbols, (\d+) covered, "
                        r"(\d+) not covered\.$", stdout, re.MULTILINE)
    self.assertIsNotNone(summary, stdout)
    self.assertEqual(summary.group(2), summary.group(1))
    self.assertEqual(summary.group(3), "0")
    for symbol in ("tf.contrib.crf.crf_log_likelihood",
                   "tf.contrib.crf.crf_decode",
                   "tf.contrib.crf.viterbi_decode",
                   "tf.contrib.rnn.LSTMCell",
                   "tf.contrib.training.HParams",
                   "tf.contrib.learn.preprocessing.VocabularyProcessor"):
      self.assertRegex(stdout, r"\n  %s +tf1seq +line" % re.escape(symbol))
    losses = [float(x) for x in re.findall(r"^step \d+ loss ([\d.]+)$",
                                           stdout, re.MULTILINE)]
    self.assertLen(losses, 6)
    self.assertLess(losses[-1], losses[0])
    accuracy = float(re.search(r"^token_accuracy ([\d.]+)$", stdout,
                               re.MULTILINE).group(1))
    self.assertGreaterEqual(accuracy, 0.95)
    self.assertRegex(stdout, r"(?m)^viterbi_agreement 200/200$")


if __name__ == "__main__":
  tf.test.main()
