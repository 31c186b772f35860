"""TF1's `tf.contrib.seq2seq` decoder interface and `dynamic_decode`.

A `Decoder` says how to start (`initialize`) and how to take one step
(`step`); `dynamic_decode` runs the steps in a `tf.while_loop` until every
batch entry is finished (or `maximum_iterations`), collecting the outputs in
TensorArrays, exactly as TensorFlow 1.15's `tf.contrib.seq2seq` did.

Usage:

  from tf1seq.contrib.seq2seq import basic_decoder, decoder, helper
  training_helper = helper.TrainingHelper(inputs, lengths)
  my_decoder = basic_decoder.BasicDecoder(cell, training_helper,
                                          initial_state, output_layer)
  outputs, state, lengths = decoder.dynamic_decode(my_decoder,
                                                   scope="decoder")
  logits = outputs.rnn_output   # [batch, time, vocab]
"""

import abc

import tensorflow as tf

__all__ = ["Decoder", "dynamic_decode"]


def transpose_batch_time(x):
  """Swaps the first two axes of a tensor of rank >= 2; else returns it."""
  x = tf.convert_to_tensor(x)
  rank = x.shape.ndims
  if rank is not None and rank < 2:
    return x
  if rank is None:
    perm = tf.concat([[1, 0], tf.range(2, tf.rank(x))], 0)
    return tf.transpose(x, perm)
  result = tf.transpose(x, [1, 0] + list(range(2, rank)))
  shape = x.shape.as_list()
  result.set_shape([shape[1], shape[0]] + shape[2:])
  return result


def zero_outputs(size, dtype, batch_size):
  """Zeros `[batch_size] + s` for each size `s` (and dtype) of a structure."""

  def zeros(s, d):
    s = tf.TensorShape(s)
    static_batch = tf.get_static_value(batch_size)
    dims = tf.concat([tf.reshape(tf.cast(batch_size, tf.int32), [1]),
                      tf.constant(s.as_list(), dtype=tf.int32)], 0)
    result = tf.zeros(dims, dtype=d)
    result.set_shape(tf.TensorShape(
        [None if static_batch is None else int(static_batch)]).concatenate(s))
    return result

  return tf.nest.map_structure(zeros, size, dtype)


class Decoder(metaclass=abc.ABCMeta):
  """An RNN decoder: what `dynamic_decode` drives, TF1's interface.

  - `initialize()` returns `(finished, first_inputs, initial_state)`;
  - `step(time, inputs, state)` returns `(outputs, next_state, next_inputs,
    finished)`, `outputs` matching `output_size` / `output_dtype`;
  - `finalize(outputs, final_state, sequence_lengths)` (optional) post-
    processes the stacked outputs;
  - `tracks_own_finished`: True when the decoder reorders its batch entries
    (beam search) and so keeps its own `finished` flags.
  """

  @property
  def batch_size(self):
    """The batch size of input values."""
    raise NotImplementedError

  @property
  def output_size(self):
    """A (nested) int or `TensorShape`: the size of one step's outputs."""
    raise NotImplementedError

  @property
  def output_dtype(self):
    """A (nested) dtype matching `output_size`."""
    raise NotImplementedError

  @abc.abstractmethod
  def initialize(self, name=None):
    """Returns `(finished, initial_inputs, initial_state)`."""
    raise NotImplementedError

  @abc.abstractmethod
  def step(self, time, inputs, state, name=None):
    """Returns `(outputs, next_state, next_inputs, finished)`."""
    raise NotImplementedError

  def finalize(self, outputs, final_state, sequence_lengths):
    """Returns `(final_outputs, final_state)`; default: not implemented."""
    raise NotImplementedError

  @property
  def tracks_own_finished(self):
    """Whether `step`'s `finished` already includes earlier finishes."""
    return False


def _check_maximum_iterations(maximum_iterations):
  """Converts to an int32 scalar tensor; rejects static values <= 0."""
  if maximum_iterations is None:
    return None
  maximum_iterations = tf.convert_to_tensor(
      maximum_iterations, dtype=tf.int32, name="maximum_iterations")
  if maximum_iterations.shape.ndims != 0:
    raise ValueError("maximum_iterations must be a scalar, got shape %s" %
                     maximum_iterations.shape)
  static = tf.get_static_value(maximum_iterations)
  if static is not None and static <= 0:
    raise ValueError("maximum_iterations must be positive, got %d" % static)
  return maximum_iterations


def _element_shape(batch_size, size):
  """The static shape `[batch] + size` of one step's output, or None."""
  if not isinstance(size, tf.TensorShape) or size.ndims == 0:
    return None
  static_batch = tf.get_static_value(batch_size)
  return tf.TensorShape(
      [None if static_batch is None else int(static_batch)]).concatenate(size)


def dynamic_decode(decoder, output_time_major=False, impute_finished=False,
                   maximum_iterations=None, parallel_iterations=32,
                   swap_memory=False, scope=None, **kwargs):
  """Runs `decoder` step by step until it is finished: TF1's dynamic_decode.

  Args:
    decoder: a `Decoder`.
    output_time_major: if True, outputs are `[time, batch, ...]`; else
      `[batch, time, ...]`.
    impute_finished: if True, entries already finished get zero outputs and
      keep their state (so the final state is the state at their end).
    maximum_iterations: optional positive int32 scalar: at most this many
      steps.
    parallel_iterations: passed to `tf.while_loop`.
    swap_memory: passed to `tf.while_loop`.
    scope: the variable scope (default `decoder`).
    **kwargs: accepted for TF1's signature; must be empty.

  Returns:
    `(final_outputs, final_state, final_sequence_lengths)`; the lengths are
    int32, the step at which each entry finished (or the number of steps).

  Raises:
    TypeError: if `decoder` is not a `Decoder`, or on unknown keyword
      arguments.
    ValueError: if `maximum_iterations` is not a scalar or is statically
      <= 0.
  """
  if not isinstance(decoder, Decoder):
    raise TypeError("decoder must be a tf1seq.contrib.seq2seq.Decoder, got "
                    "%s" % type(decoder).__name__)
  if kwargs:
    raise TypeError("dynamic_decode got unexpected keyword arguments: %s" %
                    ", ".join(sorted(kwargs)))
  with tf.compat.v1.variable_scope(scope, "decoder"):
    maximum_iterations = _check_maximum_iterations(maximum_iterations)
    initial_finished, initial_inputs, initial_state = decoder.initialize()
    zeros = zero_outputs(decoder.output_size, decoder.output_dtype,
                         decoder.batch_size)
    initial_sequence_lengths = tf.zeros_like(initial_finished,
                                             dtype=tf.int32)
    initial_outputs_ta = tf.nest.map_structure(
        lambda s, d: tf.TensorArray(
            dtype=d, size=0, dynamic_size=True,
            element_shape=_element_shape(decoder.batch_size, s)),
        decoder.output_size, decoder.output_dtype)

    def condition(unused_time, unused_outputs_ta, unused_state,
                  unused_inputs, finished, unused_sequence_lengths):
      return tf.logical_not(tf.reduce_all(finished))

    def body(time, outputs_ta, state, inputs, finished, sequence_lengths):
      outputs, decoder_state, next_inputs, decoder_finished = decoder.step(
          time, inputs, state)
      if decoder.tracks_own_finished:
        next_finished = decoder_finished
      else:
        next_finished = tf.logical_or(decoder_finished, finished)
      # An entry's length is the number of steps it took to finish.
      next_sequence_lengths = tf.compat.v1.where(
          tf.logical_not(finished),
          tf.fill(tf.shape(sequence_lengths), time + 1), sequence_lengths)
      tf.nest.assert_same_structure(state, decoder_state)
      tf.nest.assert_same_structure(outputs_ta, outputs)
      tf.nest.assert_same_structure(inputs, next_inputs)
      if impute_finished:
        outputs = tf.nest.map_structure(
            lambda out, zero: tf.compat.v1.where(finished, zero, out),
            outputs, zeros)

        def keep_finished(new, current):
          # TensorArrays and scalars are passed through as they are.
          if isinstance(current, tf.TensorArray):
            return new
          new.set_shape(current.shape)
          if new.shape.ndims == 0:
            return new
          return tf.compat.v1.where(finished, current, new)

        decoder_state = tf.nest.map_structure(keep_finished, decoder_state,
                                              state)
      outputs_ta = tf.nest.map_structure(lambda ta, out: ta.write(time, out),
                                         outputs_ta, outputs)
      return (time + 1, outputs_ta, decoder_state, next_inputs,
              next_finished, next_sequence_lengths)

    if maximum_iterations is not None:
      initial_finished = tf.logical_or(initial_finished,
                                       maximum_iterations <= 0)
    result = tf.compat.v1.while_loop(
        condition, body,
        loop_vars=(tf.constant(0, dtype=tf.int32), initial_outputs_ta,
                   initial_state, initial_inputs, initial_finished,
                   initial_sequence_lengths),
        parallel_iterations=parallel_iterations,
        maximum_iterations=maximum_iterations, swap_memory=swap_memory)
    final_outputs = tf.nest.map_structure(lambda ta: ta.stack(), result[1])
    final_state = result[2]
    final_sequence_lengths = result[5]
    try:
      final_outputs, final_state = decoder.finalize(
          final_outputs, final_state, final_sequence_lengths)
    except NotImplementedError:
      pass
    if not output_time_major:
      final_outputs = tf.nest.map_structure(transpose_batch_time,
                                            final_outputs)
  return final_outputs, final_state, final_sequence_lengths
