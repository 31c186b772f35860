"""`tf1seq.patch()`: tf1seq's TF1 names inside TensorFlow's own namespaces.

After `tf1seq.patch()`, unmodified TF1 code finds tf1seq's implementations
where it looks for TF1's (the table is `tf1seq.compat.coverage`):

  * `tf.compat.v1.nn.dynamic_rnn` and `bidirectional_dynamic_rnn`
    (tf1seq's fast path; not with TF1SEQ_FAST_RNN=0);
  * `tf.compat.v1.nn.rnn_cell.*` (so also `tf.nn.rnn_cell.*` after
    `import tensorflow.compat.v1 as tf`): tf1seq's cells;
  * `tf.compat.v1.layers`: dense, Dense, dropout, flatten; any other name
    raises an AttributeError naming it and the alternative, instead of
    TensorFlow's "not available with Keras 3";
  * `tf.compat.v1.contrib` and the importable modules `tensorflow.contrib`,
    `tensorflow.contrib.{rnn,seq2seq,layers,slim}` (an import hook on
    `sys.meta_path`); `import tensorflow.contrib.X` for any other X raises
    an ImportError naming X and saying it is not covered;
  * `tensorflow.examples.tutorials.mnist.input_data`: tf1seq's reader;
  * `tf.compat.v1.keras`: `initializers` (TensorFlow's v1 initializers),
    the rest an error naming the alternative; `tf.keras` (Keras 3) is left
    as it is;
  * `tf.compat.v1.estimator`: empty (TensorFlow >= 2.16 ships none); its
    names raise an AttributeError saying what to use instead;
  * TensorFlow 0.x's names (`tf.scalar_summary`, `tf.nn.rnn`,
    `tf.train.SummaryWriter`, `tf.concat(1, [a, b])`, ...; see
    `tf1seq.compat.tf0_names`) in `tf.compat.v1`, `.nn`, `.train`, `.image`;
  * TensorFlow internals TF1 programs import that have moved since
    (`tensorflow.python.ops.control_flow_ops.while_loop`, ...;
    `coverage.MOVED_INTERNALS`), where they were.

TensorFlow's public modules are `TFModuleWrapper`s whose `__setattr__` writes
through to the wrapped module; the patch uses that and records each previous
value, and `tf1seq.unpatch()` puts them back (the same objects). Nothing else
changes: no Keras version switch (Keras 3 `tf.keras` keeps working in the
same process), no `disable_v2_behavior()`. The patch imports
`tensorflow.compat.v1` first (reverting that import's rebindings), because
importing it later would re-run TensorFlow's API `__init__`, which resets
`nn.rnn_cell`.

`patch()` is idempotent. Its result is a context manager that unpatches on
exit if this call installed the patch:

  import tf1seq
  with tf1seq.patch():
    import tensorflow.compat.v1 as tf
    cell = tf.nn.rnn_cell.BasicLSTMCell(128)

This module is callable: after `from tf1seq import patch`, `patch()` is
`patch.patch()`, so `tf1seq.patch()` works however `tf1seq.patch` was
imported.
"""

import importlib
import importlib.abc
import importlib.machinery
import sys
import types

import tensorflow as tf

from tf1seq import lstm_kernel
from tf1seq.compat import coverage
from tf1seq.compat import tf0_names

# The module names the import hook serves, under `tensorflow`.
_HOOKED = ("contrib", "examples")
_MISSING = object()
_STATE = None  # A _State while patched.


class _State(object):
  """What `patch()` changed, for `unpatch()`."""

  def __init__(self):
    self.saved = []  # (target, attribute, previous value or _MISSING).
    self.finder = None
    self.namespaces = {}  # "contrib"/"examples" -> Namespace.


class _Finder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
  """Serves `tensorflow.contrib[.X...]` and `tensorflow.examples[...]`."""

  def __init__(self, namespaces):
    self._namespaces = namespaces

  def _resolve(self, fullname):
    parts = fullname.split(".")
    module = self._namespaces[parts[1]]
    for part in parts[2:]:
      try:
        module = getattr(module, part)
      except AttributeError as e:
        # ImportError, not ModuleNotFoundError: `from tensorflow.contrib
        # import X` would replace the latter's message by its own.
        raise ImportError(str(e), name=fullname) from None
    if not isinstance(module, types.ModuleType):
      raise ImportError("%s is not a module (import its parent and use the "
                        "attribute)" % fullname, name=fullname)
    return module

  def find_spec(self, fullname, path=None, target=None):
    del path, target  # Unused.
    parts = fullname.split(".")
    if len(parts) < 2 or parts[0] != "tensorflow" or parts[1] not in _HOOKED:
      return None
    self._resolve(fullname)  # Raises for what is not covered.
    return importlib.machinery.ModuleSpec(fullname, self, is_package=True)

  def create_module(self, spec):
    return self._resolve(spec.name)

  def exec_module(self, module):
    del module  # Already complete.


def _compat_v1_modules():
  """TensorFlow's distinct `compat.v1` module objects (there are several)."""
  found = {}
  for name, module in list(sys.modules.items()):
    if (name.startswith("tensorflow") and name.endswith("compat.v1") and
        hasattr(module, "nn")):
      found[id(module)] = module
  return list(found.values())


def _import_compat_v1():
  """Imports `tensorflow.compat.v1` and undoes that import's side effects.

  The first `import tensorflow.compat.v1` executes TensorFlow's API
  `__init__` again as new modules: it rebinds `tf.compat` and
  `tf.compat.v1` to them and resets the shared `nn.rnn_cell`. Done after patching, it would undo the
  patch; done here, its rebindings are reverted, so that every object seen
  before `patch()` is still in place (and is patched, then restored).
  """
  if "tensorflow.compat.v1" in sys.modules:
    return
  compat = tf.compat
  v1 = compat.v1
  rnn_cell = v1.nn.rnn_cell
  importlib.import_module("tensorflow.compat.v1")
  setattr(tf, "compat", compat)
  setattr(compat, "v1", v1)
  setattr(v1.nn, "rnn_cell", rnn_cell)


def _set(state, target, attribute, value):
  state.saved.append((target, attribute,
                      getattr(target, attribute, _MISSING)))
  setattr(target, attribute, value)


class _Handle(object):
  """`patch()`'s result: `with tf1seq.patch(): ...` unpatches on exit."""

  def __init__(self, installed):
    self.installed = installed

  def __enter__(self):
    return self

  def __exit__(self, *exc_info):
    if self.installed:
      unpatch()
    return False


def is_patched():
  """Whether `patch()` is in effect."""
  return _STATE is not None


def patch():
  """Installs tf1seq's TF1 names into TensorFlow's namespaces (idempotent).

  Returns:
    A context manager; leaving it calls `unpatch()` if this call did the
    patching (so nested `with tf1seq.patch()` blocks are safe).
  """
  global _STATE
  if _STATE is not None:
    return _Handle(False)
  _import_compat_v1()
  state = _State()
  rnn_cell = coverage.rnn_cell_namespace("tensorflow.compat.v1.nn.rnn_cell")
  layers = coverage.layers_namespace("tensorflow.compat.v1.layers")
  estimator = coverage.estimator_namespace("tensorflow.compat.v1.estimator")
  keras = coverage.keras_namespace("tensorflow.compat.v1.keras")
  state.namespaces = {
      "contrib": coverage.contrib_namespace("tensorflow.contrib"),
      "examples": coverage.examples_namespace("tensorflow.examples")}
  top = tf
  for attribute in _HOOKED:  # Set by the import system on first import.
    state.saved.append((top, attribute, getattr(top, attribute, _MISSING)))
  tf0_nn = coverage.nn_tf0_names("tensorflow.compat.v1.nn")
  tf0_top_level = tf0_names.top_level()
  submodules = {}  # id -> (module, names to set), each module once.
  for module in _compat_v1_modules():
    _set(state, module, "layers", layers)
    _set(state, module, "contrib", state.namespaces["contrib"])
    _set(state, module, "estimator", estimator)
    _set(state, module, "keras", keras)
    for name, value in tf0_top_level.items():
      _set(state, module, name, value)
    submodules[id(module.nn)] = (module.nn, dict(
        tf0_nn, rnn_cell=rnn_cell, **coverage.nn_functions()))
    submodules[id(module.train)] = (module.train, tf0_names.TRAIN)
    submodules[id(module.image)] = (module.image, tf0_names.IMAGE)
  for module, names in submodules.values():
    for name, value in names.items():
      _set(state, module, name, value)
  for module, name, value in coverage.moved_internals():
    _set(state, module, name, value)
  state.finder = _Finder(state.namespaces)
  sys.meta_path.insert(0, state.finder)
  lstm_kernel.load_if_built()  # For `import_meta_graph` of saved graphs.
  _STATE = state
  return _Handle(True)


def unpatch():
  """Restores what `patch()` changed (the same objects); no-op if unpatched."""
  global _STATE
  state, _STATE = _STATE, None
  if state is None:
    return
  if state.finder in sys.meta_path:
    sys.meta_path.remove(state.finder)
  ours = set()
  for namespace in state.namespaces.values():
    _collect_modules(namespace, ours)
  for name, module in list(sys.modules.items()):
    if id(module) in ours:
      del sys.modules[name]
  for target, attribute, value in reversed(state.saved):
    if value is _MISSING:
      if hasattr(target, attribute):
        delattr(target, attribute)
    else:
      setattr(target, attribute, value)


def _collect_modules(namespace, ids):
  """Adds the ids of `namespace` and its already-built sub-namespaces."""
  ids.add(id(namespace))
  for value in list(vars(namespace).values()):
    if isinstance(value, coverage.Namespace) and id(value) not in ids:
      _collect_modules(value, ids)


class _CallableModule(types.ModuleType):
  """This module's type: calling it calls `patch()`."""

  def __call__(self):
    return patch()


sys.modules[__name__].__class__ = _CallableModule
