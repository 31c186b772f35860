"""TF1's `tf.contrib.seq2seq.BeamSearchDecoder`, `tile_batch`, `gather_tree`.

Beam search keeps the `beam_width` best hypotheses of each batch entry. At
every step each hypothesis is extended by every word; a hypothesis is
scored by its summed log-probability divided by the length penalty
`((5 + length) / 6) ** length_penalty_weight` (Wu et al. 2016), plus, with
an attention cell, a coverage penalty. Finished hypotheses only extend with
the end token at no cost. As in TF1, the step that chooses the end token
scores it with the length before it, and later steps (and the state's
`lengths`) count it. After the last step
`gather_tree` follows the parent pointers to give whole sequences, best
first. The computation is TensorFlow 1.15's, step for step, so a TF1.15
checkpoint decodes to the same beams.

The cell state may be any nested structure of `[batch * beam_width, ...]`
tensors; TensorArrays in it (an attention cell's alignment history) are
passed through, and at the end reordered along the beams when
`reorder_tensor_arrays`.

Usage:

  from tf1seq.contrib.seq2seq import beam_search_decoder, decoder
  initial_state = beam_search_decoder.tile_batch(encoder_state, beam_width)
  search = beam_search_decoder.BeamSearchDecoder(
      cell, embedding, start_tokens, end_token, initial_state, beam_width,
      output_layer=projection, length_penalty_weight=0.6)
  outputs, state, lengths = decoder.dynamic_decode(
      search, maximum_iterations=50, scope="decoder")
  best = outputs.predicted_ids[:, :, 0]        # [batch, time]
"""

import collections

import numpy as np
import tensorflow as tf

from tf1seq.contrib.seq2seq import basic_decoder
from tf1seq.contrib.seq2seq import beam_search_ops
from tf1seq.contrib.seq2seq import decoder
from tf1seq.contrib.seq2seq import helper

__all__ = [
    "BeamSearchDecoderOutput",
    "BeamSearchDecoderState",
    "BeamSearchDecoder",
    "FinalBeamSearchDecoderOutput",
    "tile_batch",
]

gather_tree = beam_search_ops.gather_tree


def _depth_shape(s):
  """The static shape of a state's depth `s`.

  A size may be a scalar Tensor (an attention mechanism's alignments size
  when the memory's time is only known at run time); its static value, if
  any, is the depth.
  """
  if isinstance(s, tf.Tensor):
    return tf.TensorShape(tf.get_static_value(s))
  return tf.TensorShape(s)


class BeamSearchDecoderState(
    collections.namedtuple("BeamSearchDecoderState",
                           ("cell_state", "log_probs", "finished", "lengths",
                            "accumulated_attention_probs"))):
  """The loop state of beam search, each entry `[batch, beam_width, ...]`."""
  pass


class BeamSearchDecoderOutput(
    collections.namedtuple("BeamSearchDecoderOutput",
                           ("scores", "predicted_ids", "parent_ids"))):
  """One step's scores, word ids and parent beams, `[batch, beam_width]`."""
  pass


class FinalBeamSearchDecoderOutput(
    collections.namedtuple("FinalBeamDecoderOutput",
                           ["predicted_ids", "beam_search_decoder_output"])):
  """The result of beam search.

  Attributes:
    predicted_ids: int32 `[batch_size, T, beam_width]` (`[T, batch_size,
      beam_width]` if time major): the whole beams, best first.
    beam_search_decoder_output: the `BeamSearchDecoderOutput` of every
      step.
  """
  pass


def _static_dim(shape, index):
  return tf.compat.dimension_value(shape.dims[index])


def _tile_one(t, multiplier):
  t = tf.convert_to_tensor(t, name="t")
  if t.shape.ndims is None or t.shape.ndims < 1:
    raise ValueError("t must have statically known rank >= 1, got shape %s" %
                     t.shape)
  shape = tf.shape(t)
  multiples = [1] * (t.shape.ndims + 1)
  multiples[1] = multiplier
  tiled = tf.tile(tf.expand_dims(t, 1), multiples)
  tiled = tf.reshape(tiled, tf.concat([[shape[0] * multiplier], shape[1:]],
                                      0))
  batch = _static_dim(t.shape, 0)
  tiled.set_shape(tf.TensorShape(
      [None if batch is None else batch * multiplier]).concatenate(
          t.shape[1:]))
  return tiled


def tile_batch(t, multiplier, name=None):
  """Repeats each batch entry `multiplier` times: `t[0], t[0], ..., t[1]`.

  Args:
    t: a (nested structure of) tensor(s) shaped `[batch_size, ...]`.
    multiplier: Python int >= 1.
    name: name scope; default `tile_batch`.

  Returns:
    The same structure, each tensor `[batch_size * multiplier, ...]`.

  Raises:
    ValueError: if a tensor's rank is unknown or 0, or `multiplier` is not
      a positive int.
  """
  if not isinstance(multiplier, (int, np.integer)) or multiplier < 1:
    raise ValueError("multiplier must be a positive int, got %r" %
                     (multiplier,))
  flat = tf.nest.flatten(t)
  with tf.compat.v1.name_scope(name, "tile_batch", flat + [multiplier]):
    return tf.nest.map_structure(lambda x: _tile_one(x, multiplier), t)


def gather_tree_from_array(t, parent_ids, sequence_length):
  """Reorders stacked per-step tensors along the beams, like the ids.

  Args:
    t: `[max_time, batch_size * beam_width, ...]` or `[max_time,
      batch_size, beam_width, ...]`: a stacked TensorArray of the cell
      state.
    parent_ids: int32 `[max_time, batch_size, beam_width]`.
    sequence_length: `[batch_size, beam_width]` lengths of the beams.

  Returns:
    `t`'s values reordered so that entry `k` at every step belongs to the
    final beam `k`; steps past a beam's length are left as they were.
  """
  shape = tf.shape(parent_ids)
  max_time = _static_dim(parent_ids.shape, 0) or shape[0]
  batch_size = _static_dim(parent_ids.shape, 1) or shape[1]
  beam_width = _static_dim(parent_ids.shape, 2) or shape[2]
  # Reorder the beam indices themselves, then gather with them.
  beam_ids = tf.tile(tf.range(beam_width)[None, None, :],
                     [max_time, batch_size, 1])
  max_sequence_lengths = tf.cast(tf.reduce_max(sequence_length, axis=1),
                                 tf.int32)
  sorted_beam_ids = gather_tree(beam_ids, parent_ids, max_sequence_lengths,
                                end_token=beam_width + 1)
  in_bounds = tf.transpose(
      tf.sequence_mask(sequence_length, maxlen=max_time), [2, 0, 1])
  sorted_beam_ids = tf.where(in_bounds, sorted_beam_ids, beam_ids)
  time_index = tf.tile(tf.reshape(tf.range(max_time), [-1, 1, 1]),
                       [1, batch_size, beam_width])
  batch_index = tf.tile(tf.reshape(tf.range(batch_size), [1, -1, 1]),
                        [max_time, 1, beam_width])
  indices = tf.stack([time_index, batch_index, sorted_beam_ids], -1)
  final_shape = tf.shape(t)
  flat = tf.reshape(t, [max_time, batch_size, beam_width, -1])
  return tf.reshape(tf.gather_nd(flat, indices), final_shape)


def _check_ndims(t):
  if t.shape.ndims is None:
    raise ValueError("Expected tensor (%s) to have known rank, but ndims == "
                     "None." % t)


def _check_static_batch_beam_maybe(shape, batch_size, beam_width):
  """False (with a warning) if `shape` cannot be `[batch, beam, ...]`."""
  first = _static_dim(shape, 0)
  second = _static_dim(shape, 1) if shape.ndims >= 2 else None
  if batch_size is not None and first is not None and (
      first != batch_size * beam_width or
      (second is not None and (first != batch_size or
                               second != beam_width))):
    tf.compat.v1.logging.warn(
        "TensorArray reordering expects elements to be reshapable to "
        "[%s, %s, ?] which is incompatible with the current shape %s. "
        "Consider setting reorder_tensor_arrays to False to disable "
        "TensorArray reordering during the beam search.",
        batch_size, beam_width, shape)
    return False
  return True


def _check_batch_beam(t, batch_size, beam_width):
  """An assertion that stacked `t` can be reshaped to `[batch, beam, -1]`."""
  message = ("TensorArray reordering expects elements to be reshapable to "
             "[batch_size, beam_size, -1] which is incompatible with the "
             "dynamic shape of %s elements. Consider setting "
             "reorder_tensor_arrays to False to disable TensorArray "
             "reordering during the beam search." % t.name)
  shape = tf.shape(t)
  if t.shape.ndims == 2:
    condition = tf.equal(shape[1], batch_size * beam_width)
  else:
    condition = tf.logical_or(
        tf.equal(shape[1], batch_size * beam_width),
        tf.logical_and(tf.equal(shape[1], batch_size),
                       tf.equal(shape[2], beam_width)))
  return tf.debugging.Assert(condition, [message])


def _is_attention_state(state):
  """Whether `state` is an `AttentionWrapperState` (by its fields)."""
  return (isinstance(state, tuple) and hasattr(state, "alignments") and
          hasattr(state, "alignment_history") and
          hasattr(state, "attention_state"))


def attention_probs_from_attn_state(attention_state):
  """The alignments of an attention state, averaged over its mechanisms."""
  probs = attention_state.alignments
  if isinstance(probs, tuple):
    probs = tf.reduce_mean(tf.stack(list(probs), -1), -1)
  return probs


def get_attention_probs(next_cell_state, coverage_penalty_weight):
  """The attention probabilities the coverage penalty needs, or None.

  Args:
    next_cell_state: the cell state: an `AttentionWrapperState` or a tuple
      holding some.
    coverage_penalty_weight: float; None is returned when it is 0.

  Returns:
    `[batch_size, beam_width, max_time]` probabilities averaged over the
    attention states found, or None.

  Raises:
    ValueError: if the weight is not 0 and no state is attentional.
  """
  if coverage_penalty_weight == 0.0:
    return None
  if _is_attention_state(next_cell_state):
    per_layer = [attention_probs_from_attn_state(next_cell_state)]
  elif isinstance(next_cell_state, tuple):
    per_layer = [attention_probs_from_attn_state(s) for s in next_cell_state
                 if _is_attention_state(s)]
  else:
    per_layer = []
  if not per_layer:
    raise ValueError("coverage_penalty_weight must be 0.0 if no cell is "
                     "attentional.")
  if len(per_layer) == 1:
    return per_layer[0]
  return tf.reduce_mean(tf.stack(per_layer, -1), -1)


def _length_penalty(sequence_lengths, penalty_factor):
  """`((5 + length) / 6) ** penalty_factor`, or 1.0 when the factor is 0."""
  penalty_factor = tf.convert_to_tensor(penalty_factor,
                                        name="penalty_factor")
  penalty_factor.set_shape(())
  static = tf.get_static_value(penalty_factor)
  if static is not None and static == 0:
    return 1.0
  return tf.math.divide(
      (5. + tf.cast(sequence_lengths, tf.float32)) ** penalty_factor,
      (5. + 1.) ** penalty_factor)


def _get_scores(log_probs, sequence_lengths, length_penalty_weight,
                coverage_penalty_weight, finished,
                accumulated_attention_probs):
  """Length-normalised log-probs, plus the coverage penalty if enabled."""
  penalty = tf.cast(_length_penalty(sequence_lengths, length_penalty_weight),
                    log_probs.dtype)
  scores = log_probs / penalty
  coverage_penalty_weight = tf.convert_to_tensor(
      coverage_penalty_weight, name="coverage_penalty_weight")
  if coverage_penalty_weight.shape.ndims != 0:
    raise ValueError("coverage_penalty_weight should be a scalar, but saw "
                     "shape: %s" % coverage_penalty_weight.shape)
  if tf.get_static_value(coverage_penalty_weight) == 0.0:
    return scores
  if accumulated_attention_probs is None:
    raise ValueError("accumulated_attention_probs can be None only if "
                     "coverage penalty is disabled.")
  # Sum of log(min(attention so far, 1)) over the source, zeros counted as
  # ones, for finished hypotheses only.
  probs = tf.where(tf.equal(accumulated_attention_probs, 0.0),
                   tf.ones_like(accumulated_attention_probs),
                   accumulated_attention_probs)
  coverage = tf.reduce_sum(tf.math.log(tf.minimum(probs, 1.0)), 2)
  coverage *= tf.cast(finished, tf.float32)
  return scores + tf.expand_dims(coverage * coverage_penalty_weight, 2)


def _mask_probs(probs, eos_token, finished):
  """Finished beams put all their probability on `eos_token`."""
  vocab_size = tf.shape(probs)[2]
  finished_row = tf.one_hot(eos_token, vocab_size, dtype=probs.dtype,
                            on_value=tf.constant(0., dtype=probs.dtype),
                            off_value=probs.dtype.min)
  finished_probs = tf.tile(tf.reshape(finished_row, [1, 1, -1]),
                           tf.concat([tf.shape(finished), [1]], 0))
  finished_mask = tf.tile(tf.expand_dims(finished, 2), [1, 1, vocab_size])
  return tf.where(finished_mask, finished_probs, probs)


def _tensor_gather_helper(gather_indices, gather_from, batch_size,
                          range_size, gather_shape, name=None):
  """Gathers per-batch `gather_indices` (in `[0, range_size)`) from rows.

  `gather_from` is reshaped to `gather_shape` (its leading axes merged) and
  row `b * range_size + gather_indices[b, k]` is taken for each `(b, k)`.
  """
  with tf.compat.v1.name_scope(name, "tensor_gather_helper"):
    offsets = tf.expand_dims(tf.range(batch_size) * range_size, 1)
    flat_indices = tf.reshape(gather_indices + offsets, [-1])
    output = tf.gather(tf.reshape(gather_from, gather_shape), flat_indices)
    final_shape = tf.shape(gather_from)[:1 + len(gather_shape)]
    static_batch = tf.get_static_value(batch_size)
    output = tf.reshape(output, final_shape, name="output")
    output.set_shape(tf.TensorShape([static_batch]).concatenate(
        gather_from.shape[1:1 + len(gather_shape)]))
    return output


def _maybe_tensor_gather_helper(gather_indices, gather_from, batch_size,
                                range_size, gather_shape):
  """`_tensor_gather_helper`, skipping TensorArrays and low-rank tensors."""
  if isinstance(gather_from, tf.TensorArray):
    return gather_from
  _check_ndims(gather_from)
  if gather_from.shape.ndims >= len(gather_shape):
    return _tensor_gather_helper(gather_indices, gather_from, batch_size,
                                 range_size, gather_shape)
  return gather_from


def _beam_search_step(time, logits, next_cell_state, beam_state, batch_size,
                      beam_width, end_token, length_penalty_weight,
                      coverage_penalty_weight):
  """One step of beam search: extend, score, keep the best `beam_width`.

  Args:
    time: the step, from 0.
    logits: `[batch_size, beam_width, vocab_size]`.
    next_cell_state: the cell state after this step.
    beam_state: the `BeamSearchDecoderState` before this step.
    batch_size: int32 scalar tensor.
    beam_width: Python int.
    end_token: int32 scalar tensor.
    length_penalty_weight: float.
    coverage_penalty_weight: float.

  Returns:
    `(BeamSearchDecoderOutput, BeamSearchDecoderState)` of this step.
  """
  static_batch_size = tf.get_static_value(batch_size)
  previously_finished = beam_state.finished
  not_finished = tf.logical_not(previously_finished)

  step_log_probs = _mask_probs(tf.nn.log_softmax(logits), end_token,
                               previously_finished)
  total_probs = tf.expand_dims(beam_state.log_probs, 2) + step_log_probs

  # For scoring, every extension of an unfinished beam adds 1 to its length
  # except the end token; the lengths kept in the state count it (below).
  vocab_size = (_static_dim(logits.shape, -1) or tf.shape(logits)[-1])
  lengths_to_add = tf.one_hot(
      tf.fill([batch_size, beam_width], end_token), depth=vocab_size,
      on_value=tf.constant(0, tf.int64), off_value=tf.constant(1, tf.int64),
      dtype=tf.int64)
  lengths_to_add *= tf.expand_dims(tf.cast(not_finished, tf.int64), 2)
  new_prediction_lengths = (lengths_to_add +
                            tf.expand_dims(beam_state.lengths, 2))

  accumulated_attention_probs = None
  attention_probs = get_attention_probs(next_cell_state,
                                        coverage_penalty_weight)
  if attention_probs is not None:
    attention_probs *= tf.expand_dims(tf.cast(not_finished, tf.float32), 2)
    accumulated_attention_probs = (beam_state.accumulated_attention_probs +
                                   attention_probs)

  scores = _get_scores(
      log_probs=total_probs, sequence_lengths=new_prediction_lengths,
      length_penalty_weight=length_penalty_weight,
      coverage_penalty_weight=coverage_penalty_weight,
      finished=previously_finished,
      accumulated_attention_probs=accumulated_attention_probs)

  scores_flat = tf.reshape(scores, [batch_size, -1])
  next_beam_scores, word_indices = tf.nn.top_k(
      scores_flat, k=tf.convert_to_tensor(beam_width, dtype=tf.int32,
                                          name="beam_width"))
  next_beam_scores.set_shape([static_batch_size, beam_width])
  word_indices.set_shape([static_batch_size, beam_width])

  next_beam_probs = _tensor_gather_helper(
      word_indices, total_probs, batch_size, beam_width * vocab_size, [-1],
      name="next_beam_probs")
  next_word_ids = tf.cast(
      tf.math.floormod(word_indices, vocab_size, name="next_beam_word_ids"),
      tf.int32)
  next_beam_ids = tf.cast(
      tf.math.floordiv(word_indices, vocab_size),
      tf.int32, name="next_beam_parent_ids")

  previously_finished = _tensor_gather_helper(
      next_beam_ids, previously_finished, batch_size, beam_width, [-1])
  next_finished = tf.logical_or(previously_finished,
                                tf.equal(next_word_ids, end_token),
                                name="next_beam_finished")
  next_prediction_len = _tensor_gather_helper(
      next_beam_ids, beam_state.lengths, batch_size, beam_width, [-1])
  next_prediction_len += tf.cast(tf.logical_not(previously_finished),
                                 tf.int64)
  next_accumulated_attention_probs = ()
  if accumulated_attention_probs is not None:
    next_accumulated_attention_probs = _tensor_gather_helper(
        next_beam_ids, accumulated_attention_probs, batch_size, beam_width,
        [batch_size * beam_width, -1],
        name="next_accumulated_attention_probs")

  next_cell_state = tf.nest.map_structure(
      lambda gather_from: _maybe_tensor_gather_helper(
          next_beam_ids, gather_from, batch_size, beam_width,
          [batch_size * beam_width, -1]),
      next_cell_state)

  next_state = BeamSearchDecoderState(
      cell_state=next_cell_state, log_probs=next_beam_probs,
      lengths=next_prediction_len, finished=next_finished,
      accumulated_attention_probs=next_accumulated_attention_probs)
  output = BeamSearchDecoderOutput(scores=next_beam_scores,
                                   predicted_ids=next_word_ids,
                                   parent_ids=next_beam_ids)
  return output, next_state


class BeamSearchDecoder(decoder.Decoder):
  """Beam search decoder: TF1's `tf.contrib.seq2seq.BeamSearchDecoder`.

  With an attention cell, as in TF1: tile the memory, its lengths and the
  encoder state with `tile_batch` (not `tf.tile`), and make the cell's
  zero state with `batch_size=true_batch_size * beam_width`.
  """

  def __init__(self, cell, embedding, start_tokens, end_token,
               initial_state, beam_width, output_layer=None,
               length_penalty_weight=0.0, coverage_penalty_weight=0.0,
               reorder_tensor_arrays=True):
    """Creates the decoder.

    Args:
      cell: an `RNNCell`.
      embedding: a callable of int ids, or the params of `embedding_lookup`.
      start_tokens: int32 vector `[batch_size]`.
      end_token: int32 scalar.
      initial_state: the cell state for `batch_size * beam_width` entries
        (see `tile_batch`), shaped like `cell.state_size`.
      beam_width: Python int >= 1.
      output_layer: optional layer applied to the cell output (the logits
        are its result), e.g. `tf1seq.layers.Dense(vocab_size)`.
      length_penalty_weight: float; 0 disables the length penalty.
      coverage_penalty_weight: float; 0 disables the coverage penalty (it
        needs an attention cell).
      reorder_tensor_arrays: reorder TensorArrays of the cell state along
        the final beams (their stacked form is returned).

    Raises:
      TypeError: if `cell` or `output_layer` have the wrong type.
      ValueError: if `beam_width` is not an int >= 1, `start_tokens` is not
        a vector, `end_token` not a scalar, or `initial_state` does not have
        the structure of `cell.state_size` or is not `[batch_size *
        beam_width, ...]`.
    """
    basic_decoder.check_cell(cell)
    basic_decoder.check_output_layer(output_layer)
    if (isinstance(beam_width, bool) or
        not isinstance(beam_width, (int, np.integer)) or beam_width < 1):
      raise ValueError("beam_width must be a Python int >= 1, got %r" %
                       (beam_width,))
    beam_width = int(beam_width)
    basic_decoder.check_initial_state(cell.state_size, initial_state)
    self._cell = cell
    self._output_layer = output_layer
    self._reorder_tensor_arrays = reorder_tensor_arrays
    self._beam_width = beam_width
    self._length_penalty_weight = length_penalty_weight
    self._coverage_penalty_weight = coverage_penalty_weight
    self._embedding_fn = helper.embedding_lookup_fn(embedding)

    start_tokens = tf.convert_to_tensor(start_tokens, dtype=tf.int32,
                                        name="start_tokens")
    if start_tokens.shape.ndims != 1:
      raise ValueError("start_tokens must be a vector, got shape %s" %
                       start_tokens.shape)
    self._end_token = tf.convert_to_tensor(end_token, dtype=tf.int32,
                                           name="end_token")
    if self._end_token.shape.ndims != 0:
      raise ValueError("end_token must be a scalar, got shape %s" %
                       self._end_token.shape)
    helper.check_ids_in_embedding(embedding, start_tokens, "start_tokens")
    self._batch_size = tf.size(start_tokens)
    self._initial_cell_state = tf.nest.map_structure(
        self._maybe_split_batch_beams, initial_state, cell.state_size)
    self._start_tokens = tf.tile(tf.expand_dims(start_tokens, 1),
                                 [1, beam_width])
    self._start_inputs = self._embedding_fn(self._start_tokens)
    # Only the first beam is live at the start.
    self._finished = tf.one_hot(
        tf.zeros([self._batch_size], dtype=tf.int32), depth=beam_width,
        on_value=False, off_value=True, dtype=tf.bool)

  @property
  def batch_size(self):
    return self._batch_size

  def _rnn_output_size(self):
    return basic_decoder.layer_output_size(self._output_layer,
                                           self._cell.output_size)

  @property
  def tracks_own_finished(self):
    """True: beams are reordered, so the decoder keeps their `finished`."""
    return True

  @property
  def output_size(self):
    return BeamSearchDecoderOutput(
        scores=tf.TensorShape([self._beam_width]),
        predicted_ids=tf.TensorShape([self._beam_width]),
        parent_ids=tf.TensorShape([self._beam_width]))

  @property
  def output_dtype(self):
    dtype = tf.nest.flatten(self._initial_cell_state)[0].dtype
    return BeamSearchDecoderOutput(
        scores=tf.nest.map_structure(lambda _: dtype,
                                     self._rnn_output_size()),
        predicted_ids=tf.int32, parent_ids=tf.int32)

  def initialize(self, name=None):
    """Returns `(finished, start_inputs, initial_state)`."""
    dtype = tf.nest.flatten(self._initial_cell_state)[0].dtype
    # Log-probability 0 for the first beam, -inf for the others, so the
    # first step extends the first beam only.
    log_probs = tf.one_hot(
        tf.zeros([self._batch_size], dtype=tf.int32), depth=self._beam_width,
        on_value=tf.constant(0.0, dtype=dtype),
        off_value=tf.constant(-np.inf, dtype=dtype), dtype=dtype)
    attention_probs = get_attention_probs(self._initial_cell_state,
                                          self._coverage_penalty_weight)
    if attention_probs is None:
      attention_probs = ()
    initial_state = BeamSearchDecoderState(
        cell_state=self._initial_cell_state, log_probs=log_probs,
        finished=self._finished,
        lengths=tf.zeros([self._batch_size, self._beam_width],
                         dtype=tf.int64),
        accumulated_attention_probs=attention_probs)
    return self._finished, self._start_inputs, initial_state

  def finalize(self, outputs, final_state, sequence_lengths):
    """Follows the parent pointers: `(FinalBeamSearchDecoderOutput, state)`.

    Args:
      outputs: the stacked `BeamSearchDecoderOutput`, time major.
      final_state: the final `BeamSearchDecoderState`.
      sequence_lengths: ignored; the lengths are `final_state.lengths`.

    Returns:
      `(FinalBeamSearchDecoderOutput, final_state)`, TensorArrays of the
      cell state reordered when `reorder_tensor_arrays`.
    """
    del sequence_lengths  # The beams' own lengths are in the state.
    max_sequence_lengths = tf.cast(
        tf.reduce_max(final_state.lengths, axis=1), tf.int32)
    predicted_ids = gather_tree(outputs.predicted_ids, outputs.parent_ids,
                                max_sequence_lengths=max_sequence_lengths,
                                end_token=self._end_token)
    if self._reorder_tensor_arrays:
      final_state = final_state._replace(cell_state=tf.nest.map_structure(
          lambda t: self._maybe_sort_array_beams(t, outputs.parent_ids,
                                                 final_state.lengths),
          final_state.cell_state))
    return FinalBeamSearchDecoderOutput(
        beam_search_decoder_output=outputs,
        predicted_ids=predicted_ids), final_state

  def _merge_batch_beams(self, t, s=None):
    """`[batch, beam_width] + s` -> `[batch * beam_width] + s`."""
    s = _depth_shape(s)
    static_batch = tf.get_static_value(self._batch_size)
    merged = tf.reshape(t, tf.concat(
        [[self._batch_size * self._beam_width], tf.shape(t)[2:]], 0))
    merged.set_shape(tf.TensorShape(
        [None if static_batch is None else static_batch * self._beam_width]
    ).concatenate(s))
    return merged

  def _split_batch_beams(self, t, s=None):
    """`[batch * beam_width] + s` -> `[batch, beam_width] + s`.

    Raises:
      ValueError: if the static shape cannot be split so (a state not made
        for `batch_size * beam_width` entries).
    """
    s = _depth_shape(s)
    static_batch = tf.get_static_value(self._batch_size)
    expected = tf.TensorShape([static_batch,
                               self._beam_width]).concatenate(s)
    first = _static_dim(t.shape, 0)
    if ((static_batch is not None and first is not None and
         first != static_batch * self._beam_width) or
        not t.shape[1:].is_compatible_with(s)):
      raise ValueError(
          "Unexpected behavior when reshaping between beam width and batch "
          "size: a state tensor of shape %s cannot be (batch_size, "
          "beam_width, depth) == %s; expected batch_size * beam_width = %s "
          "rows. Perhaps you forgot to create a zero_state with "
          "batch_size=encoder_batch_size * beam_width (or tile_batch)?" %
          (t.shape, expected,
           None if static_batch is None else static_batch * self._beam_width))
    split = tf.reshape(t, tf.concat(
        [[self._batch_size, self._beam_width], tf.shape(t)[1:]], 0))
    split.set_shape(expected)
    return split

  def _maybe_split_batch_beams(self, t, s):
    if isinstance(t, tf.TensorArray):
      return t
    _check_ndims(t)
    return self._split_batch_beams(t, s) if t.shape.ndims >= 1 else t

  def _maybe_merge_batch_beams(self, t, s):
    if isinstance(t, tf.TensorArray):
      return t
    _check_ndims(t)
    return self._merge_batch_beams(t, s) if t.shape.ndims >= 2 else t

  def _maybe_sort_array_beams(self, t, parent_ids, sequence_length):
    """Reorders a TensorArray's stacked values along the beams, if it can."""
    if not isinstance(t, tf.TensorArray):
      return t
    if t.element_shape.ndims is None or t.element_shape.ndims < 1:
      tf.compat.v1.logging.warn(
          "The TensorArray in the cell state is not amenable to sorting "
          "based on the beam search result. For a TensorArray to be sorted, "
          "its elements shape must be defined and have at least a rank of "
          "1, but saw shape: %s", t.element_shape)
      return t
    if not _check_static_batch_beam_maybe(
        t.element_shape, tf.get_static_value(self._batch_size),
        self._beam_width):
      return t
    t = t.stack()
    with tf.control_dependencies(
        [_check_batch_beam(t, self._batch_size, self._beam_width)]):
      return gather_tree_from_array(t, parent_ids, sequence_length)

  def step(self, time, inputs, state, name=None):
    """Returns `(BeamSearchDecoderOutput, next_state, next_inputs,
    finished)`."""
    with tf.compat.v1.name_scope(name, "BeamSearchDecoderStep",
                                 tf.nest.flatten((time, inputs)) +
                                 [t for t in tf.nest.flatten(state)
                                  if not isinstance(t, tf.TensorArray)]):
      inputs = tf.nest.map_structure(
          lambda x: self._merge_batch_beams(x, s=x.shape[2:]), inputs)
      cell_state = tf.nest.map_structure(self._maybe_merge_batch_beams,
                                         state.cell_state,
                                         self._cell.state_size)
      cell_outputs, next_cell_state = self._cell(inputs, cell_state)
      cell_outputs = tf.nest.map_structure(
          lambda out: self._split_batch_beams(out, out.shape[1:]),
          cell_outputs)
      next_cell_state = tf.nest.map_structure(
          self._maybe_split_batch_beams, next_cell_state,
          self._cell.state_size)
      if self._output_layer is not None:
        cell_outputs = self._output_layer(cell_outputs)
      output, beam_state = _beam_search_step(
          time=time, logits=cell_outputs, next_cell_state=next_cell_state,
          beam_state=state, batch_size=self._batch_size,
          beam_width=self._beam_width, end_token=self._end_token,
          length_penalty_weight=self._length_penalty_weight,
          coverage_penalty_weight=self._coverage_penalty_weight)
      finished = beam_state.finished
      next_inputs = tf.cond(
          tf.reduce_all(finished), lambda: self._start_inputs,
          lambda: self._embedding_fn(output.predicted_ids))
    return output, beam_state, next_inputs, finished
