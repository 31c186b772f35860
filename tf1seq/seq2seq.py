"""The part of TF1's `tf.contrib.seq2seq` that tf1seq provides: `sequence_loss`.

`sequence_loss` is TF1's weighted cross-entropy over `[batch, time]`
targets, with its four reduction flags and its defaults (mean over both
axes, weighted). The decoders, attention and beam search of
`tf.contrib.seq2seq` are not provided.

Usage:

  from tf1seq import seq2seq
  loss = seq2seq.sequence_loss(
      logits,                                   # [batch, time, vocab]
      targets,                                  # [batch, time] int
      tf.ones([batch_size, num_steps]),
      average_across_timesteps=False, average_across_batch=True)
  cost = tf.reduce_sum(loss)                    # the PTB tutorial's cost
"""

import tensorflow as tf


def _check_rank(tensor, rank, message):
  if tensor.shape.ndims is not None and tensor.shape.ndims != rank:
    raise ValueError(message)


def sequence_loss(logits, targets, weights, average_across_timesteps=True,
                  average_across_batch=True, sum_over_timesteps=False,
                  sum_over_batch=False, softmax_loss_function=None,
                  name=None):
  """Weighted cross-entropy of a batch of sequences, TF1's contrib version.

  Args:
    logits: `[batch, time, num_classes]` float tensor.
    targets: `[batch, time]` int tensor of class ids.
    weights: `[batch, time]` float tensor (e.g. a 0/1 mask).
    average_across_timesteps: divide the sum over time by the summed weights.
    average_across_batch: divide the sum over the batch by the summed
      weights.
    sum_over_timesteps: sum over time, divided by the number of non-zero
      weights (TF1's behaviour).
    sum_over_batch: likewise over the batch.
    softmax_loss_function: optional `fn(labels=, logits=)` on the flattened
      `[batch * time]` labels and `[batch * time, num_classes]` logits.
    name: name scope; default `sequence_loss`.

  Returns:
    A scalar when both axes are reduced, else `[batch]` (reduced over time)
    or `[time]` (over the batch) or `[batch, time]`. As in TF1, an
    `average_*` flag with the other axis's `sum_*` flag reduces only the
    averaged axis.

  Raises:
    ValueError: on tensors of the wrong rank, or an `average_*` flag set
      together with the `sum_*` flag of the same axis.
  """
  logits = tf.convert_to_tensor(logits, name="logits")
  targets = tf.convert_to_tensor(targets, name="targets")
  weights = tf.convert_to_tensor(weights, name="weights")
  _check_rank(logits, 3,
              "Logits must be a [batch_size x sequence_length x logits] "
              "tensor, got shape %s" % logits.shape)
  _check_rank(targets, 2, "Targets must be a [batch_size x sequence_length] "
              "tensor, got shape %s" % targets.shape)
  _check_rank(weights, 2, "Weights must be a [batch_size x sequence_length] "
              "tensor, got shape %s" % weights.shape)
  if average_across_timesteps and sum_over_timesteps:
    raise ValueError("average_across_timesteps and sum_over_timesteps cannot "
                     "be set to True at same time.")
  if average_across_batch and sum_over_batch:
    raise ValueError("average_across_batch and sum_over_batch cannot be set "
                     "to True at same time.")
  with tf.compat.v1.name_scope(name, "sequence_loss",
                               [logits, targets, weights]):
    num_classes = tf.shape(logits)[2]
    logits_flat = tf.reshape(logits, [-1, num_classes])
    targets_flat = tf.reshape(targets, [-1])
    if softmax_loss_function is None:
      crossent = tf.nn.sparse_softmax_cross_entropy_with_logits(
          labels=targets_flat, logits=logits_flat)
    else:
      crossent = softmax_loss_function(labels=targets_flat,
                                       logits=logits_flat)
    crossent *= tf.reshape(weights, [-1])
    if average_across_timesteps and average_across_batch:
      return tf.math.divide_no_nan(tf.reduce_sum(crossent),
                                   tf.reduce_sum(weights))
    if sum_over_timesteps and sum_over_batch:
      count = tf.cast(tf.math.count_nonzero(weights), crossent.dtype)
      return tf.math.divide_no_nan(tf.reduce_sum(crossent), count)
    crossent = tf.reshape(crossent, tf.shape(logits)[0:2])
    if average_across_timesteps or average_across_batch:
      axis = [0] if average_across_batch else [1]
      return tf.math.divide_no_nan(tf.reduce_sum(crossent, axis=axis),
                                   tf.reduce_sum(weights, axis=axis))
    if sum_over_timesteps or sum_over_batch:
      axis = [0] if sum_over_batch else [1]
      count = tf.cast(tf.math.count_nonzero(weights, axis=axis),
                      crossent.dtype)
      return tf.math.divide_no_nan(tf.reduce_sum(crossent, axis=axis), count)
    return crossent
