"""Test-only: `python -m tf1seq.run` with TensorFlow's own legacy cells.

  python tests/oracle_runner.py SCRIPT [ARGS...]

runs SCRIPT exactly as `python -m tf1seq.run SCRIPT ARGS...` does, except
that `tf.nn.rnn_cell`, `tf.contrib.rnn`'s core cells and `tf.layers` are
TensorFlow's private Keras-2 legacy implementations (the oracle of
tests/oracle.py) instead of tf1seq's. A checkpoint the script writes this
way is a checkpoint written by TF1's own cells. Prints one line
`oracle: <module of BasicLSTMCell>` to stderr first.
"""

import sys

import tensorflow as tf
# The oracle (test-only imports; tf1seq itself never imports them).
from tensorflow.python.keras.layers.legacy_rnn import rnn_cell_impl as legacy
from tensorflow.python.keras.legacy_tf_layers import core as legacy_core

from tf1seq import patch
from tf1seq import rnn_cell
from tf1seq.compat import running as run


def install_oracle():
  """Patches, then swaps the patched namespaces' contents for the oracle's."""
  patch.patch()
  v1 = tf.compat.v1
  cells = {name: getattr(legacy, name) for name in rnn_cell.TF1_NAMES}
  vars(v1.nn.rnn_cell).update(cells)
  vars(v1.contrib.rnn).update(cells)
  vars(v1.layers).update(dense=legacy_core.dense, Dense=legacy_core.Dense,
                         dropout=legacy_core.dropout,
                         flatten=legacy_core.flatten)
  sys.stderr.write("oracle: %s\n" % v1.contrib.rnn.BasicLSTMCell.__module__)


if __name__ == "__main__":
  install_oracle()
  sys.exit(run.main(sys.argv[1:]))
