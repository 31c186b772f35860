"""Tests for the migration report (`tf1seq.compat.report`) on real layouts.

Each test writes a small project into a temporary directory: a Python 2
file, a package with relative imports, `tensorflow.python` imports, a
missing contrib module used twice. The report is checked in-process (after
`tf1seq.patch()`) and through `python -m tf1seq.run --report-only`, in text
and JSON.
"""

import json
import os
import subprocess
import sys
import textwrap

import tensorflow as tf

from benchmarks import corpus_coverage
import tf1seq
from tf1seq.compat import report as migration_report
from tf1seq.compat import running as run

NOT_COVERED = migration_report.NOT_COVERED


def write(root, files):
  """Writes `{relative path: source}` under `root`."""
  for name, source in files.items():
    path = os.path.join(root, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
      f.write(textwrap.dedent(source))


def tf1seq_run(args, workdir):
  process = subprocess.run(
      [sys.executable, "-m", "tf1seq.run"] + args, cwd=workdir,
      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
      timeout=120, check=False)
  if process.returncode != 0:
    raise AssertionError("exit status %d\n%s" % (process.returncode,
                                                 process.stderr[-3000:]))
  return process


# A package run with `-m pkg.main`: relative imports of every form.
PACKAGE = {
    "pkg/__init__.py": "",
    "pkg/main.py": """\
        import tensorflow as tf
        from . import helper
        from .models import seq
        x = tf.placeholder(tf.float32)
        """,
    "pkg/helper.py": """\
        import tensorflow as tf
        opt = tf.train.AdamOptimizer
        """,
    "pkg/models/__init__.py": "",
    "pkg/models/seq.py": """\
        from .. import common
        from ..util.image_tools import turn
        import tensorflow as tf
        cell = tf.nn.rnn_cell.GRUCell
        """,
    "pkg/common.py": """\
        import tensorflow as tf
        saver = tf.train.Saver
        """,
    "pkg/util/__init__.py": "",
    "pkg/util/image_tools.py": """\
        import tensorflow as tf
        def turn(image, angle):
          return tf.contrib.image.rotate(image, angle)
        """,
    "unrelated.py": "import tensorflow as tf\nz = tf.contrib.learn\n",
}


class ReportTestCase(tf.test.TestCase):

  @classmethod
  def setUpClass(cls):
    super().setUpClass()
    cls._patch = tf1seq.patch()

  @classmethod
  def tearDownClass(cls):
    cls._patch.__exit__(None, None, None)
    super().tearDownClass()

  def rows(self, path, **kwargs):
    """`{label: {symbol: (provider, lines)}}` from `report_data`."""
    data = migration_report.report_data(path, **kwargs)
    return data, {f["path"]: {s["symbol"]: (s["provider"], s["lines"])
                              for s in f["symbols"]} for f in data["files"]}


class UnparseableFileTest(ReportTestCase):

  def test_python_2_file_is_named_and_the_rest_reported(self):
    root = self.create_tempdir().full_path
    write(root, {
        "train.py": """\
            import tensorflow as tf
            import model
            import legacy
            x = tf.placeholder(tf.float32)
            """,
        "model.py": """\
            import tensorflow as tf
            cell = tf.nn.rnn_cell.LSTMCell
            """,
        "legacy.py": """\
            import tensorflow as tf
            import model

            print "step", 3
            y = tf.contrib.learn
            """,
    })
    path = os.path.join(root, "train.py")
    text = migration_report.report(path, recursive=True)
    self.assertNotIn("Traceback", text)
    self.assertIn("TF1 API used by legacy.py: not read.\n"
                  "  legacy.py: line 4: cannot be parsed: Missing "
                  "parentheses in call to 'print'", text)
    self.assertIn("TF1 API used by model.py (resolved", text)
    self.assertIn("Total: 3 files (1 could not be read: legacy.py), "
                  "3 distinct symbols, 3 covered, 0 not covered.", text)
    data, rows = self.rows(path, recursive=True)
    self.assertEqual(data["totals"]["unparseable"], 1)
    self.assertEqual(data["totals"]["files"], 3)
    unparseable = data["totals"]["unparseable_files"][0]
    self.assertEqual((unparseable["path"], unparseable["line"]),
                     ("legacy.py", 4))
    self.assertRegex(unparseable["message"], "Missing parentheses.*print")
    self.assertEqual(rows["legacy.py"], {})
    self.assertEqual(rows["model.py"]["tf.nn.rnn_cell.LSTMCell"],
                     ("tf1seq", [2]))

  def test_imports_of_a_python_2_file_are_followed(self):
    root = self.create_tempdir().full_path
    write(root, {
        "train.py": "import tensorflow as tf\nprint 'x'\nimport model\n",
        "model.py": "import tensorflow as tf\nx = tf.nn.dynamic_rnn\n",
    })
    _, rows = self.rows(os.path.join(root, "train.py"), recursive=True)
    self.assertEqual(rows["model.py"],
                     {"tf.nn.dynamic_rnn": ("tf1seq", [2])})

  def test_undecodable_file(self):
    root = self.create_tempdir().full_path
    with open(os.path.join(root, "bad.py"), "wb") as f:
      f.write(b"import tensorflow as tf\nx = '\xff\xfe'\n")
    data, _ = self.rows(os.path.join(root, "bad.py"))
    self.assertEqual(data["totals"]["unparseable"], 1)
    self.assertIsNone(data["files"][0]["error"]["line"])
    self.assertIn("not valid text", data["files"][0]["error"]["message"])


class RecursiveTest(ReportTestCase):

  def test_relative_imports_of_every_form(self):
    root = self.create_tempdir().full_path
    write(root, PACKAGE)
    _, rows = self.rows(os.path.join(root, "pkg", "main.py"),
                        recursive=True, directory=root)
    self.assertCountEqual(rows, [
        os.path.join(root, "pkg", "main.py"), "pkg/helper.py",
        "pkg/models/__init__.py", "pkg/models/seq.py", "pkg/common.py",
        "pkg/util/__init__.py", "pkg/util/image_tools.py"])
    self.assertEqual(rows["pkg/models/seq.py"],
                     {"tf.nn.rnn_cell.GRUCell": ("tf1seq", [4])})
    self.assertEqual(rows["pkg/common.py"],
                     {"tf.train.Saver": ("TensorFlow", [2])})
    self.assertEqual(rows["pkg/util/image_tools.py"],
                     {"tf.contrib.image.rotate": (NOT_COVERED, [3])})

  def test_python_2_implicit_relative_import(self):
    root = self.create_tempdir().full_path
    write(root, {
        "train.py": "import tensorflow as tf\nfrom lib import model\n",
        "lib/__init__.py": "",
        "lib/model.py": "import tensorflow as tf\nimport ops\n",
        "lib/ops.py": "import tensorflow as tf\nx = tf.nn.conv2d\n",
    })
    _, rows = self.rows(os.path.join(root, "train.py"), recursive=True)
    self.assertEqual(rows["lib/ops.py"], {"tf.nn.conv2d": ("TensorFlow",
                                                           [2])})

  def test_module_mode_from_the_command_line(self):
    root = self.create_tempdir().full_path
    write(root, PACKAGE)
    result = tf1seq_run(["--report-only", "--recursive", "--report-format",
                         "json", "-m", "pkg.main"], root)
    data = json.loads(result.stdout)
    paths = [f["path"] for f in data["files"]]
    self.assertEqual(paths[0], "pkg/main.py")
    self.assertIn("pkg/util/image_tools.py", paths)
    self.assertNotIn("unrelated.py", paths)
    self.assertEqual(data["totals"]["not_covered_symbols"],
                     ["tf.contrib.image.rotate"])
    self.assertEqual(data["totals"]["symbols"], 6)

  def test_module_file(self):
    root = self.create_tempdir().full_path
    write(root, PACKAGE)
    write(root, {"pkg/__main__.py": ""})
    cwd = os.getcwd()
    os.chdir(root)
    try:
      self.assertEqual(run.module_file("pkg.main"),
                       (os.path.join(root, "pkg", "main.py"), root))
      self.assertEqual(run.module_file("pkg"),
                       (os.path.join(root, "pkg", "__main__.py"), root))
      self.assertEqual(run.module_file("no_such_module_here"), (None, None))
    finally:
      os.chdir(cwd)


class TensorFlowPythonTest(ReportTestCase):

  def test_internal_modules_as_the_script_sees_them(self):
    root = self.create_tempdir().full_path
    write(root, {"nmt_model.py": """\
        import tensorflow as tf
        from tensorflow.python.ops import rnn_cell_impl
        from tensorflow.python.layers import core as layers_core
        from tensorflow.python.util import nest
        import tensorflow.python.ops.no_such_module
        cell = rnn_cell_impl.LSTMCell(4)
        linear = rnn_cell_impl._linear
        projection = layers_core.Dense(10, use_bias=False)
        flat = nest.flatten([1, [2]])
        mapped = nest.map_structure
        """})
    _, rows = self.rows(os.path.join(root, "nmt_model.py"))
    rows = rows[os.path.join(root, "nmt_model.py")]
    self.assertEqual(rows["tensorflow.python.ops.rnn_cell_impl"],
                     ("TensorFlow", [2]))
    self.assertEqual(rows["tensorflow.python.layers.core"],
                     ("TensorFlow", [3]))
    self.assertEqual(rows["tensorflow.python.util.nest"], ("TensorFlow", [4]))
    self.assertEqual(rows["tensorflow.python.util.nest.flatten"],
                     ("TensorFlow", [9]))
    self.assertEqual(rows["tensorflow.python.util.nest.map_structure"],
                     ("TensorFlow", [10]))
    for symbol, line in (("tensorflow.python.ops.no_such_module", 5),
                         ("tensorflow.python.ops.rnn_cell_impl.LSTMCell", 6),
                         ("tensorflow.python.ops.rnn_cell_impl._linear", 7),
                         ("tensorflow.python.layers.core.Dense", 8)):
      self.assertEqual(rows[symbol], (NOT_COVERED, [line]))

  def test_reasons(self):
    verdict = migration_report.resolve(
        "tensorflow.python.ops.rnn_cell_impl._linear")
    self.assertEqual(verdict.provider, NOT_COVERED)
    self.assertRegex(verdict.detail,
                     r"^tensorflow\.python\.ops\.rnn_cell_impl has no "
                     r"'_linear' on TensorFlow 2\.")
    verdict = migration_report.resolve(
        "tensorflow.python.ops.rnn_cell_impl.LSTMCell")
    self.assertRegex(verdict.detail,
                     r"internal copy of Keras 2 \(tensorflow\.python\.keras"
                     r"\).*use tf\.nn\.rnn_cell\.LSTMCell \(tf1seq\)$")
    verdict = migration_report.resolve(
        "tensorflow.python.layers.core.dense")
    self.assertRegex(verdict.detail, r"use tf\.layers\.dense \(tf1seq\)$")
    # TensorFlow's public v1 API implemented in its Keras 2 copy is
    # TensorFlow's.
    verdict = migration_report.resolve("tensorflow.train.exponential_decay")
    self.assertEqual(verdict, migration_report.Verdict(
        "tf.train.exponential_decay", "TensorFlow", ""))


class MissingModuleTest(ReportTestCase):

  def test_each_function_of_a_missing_module_counts(self):
    root = self.create_tempdir().full_path
    write(root, {"tagger.py": """\
        import tensorflow as tf
        from tensorflow.contrib import image
        from tensorflow.contrib.factorization import gmm
        moved = tf.contrib.image.translate(x, [1, 2])
        turned = image.rotate(x, 0.5)
        turned = image.rotate(x, 0.1)
        mixture = tf.contrib.factorization.gmm
        """})
    data, rows = self.rows(os.path.join(root, "tagger.py"))
    rows = rows[os.path.join(root, "tagger.py")]
    self.assertEqual(rows, {
        "tf.contrib.image": (NOT_COVERED, [2]),
        "tf.contrib.factorization.gmm": (NOT_COVERED, [3, 7]),
        "tf.contrib.image.translate": (NOT_COVERED, [4]),
        "tf.contrib.image.rotate": (NOT_COVERED, [5, 6])})
    modules = {s["symbol"]: s["module"] for s in data["files"][0]["symbols"]}
    self.assertTrue(modules["tf.contrib.image"])
    self.assertFalse(modules["tf.contrib.image.rotate"])
    self.assertEqual(data["totals"]["not_covered"], 4)

  def test_implementation_packages_keep_the_whole_path(self):
    verdict = migration_report.resolve(
        "tensorflow.contrib.slim.python.slim.data.parallel_reader.read")
    self.assertEqual(
        verdict.symbol,
        "tf.contrib.slim.python.slim.data.parallel_reader.read")
    self.assertEqual(verdict.provider, NOT_COVERED)
    verdict = migration_report.resolve(
        "tensorflow.contrib.learn.python.learn.learn_runner.run")
    self.assertEqual(verdict.symbol,
                     "tf.contrib.learn.python.learn.learn_runner.run")

  def test_keras_initializers_are_tensorflows_v1_ones(self):
    # TF1 graph code's tf.keras.initializers resolve to TensorFlow's own
    # (Keras-free) v1 initializers; the rest of tf.keras names tf.layers.
    verdict = migration_report.resolve(
        "tensorflow.keras.initializers.glorot_uniform")
    self.assertEqual(verdict.provider, "TensorFlow")
    verdict = migration_report.resolve("tensorflow.keras.layers.Dense")
    self.assertEqual(verdict.provider, NOT_COVERED)
    self.assertRegex(verdict.detail, r"tf\.keras\.layers is not provided in "
                     r"TF1 code under tf1seq: .*Keras 3.*Use tf\.layers")

  def test_missing_function_of_a_covered_module(self):
    verdict = migration_report.resolve(
        "tensorflow.contrib.rnn.NotACell.zero_state")
    self.assertEqual(verdict.symbol, "tf.contrib.rnn.NotACell")
    self.assertEqual(verdict.provider, NOT_COVERED)
    verdict = migration_report.resolve("tensorflow.layers.conv2d")
    self.assertEqual(verdict.symbol, "tf.layers.conv2d")


class JsonTest(ReportTestCase):

  def test_command_line_json(self):
    root = self.create_tempdir().full_path
    write(root, {
        "train.py": """\
            import tensorflow as tf
            import legacy
            x = tf.placeholder(tf.float32, [None, 3])
            y = tf.layers.dense(x, 2)
            """,
        "legacy.py": "print 'old'\n",
    })
    result = tf1seq_run(["--report-only", "--recursive",
                         "--report-format=json", "train.py"], root)
    data = json.loads(result.stdout)
    self.assertEqual(data["entry"], "train.py")
    self.assertEqual(data["files"][0]["path"], "train.py")
    self.assertEqual(data["files"][0]["symbols"], [
        {"symbol": "tf.placeholder", "provider": "TensorFlow",
         "covered": True, "module": False, "lines": [3], "detail": ""},
        {"symbol": "tf.float32", "provider": "TensorFlow", "covered": True,
         "module": False, "lines": [3], "detail": ""},
        {"symbol": "tf.layers.dense", "provider": "tf1seq", "covered": True,
         "module": False, "lines": [4], "detail": ""}])
    self.assertEqual(data["files"][1]["error"]["line"], 1)
    self.assertEqual(data["totals"]["files"], 2)
    self.assertEqual(data["totals"]["unparseable"], 1)
    self.assertEqual((data["totals"]["symbols"], data["totals"]["covered"],
                      data["totals"]["not_covered"]), (3, 3, 0))

  def test_bad_format_is_a_usage_error(self):
    with self.assertRaisesRegex(run.UsageError,
                                r"--report-format must be one of text, "
                                r"json, got 'xml'"):
      run.parse_args(["--report-only", "--report-format=xml", "train.py"])
    with self.assertRaisesRegex(run.UsageError,
                                r"^--report-format needs --report or "
                                r"--report-only$"):
      run.parse_args(["--report-format=json", "train.py"])
    options = run.parse_args(["--report", "--report-format", "json",
                              "train.py"])
    self.assertEqual(options.report_format, "json")
    self.assertEqual(run.parse_args(["train.py"]).report_format, "text")


class CorpusTallyTest(tf.test.TestCase):

  def test_table_from_a_git_snapshot(self):
    root = self.create_tempdir().full_path
    source = os.path.join(root, "source")
    write(source, {
        "train.py": """\
            import tensorflow as tf
            import model
            x = tf.placeholder(tf.float32)
            """,
        "model.py": """\
            import tensorflow as tf
            a = tf.contrib.image.rotate
            b = tf.contrib.image.translate
            c = tf.contrib.image.rotate
            """,
        "tools/__init__.py": "",
        "tools/export.py": "import tensorflow as tf\nprint 'x'\n",
    })
    git = ["git", "-C", source, "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run(git + ["init", "-q"], check=True)
    subprocess.run(git + ["add", "."], check=True)
    subprocess.run(git + ["commit", "-qm", "c"], check=True)
    commit = subprocess.run(git + ["rev-parse", "HEAD"], check=True,
                            stdout=subprocess.PIPE, text=True).stdout.strip()
    mirror = os.path.join(root, "mirror")
    os.makedirs(os.path.join(mirror, "me+proj"))
    os.rename(source, os.path.join(mirror, "me+proj", "repo"))
    listing = os.path.join(root, "corpus.txt")
    with open(listing, "w") as f:
      f.write("# comment\nme/proj %s train.py -m:tools.export\n"
              "me/absent %s train.py\n" % (commit, commit))
    out = os.path.join(root, "table.md")
    scratch = os.path.join(root, "scratch")
    corpus_coverage.main(["--list", listing, "--scratch", scratch,
                          "--mirror", mirror, "--out", out,
                          "--pythonpath", os.path.dirname(
                              os.path.dirname(os.path.abspath(__file__)))])
    self.assertTrue(os.path.isfile(os.path.join(scratch, "me__proj",
                                                "model.py")))
    with open(out) as f:
      table = f.read().splitlines()
    self.assertEqual(
        table[2],
        "| [me/proj](https://github.com/me/proj) | `%s` | `train.py`, "
        "`-m:tools.export` | 3 (1) | 4 | 2 (50%%) | "
        "`tf.contrib.image.rotate`, "
        "`tf.contrib.image.translate` |" % commit[:10])
    self.assertRegex(table[3], r"^\| \[me/absent\].* \| 0 \(0\) \| 0 \| "
                     r"0 \(-\) \| not in .*scratch and no snapshot under ")
    self.assertEqual(table[4], "| **all 2 projects** | | | | 4 | 2 (50%) | |")


if __name__ == "__main__":
  tf.test.main()
