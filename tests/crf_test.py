"""Tests for tf1seq.contrib.crf against brute force and TensorFlow 1.15.

Oracles: enumeration of every tag sequence in numpy (scores, log-partition,
likelihood, best path), central finite differences of that enumeration
(gradients, float64), and tests/testdata/crf/ written by TensorFlow 1.15's
tf.contrib.crf (tests/testdata/make_crf_fixtures.py): values, and a dense
layer and CRF whose checkpoint TF1.15 saved. The same tests run once more in
a subprocess after `tf.compat.v1.disable_v2_behavior()`.
"""

import itertools
import os
import re

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

import tf1_behaviour

from tf1seq import layers
from tf1seq.contrib import crf

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "testdata", "crf", "crf.npz")


# -- numpy oracle: every tag sequence ---------------------------------------

def np_score(inputs, transitions, tags):
  """score(y) = sum_t x[t, y_t] + sum_{t>0} A[y_{t-1}, y_t] (one sequence)."""
  total = sum(inputs[t, y] for t, y in enumerate(tags))
  total += sum(transitions[a, b] for a, b in zip(tags[:-1], tags[1:]))
  return total


def np_all_scores(inputs, transitions, length, allowed=None):
  """{tags: score} for every tag sequence of `length` (allowed tags only)."""
  num_tags = inputs.shape[-1]
  scores = {}
  for tags in itertools.product(range(num_tags), repeat=length):
    if allowed is not None and not all(allowed[t, y]
                                       for t, y in enumerate(tags)):
      continue
    scores[tags] = np_score(inputs, transitions, tags)
  return scores


def np_logsumexp(values):
  values = np.asarray(list(values), np.float64)
  top = values.max()
  return top + np.log(np.exp(values - top).sum())


def np_log_norm(inputs, transitions, length):
  if length == 0:
    return 0.0
  return np_logsumexp(np_all_scores(inputs, transitions, length).values())


def np_log_likelihood(inputs, transitions, tags, length):
  if length == 0:
    return 0.0
  return (np_score(inputs, transitions, tags[:length]) -
          np_log_norm(inputs, transitions, length))


def np_best(inputs, transitions, length):
  scores = np_all_scores(inputs, transitions, length)
  best = max(scores, key=scores.get)
  return list(best), scores[best]


def random_case(seed, batch, max_len, num_tags, dtype=np.float32):
  rng = np.random.RandomState(seed)
  inputs = rng.normal(size=(batch, max_len, num_tags)).astype(dtype)
  transitions = rng.normal(size=(num_tags, num_tags)).astype(dtype)
  tags = rng.randint(0, num_tags, size=(batch, max_len)).astype(np.int32)
  return inputs, transitions, tags


def run(fetches, feed_dict=None):
  with tf.compat.v1.Session() as sess:
    sess.run(tf.compat.v1.global_variables_initializer())
    return sess.run(fetches, feed_dict)


class BruteForceTest(tf.test.TestCase, parameterized.TestCase):

  @parameterized.named_parameters(
      ("mixed_lengths", 4, 3, [4, 2, 1, 0]),
      ("length_one", 1, 4, [1, 0, 1]),
      ("two_tags", 5, 2, [5, 5]),
      ("all_empty", 3, 3, [0, 0]))
  def test_matches_enumeration(self, max_len, num_tags, lengths):
    batch = len(lengths)
    inputs, transitions, tags = random_case(7 + max_len, batch, max_len,
                                            num_tags)
    bitmap = np.random.RandomState(3).rand(batch, max_len, num_tags) < 0.6
    bitmap[:, :, 0] = True
    with tf.Graph().as_default():
      ll, _ = crf.crf_log_likelihood(inputs, tags, lengths, transitions)
      decoded, decoded_score = crf.crf_decode(inputs, transitions, lengths)
      got = run({
          "score": crf.crf_sequence_score(inputs, tags, lengths, transitions),
          "log_norm": crf.crf_log_norm(inputs, lengths, transitions),
          "ll": ll,
          "multitag": crf.crf_multitag_sequence_score(inputs, bitmap, lengths,
                                                      transitions),
          "decoded": decoded, "decoded_score": decoded_score})
    for b, length in enumerate(lengths):
      x = inputs[b].astype(np.float64)
      a = transitions.astype(np.float64)
      self.assertAllClose(got["log_norm"][b], np_log_norm(x, a, length),
                          atol=1e-5)
      self.assertAllClose(got["ll"][b],
                          np_log_likelihood(x, a, tags[b], length), atol=1e-5)
      want_score = np_score(x, a, tags[b, :length]) if length else 0.0
      self.assertAllClose(got["score"][b], want_score, atol=1e-5)
      if length:
        allowed = np_all_scores(x, a, length, bitmap[b])
        self.assertAllClose(got["multitag"][b],
                            np_logsumexp(allowed.values()), atol=1e-5)
        best, best_score = np_best(x, a, length)
        self.assertAllEqual(got["decoded"][b, :length], best)
        self.assertAllClose(got["decoded_score"][b], best_score, atol=1e-5)
        path, score = crf.viterbi_decode(inputs[b, :length], transitions)
        self.assertAllEqual(path, best)
        self.assertAllClose(score, best_score, atol=1e-5)

  def test_likelihoods_sum_to_one(self):
    inputs, transitions, _ = random_case(5, 1, 3, 3)
    every = np.array(list(itertools.product(range(3), repeat=3)), np.int32)
    with tf.Graph().as_default():
      ll, _ = crf.crf_log_likelihood(np.repeat(inputs, len(every), 0), every,
                                     [3] * len(every), transitions)
      total = run(tf.reduce_sum(tf.exp(ll)))
    self.assertAllClose(total, 1.0, atol=1e-5)

  def test_unknown_shapes_match_enumeration(self):
    # Placeholders of unknown batch, length and tag count: the length-1
    # choice happens in the graph (tf.cond), the checks at run time.
    inputs, transitions, tags = random_case(11, 3, 3, 3)
    lengths = np.array([3, 1, 0], np.int32)
    with tf.Graph().as_default():
      x = tf.compat.v1.placeholder(tf.float32, [None, None, 3])
      a = tf.compat.v1.placeholder(tf.float32, [None, None])
      y = tf.compat.v1.placeholder(tf.int32, [None, None])
      n = tf.compat.v1.placeholder(tf.int32, [None])
      ll, _ = crf.crf_log_likelihood(x, y, n, a)
      decoded, _ = crf.crf_decode(x, a, n)
      for max_len in (3, 1):
        feed = {x: inputs[:, :max_len], a: transitions, y: tags[:, :max_len],
                n: np.minimum(lengths, max_len)}
        got_ll, got_tags = run([ll, decoded], feed)
        for b, length in enumerate(feed[n]):
          self.assertAllClose(got_ll[b], np_log_likelihood(
              inputs[b, :max_len], transitions, tags[b], length), atol=1e-5)
          if length:
            self.assertAllEqual(got_tags[b, :length],
                                np_best(inputs[b], transitions, length)[0])

  @parameterized.parameters((np.float32, np.int64), (np.float64, np.int32),
                            (np.float64, np.int64))
  def test_other_dtypes_match_enumeration(self, float_dtype, int_dtype):
    inputs, transitions, tags = random_case(13, 2, 3, 3, float_dtype)
    tags = tags.astype(int_dtype)
    lengths = np.array([3, 2], int_dtype)
    with tf.Graph().as_default():
      n = tf.compat.v1.placeholder(int_dtype, [None])
      ll, _ = crf.crf_log_likelihood(inputs, tags, n, transitions)
      decoded, score = crf.crf_decode(inputs, transitions, n)
      got_ll, got_tags, got_score = run([ll, decoded, score], {n: lengths})
    self.assertEqual(got_ll.dtype, float_dtype)
    for b, length in enumerate(lengths):
      self.assertAllClose(got_ll[b], np_log_likelihood(
          inputs[b], transitions, tags[b], length), atol=1e-5)
      best, best_score = np_best(inputs[b], transitions, length)
      self.assertAllEqual(got_tags[b, :length], best)
      self.assertAllClose(got_score[b], best_score, atol=1e-5)

  def test_padding_tags_are_ignored(self):
    # Tags past a sequence's length (here -1 and 99) are padding.
    inputs, transitions, tags = random_case(2, 2, 4, 3)
    tags[0, 2:] = -1
    tags[1, 1:] = 99
    lengths = [2, 1]
    with tf.Graph().as_default():
      ll, _ = crf.crf_log_likelihood(inputs, tags, lengths, transitions)
      got = run(ll)
    for b, length in enumerate(lengths):
      self.assertAllClose(got[b], np_log_likelihood(
          inputs[b], transitions, tags[b], length), atol=1e-5)


class GradientTest(tf.test.TestCase):

  def test_log_likelihood_gradients_match_finite_differences(self):
    inputs, transitions, tags = random_case(3, 3, 3, 3, np.float64)
    lengths = [3, 2, 0]
    weights = np.array([1.0, -2.0, 0.5])

    def objective(x, a):
      return sum(w * np_log_likelihood(x[b], a, tags[b], n)
                 for b, (w, n) in enumerate(zip(weights, lengths)))

    with tf.Graph().as_default():
      x = tf.constant(inputs)
      a = tf.constant(transitions)
      ll, _ = crf.crf_log_likelihood(x, tags, lengths, a)
      grad_x, grad_a = run(tf.gradients(tf.reduce_sum(ll * weights), [x, a]))
    eps = 1e-6
    for value, grad, other in ((inputs, grad_x, "x"), (transitions, grad_a,
                                                       "a")):
      numeric = np.zeros_like(value)
      for index in np.ndindex(*value.shape):
        plus, minus = value.copy(), value.copy()
        plus[index] += eps
        minus[index] -= eps
        if other == "x":
          numeric[index] = (objective(plus, transitions) -
                            objective(minus, transitions)) / (2 * eps)
        else:
          numeric[index] = (objective(inputs, plus) -
                            objective(inputs, minus)) / (2 * eps)
      self.assertAllClose(grad, numeric, atol=1e-7)


class Tf115FixtureTest(tf.test.TestCase, parameterized.TestCase):

  @parameterized.parameters("multi", "single", "two")
  def test_matches_tf115(self, name):
    data = np.load(FIXTURES)
    f = lambda key: data["%s_%s" % (name, key)]
    inputs, transitions = f("inputs"), f("transitions")
    tags, lengths, bitmap = f("tags"), f("lengths"), f("bitmap")
    batch = len(lengths)
    with tf.Graph().as_default():
      x = tf.constant(inputs)
      a = tf.constant(transitions)
      ll, _ = crf.crf_log_likelihood(x, tags, lengths, a)
      decode_tags, decode_score = crf.crf_decode(x, a, lengths)
      grad_x, grad_a = tf.gradients(
          tf.reduce_sum(ll * np.arange(1, batch + 1)), [x, a])
      fetches = {
          "sequence_score": crf.crf_sequence_score(x, tags, lengths, a),
          "log_norm": crf.crf_log_norm(x, lengths, a),
          "log_likelihood": ll,
          "multitag_score": crf.crf_multitag_sequence_score(x, bitmap,
                                                            lengths, a),
          "decode_tags": decode_tags, "decode_score": decode_score,
          "grad_inputs": grad_x}
      if grad_a is not None:
        fetches["grad_transitions"] = grad_a
      if inputs.shape[1] > 1:
        fetches["unary_score"] = crf.crf_unary_score(tags, lengths, x)
        fetches["binary_score"] = crf.crf_binary_score(tags, lengths, a)
      got = run(fetches)
    self.assertEqual("%s_grad_transitions" % name in data,
                     "grad_transitions" in got)
    for key, value in got.items():
      if key == "decode_tags":
        self.assertAllEqual(value, f(key))  # Padding included, as TF1's.
      else:
        self.assertAllClose(value, f(key), atol=1e-5, msg=key)
    for b, length in enumerate(lengths):
      if length:
        path, score = crf.viterbi_decode(inputs[b, :length], transitions)
        self.assertAllEqual(path, f("viterbi_%d" % b))
        self.assertAllClose(score, f("viterbi_score_%d" % b), atol=1e-5)

  def test_restores_tf115_tagger_checkpoint(self):
    data = np.load(FIXTURES)
    f = lambda key: data["tagger_" + key]
    with tf.Graph().as_default():
      x = tf.compat.v1.placeholder(tf.float32, [None, None, 5])
      y = tf.compat.v1.placeholder(tf.int32, [None, None])
      n = tf.compat.v1.placeholder(tf.int32, [None])
      with tf.compat.v1.variable_scope("tagger"):
        scores = layers.dense(x, 3)
        ll, transitions = crf.crf_log_likelihood(scores, y, n)
      decoded, best = crf.crf_decode(scores, transitions, n)
      self.assertEqual(
          sorted(v.op.name for v in tf.compat.v1.global_variables()),
          f("variable_names").tolist())
      with tf.compat.v1.Session() as sess:
        tf.compat.v1.train.Saver().restore(
            sess, os.path.join(os.path.dirname(FIXTURES), "tagger.ckpt"))
        got = sess.run([ll, decoded, best], {
            x: f("features"), y: f("tags"), n: f("lengths")})
    self.assertAllClose(got[0], f("ll"), atol=1e-5)
    self.assertAllEqual(got[1], f("decoded"))
    self.assertAllClose(got[2], f("best"), atol=1e-5)

  def test_created_transitions_variable_matches_tf115(self):
    data = np.load(FIXTURES)
    with tf.Graph().as_default():
      with tf.compat.v1.variable_scope("crf_layer"):
        _, transitions = crf.crf_log_likelihood(
            tf.zeros([2, 3, 5]), tf.zeros([2, 3], tf.int32), [3, 2])
      with tf.compat.v1.variable_scope("crf_layer", reuse=True):
        _, reused = crf.crf_log_likelihood(
            tf.zeros([2, 3, 5]), tf.zeros([2, 3], tf.int32), [3, 2])
      (variable,) = tf.compat.v1.global_variables()
      self.assertEqual(variable.name, str(data["created_variable_name"]))
      self.assertEqual(variable.shape.as_list(),
                       data["created_variable_shape"].tolist())
      self.assertIs(transitions, variable)
      self.assertIs(reused, variable)
      self.assertIn(variable, tf.compat.v1.trainable_variables())


class CellTest(tf.test.TestCase):

  def test_forward_cell_step(self):
    _, transitions, _ = random_case(4, 1, 1, 3)
    state = np.random.RandomState(0).normal(size=(2, 3)).astype(np.float32)
    unary = np.random.RandomState(1).normal(size=(2, 3)).astype(np.float32)
    with tf.Graph().as_default():
      cell = crf.CrfForwardRnnCell(transitions)
      self.assertEqual((cell.state_size, cell.output_size), (3, 3))
      out, new_state = run(cell(unary, state))
    want = unary + np.log(np.exp(state[:, :, None] + transitions).sum(1))
    self.assertAllClose(out, want, atol=1e-5)
    self.assertAllClose(new_state, want, atol=1e-5)

  def test_decode_cells_step(self):
    _, transitions, _ = random_case(4, 1, 1, 3)
    state = np.random.RandomState(0).normal(size=(2, 3)).astype(np.float32)
    unary = np.random.RandomState(1).normal(size=(2, 3)).astype(np.float32)
    with tf.Graph().as_default():
      forward = crf.CrfDecodeForwardRnnCell(transitions)
      backward = crf.CrfDecodeBackwardRnnCell(3)
      self.assertEqual((backward.state_size, backward.output_size), (1, 1))
      pointers, scores = forward(unary, state)
      previous, _ = backward(pointers, tf.constant([[2], [0]]))
      pointers, scores, previous = run([pointers, scores, previous])
    candidates = state[:, :, None] + transitions
    self.assertAllEqual(pointers, candidates.argmax(1))
    self.assertAllClose(scores, unary + candidates.max(1), atol=1e-6)
    self.assertAllEqual(previous[:, 0], [pointers[0, 2], pointers[1, 0]])

  def test_cells_are_rnn_cells(self):
    from tf1seq import rnn_cell  # pylint: disable=g-import-not-at-top
    with tf.Graph().as_default():
      for cell in (crf.CrfForwardRnnCell(tf.zeros([2, 2])),
                   crf.CrfDecodeForwardRnnCell(tf.zeros([2, 2])),
                   crf.CrfDecodeBackwardRnnCell(2)):
        self.assertIsInstance(cell, rnn_cell.RNNCell)


class BadInputTest(tf.test.TestCase):

  def setUp(self):
    super().setUp()
    self.inputs, self.transitions, self.tags = random_case(0, 2, 3, 4)

  def test_tag_out_of_range(self):
    tags = self.tags.copy()
    tags[1, 0] = 4
    with tf.Graph().as_default():
      with self.assertRaisesRegex(
          ValueError, r"tag_indices must be in \[0, num_tags\) = \[0, 4\) "
          r"within sequence_lengths, got values from \d+ to 4"):
        crf.crf_log_likelihood(self.inputs, tags, [3, 2], self.transitions)

  def test_negative_tag(self):
    tags = self.tags.copy()
    tags[0, 1] = -1
    with tf.Graph().as_default():
      with self.assertRaisesRegex(ValueError, r"got values from -1 to"):
        crf.crf_sequence_score(self.inputs, tags, [3, 2], self.transitions)

  def test_tag_out_of_range_at_run_time(self):
    tags = self.tags.copy()
    tags[1, 0] = 7
    with tf.Graph().as_default():
      y = tf.compat.v1.placeholder(tf.int32, [None, None])
      ll, _ = crf.crf_log_likelihood(self.inputs, y, [3, 2],
                                     self.transitions)
      with self.assertRaisesRegex(tf.errors.InvalidArgumentError,
                                  r"tag_indices must be in \[0, num_tags\)"):
        run(ll, {y: tags})

  def test_transitions_of_wrong_shape(self):
    with tf.Graph().as_default():
      for bad in (np.zeros([4, 3], np.float32), np.zeros([3, 3], np.float32),
                  np.zeros([4], np.float32)):
        for fn in (
            lambda a: crf.crf_log_likelihood(self.inputs, self.tags, [3, 2],
                                             a),
            lambda a: crf.crf_log_norm(self.inputs, [3, 2], a),
            lambda a: crf.crf_decode(self.inputs, a, [3, 2])):
          with self.assertRaisesRegex(
              ValueError, r"transition_params must have shape \[num_tags, "
              r"num_tags\] with num_tags = 4 \(inputs.shape\[2\]\), got "
              r"shape " + re.escape(str(tf.TensorShape(bad.shape)))):
            fn(bad)

  def test_sequence_lengths_longer_than_inputs(self):
    with tf.Graph().as_default():
      with self.assertRaisesRegex(
          ValueError, r"sequence_lengths must be at most max_seq_len = "
          r"inputs.shape\[1\] = 3, got \[4, 2\]"):
        crf.crf_log_likelihood(self.inputs, self.tags, [4, 2],
                               self.transitions)
      with self.assertRaisesRegex(
          ValueError, r"sequence_length must be at most max_seq_len"):
        crf.crf_decode(self.inputs, self.transitions, [3, 5])

  def test_sequence_lengths_longer_than_inputs_at_run_time(self):
    with tf.Graph().as_default():
      n = tf.compat.v1.placeholder(tf.int32, [None])
      log_norm = crf.crf_log_norm(self.inputs, n, self.transitions)
      tags, _ = crf.crf_decode(self.inputs, self.transitions, n)
      for fetch in (log_norm, tags):
        with self.assertRaisesRegex(tf.errors.InvalidArgumentError,
                                    r"must be at most max_seq_len"):
          run(fetch, {n: [3, 4]})

  def test_wrong_ranks(self):
    with tf.Graph().as_default():
      with self.assertRaisesRegex(
          ValueError, r"inputs must have rank 3 \[batch_size, max_seq_len, "
          r"num_tags\], got shape \(3, 4\)"):
        crf.crf_log_norm(self.inputs[0], [3], self.transitions)
      with self.assertRaisesRegex(ValueError,
                                  r"tag_indices must have rank 2"):
        crf.crf_sequence_score(self.inputs, self.tags[0], [3, 2],
                               self.transitions)

  def test_viterbi_decode_bad_shapes(self):
    with self.assertRaisesRegex(ValueError, r"score must have shape "
                                r"\[seq_len, num_tags\] with seq_len >= 1"):
      crf.viterbi_decode(np.zeros([0, 4]), self.transitions)
    with self.assertRaisesRegex(ValueError, r"transition_params must have "
                                r"shape \[num_tags, num_tags\] with num_tags "
                                r"= 3"):
      crf.viterbi_decode(np.zeros([2, 3]), self.transitions)

  def test_unknown_num_tags_for_created_transitions(self):
    with tf.Graph().as_default():
      x = tf.compat.v1.placeholder(tf.float32, [2, 3, None])
      with self.assertRaisesRegex(ValueError, r"inputs.shape\[2\] \(num_tags"
                                  r"\) must be known"):
        crf.crf_log_likelihood(x, self.tags, [3, 2])


class V1BehaviorTest(tf.test.TestCase):

  def test_all_tests_pass_with_v2_behavior_disabled(self):
    tf1_behaviour.rerun(self, "crf_test", min_tests=20)


if __name__ == "__main__":
  tf.test.main()
