"""TF1's `tf.contrib.seq2seq.BasicDecoder`: a cell, a helper, a projection.

Each step runs the cell, applies the optional output layer (e.g.
`tf1seq.layers.Dense(vocab_size)`, TF1's `tf.layers.Dense`), and lets the
helper pick the sample ids and the next inputs. Variables are created where
TF1 created them: under `dynamic_decode`'s scope, so `dynamic_decode(...,
scope="decoder")` with an LSTM and `Dense(name="dense")` makes
`decoder/basic_lstm_cell/kernel` and `decoder/dense/kernel`.

Usage:

  from tf1seq import layers
  from tf1seq.contrib.seq2seq import basic_decoder, decoder, helper
  training_helper = helper.TrainingHelper(target_embeddings, target_lengths)
  my_decoder = basic_decoder.BasicDecoder(
      cell, training_helper, encoder_state,
      output_layer=layers.Dense(vocab_size, name="dense"))
  outputs, _, _ = decoder.dynamic_decode(my_decoder, scope="decoder")
  logits = outputs.rnn_output
"""

import collections

import tensorflow as tf

from tf1seq.contrib.seq2seq import decoder
from tf1seq.contrib.seq2seq import helper as helper_py

__all__ = ["BasicDecoderOutput", "BasicDecoder"]


class BasicDecoderOutput(
    collections.namedtuple("BasicDecoderOutput", ("rnn_output", "sample_id"))):
  """One step's (or, stacked, all steps') outputs and sample ids."""
  pass


def check_cell(cell):
  """Raises TypeError unless `cell` has the RNNCell interface."""
  missing = [attr for attr in ("output_size", "state_size", "zero_state")
             if not hasattr(cell, attr)]
  if missing or not callable(cell):
    raise TypeError("cell must be an RNNCell (callable, with output_size, "
                    "state_size and zero_state), got %s%s" % (
                        type(cell).__name__,
                        " lacking " + ", ".join(missing) if missing else ""))


def check_output_layer(output_layer):
  """Raises TypeError unless `output_layer` is None or a callable layer."""
  if output_layer is not None and not callable(output_layer):
    raise TypeError("output_layer must be a Layer, received: %s" %
                    type(output_layer).__name__)


def check_initial_state(state_size, initial_state):
  """Raises ValueError if `initial_state` does not have `state_size`'s form.

  TensorArrays (an attention cell's alignment history) match any size.
  """
  try:
    tf.nest.assert_same_structure(state_size, initial_state,
                                  check_types=False)
  except (ValueError, TypeError):
    raise ValueError(
        "initial_state must have the structure of cell.state_size %s, got "
        "%s" % (state_size, tf.nest.map_structure(
            lambda t: getattr(t, "shape", t), initial_state))) from None


def layer_output_size(output_layer, size):
  """The per-entry output size of `output_layer` applied to `size`.

  Uses the layer's `compute_output_shape` when it has one; tf1seq's `Dense`
  (which has not) gives `[units]`.

  Args:
    output_layer: None or a layer.
    size: the (nested) per-entry size of the layer's input.

  Returns:
    `size` if there is no layer, else the (nested) `TensorShape` of one
    entry of the layer's output.

  Raises:
    TypeError: if the output size of the layer cannot be determined.
  """
  if output_layer is None:
    return size
  with_batch = tf.nest.map_structure(
      lambda s: tf.TensorShape([None]).concatenate(s), size)
  if hasattr(output_layer, "compute_output_shape"):
    shapes = output_layer.compute_output_shape(with_batch)
    return tf.nest.map_structure(lambda s: tf.TensorShape(s)[1:], shapes)
  if hasattr(output_layer, "units"):
    # A dense layer: the last axis becomes `units`.
    return tf.nest.map_structure(
        lambda s: s[1:-1].concatenate([output_layer.units]), with_batch)
  raise TypeError("output_layer must have compute_output_shape or units to "
                  "give its output size, got %s" %
                  type(output_layer).__name__)


class BasicDecoder(decoder.Decoder):
  """Basic sampling decoder: cell, optional output layer, helper."""

  def __init__(self, cell, helper, initial_state, output_layer=None):
    """Creates the decoder.

    Args:
      cell: an `RNNCell`.
      helper: a `Helper`.
      initial_state: the cell's initial state (a structure of tensors and
        TensorArrays shaped like `cell.state_size`).
      output_layer: optional layer applied to the cell output before
        sampling, e.g. `tf1seq.layers.Dense(vocab_size)`.

    Raises:
      TypeError: if `cell`, `helper` or `output_layer` have the wrong type.
      ValueError: if `initial_state` does not match `cell.state_size`.
    """
    check_cell(cell)
    if not isinstance(helper, helper_py.Helper):
      raise TypeError("helper must be a Helper, received: %s" %
                      type(helper).__name__)
    check_output_layer(output_layer)
    check_initial_state(cell.state_size, initial_state)
    self._cell = cell
    self._helper = helper
    self._initial_state = initial_state
    self._output_layer = output_layer

  @property
  def batch_size(self):
    return self._helper.batch_size

  def _rnn_output_size(self):
    return layer_output_size(self._output_layer, self._cell.output_size)

  @property
  def output_size(self):
    return BasicDecoderOutput(rnn_output=self._rnn_output_size(),
                              sample_id=self._helper.sample_ids_shape)

  @property
  def output_dtype(self):
    # The outputs have the dtype of the first state tensor, as in TF1.
    dtype = tf.nest.flatten(self._initial_state)[0].dtype
    return BasicDecoderOutput(
        tf.nest.map_structure(lambda _: dtype, self._rnn_output_size()),
        self._helper.sample_ids_dtype)

  def initialize(self, name=None):
    """Returns `(finished, first_inputs, initial_state)`."""
    return self._helper.initialize() + (self._initial_state,)

  def step(self, time, inputs, state, name=None):
    """Returns `(outputs, next_state, next_inputs, finished)`."""
    with tf.compat.v1.name_scope(name, "BasicDecoderStep",
                                 tf.nest.flatten((time, inputs, state))):
      cell_outputs, cell_state = self._cell(inputs, state)
      if self._output_layer is not None:
        cell_outputs = self._output_layer(cell_outputs)
      sample_ids = self._helper.sample(time=time, outputs=cell_outputs,
                                       state=cell_state)
      finished, next_inputs, next_state = self._helper.next_inputs(
          time=time, outputs=cell_outputs, state=cell_state,
          sample_ids=sample_ids)
    outputs = BasicDecoderOutput(cell_outputs, sample_ids)
    return outputs, next_state, next_inputs, finished
