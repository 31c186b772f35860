"""Run an unmodified TF1 script on current TensorFlow: `python -m tf1seq.run`.

  python -m tf1seq.run [--report [--recursive] [--report-format=json]] \\
      [--report-only] SCRIPT [ARGS...]
  python -m tf1seq.run [flags] -m MODULE [ARGS...]

runs SCRIPT (or MODULE) as `__main__` the way TensorFlow 1 ran it:

  * `tf1seq.patch()` is applied (tf1seq's cells, `tf.layers.dense`,
    `tf.contrib.rnn`, `tensorflow.examples.tutorials.mnist`; see
    `tf1seq.patch`);
  * `tf.compat.v1.disable_v2_behavior()` is called (graph mode, TF1
    variables and control flow), as TF1 scripts assume;
  * `import tensorflow` (also `from tensorflow import ...`) in the script
    and in the modules it imports from its own directory gives
    `tensorflow.compat.v1`, which is what `tensorflow` was in TF1. Other
    code (TensorFlow, Keras, installed packages, tf1seq) keeps the real
    `tensorflow`.

`sys.argv` is `[SCRIPT, ARGS...]` (SCRIPT as an absolute path, which
`python SCRIPT` gives only to `__file__`), `sys.path[0]` the script's
directory (`-m`: the current directory), as with `python SCRIPT`; the exit
status and the traceback of an uncaught exception are the script's
(`SystemExit` passes through).

`--report` first prints, for every TF1 symbol the script uses, whether
tf1seq covers it (see `tf1seq.compat.report`); `--recursive` also scans
the project files it imports (absolute imports from the script's directory,
or the current directory with `-m`, and relative imports);
`--report-format=json` prints it as JSON (per file: symbols with provider
and lines, or the syntax error of a file that does not parse; per run:
totals), for tallying many projects; `--report-only` prints the report and
does not run the script. tf1seq.run's flags come before SCRIPT; everything after
SCRIPT is the script's.
"""

import builtins
import os
import runpy
import sys

USAGE = ("usage: python -m tf1seq.run [--report [--recursive] "
         "[--report-format=text|json]] [--report-only] "
         "(SCRIPT | -m MODULE) [ARGS...]")
REPORT_FORMATS = ("text", "json")


class UsageError(Exception):
  pass


class Options(object):
  """Parsed command line: the flags, then `script` or `module`, then args."""

  def __init__(self):
    self.report = False
    self.report_only = False
    self.recursive = False
    self.report_format = "text"
    self.script = None
    self.module = None
    self.args = []


def parse_args(argv):
  """Parses tf1seq.run's own flags; the rest belongs to the script.

  Args:
    argv: the arguments after `python -m tf1seq.run`.

  Returns:
    An `Options`.

  Raises:
    UsageError: for an unknown flag or no script.
  """
  options = Options()
  argv = list(argv)
  while argv:
    arg = argv.pop(0)
    if arg == "--report":
      options.report = True
    elif arg == "--report-only":
      options.report = options.report_only = True
    elif arg == "--recursive":
      options.recursive = True
    elif arg == "--report-format" or arg.startswith("--report-format="):
      if arg == "--report-format":
        if not argv:
          raise UsageError("--report-format needs a value: text or json")
        value = argv.pop(0)
      else:
        value = arg.split("=", 1)[1]
      if value not in REPORT_FORMATS:
        raise UsageError("--report-format must be one of %s, got %r" %
                         (", ".join(REPORT_FORMATS), value))
      options.report_format = value
    elif arg == "-m":
      if not argv:
        raise UsageError("-m needs a module name")
      options.module = argv.pop(0)
      break
    elif arg == "--":
      if not argv:
        raise UsageError("no script given")
      options.script = argv.pop(0)
      break
    elif arg.startswith("-") and arg != "-":
      raise UsageError("unknown flag %r (tf1seq.run's flags come before "
                       "the script; the script's after it)" % arg)
    else:
      options.script = arg
      break
  if options.script is None and options.module is None:
    raise UsageError("no script given")
  if options.report_format != "text" and not options.report:
    raise UsageError("--report-format needs --report or --report-only")
  options.args = argv
  return options


class TF1Imports(object):
  """While active, `import tensorflow` in user code gives tf.compat.v1.

  User code is a module whose file is under one of `roots` and not in an
  installed package (site-packages) or tf1seq.
  """

  def __init__(self, roots):
    self._roots = [os.path.realpath(root) for root in roots]
    self._original = None
    self._own = os.path.dirname(os.path.realpath(__file__))

  def is_user_code(self, module_globals):
    if not module_globals:
      return False
    name = module_globals.get("__name__") or ""
    if name == "tf1seq" or name.startswith("tf1seq."):
      return False
    filename = module_globals.get("__file__")
    if not filename:
      return False
    path = os.path.realpath(filename)
    parts = path.split(os.sep)
    if ("site-packages" in parts or "dist-packages" in parts or
        path.startswith(self._own + os.sep)):
      return False
    return any(path.startswith(root + os.sep) for root in self._roots)

  def _import(self, name, globals=None, locals=None, fromlist=(), level=0):  # pylint: disable=redefined-builtin
    module = self._original(name, globals, locals, fromlist, level)
    if name == "tensorflow" and not level and self.is_user_code(globals):
      return module.compat.v1
    return module

  def __enter__(self):
    self._original = builtins.__import__
    builtins.__import__ = self._import
    return self

  def __exit__(self, *exc_info):
    builtins.__import__ = self._original
    return False


def _strip_own_frames(traceback):
  """Drops the leading frames of this module and runpy from a traceback."""
  own = os.path.realpath(__file__)
  while traceback is not None and (
      traceback.tb_frame.f_globals.get("__name__") == "runpy" or
      os.path.realpath(traceback.tb_frame.f_code.co_filename) == own):
    traceback = traceback.tb_next
  return traceback


def _execute(options):
  """Runs the script or module as __main__ (exceptions propagate)."""
  if options.module:
    sys.argv = [options.module] + options.args  # runpy sets argv[0].
    roots = [sys.path[0] or os.getcwd()]
    with TF1Imports(roots):
      runpy.run_module(options.module, run_name="__main__", alter_sys=True)
  else:
    # The absolute path, as `python SCRIPT` gives `__file__` and tracebacks
    # (runpy also puts it in sys.argv[0]).
    script = os.path.abspath(options.script)
    sys.argv = [script] + options.args
    directory = os.path.dirname(os.path.realpath(script))
    sys.path[0] = directory
    with TF1Imports([directory]):
      runpy.run_path(script, run_name="__main__")


def module_file(name):
  """`(file, directory its absolute imports start from)` for `-m name`.

  The module is looked for under the current directory first (as `python -m`
  does, without importing its packages, whose `__init__` may run code), then
  wherever Python would find it.
  """
  cwd = os.getcwd()
  base = os.path.join(cwd, *name.split("."))
  for candidate in (base + ".py", os.path.join(base, "__main__.py")):
    if os.path.isfile(candidate):
      return candidate, cwd
  import importlib.util  # pylint: disable=g-import-not-at-top
  try:
    spec = importlib.util.find_spec(name)
  except ImportError:
    spec = None
  if spec is None or not spec.origin or not os.path.isfile(spec.origin):
    return None, None
  origin = spec.origin
  if spec.submodule_search_locations:
    origin = os.path.join(os.path.dirname(origin), "__main__.py")
  directory = os.path.dirname(origin)
  for _ in name.split(".")[1:]:
    directory = os.path.dirname(directory)
  if os.path.basename(origin) in ("__init__.py", "__main__.py"):
    directory = os.path.dirname(directory)
  return origin, directory


def main(argv=None):
  """Runs `python -m tf1seq.run ARGV`; returns the exit status."""
  argv = sys.argv[1:] if argv is None else argv
  try:
    options = parse_args(argv)
  except UsageError as e:
    sys.stderr.write("%s\ntf1seq.run: error: %s\n" % (USAGE, e))
    return 2
  if options.script and not os.path.isfile(options.script):
    sys.stderr.write("tf1seq.run: can't open file %r: no such file\n" %
                     options.script)
    return 2
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  from tf1seq.compat import patching  # pylint: disable=g-import-not-at-top
  patching.patch()
  tf.compat.v1.disable_v2_behavior()
  if options.report:
    from tf1seq.compat import report as migration_report  # pylint: disable=g-import-not-at-top
    path, directory = options.script, None
    if options.module:
      path, directory = module_file(options.module)
      if path is None:
        sys.stderr.write("tf1seq.run: no module named %r\n" % options.module)
        return 1
      if path.startswith(directory + os.sep):
        path = os.path.relpath(path, directory)
    if options.report_format == "json":
      print(migration_report.report_json(path, options.recursive, directory))
    else:
      print(migration_report.report(path, options.recursive, directory))
    sys.stdout.flush()
    if options.report_only:
      return 0
  try:
    _execute(options)
  except (SystemExit, KeyboardInterrupt):
    raise
  except BaseException as e:  # pylint: disable=broad-except
    traceback = _strip_own_frames(e.__traceback__)
    sys.excepthook(type(e), e.with_traceback(traceback), traceback)
    return 1
  return 0


def run():
  """The `tf1seq-run` command."""
  sys.exit(main())
