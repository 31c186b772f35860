"""Which TF1 symbols a script uses, and whether tf1seq covers each.

`scan` reads a Python file with `ast` (it never runs it) and finds the
attribute chains rooted at names bound to TensorFlow modules
(`import tensorflow as tf`, `import tensorflow.compat.v1 as tf`,
`from tensorflow.contrib import rnn`, `from tensorflow.examples.tutorials.mnist
import input_data`, ...) and the `from tensorflow... import` lines
themselves. `resolve` then looks each one up in the running process, which
should be patched (`tf1seq.patch()`): a symbol is covered when the lookup
succeeds and does not end in a Keras 3 object; otherwise the error raised by
the lookup (which names the symbol and the alternative) is the suggestion.
As under `tf1seq.run`, `tensorflow` means `tensorflow.compat.v1`.

A chain is reported up to its first non-module object: `tf.train.
AdamOptimizer(lr).minimize` counts as `tf.train.AdamOptimizer`,
`tf.flags.FLAGS.batch_size` as `tf.flags.FLAGS`.

Usage:

  tf1seq.patch()
  print(migration_report.report("train.py", recursive=True))
"""

import ast
import collections
import importlib
import os
import types

Use = collections.namedtuple("Use", ["path", "line"])
Verdict = collections.namedtuple("Verdict", ["symbol", "provider", "detail"])
NOT_COVERED = "NOT COVERED"
_HOOKED = ("contrib", "examples")
# Importing these is no use of a symbol (`tensorflow` is v1 under tf1seq.run).
_ROOTS = ("tensorflow", "tensorflow.compat.v1")


def _is_tensorflow(dotted):
  return dotted == "tensorflow" or dotted.startswith("tensorflow.")


def scan_source(source, filename="<string>"):
  """The TensorFlow uses in `source`: a list of `Use(dotted_path, line)`."""
  tree = ast.parse(source, filename)
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
  if len(parts) > 1 and parts[1] == "examples":
    return ".".join(parts)
  return ".".join(["tf"] + parts[1:])


def _provider(value):
  if isinstance(value, types.ModuleType):
    module = value.__name__
    if module.startswith(("tensorflow.contrib", "tensorflow.examples")):
      return "tf1seq"
  else:
    module = getattr(value, "__module__", None) or type(value).__module__
  module = module or ""
  for prefix, provider in (("tf1seq", "tf1seq"), ("tf_slim", "tf_slim"),
                           ("keras", None), ("tf_keras", None)):
    if module == prefix or module.startswith(prefix + "."):
      return provider
  return "TensorFlow"


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
  parts = dotted.split(".")
  try:
    value, index = _start(parts)
  except ImportError as e:
    return Verdict(_display(parts[:3]), NOT_COVERED, str(e))
  while index < len(parts):
    try:
      value = getattr(value, parts[index])
    except (AttributeError, ImportError) as e:
      return Verdict(_display(parts[:index + 1]), NOT_COVERED, str(e))
    index += 1
    if not isinstance(value, types.ModuleType):
      break
  symbol = _display(parts[:index])
  provider = _provider(value)
  if provider is None:
    return Verdict(symbol, NOT_COVERED,
                   "%s is a Keras 3 object, which does not run in TF1 graph "
                   "code; use tf.layers.dense / tf.nn.rnn_cell (tf1seq)" %
                   symbol)
  return Verdict(symbol, provider, "")


def local_imports(source, directory):
  """Paths of the modules `source` imports from `directory` (not packages
  installed elsewhere): `import a.b`, `from a import b`, `from a.b import c`.
  """
  found = []

  def add(dotted):
    base = os.path.join(directory, *dotted.split("."))
    for candidate in (base + ".py", os.path.join(base, "__init__.py")):
      if os.path.isfile(candidate) and candidate not in found:
        found.append(candidate)

  for node in ast.walk(ast.parse(source)):
    if isinstance(node, ast.Import):
      for alias in node.names:
        add(alias.name)
    elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
      add(node.module)
      for alias in node.names:
        add(node.module + "." + alias.name)
  return found


def _files(path, recursive):
  files, pending = [], [os.path.abspath(path)]
  while pending:
    current = pending.pop(0)
    if current in files:
      continue
    files.append(current)
    if recursive:
      with open(current) as f:
        source = f.read()
      pending.extend(local_imports(source, os.path.dirname(
          os.path.abspath(path))))
  return files


def report_file(path, label=None):
  """The report for one file, as text."""
  with open(path) as f:
    uses = scan_source(f.read(), path)
  by_symbol = collections.OrderedDict()
  for use in sorted(uses, key=lambda use: use.line):
    verdict = resolve(use.path)
    entry = by_symbol.setdefault(verdict.symbol, (verdict, []))
    if use.line not in entry[1]:
      entry[1].append(use.line)
  lines = ["TF1 API used by %s (resolved after tf1seq.patch()):" %
           (label or path)]
  missing = []
  width = max([len(symbol) for symbol in by_symbol] + [20])
  for symbol, (verdict, line_numbers) in by_symbol.items():
    where = "line%s %s" % ("s" if len(line_numbers) > 1 else "",
                           ", ".join(str(n) for n in line_numbers))
    lines.append("  %-*s  %-11s  %s" % (width, symbol, verdict.provider,
                                        where))
    if verdict.provider == NOT_COVERED:
      missing.append("  %s (%s): %s" % (symbol, where, verdict.detail))
  if missing:
    lines.append("Not covered (%d):" % len(missing))
    lines.extend(missing)
  lines.append("Summary: %d symbols, %d covered, %d not covered." %
               (len(by_symbol), len(by_symbol) - len(missing), len(missing)))
  return "\n".join(lines)


def report(path, recursive=False):
  """The report for `path` and, if `recursive`, the local modules it imports
  (resolved relative to its directory, transitively).
  """
  directory = os.path.dirname(os.path.abspath(path))
  texts = []
  for filename in _files(path, recursive):
    label = os.path.relpath(filename, directory)
    if filename == os.path.abspath(path):
      label = path
    texts.append(report_file(filename, label))
  return "\n\n".join(texts)

