"""Keras' recurrent-layer options as graph-mode functions over TF1 cells.

Each function is one Keras option written with `tf1seq.rnn.dynamic_rnn`
(the fast path, or TensorFlow's `dynamic_rnn` for cells it does not take;
or `static_rnn`, or a `tf.while_loop`) over any tf1seq cell:

  Keras                                 tf1seq
  RNN(cell, return_sequences=...,       rnn(cell, x, return_sequences=...,
      return_state=...)                     return_state=...)
  go_backwards=True                     rnn(..., go_backwards=True)
  Sequential([RNN(.., True), RNN(..)])  stacked_rnn(cells, x)
  Bidirectional(merge_mode=...)         bidirectional(fw, bw, x, merge_mode)
  Masking(mask_value) / a mask          mask_from_value(x); rnn(.., mask=m)
  (padding at the end)                  rnn(..., sequence_length=lengths)
  dropout=, recurrent_dropout=          keras_layout.*(dropout=...),
                                          rnn(..., training=...)
  unroll=True                           rnn(..., unroll=True)
  Embedding(mask_zero=True)             embedding(ids, ..., mask_zero=True)
  Concatenate()([lstm_a, lstm_b])       concat_encoders([x_a, x_b], cells)
  a custom layer looping over steps     while_loop_rnn(cell, x)
    with a TensorArray (the time-series chapter)
  TimeDistributed(Dense(n))             layers.time_distributed_dense

Masked steps leave the state unchanged and their outputs zero (TF1's
`sequence_length` semantics); without `return_sequences` the output is the
one of the last unmasked step.

Usage:

  from tf1seq import sequence
  from tf1seq.cells import keras_layout
  cell = keras_layout.KerasLSTMCell(1)
  outputs, state = sequence.rnn(cell, x, return_sequences=True,
                                return_state=True)
  # outputs [1, 3, 1]; state.h == outputs[:, -1]; state.c separate.
"""

import tensorflow as tf

from tf1seq import layers
from tf1seq import rnn as fast_rnn

MERGE_MODES = ("concat", "sum", "mul", "ave")


def _check_sequence(inputs, name="inputs"):
  """Converts and checks `[batch, time, depth]` with a known depth."""
  inputs = tf.convert_to_tensor(inputs)
  shape = inputs.shape
  if shape.ndims != 3 or shape[-1] is None:
    raise ValueError("%s must be [batch, time, depth] with a known depth, "
                     "got shape %s" % (name, shape))
  return inputs


def _check_mask(mask, inputs):
  mask = tf.convert_to_tensor(mask)
  if mask.dtype != tf.bool or mask.shape.ndims != 2:
    raise ValueError("mask must be a bool [batch, time] tensor, got %s %s" %
                     (mask.dtype.name, mask.shape))
  if not mask.shape.is_compatible_with(inputs.shape[:2]):
    raise ValueError("mask must be shaped like inputs.shape[:2] = %s, got %s"
                     % (inputs.shape[:2], mask.shape))
  return mask


def mask_from_value(inputs, mask_value=0.):
  """Keras' `Masking`: a step is kept unless all its features are `mask_value`.

  Args:
    inputs: `[batch, time, depth]`.
    mask_value: the padding value.

  Returns:
    bool `[batch, time]`.
  """
  inputs = _check_sequence(inputs)
  return tf.reduce_any(tf.not_equal(inputs, mask_value), axis=-1)


def lengths_from_mask(mask):
  """The number of kept steps of each sequence, int32 `[batch]`.

  Equal to the lengths only for masks that pad at the end (all True, then
  all False), which is what `sequence_length` means.
  """
  return tf.reduce_sum(tf.cast(mask, tf.int32), axis=1)


def _dropout_mask(shape, rate, training, seed, dtype):
  """A `[batch, n]` mask of kept units scaled by `1 / (1 - rate)`."""
  ones = tf.ones(shape, dtype)
  if isinstance(training, bool):
    return tf.nn.dropout(ones, rate=rate, seed=seed) if training else ones
  return tf.cond(tf.convert_to_tensor(training),
                 lambda: tf.nn.dropout(ones, rate=rate, seed=seed),
                 lambda: ones)


def _set_dropout(cell, inputs, training, seed):
  """Draws the cell's variational masks once, for the whole sequence."""
  rate = getattr(cell, "dropout", 0.)
  recurrent_rate = getattr(cell, "recurrent_dropout", 0.)
  if not hasattr(cell, "set_dropout_masks"):
    return False
  if training is False or (not rate and not recurrent_rate):
    cell.set_dropout_masks(None, None)
    return False
  batch = tf.shape(inputs)[0]
  input_mask = recurrent_mask = None
  if rate:
    input_mask = _dropout_mask([batch, int(inputs.shape[-1])], rate,
                               training, seed, inputs.dtype)
  if recurrent_rate:
    recurrent_mask = _dropout_mask(
        [batch, cell.units], recurrent_rate, training,
        None if seed is None else seed + 1, inputs.dtype)
  cell.set_dropout_masks(input_mask, recurrent_mask)
  return True


def _last_valid(outputs, sequence_length):
  """`outputs[b, sequence_length[b] - 1]` (zeros for empty sequences)."""
  lengths = tf.cast(sequence_length, tf.int32)
  index = tf.maximum(lengths - 1, 0)
  last = tf.gather(outputs, index, axis=1, batch_dims=1)
  return last * tf.cast(lengths > 0, outputs.dtype)[:, tf.newaxis]


def while_loop_rnn(cell, inputs, initial_state=None, mask=None,
                   return_sequences=False):
  """The time-series chapter's `MyRNN`: a `tf.while_loop` over steps.

  Outputs are collected in a TensorArray.

  The same computation as `dynamic_rnn`, written out: step t runs
  `cell(inputs[:, t], state)`. Where `mask[:, t]` is False the state is
  kept and the output is zero.

  Args:
    cell: a cell (any tf1seq cell).
    inputs: `[batch, time, depth]`.
    initial_state: default `cell.zero_state`.
    mask: optional bool `[batch, time]`.
    return_sequences: return all outputs `[batch, time, units]` rather than
      the last (unmasked) one `[batch, units]`.

  Returns:
    `(outputs, final_state)`.

  Raises:
    ValueError: if `inputs` is not `[batch, time, depth]` or the mask does
      not fit.
  """
  inputs = _check_sequence(inputs)
  if mask is not None:
    mask = _check_mask(mask, inputs)
  batch = tf.shape(inputs)[0]
  n_steps = tf.shape(inputs)[1]
  if initial_state is None:
    initial_state = cell.zero_state(batch, inputs.dtype)
  time_major = tf.transpose(inputs, [1, 0, 2])
  sequences = tf.TensorArray(inputs.dtype, size=n_steps,
                             element_shape=tf.TensorShape(
                                 [inputs.shape[0], cell.output_size]))
  last = tf.zeros([batch, cell.output_size], inputs.dtype)
  masks = None if mask is None else tf.transpose(mask)

  def body(step, state, last, sequences):
    output, new_state = cell(time_major[step], state)
    if masks is not None:
      keep = masks[step][:, tf.newaxis]
      output = tf.where(keep, output, tf.zeros_like(output))
      new_state = tf.nest.map_structure(
          lambda new, old: tf.where(keep, new, old), new_state, state)
      last = tf.where(keep, output, last)
    else:
      last = output
    return step + 1, new_state, last, sequences.write(step, output)

  _, state, last, sequences = tf.while_loop(
      lambda step, *_: step < n_steps, body,
      [tf.constant(0), initial_state, last, sequences])
  if return_sequences:
    outputs = tf.transpose(sequences.stack(), [1, 0, 2])
    outputs.set_shape(inputs.shape[:2].concatenate([cell.output_size]))
    return outputs, state
  return last, state


def rnn(cell, inputs, return_sequences=False, return_state=False,
        go_backwards=False, initial_state=None, sequence_length=None,
        mask=None, training=False, unroll=False, seed=None, scope=None):
  """A Keras recurrent layer over `cell`, in graph mode.

  Args:
    cell: a tf1seq cell (TF1 or Keras layout).
    inputs: `[batch, time, depth]` with a known depth.
    return_sequences: return every step's output `[batch, time, units]`;
      otherwise the last one `[batch, units]`.
    return_state: also return the final state (for an LSTM the
      `LSTMStateTuple(c, h)`, whose `h` is the last output).
    go_backwards: process the sequence from its last (valid) step to its
      first; the returned sequence is in that processing order, as Keras'.
    initial_state: default zeros.
    sequence_length: optional int `[batch]`: steps past it are masked.
    mask: optional bool `[batch, time]`, any pattern (Keras' mask); masked
      steps keep the state and output zero.
    training: Python bool or boolean tensor; turns on the cell's variational
      `dropout` / `recurrent_dropout` (Keras-layout cells).
    unroll: build the loop unrolled with `static_rnn` (needs a static time
      length; not with `mask`).
    seed: seed of the dropout masks.
    scope: the variable scope; default `rnn`, uniquified.

  Returns:
    `outputs`, or `(outputs, final_state)` if `return_state`.

  Raises:
    ValueError: if `inputs` is not `[batch, time, depth]`, both `mask` and
      `sequence_length` are given, or `unroll` meets an unknown length or a
      mask.
  """
  inputs = _check_sequence(inputs)
  if mask is not None and sequence_length is not None:
    raise ValueError("Give mask or sequence_length, not both.")
  if mask is not None:
    mask = _check_mask(mask, inputs)
  if unroll and (inputs.shape[1] is None or mask is not None):
    raise ValueError("unroll=True needs a known time length and no mask, got "
                     "inputs shape %s%s" %
                     (inputs.shape, " and a mask" if mask is not None else ""))
  if go_backwards:
    if sequence_length is not None:
      inputs = tf.reverse_sequence(inputs, sequence_length, seq_axis=1,
                                   batch_axis=0)
    else:
      inputs = tf.reverse(inputs, [1])
      if mask is not None:
        mask = tf.reverse(mask, [1])
  with tf.compat.v1.variable_scope(scope, default_name="rnn") as rnn_scope:
    dropout_set = _set_dropout(cell, inputs, training, seed)
    if mask is not None:
      outputs, state = while_loop_rnn(cell, inputs, initial_state, mask,
                                      return_sequences=True)
      _, last = while_loop_last(outputs, mask)
    else:
      if initial_state is None:
        initial_state = cell.zero_state(tf.shape(inputs)[0], inputs.dtype)
      if unroll:
        step_outputs, state = tf.compat.v1.nn.static_rnn(
            cell, tf.unstack(inputs, axis=1), initial_state=initial_state,
            sequence_length=sequence_length, scope=rnn_scope)
        outputs = tf.stack(step_outputs, axis=1)
      else:
        # tf1seq's fast path where it applies, else TensorFlow's own.
        outputs, state = fast_rnn.dynamic_rnn(
            cell, inputs, sequence_length=sequence_length,
            initial_state=initial_state, scope=rnn_scope)
      if sequence_length is None:
        last = outputs[:, -1]
      else:
        last = _last_valid(outputs, sequence_length)
    if dropout_set:
      cell.set_dropout_masks(None, None)
  result = outputs if return_sequences else last
  return (result, state) if return_state else result


def while_loop_last(outputs, mask):
  """`(index, output)` of each sequence's last unmasked step (0, zeros)."""
  n_steps = tf.shape(mask)[1]
  positions = tf.range(n_steps)[tf.newaxis, :]
  index = tf.reduce_max(tf.where(mask, positions, -1), axis=1)
  last = tf.gather(outputs, tf.maximum(index, 0), axis=1, batch_dims=1)
  return index, last * tf.cast(index >= 0, outputs.dtype)[:, tf.newaxis]


def stacked_rnn(cells, inputs, return_sequences=False, return_state=False,
                between_layers=None, **kwargs):
  """Stacked recurrent layers: every layer but the last returns sequences.

  Args:
    cells: a non-empty list of cells, bottom first.
    inputs: `[batch, time, depth]`.
    return_sequences: for the top layer.
    return_state: also return the tuple of every layer's final state.
    between_layers: optional `fn(sequence, layer_index) -> sequence` applied
      to each lower layer's output sequence (e.g. batch normalisation).
    **kwargs: passed to every `rnn` call (`sequence_length`, `mask`,
      `training`, ...).

  Returns:
    As `rnn`; states are a tuple, one per layer.

  Raises:
    ValueError: if `cells` is empty.
  """
  if not cells:
    raise ValueError("cells must be a non-empty list of cells, got %r" %
                     (cells,))
  states = []
  outputs = inputs
  for index, cell in enumerate(cells):
    top = index == len(cells) - 1
    outputs, state = rnn(cell, outputs,
                         return_sequences=return_sequences or not top,
                         return_state=True, **kwargs)
    states.append(state)
    if not top and between_layers is not None:
      outputs = between_layers(outputs, index)
  return (outputs, tuple(states)) if return_state else outputs


def _merge(forward, backward, merge_mode):
  if merge_mode == "concat":
    return tf.concat([forward, backward], -1)
  if merge_mode == "sum":
    return forward + backward
  if merge_mode == "mul":
    return forward * backward
  return (forward + backward) / 2.


def bidirectional(forward_cell, backward_cell, inputs, merge_mode="concat",
                  return_sequences=False, return_state=False,
                  sequence_length=None, scope=None, **kwargs):
  """Keras' `Bidirectional`: a forward and a backward pass, merged.

  The backward pass reads each sequence from its last valid step; its
  outputs are put back in time order before merging (so step t of the
  result sees inputs <= t forwards and >= t backwards). Without
  `return_sequences`, the forward pass gives its last output and the
  backward pass its output at step 0 (its last in processing order).

  Args:
    forward_cell: cell of the forward pass.
    backward_cell: cell of the backward pass (a different object).
    inputs: `[batch, time, depth]`.
    merge_mode: "concat", "sum", "mul" or "ave".
    return_sequences: as `rnn`.
    return_state: also return `(forward_state, backward_state)`.
    sequence_length: optional int `[batch]`.
    scope: default `bidirectional_rnn`, with `fw` and `bw` inside.
    **kwargs: passed to both `rnn` calls (`training`, ...).

  Returns:
    The merged outputs, or `(outputs, (forward_state, backward_state))`.

  Raises:
    ValueError: on an unknown `merge_mode` or the same cell twice.
  """
  if merge_mode not in MERGE_MODES:
    raise ValueError("merge_mode must be one of %s, got %r" %
                     (MERGE_MODES, merge_mode))
  if forward_cell is backward_cell:
    raise ValueError("forward_cell and backward_cell must be different "
                     "cells, got the same object twice")
  inputs = _check_sequence(inputs)
  with tf.compat.v1.variable_scope(scope, default_name="bidirectional_rnn"):
    forward, forward_state = rnn(
        forward_cell, inputs, return_sequences=True, return_state=True,
        sequence_length=sequence_length, scope="fw", **kwargs)
    backward, backward_state = rnn(
        backward_cell, inputs, return_sequences=True, return_state=True,
        go_backwards=True, sequence_length=sequence_length, scope="bw",
        **kwargs)
    if sequence_length is not None:
      backward = tf.reverse_sequence(backward, sequence_length, seq_axis=1,
                                     batch_axis=0)
      forward_last = _last_valid(forward, sequence_length)
    else:
      backward = tf.reverse(backward, [1])
      forward_last = forward[:, -1]
    if return_sequences:
      outputs = _merge(forward, backward, merge_mode)
    else:
      outputs = _merge(forward_last, backward[:, 0], merge_mode)
  if return_state:
    return outputs, (forward_state, backward_state)
  return outputs


def embedding(ids, vocab_size, embedding_size, mask_zero=False,
              name="embedding", **kwargs):
  """Keras' `Embedding`: looks ids up; with `mask_zero`, id 0 is padding.

  Args:
    ids: int `[batch, time]`.
    vocab_size: rows of the table (largest id + 1).
    embedding_size: width of each row.
    mask_zero: also return the mask `ids != 0` for `rnn(mask=...)`.
    name: the scope of `<name>/embeddings`.
    **kwargs: passed to `layers.embedding`.

  Returns:
    `[batch, time, embedding_size]`, and with `mask_zero` the bool mask.

  Raises:
    ValueError: as `layers.embedding`.
  """
  embedded = layers.embedding(ids, vocab_size, embedding_size, name=name,
                              **kwargs)
  if not mask_zero:
    return embedded
  return embedded, tf.not_equal(ids, 0)


def concat_encoders(inputs_list, cells, scope=None, **kwargs):
  """A Keras tutorial's two-input encoder: one RNN per input, joined.

  Args:
    inputs_list: `[batch, time_i, depth_i]` tensors (same batch).
    cells: one cell per input.
    scope: default `concat_encoders`; encoder i is under `encoder_i`.
    **kwargs: passed to each `rnn` call.

  Returns:
    `[batch, sum of the cells' output sizes]`.

  Raises:
    ValueError: if the lists differ in length or are empty.
  """
  if not inputs_list or len(inputs_list) != len(cells):
    raise ValueError("inputs_list and cells must be non-empty and of the "
                     "same length, got %d and %d" %
                     (len(inputs_list), len(cells)))
  with tf.compat.v1.variable_scope(scope, default_name="concat_encoders"):
    encoded = [rnn(cell, inputs, scope="encoder_%d" % index, **kwargs)
               for index, (inputs, cell) in enumerate(zip(inputs_list,
                                                          cells))]
  return tf.concat(encoded, axis=-1)
