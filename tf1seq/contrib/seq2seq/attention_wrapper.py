"""TF1's `tf.contrib.seq2seq` attention, Keras-free.

Attention mechanisms score a decoder's query against an encoder's memory
(`BahdanauAttention`, additive; `LuongAttention`, multiplicative; and their
monotonic variants), and `AttentionWrapper` wraps an RNN cell so that every
step attends over the memory. The memory, query and attention layers are
`tf1seq.layers.Dense` layers and the score variables come from
`get_variable`, so a graph has TensorFlow 1.15's variable names
(`memory_layer/kernel`, `rnn/attention_wrapper/bahdanau_attention/
attention_v`, `rnn/attention_wrapper/attention_layer/kernel`, ...) and TF1
checkpoints restore.

Usage:

  from tf1seq import rnn_cell
  from tf1seq.contrib.seq2seq import attention_wrapper

  mechanism = attention_wrapper.BahdanauAttention(
      num_units=16, memory=encoder_outputs,            # [batch, time, depth]
      memory_sequence_length=source_lengths)
  cell = attention_wrapper.AttentionWrapper(
      rnn_cell.LSTMCell(32), mechanism, attention_layer_size=24,
      alignment_history=True)
  outputs, state = tf.compat.v1.nn.dynamic_rnn(
      cell, decoder_inputs, dtype=tf.float32)
  alignments = state.alignment_history.stack()   # [time, batch, memory time]
"""

import collections
import functools
import math

import numpy as np
import tensorflow as tf

from tf1seq import layers
from tf1seq import rnn_cell

__all__ = [
    "AttentionMechanism",
    "AttentionWrapper",
    "AttentionWrapperState",
    "BahdanauAttention",
    "BahdanauMonotonicAttention",
    "LuongAttention",
    "LuongMonotonicAttention",
    "hardmax",
    "monotonic_attention",
    "safe_cumprod",
]


def _static_dim(dimension):
  """An int or None from a `Dimension`, int or None (TF1 and TF2 shapes)."""
  return tf.compat.dimension_value(dimension)


def _dim_or_tensor(tensor, axis):
  """The size of `axis`: a Python int when static, else a scalar tensor."""
  static = _static_dim(tensor.shape[axis])
  return static if static is not None else tf.shape(tensor)[axis]


def _static_value(value):
  """A Python int from an int or a constant scalar tensor, else None."""
  if isinstance(value, (tf.Tensor, tf.Variable)):
    static = tf.get_static_value(value)
    return None if static is None else int(static)
  return None if value is None else int(value)


def _shape_string(shape):
  """`[2, None, 6]` in both TF1 and TF2 behaviour (not `(2, ?, 6)`)."""
  return "unknown" if shape.ndims is None else str(shape.as_list())


def _zeros(size, batch_size, dtype):
  """A `[batch_size, size]` tensor of zeros, static shape where known."""
  zeros = tf.zeros(tf.stack([batch_size, size]), dtype=dtype)
  zeros.set_shape([_static_value(batch_size), _static_value(size)])
  return zeros


class AttentionMechanism(object):
  """The base type of attention mechanisms (`AttentionWrapper` checks it)."""

  @property
  def alignments_size(self):
    raise NotImplementedError

  @property
  def state_size(self):
    raise NotImplementedError


def _prepare_memory(memory, memory_sequence_length, check_inner_dims_defined):
  """Converts `memory` to tensors and zeroes rows past the sequence lengths.

  Args:
    memory: `[batch, max_time, ...]` tensor (or nested structure of them).
    memory_sequence_length: optional `[batch]` int tensor.
    check_inner_dims_defined: whether dimensions after the second must be
      known.

  Returns:
    The (masked) memory.

  Raises:
    ValueError: if `check_inner_dims_defined` and an inner dimension is
      unknown.
  """
  memory = tf.nest.map_structure(
      lambda m: tf.convert_to_tensor(m, name="memory"), memory)
  if check_inner_dims_defined:
    for m in tf.nest.flatten(memory):
      if not m.shape[2:].is_fully_defined():
        raise ValueError("memory must be [batch, max_time, ...] with known "
                         "dimensions after max_time, got shape %s" %
                         _shape_string(m.shape))
  if memory_sequence_length is None:
    return memory
  memory_sequence_length = tf.convert_to_tensor(
      memory_sequence_length, name="memory_sequence_length")
  first = tf.nest.flatten(memory)[0]
  mask = tf.sequence_mask(memory_sequence_length,
                          maxlen=tf.shape(first)[1], dtype=first.dtype)

  def apply_mask(m):
    # [batch, time] -> [batch, time, 1, ...] to broadcast over inner dims.
    rank = m.shape.ndims
    extra = (tf.ones([rank - 2], dtype=tf.int32) if rank is not None
             else tf.ones(tf.stack([tf.rank(m) - 2]), dtype=tf.int32))
    return m * tf.reshape(mask, tf.concat([tf.shape(mask), extra], 0))

  return tf.nest.map_structure(apply_mask, memory)


def _mask_score(score, memory_sequence_length, score_mask_value):
  """Sets scores past each memory's length to `score_mask_value`."""
  if memory_sequence_length is None:
    return score
  check = tf.compat.v1.assert_positive(
      memory_sequence_length,
      message="All values in memory_sequence_length must be greater than "
      "zero.")
  with tf.control_dependencies([check]):
    valid = tf.sequence_mask(memory_sequence_length,
                             maxlen=tf.shape(score)[1])
  return tf.compat.v1.where(valid, score,
                            score_mask_value * tf.ones_like(score))


class _BaseAttentionMechanism(AttentionMechanism):
  """Keys and values from the memory, and a masked probability function.

  At construction the memory is masked by `memory_sequence_length` and
  projected by `memory_layer` (a `memory_layer` Dense layer in the scope
  where the mechanism is made) into the keys. `__call__(query, state)`
  computes `self._score(query)` (subclasses define it; its variables go in
  a new variable scope named `self._scope`) and turns it into alignments
  with `self._probability_fn(score, state)`, which first masks scores past
  the memory's lengths. A subclass may define its own `__call__` instead.
  """

  _scope = "attention"

  def __init__(self, query_layer, memory, probability_fn,
               memory_sequence_length=None, memory_layer=None,
               check_inner_dims_defined=True, score_mask_value=None,
               custom_key_value_fn=None, name=None):
    """Prepares the memory.

    Args:
      query_layer: optional layer applied to the query; its depth must match
        the keys'.
      memory: `[batch_size, max_time, ...]`, usually an encoder's outputs.
      probability_fn: `fn(score, previous_alignments) -> probabilities`.
      memory_sequence_length: optional `[batch_size]` lengths; memory rows
        past them are zeroed and their scores masked.
      memory_layer: optional layer making the keys from the memory.
      check_inner_dims_defined: require the memory's dimensions after
        `max_time` to be known.
      score_mask_value: the masked scores' value (default -inf).
      custom_key_value_fn: optional `fn(keys, values) -> (keys, values)`.
      name: the name scope of the memory's preparation.

    Raises:
      TypeError: if a layer or `probability_fn` is not callable.
      ValueError: if the memory's inner dimensions are unknown.
    """
    for arg, layer in (("query_layer", query_layer),
                       ("memory_layer", memory_layer)):
      if layer is not None and not callable(layer):
        raise TypeError("%s must be a layer, got %s" %
                        (arg, type(layer).__name__))
    if not callable(probability_fn):
      raise TypeError("probability_fn must be callable, got %s" %
                      type(probability_fn).__name__)
    self._query_layer = query_layer
    self._memory_layer = memory_layer
    self.dtype = getattr(memory_layer, "dtype", None) or tf.float32
    if score_mask_value is None:
      score_mask_value = tf.as_dtype(self.dtype).as_numpy_dtype(-np.inf)
    self._probability_fn = lambda score, previous: probability_fn(
        _mask_score(score, memory_sequence_length, score_mask_value),
        previous)
    with tf.compat.v1.name_scope(name, "BaseAttentionMechanismInit",
                                 tf.nest.flatten(memory)):
      self._values = _prepare_memory(memory, memory_sequence_length,
                                     check_inner_dims_defined)
      self._keys = (self._memory_layer(self._values) if self._memory_layer
                    else self._values)
      if custom_key_value_fn is not None:
        self._keys, self._values = custom_key_value_fn(self._keys,
                                                       self._values)
      self._batch_size = _dim_or_tensor(self._keys, 0)
      self._alignments_size = _dim_or_tensor(self._keys, 1)

  @property
  def memory_layer(self):
    return self._memory_layer

  @property
  def query_layer(self):
    return self._query_layer

  @property
  def values(self):
    """The (masked) memory: `[batch_size, max_time, depth]`."""
    return self._values

  @property
  def keys(self):
    """The memory through `memory_layer`: `[batch_size, max_time, units]`."""
    return self._keys

  @property
  def batch_size(self):
    return self._batch_size

  @property
  def alignments_size(self):
    return self._alignments_size

  @property
  def state_size(self):
    return self._alignments_size

  def initial_alignments(self, batch_size, dtype):
    """Zeros `[batch_size, max_time]`: no step has attended yet."""
    return _zeros(self._alignments_size, batch_size, dtype)

  def _score(self, query):
    raise NotImplementedError("%s defines neither __call__ nor _score" %
                              type(self).__name__)

  def __call__(self, query, state):
    """Alignments of `query` over the memory.

    Args:
      query: `[batch_size, query_depth]` (Luong scores: `num_units`).
      state: the previous alignments, `[batch_size, max_time]`.

    Returns:
      `(alignments, next_state)`, both `[batch_size, max_time]`.
    """
    with tf.compat.v1.variable_scope(None, self._scope, [query]):
      score = self._score(query)
    alignments = self._probability_fn(score, state)
    return alignments, alignments

  def initial_state(self, batch_size, dtype):
    """The mechanism's first state: its initial alignments."""
    return self.initial_alignments(batch_size, dtype)


def _luong_score(query, keys, scale):
  """`scale * <query, key_t>` for every memory step t.

  Args:
    query: `[batch_size, depth]`.
    keys: `[batch_size, max_time, depth]`.
    scale: optional scalar.

  Returns:
    `[batch_size, max_time]` scores.

  Raises:
    ValueError: if the query's and the keys' depths differ.
  """
  depth = _static_dim(query.shape[-1])
  key_depth = _static_dim(keys.shape[-1])
  if depth != key_depth:
    raise ValueError(
        "LuongAttention: the query's depth must equal the keys' (num_units "
        "%s), got query depth %s; set num_units to the query's (the cell "
        "output's) depth" % (key_depth, depth))
  score = tf.squeeze(
      tf.matmul(tf.expand_dims(query, 1), keys, transpose_b=True), [1])
  return score if scale is None else scale * score


def _bahdanau_score(processed_query, keys, attention_v, attention_g=None,
                    attention_b=None):
  """`sum(v * tanh(keys + query))`, or its weight-normalized form.

  Args:
    processed_query: `[batch_size, num_units]`.
    keys: `[batch_size, max_time, num_units]`.
    attention_v: `[num_units]`.
    attention_g: optional scalar; with `attention_b`, `v` becomes
      `g * v / ||v||` and `attention_b` is added inside the tanh.
    attention_b: optional `[num_units]`.

  Returns:
    `[batch_size, max_time]` scores.
  """
  processed_query = tf.expand_dims(processed_query, 1)
  if attention_g is not None and attention_b is not None:
    v = attention_g * attention_v * tf.math.rsqrt(
        tf.reduce_sum(tf.square(attention_v)))
    return tf.reduce_sum(v * tf.tanh(keys + processed_query + attention_b),
                         [2])
  return tf.reduce_sum(attention_v * tf.tanh(keys + processed_query), [2])


def _bahdanau_variables(num_units, normalize, dtype):
  """`attention_v` (and `attention_g`, `attention_b`) in the current scope."""
  attention_v = tf.compat.v1.get_variable("attention_v", [num_units],
                                          dtype=dtype)
  if not normalize:
    return attention_v, None, None
  attention_g = tf.compat.v1.get_variable(
      "attention_g", shape=(), dtype=dtype,
      initializer=tf.compat.v1.constant_initializer(
          math.sqrt(1. / num_units)))
  attention_b = tf.compat.v1.get_variable(
      "attention_b", [num_units], dtype=dtype,
      initializer=tf.compat.v1.zeros_initializer())
  return attention_v, attention_g, attention_b


def _luong_scale(scale, dtype):
  """The `attention_g` scalar (initially 1) when `scale`, else None."""
  if not scale:
    return None
  return tf.compat.v1.get_variable(
      "attention_g", shape=(), dtype=dtype,
      initializer=tf.compat.v1.ones_initializer())


def _scaled_luong_score(query, keys, scale):
  """`_luong_score` with its `attention_g` variable when `scale`."""
  return _luong_score(query, keys, _luong_scale(scale, query.dtype))


def _projected_bahdanau_score(query, query_layer, keys, num_units,
                              normalize):
  """`_bahdanau_score` of the projected query, with its variables."""
  processed_query = query_layer(query) if query_layer else query
  return _bahdanau_score(processed_query, keys,
                         *_bahdanau_variables(num_units, normalize,
                                              query.dtype))


def _wrap_probability_fn(probability_fn):
  """`fn(score)` (default softmax) as `fn(score, previous_alignments)`."""
  probability_fn = probability_fn or tf.nn.softmax
  if not callable(probability_fn):
    raise TypeError("probability_fn must be callable, got %s" %
                    type(probability_fn).__name__)
  return lambda score, _: probability_fn(score)


class LuongAttention(_BaseAttentionMechanism):
  """Multiplicative attention: `score_t = g * <query, W_m memory_t>`.

  Luong, Pham, Manning, "Effective Approaches to Attention-based Neural
  Machine Translation", EMNLP 2015. With `scale=True` a learned scalar
  `attention_g` (initially 1) multiplies the score. The query (the cell's
  output) is used as it is, so `num_units` must equal its depth.
  """

  def __init__(self, num_units, memory, memory_sequence_length=None,
               scale=False, probability_fn=None, score_mask_value=None,
               dtype=None, custom_key_value_fn=None, name="LuongAttention"):
    """Creates the mechanism and the `memory_layer` keys.

    Args:
      num_units: the keys' depth; must equal the query's depth.
      memory: `[batch_size, max_time, ...]` tensor.
      memory_sequence_length: optional `[batch_size]` lengths.
      scale: learn a scalar `attention_g` multiplying the scores.
      probability_fn: `fn(score) -> probabilities`; default
        `tf.nn.softmax` (also `hardmax`, sparsemax, ...).
      score_mask_value: the masked scores' value; default -inf.
      dtype: the layers' dtype; default float32.
      custom_key_value_fn: optional `fn(keys, values) -> (keys, values)`.
      name: the name scope.
    """
    dtype = dtype or tf.float32
    super().__init__(
        query_layer=None,
        memory_layer=layers.Dense(num_units, name="memory_layer",
                                  use_bias=False, dtype=dtype),
        memory=memory, probability_fn=_wrap_probability_fn(probability_fn),
        memory_sequence_length=memory_sequence_length,
        score_mask_value=score_mask_value,
        custom_key_value_fn=custom_key_value_fn, name=name)
    self._num_units = num_units
    self._scale = scale
    self._name = name

  _scope = "luong_attention"

  def _score(self, query):
    return _scaled_luong_score(query, self._keys, self._scale)


class BahdanauAttention(_BaseAttentionMechanism):
  """Additive attention: `score_t = v . tanh(W_m memory_t + W_q query)`.

  Bahdanau, Cho, Bengio, "Neural Machine Translation by Jointly Learning to
  Align and Translate", ICLR 2015. With `normalize=True`, `v` is
  weight-normalized, `g * v / ||v||` (Salimans and Kingma 2016), and a bias
  `attention_b` is added inside the tanh.
  """

  def __init__(self, num_units, memory, memory_sequence_length=None,
               normalize=False, probability_fn=None, score_mask_value=None,
               dtype=None, custom_key_value_fn=None,
               name="BahdanauAttention"):
    """Creates the mechanism and the `memory_layer` keys.

    Args:
      num_units: the depth of the keys and of the projected query.
      memory: `[batch_size, max_time, ...]` tensor.
      memory_sequence_length: optional `[batch_size]` lengths.
      normalize: use the weight-normalized form.
      probability_fn: `fn(score) -> probabilities`; default
        `tf.nn.softmax`.
      score_mask_value: the masked scores' value; default -inf.
      dtype: the layers' dtype; default float32.
      custom_key_value_fn: optional `fn(keys, values) -> (keys, values)`.
      name: the name scope.
    """
    dtype = dtype or tf.float32
    super().__init__(
        query_layer=layers.Dense(num_units, name="query_layer",
                                 use_bias=False, dtype=dtype),
        memory_layer=layers.Dense(num_units, name="memory_layer",
                                  use_bias=False, dtype=dtype),
        memory=memory, probability_fn=_wrap_probability_fn(probability_fn),
        memory_sequence_length=memory_sequence_length,
        score_mask_value=score_mask_value,
        custom_key_value_fn=custom_key_value_fn, name=name)
    self._num_units = num_units
    self._normalize = normalize
    self._name = name

  _scope = "bahdanau_attention"

  def _score(self, query):
    return _projected_bahdanau_score(query, self.query_layer, self._keys,
                                     self._num_units, self._normalize)


def safe_cumprod(x, *args, **kwargs):
  """`cumprod(x)` computed as `exp(cumsum(log(x)))`, free of underflow.

  `x` is clipped to `[tiny, 1]` first, so it suits probabilities.

  Args:
    x: tensor of values in (0, 1].
    *args: passed to `tf.cumsum` (as to `tf.math.cumprod`: `axis`, ...).
    **kwargs: likewise (`axis`, `exclusive`, `reverse`).

  Returns:
    The cumulative product, shaped like `x`.
  """
  with tf.compat.v1.name_scope(None, "SafeCumprod", [x]):
    x = tf.convert_to_tensor(x, name="x")
    tiny = np.finfo(x.dtype.as_numpy_dtype).tiny
    return tf.exp(tf.cumsum(tf.math.log(tf.clip_by_value(x, tiny, 1)),
                            *args, **kwargs))


def monotonic_attention(p_choose_i, previous_attention, mode):
  """The monotonic attention distribution from choosing probabilities.

  Raffel et al., "Online and Linear-Time Attention by Enforcing Monotonic
  Alignments", ICML 2017: the memory is scanned left to right from where
  the previous step attended, stopping at entry i with probability
  `p_choose_i[i]`, so
  `attention[i] = p[i] * sum_{j<=i} previous[j] * prod_{j<=k<i} (1 - p[k])`.

  Args:
    p_choose_i: `[batch_size, max_time]` probabilities in [0, 1].
    previous_attention: `[batch_size, max_time]`, the previous step's
      attention (`[1, 0, ..., 0]` at the first step).
    mode: `'recursive'` (a `tf.scan`, exact), `'parallel'` (cumulative sums
      and products; approximate when probabilities are near 0 or 1) or
      `'hard'` (for probabilities that are exactly 0 or 1).

  Returns:
    `[batch_size, max_time]` attention.

  Raises:
    ValueError: for any other `mode`.
  """
  p_choose_i = tf.convert_to_tensor(p_choose_i, name="p_choose_i")
  previous_attention = tf.convert_to_tensor(previous_attention,
                                            name="previous_attention")
  if mode == "recursive":
    batch_size = _dim_or_tensor(p_choose_i, 0)
    # q[i] = (1 - p[i-1]) q[i-1] + previous[i]; attention = p * q.
    shifted_1mp = tf.concat(
        [tf.ones(tf.stack([batch_size, 1]), dtype=p_choose_i.dtype),
         1 - p_choose_i[:, :-1]], 1)
    q = tf.scan(
        lambda q_prev, step: tf.reshape(step[0] * q_prev + step[1],
                                        tf.stack([batch_size])),
        [tf.transpose(shifted_1mp), tf.transpose(previous_attention)],
        initializer=tf.zeros(tf.stack([batch_size]), dtype=p_choose_i.dtype))
    return p_choose_i * tf.transpose(q)
  if mode == "parallel":
    cumprod_1mp = safe_cumprod(1 - p_choose_i, axis=1, exclusive=True)
    # The clip keeps the division finite where the product has vanished.
    return p_choose_i * cumprod_1mp * tf.cumsum(
        previous_attention / tf.clip_by_value(cumprod_1mp, 1e-10, 1.),
        axis=1)
  if mode == "hard":
    # Entries before the previous choice cannot be chosen; keep the first
    # chosen one after it.
    p_choose_i *= tf.cumsum(previous_attention, axis=1)
    return p_choose_i * tf.math.cumprod(1 - p_choose_i, axis=1,
                                        exclusive=True)
  raise ValueError("mode must be 'recursive', 'parallel', or 'hard', got %r"
                   % (mode,))


def _monotonic_probability_fn(score, previous_alignments, sigmoid_noise, mode,
                              seed=None):
  """sigmoid(score + noise) as choosing probabilities, then monotonic."""
  if sigmoid_noise > 0:
    score += sigmoid_noise * tf.random.normal(tf.shape(score),
                                              dtype=score.dtype, seed=seed)
  if mode == "hard":
    p_choose_i = tf.cast(score > 0, score.dtype)
  else:
    p_choose_i = tf.sigmoid(score)
  return monotonic_attention(p_choose_i, previous_alignments, mode)


class _BaseMonotonicAttentionMechanism(_BaseAttentionMechanism):
  """Starts from attention on the first memory entry, `[1, 0, ..., 0]`."""

  def initial_alignments(self, batch_size, dtype):
    """One-hot on memory step 0: `[batch_size, max_time]`."""
    return tf.one_hot(tf.zeros(tf.stack([batch_size]), dtype=tf.int32),
                      self._alignments_size, dtype=dtype)


def _monotonic_probability(mode, sigmoid_noise, sigmoid_noise_seed):
  if mode not in ("recursive", "parallel", "hard"):
    raise ValueError("mode must be 'recursive', 'parallel', or 'hard', got "
                     "%r" % (mode,))
  return functools.partial(_monotonic_probability_fn,
                           sigmoid_noise=sigmoid_noise, mode=mode,
                           seed=sigmoid_noise_seed)


def _score_bias(initial_value, dtype):
  return tf.compat.v1.get_variable(
      "attention_score_bias", shape=(), dtype=dtype,
      initializer=tf.compat.v1.constant_initializer(initial_value))


class BahdanauMonotonicAttention(_BaseMonotonicAttentionMechanism):
  """Monotonic attention with the Bahdanau score plus a learned bias.

  Raffel et al. 2017: the score (as `BahdanauAttention`'s, plus a scalar
  `attention_score_bias`) goes through a sigmoid into choosing
  probabilities, then `monotonic_attention`.
  """

  def __init__(self, num_units, memory, memory_sequence_length=None,
               normalize=False, score_mask_value=None, sigmoid_noise=0.,
               sigmoid_noise_seed=None, score_bias_init=0.,
               mode="parallel", dtype=None,
               name="BahdanauMonotonicAttention"):
    """Creates the mechanism and the `memory_layer` keys.

    Args:
      num_units: the depth of the keys and of the projected query.
      memory: `[batch_size, max_time, ...]` tensor.
      memory_sequence_length: optional `[batch_size]` lengths.
      normalize: use the weight-normalized score.
      score_mask_value: the masked scores' value; default -inf.
      sigmoid_noise: standard deviation of the noise added before the
        sigmoid (0 at test time).
      sigmoid_noise_seed: its seed.
      score_bias_init: the initial score bias (negative for long memories).
      mode: `'parallel'`, `'recursive'` or `'hard'`; see
        `monotonic_attention`.
      dtype: the layers' dtype; default float32.
      name: the name scope.

    Raises:
      ValueError: for an unknown `mode`.
    """
    dtype = dtype or tf.float32
    super().__init__(
        query_layer=layers.Dense(num_units, name="query_layer",
                                 use_bias=False, dtype=dtype),
        memory_layer=layers.Dense(num_units, name="memory_layer",
                                  use_bias=False, dtype=dtype),
        memory=memory,
        probability_fn=_monotonic_probability(mode, sigmoid_noise,
                                              sigmoid_noise_seed),
        memory_sequence_length=memory_sequence_length,
        score_mask_value=score_mask_value, name=name)
    self._num_units = num_units
    self._normalize = normalize
    self._name = name
    self._score_bias_init = score_bias_init

  _scope = "bahdanau_monotonic_attention"

  def _score(self, query):
    score = _projected_bahdanau_score(query, self.query_layer, self._keys,
                                      self._num_units, self._normalize)
    return score + _score_bias(self._score_bias_init, score.dtype)


class LuongMonotonicAttention(_BaseMonotonicAttentionMechanism):
  """Monotonic attention with the Luong score plus a learned bias."""

  def __init__(self, num_units, memory, memory_sequence_length=None,
               scale=False, score_mask_value=None, sigmoid_noise=0.,
               sigmoid_noise_seed=None, score_bias_init=0.,
               mode="parallel", dtype=None, name="LuongMonotonicAttention"):
    """Creates the mechanism and the `memory_layer` keys.

    Args:
      num_units: the keys' depth; must equal the query's depth.
      memory: `[batch_size, max_time, ...]` tensor.
      memory_sequence_length: optional `[batch_size]` lengths.
      scale: learn a scalar `attention_g` multiplying the scores.
      score_mask_value: the masked scores' value; default -inf.
      sigmoid_noise: standard deviation of the pre-sigmoid noise.
      sigmoid_noise_seed: its seed.
      score_bias_init: the initial score bias.
      mode: `'parallel'`, `'recursive'` or `'hard'`.
      dtype: the layer's dtype; default float32.
      name: the name scope.

    Raises:
      ValueError: for an unknown `mode`.
    """
    dtype = dtype or tf.float32
    super().__init__(
        query_layer=None,
        memory_layer=layers.Dense(num_units, name="memory_layer",
                                  use_bias=False, dtype=dtype),
        memory=memory,
        probability_fn=_monotonic_probability(mode, sigmoid_noise,
                                              sigmoid_noise_seed),
        memory_sequence_length=memory_sequence_length,
        score_mask_value=score_mask_value, name=name)
    self._num_units = num_units
    self._scale = scale
    self._score_bias_init = score_bias_init
    self._name = name

  _scope = "luong_monotonic_attention"

  def _score(self, query):
    score = _scaled_luong_score(query, self._keys, self._scale)
    return score + _score_bias(self._score_bias_init, score.dtype)


class AttentionWrapperState(
    collections.namedtuple("AttentionWrapperState",
                           ("cell_state", "attention", "time", "alignments",
                            "alignment_history", "attention_state"))):
  """The state of an `AttentionWrapper`.

  Fields:
    cell_state: the wrapped cell's state.
    attention: `[batch_size, attention_size]`, the previous step's attention.
    time: int32 scalar, the step.
    alignments: the previous alignments (a tuple with several mechanisms).
    alignment_history: `TensorArray`(s) of every step's alignments when
      `alignment_history=True` (call `stack()`), else `()`.
    attention_state: the mechanisms' states.
  """
  __slots__ = ()

  def clone(self, **kwargs):
    """A copy with the fields in `kwargs` replaced, shapes checked.

    Usage: `state = cell.zero_state(batch, tf.float32).clone(
    cell_state=encoder_state)`.

    Args:
      **kwargs: fields to replace.

    Returns:
      A new `AttentionWrapperState`; each new tensor takes the static shape
      of the one it replaces.

    Raises:
      ValueError: if a new tensor's static shape contradicts the old one's.
    """
    def same_shape(field, old, new):
      if not (isinstance(old, tf.Tensor) and isinstance(new, tf.Tensor)):
        return new
      if not old.shape.is_compatible_with(new.shape):
        raise ValueError(
            "AttentionWrapperState.clone: %s must have the shape of the state "
            "it replaces, %s, got %s" %
            (field, _shape_string(old.shape), _shape_string(new.shape)))
      if not new.shape.is_fully_defined():
        new = tf.identity(new)
        new.set_shape(old.shape.merge_with(new.shape))
      return new

    replaced = self._replace(**kwargs)
    return AttentionWrapperState(**{
        field: tf.nest.map_structure(
            functools.partial(same_shape, field), getattr(self, field),
            getattr(replaced, field))
        for field in self._fields})


def hardmax(logits, name=None):
  """One-hot vectors at each row's largest logit.

  Args:
    logits: `[..., depth]` tensor.
    name: optional name scope.

  Returns:
    A tensor like `logits` with 1 at the argmax of the last axis, else 0.
  """
  with tf.compat.v1.name_scope(name, "Hardmax", [logits]):
    logits = tf.convert_to_tensor(logits, name="logits")
    return tf.one_hot(tf.argmax(logits, -1), _dim_or_tensor(logits, -1),
                      dtype=logits.dtype)


def _compute_attention(attention_mechanism, cell_output, attention_state,
                       attention_layer):
  """One mechanism's `(attention, alignments, next_attention_state)`."""
  alignments, next_attention_state = attention_mechanism(
      cell_output, state=attention_state)
  # context = sum_t alignments_t * values_t: [batch, 1, t] @ [batch, t, d].
  context = tf.squeeze(tf.matmul(tf.expand_dims(alignments, 1),
                                 attention_mechanism.values), [1])
  if attention_layer is not None:
    attention = attention_layer(tf.concat([cell_output, context], 1))
  else:
    attention = context
  return attention, alignments, next_attention_state


def _layer_output_size(layer, input_depth):
  """The output depth of a user's attention layer."""
  units = getattr(layer, "units", None)
  if isinstance(units, int):
    return units
  if hasattr(layer, "compute_output_shape"):
    return _static_dim(
        tf.TensorShape(layer.compute_output_shape([None, input_depth]))[-1])
  raise TypeError("attention_layer must have an int `units` or a "
                  "compute_output_shape method, got %s" %
                  type(layer).__name__)


def _leaves_with_paths(structure, path="state"):
  """`[(path, leaf)]`, paths like `state.alignments[1]`."""
  if isinstance(structure, tuple) and hasattr(structure, "_fields"):
    return [item for field, value in zip(structure._fields, structure)
            for item in _leaves_with_paths(value, "%s.%s" % (path, field))]
  if isinstance(structure, (tuple, list)):
    return [item for i, value in enumerate(structure)
            for item in _leaves_with_paths(value, "%s[%d]" % (path, i))]
  return [(path, structure)]


def _describe(structure):
  """`State(cell_state=(5, 5), ...)` or `(Tensor(2, 5), ...)` for messages."""
  if isinstance(structure, tuple) and hasattr(structure, "_fields"):
    return "%s(%s)" % (type(structure).__name__, ", ".join(
        "%s=%s" % (field, _describe(value))
        for field, value in zip(structure._fields, structure)))
  if isinstance(structure, (tuple, list)):
    return "(%s)" % ", ".join(_describe(value) for value in structure)
  if isinstance(structure, (tf.Tensor, tf.Variable)):
    if structure.shape.ndims is None:
      return "Tensor(?)"
    return "Tensor(%s)" % ", ".join(map(str, structure.shape.as_list()))
  if isinstance(structure, tf.TensorArray):
    return "TensorArray"
  return str(structure)


_TILE_HINT = (" Are you using the BeamSearchDecoder? You may need to tile "
              "your memory input via the tf.contrib.seq2seq.tile_batch "
              "function with argument multiple=beam_width.")


class AttentionWrapper(rnn_cell.RNNCell):
  """Wraps an RNN cell with attention over a memory.

  Each step: the cell reads `cell_input_fn(inputs, previous attention)`; its
  output queries each mechanism for alignments; the context (alignments
  times the memory) is, with `attention_layer_size`, concatenated with the
  cell output and projected by an `attention_layer` Dense layer. The step
  outputs the attention (or the cell output if `output_attention=False`).
  """

  def __init__(self, cell, attention_mechanism, attention_layer_size=None,
               alignment_history=False, cell_input_fn=None,
               output_attention=True, initial_cell_state=None, name=None,
               attention_layer=None, attention_fn=None, dtype=None):
    """Wraps `cell`.

    With a `BeamSearchDecoder`, tile the memory, its lengths and the
    encoder's state with `tile_batch(..., multiplier=beam_width)` and call
    `zero_state(batch_size * beam_width, ...)`.

    Args:
      cell: an RNN cell.
      attention_mechanism: an `AttentionMechanism` or a list of them.
      attention_layer_size: None (the attention is the context), an int, or
        with several mechanisms a list of ints, one per mechanism: the depth
        of each `attention_layer`.
      alignment_history: keep every step's alignments in the state
        (`TensorArray`s, time major).
      cell_input_fn: `fn(inputs, attention) -> cell inputs`; default
        concatenation on the last axis.
      output_attention: output the attention (Luong style, default) or the
        cell's output (Bahdanau style).
      initial_cell_state: the cell state `zero_state` returns.
      name: the variable scope; default `attention_wrapper`.
      attention_layer: instead of `attention_layer_size`, a layer (or one per
        mechanism) mapping `[cell_output, context]` to the attention.
      attention_fn: optional `fn(mechanism, cell_output, attention_state,
        attention_layer) -> (attention, alignments, next_attention_state)`.
      dtype: the cell's dtype.

    Raises:
      TypeError: if a mechanism is not an `AttentionMechanism`, or
        `cell_input_fn` is not callable.
      ValueError: if `attention_layer_size` (or `attention_layer`) does not
        have one entry per mechanism, if both are given, or if
        `initial_cell_state`'s batch size is not the memory's.
    """
    super().__init__(name=name, dtype=dtype)
    for attr in ("output_size", "state_size", "zero_state"):
      if not hasattr(cell, attr):
        raise TypeError("cell must be an RNNCell, got %s without %s" %
                        (type(cell).__name__, attr))
    if not callable(cell):
      raise TypeError("cell must be an RNNCell, got %s (not callable)" %
                      type(cell).__name__)
    self._is_multi = isinstance(attention_mechanism, (list, tuple))
    mechanisms = (tuple(attention_mechanism) if self._is_multi
                  else (attention_mechanism,))
    for mechanism in mechanisms:
      if not isinstance(mechanism, AttentionMechanism):
        raise TypeError("attention_mechanism must be an AttentionMechanism "
                        "or a list of them, got %s" %
                        type(mechanism).__name__)
    if cell_input_fn is None:
      cell_input_fn = lambda inputs, attention: tf.concat(
          [inputs, attention], -1)
    elif not callable(cell_input_fn):
      raise TypeError("cell_input_fn must be callable, got %s" %
                      type(cell_input_fn).__name__)
    if attention_layer_size is not None and attention_layer is not None:
      raise ValueError("Only one of attention_layer_size and attention_layer "
                       "should be set")
    if attention_layer_size is not None:
      sizes = (tuple(attention_layer_size)
               if isinstance(attention_layer_size, (list, tuple))
               else (attention_layer_size,))
      if len(sizes) != len(mechanisms):
        raise ValueError(
            "attention_layer_size must contain exactly one integer per "
            "attention_mechanism: expected %d, got %d (%r)" %
            (len(mechanisms), len(sizes), attention_layer_size))
      self._attention_layers = tuple(
          layers.Dense(size, name="attention_layer", use_bias=False,
                       dtype=mechanism.dtype)
          for size, mechanism in zip(sizes, mechanisms))
      self._attention_layer_size = sum(sizes)
    elif attention_layer is not None:
      self._attention_layers = (tuple(attention_layer)
                                if isinstance(attention_layer, (list, tuple))
                                else (attention_layer,))
      if len(self._attention_layers) != len(mechanisms):
        raise ValueError(
            "attention_layer must contain exactly one layer per "
            "attention_mechanism: expected %d, got %d" %
            (len(mechanisms), len(self._attention_layers)))
      self._attention_layer_size = sum(
          _layer_output_size(
              layer, cell.output_size + _static_dim(m.values.shape[-1]))
          for layer, m in zip(self._attention_layers, mechanisms))
    else:
      self._attention_layers = None
      self._attention_layer_size = sum(
          _static_dim(m.values.shape[-1]) for m in mechanisms)
    self._attention_fn = attention_fn or _compute_attention
    self._cell = cell
    self._attention_mechanisms = mechanisms
    self._cell_input_fn = cell_input_fn
    self._output_attention = output_attention
    self._alignment_history = alignment_history
    self._initial_cell_state = None
    if initial_cell_state is not None:
      with tf.compat.v1.name_scope(name, "AttentionWrapperInit"):
        last = tf.nest.flatten(initial_cell_state)[-1]
        checks = self._batch_size_checks(
            _dim_or_tensor(last, 0),
            "When constructing AttentionWrapper %s: the memory (encoder "
            "output) and initial_cell_state must have the same batch size." %
            self._base_name, "initial_cell_state")
        with tf.control_dependencies(checks):
          self._initial_cell_state = tf.nest.map_structure(
              lambda s: tf.identity(s, name="check_initial_cell_state"),
              initial_cell_state)

  def _batch_size_checks(self, batch_size, message, what):
    """Checks `batch_size` against every memory's batch size.

    Args:
      batch_size: an int or a scalar tensor.
      message: the start of the error message.
      what: the name of what has `batch_size`, for the message.

    Returns:
      Runtime assertions for the sizes not known statically.

    Raises:
      ValueError: if both sizes are known and differ.
    """
    checks = []
    static = _static_value(batch_size)
    for mechanism in self._attention_mechanisms:
      memory_static = _static_value(mechanism.batch_size)
      if static is not None and memory_static is not None:
        if static != memory_static:
          raise ValueError(
              "%s Expected batch size %d (the memory's), got %d from %s.%s" %
              (message, memory_static, static, what, _TILE_HINT))
      else:
        checks.append(tf.compat.v1.assert_equal(
            batch_size, mechanism.batch_size,
            message=message + " (%s vs the memory)." % what + _TILE_HINT))
    return checks

  def _item_or_tuple(self, seq):
    """A tuple with several mechanisms, else the single item."""
    items = tuple(seq)
    return items if self._is_multi else items[0]

  @property
  def output_size(self):
    if self._output_attention:
      return self._attention_layer_size
    return self._cell.output_size

  @property
  def state_size(self):
    """An `AttentionWrapperState` of sizes (`()` without history)."""
    return AttentionWrapperState(
        cell_state=self._cell.state_size,
        time=tf.TensorShape([]),
        attention=self._attention_layer_size,
        alignments=self._item_or_tuple(
            m.alignments_size for m in self._attention_mechanisms),
        attention_state=self._item_or_tuple(
            m.state_size for m in self._attention_mechanisms),
        alignment_history=self._item_or_tuple(
            m.alignments_size if self._alignment_history else ()
            for m in self._attention_mechanisms))

  def zero_state(self, batch_size, dtype):
    """The initial `AttentionWrapperState`.

    Args:
      batch_size: int or int32 scalar; with beam search,
        `batch_size * beam_width`.
      dtype: the state's dtype.

    Returns:
      An `AttentionWrapperState`: the cell's zero (or `initial_cell_state`),
      zero attention, the mechanisms' initial alignments, and empty
      `TensorArray`s if `alignment_history`.

    Raises:
      ValueError: if `batch_size` and the memory's batch size are both
        known and differ (else the check runs with the graph).
    """
    with tf.compat.v1.name_scope(type(self).__name__ + "ZeroState",
                                 values=[batch_size]):
      if self._initial_cell_state is not None:
        cell_state = self._initial_cell_state
      elif hasattr(self._cell, "get_initial_state"):
        cell_state = self._cell.get_initial_state(batch_size=batch_size,
                                                  dtype=dtype)
      else:
        cell_state = self._cell.zero_state(batch_size, dtype)
      checks = self._batch_size_checks(
          batch_size,
          "When calling zero_state of AttentionWrapper %s: the memory "
          "(encoder output) and the requested batch size must agree." %
          self._base_name, "zero_state's batch_size")
      with tf.control_dependencies(checks):
        cell_state = tf.nest.map_structure(
            lambda s: tf.identity(s, name="checked_cell_state"), cell_state)
      alignments = [m.initial_alignments(batch_size, dtype)
                    for m in self._attention_mechanisms]
      return AttentionWrapperState(
          cell_state=cell_state,
          time=tf.zeros([], dtype=tf.int32),
          attention=_zeros(self._attention_layer_size, batch_size, dtype),
          alignments=self._item_or_tuple(alignments),
          attention_state=self._item_or_tuple(
              m.initial_state(batch_size, dtype)
              for m in self._attention_mechanisms),
          alignment_history=self._item_or_tuple(
              tf.TensorArray(dtype, size=0, dynamic_size=True,
                             element_shape=a.shape)
              if self._alignment_history else () for a in alignments))

  def _check_call_args(self, inputs, state):
    """Checks the state's type, structure and depths before building."""
    del inputs  # Whatever cell_input_fn takes.
    if not isinstance(state, AttentionWrapperState):
      raise TypeError("Expected state to be instance of AttentionWrapperState."
                      " Received type %s instead." % type(state))
    expected = self.state_size
    try:
      tf.nest.assert_same_structure(expected, state, check_types=False)
    except (ValueError, TypeError):
      raise ValueError(
          "state must have the structure of this AttentionWrapper's "
          "state_size (%d attention mechanism(s), alignment_history=%s): "
          "expected %s, got %s" %
          (len(self._attention_mechanisms), self._alignment_history,
           _describe(expected), _describe(state))) from None
    for (path, size), (_, tensor) in zip(_leaves_with_paths(expected),
                                         _leaves_with_paths(state)):
      if not isinstance(tensor, tf.Tensor) or tensor.shape.ndims is None:
        continue
      want = tf.TensorShape(
          size if isinstance(size, (tf.TensorShape, list)) else
          [_static_value(size)])
      got = tensor.shape[1:]
      if not want.is_compatible_with(got):
        raise ValueError("%s must have shape [batch, %s], got %s" %
                         (path, ", ".join(map(str, want.as_list())),
                          _shape_string(tensor.shape)))

  def call(self, inputs, state):
    """One step of the attention-wrapped cell.

    Args:
      inputs: the step's inputs (what `cell_input_fn` takes).
      state: an `AttentionWrapperState`.

    Returns:
      `(output, next_state)`: the attention (or the cell's output) and the
      next `AttentionWrapperState`.

    Raises:
      ValueError: if the cell output's batch size and the memory's are both
        known and differ.
    """
    cell_inputs = self._cell_input_fn(inputs, state.attention)
    cell_output, next_cell_state = self._cell(cell_inputs, state.cell_state)
    checks = self._batch_size_checks(
        _dim_or_tensor(cell_output, 0),
        "When applying AttentionWrapper %s: the memory (encoder output) and "
        "the query (decoder output) must have the same batch size." %
        self.name, "the query")
    with tf.control_dependencies(checks):
      cell_output = tf.identity(cell_output, name="checked_cell_output")
    if self._is_multi:
      previous_states = state.attention_state
      previous_histories = state.alignment_history
    else:
      previous_states = [state.attention_state]
      previous_histories = [state.alignment_history]
    attentions, all_alignments, next_states, histories = [], [], [], []
    for i, mechanism in enumerate(self._attention_mechanisms):
      attention, alignments, next_attention_state = self._attention_fn(
          mechanism, cell_output, previous_states[i],
          self._attention_layers[i] if self._attention_layers else None)
      histories.append(
          previous_histories[i].write(state.time, alignments)
          if self._alignment_history else ())
      attentions.append(attention)
      all_alignments.append(alignments)
      next_states.append(next_attention_state)
    attention = tf.concat(attentions, 1)
    next_state = AttentionWrapperState(
        time=state.time + 1,
        cell_state=next_cell_state,
        attention=attention,
        attention_state=self._item_or_tuple(next_states),
        alignments=self._item_or_tuple(all_alignments),
        alignment_history=self._item_or_tuple(histories))
    return (attention if self._output_attention else cell_output), next_state
