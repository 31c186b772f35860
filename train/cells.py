"""The trainers' cell factory: `--cell`, `--num_layers`, output dropout.

Usage:

  cell = cells.make_cell("basic_lstm", num_units=128, num_layers=2,
                         output_keep_prob=0.8, keep_prob=keep_prob_tensor)
"""

from tf1seq import rnn_cell

CELLS = {
    "basic_lstm": rnn_cell.BasicLSTMCell,
    "lstm": rnn_cell.LSTMCell,
    "gru": rnn_cell.GRUCell,
    "basic_rnn": rnn_cell.BasicRNNCell,
    "layer_norm_lstm": rnn_cell.LayerNormBasicLSTMCell,
}


def make_cell(cell, num_units, num_layers, output_keep_prob, keep_prob):
  """The recurrent cell, stacked and with output dropout as configured.

  Args:
    cell: a key of `CELLS`.
    num_units: units per layer.
    num_layers: layers; more than one makes a `MultiRNNCell`.
    output_keep_prob: the configured keep probability; below 1 each layer
      is wrapped in a `DropoutWrapper` on its outputs.
    keep_prob: what the wrapper gets (a float or a scalar tensor, e.g. a
      `placeholder_with_default(1.0)` fed in training).

  Raises:
    ValueError: for an unknown `cell`.
  """
  if cell not in CELLS:
    raise ValueError("cell must be one of %s, got %r" %
                     (", ".join(CELLS), cell))
  layers = []
  for _ in range(num_layers):
    layer = CELLS[cell](num_units)
    if output_keep_prob < 1:
      layer = rnn_cell.DropoutWrapper(layer, output_keep_prob=keep_prob)
    layers.append(layer)
  return layers[0] if len(layers) == 1 else rnn_cell.MultiRNNCell(layers)


def final_output(state):
  """The top layer's `h` from a (nested) final state."""
  if isinstance(state, tuple) and not isinstance(state,
                                                 rnn_cell.LSTMStateTuple):
    state = state[-1]
  if isinstance(state, rnn_cell.LSTMStateTuple):
    return state.h
  return state
