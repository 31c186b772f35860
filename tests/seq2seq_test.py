"""Tests for tf1seq.seq2seq.sequence_loss against a numpy formulation."""

import itertools

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

from tf1seq import seq2seq

BATCH, TIME, CLASSES = 3, 4, 5


def numpy_sequence_loss(logits, targets, weights, average_across_timesteps,
                        average_across_batch, sum_over_timesteps,
                        sum_over_batch):
  """TF1's sequence_loss in float64 numpy."""
  logits = logits.astype(np.float64)
  shifted = logits - logits.max(-1, keepdims=True)
  log_z = np.log(np.exp(shifted).sum(-1))
  picked = np.take_along_axis(shifted, targets[..., None], -1)[..., 0]
  crossent = (log_z - picked) * weights

  def divide(x, y):
    return np.where(y == 0, 0., x / np.where(y == 0, 1., y))

  if average_across_timesteps and average_across_batch:
    return divide(crossent.sum(), weights.sum())
  if sum_over_timesteps and sum_over_batch:
    return divide(crossent.sum(), (weights != 0).sum())
  # Otherwise TF1 reduces one axis only: the averaged one if any (a
  # sum_over flag of the other axis is then ignored), else the summed one.
  if average_across_timesteps or average_across_batch:
    axis = 0 if average_across_batch else 1
    return divide(crossent.sum(axis), weights.sum(axis))
  if sum_over_timesteps or sum_over_batch:
    axis = 0 if sum_over_batch else 1
    return divide(crossent.sum(axis), (weights != 0).sum(axis))
  return crossent


def data(seed=0):
  rng = np.random.RandomState(seed)
  logits = rng.uniform(-3, 3, [BATCH, TIME, CLASSES]).astype(np.float32)
  targets = rng.randint(0, CLASSES, [BATCH, TIME]).astype(np.int32)
  weights = (rng.uniform(0, 1, [BATCH, TIME]) *
             (rng.uniform(0, 1, [BATCH, TIME]) > 0.3)).astype(np.float32)
  weights[1] = 0.  # A fully masked sequence: div_no_nan gives 0.
  return logits, targets, weights


def evaluate(tensor):
  with tf.compat.v1.Session() as session:
    return session.run(tensor)


def _flag_combinations():
  for avg_t, avg_b, sum_t, sum_b in itertools.product([False, True],
                                                      repeat=4):
    if (avg_t and sum_t) or (avg_b and sum_b):
      continue
    yield dict(testcase_name="avg_t%d_avg_b%d_sum_t%d_sum_b%d" %
               (avg_t, avg_b, sum_t, sum_b),
               average_across_timesteps=avg_t, average_across_batch=avg_b,
               sum_over_timesteps=sum_t, sum_over_batch=sum_b)


class SequenceLossTest(tf.test.TestCase, parameterized.TestCase):

  @parameterized.named_parameters(*_flag_combinations())
  def test_matches_numpy(self, **flags):
    logits, targets, weights = data()
    expected = numpy_sequence_loss(logits, targets, weights, **flags)
    with tf.Graph().as_default():
      loss = seq2seq.sequence_loss(logits, targets, weights, **flags)
      got = evaluate(loss)
    self.assertEqual(got.shape, expected.shape)
    self.assertAllClose(got, expected, atol=1e-5, rtol=1e-6)

  def test_defaults_average_both_axes(self):
    logits, targets, weights = data(1)
    with tf.Graph().as_default():
      got = evaluate(seq2seq.sequence_loss(logits, targets, weights))
    self.assertAllClose(got, numpy_sequence_loss(
        logits, targets, weights, True, True, False, False), atol=1e-5)

  def test_ptb_usage_with_placeholders(self):
    logits, targets, _ = data(2)
    with tf.Graph().as_default():
      logits_in = tf.compat.v1.placeholder(tf.float32, [BATCH, TIME, None])
      loss = seq2seq.sequence_loss(
          logits_in, tf.constant(targets), tf.ones([BATCH, TIME]),
          average_across_timesteps=False, average_across_batch=True)
      cost = tf.reduce_sum(loss)
      self.assertEqual(loss.shape.as_list(), [TIME])
      with tf.compat.v1.Session() as session:
        got = session.run(cost, {logits_in: logits})
    expected = numpy_sequence_loss(logits, targets, np.ones([BATCH, TIME]),
                                   False, True, False, False).sum()
    self.assertAllClose(got, expected, atol=1e-5)

  def test_softmax_loss_function(self):
    logits, targets, weights = data(3)
    seen = {}

    def loss_function(labels, logits):
      seen["shapes"] = (labels.shape.as_list(), logits.shape.as_list())
      return tf.ones_like(tf.cast(labels, tf.float32))

    with tf.Graph().as_default():
      got = evaluate(seq2seq.sequence_loss(
          logits, targets, weights, average_across_timesteps=False,
          average_across_batch=False, softmax_loss_function=loss_function))
    self.assertAllClose(got, weights)
    self.assertEqual(seen["shapes"][0], [BATCH * TIME])

  def test_errors(self):
    logits, targets, weights = data()
    with tf.Graph().as_default():
      with self.assertRaisesRegex(ValueError, r"Logits must be"):
        seq2seq.sequence_loss(logits[0], targets, weights)
      with self.assertRaisesRegex(ValueError, r"Targets must be"):
        seq2seq.sequence_loss(logits, targets[0], weights)
      with self.assertRaisesRegex(ValueError, r"Weights must be"):
        seq2seq.sequence_loss(logits, targets, weights[0])
      with self.assertRaisesRegex(ValueError, r"average_across_timesteps"):
        seq2seq.sequence_loss(logits, targets, weights,
                              sum_over_timesteps=True)
      with self.assertRaisesRegex(ValueError, r"average_across_batch"):
        seq2seq.sequence_loss(logits, targets, weights, sum_over_batch=True)


if __name__ == "__main__":
  tf.test.main()
