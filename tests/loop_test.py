"""Tests for train.loop: progress, checkpoint checks, atomic JSON."""

import json
import os

import numpy as np
import tensorflow as tf

from tf1seq import files
from train import checkpoints
from train import loop


class ProgressTest(tf.test.TestCase):

  def test_rate_and_eta_from_a_clock(self):
    now = [100.0]
    progress = loop.Progress(total_steps=1000, examples_per_step=128,
                             clock=lambda: now[0])
    progress.start(200)
    now[0] = 110.0
    progress.update(300)  # 100 steps in 10 s.
    self.assertAllClose(progress.examples_per_sec, 1280.0)
    self.assertAllClose(progress.eta_seconds, 70.0)
    self.assertEqual(str(progress), "1280 ex/s eta 1m10s")

  def test_eta_is_smoothed_over_intervals(self):
    now = [0.0]
    progress = loop.Progress(total_steps=1000, examples_per_step=10,
                             clock=lambda: now[0], smoothing=0.5)
    progress.start(0)
    now[0] = 10.0
    progress.update(100)  # 0.1 s/step.
    now[0] = 40.0
    progress.update(200)  # 0.3 s/step: a slow interval (an evaluation).
    # Halfway between, not the last interval's 0.3 s/step.
    self.assertAllClose(progress.eta_seconds, 0.2 * 800)
    self.assertAllClose(progress.examples_per_sec, 10 / 0.2)

  def test_format_duration(self):
    self.assertEqual(loop.format_duration(9), "9s")
    self.assertEqual(loop.format_duration(65), "1m05s")
    self.assertEqual(loop.format_duration(3725), "1h02m05s")


class JsonTest(tf.test.TestCase):

  def test_numpy_values_and_no_temporary_left(self):
    directory = self.create_tempdir().full_path
    path = os.path.join(directory, "metrics.json")
    files.write_json_atomically(path, {"loss": np.float32(0.5),
                                      "step": np.int64(3),
                                      "curve": np.array([1.0, 2.0])})
    with open(path) as f:
      self.assertEqual(json.load(f), {"loss": 0.5, "step": 3,
                                      "curve": [1.0, 2.0]})
    self.assertEqual(os.listdir(directory), ["metrics.json"])

  def test_failed_write_keeps_the_old_file(self):
    directory = self.create_tempdir().full_path
    path = os.path.join(directory, "metrics.json")
    files.write_json_atomically(path, {"a": 1})
    with self.assertRaises(TypeError):
      files.write_json_atomically(path, {"a": object()})
    with open(path) as f:
      self.assertEqual(json.load(f), {"a": 1})
    self.assertEqual(os.listdir(directory), ["metrics.json"])


class CheckpointCompatibilityTest(tf.test.TestCase):

  def test_no_checkpoint_and_matching_checkpoint(self):
    directory = self.create_tempdir().full_path
    with tf.Graph().as_default() as graph:
      tf.compat.v1.get_variable("w", [2, 3])
      self.assertIsNone(checkpoints.check_checkpoint_compatible(directory, graph,
                                                         "--x"))
      with self.session() as session:
        session.run(tf.compat.v1.global_variables_initializer())
        saved = tf.compat.v1.train.Saver().save(session, directory + "/ckpt")
      self.assertEqual(
          checkpoints.check_checkpoint_compatible(directory, graph, "--x"), saved)

  def test_missing_variable_named(self):
    directory = self.create_tempdir().full_path
    with tf.Graph().as_default():
      tf.compat.v1.get_variable("w", [2, 3])
      with self.session() as session:
        session.run(tf.compat.v1.global_variables_initializer())
        tf.compat.v1.train.Saver().save(session, directory + "/ckpt")
    with tf.Graph().as_default() as graph:
      tf.compat.v1.get_variable("v", [2])
      with self.assertRaisesRegex(checkpoints.IncompatibleCheckpointError,
                                  r"v \[2\] is not in the checkpoint.*--x"):
        checkpoints.check_checkpoint_compatible(directory, graph, "--x")


if __name__ == "__main__":
  tf.test.main()
