"""BUILD names every module, program and test, so Bazel cannot drift.

The rules (see BUILD's header): each tf1seq/**/*.py, train/*.py and
benchmarks/*.py is the one source of a py_library or py_binary, and each
tests/*_test.py the one source of a py_test, named by its path without
".py"; each test file runs its tests when executed as a script (Bazel's
py_test does), and BUILD names no file that does not exist.

Runs under pytest from the source tree and under Bazel from runfiles, where
BUILD's `data` globs put the same files.
"""

import ast
import glob
import os
import re
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# File pattern -> the rules that may own such a file.
OWNERS = (
    ("tf1seq/**/*.py", ("py_library", "py_binary")),
    ("train/*.py", ("py_library", "py_binary")),
    ("benchmarks/*.py", ("py_library", "py_binary")),
    ("tests/*_test.py", ("py_test",)),
)
PYTHON_RULES = ("py_library", "py_binary", "py_test")
MAIN_GUARD = re.compile(r"""^if __name__ == ["']__main__["']:""", re.M)


def read_rules(build_path):
  """Returns [(kind, name, srcs)] for BUILD's Python rules, with literal srcs.

  Args:
    build_path: path of the BUILD file.

  Returns:
    A list of (rule kind, `name` string, list of `srcs` strings) tuples, in
    file order. `srcs` that is not a list of string literals (a glob, say)
    reads as [], so its files count as unnamed.

  Raises:
    SyntaxError: BUILD is not parseable as Starlark's Python subset.
  """
  with open(build_path) as f:
    tree = ast.parse(f.read(), filename=build_path)
  rules = []
  for node in ast.walk(tree):
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            and node.func.id in PYTHON_RULES):
      continue
    keywords = {k.arg: k.value for k in node.keywords}
    name = keywords.get("name")
    name = name.value if isinstance(name, ast.Constant) else None
    srcs = []
    if isinstance(keywords.get("srcs"), ast.List):
      srcs = [e.value for e in keywords["srcs"].elts
              if isinstance(e, ast.Constant) and isinstance(e.value, str)]
    rules.append((node.func.id, name, srcs))
  return rules


def project_files():
  """Returns {path relative to ROOT: allowed rule kinds} for owned files."""
  files = {}
  for pattern, kinds in OWNERS:
    for path in glob.glob(os.path.join(ROOT, pattern), recursive=True):
      files[os.path.relpath(path, ROOT)] = kinds
  return files


class BuildTest(unittest.TestCase):

  def setUp(self):
    super().setUp()
    self.build_path = os.path.join(ROOT, "BUILD")
    self.assertTrue(os.path.isfile(self.build_path),
                    "no BUILD file at %s" % self.build_path)
    self.rules = read_rules(self.build_path)
    self.owner = {}  # src path -> (kind, name)
    for kind, name, srcs in self.rules:
      for src in srcs:
        self.owner.setdefault(src, (kind, name))

  def test_finds_the_project(self):
    # Guards the tests below against passing on an empty glob.
    files = project_files()
    self.assertIn(os.path.join("tf1seq", "__init__.py"), files)
    self.assertIn(os.path.join("tests", "build_test.py"), files)

  def test_every_file_has_a_target(self):
    problems = []
    for path, kinds in sorted(project_files().items()):
      if path not in self.owner:
        problems.append("%s is not in the srcs of any %s in BUILD" %
                        (path, " or ".join(kinds)))
        continue
      kind, name = self.owner[path]
      if kind not in kinds:
        problems.append("%s belongs to %s %r; expected a %s" %
                        (path, kind, name, " or ".join(kinds)))
      expected_name = path[:-len(".py")]
      if expected_name.endswith("/__init__"):
        expected_name = expected_name[:-len("/__init__")]
      if name != expected_name:
        problems.append("%s: target is named %r; expected %r" %
                        (path, name, expected_name))
    if problems:
      self.fail("BUILD is out of date:\n  " + "\n  ".join(problems))

  def test_every_named_file_exists(self):
    missing = sorted(src for src in self.owner
                     if not os.path.isfile(os.path.join(ROOT, src)))
    if missing:
      self.fail("BUILD names files that do not exist: " + ", ".join(missing))

  def test_each_target_has_one_source(self):
    problems = ["%s %r has srcs %r; expected exactly one .py file" %
                (kind, name, srcs)
                for kind, name, srcs in self.rules if len(srcs) != 1]
    if problems:
      self.fail("\n".join(problems))

  def test_every_test_runs_as_a_script(self):
    # A py_test whose file has no main guard runs nothing and passes.
    silent = []
    for path in sorted(glob.glob(os.path.join(ROOT, "tests", "*_test.py"))):
      with open(path) as f:
        if not MAIN_GUARD.search(f.read()):
          silent.append(os.path.relpath(path, ROOT))
    if silent:
      self.fail("test files without `if __name__ == "
                "\"__main__\": tf.test.main()`, which Bazel's py_test "
                "would run as no tests: " + ", ".join(silent))


if __name__ == "__main__":
  unittest.main()
