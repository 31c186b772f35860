"""train.mnist_rnn on TensorFlow's parameter-server runtime, real processes.

Every process listens on 127.0.0.1 only; every wait is bounded.
"""

import io
import json
import os
import re
import signal
import subprocess
import sys
import time

import tensorflow as tf

from train import cluster
from train import launch_local

TRAINER_FLAGS = ["--dataset=mnist_sample", "--num_units=16",
                 "--batch_size=32", "--learning_rate=0.01", "--log_every=20",
                 "--save_checkpoint_steps=50", "--intra_op_threads=1",
                 "--inter_op_threads=1"]


def read_metrics(model_dir):
  with open(os.path.join(model_dir, "metrics.json")) as f:
    return json.load(f)


def single_process(model_dir, steps, timeout=300):
  """Runs the trainer single-process on `model_dir`; returns its output."""
  result = subprocess.run(
      [sys.executable, "-m", "train.mnist_rnn"] + TRAINER_FLAGS +
      ["--model_dir=" + model_dir, "--train_steps=%d" % steps],
      capture_output=True, text=True, timeout=timeout, check=False)
  if result.returncode != 0:
    raise AssertionError(result.stderr[-3000:])
  return result.stderr


class TaskTest(tf.test.TestCase):

  def test_single_process_by_default(self):
    task = cluster.Task()
    self.assertTrue(task.is_chief)
    self.assertFalse(task.is_distributed)
    self.assertEqual(task.master(), "")
    self.assertIsNone(task.device_setter())

  def test_tf_config(self):
    flag_values = type("Flags", (), dict(ps_hosts=[], worker_hosts=[],
                                         job_name=None, task_index=0,
                                         sync_replicas=False))
    task = cluster.Task.from_flags(flag_values, environ={
        "TF_CONFIG": json.dumps({
            "cluster": {"ps": ["127.0.0.1:1"],
                        "worker": ["127.0.0.1:2", "127.0.0.1:3"]},
            "task": {"type": "worker", "index": 1}})})
    self.assertEqual(task.name, "worker 1")
    self.assertFalse(task.is_chief)
    self.assertEqual(task.num_workers, 2)
    with self.assertRaisesRegex(ValueError, r"TF_CONFIG must be JSON"):
      cluster.Task.from_flags(flag_values, environ={"TF_CONFIG": "{"})

  def test_bad_descriptions(self):
    with self.assertRaisesRegex(ValueError, r"needs both --ps_hosts and "
                                r"--worker_hosts"):
      cluster.Task(ps_hosts=["a:1"], job_name="ps")
    with self.assertRaisesRegex(ValueError, r"--task_index=2 is out of range "
                                r"for 2 worker task\(s\)"):
      cluster.Task(["a:1"], ["b:1", "c:1"], "worker", 2)
    with self.assertRaisesRegex(ValueError, r"--job_name must be 'ps' or "
                                r"'worker'"):
      cluster.Task(["a:1"], ["b:1"], None)
    with self.assertRaisesRegex(ValueError, r"--sync_replicas needs a "
                                r"cluster"):
      cluster.Task(sync_replicas=True)


class ClusterTrainingTest(tf.test.TestCase):

  def _launch(self, model_dir, steps, sync):
    logs = io.StringIO()
    codes = launch_local.launch(
        "train.mnist_rnn", TRAINER_FLAGS + [
            "--model_dir=" + model_dir, "--train_steps=%d" % steps,
            "--export_dir=" + os.path.join(model_dir, "export")],
        num_ps=1, num_workers=2, sync_replicas=sync, timeout=400, out=logs)
    return codes, logs.getvalue()

  def _check_run(self, model_dir, steps, codes, logs):
    self.assertEqual(codes, [0, 0], logs[-3000:])
    # Both workers made steps.
    self.assertRegex(logs, r"\[worker0\].*worker 0: step \d+/%d" % steps)
    self.assertRegex(logs, r"\[worker1\].*worker 1: step \d+/%d" % steps)
    self.assertRegex(logs, r"\[worker1\].*worker 1 finished at global step")
    metrics = read_metrics(model_dir)
    self.assertGreaterEqual(metrics["global_step"], steps)
    self.assertGreater(metrics["steps_this_run"], 0)
    # The chief's checkpoint restores single-process and evaluates the same.
    output = single_process(model_dir, metrics["global_step"])
    self.assertIn("resuming from step %d" % metrics["global_step"], output)
    self.assertAllClose(read_metrics(model_dir)["test_accuracy"],
                        metrics["test_accuracy"])
    # The chief's export loads.
    export_path = metrics["export_path"]
    self.assertEqual(export_path, os.path.join(model_dir, "export", "1"))
    loaded = tf.saved_model.load(export_path)
    probabilities = loaded.signatures["serving_default"](
        images=tf.zeros([2, 28, 28]))["probabilities"]
    self.assertEqual(probabilities.shape, (2, 10))

  def test_async_training(self):
    model_dir = self.create_tempdir().full_path
    codes, logs = self._launch(model_dir, 300, sync=False)
    self._check_run(model_dir, 300, codes, logs)
    metrics = read_metrics(model_dir)
    # Asynchronous: the chief made only part of the steps.
    self.assertLess(metrics["steps_this_run"], metrics["global_step"])
    self.assertGreater(metrics["test_accuracy"], 0.5)

  def test_sync_training(self):
    model_dir = self.create_tempdir().full_path
    codes, logs = self._launch(model_dir, 200, sync=True)
    self._check_run(model_dir, 200, codes, logs)


class FaultTest(tf.test.TestCase):

  def test_killed_worker_does_not_stop_chief_and_rejoins(self):
    model_dir = self.create_tempdir().full_path
    steps = 2000
    ports = launch_local.free_ports(3)
    ps_hosts = ["127.0.0.1:%d" % ports[0]]
    worker_hosts = ["127.0.0.1:%d" % p for p in ports[1:]]
    args = TRAINER_FLAGS + ["--model_dir=" + model_dir,
                            "--train_steps=%d" % steps]

    def start(job_name, index, log_name):
      command = launch_local.task_command(
          "train.mnist_rnn", args, ps_hosts, worker_hosts, job_name, index,
          False)
      log = open(os.path.join(model_dir, log_name), "w")
      self.addCleanup(log.close)
      process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT,
                                 start_new_session=True)
      self.addCleanup(_end, process)
      return process

    def log_of(log_name):
      with open(os.path.join(model_dir, log_name)) as f:
        return f.read()

    ps = start("ps", 0, "ps.log")
    chief = start("worker", 0, "worker0.log")
    worker = start("worker", 1, "worker1.log")
    deadline = time.time() + 300
    while "worker 1: step" not in log_of("worker1.log"):
      self.assertLess(time.time(), deadline, log_of("worker1.log")[-2000:])
      self.assertIsNone(worker.poll(), log_of("worker1.log")[-2000:])
      time.sleep(0.5)
    worker.send_signal(signal.SIGKILL)
    worker.wait(timeout=30)
    restarted = start("worker", 1, "worker1_restarted.log")
    self.assertEqual(chief.wait(timeout=400), 0, log_of("worker0.log")[-3000:])
    self.assertEqual(restarted.wait(timeout=120), 0,
                     log_of("worker1_restarted.log")[-3000:])
    self.assertIn("worker 1: step", log_of("worker1_restarted.log"))
    metrics = read_metrics(model_dir)
    self.assertGreaterEqual(metrics["global_step"], steps)
    # The chief's final checkpoint is intact: it restores and evaluates.
    single_process(model_dir, metrics["global_step"])
    _end(ps)
    for process in (ps, chief, worker, restarted):
      self.assertIsNotNone(process.poll())


  def test_chief_recovers_damaged_checkpoint_worker_leaves_on_sigterm(self):
    model_dir = self.create_tempdir().full_path
    single_process(model_dir, 100)  # Checkpoints of steps 0, 50 and 100.
    damaged = os.path.join(model_dir, "model.ckpt-100")
    data_file = damaged + ".data-00000-of-00001"
    with open(data_file, "r+b") as f:
      f.truncate(os.path.getsize(data_file) // 2)
    with open(data_file, "rb") as f:
      damaged_bytes = f.read()
    steps = 2000
    ports = launch_local.free_ports(3)
    ps_hosts = ["127.0.0.1:%d" % ports[0]]
    worker_hosts = ["127.0.0.1:%d" % p for p in ports[1:]]
    args = TRAINER_FLAGS + ["--model_dir=" + model_dir,
                            "--train_steps=%d" % steps]
    processes = {}
    for job_name, index in (("ps", 0), ("worker", 0), ("worker", 1)):
      command = launch_local.task_command(
          "train.mnist_rnn", args, ps_hosts, worker_hosts, job_name, index,
          False)
      log = open(os.path.join(model_dir, "%s%d.log" % (job_name, index)), "w")
      self.addCleanup(log.close)
      processes[job_name, index] = subprocess.Popen(
          command, stdout=log, stderr=subprocess.STDOUT,
          start_new_session=True)
      self.addCleanup(_end, processes[job_name, index])

    def log_of(name):
      with open(os.path.join(model_dir, name)) as f:
        return f.read()

    worker = processes["worker", 1]
    deadline = time.time() + 300
    while "worker 1: step" not in log_of("worker1.log"):
      self.assertLess(time.time(), deadline, log_of("worker1.log")[-2000:])
      self.assertIsNone(worker.poll(), log_of("worker1.log")[-2000:])
      time.sleep(0.5)
    worker.send_signal(signal.SIGTERM)
    self.assertEqual(worker.wait(timeout=60), 0, log_of("worker1.log")[-3000:])
    left = re.search(r"worker 1: left the cluster on SIGTERM after global "
                     r"step (\d+)", log_of("worker1.log"))
    self.assertIsNotNone(left, log_of("worker1.log")[-3000:])
    self.assertLess(int(left.group(1)), steps)
    # The chief went on alone to the end.
    chief = processes["worker", 0]
    self.assertEqual(chief.wait(timeout=400), 0, log_of("worker0.log")[-3000:])
    chief_log = log_of("worker0.log")
    self.assertRegex(chief_log, r"the checkpoint %s is damaged \(.+\); it is "
                     r"left in place" % damaged)
    self.assertIn("resuming from step 50 ", chief_log)
    self.assertGreaterEqual(read_metrics(model_dir)["global_step"], steps)
    # The damaged data is still there (moved aside if step 100 was saved
    # again).
    kept = []
    for name in os.listdir(model_dir):
      if name.startswith("model.ckpt-100.") and "data" in name:
        with open(os.path.join(model_dir, name), "rb") as f:
          kept.append(f.read() == damaged_bytes)
    self.assertIn(True, kept)
    _end(processes["ps", 0])


def _end(process):
  if process.poll() is None:
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)


if __name__ == "__main__":
  tf.test.main()
