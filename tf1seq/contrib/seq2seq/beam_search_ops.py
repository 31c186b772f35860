"""TF1's `tf.contrib.seq2seq.gather_tree`, in TensorFlow ops.

TensorFlow 1.15 ran a custom C++ kernel (`GatherTree`), which TensorFlow
2.x core does not have; this is the same computation as a backward scan
over time: from each final beam, follow the parent pointers back to the
start and read the ids along the way.

Usage:

  from tf1seq.contrib.seq2seq import beam_search_ops
  beams = beam_search_ops.gather_tree(step_ids, parent_ids,
                                      max_sequence_lengths, end_token)
"""

import tensorflow as tf

__all__ = ["gather_tree"]


def _batch_gather(params, indices):
  """`params[b, indices[b, k]]` for `[batch, width]` params and indices."""
  return tf.gather(params, indices, axis=1, batch_dims=1)


def gather_tree(step_ids, parent_ids, max_sequence_lengths, end_token,
                name=None):
  """Reconstructs the beams from per-step ids and parent pointers.

  For batch entry `b` with `L = min(max_sequence_lengths[b], max_time)`,
  beam `k`'s sequence is read backwards from `step_ids[L - 1, b, k]`,
  following `parent_ids`; steps at and after `L` are `end_token`, and so is
  every step after the first `end_token` of a beam. A parent pointer outside
  `[0, beam_width)` on a beam's path is an InvalidArgumentError at run time,
  as in TensorFlow 1.15.

  Args:
    step_ids: int32 `[max_time, batch_size, beam_width]`.
    parent_ids: int32, same shape: the beam each step's id extends.
    max_sequence_lengths: int32 `[batch_size]`.
    end_token: int32 scalar.
    name: name scope; default `GatherTree`.

  Returns:
    int32 `[max_time, batch_size, beam_width]`: the full beams.

  Raises:
    ValueError: if the ranks or static shapes do not match.
  """
  with tf.compat.v1.name_scope(name, "GatherTree",
                               [step_ids, parent_ids, max_sequence_lengths,
                                end_token]):
    step_ids = tf.convert_to_tensor(step_ids, name="step_ids")
    parent_ids = tf.convert_to_tensor(parent_ids, dtype=step_ids.dtype,
                                      name="parent_ids")
    max_sequence_lengths = tf.convert_to_tensor(
        max_sequence_lengths, dtype=tf.int32, name="max_sequence_lengths")
    end_token = tf.convert_to_tensor(end_token, dtype=step_ids.dtype,
                                     name="end_token")
    for arg, tensor, rank in (("step_ids", step_ids, 3),
                              ("parent_ids", parent_ids, 3),
                              ("max_sequence_lengths", max_sequence_lengths,
                               1), ("end_token", end_token, 0)):
      if tensor.shape.ndims is not None and tensor.shape.ndims != rank:
        raise ValueError("%s must have rank %d, got shape %s" %
                         (arg, rank, tensor.shape))
    if not step_ids.shape.is_compatible_with(parent_ids.shape):
      raise ValueError("parent_ids must have the shape of step_ids %s, got "
                       "%s" % (step_ids.shape, parent_ids.shape))
    if not step_ids.shape[1:2].is_compatible_with(
        max_sequence_lengths.shape):
      raise ValueError("max_sequence_lengths must have shape [batch_size] "
                       "= %s, got %s" % (step_ids.shape[1:2],
                                         max_sequence_lengths.shape))
    shape = tf.shape(step_ids)
    max_time, beam_width = shape[0], shape[2]
    lengths = tf.minimum(max_sequence_lengths, max_time)[:, None]
    beams = tf.broadcast_to(tf.range(beam_width, dtype=step_ids.dtype),
                            shape[1:])

    def backward(carry, elems):
      """One step back; `carry` is each final beam's pointer at this step."""
      pointer, invalid, _ = carry
      time, ids, parents = elems
      in_sequence = time < lengths
      valid = tf.logical_and(pointer >= 0, pointer < beam_width)
      safe_pointer = tf.where(valid, pointer, tf.zeros_like(pointer))
      out = tf.where(in_sequence, _batch_gather(ids, safe_pointer),
                     tf.fill(tf.shape(pointer), end_token))
      invalid = tf.logical_or(
          invalid, tf.logical_and(in_sequence, tf.logical_not(valid)))
      next_pointer = tf.where(in_sequence,
                              _batch_gather(parents, safe_pointer), pointer)
      return next_pointer, invalid, out

    _, invalid, gathered = tf.scan(
        backward, (tf.range(max_time), step_ids, parent_ids),
        initializer=(beams, tf.zeros(tf.shape(beams), tf.bool), beams),
        reverse=True)
    check = tf.debugging.Assert(
        tf.logical_not(tf.reduce_any(invalid)),
        ["gather_tree saw an invalid parent id (outside [0, beam_width)) on "
         "the path of a beam; parent_ids:", parent_ids], summarize=50)
    # After a beam's first end_token, everything is end_token.
    is_end = tf.cast(tf.equal(gathered, end_token), tf.int32)
    ended_before = tf.cumsum(is_end, axis=0, exclusive=True) > 0
    with tf.control_dependencies([check]):
      result = tf.where(ended_before,
                        tf.fill(tf.shape(gathered), end_token), gathered)
    result.set_shape(step_ids.shape)
    return result
