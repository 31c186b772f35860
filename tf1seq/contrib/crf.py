"""TF1's `tf.contrib.crf`, Keras-free: a linear-chain conditional random field.

A CRF scores a tag sequence `y` for unary potentials `x` (a `[batch_size,
max_seq_len, num_tags]` tensor, usually the logits of a tagger) and a
`[num_tags, num_tags]` matrix of transition scores `A`:

  score(y) = sum_t x[t, y_t] + sum_{t>0} A[y_{t-1}, y_t]

over the first `sequence_lengths[b]` steps of each batch item (0 for an
empty sequence). The log-partition `crf_log_norm` is the log-sum-exp of the
score over every tag sequence, computed by the forward algorithm;
`crf_decode` (in the graph) and `viterbi_decode` (numpy) find the best
sequence. The functions, cells and their names and signatures are TensorFlow
1.15's `tf.contrib.crf`; the loops run on `tf.compat.v1.nn.dynamic_rnn` as
TF1's did, so the values agree with TF1's, including at sequence lengths 0
and 1. Unlike TF1's, bad input fails with a ValueError at graph construction
(or an `InvalidArgumentError` naming the argument when only the run time
values show it), and float64 works throughout.

Usage:

  log_likelihood, transition_params = crf.crf_log_likelihood(
      unary_scores, gold_tags, sequence_lengths)  # Creates `transitions`.
  loss = tf.reduce_mean(-log_likelihood)
  tags, best_score = crf.crf_decode(unary_scores, transition_params,
                                    sequence_lengths)
  # Or, outside the graph, per sequence:
  tags, best_score = crf.viterbi_decode(scores[:length], transitions)
"""

import numpy as np
import tensorflow as tf

from tf1seq import rnn_cell

__all__ = [
    "crf_sequence_score", "crf_log_norm", "crf_log_likelihood",
    "crf_unary_score", "crf_binary_score", "CrfForwardRnnCell",
    "viterbi_decode", "crf_decode", "CrfDecodeForwardRnnCell",
    "CrfDecodeBackwardRnnCell", "crf_multitag_sequence_score"
]


# -- Argument checks --------------------------------------------------------

def _dim(tensor, axis):
  """The static size of `tensor`'s axis, or None (Dimension-safe)."""
  shape = tensor.shape
  if shape.ndims is None:
    return None
  return tf.compat.dimension_value(shape[axis])


def _check_rank(tensor, rank, name, layout):
  if tensor.shape.ndims is not None and tensor.shape.ndims != rank:
    raise ValueError("%s must have rank %d %s, got shape %s" %
                     (name, rank, layout, tensor.shape))


def _check_inputs(inputs, name="inputs"):
  inputs = tf.convert_to_tensor(inputs, name=name)
  _check_rank(inputs, 3, name, "[batch_size, max_seq_len, num_tags]")
  return inputs


def _check_transitions(transition_params, num_tags,
                       name="transition_params"):
  """Converts and checks that `transition_params` is [num_tags, num_tags]."""
  transition_params = tf.convert_to_tensor(transition_params, name=name)
  shape = transition_params.shape
  wrong = shape.ndims is not None and shape.ndims != 2
  if not wrong and shape.ndims == 2:
    rows, cols = [tf.compat.dimension_value(d) for d in shape]
    sizes = [s for s in (rows, cols, num_tags) if s is not None]
    wrong = len(set(sizes)) > 1
  if wrong:
    raise ValueError(
        "%s must have shape [num_tags, num_tags] with num_tags = %s "
        "(inputs.shape[2]), got shape %s" % (name, num_tags, shape))
  if num_tags is not None and not shape.is_fully_defined():
    # The cells need num_tags statically; the run time check comes along.
    transition_params = tf.ensure_shape(transition_params,
                                        [num_tags, num_tags], name=name)
  return transition_params


def _static_values(tensor):
  try:
    return tf.get_static_value(tensor)
  except (TypeError, ValueError):
    return None


def _check_lengths(sequence_lengths, max_seq_len, name="sequence_lengths"):
  """Checks `sequence_lengths` <= max_seq_len; returns (lengths, asserts)."""
  sequence_lengths = tf.convert_to_tensor(sequence_lengths, name=name)
  _check_rank(sequence_lengths, 1, name, "[batch_size]")
  if not sequence_lengths.dtype.is_integer:
    raise TypeError("%s must be an integer tensor, got dtype %s" %
                    (name, sequence_lengths.dtype.name))
  values = _static_values(sequence_lengths)
  static_max = tf.get_static_value(max_seq_len)
  if values is not None and static_max is not None:
    if values.size and values.max() > static_max:
      raise ValueError(
          "%s must be at most max_seq_len = inputs.shape[1] = %d, got %s" %
          (name, static_max, values.tolist()))
    return sequence_lengths, []
  check = tf.debugging.assert_less_equal(
      sequence_lengths, tf.cast(max_seq_len, sequence_lengths.dtype),
      message="%s must be at most max_seq_len = inputs.shape[1]" % name)
  return sequence_lengths, [check]


def _check_tags(tag_indices, sequence_lengths, num_tags,
                name="tag_indices"):
  """Checks tags in [0, num_tags) within each sequence's length.

  Args:
    tag_indices: `[batch_size, max_seq_len]` integer tags.
    sequence_lengths: `[batch_size]` lengths; tags past them are padding and
      may hold anything.
    num_tags: an int or scalar int tensor.
    name: the argument's name for messages.

  Returns:
    `(tags, asserts)`: the tags with padding replaced by 0 (so that it
    gathers nothing out of range) and the run time checks to depend on.

  Raises:
    ValueError: if a tag is statically known to be out of range.
  """
  tag_indices = tf.convert_to_tensor(tag_indices, name=name)
  _check_rank(tag_indices, 2, name, "[batch_size, max_seq_len]")
  if not tag_indices.dtype.is_integer:
    raise TypeError("%s must be an integer tensor, got dtype %s" %
                    (name, tag_indices.dtype.name))
  max_len = tf.shape(tag_indices, out_type=sequence_lengths.dtype)[1]
  mask = tf.sequence_mask(sequence_lengths, max_len)
  tags = tf.where(mask, tag_indices, tf.zeros_like(tag_indices))
  values = _static_values(tag_indices)
  lengths = _static_values(sequence_lengths)
  static_num_tags = tf.get_static_value(num_tags)
  if (values is not None and lengths is not None and
      static_num_tags is not None):
    valid = values[np.arange(values.shape[1])[None, :] <
                   np.asarray(lengths)[:, None]]
    if valid.size and (valid.min() < 0 or valid.max() >= static_num_tags):
      raise ValueError(
          "%s must be in [0, num_tags) = [0, %d) within sequence_lengths, "
          "got values from %d to %d" % (name, static_num_tags, valid.min(),
                                        valid.max()))
    return tags, []
  checks = [
      tf.debugging.assert_non_negative(
          tags, message="%s must be in [0, num_tags)" % name),
      tf.debugging.assert_less(
          tags, tf.cast(num_tags, tags.dtype),
          message="%s must be in [0, num_tags)" % name)]
  return tags, checks


def _num_tags(inputs):
  num_tags = _dim(inputs, 2)
  return num_tags if num_tags is not None else tf.shape(inputs)[2]


def _max_seq_len(inputs):
  length = _dim(inputs, 1)
  return length if length is not None else tf.shape(inputs)[1]


def _with_checks(checks, tensors):
  """`tensors` (a tuple) behind control dependencies on `checks`."""
  if not checks:
    return tensors
  with tf.control_dependencies(checks):
    return tuple(tf.identity(t) for t in tensors)


def _by_length(inputs, single_seq_fn, multi_seq_fn):
  """TF1's choice: `single_seq_fn` when max_seq_len is 1, else the other.

  Statically when inputs.shape[1] is known, else by `tf.cond`.
  """
  length = _dim(inputs, 1)
  if length is not None:
    return single_seq_fn() if length == 1 else multi_seq_fn()
  return tf.cond(tf.equal(tf.shape(inputs)[1], 1), single_seq_fn,
                 multi_seq_fn)


def _zero_if_empty(values, sequence_lengths):
  return tf.where(tf.less_equal(sequence_lengths, 0),
                  tf.zeros_like(values), values)


# -- Scores -----------------------------------------------------------------

def crf_sequence_score(inputs, tag_indices, sequence_lengths,
                       transition_params):
  """Computes the unnormalized score for a tag sequence.

  Args:
    inputs: A [batch_size, max_seq_len, num_tags] tensor of unary potentials
      to use as input to the CRF layer.
    tag_indices: A [batch_size, max_seq_len] matrix of tag indices for which
      we compute the unnormalized score.
    sequence_lengths: A [batch_size] vector of true sequence lengths.
    transition_params: A [num_tags, num_tags] transition matrix.

  Returns:
    sequence_scores: A [batch_size] vector of unnormalized sequence scores
    (0 where a sequence length is 0).

  Raises:
    ValueError: if the shapes do not fit together, a sequence length exceeds
      max_seq_len or a tag is out of [0, num_tags) (when known statically).
  """
  inputs = _check_inputs(inputs)
  num_tags = _num_tags(inputs)
  transition_params = _check_transitions(transition_params, _dim(inputs, 2))
  sequence_lengths, length_checks = _check_lengths(sequence_lengths,
                                                   _max_seq_len(inputs))
  tags, tag_checks = _check_tags(tag_indices, sequence_lengths, num_tags)
  inputs, tags = _with_checks(length_checks + tag_checks, (inputs, tags))

  def single_seq_fn():
    scores = tf.gather(inputs[:, 0, :], tags[:, :1], batch_dims=1)[:, 0]
    return _zero_if_empty(scores, sequence_lengths)

  def multi_seq_fn():
    return (crf_unary_score(tags, sequence_lengths, inputs) +
            crf_binary_score(tags, sequence_lengths, transition_params))

  return _by_length(inputs, single_seq_fn, multi_seq_fn)


def crf_multitag_sequence_score(inputs, tag_bitmap, sequence_lengths,
                                transition_params):
  """Computes the unnormalized score of all tag sequences matching tag_bitmap.

  tag_bitmap enables more than one tag to be considered correct at each time
  step: the score is the log-sum-exp over every sequence whose tag at each
  step is allowed. One-hot rows give `crf_sequence_score`'s values.

  Args:
    inputs: A [batch_size, max_seq_len, num_tags] tensor of unary potentials.
    tag_bitmap: A [batch_size, max_seq_len, num_tags] boolean tensor of the
      tags allowed at each step.
    sequence_lengths: A [batch_size] vector of true sequence lengths.
    transition_params: A [num_tags, num_tags] transition matrix.

  Returns:
    sequence_scores: A [batch_size] vector of unnormalized sequence scores.
    As in TF1, when max_seq_len is 1 the score ignores sequence_lengths.

  Raises:
    ValueError: if the shapes do not fit together.
  """
  inputs = _check_inputs(inputs)
  tag_bitmap = tf.convert_to_tensor(tag_bitmap, name="tag_bitmap")
  if not tag_bitmap.shape.is_compatible_with(inputs.shape):
    raise ValueError("tag_bitmap must have the shape of inputs %s, got %s" %
                     (inputs.shape, tag_bitmap.shape))
  filtered = tf.where(tag_bitmap, inputs,
                      tf.fill(tf.shape(inputs),
                              tf.constant(-np.inf, inputs.dtype)))

  def single_seq_fn():
    return tf.reduce_logsumexp(filtered, axis=[1, 2])

  def multi_seq_fn():
    return crf_log_norm(filtered, sequence_lengths, transition_params)

  return _by_length(inputs, single_seq_fn, multi_seq_fn)


def crf_log_norm(inputs, sequence_lengths, transition_params):
  """Computes the normalization for a CRF (the forward algorithm).

  Args:
    inputs: A [batch_size, max_seq_len, num_tags] tensor of unary potentials
      to use as input to the CRF layer.
    sequence_lengths: A [batch_size] vector of true sequence lengths.
    transition_params: A [num_tags, num_tags] transition matrix.

  Returns:
    log_norm: A [batch_size] vector of normalizers for a CRF: the
    log-sum-exp of the scores of all tag sequences (0 for length 0).

  Raises:
    ValueError: if the shapes do not fit together or a sequence length
      exceeds max_seq_len (when known statically).
  """
  inputs = _check_inputs(inputs)
  transition_params = _check_transitions(transition_params, _dim(inputs, 2))
  sequence_lengths, checks = _check_lengths(sequence_lengths,
                                            _max_seq_len(inputs))
  (inputs,) = _with_checks(checks, (inputs,))
  first_input = inputs[:, 0, :]

  def single_seq_fn():
    return _zero_if_empty(tf.reduce_logsumexp(first_input, [1]),
                          sequence_lengths)

  def multi_seq_fn():
    # alpha_t[j] = x_t[j] + logsumexp_i(alpha_{t-1}[i] + A[i, j]), carried
    # unchanged past each sequence's end by dynamic_rnn.
    _, alphas = tf.compat.v1.nn.dynamic_rnn(
        cell=CrfForwardRnnCell(transition_params),
        inputs=inputs[:, 1:, :],
        sequence_length=tf.maximum(
            tf.constant(0, sequence_lengths.dtype), sequence_lengths - 1),
        initial_state=first_input,
        dtype=inputs.dtype)
    return _zero_if_empty(tf.reduce_logsumexp(alphas, [1]), sequence_lengths)

  return _by_length(inputs, single_seq_fn, multi_seq_fn)


def crf_log_likelihood(inputs,
                       tag_indices,
                       sequence_lengths,
                       transition_params=None):
  """Computes the log-likelihood of tag sequences in a CRF.

  Args:
    inputs: A [batch_size, max_seq_len, num_tags] tensor of unary potentials
      to use as input to the CRF layer.
    tag_indices: A [batch_size, max_seq_len] matrix of tag indices for which
      we compute the log-likelihood.
    sequence_lengths: A [batch_size] vector of true sequence lengths.
    transition_params: A [num_tags, num_tags] transition matrix, if
      available. If None, a variable `transitions` of that shape is created
      (or reused) with `tf.compat.v1.get_variable` in the current variable
      scope, as TF1 did.

  Returns:
    log_likelihood: A [batch_size] `Tensor` containing the log-likelihood of
      each example, given the sequence of tag indices.
    transition_params: A [num_tags, num_tags] transition matrix. This is
      either provided by the caller or created in this function.

  Raises:
    ValueError: if the shapes do not fit together, a sequence length exceeds
      max_seq_len or a tag is out of range (when known statically), or if
      num_tags is unknown and the transitions must be created.
  """
  inputs = _check_inputs(inputs)
  num_tags = _dim(inputs, 2)
  if transition_params is None:
    if num_tags is None:
      raise ValueError("inputs.shape[2] (num_tags) must be known to create "
                       "the transitions variable, got shape %s" %
                       inputs.shape)
    transition_params = tf.compat.v1.get_variable(
        "transitions", [num_tags, num_tags], dtype=inputs.dtype)
  sequence_scores = crf_sequence_score(inputs, tag_indices, sequence_lengths,
                                       transition_params)
  log_norm = crf_log_norm(inputs, sequence_lengths, transition_params)
  return sequence_scores - log_norm, transition_params


def crf_unary_score(tag_indices, sequence_lengths, inputs):
  """Computes the unary scores of tag sequences.

  Args:
    tag_indices: A [batch_size, max_seq_len] matrix of tag indices.
    sequence_lengths: A [batch_size] vector of true sequence lengths.
    inputs: A [batch_size, max_seq_len, num_tags] tensor of unary potentials.

  Returns:
    unary_scores: A [batch_size] vector of unary scores: the sum over each
    sequence's steps of `inputs[b, t, tag_indices[b, t]]`.
  """
  inputs = _check_inputs(inputs)
  tag_indices = tf.convert_to_tensor(tag_indices, name="tag_indices")
  picked = tf.gather(inputs, tag_indices[:, :, None], batch_dims=2)[:, :, 0]
  masks = tf.sequence_mask(sequence_lengths, tf.shape(tag_indices)[1],
                           dtype=inputs.dtype)
  return tf.reduce_sum(picked * masks, 1)


def crf_binary_score(tag_indices, sequence_lengths, transition_params):
  """Computes the binary scores of tag sequences.

  Args:
    tag_indices: A [batch_size, max_seq_len] matrix of tag indices.
    sequence_lengths: A [batch_size] vector of true sequence lengths.
    transition_params: A [num_tags, num_tags] matrix of binary potentials.

  Returns:
    binary_scores: A [batch_size] vector of binary scores: the sum over each
    sequence's steps t > 0 of `transition_params[tag[t - 1], tag[t]]`.
  """
  tag_indices = tf.convert_to_tensor(tag_indices, name="tag_indices")
  transition_params = tf.convert_to_tensor(transition_params,
                                           name="transition_params")
  num_tags = tf.shape(transition_params, out_type=tag_indices.dtype)[0]
  # Index of A[tag[t - 1], tag[t]] in the flattened matrix, for t >= 1.
  flat_indices = tag_indices[:, :-1] * num_tags + tag_indices[:, 1:]
  scores = tf.gather(tf.reshape(transition_params, [-1]), flat_indices)
  masks = tf.sequence_mask(sequence_lengths, tf.shape(tag_indices)[1],
                           dtype=transition_params.dtype)
  return tf.reduce_sum(scores * masks[:, 1:], 1)


# -- Cells ------------------------------------------------------------------

class _CrfCell(rnn_cell.RNNCell):
  """A variable-free cell: called without a variable scope, as in TF1."""

  def __call__(self, inputs, state, scope=None):
    del scope  # Unused: nothing is created.
    return self.call(inputs, state)


class _CrfTransitionCell(_CrfCell):
  """A `_CrfCell` over transition params; its state is one score per tag."""

  def __init__(self, transition_params):
    """Initialize the cell.

    Args:
      transition_params: A [num_tags, num_tags] matrix of binary potentials
        with num_tags known statically.
    """
    super().__init__()
    transition_params = tf.convert_to_tensor(transition_params,
                                             name="transition_params")
    self._transition_params = transition_params[None]  # [1, from, to]
    self._num_tags = _dim(transition_params, 0)

  @property
  def state_size(self):
    return self._num_tags

  @property
  def output_size(self):
    return self._num_tags


class CrfForwardRnnCell(_CrfTransitionCell):
  """Computes the alpha values in a linear-chain CRF.

  See http://www.cs.columbia.edu/~mcollins/fb.pdf for reference.
  """

  def call(self, inputs, state):
    """new_alphas[b, j] = inputs[b, j] + logsumexp_i(state[b, i] + A[i, j]).

    Args:
      inputs: A [batch_size, num_tags] matrix of unary potentials.
      state: A [batch_size, num_tags] matrix of the previous alpha values.

    Returns:
      `(new_alphas, new_alphas)`, each [batch_size, num_tags].
    """
    scores = state[:, :, None] + self._transition_params
    new_alphas = inputs + tf.reduce_logsumexp(scores, [1])
    return new_alphas, new_alphas


class CrfDecodeForwardRnnCell(_CrfTransitionCell):
  """Computes the forward decoding in a linear-chain CRF."""

  def call(self, inputs, state):
    """One Viterbi step.

    Args:
      inputs: A [batch_size, num_tags] matrix of unary potentials.
      state: A [batch_size, num_tags] matrix of the previous step's best
        scores ending in each tag.

    Returns:
      backpointers: A [batch_size, num_tags] int32 matrix: the best previous
        tag for each tag.
      new_state: A [batch_size, num_tags] matrix of new best scores.
    """
    scores = state[:, :, None] + self._transition_params  # [B, from, to]
    new_state = inputs + tf.reduce_max(scores, [1])
    backpointers = tf.cast(tf.argmax(scores, 1), tf.int32)
    return backpointers, new_state


class CrfDecodeBackwardRnnCell(_CrfCell):
  """Computes backward decoding in a linear-chain CRF."""

  def __init__(self, num_tags):
    """Initialize the CrfDecodeBackwardRnnCell.

    Args:
      num_tags: An integer. The number of tags.
    """
    super().__init__()
    self._num_tags = num_tags

  @property
  def state_size(self):
    return 1

  @property
  def output_size(self):
    return 1

  def call(self, inputs, state):
    """Follows one backpointer.

    Args:
      inputs: A [batch_size, num_tags] matrix of the backpointers of the next
        step (in time order).
      state: A [batch_size, 1] matrix of the tag index of the next step.

    Returns:
      `(new_tags, new_tags)`, each [batch_size, 1]: the previous tags.
    """
    new_tags = tf.gather(inputs, state, batch_dims=1)
    return new_tags, new_tags


# -- Decoding ---------------------------------------------------------------

def viterbi_decode(score, transition_params):
  """Decode the highest scoring sequence of tags outside of TensorFlow.

  This should only be used at test time.

  Args:
    score: A [seq_len, num_tags] matrix of unary potentials.
    transition_params: A [num_tags, num_tags] matrix of binary potentials.

  Returns:
    viterbi: A [seq_len] list of integers containing the highest scoring tag
      indices.
    viterbi_score: A float containing the score for the Viterbi sequence.

  Raises:
    ValueError: if `score` is not [seq_len >= 1, num_tags] or
      `transition_params` is not [num_tags, num_tags].
  """
  score = np.asarray(score)
  transition_params = np.asarray(transition_params)
  if score.ndim != 2 or score.shape[0] < 1:
    raise ValueError("score must have shape [seq_len, num_tags] with "
                     "seq_len >= 1, got shape %s" % (score.shape,))
  num_tags = score.shape[1]
  if transition_params.shape != (num_tags, num_tags):
    raise ValueError("transition_params must have shape [num_tags, num_tags] "
                     "with num_tags = %d (score.shape[1]), got shape %s" %
                     (num_tags, transition_params.shape))
  best = np.zeros_like(score)  # best[t, j]: best score of a path ending in j.
  backpointers = np.zeros(score.shape, dtype=np.int32)
  best[0] = score[0]
  for t in range(1, score.shape[0]):
    candidates = best[t - 1][:, None] + transition_params  # [from, to]
    best[t] = score[t] + candidates.max(0)
    backpointers[t] = candidates.argmax(0)
  viterbi = [np.argmax(best[-1])]
  for t in range(score.shape[0] - 1, 0, -1):
    viterbi.append(backpointers[t][viterbi[-1]])
  viterbi.reverse()
  return viterbi, np.max(best[-1])


def crf_decode(potentials, transition_params, sequence_length):
  """Decode the highest scoring sequence of tags in TensorFlow.

  Args:
    potentials: A [batch_size, max_seq_len, num_tags] tensor of unary
      potentials.
    transition_params: A [num_tags, num_tags] matrix of binary potentials.
    sequence_length: A [batch_size] vector of true sequence lengths.

  Returns:
    decode_tags: A [batch_size, max_seq_len] matrix, with dtype `tf.int32`.
      Contains the highest scoring tag indices (past a sequence's length the
      values are TF1's filler, not tags to use).
    best_score: A [batch_size] vector, containing the score of `decode_tags`.

  Raises:
    ValueError: if the shapes do not fit together, num_tags is unknown or a
      sequence length exceeds max_seq_len (when known statically).
  """
  potentials = _check_inputs(potentials, "potentials")
  num_tags = _dim(potentials, 2)
  transition_params = _check_transitions(transition_params, num_tags)
  sequence_length, checks = _check_lengths(
      sequence_length, _max_seq_len(potentials), "sequence_length")
  (potentials,) = _with_checks(checks, (potentials,))

  def single_seq_fn():
    first = potentials[:, 0, :]
    tags = tf.cast(tf.argmax(first, axis=1), tf.int32)[:, None]
    return tags, tf.reduce_max(first, axis=1)

  def multi_seq_fn():
    if num_tags is None:
      raise ValueError("potentials.shape[2] (num_tags) must be known, got "
                       "shape %s" % potentials.shape)
    lengths_less_one = tf.maximum(tf.constant(0, sequence_length.dtype),
                                  sequence_length - 1)
    # Forward: best scores and, per step, the best previous tag.
    backpointers, last_score = tf.compat.v1.nn.dynamic_rnn(
        CrfDecodeForwardRnnCell(transition_params),
        inputs=potentials[:, 1:, :],
        sequence_length=lengths_less_one,
        initial_state=potentials[:, 0, :],
        dtype=tf.int32)  # The outputs' dtype (the state's is the input's).
    backpointers = tf.reverse_sequence(backpointers, lengths_less_one,
                                       seq_axis=1, batch_axis=0)
    # Backward: from the best last tag, follow the backpointers.
    last_tag = tf.cast(tf.argmax(last_score, axis=1), tf.int32)[:, None]
    earlier_tags, _ = tf.compat.v1.nn.dynamic_rnn(
        CrfDecodeBackwardRnnCell(num_tags),
        inputs=backpointers,
        sequence_length=lengths_less_one,
        initial_state=last_tag,
        dtype=tf.int32)
    decode_tags = tf.concat([last_tag, earlier_tags[:, :, 0]], axis=1)
    decode_tags = tf.reverse_sequence(decode_tags, sequence_length,
                                      seq_axis=1, batch_axis=0)
    return decode_tags, tf.reduce_max(last_score, axis=1)

  return _by_length(potentials, single_seq_fn, multi_seq_fn)
