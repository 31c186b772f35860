"""Which TF1 symbols a script uses, and whether tf1seq covers each.

`scan_source` reads Python source with `ast` (it never runs it) and finds
the attribute chains rooted at names bound to TensorFlow modules
(`import tensorflow as tf`, `import tensorflow.compat.v1 as tf`,
`from tensorflow.contrib import rnn`, `from tensorflow.python.ops import
rnn_cell_impl`, ...) and the `from tensorflow... import` lines themselves.
`resolve` then looks each one up in the running process, which should be
patched (`tf1seq.patch()`): a symbol is covered when the lookup succeeds and
does not end in a Keras object; otherwise the error raised by the lookup
(which names the symbol and the alternative) is the reason. As under
`tf1seq.run`, `tensorflow` means `tensorflow.compat.v1`; `tensorflow.python.*`
is TensorFlow's own internal package, looked up as the script will import
it.

A chain is reported up to its first non-module object: `tf.train.
AdamOptimizer(lr).minimize` counts as `tf.train.AdamOptimizer`,
`tf.flags.FLAGS.batch_size` as `tf.flags.FLAGS`. A missing module does not
hide what is used of it: `tf.contrib.crf.crf_log_likelihood` and
`tf.contrib.crf.viterbi_decode` are two symbols (TensorFlow 1.15's module
list, `tf1_modules`, tells modules from functions).

`report` covers a script and, with `recursive`, the project files it imports
(absolute imports from the script's directory, relative imports, and the
implicit relative imports of Python 2). A file that does not parse (Python 2
`print "x"`) is named with the line and the syntax error; the others are
still reported.

Usage:

  tf1seq.patch()
  print(report.report("train.py", recursive=True))
  data = report.report_data("train.py", recursive=True)   # JSON-ready dict
"""

import ast
import collections
import importlib
import json
import os
import tokenize
import types

from tf1seq.compat import coverage
from tf1seq.compat import tf1_modules

Use = collections.namedtuple("Use", ["path", "line"])
Verdict = collections.namedtuple("Verdict", ["symbol", "provider", "detail"])
# One symbol's row: its verdict, the lines using it, and whether it is a
# module (an import of a namespace rather than a function or class).
Row = collections.namedtuple("Row", ["verdict", "lines", "is_module"])
# A file's report: `error` is None or `(line, message)` when it did not parse.
FileReport = collections.namedtuple("FileReport",
                                    ["path", "label", "error", "rows"])
NOT_COVERED = "NOT COVERED"
FORMATS = ("text", "json")
_HOOKED = ("contrib", "examples")
# Importing these is no use of a symbol (`tensorflow` is v1 under tf1seq.run).
_ROOTS = ("tensorflow", "tensorflow.compat.v1")
_KERAS_2 = "tensorflow.python.keras"


def _is_tensorflow(dotted):
  return dotted == "tensorflow" or dotted.startswith("tensorflow.")


def scan_tree(tree):
  """The TensorFlow uses in an `ast` tree: a list of `Use(path, line)`."""
  bindings = {}  # Local name -> dotted TensorFlow path.
  uses = []
  for node in ast.walk(tree):
    if isinstance(node, ast.Import):
      for alias in node.names:
        if not _is_tensorflow(alias.name):
          continue
        if alias.asname:
          bindings[alias.asname] = alias.name
        else:
          bindings["tensorflow"] = "tensorflow"
        if alias.name not in _ROOTS:
          uses.append(Use(alias.name, node.lineno))
    elif (isinstance(node, ast.ImportFrom) and not node.level and
          _is_tensorflow(node.module or "")):
      for alias in node.names:
        if alias.name == "*":
          continue
        dotted = node.module + "." + alias.name
        bindings[alias.asname or alias.name] = dotted
        if dotted not in _ROOTS:
          uses.append(Use(dotted, node.lineno))
  inner = set(id(node.value) for node in ast.walk(tree)
              if isinstance(node, ast.Attribute))
  for node in ast.walk(tree):
    if not isinstance(node, ast.Attribute) or id(node) in inner:
      continue
    attributes = []
    root = node
    while isinstance(root, ast.Attribute):
      attributes.append(root.attr)
      root = root.value
    if isinstance(root, ast.Name) and root.id in bindings:
      dotted = ".".join([bindings[root.id]] + attributes[::-1])
      uses.append(Use(dotted, node.lineno))
  return uses


def scan_source(source, filename="<string>"):
  """The TensorFlow uses in `source`: a list of `Use(dotted_path, line)`.

  Raises:
    SyntaxError: if `source` does not parse as Python 3.
  """
  return scan_tree(ast.parse(source, filename))


# -- Resolving --------------------------------------------------------------


def _tf1_path(parts):
  """`parts` as a path from `tf` in TF1 ("contrib.rnn"), or None."""
  if parts[1:3] == ["compat", "v1"]:
    parts = parts[:1] + parts[3:]
  if len(parts) > 1 and parts[1] in ("python", "examples"):
    return None
  return ".".join(parts[1:])


def _is_tf1_module(parts):
  """Whether `parts` names a module in TF1 (every `tf.contrib.X` is one)."""
  path = _tf1_path(parts)
  if path is None:
    return False
  return path in tf1_modules.MODULES or (
      path.startswith("contrib.") and path.count(".") == 1)


def _missing_end(parts, index):
  """Where the symbol ends when `parts[index]` is missing.

  A missing module is followed by what is used of it: `tf.contrib.crf` is
  missing, so `tf.contrib.crf.viterbi_decode` is the symbol.
  """
  if "python" in parts[2:]:
    # An implementation package (`tensorflow.contrib.slim.python.slim.data.
    # parallel_reader`): the whole import path is the symbol.
    return len(parts)
  end = index + 1
  while end < len(parts) and _is_tf1_module(parts[:end]):
    end += 1
  return end


def _start(parts):
  """`(object, index of the first unresolved part)` for a dotted path."""
  tensorflow = importlib.import_module("tensorflow")
  v1 = tensorflow.compat.v1
  if parts[1:3] == ["compat", "v1"]:
    return v1, 3
  if len(parts) > 1 and parts[1] in _HOOKED:
    return importlib.import_module("tensorflow." + parts[1]), 2
  return v1, 1


def _display(parts):
  if parts[1:3] == ["compat", "v1"]:
    parts = parts[:1] + parts[3:]
  if len(parts) > 1 and parts[1] in ("examples", "python"):
    return ".".join(parts)
  return ".".join(["tf"] + parts[1:])


def _module_of(value):
  if isinstance(value, types.ModuleType):
    return value.__name__ or ""
  return getattr(value, "__module__", None) or type(value).__module__ or ""


def _under(module, prefix):
  return module == prefix or module.startswith(prefix + ".")


def _provider(value):
  """"tf1seq", "tf_slim", "TensorFlow", "Keras 2", or None for Keras 3."""
  module = _module_of(value)
  if isinstance(value, types.ModuleType) and module.startswith(
      ("tensorflow.contrib", "tensorflow.examples")):
    return "tf1seq"
  if _under(module, _KERAS_2):
    return "Keras 2"
  for prefix, provider in (("tf1seq", "tf1seq"), ("tf_slim", "tf_slim"),
                           ("keras", None), ("tf_keras", None)):
    if _under(module, prefix):
      return provider
  return "TensorFlow"


def _tf1seq_alternative(name):
  if name in coverage.RNN_CELL:
    return "tf.nn.rnn_cell.%s (tf1seq)" % name
  if name in coverage.LAYERS:
    return "tf.layers.%s (tf1seq)" % name
  return "tf1seq's tf.nn.rnn_cell / tf.layers or tf.compat.v1 ops"


def _keras_3_alternative(parts):
  """What to use instead of a Keras 3 object reached from `tf.keras`."""
  if "initializers" in parts[:-1]:
    v1 = importlib.import_module("tensorflow").compat.v1
    if hasattr(v1.initializers, parts[-1]):
      return "tf.initializers.%s (TensorFlow's TF1 initializer)" % parts[-1]
  return "tf.layers.dense / tf.nn.rnn_cell (tf1seq)"


def _keras_2_reason(symbol, name):
  return ("%s is TensorFlow's internal copy of Keras 2 "
          "(tensorflow.python.keras), which TensorFlow no longer maintains "
          "or tests; use %s" % (symbol, _tf1seq_alternative(name)))


def _lookup_python(parts):
  """Resolves `tensorflow.python.*` by importing it, as the script will.

  Returns:
    `(value, index)` after the walk, or `(None, (index, reason))` when
    `parts[index]` is missing.
  """
  try:
    value = importlib.import_module("tensorflow.python")
  except ImportError as e:
    return None, (1, str(e))
  index = 2
  while index < len(parts):
    name = ".".join(parts[:index + 1])
    try:
      value = getattr(value, parts[index])
    except AttributeError:
      try:
        value = importlib.import_module(name)
      except ModuleNotFoundError as e:
        if e.name != name:
          return None, (index, "%s: %s" % (name, e))
        import tensorflow  # pylint: disable=g-import-not-at-top
        return None, (index, "%s has no %r on TensorFlow %s (it was removed "
                             "or made private since TensorFlow 1)" % (
                                 ".".join(parts[:index]), parts[index],
                                 tensorflow.__version__))
      except Exception as e:  # pylint: disable=broad-except
        return None, (index, "importing %s fails on this TensorFlow: %s: %s"
                      % (name, type(e).__name__, e))
    index += 1
    if not isinstance(value, types.ModuleType):
      break
  return value, index


def resolve_value(dotted):
  """Like `resolve`, also telling whether the symbol is a module.

  Returns:
    `(Verdict, is_module)`.
  """
  parts = dotted.split(".")
  if len(parts) > 1 and parts[1] == "python":
    value, index = _lookup_python(parts)
    if value is None:
      index, reason = index
      return Verdict(_display(parts[:index + 1]), NOT_COVERED, reason), False
  else:
    try:
      value, index = _start(parts)
    except ImportError as e:
      end = _missing_end(parts, 1)
      return (Verdict(_display(parts[:end]), NOT_COVERED, str(e)),
              _is_tf1_module(parts[:end]))
    while index < len(parts):
      try:
        value = getattr(value, parts[index])
      except (AttributeError, ImportError) as e:
        end = _missing_end(parts, index)
        return (Verdict(_display(parts[:end]), NOT_COVERED, str(e)),
                _is_tf1_module(parts[:end]))
      index += 1
      if not isinstance(value, types.ModuleType):
        break
  symbol = _display(parts[:index])
  is_module = isinstance(value, types.ModuleType)
  if _tf1_path(parts[:index]) == "estimator":
    # An empty namespace, there only to say what to use instead.
    return Verdict(symbol, NOT_COVERED, coverage.estimator_missing()), True
  provider = _provider(value)
  if provider is None:
    reason = ("%s is a Keras 3 object, which does not run in TF1 graph "
              "code; use %s" % (symbol, _keras_3_alternative(parts)))
    return Verdict(symbol, NOT_COVERED, reason), is_module
  if provider == "Keras 2" and parts[1] != "python":
    # TensorFlow's public v1 API (tf.train.exponential_decay, ...) is
    # TensorFlow's, wherever it is implemented.
    provider = "TensorFlow"
  if provider == "Keras 2":
    return Verdict(symbol, NOT_COVERED,
                   _keras_2_reason(symbol, parts[index - 1])), is_module
  return Verdict(symbol, provider, ""), is_module


def resolve(dotted):
  """Looks a dotted TensorFlow path up in the (patched) running process.

  Args:
    dotted: e.g. "tensorflow.contrib.rnn.LSTMBlockCell".

  Returns:
    `Verdict(symbol, provider, detail)`: `symbol` is the displayed prefix
    that was looked up (`tf.contrib.rnn.LSTMBlockCell`), `provider` one of
    "tf1seq", "tf_slim", "TensorFlow" or NOT_COVERED, and `detail` the
    reason it is not covered ("" if it is).
  """
  return resolve_value(dotted)[0]


# -- Finding the project's files --------------------------------------------


def _candidates(base):
  return (base + ".py", os.path.join(base, "__init__.py"))


def _import_nodes(source):
  """The import statements of `source`; line by line if it does not parse
  (so a Python 2 file's imports are still followed).
  """
  try:
    return [node for node in ast.walk(ast.parse(source))
            if isinstance(node, (ast.Import, ast.ImportFrom))]
  except (SyntaxError, ValueError):
    pass
  nodes = []
  for line in source.splitlines():
    stripped = line.strip()
    if not stripped.startswith(("import ", "from ")):
      continue
    try:
      nodes.extend(ast.parse(stripped.rstrip("\\")).body)
    except (SyntaxError, ValueError):
      continue
  return [node for node in nodes
          if isinstance(node, (ast.Import, ast.ImportFrom))]


def local_imports(source, directory, path=None):
  """Paths of the project files `source` imports (not installed packages).

  Args:
    source: Python source.
    directory: the directory absolute imports start from (the script's
      directory, or the current directory for `-m`).
    path: the file `source` is from, for relative imports (`from . import
      x`, `from ..pkg import y`) and Python 2's implicit relative imports
      (`import x` of a file beside it).

  Returns:
    A list of existing files: `a.py` or `a/__init__.py` for each module, and
    the `__init__.py` of the packages on the way.
  """
  found = []

  def add(base):
    for candidate in _candidates(base):
      if os.path.isfile(candidate):
        candidate = os.path.abspath(candidate)
        if candidate not in found:
          found.append(candidate)
        return True
    return False

  def add_dotted(root, dotted):
    parts = dotted.split(".") if dotted else []
    for end in range(1, len(parts) + 1):
      add(os.path.join(root, *parts[:end]))
    return bool(parts) and any(
        os.path.isfile(c) for c in _candidates(os.path.join(root, *parts)))

  here = os.path.dirname(os.path.abspath(path)) if path else None
  roots = [directory]
  if here and os.path.abspath(here) != os.path.abspath(directory):
    roots.append(here)
  for node in _import_nodes(source):
    if isinstance(node, ast.Import):
      for alias in node.names:
        for root in roots:
          if add_dotted(root, alias.name):
            break
    elif node.level:
      if not here:
        continue
      base = here
      for _ in range(node.level - 1):
        base = os.path.dirname(base)
      module = node.module or ""
      add_dotted(base, module)
      package = os.path.join(base, *module.split(".")) if module else base
      for alias in node.names:
        if alias.name != "*":
          add(os.path.join(package, alias.name))
    elif node.module and not _is_tensorflow(node.module):
      for root in roots:
        if add_dotted(root, node.module):
          package = os.path.join(root, *node.module.split("."))
          for alias in node.names:
            if alias.name != "*":
              add(os.path.join(package, alias.name))
          break
  return found


def _read(path):
  """The text of a Python file, decoded as Python would (coding cookie)."""
  with tokenize.open(path) as f:
    return f.read()


def project_files(path, recursive=False, directory=None):
  """`path` and, if `recursive`, the project files it imports (transitively).

  Args:
    path: the script.
    recursive: follow imports.
    directory: where absolute imports start (default: the script's
      directory).
  """
  directory = directory or os.path.dirname(os.path.abspath(path))
  files, pending = [], [os.path.abspath(path)]
  while pending:
    current = pending.pop(0)
    if current in files:
      continue
    files.append(current)
    if recursive:
      try:
        source = _read(current)
      except (OSError, SyntaxError, UnicodeDecodeError):
        continue
      pending.extend(local_imports(source, directory, current))
  return files


# -- Reports ----------------------------------------------------------------


def _parse_error(error):
  """`(line, message)` for an exception raised reading or parsing a file."""
  if isinstance(error, SyntaxError):
    message = error.msg
    if "print" in message or "Missing parentheses" in message:
      message += " (Python 2 code?)"
    return error.lineno, message
  if isinstance(error, UnicodeDecodeError):
    return None, "not valid text in its encoding: %s" % error
  return None, "%s: %s" % (type(error).__name__, error)


def analyse_file(path, label=None):
  """The `FileReport` of one file (never raises for bad source)."""
  label = label or path
  try:
    tree = ast.parse(_read(path), path)
  except (SyntaxError, ValueError, UnicodeDecodeError, OSError) as e:
    return FileReport(path, label, _parse_error(e), collections.OrderedDict())
  rows = collections.OrderedDict()
  for use in sorted(scan_tree(tree), key=lambda use: use.line):
    verdict, is_module = resolve_value(use.path)
    row = rows.setdefault(verdict.symbol, Row(verdict, [], is_module))
    if use.line not in row.lines:
      row.lines.append(use.line)
  return FileReport(path, label, None, rows)


def _counts(rows):
  missing = sum(1 for row in rows.values()
                if row.verdict.provider == NOT_COVERED)
  return len(rows), len(rows) - missing, missing


def _error_text(report):
  line, message = report.error
  where = "line %d: " % line if line else ""
  return "%s: %scannot be parsed: %s" % (report.label, where, message)


def format_file(report):
  """One `FileReport` as text."""
  if report.error:
    return "TF1 API used by %s: not read.\n  %s" % (report.label,
                                                     _error_text(report))
  if not report.rows:
    return "TF1 API used by %s: none." % report.label
  lines = ["TF1 API used by %s (resolved after tf1seq.patch()):" %
           report.label]
  missing = []
  width = max([len(symbol) for symbol in report.rows] + [20])
  for symbol, row in report.rows.items():
    where = "line%s %s" % ("s" if len(row.lines) > 1 else "",
                           ", ".join(str(n) for n in row.lines))
    lines.append("  %-*s  %-11s  %s" % (width, symbol, row.verdict.provider,
                                        where))
    if row.verdict.provider == NOT_COVERED:
      missing.append("  %s (%s): %s" % (symbol, where, row.verdict.detail))
  if missing:
    lines.append("Not covered (%d):" % len(missing))
    lines.extend(missing)
  lines.append("Summary: %d symbols, %d covered, %d not covered." %
               _counts(report.rows))
  return "\n".join(lines)


def report_file(path, label=None):
  """The report for one file, as text."""
  return format_file(analyse_file(path, label))


def analyse(path, recursive=False, directory=None):
  """The `FileReport`s of `path` and (if `recursive`) the files it imports.

  Labels are paths relative to `directory` (default: the script's); the
  script itself keeps `path` as given.
  """
  directory = directory or os.path.dirname(os.path.abspath(path))
  reports = []
  for filename in project_files(path, recursive, directory):
    label = os.path.relpath(filename, directory)
    if filename == os.path.abspath(path):
      label = path
    reports.append(analyse_file(filename, label))
  return reports


def _all_rows(reports):
  """The distinct symbols over all files, first verdict kept."""
  rows = collections.OrderedDict()
  for report in reports:
    for symbol, row in report.rows.items():
      rows.setdefault(symbol, row)
  return rows


def report(path, recursive=False, directory=None):
  """The text report for `path` and, if `recursive`, the project files it
  imports (see `project_files`), with a total over the files when there is
  more than one or one could not be read.
  """
  reports = analyse(path, recursive, directory)
  texts = [format_file(r) for r in reports]
  unreadable = [r for r in reports if r.error]
  if len(reports) > 1 or unreadable:
    total = "Total: %d files" % len(reports)
    if unreadable:
      total += " (%d could not be read: %s)" % (
          len(unreadable), ", ".join(r.label for r in unreadable))
    total += ", %d distinct symbols, %d covered, %d not covered." % (
        _counts(_all_rows(reports)))
    texts.append(total)
  return "\n\n".join(texts)


def report_data(path, recursive=False, directory=None):
  """The report as a JSON-ready dict (see `report_json`)."""
  import tensorflow  # pylint: disable=g-import-not-at-top
  reports = analyse(path, recursive, directory)
  files = []
  for r in reports:
    entry = {"path": r.label, "error": None, "symbols": []}
    if r.error:
      entry["error"] = {"line": r.error[0], "message": r.error[1]}
    for symbol, row in r.rows.items():
      entry["symbols"].append({
          "symbol": symbol, "provider": row.verdict.provider,
          "covered": row.verdict.provider != NOT_COVERED,
          "module": row.is_module, "lines": row.lines,
          "detail": row.verdict.detail})
    entry["symbol_count"], entry["covered"], entry["not_covered"] = (
        _counts(r.rows))
    files.append(entry)
  rows = _all_rows(reports)
  symbols, covered, not_covered = _counts(rows)
  return {
      "tensorflow": tensorflow.__version__,
      "entry": path,
      "files": files,
      "totals": {
          "files": len(reports),
          "unparseable": len([r for r in reports if r.error]),
          "unparseable_files": [{"path": r.label, "line": r.error[0],
                                 "message": r.error[1]}
                                for r in reports if r.error],
          "symbols": symbols, "covered": covered,
          "not_covered": not_covered,
          "not_covered_symbols": [s for s, row in rows.items()
                                  if row.verdict.provider == NOT_COVERED],
      },
  }


def report_json(path, recursive=False, directory=None):
  """The report as JSON text.

  Per file: `path` (relative to the script's directory), `error` (`null`
  or `{line, message}` for a file that does not parse), `symbols` (each
  with `symbol`, `provider`, `covered`, `module`, `lines`, `detail`) and
  its counts. Per run, `totals`: files, unparseable files, and distinct
  symbols with their covered / not covered counts.
  """
  return json.dumps(report_data(path, recursive, directory), indent=1)
