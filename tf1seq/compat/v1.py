"""`import tf1seq.compat.v1 as tf`: TF1's API with cells that work on Keras 3.

This namespace is `tf.compat.v1` with the parts that Keras 3 removed put
back from tf1seq:

  * `nn.dynamic_rnn` and `nn.bidirectional_dynamic_rnn` on tf1seq's fast
    path (`tf1seq.rnn`; TensorFlow's own with TF1SEQ_FAST_RNN=0);
  * `nn.rnn_cell.*` (`BasicLSTMCell`, `LSTMCell`, `GRUCell`, ...,
    `MultiRNNCell`, `DropoutWrapper`, `LSTMStateTuple`);
  * `contrib.rnn.*` (the same cells plus `LayerNormBasicLSTMCell`,
    `LSTMBlockCell`, `static_rnn`), `contrib.seq2seq` (decoders, helpers,
    beam search, `sequence_loss`), and
    `contrib.layers` / `contrib.slim` from tf_slim;
  * `layers.dense`, `layers.Dense`, `layers.dropout`, `layers.flatten`;
  * `keras.initializers.*`: TensorFlow's Keras-free v1 initializers; the
    rest of `keras` raises an error naming the alternative (Keras 3 builds
    no TF1 graphs);
  * `estimator`: empty (TensorFlow >= 2.16 has none); its names raise an
    AttributeError saying what to use instead;
  * TensorFlow 0.x's names (`scalar_summary`, `nn.rnn`, `nn.seq2seq`,
    `train.SummaryWriter`, `concat(1, [a, b])`, ...:
    `tf1seq.compat.tf0_names`).

The table of what is covered is `tf1seq.compat.coverage`, shared with
`tf1seq.patch`.

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

import tensorflow as _tf

from tf1seq import lstm_kernel as _lstm_kernel
from tf1seq.compat import coverage as _coverage
from tf1seq.compat import tf0_names as _tf0_names

_V1 = _tf.compat.v1


def _register(namespace):
  sys.modules[namespace.__name__] = namespace
  return namespace


nn = _register(_coverage.Namespace(
    __name__ + ".nn", _V1.nn,
    dict(_coverage.nn_tf0_names(__name__ + ".nn"),
         rnn_cell=_coverage.rnn_cell_namespace(__name__ + ".nn.rnn_cell"),
         **_coverage.nn_functions())))
train = _register(_coverage.Namespace(__name__ + ".train", _V1.train,
                                      _tf0_names.TRAIN))
image = _register(_coverage.Namespace(__name__ + ".image", _V1.image,
                                      _tf0_names.IMAGE))
globals().update(_tf0_names.top_level())
layers = _register(_coverage.layers_namespace(__name__ + ".layers"))
contrib = _register(_coverage.contrib_namespace(__name__ + ".contrib"))
estimator = _register(_coverage.estimator_namespace(__name__ + ".estimator"))
keras = _register(_coverage.keras_namespace(__name__ + ".keras"))
compat = _register(_coverage.Namespace(__name__ + ".compat",
                                       _tf.compat,
                                       {"v1": sys.modules[__name__],
                                        "v2": _tf.compat.v2}))


def __getattr__(name):  # PEP 562: everything else is tf.compat.v1's.
  return getattr(_V1, name)


def __dir__():
  own = [k for k in globals() if not k.startswith("_")]
  return sorted(set(dir(_V1)) | set(own))


_V1.disable_v2_behavior()
_lstm_kernel.load_if_built()  # For `import_meta_graph` of saved graphs.
