"""The part of TF1's `tf.contrib.rnn` that tf1seq provides.

`tf.contrib.rnn` re-exported the core cells (`BasicLSTMCell`, ...,
`LSTMStateTuple`, `static_rnn`, `static_bidirectional_rnn`) and added its
own cells, of which tf1seq has `LayerNormBasicLSTMCell`.

Usage:

  from tf1seq.contrib import rnn
  cell = rnn.LayerNormBasicLSTMCell(128, dropout_keep_prob=0.9)
"""

import tensorflow as tf

from tf1seq import rnn_cell

RNNCell = rnn_cell.RNNCell
LayerRNNCell = rnn_cell.LayerRNNCell
LSTMStateTuple = rnn_cell.LSTMStateTuple
BasicRNNCell = rnn_cell.BasicRNNCell
GRUCell = rnn_cell.GRUCell
BasicLSTMCell = rnn_cell.BasicLSTMCell
LSTMCell = rnn_cell.LSTMCell
LayerNormBasicLSTMCell = rnn_cell.LayerNormBasicLSTMCell
MultiRNNCell = rnn_cell.MultiRNNCell
DropoutWrapper = rnn_cell.DropoutWrapper
ResidualWrapper = rnn_cell.ResidualWrapper
DeviceWrapper = rnn_cell.DeviceWrapper

static_rnn = tf.compat.v1.nn.static_rnn
static_bidirectional_rnn = tf.compat.v1.nn.static_bidirectional_rnn
static_state_saving_rnn = tf.compat.v1.nn.static_state_saving_rnn
