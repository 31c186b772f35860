"""The installed package: console scripts, from a directory with a train.py.

Builds and installs tf1seq (not editable) into a fresh virtual environment
that borrows this interpreter's installed dependencies (so nothing is
downloaded), then runs a trainer the way a user of a TF1 project would:
from the project's directory, which holds its own `train.py`.
"""

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile

import tensorflow as tf

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class InstalledPackageTest(tf.test.TestCase):

  @classmethod
  def setUpClass(cls):
    super().setUpClass()
    cls.workdir = tempfile.mkdtemp(prefix="packaging_test_")
    # The installed copy, not a source tree on PYTHONPATH.
    cls.env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    cls.venv = os.path.join(cls.workdir, "venv")
    subprocess.run([sys.executable, "-m", "venv", cls.venv], check=True)
    site_packages = subprocess.run(
        [os.path.join(cls.venv, "bin", "python"), "-c",
         "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True).stdout.strip()
    with open(os.path.join(site_packages, "borrowed.pth"), "w") as f:
      f.write(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [os.path.join(cls.venv, "bin", "pip"), "install", "-q", "--no-deps",
         "--no-build-isolation", ROOT], check=True, cwd=cls.workdir,
        env=cls.env)

  @classmethod
  def tearDownClass(cls):
    shutil.rmtree(cls.workdir, ignore_errors=True)
    super().tearDownClass()

  def test_every_package_is_installed(self):
    packages = sorted(
        os.path.relpath(directory, ROOT).replace(os.sep, ".")
        for directory, _, names in os.walk(os.path.join(ROOT, "tf1seq"))
        if "__init__.py" in names)
    result = subprocess.run(
        [os.path.join(self.venv, "bin", "python"), "-c",
         "import importlib, sys\n"
         "for name in sys.argv[1:]:\n"
         "  print(importlib.import_module(name).__file__)"] + packages,
        cwd=self.workdir, capture_output=True, text=True, timeout=300,
        env=self.env)
    self.assertEqual(result.returncode, 0, result.stderr[-3000:])
    for line in result.stdout.split():
      self.assertStartsWith(line, self.venv)

  def test_console_scripts_are_installed(self):
    for name in ("tf1seq-run", "tf1seq-mnist-rnn", "tf1seq-char-lm",
                 "tf1seq-time-series", "tf1seq-echo", "tf1seq-launch-local"):
      self.assertTrue(os.path.exists(os.path.join(self.venv, "bin", name)),
                      name)

  def test_trainer_runs_beside_a_users_train_py(self):
    project = os.path.join(self.workdir, "user_project")
    os.makedirs(project)
    with open(os.path.join(project, "train.py"), "w") as f:
      f.write("raise SystemExit('the user train.py was imported')\n")
    model_dir = os.path.join(project, "run")
    result = subprocess.run(
        [os.path.join(self.venv, "bin", "tf1seq-mnist-rnn"),
         "--dataset=mnist_sample", "--num_units=8", "--train_steps=6",
         "--log_every=3", "--validation_size=500",
         "--model_dir=" + model_dir],
        cwd=project, capture_output=True, text=True, timeout=600,
        env=self.env)
    self.assertEqual(result.returncode, 0, result.stderr[-3000:])
    self.assertNotIn("user train.py", result.stderr + result.stdout)
    with open(os.path.join(model_dir, "metrics.json")) as f:
      metrics = json.load(f)
    self.assertEqual(metrics["global_step"], 6)
    # Evaluation summaries beside training's, for TensorBoard to overlay.
    self.assertNotEmpty(tf.io.gfile.glob(
        os.path.join(model_dir, "eval", "events.out.tfevents.*")))
    # TensorFlow's log lines once, not once per handler.
    self.assertEqual(result.stderr.count("Saving checkpoints for 6 into"), 1)
    # The python -m form of the installed trainers.
    result = subprocess.run(
        [os.path.join(self.venv, "bin", "python"), "-m",
         "tf1seq_train.mnist_rnn", "--helpfull"], cwd=project,
        capture_output=True, text=True, timeout=300, env=self.env)
    self.assertNotIn("Traceback", result.stderr)
    self.assertIn("--validation_size", result.stdout + result.stderr)


if __name__ == "__main__":
  tf.test.main()
