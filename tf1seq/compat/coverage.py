"""What tf1seq provides of TF1's API, namespace by namespace.

The one table behind `tf1seq.compat.v1` (tf1seq's own `tf` namespace) and
`tf1seq.patch` (which installs the same objects into TensorFlow's):

  nn               `dynamic_rnn`, `bidirectional_dynamic_rnn`: `tf1seq.rnn`'s
                   fast path (TensorFlow's with TF1SEQ_FAST_RNN=0)
  nn.rnn_cell      `rnn_cell.TF1_NAMES` (BasicLSTMCell, ..., LSTMStateTuple)
  layers           dense, Dense, dropout, flatten; `layers_conv.TF1_NAMES`
                   (conv1d/2d, max/average pooling 1d/2d,
                   batch_normalization and their classes)
  contrib.rnn      `tf1seq.contrib.rnn`'s names, `cells.block.LSTMBlockCell`,
                   `cells.contrib_wrappers`, `cells.contrib_cells`,
                   `cells.gru_block`, `cells.lstm_block_fused`,
                   `contrib.stacked_rnn`'s
  contrib.legacy_seq2seq  `contrib.legacy_seq2seq` (all of TF1's)
  contrib.seq2seq  `tf1seq.contrib.seq2seq.TF1_NAMES` (decoders, helpers,
                   attention, beam search, sequence_loss)
  contrib.layers   tf_slim.layers (imported on first use)
  contrib.slim     tf_slim (imported on first use)
  contrib.crf, contrib.data, contrib.framework, contrib.lookup,
  contrib.training  `tf1seq.contrib.<name>.__all__` (imported on first use)
  contrib.learn    ModeKeys and preprocessing (`tf1seq.contrib.learn`)
  contrib.signal   TensorFlow's `tf.signal` (stft, inverse_stft, ...: the
                   same functions, moved there in TF 1.13)
  examples.tutorials.mnist.input_data   `tf1seq.data.input_data`
  estimator        nothing: TensorFlow >= 2.16 ships no tf.estimator; every
                   name raises an AttributeError saying what to do instead

TensorFlow 0.x's names (`tf.scalar_summary`, `tf.nn.rnn`, `tf.concat(1,
[a, b])`, ...) come from `tf1seq.compat.tf0_names`; `MOVED_INTERNALS` lists
the internals TF1 programs import that TensorFlow has since moved
(`tensorflow.python.ops.control_flow_ops.while_loop`, ...).

Any other name in these namespaces raises an AttributeError that names the
symbol and what to use instead. Building a namespace imports nothing heavy:
tf_slim is imported when `contrib.layers` or `contrib.slim` is first used,
a `tf1seq.contrib` module when its namespace is.

Usage:

  from tf1seq.compat import coverage
  contrib = coverage.contrib_namespace("tensorflow.contrib")
  contrib.rnn.LSTMBlockCell      # tf1seq.cells.block.LSTMBlockCell
  contrib.crf.crf_log_likelihood # tf1seq.contrib.crf.crf_log_likelihood
  contrib.keras                  # AttributeError: tf.contrib.keras is not ...
"""

import importlib
import os
import types

import tensorflow as tf

from tf1seq import layers as _layers
from tf1seq import layers_conv
from tf1seq import rnn
from tf1seq import rnn_cell
from tf1seq.cells import block as block_cells
from tf1seq.cells import contrib_cells
from tf1seq.cells import contrib_wrappers
from tf1seq.cells import gru_block
from tf1seq.cells import lstm_block_fused
from tf1seq.compat import tf0_names
from tf1seq.contrib import legacy_seq2seq
from tf1seq.contrib import rnn as contrib_rnn
from tf1seq.contrib import seq2seq as contrib_seq2seq
from tf1seq.contrib import stacked_rnn


class Namespace(types.ModuleType):
  """A module whose names come from `overrides`, `lazy`, then `base`.

  `lazy` maps names to zero-argument functions called on first access (the
  result is cached). A name found nowhere raises AttributeError with
  `missing(name)` as its message.
  """

  def __init__(self, name, base=None, overrides=None, lazy=None,
               missing=None):
    super().__init__(name, getattr(base, "__doc__", None))
    self.__dict__.update(overrides or {})
    self.__dict__["_base"] = base
    self.__dict__["_lazy"] = dict(lazy or {})
    self.__dict__["_missing"] = missing

  def __getattr__(self, attr):  # Only called for names not set.
    if attr.startswith("__"):
      raise AttributeError(attr)
    lazy = self.__dict__["_lazy"]
    if attr in lazy:
      value = lazy[attr]()
      self.__dict__[attr] = value
      return value
    base = self.__dict__["_base"]
    if base is not None:
      try:
        return getattr(base, attr)
      except AttributeError:
        pass
    missing = self.__dict__["_missing"]
    raise AttributeError(missing(attr) if missing else
                         "module %r has no attribute %r" % (self.__name__,
                                                            attr))

  def __dir__(self):
    names = set(k for k in self.__dict__ if not k.startswith("_"))
    names.update(self.__dict__["_lazy"])
    base = self.__dict__["_base"]
    if base is not None:
      names.update(k for k in dir(base) if not k.startswith("_"))
    return sorted(names)


def _public(module):
  """A module's public non-module attributes (its API, not its imports)."""
  return {name: value for name, value in vars(module).items()
          if not name.startswith("_") and
          not isinstance(value, types.ModuleType)}


# -- nn -------------------------------------------------------------------

# TF1SEQ_FAST_RNN=0 keeps TensorFlow's own `dynamic_rnn` in ported programs.
FAST_RNN_ENV = "TF1SEQ_FAST_RNN"


def nn_functions():
  """`tf.nn`'s loops that tf1seq replaces: `dynamic_rnn` and
  `bidirectional_dynamic_rnn` on the fast path (same variables and
  values), or none if the environment variable TF1SEQ_FAST_RNN is 0."""
  if os.environ.get(FAST_RNN_ENV, "1").strip().lower() in ("0", "false",
                                                           "no", "off"):
    return {}
  return {"dynamic_rnn": rnn.dynamic_rnn,
          "bidirectional_dynamic_rnn": rnn.bidirectional_dynamic_rnn}


# -- nn.rnn_cell ------------------------------------------------------------

RNN_CELL = {name: getattr(rnn_cell, name) for name in rnn_cell.TF1_NAMES}


def _rnn_cell_missing(attr):
  return ("tf.nn.rnn_cell.%s is not covered by tf1seq; its tf.nn.rnn_cell "
          "has: %s." % (attr, ", ".join(sorted(RNN_CELL))))


def rnn_cell_namespace(name):
  """TF1's `tf.nn.rnn_cell`: tf1seq's cells (and TF 0.x's `_linear`)."""
  return Namespace(name, rnn_cell, dict(RNN_CELL, **tf0_names.RNN_CELL),
                   missing=_rnn_cell_missing)


def nn_tf0_names(name):
  """`tf.nn`'s TF 0.x names: `rnn`, `seq2seq` (as a namespace `name +
  ".seq2seq"`), the positional cross-entropy functions, ..."""
  return tf0_names.nn(Namespace(name + ".seq2seq", None,
                                CONTRIB_LEGACY_SEQ2SEQ,
                                missing=_legacy_seq2seq_missing))


# -- layers -----------------------------------------------------------------

LAYERS = {"dense": _layers.dense, "Dense": _layers.Dense,
          "dropout": _layers.dropout, "Dropout": _layers.Dropout,
          "flatten": _layers.flatten, "Flatten": _layers.Flatten}
LAYERS.update((name, getattr(layers_conv, name))
              for name in layers_conv.TF1_NAMES)

# What to use for the tf.layers functions tf1seq does not provide.
_LAYER_ALTERNATIVES = {
    "Layer": "tf1seq.base_layer.Layer (TF1's build/call/add_variable "
             "contract, Keras-free) as the base of your own layers",
}


def _layers_missing(attr):
  alternative = _LAYER_ALTERNATIVES.get(
      attr, "tf.contrib.layers (tf_slim) or tf.nn ops")
  return ("tf.layers.%s is not provided by tf1seq (TensorFlow's own needs "
          "Keras 2); use %s. tf1seq's tf.layers has: %s." % (
              attr, alternative, ", ".join(sorted(LAYERS))))


def layers_namespace(name):
  """TF1's `tf.layers`: dense, dropout, flatten, convolutions, poolings,
  batch normalization (see `LAYERS`)."""
  return Namespace(name, None, LAYERS, missing=_layers_missing)


# -- contrib ----------------------------------------------------------------

CONTRIB_RNN = dict(
    _public(contrib_rnn),
    LSTMBlockCell=block_cells.LSTMBlockCell,
    EmbeddingWrapper=contrib_wrappers.EmbeddingWrapper,
    InputProjectionWrapper=contrib_wrappers.InputProjectionWrapper,
    OutputProjectionWrapper=contrib_wrappers.OutputProjectionWrapper,
    AttentionCellWrapper=contrib_wrappers.AttentionCellWrapper,
    HighwayWrapper=contrib_wrappers.HighwayWrapper,
    NASCell=contrib_cells.NASCell,
    UGRNNCell=contrib_cells.UGRNNCell,
    IndRNNCell=contrib_cells.IndRNNCell,
    IndyLSTMCell=contrib_cells.IndyLSTMCell,
    CoupledInputForgetGateLSTMCell=(
        contrib_cells.CoupledInputForgetGateLSTMCell),
    GRUBlockCell=gru_block.GRUBlockCell,
    GRUBlockCellV2=gru_block.GRUBlockCellV2,
    LSTMBlockFusedCell=lstm_block_fused.LSTMBlockFusedCell,
    stack_bidirectional_dynamic_rnn=(
        stacked_rnn.stack_bidirectional_dynamic_rnn),
    stack_bidirectional_rnn=stacked_rnn.stack_bidirectional_rnn)
CONTRIB_LEGACY_SEQ2SEQ = {
    name: getattr(legacy_seq2seq, name) for name in (
        "attention_decoder", "basic_rnn_seq2seq",
        "embedding_attention_decoder", "embedding_attention_seq2seq",
        "embedding_rnn_decoder", "embedding_rnn_seq2seq",
        "embedding_tied_rnn_seq2seq", "model_with_buckets",
        "one2many_rnn_seq2seq", "rnn_decoder", "sequence_loss",
        "sequence_loss_by_example", "tied_rnn_seq2seq")}
CONTRIB_SEQ2SEQ = {name: getattr(contrib_seq2seq, name)
                   for name in contrib_seq2seq.TF1_NAMES}
CONTRIB_MODULES = ("crf", "data", "framework", "layers", "learn",
                   "legacy_seq2seq", "lookup", "rnn", "seq2seq", "signal",
                   "slim", "training")


def _contrib_missing(attr):
  return ("tf.contrib.%s is not covered by tf1seq; tf1seq's tf.contrib has: "
          "%s." % (attr, ", ".join(CONTRIB_MODULES)))


# What to use for tf.contrib.rnn names tf1seq leaves out.
_CONTRIB_RNN_ALTERNATIVES = {
    "LayerNormLSTMCell": "tf1seq.cells.contrib_cells.LayerNormLSTMCell "
                         "(TF1.15 did not export it from tf.contrib.rnn)",
    "CompiledWrapper": "the wrapped cell itself (the wrapper only asked for "
                       "XLA compilation)",
    "FusedRNNCellAdaptor": "tf.nn.dynamic_rnn(cell, inputs, "
                           "time_major=True) or tf.nn.static_rnn",
    "TimeReversedFusedRNN": "tf.reverse_sequence around "
                            "tf.contrib.rnn.LSTMBlockFusedCell",
    "transpose_batch_time": "tf.transpose(x, [1, 0, 2])",
}


def _contrib_rnn_missing(attr):
  alternative = _CONTRIB_RNN_ALTERNATIVES.get(attr)
  use = "use %s; " % alternative if alternative else ""
  return ("tf.contrib.rnn.%s is not covered by tf1seq; %sits tf.contrib.rnn "
          "has: %s." % (attr, use, ", ".join(sorted(CONTRIB_RNN))))


def _legacy_seq2seq_missing(attr):
  return ("tf.contrib.legacy_seq2seq.%s is not in TF1.15's "
          "tf.contrib.legacy_seq2seq; tf1seq has all of it: %s." %
          (attr, ", ".join(sorted(CONTRIB_LEGACY_SEQ2SEQ))))


def _seq2seq_missing(attr):
  return ("tf.contrib.seq2seq.%s is not covered by tf1seq; its "
          "tf.contrib.seq2seq has: %s." % (attr,
                                           ", ".join(sorted(CONTRIB_SEQ2SEQ))))


def _slim_missing(module_name):
  def missing(attr):
    return ("%s.%s is not covered: tf1seq maps %s to tf_slim, which has no "
            "%r." % (module_name, attr, module_name, attr))
  return missing


def _slim(name, module_name, tf_name):
  return lambda: Namespace(name, importlib.import_module(module_name),
                           missing=_slim_missing(tf_name))


def _names_missing(tf_name, names):
  def missing(attr):
    return ("%s.%s is not covered by tf1seq; its %s has: %s." %
            (tf_name, attr, tf_name, ", ".join(sorted(names))))
  return missing


def _tf1seq_contrib(name, module_name, tf_name):
  """A lazy namespace of `tf1seq.contrib.<module>`'s `__all__`.

  Names the module lists in `SLIM_NAMES` (tf_slim's) resolve on first use.
  """
  def build():
    module = importlib.import_module(module_name)
    slim_names = set(getattr(module, "SLIM_NAMES", ()))
    names = {n: getattr(module, n) for n in module.__all__
             if n not in slim_names}
    lazy = {n: (lambda n=n: getattr(module, n)) for n in slim_names}
    return Namespace(name, None, names, lazy=lazy,
                     missing=_names_missing(tf_name, module.__all__))
  return build


def _signal_missing(attr):
  return ("tf.contrib.signal.%s is not covered: tf1seq maps tf.contrib.signal "
          "to TensorFlow's tf.signal, which has no %r." % (attr, attr))


def _learn(name):
  """`tf.contrib.learn`: ModeKeys and preprocessing (tf1seq.contrib.learn)."""
  def build():
    learn = importlib.import_module("tf1seq.contrib.learn")
    names = {n: getattr(learn, n) for n in learn.__all__ if n != "ModeKeys"}
    preprocessing = Namespace(
        name + ".preprocessing", None, names,
        missing=_names_missing("tf.contrib.learn.preprocessing", names))
    own = {"ModeKeys": learn.ModeKeys, "preprocessing": preprocessing}
    return Namespace(name, None, own,
                     missing=_names_missing("tf.contrib.learn", own))
  return build


# TensorFlow 1.0's module of the core cells, `tf.contrib.rnn.core_rnn_cell`
# (its names moved to `tf.contrib.rnn` and `tf.nn.rnn_cell` in 1.1).
CORE_RNN_CELL_NAMES = (
    "BasicLSTMCell", "BasicRNNCell", "DeviceWrapper", "DropoutWrapper",
    "EmbeddingWrapper", "GRUCell", "InputProjectionWrapper", "LSTMCell",
    "LSTMStateTuple", "MultiRNNCell", "OutputProjectionWrapper",
    "ResidualWrapper", "RNNCell")


def core_rnn_cell_namespace(name):
  """`tf.contrib.rnn.core_rnn_cell` of TensorFlow 1.0: the same classes."""
  table = {attr: CONTRIB_RNN[attr] for attr in CORE_RNN_CELL_NAMES}

  def missing(attr):
    return ("tf.contrib.rnn.core_rnn_cell.%s is not covered by tf1seq; its "
            "tf.contrib.rnn.core_rnn_cell has: %s." % (
                attr, ", ".join(CORE_RNN_CELL_NAMES)))

  return Namespace(name, None, table, missing=missing)


def contrib_namespace(name):
  """TF1's `tf.contrib` as far as tf1seq covers it (see the module doc)."""
  lazy = {module: _tf1seq_contrib(name + "." + module,
                                  "tf1seq.contrib." + module,
                                  "tf.contrib." + module)
          for module in ("crf", "data", "framework", "lookup", "training")}
  lazy.update(
      layers=_slim(name + ".layers", "tf_slim.layers", "tf.contrib.layers"),
      slim=_slim(name + ".slim", "tf_slim", "tf.contrib.slim"),
      learn=_learn(name + ".learn"),
      signal=lambda: Namespace(name + ".signal", tf.signal,
                               missing=_signal_missing))
  return Namespace(
      name, None,
      {"rnn": Namespace(name + ".rnn", None, dict(
          CONTRIB_RNN, core_rnn_cell=core_rnn_cell_namespace(
              name + ".rnn.core_rnn_cell")), missing=_contrib_rnn_missing),
       "legacy_seq2seq": Namespace(name + ".legacy_seq2seq", None,
                                   CONTRIB_LEGACY_SEQ2SEQ,
                                   missing=_legacy_seq2seq_missing),
       "seq2seq": Namespace(name + ".seq2seq", None, CONTRIB_SEQ2SEQ,
                            missing=_seq2seq_missing)},
      lazy=lazy, missing=_contrib_missing)


# -- TensorFlow internals that moved ----------------------------------------

# (module, attribute, module it moved to, its name there): TF1 programs that
# import TensorFlow's internals (`from tensorflow.python.ops import
# control_flow_ops`) find the attribute where it was.
MOVED_INTERNALS = (
    ("tensorflow.python.ops.control_flow_ops", "while_loop",
     "tensorflow.python.ops.while_loop", "while_loop"),
    ("tensorflow.python.ops.control_flow_ops", "cond",
     "tensorflow.python.ops.cond", "cond"),
    ("tensorflow.python.util.nest", "is_sequence",
     "tensorflow.python.util.nest", "is_nested"),
    ("tensorflow.python.framework.ops", "Tensor",
     "tensorflow.python.framework.tensor", "Tensor"),
)


def moved_internals():
  """[(module, attribute, value)] for `MOVED_INTERNALS` the installed
  TensorFlow lacks (imports those modules)."""
  found = []
  for module_name, attribute, new_module, new_name in MOVED_INTERNALS:
    module = importlib.import_module(module_name)
    if not hasattr(module, attribute):
      found.append((module, attribute,
                    getattr(importlib.import_module(new_module), new_name)))
  return found


# -- examples ---------------------------------------------------------------

def _examples_missing(prefix):
  def missing(attr):
    return ("%s.%s is not covered by tf1seq; of tensorflow.examples it has "
            "only tensorflow.examples.tutorials.mnist.input_data." %
            (prefix, attr))
  return missing


def examples_namespace(name):
  """`tensorflow.examples` with tutorials.mnist.input_data (tf1seq's)."""

  def input_data():
    return Namespace(name + ".tutorials.mnist.input_data",
                     importlib.import_module("tf1seq.data.input_data"))

  mnist = Namespace(name + ".tutorials.mnist", lazy={
      "input_data": input_data}, missing=_examples_missing(
          "tensorflow.examples.tutorials.mnist"))
  tutorials = Namespace(name + ".tutorials", None, {"mnist": mnist},
                        missing=_examples_missing(
                            "tensorflow.examples.tutorials"))
  return Namespace(name, None, {"tutorials": tutorials},
                   missing=_examples_missing("tensorflow.examples"))


# -- estimator --------------------------------------------------------------

ESTIMATOR_ALTERNATIVE = (
    "write the model_fn's graph directly (its features from placeholders or "
    "tf.data, its loss and train_op) and train it with "
    "tf.compat.v1.train.MonitoredTrainingSession (checkpoints, summaries "
    "and hooks, as tf1seq's trainers do), or keep this program on "
    "TensorFlow <= 2.15")


def estimator_missing(attr=None):
  """Why `tf.estimator[.attr]` is not available, and what to do instead."""
  symbol = "tf.estimator" + ("." + attr if attr else "")
  return ("%s is not available: TensorFlow >= 2.16 ships no tf.estimator, "
          "and tf1seq does not provide it; %s." % (symbol,
                                                   ESTIMATOR_ALTERNATIVE))


def estimator_namespace(name):
  """TF1's `tf.estimator`, which TensorFlow 2.16 removed: no names, each
  lookup raises an AttributeError with `estimator_missing`'s message."""
  return Namespace(name, None, None, missing=estimator_missing)


# -- keras ------------------------------------------------------------------

# `tf.keras.initializers` in TF1 graph code: TensorFlow's own Keras-free
# initializers (`tf.compat.v1.initializers`, the same maths and arguments).
_KERAS_INITIALIZER_NAMES = (
    "constant", "glorot_normal", "glorot_uniform", "he_normal", "he_uniform",
    "identity", "lecun_normal", "lecun_uniform", "ones", "orthogonal",
    "random_normal", "random_uniform", "truncated_normal", "variance_scaling",
    "zeros")


def _camel(name):
  return "".join(part.capitalize() for part in name.split("_"))


def keras_initializers():
  """`tf.keras.initializers` names -> TensorFlow's v1 initializers."""
  v1 = importlib.import_module("tensorflow").compat.v1.initializers
  table = {}
  for name in _KERAS_INITIALIZER_NAMES:
    table[name] = table[_camel(name)] = getattr(v1, name)
  table["Zeros"], table["Ones"] = table["zeros"], table["ones"]
  return table


def _keras_missing(attr):
  return ("tf.keras.%s is not provided in TF1 code under tf1seq: TensorFlow "
          ">= 2.16's tf.keras is Keras 3, which does not build TF1 graphs. "
          "Use tf.layers (dense, conv1d, ... from tf1seq) and tf.nn, or "
          "tf1seq.cells.keras_layout for Keras-layout RNN cells; of "
          "tf.keras, tf1seq provides initializers." % attr)


def _keras_initializers_missing(attr):
  return ("tf.keras.initializers.%s is not covered by tf1seq; its "
          "tf.keras.initializers has: %s." % (
              attr, ", ".join(sorted(keras_initializers()))))


def keras_namespace(name):
  """TF1 graph code's `tf.keras`: `initializers` only (see above)."""
  return Namespace(name, None, None, lazy={
      "initializers": lambda: Namespace(
          name + ".initializers", None, keras_initializers(),
          missing=_keras_initializers_missing)}, missing=_keras_missing)
