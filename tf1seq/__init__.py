"""tf1seq: TensorFlow-1-style sequence models on current TensorFlow.

Keras-free TF1 RNN cells and layers with TF1's variable names, weight
layouts and numerics, so TF1 graphs build and TF1 checkpoints restore on
TensorFlow >= 2.16 (Keras 3).

Usage:

  import tensorflow as tf
  from tf1seq import layers
  from tf1seq import rnn_cell

  with tf.Graph().as_default():
    x = tf.compat.v1.placeholder(tf.float32, [None, 28, 28])
    cell = rnn_cell.BasicLSTMCell(128)
    outputs, state = tf.compat.v1.nn.dynamic_rnn(cell, x, dtype=tf.float32)
    logits = layers.dense(state.h, 10)

or port a TF1 script by changing its import to
`import tf1seq.compat.v1 as tf`, or run it unmodified with
`python -m tf1seq.run SCRIPT`, or call `tf1seq.patch()` (undone by
`tf1seq.unpatch()`; also `with tf1seq.patch(): ...`) to put tf1seq's cells
into TensorFlow's own `tf.compat.v1` namespaces. Importing `tf1seq` (or any
module but `tf1seq.compat.v1`) changes no global state and does not import
TensorFlow; `patch` and `unpatch` load `tf1seq.compat.patching` on first use.
"""

import importlib

__version__ = "0.1.0"


def __getattr__(name):  # PEP 562: lazy `tf1seq.patch()`, `tf1seq.unpatch()`.
  if name in ("patch", "unpatch"):
    module = importlib.import_module("tf1seq.compat.patching")  # Callable: patch().
    return module if name == "patch" else module.unpatch
  raise AttributeError("module 'tf1seq' has no attribute %r" % name)
