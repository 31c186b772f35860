"""What tf1seq provides of TF1's API, namespace by namespace.

The one table behind `tf1seq.compat.v1` (tf1seq's own `tf` namespace) and
`tf1seq.patch` (which installs the same objects into TensorFlow's):

  nn.rnn_cell      `rnn_cell.TF1_NAMES` (BasicLSTMCell, ..., LSTMStateTuple)
  layers           dense, Dense, dropout, flatten; `layers_conv.TF1_NAMES`
                   (conv1d/2d, max/average pooling 1d/2d,
                   batch_normalization and their classes)
  contrib.rnn      `contrib_rnn`'s names and `block_cells.LSTMBlockCell`
  contrib.seq2seq  sequence_loss
  contrib.layers   tf_slim.layers (imported on first use)
  contrib.slim     tf_slim (imported on first use)
  examples.tutorials.mnist.input_data   `tf1seq.data.input_data`

Any other name in these namespaces raises an AttributeError that names the
symbol and what to use instead. Building a namespace imports nothing heavy:
tf_slim is imported when `contrib.layers` or `contrib.slim` is first used.

Usage:

  from tf1seq.compat import coverage
  contrib = coverage.contrib_namespace("tensorflow.contrib")
  contrib.rnn.LSTMBlockCell      # tf1seq.cells.block.LSTMBlockCell
  contrib.learn                  # AttributeError: tf.contrib.learn is not ...
"""

import importlib
import types

from tf1seq.cells import block as block_cells
from tf1seq.contrib import rnn as contrib_rnn
from tf1seq import layers as _layers
from tf1seq import layers_conv
from tf1seq import rnn_cell
from tf1seq import seq2seq


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


# -- nn.rnn_cell ------------------------------------------------------------

RNN_CELL = {name: getattr(rnn_cell, name) for name in rnn_cell.TF1_NAMES}


def _rnn_cell_missing(attr):
  return ("tf.nn.rnn_cell.%s is not covered by tf1seq; its tf.nn.rnn_cell "
          "has: %s." % (attr, ", ".join(sorted(RNN_CELL))))


def rnn_cell_namespace(name):
  """TF1's `tf.nn.rnn_cell`: tf1seq's cells."""
  return Namespace(name, rnn_cell, RNN_CELL, missing=_rnn_cell_missing)


# -- layers -----------------------------------------------------------------

LAYERS = {"dense": _layers.dense, "Dense": _layers.Dense,
          "dropout": _layers.dropout, "flatten": _layers.flatten}
LAYERS.update((name, getattr(layers_conv, name))
              for name in layers_conv.TF1_NAMES)

# What to use for the tf.layers functions tf1seq does not provide.
_LAYER_ALTERNATIVES = {
    "conv2d_transpose": "tf.contrib.layers.conv2d_transpose (tf_slim) or "
                        "tf.nn.conv2d_transpose",
    "conv3d": "tf.nn.conv3d",
    "separable_conv2d": "tf.contrib.layers.separable_conv2d (tf_slim)",
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

CONTRIB_RNN = dict(_public(contrib_rnn),
                   LSTMBlockCell=block_cells.LSTMBlockCell)
CONTRIB_SEQ2SEQ = {"sequence_loss": seq2seq.sequence_loss}
CONTRIB_MODULES = ("layers", "rnn", "seq2seq", "slim")


def _contrib_missing(attr):
  return ("tf.contrib.%s is not covered by tf1seq; tf1seq's tf.contrib has: "
          "%s." % (attr, ", ".join(CONTRIB_MODULES)))


def _contrib_rnn_missing(attr):
  return ("tf.contrib.rnn.%s is not covered by tf1seq; its tf.contrib.rnn "
          "has: %s." % (attr, ", ".join(sorted(CONTRIB_RNN))))


def _seq2seq_missing(attr):
  return ("tf.contrib.seq2seq.%s is not covered by tf1seq: of "
          "tf.contrib.seq2seq it has only sequence_loss (no decoders, "
          "attention or beam search)." % attr)


def _slim_missing(module_name):
  def missing(attr):
    return ("%s.%s is not covered: tf1seq maps %s to tf_slim, which has no "
            "%r." % (module_name, attr, module_name, attr))
  return missing


def _slim(name, module_name, tf_name):
  return lambda: Namespace(name, importlib.import_module(module_name),
                           missing=_slim_missing(tf_name))


def contrib_namespace(name):
  """TF1's `tf.contrib` as far as tf1seq covers it (see the module doc)."""
  return Namespace(
      name, None,
      {"rnn": Namespace(name + ".rnn", None, CONTRIB_RNN,
                        missing=_contrib_rnn_missing),
       "seq2seq": Namespace(name + ".seq2seq", None, CONTRIB_SEQ2SEQ,
                            missing=_seq2seq_missing)},
      lazy={"layers": _slim(name + ".layers", "tf_slim.layers",
                            "tf.contrib.layers"),
            "slim": _slim(name + ".slim", "tf_slim", "tf.contrib.slim")},
      missing=_contrib_missing)


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
