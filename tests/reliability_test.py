"""Faults the shared training loop survives, for every trainer.

Damaged checkpoints (truncated, zeroed and missing data and index files),
preemption by SIGTERM/SIGINT (real processes), one run per model_dir, full
disks (injected write failures) and idempotent, never-reused export
versions; for the MNIST row-LSTM (real digits of `mnist_sample`, tiny
model) and the character LM (tiny text).
"""

import hashlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from unittest import mock

from absl import logging
from absl.testing import parameterized
import numpy as np
import tensorflow as tf

from tf1seq import export
from tf1seq import files
from tf1seq import rnn
from tf1seq.data import mnist
from tf1seq.data import tbptt
from tf1seq.data import text
from train import char_lm_model
from train import checkpoints
from train import loop
from train import model_dir_lock
from train import mnist_rnn
from train import stateful_seq

TEXT = ("It was the best of times, it was the worst of times, it was the "
        "age of wisdom, it was the age of foolishness.\n") * 6
# Tiny MNIST runs in a subprocess: real digits, one thread, no XLA.
TRAINER_FLAGS = ["--dataset=mnist_sample", "--num_units=16",
                 "--batch_size=32", "--learning_rate=0.01", "--log_every=5",
                 "--save_checkpoint_steps=100000", "--validation_size=100",
                 "--intra_op_threads=1", "--inter_op_threads=1", "--noxla"]


def setUpModule():
  rnn.set_xla(False)  # The tiny models build faster; same values.


def tearDownModule():
  rnn.set_xla(True)


def mnist_sample_splits(num_train=640, num_test=200):
  splits = mnist.load("mnist_sample")
  return splits._replace(train_images=splits.train_images[:num_train],
                         train_labels=splits.train_labels[:num_train],
                         test_images=splits.test_images[:num_test],
                         test_labels=splits.test_labels[:num_test])


def train_mnist(model_dir, steps, save_every=10, keep=10):
  config = mnist_rnn.test_config()
  data = mnist_rnn.Data(mnist_sample_splits(), validation_size=64,
                        batch_size=config.batch_size, seed=config.seed)
  return mnist_rnn.train(
      config, data, model_dir, total_steps=steps, eval_every=1000,
      log_every=10, save_checkpoint_steps=save_every,
      keep_checkpoint_max=keep, session_config=loop.session_config(1, 1))


def train_char_lm(model_dir, steps, save_every=10, keep=10):
  config = char_lm_model.test_config(1)
  vocab = text.Vocabulary.from_text(TEXT)
  config.vocab_size = vocab.size
  train_batches, valid_batches = tbptt.text_batches(
      TEXT, vocab, config.batch_size, config.eval_batch_size,
      config.num_steps, 0.1)
  return stateful_seq.train(
      config, train_batches, valid_batches, model_dir, steps,
      eval_every=1000, log_every=10, save_checkpoint_steps=save_every,
      keep_checkpoint_max=keep,
      session_config=loop.session_config(1, 1))


TRAINERS = {"mnist": train_mnist, "char_lm": train_char_lm}


def _data_file(prefix):
  return prefix + ".data-00000-of-00001"


def _truncate(path):
  size = os.path.getsize(path)
  with open(path, "r+b") as f:
    f.truncate(size // 2)


def _zero(path):
  size = os.path.getsize(path)
  with open(path, "wb") as f:
    f.write(b"\0" * size)


# Each kind of damage: what it does to a checkpoint prefix.
DAMAGE = {
    "truncated_data": lambda prefix: _truncate(_data_file(prefix)),
    "zeroed_data": lambda prefix: _zero(_data_file(prefix)),
    "missing_data": lambda prefix: os.remove(_data_file(prefix)),
    "truncated_index": lambda prefix: _truncate(prefix + ".index"),
    "zeroed_index": lambda prefix: _zero(prefix + ".index"),
    "missing_index": lambda prefix: os.remove(prefix + ".index"),
}


def _digests(paths):
  digests = {}
  for path in paths:
    with open(path, "rb") as f:
      digests[os.path.basename(path)] = hashlib.sha256(f.read()).hexdigest()
  return digests


def _checkpoint_files(prefix):
  directory = os.path.dirname(prefix)
  base = os.path.basename(prefix)
  return sorted(os.path.join(directory, name)
                for name in os.listdir(directory)
                if name.startswith(base + ".") and
                name[len(base) + 1:].split(".")[0] in ("index", "data-00000-"
                                                        "of-00001"))


def _warnings(records):
  return "\n".join(r.getMessage() for r in records
                   if r.levelname == "WARNING")


class VerifyCheckpointTest(tf.test.TestCase, parameterized.TestCase):

  def _save(self):
    directory = self.create_tempdir().full_path
    with tf.Graph().as_default():
      tf.compat.v1.get_variable("w", [100, 30])
      tf.compat.v1.get_variable("b", [30])
      with tf.compat.v1.Session() as session:
        session.run(tf.compat.v1.global_variables_initializer())
        return tf.compat.v1.train.Saver().save(session, directory + "/ckpt")

  def test_intact(self):
    self.assertIsNone(checkpoints.verify_checkpoint(self._save()))

  @parameterized.named_parameters(*[(name, name) for name in DAMAGE])
  def test_damage_is_found(self, damage):
    prefix = self._save()
    DAMAGE[damage](prefix)
    problem = checkpoints.verify_checkpoint(prefix)
    self.assertIsNotNone(problem)
    expected = {"zeroed_data": r"Checksum does not match",
                "missing_data": r"No such file",
                "truncated_data": r"Read less bytes",
                "zeroed_index": r"not an sstable",
                "truncated_index": r".",
                "missing_index": r"."}[damage]
    self.assertRegex(problem, expected)


class CheckpointRecoveryTest(tf.test.TestCase, parameterized.TestCase):

  @parameterized.named_parameters(("mnist", "mnist"), ("char_lm", "char_lm"))
  def test_resumes_from_newest_intact_and_keeps_the_damaged(self, trainer):
    model_dir = self.create_tempdir().full_path
    train = TRAINERS[trainer]
    train(model_dir, 70)
    prefix = os.path.join(model_dir, "model.ckpt-%d")
    # One kind of damage on each of the six newest checkpoints.
    damaged = {}
    for step, damage in zip(range(70, 10, -10), sorted(DAMAGE)):
      DAMAGE[damage](prefix % step)
      damaged[prefix % step] = _digests(_checkpoint_files(prefix % step))
    intact_10 = _digests(_checkpoint_files(prefix % 10))
    with self.assertLogs("absl", "INFO") as logs:
      metrics = train(model_dir, 80)
    warned = _warnings(logs.records)
    for damaged_prefix in damaged:
      self.assertRegex(warned, r"the checkpoint %s is damaged \(.+\); it is "
                       r"left in place" % damaged_prefix)
    self.assertIn("resuming from %s, the newest intact" % (prefix % 10),
                  warned)
    self.assertIn("resuming from step 10 ",
                  "\n".join(r.getMessage() for r in logs.records))
    self.assertEqual(metrics["global_step"], 80)
    self.assertEqual(metrics["steps_this_run"], 70)
    self.assertEqual(metrics["checkpoint"], prefix % 80)
    self.assertIsNone(checkpoints.verify_checkpoint(prefix % 80))
    # The run wrote steps 20..70 again: each damaged checkpoint was moved
    # aside first, byte for byte.
    names = os.listdir(model_dir)
    for damaged_prefix, digests in damaged.items():
      base = os.path.basename(damaged_prefix)
      aside = [n for n in names if n.startswith(base + ".damaged-")]
      aside_digests = {}
      for name in aside:
        if name.endswith(".meta"):
          continue
        with open(os.path.join(model_dir, name), "rb") as f:
          suffix = name.split(".damaged-")[1].split(".", 1)[1]
          aside_digests[base + "." + suffix] = hashlib.sha256(
              f.read()).hexdigest()
      self.assertEqual(aside_digests, digests)
      self.assertIsNone(checkpoints.verify_checkpoint(damaged_prefix))
    # The restored checkpoint was re-saved unchanged.
    self.assertEqual(_digests(_checkpoint_files(prefix % 10)), intact_10)

  @parameterized.named_parameters(("mnist", "mnist"), ("char_lm", "char_lm"))
  def test_no_intact_checkpoint_refuses_and_lists_them(self, trainer):
    model_dir = self.create_tempdir().full_path
    train = TRAINERS[trainer]
    train(model_dir, 20)
    prefix = os.path.join(model_dir, "model.ckpt-%d")
    DAMAGE["zeroed_data"](prefix % 0)
    DAMAGE["missing_index"](prefix % 10)
    DAMAGE["truncated_data"](prefix % 20)
    before = sorted(os.listdir(model_dir))
    with self.assertRaisesRegex(
        checkpoints.DamagedCheckpointError,
        r"no checkpoint in .* reads back whole: "
        r".*model\.ckpt-20 \(Read less bytes.*\); "
        r".*model\.ckpt-10 \(.+\); "
        r".*model\.ckpt-0 \(.*Checksum does not match.*\)\. "
        r"They were left in place"):
      train(model_dir, 30)
    self.assertEqual(sorted(os.listdir(model_dir)), before)

  def test_unreadable_state_file_uses_the_files(self):
    model_dir = self.create_tempdir().full_path
    train_mnist(model_dir, 20)
    with open(os.path.join(model_dir, "checkpoint"), "w") as f:
      f.write("this is {{ not a text proto")
    with self.assertLogs("absl", "INFO") as logs:
      metrics = train_mnist(model_dir, 30)
    self.assertIn("checkpoint state file", _warnings(logs.records))
    self.assertIn("resuming from step 20 ",
                  "\n".join(r.getMessage() for r in logs.records))
    self.assertEqual(metrics["global_step"], 30)


def _wait_for(predicate, process, log_path, timeout=180):
  deadline = time.time() + timeout
  while not predicate():
    if process.poll() is not None or time.time() > deadline:
      with open(log_path) as f:
        raise AssertionError("gave up waiting; log:\n" + f.read()[-3000:])
    time.sleep(0.2)


class PreemptionAndLockTest(tf.test.TestCase):
  """Real processes of `python -m train.mnist_rnn`."""

  def _start(self, model_dir, steps, log_name, extra=()):
    log_path = os.path.join(self.create_tempdir().full_path, log_name)
    log = open(log_path, "w")
    self.addCleanup(log.close)
    process = subprocess.Popen(
        [sys.executable, "-m", "train.mnist_rnn"] + TRAINER_FLAGS +
        ["--model_dir=" + model_dir, "--train_steps=%d" % steps] +
        list(extra), stdout=log, stderr=subprocess.STDOUT)
    self.addCleanup(_end, process)
    return process, log_path

  def _log(self, log_path):
    with open(log_path) as f:
      return f.read()

  def test_sigterm_checkpoints_and_resume_continues_identically(self):
    model_dir = self.create_tempdir().full_path
    first, first_log = self._start(model_dir, 100000, "first.log")
    _wait_for(lambda: "step 10/100000" in self._log(first_log), first,
              first_log)
    # A second run on the same model_dir refuses at once, naming the first.
    second = subprocess.run(
        [sys.executable, "-m", "train.mnist_rnn"] + TRAINER_FLAGS +
        ["--model_dir=" + model_dir, "--train_steps=10"],
        capture_output=True, text=True, timeout=120, check=False)
    self.assertEqual(second.returncode, 1, second.stderr[-2000:])
    self.assertRegex(
        second.stderr, r"%s is in use by another run: pid %d on host %s, "
        r"started \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC "
        r"\(.*train/mnist_rnn\.py --dataset" %
        (model_dir, first.pid, socket.gethostname()))
    self.assertIsNone(first.poll())
    first.send_signal(signal.SIGTERM)
    self.assertEqual(first.wait(timeout=60), 0,
                     self._log(first_log)[-3000:])
    output = self._log(first_log)
    match = re.search(r"stopped by SIGTERM at step (\d+) \(epoch [\d.]+\): "
                      r"checkpoint (\S+) written", output)
    self.assertIsNotNone(match, output[-3000:])
    stopped = int(match.group(1))
    self.assertEqual(match.group(2),
                     os.path.join(model_dir, "model.ckpt-%d" % stopped))
    metrics = files.read_json(os.path.join(model_dir, "metrics.json"))
    self.assertEqual(metrics["global_step"], stopped)
    self.assertEqual(metrics["interrupted"], "SIGTERM")
    self.assertFalse(os.path.exists(os.path.join(model_dir, model_dir_lock.LOCK_FILE)))
    # The re-run continues from that step, reading the same batches: it
    # ends with the weights of a run that was never stopped.
    total = stopped + 7
    resumed, resumed_log = self._start(model_dir, total, "resumed.log")
    straight_dir = self.create_tempdir().full_path
    straight, straight_log = self._start(straight_dir, total, "straight.log")
    self.assertEqual(resumed.wait(timeout=180), 0,
                     self._log(resumed_log)[-3000:])
    self.assertIn("resuming from step %d " % stopped, self._log(resumed_log))
    self.assertEqual(straight.wait(timeout=180), 0,
                     self._log(straight_log)[-3000:])
    resumed_values = tf.train.load_checkpoint(
        os.path.join(model_dir, "model.ckpt-%d" % total))
    straight_values = tf.train.load_checkpoint(
        os.path.join(straight_dir, "model.ckpt-%d" % total))
    names = sorted(resumed_values.get_variable_to_shape_map())
    self.assertEqual(names,
                     sorted(straight_values.get_variable_to_shape_map()))
    differences = [np.max(np.abs(resumed_values.get_tensor(name) -
                                 straight_values.get_tensor(name)))
                   for name in names]
    logging.info("stopped at step %d; max |resumed - never stopped| over "
                 "%d variables at step %d: %g", stopped, len(names), total,
                 max(differences))
    self.assertLessEqual(max(differences), 1e-6)

  def test_second_signal_exits_at_once_and_its_lock_does_not_block(self):
    model_dir = self.create_tempdir().full_path
    process, log_path = self._start(
        model_dir, 100000, "run.log", ["--save_checkpoint_steps=10"])
    _wait_for(lambda: "step 20/100000" in self._log(log_path), process,
              log_path)
    process.send_signal(signal.SIGINT)
    process.send_signal(signal.SIGTERM)
    self.assertEqual(process.wait(timeout=60), 128 + signal.SIGTERM,
                     self._log(log_path)[-3000:])
    self.assertIn("SIGTERM again: exiting at once, without a checkpoint",
                  self._log(log_path))
    # The killed run's lock names a dead pid: the next run takes it over
    # and resumes from the last periodic checkpoint.
    with open(os.path.join(model_dir, model_dir_lock.LOCK_FILE)) as f:
      self.assertEqual(json.load(f)["pid"], process.pid)
    latest = tf.train.latest_checkpoint(model_dir)
    self.assertIsNone(checkpoints.verify_checkpoint(latest))
    with self.assertLogs("absl", "INFO") as logs:
      metrics = train_mnist(model_dir, 0)
    self.assertRegex(_warnings(logs.records), r"taking over .*train\.lock: "
                     r"its run \(pid %d on .*\) is gone" % process.pid)
    self.assertEqual(metrics["checkpoint"], latest)


class _InterruptedTrainer(mnist_rnn.MNISTTrainer):
  """Sends this process SIGINT during global step 7."""

  def run_step(self, session, step):
    result = super(_InterruptedTrainer, self).run_step(session, step)
    if result[0] == 7:
      os.kill(os.getpid(), signal.SIGINT)
    return result


class InProcessSignalTest(tf.test.TestCase):

  def test_sigint_finishes_the_step_and_checkpoints_it(self):
    model_dir = self.create_tempdir().full_path
    config = mnist_rnn.test_config()
    data = mnist_rnn.Data(mnist_sample_splits(), validation_size=64,
                          batch_size=config.batch_size, seed=config.seed)
    handler = signal.getsignal(signal.SIGINT)
    with self.assertLogs("absl", "INFO") as logs:
      metrics = loop.train(_InterruptedTrainer(config, data), model_dir, 50,
                           save_checkpoint_steps=1000,
                           config=loop.session_config(1, 1))
    self.assertEqual(metrics["interrupted"], "SIGINT")
    self.assertEqual(metrics["global_step"], 7)
    self.assertEqual(metrics["checkpoint"],
                     os.path.join(model_dir, "model.ckpt-7"))
    self.assertEqual(metrics["history"], [])  # No final evaluation.
    self.assertRegex("\n".join(r.getMessage() for r in logs.records),
                     r"SIGINT: finishing the current step(.|\n)*stopped by "
                     r"SIGINT at step 7 ")
    # The handlers are the previous ones again, the lock is released.
    self.assertIs(signal.getsignal(signal.SIGINT), handler)
    self.assertNotIn(model_dir_lock.LOCK_FILE, os.listdir(model_dir))


class LockTest(tf.test.TestCase):

  def _write_lock(self, model_dir, **fields):
    holder = {"pid": os.getpid(), "host": socket.gethostname(),
              "started": "2026-01-01 00:00:00 UTC", "process_start": None,
              "command": "python -m train.other", "token": "x"}
    holder.update(fields)
    os.makedirs(model_dir, exist_ok=True)
    with open(os.path.join(model_dir, model_dir_lock.LOCK_FILE), "w") as f:
      json.dump(holder, f)

  def test_live_holder_refuses_and_nothing_is_written(self):
    model_dir = self.create_tempdir().full_path
    self._write_lock(model_dir)  # This live process.
    with self.assertRaisesRegex(
        model_dir_lock.ModelDirLockedError,
        r"%s is in use by another run: pid %d on host %s, started "
        r"2026-01-01 00:00:00 UTC \(python -m train.other\)\. Wait for it" %
        (model_dir, os.getpid(), socket.gethostname())):
      train_mnist(model_dir, 10)
    self.assertEqual(os.listdir(model_dir), [model_dir_lock.LOCK_FILE])

  def test_other_host_refuses_with_the_way_out(self):
    model_dir = self.create_tempdir().full_path
    self._write_lock(model_dir, host="elsewhere.example", pid=1)
    with self.assertRaisesRegex(model_dir_lock.ModelDirLockedError,
                                r"pid 1 on host elsewhere.example.*if that "
                                r"process is gone, delete .*train\.lock"):
      train_mnist(model_dir, 10)

  def test_dead_or_reused_pid_is_taken_over_and_released(self):
    dead = subprocess.Popen(["true"])
    dead.wait()
    for fields in ({"pid": dead.pid},
                   # A live pid, but started later than the lock's run.
                   {"pid": os.getpid(), "process_start": "1"}):
      model_dir = self.create_tempdir().full_path
      self._write_lock(model_dir, **fields)
      with self.assertLogs("absl", "WARNING") as logs:
        metrics = train_mnist(model_dir, 10)
      self.assertIn("taking over", _warnings(logs.records))
      self.assertEqual(metrics["global_step"], 10)
      self.assertNotIn(model_dir_lock.LOCK_FILE, os.listdir(model_dir))

  def test_exclusive_creation(self):
    path = os.path.join(self.create_tempdir().full_path, "a", "lock")
    files.create_exclusively(path, "one")
    with self.assertRaisesRegex(FileExistsError, r"lock exists already"):
      files.create_exclusively(path, "two")
    with open(path) as f:
      self.assertEqual(f.read(), "one")
    self.assertEqual(os.listdir(os.path.dirname(path)), ["lock"])


class FullDiskTest(tf.test.TestCase):

  def test_checkpoint_write_failure_names_it_and_keeps_the_previous(self):
    model_dir = self.create_tempdir().full_path
    train_mnist(model_dir, 20)
    previous = os.path.join(model_dir, "model.ckpt-20")
    digests = _digests(_checkpoint_files(previous))
    # Once the run has started, a directory where the index of step 30
    # goes: the file system refuses that checkpoint, as a full disk would.
    blocked = os.path.join(model_dir, "model.ckpt-30.index")
    recover = checkpoints.recover_checkpoint

    def recover_then_block(directory):
      result = recover(directory)
      os.mkdir(blocked)
      return result

    with mock.patch.object(checkpoints, "recover_checkpoint", recover_then_block), \
        self.assertRaisesRegex(
        checkpoints.CheckpointWriteError,
        r"could not write the checkpoint %s: \S+model\.ckpt-30\.index\S*; "
        r"Is a directory\. The previous checkpoint "
        r"\(%s\) is unchanged\." % (os.path.join(model_dir, "model.ckpt-30"),
                                   previous)):
      train_mnist(model_dir, 40)
    self.assertEqual(tf.train.latest_checkpoint(model_dir), previous)
    self.assertIsNone(checkpoints.verify_checkpoint(previous))
    self.assertEqual(_digests(_checkpoint_files(previous)), digests)
    self.assertNotIn(model_dir_lock.LOCK_FILE, os.listdir(model_dir))
    # Space again: the next run resumes from the previous checkpoint.
    os.rmdir(blocked)
    with self.assertLogs("absl", "INFO") as logs:
      metrics = train_mnist(model_dir, 40)
    self.assertIn("resuming from step 20 ",
                  "\n".join(r.getMessage() for r in logs.records))
    self.assertEqual(metrics["global_step"], 40)

  def test_metrics_json_write_failure_keeps_the_previous(self):
    path = os.path.join(self.create_tempdir().full_path, "metrics.json")
    files.write_json_atomically(path, {"global_step": 10})
    full = OSError(28, "No space left on device")

    class FullDisk(object):
      """A file whose writes fail as on a full disk."""

      def __init__(self, f):
        self._file = f

      def write(self, unused_data):
        raise full

      def __enter__(self):
        return self

      def __exit__(self, *unused):
        self._file.close()

    real_open = open
    with mock.patch("tf1seq.files.open", create=True,
                    side_effect=lambda *a, **k: FullDisk(real_open(*a, **k))):
      with self.assertRaisesRegex(
          OSError, r"could not write %s: .*No space left on device" % path):
        files.write_json_atomically(path, {"global_step": 20})
    self.assertEqual(files.read_json(path), {"global_step": 10})
    self.assertEqual(os.listdir(os.path.dirname(path)), ["metrics.json"])


def _predict(version_path):
  loaded = tf.saved_model.load(version_path)
  return loaded.signatures["serving_default"](
      images=tf.zeros([2, 28, 28]))["probabilities"].numpy()


class ExportTest(tf.test.TestCase):

  def test_export_once_force_failure_and_numbers_never_reused(self):
    model_dir = self.create_tempdir().full_path
    export_dir = os.path.join(model_dir, "export")
    config = mnist_rnn.test_config()
    checkpoint = train_mnist(model_dir, 10)["checkpoint"]
    export_fn = lambda: mnist_rnn.export_model(checkpoint, config, export_dir)

    first = loop.export_once(export_dir, checkpoint, export_fn)
    self.assertEqual(first, os.path.join(export_dir, "1"))
    self.assertEqual(export.version_source(first), {
        "checkpoint": checkpoint, "global_step": 10,
        "index_sha256": export.checkpoint_source(checkpoint)["index_sha256"]})
    probabilities = _predict(first)
    # The same command again: no steps, the checkpoint is saved again with
    # the same values, and nothing is exported.
    self.assertEqual(train_mnist(model_dir, 10)["steps_this_run"], 0)
    with self.assertLogs("absl", "INFO") as logs:
      self.assertEqual(loop.export_once(export_dir, checkpoint, export_fn),
                       first)
    self.assertRegex("\n".join(r.getMessage() for r in logs.records),
                     r"holds the checkpoint .*model.ckpt-10 \(step 10\) "
                     r"already: nothing exported")
    self.assertEqual(export.existing_versions(export_dir), [1])
    # --force_export writes a new version anyway.
    self.assertEqual(loop.export_once(export_dir, checkpoint, export_fn,
                                      force=True),
                     os.path.join(export_dir, "2"))
    # A full disk while writing version 3: the error names it, versions 1
    # and 2 stay whole and loadable, and 3 is never issued again.
    full = tf.errors.ResourceExhaustedError(None, None,
                                            "No space left on device")
    # The MNIST export writes with tf.saved_model.save (a TF1 graph's
    # export, with the Builder).
    with mock.patch.object(tf.saved_model, "save", side_effect=full), \
        mock.patch.object(tf.compat.v1.saved_model.Builder, "save",
                          side_effect=full):
      with self.assertRaisesRegex(
          OSError, r"could not write the export %s: No space left on "
          r"device\. The existing versions are unchanged\." %
          os.path.join(export_dir, "3")):
        loop.export_once(export_dir, checkpoint, export_fn, force=True)
    self.assertEqual(sorted(os.listdir(export_dir)),
                     [".tf1seq_last_version", "1", "2"])
    self.assertAllClose(_predict(first), probabilities)
    self.assertAllClose(_predict(os.path.join(export_dir, "2")),
                        probabilities)
    # Deleting the newest version does not free its number either.
    tf.io.gfile.rmtree(os.path.join(export_dir, "2"))
    newer = train_mnist(model_dir, 20)["checkpoint"]
    path = loop.export_once(
        export_dir, newer,
        lambda: mnist_rnn.export_model(newer, config, export_dir))
    self.assertEqual(path, os.path.join(export_dir, "4"))
    self.assertEqual(export.version_source(path)["global_step"], 20)
    self.assertFalse(np.allclose(_predict(path), probabilities))


# The recovery after `disable_v2_behavior`, in a fresh process.
V1_SCRIPT = r"""
import os, sys, tempfile
import tensorflow as tf
tf.compat.v1.disable_v2_behavior()
sys.path.insert(0, os.path.join(os.getcwd(), "tests"))
import reliability_test as r
r.setUpModule()
model_dir = tempfile.mkdtemp()
r.train_mnist(model_dir, 20)
r.DAMAGE["zeroed_data"](os.path.join(model_dir, "model.ckpt-20"))
metrics = r.train_mnist(model_dir, 30)
print("global_step %d steps_this_run %d" % (metrics["global_step"],
                                            metrics["steps_this_run"]))
"""


class V1BehaviourTest(tf.test.TestCase):

  def test_recovery_after_disable_v2_behavior(self):
    result = subprocess.run([sys.executable, "-c", V1_SCRIPT],
                            capture_output=True, text=True, timeout=300,
                            check=False)
    self.assertEqual(result.returncode, 0, result.stderr[-3000:])
    self.assertIn("global_step 30 steps_this_run 20", result.stdout)
    self.assertRegex(result.stderr, r"model\.ckpt-20 is damaged \(.*Checksum "
                     r"does not match")


def _end(process):
  if process.poll() is None:
    process.kill()
    process.wait(timeout=30)


if __name__ == "__main__":
  tf.test.main()
