"""Runs tests/legacy_scripts/nmt_attention.py unmodified under tf1seq.run.

The TF1 attention NMT program (bidirectional LSTM encoder, AttentionWrapper
decoder, greedy and beam search inference, learning to reverse digit
strings) runs in subprocesses with `python -m tf1seq.run` (stderr to a file:
a pipe nobody drains would block it):

  * `--mode=train --report`: the migration report covers every TF1 symbol
    it uses; after training, greedy decoding gets >= 90% of the held-out
    strings exactly right and beam search at least as many;
  * `--mode=infer` in a new process restores the checkpoint and translates
    every held-out string as the training process did;
  * a checkpoint the same program saved under TensorFlow 1.15
    (tests/testdata/nmt_attention/, from make_nmt_attention_fixtures.py)
    restores in `--mode=infer` and translates every held-out string, greedy
    and beam, as TensorFlow 1.15 did.
"""

import os
import re
import shutil
import subprocess
import sys

import tensorflow as tf

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "legacy_scripts", "nmt_attention.py")
TF115_DIR = os.path.join(HERE, "testdata", "nmt_attention")
# The model flags make_nmt_attention_fixtures.py trained with.
TF115_FLAGS = ["--num_units=16", "--embedding_size=8", "--learning_rate=0.02",
               "--num_test=300"]


def tf1seq_run(args, workdir, timeout=300):
  """`python -m tf1seq.run args` in `workdir`: (returncode, stdout, stderr)."""
  root = os.path.dirname(HERE)
  env = dict(os.environ, PYTHONPATH=os.pathsep.join(
      [root, os.environ.get("PYTHONPATH", "")]))
  stderr_path = os.path.join(workdir, "stderr-%d.txt" % len(
      os.listdir(workdir)))
  with open(stderr_path, "w+") as stderr_file:
    process = subprocess.run(
        [sys.executable, "-m", "tf1seq.run"] + args, cwd=workdir, env=env,
        stdout=subprocess.PIPE, stderr=stderr_file, text=True,
        timeout=timeout, check=False)
    stderr_file.seek(0)
    return process.returncode, process.stdout, stderr_file.read()


def read(path):
  with open(path) as f:
    return f.read()


class NmtAttentionTest(tf.test.TestCase):

  def run_script(self, args, workdir):
    returncode, stdout, stderr = tf1seq_run(args, workdir)
    if returncode != 0:
      self.fail("exit status %d\nstdout:\n%s\nstderr:\n%s" %
                (returncode, stdout[-2000:], stderr[-4000:]))
    return stdout

  def accuracies(self, stdout):
    """(greedy, beam) exact-match accuracies the program printed."""
    found = [re.search(r"^%s_accuracy ([\d.]+)$" % kind, stdout,
                       re.MULTILINE) for kind in ("greedy", "beam")]
    self.assertNotIn(None, found, stdout)
    return tuple(float(match.group(1)) for match in found)

  def assert_learns(self, stdout):
    losses = [float(x) for x in re.findall(r"^step \d+ loss ([\d.]+)$",
                                           stdout, re.MULTILINE)]
    self.assertLen(losses, 7)  # Step 1, then every 50 steps.
    self.assertLess(losses[-1], losses[0] / 20)
    greedy, beam = self.accuracies(stdout)
    self.assertGreaterEqual(greedy, 0.9)
    self.assertGreaterEqual(beam, greedy)
    return greedy, beam

  def test_luong_trains_and_infer_process_restores(self):
    workdir = self.create_tempdir().full_path
    stdout = self.run_script(
        ["--report", SCRIPT, "--mode=train", "--out_dir=model",
         "--train_steps=300", "--translations_file=train"], workdir)
    summary = re.search(r"^Summary: (\d+) symbols, (\d+) covered, "
                        r"(\d+) not covered\.$", stdout, re.MULTILINE)
    self.assertIsNotNone(summary, stdout)
    self.assertEqual(summary.group(2), summary.group(1))
    self.assertEqual(summary.group(3), "0")
    for name in ("AttentionWrapper", "LuongAttention", "BahdanauAttention",
                 "TrainingHelper", "GreedyEmbeddingHelper", "BasicDecoder",
                 "BeamSearchDecoder", "tile_batch", "dynamic_decode",
                 "sequence_loss"):
      self.assertRegex(stdout, r"\n  tf\.contrib\.seq2seq\.%s +tf1seq +line"
                       % name)
    for symbol in ("tf.nn.bidirectional_dynamic_rnn", "tf.layers.Dense",
                   "tf.nn.rnn_cell.LSTMCell", "tf.contrib.rnn.LSTMCell"):
      self.assertRegex(stdout, r"\n  %s +tf1seq +line" % re.escape(symbol))
    trained = self.assert_learns(stdout)
    self.assertRegex(stdout, r"(?m)^saved model/model\.ckpt-300$")

    stdout = self.run_script(
        [SCRIPT, "--mode=infer", "--out_dir=model",
         "--translations_file=infer"], workdir)
    self.assertEqual(self.accuracies(stdout), trained)
    for suffix in (".greedy", ".beam"):
      translations = read(os.path.join(workdir, "infer" + suffix))
      self.assertLen(translations.splitlines(), 300)
      self.assertEqual(translations,
                       read(os.path.join(workdir, "train" + suffix)))

  def test_bahdanau_trains(self):
    workdir = self.create_tempdir().full_path
    self.assert_learns(self.run_script(
        [SCRIPT, "--mode=train", "--out_dir=model", "--train_steps=300",
         "--attention=bahdanau"], workdir))

  def test_restores_tf115_checkpoint_and_translates_as_tf115(self):
    workdir = self.create_tempdir().full_path
    model_dir = os.path.join(workdir, "model")
    shutil.copytree(TF115_DIR, model_dir)
    stdout = self.run_script(
        [SCRIPT, "--mode=infer", "--out_dir=model",
         "--translations_file=tf1seq"] + TF115_FLAGS, workdir)
    self.assertEqual(self.accuracies(stdout),
                     self.accuracies(read(os.path.join(
                         TF115_DIR, "tf115_output.txt"))))
    for suffix in (".greedy", ".beam"):
      expected = read(os.path.join(TF115_DIR, "translations" + suffix))
      self.assertLen(expected.splitlines(), 300)
      self.assertEqual(read(os.path.join(workdir, "tf1seq" + suffix)),
                       expected)


if __name__ == "__main__":
  tf.test.main()
