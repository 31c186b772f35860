"""TF1's `tf.contrib.seq2seq` helpers: how a `BasicDecoder` reads its inputs.

A helper decides, at each step, which ids to emit (`sample`) and what the
next input is (`next_inputs`):

  TrainingHelper                      reads the given inputs (teacher forcing)
  GreedyEmbeddingHelper               embeds the argmax id
  SampleEmbeddingHelper               embeds an id sampled from the logits
  ScheduledEmbeddingTrainingHelper    sometimes embeds a sample instead
  ScheduledOutputTrainingHelper       sometimes feeds the output instead
  InferenceHelper, CustomHelper       user functions

Random choices use the same ops and seeds as TensorFlow 1.15, so a seeded
graph samples the same ids.

Usage:

  from tf1seq.contrib.seq2seq import helper
  greedy = helper.GreedyEmbeddingHelper(
      embedding, start_tokens=tf.fill([batch_size], GO), end_token=EOS)
"""

import abc

import tensorflow as tf

from tf1seq.contrib.seq2seq import decoder

__all__ = [
    "Helper",
    "TrainingHelper",
    "GreedyEmbeddingHelper",
    "SampleEmbeddingHelper",
    "CustomHelper",
    "ScheduledEmbeddingTrainingHelper",
    "ScheduledOutputTrainingHelper",
    "InferenceHelper",
]


def _reshape_samples(sample_n, sample_shape):
  """Draws `prod(sample_shape)` samples and shapes them `sample_shape + ..`."""
  with tf.compat.v1.name_scope(None, "call_sampler", [sample_shape]):
    sample_shape = tf.convert_to_tensor(sample_shape, dtype=tf.int32,
                                        name="sample_shape")
    sample_shape = tf.reshape(sample_shape, [-1])
    samples = sample_n(tf.reduce_prod(sample_shape))
    return tf.reshape(samples, tf.concat([sample_shape,
                                          tf.shape(samples)[1:]], 0))


def bernoulli_sample(probs=None, logits=None, dtype=tf.int32,
                     sample_shape=(), seed=None):
  """Samples Bernoulli(probs) with TF1's op: `random_uniform < probs`."""
  if probs is None:
    probs = tf.sigmoid(logits, name="probs")
  else:
    probs = tf.convert_to_tensor(probs, name="probs")
  batch_shape = tf.shape(probs)

  def sample_n(n):
    uniform = tf.compat.v1.random_uniform(
        tf.concat([[n], batch_shape], 0), seed=seed, dtype=probs.dtype)
    return tf.cast(tf.less(uniform, probs), dtype)

  return _reshape_samples(sample_n, sample_shape)


def categorical_sample(logits, dtype=tf.int32, sample_shape=(), seed=None):
  """Samples class ids from `logits` with TF1's `multinomial` op."""
  logits = tf.convert_to_tensor(logits, name="logits")
  num_classes = tf.shape(logits)[-1]
  batch_shape = tf.shape(logits)[:-1]

  def sample_n(n):
    logits_2d = (logits if logits.shape.ndims == 2 else
                 tf.reshape(logits, [-1, num_classes]))
    sample_dtype = tf.int64 if logits.dtype.size > 4 else tf.int32
    draws = tf.random.categorical(logits_2d, n, seed=seed,
                                  dtype=sample_dtype)
    draws = tf.reshape(tf.transpose(draws), tf.concat([[n], batch_shape], 0))
    return tf.cast(draws, dtype)

  return _reshape_samples(sample_n, sample_shape)


def _unstack_ta(inputs):
  """A TensorArray holding the time steps of time-major `inputs`."""
  return tf.TensorArray(dtype=inputs.dtype, size=tf.shape(inputs)[0],
                        element_shape=inputs.shape[1:]).unstack(inputs)


def embedding_lookup_fn(embedding):
  """`embedding` if callable, else a checked lookup in the params tensor.

  The lookup asserts at run time that every id is in `[0, vocab_size)`,
  so an output vocabulary larger than the embedding fails with a message
  naming both instead of reading garbage (on GPU) or an opaque gather error.

  Args:
    embedding: a callable of int ids, or an `embedding_lookup` params tensor
      or variable `[vocab_size, depth]`.

  Returns:
    A function of int ids returning their embeddings.
  """
  if callable(embedding):
    return embedding
  params = embedding

  def lookup(ids):
    with tf.compat.v1.name_scope("embedding_lookup_check"):
      vocab_size = tf.shape(params, out_type=ids.dtype)[0]
      in_range = tf.logical_and(tf.reduce_all(ids >= 0),
                                tf.reduce_all(ids < vocab_size))
      check = tf.debugging.Assert(
          in_range,
          ["ids fed to the embedding must be in [0, vocab_size) with "
           "vocab_size (embedding rows) =", vocab_size, "got ids", ids],
          summarize=20)
    with tf.control_dependencies([check]):
      return tf.nn.embedding_lookup(params, ids)

  return lookup


def check_ids_in_embedding(embedding, ids, arg_name):
  """Raises ValueError if static `ids` are outside a static embedding."""
  if callable(embedding):
    return
  shape = tf.TensorShape(getattr(embedding, "shape", None))
  if shape.ndims is None or shape.ndims < 1:
    return
  rows = tf.compat.dimension_value(shape[0])
  values = tf.get_static_value(ids)
  if rows is None or values is None:
    return
  bad = [int(v) for v in values.flatten() if v < 0 or v >= rows]
  if bad:
    raise ValueError("%s must be ids in [0, %d) (the embedding has %d rows), "
                     "got %s" % (arg_name, rows, rows, bad))


class Helper(metaclass=abc.ABCMeta):
  """Interface of the sampling helpers used by `BasicDecoder`."""

  @property
  @abc.abstractmethod
  def batch_size(self):
    """Batch size of `sample`'s result: an int32 scalar tensor."""
    raise NotImplementedError("batch_size has not been implemented")

  @property
  @abc.abstractmethod
  def sample_ids_shape(self):
    """`TensorShape` of one batch entry of `sample`'s result."""
    raise NotImplementedError("sample_ids_shape has not been implemented")

  @property
  @abc.abstractmethod
  def sample_ids_dtype(self):
    """DType of `sample`'s result."""
    raise NotImplementedError("sample_ids_dtype has not been implemented")

  @abc.abstractmethod
  def initialize(self, name=None):
    """Returns `(initial_finished, initial_inputs)`."""

  @abc.abstractmethod
  def sample(self, time, outputs, state, name=None):
    """Returns `sample_ids`."""

  @abc.abstractmethod
  def next_inputs(self, time, outputs, state, sample_ids, name=None):
    """Returns `(finished, next_inputs, next_state)`."""


class CustomHelper(Helper):
  """A helper made of three user functions."""

  def __init__(self, initialize_fn, sample_fn, next_inputs_fn,
               sample_ids_shape=None, sample_ids_dtype=None):
    """Creates the helper.

    Args:
      initialize_fn: `() -> (finished, next_inputs)` for the first step.
      sample_fn: `(time, outputs, state) -> sample_ids`.
      next_inputs_fn: `(time, outputs, state, sample_ids) -> (finished,
        next_inputs, next_state)`.
      sample_ids_shape: shape of one entry's sample ids; default scalar.
      sample_ids_dtype: their dtype; default int32.
    """
    self._initialize_fn = initialize_fn
    self._sample_fn = sample_fn
    self._next_inputs_fn = next_inputs_fn
    self._batch_size = None
    self._sample_ids_shape = tf.TensorShape(sample_ids_shape or [])
    self._sample_ids_dtype = sample_ids_dtype or tf.int32

  @property
  def batch_size(self):
    if self._batch_size is None:
      raise ValueError("batch_size accessed before initialize was called")
    return self._batch_size

  @property
  def sample_ids_shape(self):
    return self._sample_ids_shape

  @property
  def sample_ids_dtype(self):
    return self._sample_ids_dtype

  def initialize(self, name=None):
    with tf.compat.v1.name_scope(name,
                                 "%sInitialize" % type(self).__name__):
      finished, next_inputs = self._initialize_fn()
      if self._batch_size is None:
        self._batch_size = tf.size(finished)
    return finished, next_inputs

  def sample(self, time, outputs, state, name=None):
    with tf.compat.v1.name_scope(name, "%sSample" % type(self).__name__,
                                 (time, outputs, state)):
      return self._sample_fn(time=time, outputs=outputs, state=state)

  def next_inputs(self, time, outputs, state, sample_ids, name=None):
    with tf.compat.v1.name_scope(name, "%sNextInputs" % type(self).__name__,
                                 (time, outputs, state)):
      return self._next_inputs_fn(time=time, outputs=outputs, state=state,
                                  sample_ids=sample_ids)


class TrainingHelper(Helper):
  """Reads the given inputs step by step; samples are the argmax ids."""

  def __init__(self, inputs, sequence_length, time_major=False, name=None):
    """Creates the helper.

    Args:
      inputs: a (structure of) `[batch, time, ...]` tensors (`[time, batch,
        ...]` if `time_major`).
      sequence_length: int32 vector `[batch]`: an entry is finished after
        this many steps.
      time_major: whether `inputs` are time major.
      name: name scope of the ops created.

    Raises:
      ValueError: if `sequence_length` is not a vector.
    """
    with tf.compat.v1.name_scope(name, "TrainingHelper",
                                 tf.nest.flatten(inputs) + [sequence_length]):
      inputs = tf.nest.map_structure(
          lambda x: tf.convert_to_tensor(x, name="inputs"), inputs)
      self._inputs = inputs
      if not time_major:
        inputs = tf.nest.map_structure(decoder.transpose_batch_time, inputs)
      self._input_tas = tf.nest.map_structure(_unstack_ta, inputs)
      self._sequence_length = tf.convert_to_tensor(sequence_length,
                                                   name="sequence_length")
      if self._sequence_length.shape.ndims != 1:
        raise ValueError("Expected sequence_length to be a vector, but "
                         "received shape: %s" % self._sequence_length.shape)
      self._zero_inputs = tf.nest.map_structure(
          lambda x: tf.zeros_like(x[0, :]), inputs)
      self._batch_size = tf.size(self._sequence_length)

  @property
  def inputs(self):
    return self._inputs

  @property
  def sequence_length(self):
    return self._sequence_length

  @property
  def batch_size(self):
    return self._batch_size

  @property
  def sample_ids_shape(self):
    return tf.TensorShape([])

  @property
  def sample_ids_dtype(self):
    return tf.int32

  def _read_or_zeros(self, finished, time):
    """The inputs at `time`, or zeros once every entry is finished."""
    return tf.cond(
        tf.reduce_all(finished), lambda: self._zero_inputs,
        lambda: tf.nest.map_structure(lambda ta: ta.read(time),
                                      self._input_tas))

  def initialize(self, name=None):
    with tf.compat.v1.name_scope(name, "TrainingHelperInitialize"):
      finished = tf.equal(0, self._sequence_length)
      return finished, self._read_or_zeros(finished, 0)

  def sample(self, time, outputs, name=None, **unused_kwargs):
    with tf.compat.v1.name_scope(name, "TrainingHelperSample",
                                 [time, outputs]):
      return tf.cast(tf.argmax(outputs, axis=-1), tf.int32)

  def next_inputs(self, time, outputs, state, name=None, **unused_kwargs):
    with tf.compat.v1.name_scope(name, "TrainingHelperNextInputs",
                                 [time, outputs]):
      next_time = time + 1
      finished = next_time >= self._sequence_length
      return finished, self._read_or_zeros(finished, next_time), state


def _check_sampling_probability(sampling_probability):
  probability = tf.convert_to_tensor(sampling_probability,
                                     name="sampling_probability")
  if probability.shape.ndims not in (0, 1):
    raise ValueError("sampling_probability must be either a scalar or a "
                     "vector. saw shape: %s" % probability.shape)
  return probability


def _scatter_two(where_a, updates_a, where_b, updates_b, shape):
  """Rows `where_a` from `updates_a`, rows `where_b` from `updates_b`."""
  return (tf.scatter_nd(where_a, updates_a, shape) +
          tf.scatter_nd(where_b, updates_b, shape))


class ScheduledEmbeddingTrainingHelper(TrainingHelper):
  """A `TrainingHelper` that sometimes embeds a sampled id instead.

  With probability `sampling_probability` an entry's next input is the
  embedding of an id sampled from the outputs; its sample id is then that
  id, else -1.
  """

  def __init__(self, inputs, sequence_length, embedding,
               sampling_probability, time_major=False, seed=None,
               scheduling_seed=None, name=None):
    """Creates the helper.

    Args:
      inputs: as for `TrainingHelper`.
      sequence_length: as for `TrainingHelper`.
      embedding: a callable of ids, or the params of `embedding_lookup`.
      sampling_probability: float scalar or `[batch]` vector: the
        probability of feeding a sample instead of the input.
      time_major: whether `inputs` are time major.
      seed: seed of the id sampling.
      scheduling_seed: seed of the decision to sample.
      name: name scope of the ops created.

    Raises:
      ValueError: if `sampling_probability` is not a scalar or vector.
    """
    with tf.compat.v1.name_scope(name, "ScheduledEmbeddingSamplingWrapper",
                                 [embedding, sampling_probability]):
      self._embedding_fn = embedding_lookup_fn(embedding)
      self._sampling_probability = _check_sampling_probability(
          sampling_probability)
      self._seed = seed
      self._scheduling_seed = scheduling_seed
      super().__init__(inputs=inputs, sequence_length=sequence_length,
                       time_major=time_major, name=name)

  def sample(self, time, outputs, state, name=None):
    with tf.compat.v1.name_scope(name,
                                 "ScheduledEmbeddingTrainingHelperSample",
                                 [time, outputs, state]):
      select_sample = bernoulli_sample(
          probs=self._sampling_probability, dtype=tf.bool,
          sample_shape=self.batch_size, seed=self._scheduling_seed)
      return tf.compat.v1.where(
          select_sample, categorical_sample(logits=outputs, seed=self._seed),
          tf.fill([self.batch_size], -1))

  def next_inputs(self, time, outputs, state, sample_ids, name=None):
    with tf.compat.v1.name_scope(name,
                                 "ScheduledEmbeddingTrainingHelperNextInputs",
                                 [time, outputs, state, sample_ids]):
      finished, base_next_inputs, state = super().next_inputs(
          time=time, outputs=outputs, state=state, sample_ids=sample_ids,
          name=name)

      def maybe_sample():
        where_sampling = tf.cast(tf.compat.v1.where(sample_ids > -1),
                                 tf.int32)
        where_not_sampling = tf.cast(tf.compat.v1.where(sample_ids <= -1),
                                     tf.int32)
        sampled_inputs = self._embedding_fn(
            tf.gather_nd(sample_ids, where_sampling))
        kept_inputs = tf.gather_nd(base_next_inputs, where_not_sampling)
        return _scatter_two(where_sampling, sampled_inputs,
                            where_not_sampling, kept_inputs,
                            tf.shape(base_next_inputs))

      next_inputs = tf.cond(tf.reduce_all(finished),
                            lambda: base_next_inputs, maybe_sample)
      return finished, next_inputs, state


class ScheduledOutputTrainingHelper(TrainingHelper):
  """A `TrainingHelper` that sometimes feeds the output back instead.

  Sample ids are booleans: True where the output (through
  `next_inputs_fn`, concatenated with `auxiliary_inputs`) was fed.
  """

  def __init__(self, inputs, sequence_length, sampling_probability,
               time_major=False, seed=None, next_inputs_fn=None,
               auxiliary_inputs=None, name=None):
    """Creates the helper.

    Args:
      inputs: as for `TrainingHelper`.
      sequence_length: as for `TrainingHelper`.
      sampling_probability: float scalar or `[batch]` vector: the
        probability of feeding the output instead of the input.
      time_major: whether `inputs` (and `auxiliary_inputs`) are time major.
      seed: seed of the decision to sample.
      next_inputs_fn: optional function of the outputs giving the next
        inputs when sampling; default the outputs themselves.
      auxiliary_inputs: optional tensors shaped like `inputs` but for the
        last axis, concatenated to both the inputs and the fed outputs.
      name: name scope of the ops created.

    Raises:
      ValueError: if `sampling_probability` is not a scalar or vector.
    """
    with tf.compat.v1.name_scope(
        name, "ScheduledOutputTrainingHelper",
        tf.nest.flatten(inputs) + tf.nest.flatten(auxiliary_inputs) +
        [sampling_probability]):
      self._sampling_probability = _check_sampling_probability(
          sampling_probability)
      if auxiliary_inputs is None:
        maybe_concatenated_inputs = inputs
      else:
        inputs = tf.convert_to_tensor(inputs, name="inputs")
        auxiliary_inputs = tf.convert_to_tensor(auxiliary_inputs,
                                                name="auxiliary_inputs")
        maybe_concatenated_inputs = tf.nest.map_structure(
            lambda x, y: tf.concat((x, y), -1), inputs, auxiliary_inputs)
        if not time_major:
          auxiliary_inputs = tf.nest.map_structure(
              decoder.transpose_batch_time, auxiliary_inputs)
      self._auxiliary_input_tas = (
          None if auxiliary_inputs is None else
          tf.nest.map_structure(_unstack_ta, auxiliary_inputs))
      self._seed = seed
      self._next_inputs_fn = next_inputs_fn
      super().__init__(inputs=maybe_concatenated_inputs,
                       sequence_length=sequence_length,
                       time_major=time_major, name=name)

  def sample(self, time, outputs, state, name=None):
    with tf.compat.v1.name_scope(name, "ScheduledOutputTrainingHelperSample",
                                 [time, outputs, state]):
      return bernoulli_sample(probs=self._sampling_probability,
                              sample_shape=self.batch_size, seed=self._seed)

  def next_inputs(self, time, outputs, state, sample_ids, name=None):
    with tf.compat.v1.name_scope(name,
                                 "ScheduledOutputTrainingHelperNextInputs",
                                 [time, outputs, state, sample_ids]):
      finished, base_next_inputs, state = super().next_inputs(
          time=time, outputs=outputs, state=state, sample_ids=sample_ids,
          name=name)
      sample_ids = tf.cast(sample_ids, tf.bool)

      def with_auxiliary_inputs(outputs_, indices=None):
        if self._auxiliary_input_tas is None:
          return outputs_
        auxiliary = tf.nest.map_structure(lambda ta: ta.read(time + 1),
                                          self._auxiliary_input_tas)
        if indices is not None:
          auxiliary = tf.gather_nd(auxiliary, indices)
        return tf.nest.map_structure(lambda x, y: tf.concat((x, y), -1),
                                     outputs_, auxiliary)

      def maybe_sample():
        if self._next_inputs_fn is None:
          return tf.compat.v1.where(sample_ids, with_auxiliary_inputs(outputs),
                                    base_next_inputs)
        where_sampling = tf.cast(tf.compat.v1.where(sample_ids), tf.int32)
        where_not_sampling = tf.cast(
            tf.compat.v1.where(tf.logical_not(sample_ids)), tf.int32)
        sampled_inputs = with_auxiliary_inputs(
            self._next_inputs_fn(tf.gather_nd(outputs, where_sampling)),
            where_sampling)
        kept_inputs = tf.gather_nd(base_next_inputs, where_not_sampling)
        return _scatter_two(where_sampling, sampled_inputs,
                            where_not_sampling, kept_inputs,
                            tf.shape(base_next_inputs))

      no_samples = tf.logical_not(tf.reduce_any(sample_ids))
      next_inputs = tf.cond(
          tf.logical_or(tf.reduce_all(finished), no_samples),
          lambda: base_next_inputs, maybe_sample)
      return finished, next_inputs, state


class GreedyEmbeddingHelper(Helper):
  """Inference: the argmax id of the outputs (logits), embedded, is next."""

  def __init__(self, embedding, start_tokens, end_token):
    """Creates the helper.

    Args:
      embedding: a callable of int ids, or the params of `embedding_lookup`
        (`[vocab_size, depth]`); ids outside it fail at run time.
      start_tokens: int32 vector `[batch_size]`.
      end_token: int32 scalar: an entry is finished when it emits it.

    Raises:
      ValueError: if `start_tokens` is not a vector, `end_token` is not a
        scalar, or constant start tokens are outside a static embedding.
    """
    self._embedding_fn = embedding_lookup_fn(embedding)
    self._start_tokens = tf.convert_to_tensor(start_tokens, dtype=tf.int32,
                                              name="start_tokens")
    self._end_token = tf.convert_to_tensor(end_token, dtype=tf.int32,
                                           name="end_token")
    if self._start_tokens.shape.ndims != 1:
      raise ValueError("start_tokens must be a vector, got shape %s" %
                       self._start_tokens.shape)
    self._batch_size = tf.size(self._start_tokens)
    if self._end_token.shape.ndims != 0:
      raise ValueError("end_token must be a scalar, got shape %s" %
                       self._end_token.shape)
    check_ids_in_embedding(embedding, self._start_tokens, "start_tokens")
    self._start_inputs = self._embedding_fn(self._start_tokens)

  @property
  def batch_size(self):
    return self._batch_size

  @property
  def sample_ids_shape(self):
    return tf.TensorShape([])

  @property
  def sample_ids_dtype(self):
    return tf.int32

  def initialize(self, name=None):
    finished = tf.tile([False], [self._batch_size])
    return finished, self._start_inputs

  def _check_outputs(self, outputs):
    if not isinstance(outputs, tf.Tensor):
      raise TypeError("Expected outputs to be a single Tensor, got: %s" %
                      type(outputs))

  def sample(self, time, outputs, state, name=None):
    del time, state  # Unused.
    self._check_outputs(outputs)
    return tf.argmax(outputs, axis=-1, output_type=tf.int32)

  def next_inputs(self, time, outputs, state, sample_ids, name=None):
    del time, outputs  # Unused.
    finished = tf.equal(sample_ids, self._end_token)
    # Once all are finished the next inputs are never used.
    next_inputs = tf.cond(tf.reduce_all(finished),
                          lambda: self._start_inputs,
                          lambda: self._embedding_fn(sample_ids))
    return finished, next_inputs, state


class SampleEmbeddingHelper(GreedyEmbeddingHelper):
  """Inference: an id sampled from softmax(outputs / temperature) is next."""

  def __init__(self, embedding, start_tokens, end_token,
               softmax_temperature=None, seed=None):
    """Creates the helper.

    Args:
      embedding: as for `GreedyEmbeddingHelper`.
      start_tokens: as for `GreedyEmbeddingHelper`.
      end_token: as for `GreedyEmbeddingHelper`.
      softmax_temperature: optional float scalar > 0 dividing the logits.
      seed: optional sampling seed.

    Raises:
      ValueError: as for `GreedyEmbeddingHelper`.
    """
    super().__init__(embedding, start_tokens, end_token)
    self._softmax_temperature = softmax_temperature
    self._seed = seed

  def sample(self, time, outputs, state, name=None):
    del time, state  # Unused.
    self._check_outputs(outputs)
    logits = outputs
    if self._softmax_temperature is not None:
      logits = outputs / self._softmax_temperature
    return categorical_sample(logits=logits, seed=self._seed)


class InferenceHelper(Helper):
  """Inference with user functions: sample, end test, next inputs."""

  def __init__(self, sample_fn, sample_shape, sample_dtype, start_inputs,
               end_fn, next_inputs_fn=None):
    """Creates the helper.

    Args:
      sample_fn: `outputs -> sample_ids`.
      sample_shape: shape of one entry's sample ids.
      sample_dtype: their dtype.
      start_inputs: the first inputs, `[batch, ...]`.
      end_fn: `sample_ids -> bool [batch]`: which entries are finished.
      next_inputs_fn: optional `sample_ids -> next inputs`; default the
        sample ids themselves.
    """
    self._sample_fn = sample_fn
    self._end_fn = end_fn
    self._sample_shape = tf.TensorShape(sample_shape)
    self._sample_dtype = sample_dtype
    self._next_inputs_fn = next_inputs_fn
    self._batch_size = tf.shape(start_inputs)[0]
    self._start_inputs = tf.convert_to_tensor(start_inputs,
                                              name="start_inputs")

  @property
  def batch_size(self):
    return self._batch_size

  @property
  def sample_ids_shape(self):
    return self._sample_shape

  @property
  def sample_ids_dtype(self):
    return self._sample_dtype

  def initialize(self, name=None):
    finished = tf.tile([False], [self._batch_size])
    return finished, self._start_inputs

  def sample(self, time, outputs, state, name=None):
    del time, state  # Unused.
    return self._sample_fn(outputs)

  def next_inputs(self, time, outputs, state, sample_ids, name=None):
    del time, outputs  # Unused.
    if self._next_inputs_fn is None:
      next_inputs = sample_ids
    else:
      next_inputs = self._next_inputs_fn(sample_ids)
    return self._end_fn(sample_ids), next_inputs, state
