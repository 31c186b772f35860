"""TF1's `tf.nn.rnn_cell` namespace, Keras-free: every cell in one place.

The classes live in `tf1seq.cells`: `base` (the base and `LSTMStateTuple`),
`simple`, `lstm` and `wrappers`; this module is the
namespace TF1 code reaches them by.

Usage:

  from tf1seq import rnn_cell
  cell = rnn_cell.MultiRNNCell([rnn_cell.BasicLSTMCell(128)
                                for _ in range(2)])
  outputs, state = tf.compat.v1.nn.dynamic_rnn(cell, x, dtype=tf.float32)
"""

from tf1seq.cells import wrappers as cell_wrappers
from tf1seq.cells import lstm as lstm_cells
from tf1seq.cells import base as rnn_cell_base
from tf1seq.cells import simple as simple_cells

RNNCell = rnn_cell_base.RNNCell
LayerRNNCell = rnn_cell_base.LayerRNNCell
LSTMStateTuple = rnn_cell_base.LSTMStateTuple
BasicRNNCell = simple_cells.BasicRNNCell
GRUCell = simple_cells.GRUCell
BasicLSTMCell = lstm_cells.BasicLSTMCell
LSTMCell = lstm_cells.LSTMCell
LayerNormBasicLSTMCell = lstm_cells.LayerNormBasicLSTMCell
MultiRNNCell = cell_wrappers.MultiRNNCell
DropoutWrapper = cell_wrappers.DropoutWrapper
ResidualWrapper = cell_wrappers.ResidualWrapper
DeviceWrapper = cell_wrappers.DeviceWrapper

# The names of TF1's `tf.nn.rnn_cell` (LayerNormBasicLSTMCell was only in
# `tf.contrib.rnn`; see `tf1seq.contrib.rnn`).
TF1_NAMES = ("BasicLSTMCell", "BasicRNNCell", "DeviceWrapper",
             "DropoutWrapper", "GRUCell", "LSTMCell", "LSTMStateTuple",
             "MultiRNNCell", "RNNCell", "ResidualWrapper")
