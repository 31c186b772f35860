"""`import tf1seq.compat.v1 as tf`: TF1's API with cells that work on Keras 3.

This namespace is `tf.compat.v1` with the parts that Keras 3 removed put
back from tf1seq:

  * `nn.rnn_cell.*` (`BasicLSTMCell`, `LSTMCell`, `GRUCell`, ...,
    `MultiRNNCell`, `DropoutWrapper`, `LSTMStateTuple`);
  * `contrib.rnn.*` (the same cells plus `LayerNormBasicLSTMCell`,
    `static_rnn`);
  * `layers.dense`, `layers.Dense`, `layers.dropout`, `layers.flatten`.

Everything else (`placeholder`, `Session`, `train.*`, `nn.dynamic_rnn`, ...)
is TensorFlow's own `tf.compat.v1`. Aliases resolve to the same objects:
`tf.compat.v1.nn.rnn_cell.BasicLSTMCell` is `tf.nn.rnn_cell.BasicLSTMCell`.

A TF1 script ports by changing `import tensorflow as tf` (or
`import tensorflow.compat.v1 as tf`) to `import tf1seq.compat.v1 as tf`.

Global effect: importing this module calls
`tf.compat.v1.disable_v2_behavior()` once (graph mode, TF1 variables and
control flow), because TF1 scripts rely on it without saying so. It is the
only tf1seq module that changes global state; the others also work inside a
`tf.Graph()` of a TF2 program.

Usage:

  import tf1seq.compat.v1 as tf
  x = tf.placeholder(tf.float32, [None, 28, 28])
  cell = tf.nn.rnn_cell.BasicLSTMCell(128)
  outputs, state = tf.nn.dynamic_rnn(cell, x, dtype=tf.float32)
  logits = tf.layers.dense(state[1], 10)
"""

import sys
import types

import tensorflow as _tf

from tf1seq import contrib_rnn as _contrib_rnn
from tf1seq import layers as _layers
from tf1seq import rnn_cell as _rnn_cell

_V1 = _tf.compat.v1


class _Namespace(types.ModuleType):
  """A module whose names come from `overrides`, then from `base`."""

  def __init__(self, name, base, overrides, missing=None):
    super().__init__(name, getattr(base, "__doc__", None))
    self.__dict__.update(overrides)
    self.__dict__["_base"] = base
    self.__dict__["_missing"] = missing

  def __getattr__(self, attr):  # Only called for names not overridden.
    if attr.startswith("__"):
      raise AttributeError(attr)
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
    base = self.__dict__["_base"]
    if base is not None:
      names.update(dir(base))
    return sorted(names)


def _register(namespace):
  sys.modules[namespace.__name__] = namespace
  return namespace


def _layers_missing(attr):
  return ("tf.layers.%s is not provided by tf1seq (TensorFlow's own needs "
          "Keras 2). tf1seq.compat.v1.layers has: dense, Dense, dropout, "
          "flatten; for other layers use tf_slim.layers or tf.nn ops." % attr)


def _contrib_missing(attr):
  return ("tf.contrib.%s is not covered by tf1seq; tf1seq.compat.v1.contrib "
          "has: rnn." % attr)


nn = _register(_Namespace(__name__ + ".nn", _V1.nn,
                          {"rnn_cell": _rnn_cell}))
layers = _register(_Namespace(
    __name__ + ".layers", None,
    {"dense": _layers.dense, "Dense": _layers.Dense,
     "dropout": _layers.dropout, "flatten": _layers.flatten},
    missing=_layers_missing))
contrib = _register(_Namespace(__name__ + ".contrib", None,
                               {"rnn": _contrib_rnn},
                               missing=_contrib_missing))
compat = _register(_Namespace(__name__ + ".compat",
                              _tf.compat,
                              {"v1": sys.modules[__name__],
                               "v2": _tf.compat.v2}))


def __getattr__(name):  # PEP 562: everything else is tf.compat.v1's.
  return getattr(_V1, name)


def __dir__():
  own = [k for k in globals() if not k.startswith("_")]
  return sorted(set(dir(_V1)) | set(own))


_V1.disable_v2_behavior()
