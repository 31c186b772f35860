"""train.stateful_seq on TensorFlow's parameter-server runtime, real processes.

Every process listens on 127.0.0.1 only; every wait is bounded.
"""

import glob
import io
import json
import os
import subprocess
import sys

import tensorflow as tf

from train import cluster
from train import char_lm_model
from train import launch_local
from train import stateful_seq

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FORTUNES = "/usr/share/games/fortunes/*.u8"
DECLARATION = os.path.join(ROOT, "tests", "legacy_scripts", "data",
                           "declaration.txt")
TEXT_CHARS = 6000
TRAINER_FLAGS = ["--num_layers=1", "--num_units=16", "--embedding_size=8",
                 "--batch_size=4", "--num_steps=10", "--learning_rate=0.01",
                 "--log_every=10", "--save_checkpoint_steps=1000",
                 "--intra_op_threads=1", "--inter_op_threads=1"]


def write_text(directory):
  """A few KB of real text (fortunes if installed); returns its path."""
  text = ""
  for path in sorted(glob.glob(FORTUNES)) or [DECLARATION]:
    with open(path, encoding="utf-8") as f:
      text += f.read()
    if len(text) >= TEXT_CHARS:
      break
  path = os.path.join(directory, "text.txt")
  with open(path, "w", encoding="utf-8") as f:
    f.write(text[:TEXT_CHARS])
  return path


def read_metrics(model_dir):
  with open(os.path.join(model_dir, "metrics.json")) as f:
    return json.load(f)


class PlacementTest(tf.test.TestCase):

  def test_state_variables_stay_on_the_worker(self):
    task = cluster.Task(["127.0.0.1:1"], ["127.0.0.1:2", "127.0.0.1:3"],
                        "worker", 1)
    config = char_lm_model.test_config(11, state_mode="variable")
    with tf.Graph().as_default(), tf.compat.v1.device(task.device_setter()):
      char_lm_model.build_models(config, 10, task)
      global_devices = {v.device for v in tf.compat.v1.global_variables()}
      local_devices = {v.device for v in tf.compat.v1.local_variables()}
    self.assertEqual(global_devices, {"/job:ps/task:0"})
    self.assertEqual(local_devices, {"/job:worker/task:1"})

  def test_each_worker_starts_at_its_own_offset(self):
    single = cluster.Task()
    self.assertEqual(stateful_seq.first_window(0, 10, single), 0)
    self.assertEqual(stateful_seq.first_window(23, 10, single), 3)
    workers = [cluster.Task(["a:1"], ["b:1", "c:1"], "worker", i)
               for i in range(2)]
    self.assertEqual([stateful_seq.first_window(0, 10, w) for w in workers],
                     [0, 5])
    self.assertEqual([stateful_seq.first_window(7, 10, w) for w in workers],
                     [7, 2])


class ClusterTrainingTest(tf.test.TestCase):

  def _launch(self, args, sync=False):
    logs = io.StringIO()
    codes = launch_local.launch("train.stateful_seq", args, num_ps=1,
                                num_workers=2, sync_replicas=sync,
                                timeout=200, out=logs)
    return codes, logs.getvalue()

  def _check_both_workers(self, steps, codes, logs):
    # launch() returns once every process, parameter server too, is ended.
    self.assertEqual(codes, [0, 0], logs[-3000:])
    self.assertRegex(logs, r"\[worker0\].*worker 0: step \d+/%d" % steps)
    self.assertRegex(logs, r"\[worker1\].*worker 1: step \d+/%d" % steps)
    self.assertRegex(logs, r"\[worker1\].*worker 1 finished at global step")
    self.assertRegex(logs, r"\[ps0\].*parameter server 0 serving")

  def test_async_feed_mode_and_single_process_resume(self):
    directory = self.create_tempdir().full_path
    model_dir = os.path.join(directory, "model")
    steps = 300
    args = TRAINER_FLAGS + [
        "--text_file=" + write_text(directory), "--model_dir=" + model_dir,
        "--train_steps=%d" % steps, "--state_mode=feed", "--sample",
        "--sample_length=20", "--export_dir=" + os.path.join(model_dir,
                                                              "export")]
    codes, logs = self._launch(args)
    self._check_both_workers(steps, codes, logs)
    metrics = read_metrics(model_dir)
    step = metrics["global_step"]
    self.assertGreaterEqual(step, steps)
    # Asynchronous: the chief made only part of the steps.
    self.assertBetween(metrics["steps_this_run"], 1, step - 1)
    # Only the chief writes: one event file, its checkpoint, sample, export.
    self.assertLen(glob.glob(os.path.join(model_dir, "events.out.*")), 1)
    checkpoint = tf.train.latest_checkpoint(model_dir)
    self.assertEqual(metrics["checkpoint"], checkpoint)
    self.assertEqual(tf.train.load_variable(checkpoint, "global_step"), step)
    self.assertTrue(os.path.exists(os.path.join(model_dir, "sample.json")))
    self.assertEqual(metrics["export_path"],
                     os.path.join(model_dir, "export", "1"))
    self.assertEqual(metrics["history"][-1]["step"], step)

    # The same flags, single-process: resumes from the chief's checkpoint
    # and evaluates it the same.
    result = subprocess.run(
        [sys.executable, "-m", "train.stateful_seq"] + args +
        ["--train_steps=%d" % step], capture_output=True, text=True,
        timeout=200, check=False)
    self.assertEqual(result.returncode, 0, result.stderr[-3000:])
    self.assertIn("resuming from step %d" % step, result.stderr)
    resumed = read_metrics(model_dir)
    self.assertEqual(resumed["global_step"], step)
    self.assertAllClose(resumed["validation_bits_per_char"],
                        metrics["validation_bits_per_char"])

  def test_sync_variable_mode(self):
    directory = self.create_tempdir().full_path
    model_dir = os.path.join(directory, "model")
    # Enough steps that the second worker joins before the first, alone
    # (it may supply every gradient a sync step needs), has finished.
    steps = 300
    codes, logs = self._launch(TRAINER_FLAGS + [
        "--text_file=" + write_text(directory), "--model_dir=" + model_dir,
        "--train_steps=%d" % steps, "--state_mode=variable"], sync=True)
    self._check_both_workers(steps, codes, logs)
    metrics = read_metrics(model_dir)
    self.assertGreaterEqual(metrics["global_step"], steps)
    self.assertEqual(metrics["flags"]["state_mode"], "variable")
    # The state variables are each worker's own: not checkpointed.
    names = [name for name, _ in tf.train.list_variables(model_dir)]
    self.assertIn("softmax/kernel", names)
    self.assertFalse([name for name in names if "state" in name], names)


if __name__ == "__main__":
  tf.test.main()
