"""A TF1 tutorial's script runs after changing only its import lines.

`testdata/tutorial_mnist_lstm.py` is the tutorial's script with
`import tensorflow as tf` and the `tensorflow.examples` import replaced; it
trains for 100,000 steps, so the test reads its first printed batch
accuracies and then ends it.
"""

import os
import signal
import subprocess
import sys
import threading

import tensorflow as tf

SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                      "testdata", "tutorial_mnist_lstm.py")


class TutorialPortTest(tf.test.TestCase):

  def test_script_trains_with_only_imports_changed(self):
    with open(SCRIPT) as f:
      code_lines = [line for line in f if not line.startswith("#")]
    self.assertEqual(code_lines[:2], ["import tf1seq.compat.v1 as tf\n",
                                      "from tf1seq.data import input_data\n"])
    environment = dict(os.environ, TF1SEQ_MNIST_SOURCE="mnist_sample")
    workdir = self.create_tempdir().full_path
    # stderr (TensorFlow's logs) goes to a file: a pipe nobody drains
    # would fill up and block the script before it prints.
    with open(os.path.join(workdir, "stderr.txt"), "w+") as stderr_file:
      process = subprocess.Popen(
          [sys.executable, SCRIPT], cwd=workdir, env=environment,
          stdout=subprocess.PIPE, stderr=stderr_file, text=True,
          start_new_session=True)
      # readline() blocks: end the script at the deadline whatever it does.
      killer = threading.Timer(300, os.killpg, (process.pid, signal.SIGKILL))
      killer.start()
      accuracies = []
      try:
        while len(accuracies) < 3:
          line = process.stdout.readline()
          if not line:
            break
          accuracies.append(float(line))
      finally:
        killer.cancel()
        try:
          os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
          pass
        process.communicate(timeout=60)
      stderr_file.seek(0)
      stderr = stderr_file.read()
    self.assertLen(accuracies, 3, stderr[-3000:])
    for accuracy in accuracies:
      self.assertBetween(accuracy, 0.0, 1.0)
    # Printed at steps 0, 200 and 400 on the training batch: it learns.
    self.assertGreater(accuracies[2], 0.7)
    self.assertGreater(accuracies[2], accuracies[0] + 0.3)


if __name__ == "__main__":
  tf.test.main()
