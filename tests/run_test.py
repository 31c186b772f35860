"""Tests for `python -m tf1seq.run`: unmodified TF1 programs on TF 2 + Keras 3.

The legacy programs in tests/legacy_scripts/ run in subprocesses (stderr to
a file: a pipe nobody drains would block them), each for a few steps, then
again to check that they resume from their checkpoints.
"""

import collections
import os
import re
import subprocess
import sys
import textwrap

import numpy as np
import tensorflow as tf

from tf1seq.compat import report as migration_report
from tf1seq.compat import running as run

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPTS = os.path.join(HERE, "legacy_scripts")
MNIST_SCRIPT = os.path.join(SCRIPTS, "mnist_lstm.py")
WORD_LM_SCRIPT = os.path.join(SCRIPTS, "word_lm.py")
ORACLE_RUNNER = os.path.join(HERE, "oracle_runner.py")
FORTUNES = "/usr/share/games/fortunes"
FALLBACK_TEXT = os.path.join(SCRIPTS, "data", "declaration.txt")

Result = collections.namedtuple("Result", ["returncode", "stdout", "stderr"])


def run_process(args, workdir, timeout=120, env=None):
  """Runs `args` in `workdir`; stderr goes through a file, not a pipe."""
  environment = dict(os.environ, TF1SEQ_MNIST_SOURCE="mnist_sample",
                     **(env or {}))
  stderr_path = os.path.join(workdir, "stderr-%d.txt" % len(os.listdir(
      workdir)))
  with open(stderr_path, "w+") as stderr_file:
    process = subprocess.run(args, cwd=workdir, env=environment,
                             stdout=subprocess.PIPE, stderr=stderr_file,
                             text=True, timeout=timeout, check=False)
    stderr_file.seek(0)
    return Result(process.returncode, process.stdout, stderr_file.read())


def tf1seq_run(args, workdir, **kwargs):
  return run_process([sys.executable, "-m", "tf1seq.run"] + args, workdir,
                     **kwargs)


def checked(result):
  if result.returncode != 0:
    raise AssertionError("exit status %d\nstdout:\n%s\nstderr:\n%s" % (
        result.returncode, result.stdout[-2000:], result.stderr[-4000:]))
  return result


def numbers(pattern, text):
  return [int(m) for m in re.findall(pattern, text, re.MULTILINE)]


def fortune_text(max_chars):
  """Real English text: fortunes' literature quotes, else the Declaration."""
  text = ""
  if os.path.isdir(FORTUNES):
    names = sorted(os.listdir(FORTUNES), key=lambda n: (n != "literature", n))
    for name in names:
      path = os.path.join(FORTUNES, name)
      if "." in name or not os.path.isfile(path) or name == "art":
        continue
      with open(path, errors="replace") as f:
        text += f.read()
      if len(text) >= max_chars:
        return text[:max_chars]
  with open(FALLBACK_TEXT) as f:
    return text + f.read()


def write_corpus(directory, max_chars=20000, vocabulary=400):
  """Writes corpus.{train,valid,test}.txt (80/10/10) from real text."""
  text = fortune_text(max_chars)
  sentences = []
  for block in text.split("\n%\n"):
    lines = [l for l in block.splitlines() if not l.strip().startswith("--")]
    for sentence in re.split(r"(?<=[.!?])\s+", " ".join(lines)):
      words = re.findall(r"[a-z]+(?:'[a-z]+)?", sentence.lower())
      if len(words) >= 3:
        sentences.append(words)
  counts = collections.Counter(w for words in sentences for w in words)
  kept = set(w for w, _ in counts.most_common(vocabulary))
  lines = [" ".join(w if w in kept else "<unk>" for w in words)
           for words in sentences]
  split = [int(len(lines) * 0.8), int(len(lines) * 0.9)]
  parts = {"train": lines[:split[0]], "valid": lines[split[0]:split[1]],
           "test": lines[split[1]:]}
  for name, part in parts.items():
    with open(os.path.join(directory, "corpus.%s.txt" % name), "w") as f:
      f.write("\n".join(part) + "\n")


class ParseArgsTest(tf.test.TestCase):

  def test_flags_before_the_script_belong_to_tf1seq_run(self):
    options = run.parse_args(["--report", "--recursive", "train.py",
                              "--report", "-m", "x"])
    self.assertTrue(options.report)
    self.assertTrue(options.recursive)
    self.assertFalse(options.report_only)
    self.assertEqual(options.script, "train.py")
    self.assertEqual(options.args, ["--report", "-m", "x"])
    options = run.parse_args(["--report-only", "-m", "pkg.main", "--a=1"])
    self.assertTrue(options.report_only)
    self.assertEqual((options.module, options.args), ("pkg.main", ["--a=1"]))

  def test_usage_errors(self):
    for argv, message in (([], "no script"), (["--bogus", "a.py"],
                                              "unknown flag"),
                          (["-m"], "needs a module")):
      with self.assertRaisesRegex(run.UsageError, message):
        run.parse_args(argv)


class TF1ImportsTest(tf.test.TestCase):

  def test_only_user_code_gets_tensorflow_compat_v1(self):
    root = self.create_tempdir().full_path
    imports = run.TF1Imports([root])
    self.assertTrue(imports.is_user_code(
        {"__name__": "__main__", "__file__": os.path.join(root, "a.py")}))
    self.assertTrue(imports.is_user_code(
        {"__name__": "lib.b", "__file__": os.path.join(root, "lib", "b.py")}))
    for module_globals in (
        {"__name__": "x", "__file__": "/elsewhere/x.py"},
        {"__name__": "keras", "__file__": os.path.join(
            root, "venv", "lib", "site-packages", "keras", "__init__.py")},
        {"__name__": "tf1seq.layers", "__file__": run.__file__},
        {"__name__": "__main__"}, None):
      self.assertFalse(imports.is_user_code(module_globals),
                       msg=str(module_globals))
    with imports:
      namespace = {"__name__": "__main__",
                   "__file__": os.path.join(root, "a.py")}
      exec("import tensorflow as tf", namespace)  # pylint: disable=exec-used
      import tensorflow  # pylint: disable=g-import-not-at-top
      self.assertIs(namespace["tf"], tensorflow.compat.v1)
      self.assertIs(tensorflow, sys.modules["tensorflow"])  # Not user code.
    import builtins  # pylint: disable=g-import-not-at-top
    self.assertIsNot(builtins.__import__, imports._import)  # pylint: disable=protected-access


class ScanTest(tf.test.TestCase):

  def test_bindings_and_chains(self):
    source = textwrap.dedent("""\
        import tensorflow as tf
        import tensorflow.compat.v1 as v1
        from tensorflow.contrib import rnn as contrib_rnn
        import numpy as np
        cell = contrib_rnn.LSTMBlockCell(4)
        opt = tf.train.AdamOptimizer(0.1).minimize(loss)
        v1.nn.rnn_cell.GRUCell(3)
        np.zeros(3)
        """)
    uses = sorted(migration_report.scan_source(source))
    self.assertEqual(uses, sorted([
        ("tensorflow.contrib.rnn", 3),
        ("tensorflow.contrib.rnn.LSTMBlockCell", 5),
        ("tensorflow.train.AdamOptimizer", 6),
        ("tensorflow.compat.v1.nn.rnn_cell.GRUCell", 7)]))


class RunScriptTest(tf.test.TestCase):

  def test_runs_like_python_script(self):
    workdir = self.create_tempdir().full_path
    scripts = os.path.join(workdir, "prog")
    os.makedirs(scripts)
    with open(os.path.join(scripts, "helper.py"), "w") as f:
      f.write("import tensorflow as tf\nPLACEHOLDER = tf.placeholder\n")
    with open(os.path.join(scripts, "main.py"), "w") as f:
      f.write(textwrap.dedent("""\
          import sys
          import tensorflow as tf
          import helper
          print("argv", sys.argv)
          print("path0", sys.path[0])
          print("name", __name__)
          print("tf1", tf is sys.modules["tensorflow"].compat.v1,
                helper.PLACEHOLDER is tf.placeholder,
                tf.executing_eagerly())
          sys.exit(int(sys.argv[1]))
          """))
    with open(os.path.join(scripts, "fail.py"), "w") as f:
      f.write(textwrap.dedent("""\
          import sys

          def fail():
            raise ValueError("boom " + sys.argv[1])

          fail()
          """))
    script = os.path.join("prog", "main.py")
    result = tf1seq_run([script, "3", "--flag"], workdir)
    self.assertEqual(result.returncode, 3, result.stderr[-3000:])
    self.assertEqual(result.stdout.splitlines(), [
        "argv %s" % [os.path.join(workdir, script), "3", "--flag"],
        "path0 %s" % os.path.realpath(scripts),
        "name __main__",
        "tf1 True True False"])
    # An uncaught exception: status 1 and the traceback Python prints.
    script = os.path.join("prog", "fail.py")
    result = tf1seq_run([script, "now"], workdir)
    expected = run_process([sys.executable, script, "now"], workdir)
    self.assertEqual(result.returncode, 1)
    self.assertEqual(expected.returncode, 1)
    traceback = result.stderr[result.stderr.index("Traceback"):]
    self.assertEqual(traceback,
                     expected.stderr[expected.stderr.index("Traceback"):])
    self.assertIn('fail.py", line 4, in fail', traceback)
    self.assertIn("ValueError: boom now", traceback)
    self.assertNotIn("runpy", traceback)

  def test_module_mode(self):
    workdir = self.create_tempdir().full_path
    os.makedirs(os.path.join(workdir, "pkg"))
    open(os.path.join(workdir, "pkg", "__init__.py"), "w").close()
    with open(os.path.join(workdir, "pkg", "train.py"), "w") as f:
      f.write("import sys\nimport tensorflow as tf\n"
              "print(__name__, sys.argv[1:], tf.nn.rnn_cell.LSTMCell)\n")
    result = checked(tf1seq_run(["-m", "pkg.train", "--x=1"], workdir))
    self.assertEqual(result.stdout.strip(),
                     "__main__ ['--x=1'] <class 'tf1seq.cells.lstm.LSTMCell'>")

  def test_uncovered_symbol_fails_naming_it(self):
    workdir = self.create_tempdir().full_path
    with open(os.path.join(workdir, "old.py"), "w") as f:
      f.write("import tensorflow as tf\n"
              "estimator = tf.contrib.learn.Estimator\n")
    result = tf1seq_run(["old.py"], workdir)
    self.assertEqual(result.returncode, 1)
    self.assertIn("AttributeError: tf.contrib.learn.Estimator is not covered "
                  "by tf1seq", result.stderr)


class ReportTest(tf.test.TestCase):

  def test_report_lines_and_verdicts(self):
    workdir = self.create_tempdir().full_path
    with open(os.path.join(workdir, "model.py"), "w") as f:
      f.write(textwrap.dedent("""\
          import tensorflow as tf
          from tensorflow.contrib import rnn
          import local_lib

          x = tf.placeholder(tf.float32, [None, 4, 3])
          cell = rnn.LSTMBlockCell(8)
          y = tf.layers.Layer()
          z = tf.contrib.grid_rnn.Grid2LSTMCell
          outputs, state = tf.nn.dynamic_rnn(cell, x, dtype=tf.float32)
          print("THE SCRIPT RAN")
          """))
    with open(os.path.join(workdir, "local_lib.py"), "w") as f:
      f.write("import tensorflow as tf\n"
              "loss = tf.contrib.seq2seq.sequence_loss\n"
              "opt = tf.contrib.opt.LazyAdamOptimizer\n")
    result = checked(tf1seq_run(["--report-only", "--recursive", "model.py"],
                                workdir))
    report = result.stdout
    self.assertNotIn("THE SCRIPT RAN", report)
    rows = {}
    for line in report.splitlines():
      match = re.match(r"^  (\S+)\s+(tf1seq|TensorFlow|tf_slim|NOT COVERED)"
                       r"\s+(lines? .*)$", line)
      if match:
        rows[match.group(1)] = (match.group(2), match.group(3))
    self.assertEqual(rows["tf.contrib.rnn"], ("tf1seq", "line 2"))
    self.assertEqual(rows["tf.contrib.rnn.LSTMBlockCell"],
                     ("tf1seq", "line 6"))
    self.assertEqual(rows["tf.placeholder"], ("TensorFlow", "line 5"))
    self.assertEqual(rows["tf.float32"], ("TensorFlow", "lines 5, 9"))
    self.assertEqual(rows["tf.nn.dynamic_rnn"], ("tf1seq", "line 9"))
    self.assertEqual(rows["tf.layers.Layer"], ("NOT COVERED", "line 7"))
    self.assertEqual(rows["tf.contrib.grid_rnn.Grid2LSTMCell"],
                     ("NOT COVERED", "line 8"))
    self.assertEqual(rows["tf.contrib.seq2seq.sequence_loss"],
                     ("tf1seq", "line 2"))
    self.assertEqual(rows["tf.contrib.opt.LazyAdamOptimizer"],
                     ("NOT COVERED", "line 3"))
    self.assertIn("TF1 API used by model.py", report)
    self.assertIn("TF1 API used by local_lib.py", report)
    self.assertIn("  tf.layers.Layer (line 7): tf.layers.Layer is not "
                  "provided by tf1seq (TensorFlow's own needs Keras 2); use "
                  "tf1seq.base_layer.Layer (",
                  report)
    self.assertIn("  tf.contrib.grid_rnn.Grid2LSTMCell (line 8): "
                  "tf.contrib.grid_rnn is not covered by tf1seq",
                  report)
    self.assertIn("Summary: 7 symbols, 5 covered, 2 not covered.", report)
    self.assertIn("Summary: 2 symbols, 1 covered, 1 not covered.", report)


class LegacyProgramsTest(tf.test.TestCase):

  def test_mnist_lstm_trains_and_resumes(self):
    workdir = self.create_tempdir().full_path
    train_dir = os.path.join(workdir, "train")
    args = [MNIST_SCRIPT, "--train_dir=" + train_dir, "--batch_size=32"]
    first = checked(tf1seq_run(["--report"] + args + ["--max_steps=20"],
                               workdir))
    self.assertIn("  tf.contrib.rnn.BasicLSTMCell", first.stdout)
    self.assertIn("Summary: 29 symbols, 29 covered, 0 not covered.",
                  first.stdout)
    self.assertEqual(numbers(r"^start_step (\d+)$", first.stdout), [0])
    self.assertEqual(numbers(r"^step (\d+) loss", first.stdout), [10, 20])
    self.assertEqual(numbers(r"^final_step (\d+)", first.stdout), [20])
    second = checked(tf1seq_run(args + ["--max_steps=30"], workdir))
    self.assertEqual(numbers(r"^start_step (\d+)$", second.stdout), [20])
    self.assertEqual(numbers(r"^final_step (\d+)", second.stdout), [30])
    self.assertIn("Restored %s" % os.path.join(train_dir, "model.ckpt-20"),
                  second.stderr)
    names = dict(tf.train.list_variables(train_dir))
    self.assertEqual(names["rnn/basic_lstm_cell/kernel"], [64 + 64, 4 * 64])
    self.assertEqual(names["dense_1/kernel"], [64, 10])

  def test_checkpoint_of_tf_legacy_cells_restores_with_same_outputs(self):
    workdir = self.create_tempdir().full_path
    train_dir = os.path.join(workdir, "train")
    args = [MNIST_SCRIPT, "--train_dir=" + train_dir, "--max_steps=5",
            "--batch_size=32"]
    expected_file = os.path.join(workdir, "oracle.npy")
    actual_file = os.path.join(workdir, "tf1seq.npy")
    oracle = checked(run_process(
        [sys.executable, ORACLE_RUNNER] + args +
        ["--predictions_file=" + expected_file], workdir))
    self.assertIn("oracle: tensorflow.python.keras.layers.legacy_rnn."
                  "rnn_cell_impl", oracle.stderr)
    self.assertEqual(numbers(r"^final_step (\d+)", oracle.stdout), [5])
    ours = checked(tf1seq_run(args + ["--predictions_file=" + actual_file],
                              workdir))
    # Restored at step 5, so no training: the same weights, evaluated.
    self.assertEqual(numbers(r"^start_step (\d+)$", ours.stdout), [5])
    expected, actual = np.load(expected_file), np.load(actual_file)
    self.assertEqual(expected.shape, (500, 10))
    self.assertLessEqual(float(np.max(np.abs(expected - actual))), 1e-6)

  def test_word_lm_trains_and_resumes(self):
    workdir = self.create_tempdir().full_path
    data_dir = os.path.join(workdir, "data")
    os.makedirs(data_dir)
    write_corpus(data_dir)
    save_path = os.path.join(workdir, "save")
    args = [WORD_LM_SCRIPT, "--data_path=" + data_dir,
            "--save_path=" + save_path, "--model=tiny", "--max_epochs=1",
            "--max_steps_per_epoch=4"]
    first = checked(tf1seq_run(args, workdir))
    self.assertEqual(numbers(r"^start_step (\d+)$", first.stdout), [0])
    self.assertIn("Epoch: 1 Learning rate: 1.000", first.stdout)
    perplexity = re.search(r"^Epoch: 1 Valid Perplexity: ([\d.]+)$",
                           first.stdout, re.MULTILINE)
    self.assertIsNotNone(perplexity, first.stdout)
    self.assertTrue(np.isfinite(float(perplexity.group(1))))
    self.assertEqual(numbers(r"^final_step (\d+)$", first.stdout), [4])
    second = checked(tf1seq_run(args, workdir))
    self.assertEqual(numbers(r"^start_step (\d+)$", second.stdout), [4])
    self.assertEqual(numbers(r"^final_step (\d+)$", second.stdout), [8])
    shapes = dict(tf.train.list_variables(save_path))
    self.assertEqual(shapes["Model/RNN/multi_rnn_cell/cell_0/lstm_cell/"
                            "kernel"], [48, 96])
    self.assertIn("Model/RNN/multi_rnn_cell/cell_1/lstm_cell/bias", shapes)
    self.assertIn("Train/Model/learning_rate", shapes)

  def test_monitored_training_session_resumes(self):
    workdir = self.create_tempdir().full_path
    with open(os.path.join(workdir, "mts.py"), "w") as f:
      f.write(textwrap.dedent("""\
          import sys
          import numpy as np
          import tensorflow as tf

          x = tf.placeholder(tf.float32, [4, 6, 3])
          cell = tf.contrib.rnn.LSTMBlockCell(5, use_peephole=True)
          outputs, state = tf.nn.dynamic_rnn(cell, x, dtype=tf.float32)
          loss = tf.reduce_mean(tf.square(state.h - 0.5))
          step = tf.train.get_or_create_global_step()
          train = tf.train.AdamOptimizer(0.01).minimize(loss, step)
          hooks = [tf.train.StopAtStepHook(last_step=int(sys.argv[1]))]
          feed = {x: np.ones([4, 6, 3])}
          with tf.train.MonitoredTrainingSession(
              checkpoint_dir="ckpt", hooks=hooks) as session:
            print("start_step", session.run(step))
            while not session.should_stop():
              session.run(train, feed)
          print("final_step", tf.train.load_variable("ckpt", "global_step"))
          """))
    first = checked(tf1seq_run(["mts.py", "7"], workdir))
    second = checked(tf1seq_run(["mts.py", "12"], workdir))
    self.assertEqual(first.stdout.split(), ["start_step", "0",
                                            "final_step", "7"])
    self.assertEqual(second.stdout.split(), ["start_step", "7",
                                             "final_step", "12"])


if __name__ == "__main__":
  tf.test.main()
