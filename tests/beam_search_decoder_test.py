"""Tests for tf1seq.contrib.seq2seq: BeamSearchDecoder, tile_batch, gather_tree.

Oracles: TensorFlow 1.15's `tf.contrib.seq2seq` (checkpoint and outputs
from tests/testdata/make_seq2seq_decode_fixtures.py, and its GatherTree
kernel's results); a brute-force search that scores every sequence of a
tiny vocabulary with a numpy RNN; numpy for `tile_batch` and `gather_tree`.

The module also runs in TF1 behaviour (`disable_v2_behavior`, v1 control
flow) in a subprocess: `test_tf1_behavior`.
"""

import collections
import itertools
import os

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

import tf1_behaviour
from tf1seq import layers
from tf1seq import rnn_cell
from tf1seq.contrib import seq2seq

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "testdata",
                    "seq2seq_decode")
VOCAB, EMBED, UNITS, BATCH = 6, 3, 4, 2
GO, END = 0, 1
BEAM = 3
MAX_ITERATIONS = 6


def fixture_initial_state():
  """The fixture graph's initial LSTM state (same generator and order)."""
  rng = np.random.RandomState(5)
  rng.randint(2, VOCAB, [BATCH, 5])  # The target ids, unused here.
  init_c = rng.normal(0, 1, [BATCH, UNITS]).astype(np.float32)
  init_h = rng.normal(0, 0.5, [BATCH, UNITS]).astype(np.float32)
  return rnn_cell.LSTMStateTuple(tf.constant(init_c), tf.constant(init_h))


def build_beam_decoders():
  """tf1seq's version of the fixture graph's beam search part."""
  fetch = {}
  embedding = tf.compat.v1.get_variable("embedding", [VOCAB, EMBED])
  cell = rnn_cell.BasicLSTMCell(UNITS)
  dense = layers.Dense(VOCAB, name="dense")
  init_state = fixture_initial_state()
  start_tokens = tf.fill([BATCH], GO)
  for name, penalty in (("beam", 0.0), ("beam_penalty", 0.8)):
    decoder = seq2seq.BeamSearchDecoder(
        cell, embedding, start_tokens, END,
        seq2seq.tile_batch(init_state, BEAM), BEAM, output_layer=dense,
        length_penalty_weight=penalty)
    outputs, state, lengths = seq2seq.dynamic_decode(
        decoder, maximum_iterations=MAX_ITERATIONS, scope="decoder")
    fetch[name + "/predicted_ids"] = outputs.predicted_ids
    fetch[name + "/scores"] = outputs.beam_search_decoder_output.scores
    fetch[name + "/step_ids"] = outputs.beam_search_decoder_output.predicted_ids
    fetch[name + "/parent_ids"] = outputs.beam_search_decoder_output.parent_ids
    fetch[name + "/c"] = state.cell_state.c
    fetch[name + "/h"] = state.cell_state.h
    fetch[name + "/log_probs"] = state.log_probs
    fetch[name + "/beam_lengths"] = state.lengths
    fetch[name + "/finished"] = state.finished
    fetch[name + "/lengths"] = lengths
  multi = rnn_cell.MultiRNNCell(
      [rnn_cell.GRUCell(UNITS), rnn_cell.BasicLSTMCell(VOCAB)])
  decoder = seq2seq.BeamSearchDecoder(
      multi, embedding, start_tokens, END,
      multi.zero_state(BATCH * BEAM, tf.float32), BEAM,
      length_penalty_weight=0.5)
  outputs, state, lengths = seq2seq.dynamic_decode(
      decoder, maximum_iterations=MAX_ITERATIONS, output_time_major=True,
      scope="multi")
  fetch["multi/predicted_ids"] = outputs.predicted_ids
  fetch["multi/scores"] = outputs.beam_search_decoder_output.scores
  fetch["multi/gru"] = state.cell_state[0]
  fetch["multi/lstm_c"] = state.cell_state[1].c
  fetch["multi/lengths"] = lengths
  return fetch


class Tf115BeamSearchTest(tf.test.TestCase, parameterized.TestCase):

  @classmethod
  def setUpClass(cls):
    super().setUpClass()
    cls.expected = dict(np.load(os.path.join(DATA, "expected.npz")))
    graph = tf.Graph()
    with graph.as_default():
      fetch = build_beam_decoders()
      cls.variable_names = sorted(
          v.op.name for v in tf.compat.v1.global_variables())
      with tf.compat.v1.Session(graph=graph) as session:
        tf.compat.v1.train.Saver().restore(
            session, os.path.join(DATA, "model.ckpt"))
        cls.values = session.run(fetch)

  def test_variable_names_are_tf115s(self):
    self.assertEqual(self.variable_names,
                     [str(n) for n in self.expected["variable_names"]
                      if str(n).startswith(("decoder/", "embedding",
                                            "multi/"))])

  @parameterized.parameters("beam", "beam_penalty", "multi")
  def test_matches_tf115(self, run):
    keys = [k for k in self.expected if k.startswith(run + "/")]
    self.assertGreaterEqual(len(keys), 5)
    for key in keys:
      got, want = self.values[key], self.expected[key]
      self.assertEqual(got.shape, want.shape, msg=key)
      if want.dtype.kind == "f":
        self.assertAllClose(got, want, atol=1e-5, msg=key)
      else:
        self.assertAllEqual(got, want, msg=key)

  def test_fixture_has_finished_and_unfinished_beams(self):
    # So the comparisons above cover end-token masking and padding.
    finished = self.expected["beam/finished"]
    self.assertTrue(finished.any())
    self.assertLess(self.expected["beam/beam_lengths"].min(), MAX_ITERATIONS)


# -- Brute force -------------------------------------------------------------

TINY_VOCAB, TINY_END, TINY_GO, TINY_UNITS = 4, 3, 0, 3


def tiny_weights(seed):
  rng = np.random.RandomState(seed)
  return dict(
      embedding=rng.normal(0, 1, [TINY_VOCAB, 2]).astype(np.float32),
      kernel=rng.normal(0, 1, [2 + TINY_UNITS, TINY_UNITS]).astype(np.float32),
      bias=rng.normal(0, 0.3, [TINY_UNITS]).astype(np.float32),
      dense_kernel=rng.normal(0, 1.5, [TINY_UNITS, TINY_VOCAB]).astype(
          np.float32),
      dense_bias=rng.normal(0, 0.5, [TINY_VOCAB]).astype(np.float32),
      initial_state=rng.normal(0, 1, [2, TINY_UNITS]).astype(np.float32))


def numpy_log_probs(w, state, token):
  """One step of the numpy RNN: (log-softmax of the logits, next state)."""
  x = np.concatenate([w["embedding"][token], state]).astype(np.float64)
  state = np.tanh(x @ w["kernel"] + w["bias"])
  logits = state @ w["dense_kernel"] + w["dense_bias"]
  return logits - np.log(np.sum(np.exp(logits - logits.max()))) - \
      logits.max(), state


def all_hypotheses(max_time):
  """Every sequence beam search can end with: ended by END or by time."""
  words = [v for v in range(TINY_VOCAB) if v != TINY_END]
  for length in range(1, max_time + 1):
    for prefix in itertools.product(words, repeat=length - 1):
      yield prefix + (TINY_END,)
    if length == max_time:
      yield from itertools.product(words, repeat=length)


def brute_force_scores(w, initial_state, max_time, penalty_weight):
  """{sequence: TF1's final beam score}.

  The score is the summed log-probability over the length penalty
  `((5 + length) / 6) ** penalty_weight`. As TensorFlow 1.15 counts it, the
  length includes the end token if the sequence ended before the last step
  (its finished beam is rescored at the last step, end token counted) but
  not if it ended at the last step (scored when the end token is chosen,
  which does not add to the length).
  """
  scores = {}
  for sequence in all_hypotheses(max_time):
    state, token, total = initial_state, TINY_GO, 0.
    for word in sequence:
      log_probs, state = numpy_log_probs(w, state, token)
      total += log_probs[word]
      token = word
    length = len(sequence)
    if sequence[-1] == TINY_END and length == max_time:
      length -= 1
    scores[sequence] = total / ((5. + length) / 6.) ** penalty_weight
  return scores


class BruteForceTest(tf.test.TestCase, parameterized.TestCase):

  @parameterized.parameters((3, 0.0, 0), (3, 1.0, 1), (4, 0.6, 2))
  def test_beams_are_the_best_sequences(self, max_time, penalty, seed):
    w = tiny_weights(seed)
    hypotheses = list(all_hypotheses(max_time))
    beam_width = len(hypotheses)  # Wide enough to keep every hypothesis.
    with tf.Graph().as_default() as graph:
      cell = rnn_cell.BasicRNNCell(TINY_UNITS)
      dense = layers.Dense(TINY_VOCAB)
      embedding = tf.constant(w["embedding"])
      decoder = seq2seq.BeamSearchDecoder(
          cell, embedding, tf.fill([2], TINY_GO), TINY_END,
          seq2seq.tile_batch(tf.constant(w["initial_state"]), beam_width),
          beam_width, output_layer=dense, length_penalty_weight=penalty)
      outputs, _, _ = seq2seq.dynamic_decode(decoder,
                                             maximum_iterations=max_time)
      with tf.compat.v1.Session(graph=graph) as session:
        for variable, value in zip(
            cell.variables + dense.variables,
            (w["kernel"], w["bias"], w["dense_kernel"], w["dense_bias"])):
          variable.load(value, session)
        ids, scores = session.run(
            (outputs.predicted_ids,
             outputs.beam_search_decoder_output.scores))
    self.assertEqual(ids.shape, (2, max_time, beam_width))
    for b in range(2):
      expected = brute_force_scores(w, w["initial_state"][b].astype(
          np.float64), max_time, penalty)
      ranked = sorted(expected, key=expected.get, reverse=True)
      # The top beam is the best sequence, and every beam is the next best.
      final_scores = scores[b, -1]
      self.assertAllClose(final_scores, [expected[s] for s in ranked],
                          atol=1e-5)
      for k, sequence in enumerate(ranked):
        padded = list(sequence) + [TINY_END] * (max_time - len(sequence))
        self.assertAllEqual(ids[b, :, k], padded, msg="beam %d" % k)
    # The length penalty changes the winner for some of the cases above.
    self.assertLen(hypotheses, sum(3 ** t for t in range(max_time + 1)))


# -- tile_batch, gather_tree -------------------------------------------------


def numpy_gather_tree(step_ids, parent_ids, lengths, end_token):
  """TF1's GatherTree kernel, per beam, in plain Python."""
  max_time, batch, width = step_ids.shape
  beams = np.full_like(step_ids, end_token)
  for b in range(batch):
    length = min(lengths[b], max_time)
    for k in range(width):
      if length <= 0:
        continue
      parent = k
      for t in range(length - 1, -1, -1):
        beams[t, b, k] = step_ids[t, b, parent]
        parent = parent_ids[t, b, parent]
      ended = False
      for t in range(length):
        if ended:
          beams[t, b, k] = end_token
        elif beams[t, b, k] == end_token:
          ended = True
  return beams


class TileAndGatherTest(tf.test.TestCase, parameterized.TestCase):

  def evaluate_in_graph(self, fn):
    with tf.Graph().as_default() as graph:
      result = fn()
      with tf.compat.v1.Session(graph=graph) as session:
        return session.run(result)

  def test_tile_batch_matches_numpy_repeat(self):
    rng = np.random.RandomState(0)
    structure = (rng.normal(size=[2, 3]).astype(np.float32),
                 {"a": rng.randint(0, 9, [2]),
                  "b": rng.normal(size=[2, 1, 4])})
    tiled = self.evaluate_in_graph(
        lambda: seq2seq.tile_batch(structure, 3))
    tf.nest.map_structure(
        lambda got, x: self.assertAllEqual(got, np.repeat(x, 3, axis=0)),
        tiled, structure)

  def test_tile_batch_static_shape(self):
    with tf.Graph().as_default():
      tiled = seq2seq.tile_batch(tf.zeros([2, 5]), 4)
      self.assertEqual(tiled.shape.as_list(), [8, 5])
      unknown = seq2seq.tile_batch(
          tf.compat.v1.placeholder(tf.float32, [None, 5]), 4)
      self.assertEqual(unknown.shape.as_list(), [None, 5])
      with self.assertRaisesRegex(ValueError, r"t must have statically known "
                                  r"rank >= 1, got shape \(\)"):
        seq2seq.tile_batch(tf.zeros([]), 2)
      with self.assertRaisesRegex(ValueError, r"multiplier must be a "
                                  r"positive int, got 0"):
        seq2seq.tile_batch(tf.zeros([2]), 0)

  def test_gather_tree_matches_tf115_kernel(self):
    data = np.load(os.path.join(DATA, "gather_tree.npz"))
    got = self.evaluate_in_graph(lambda: seq2seq.gather_tree(
        data["step_ids"], data["parent_ids"], data["lengths"], 2))
    self.assertAllEqual(got, data["beams"])
    self.assertAllEqual(got, numpy_gather_tree(
        data["step_ids"], data["parent_ids"], data["lengths"], 2))

  @parameterized.parameters(0, 1, 2, 3)
  def test_gather_tree_matches_numpy(self, seed):
    rng = np.random.RandomState(seed)
    max_time, batch, width = rng.randint(1, 7), rng.randint(1, 4), \
        rng.randint(1, 5)
    step_ids = rng.randint(0, 4, [max_time, batch, width]).astype(np.int32)
    parent_ids = rng.randint(0, width, [max_time, batch, width]).astype(
        np.int32)
    lengths = rng.randint(0, max_time + 2, [batch]).astype(np.int32)
    got = self.evaluate_in_graph(lambda: seq2seq.gather_tree(
        step_ids, parent_ids, lengths, end_token=3))
    self.assertAllEqual(got, numpy_gather_tree(step_ids, parent_ids, lengths,
                                               3))

  def test_gather_tree_invalid_parent(self):
    with tf.Graph().as_default():
      result = seq2seq.gather_tree([[[1, 2]], [[3, 4]]], [[[0, 1]], [[5, 0]]],
                                   [2], end_token=9)
      with tf.compat.v1.Session() as session:
        with self.assertRaisesRegex(tf.errors.InvalidArgumentError,
                                    r"gather_tree saw an invalid parent id"):
          session.run(result)
      with self.assertRaisesRegex(ValueError, r"max_sequence_lengths must "
                                  r"have shape \[batch_size\] = \(1,\), got "
                                  r"\(2,\)"):
        seq2seq.gather_tree([[[1, 2]]], [[[0, 1]]], [2, 2], end_token=9)


# -- Cell states with TensorArrays -----------------------------------------


class RecordingCell(object):
  """A GRU whose state also records each step's first input feature.

  The state holds a TensorArray, as an attention cell's alignment history
  does; beam search reorders it at the end (`reorder_tensor_arrays`). The
  embedding puts the token id in the first feature.
  """

  def __init__(self):
    self._gru = rnn_cell.GRUCell(3)

  @property
  def state_size(self):
    return (self._gru.state_size, tf.TensorShape([]))

  @property
  def output_size(self):
    return self._gru.output_size

  def zero_state(self, batch_size, dtype):
    return (self._gru.zero_state(batch_size, dtype),
            tf.TensorArray(dtype, size=0, dynamic_size=True,
                           element_shape=tf.TensorShape([batch_size])))

  def __call__(self, inputs, state):
    gru_state, record = state
    output, gru_state = self._gru(inputs, gru_state)
    return output, (gru_state, record.write(record.size(), inputs[:, 0]))


def recording_table():
  """Embedding rows `[id, noise, noise]` (as the fixture script's)."""
  return np.concatenate(
      [np.arange(5, dtype=np.float32)[:, None],
       np.random.RandomState(3).normal(size=[5, 2]).astype(np.float32)], 1)


class TensorArrayStateTest(tf.test.TestCase, parameterized.TestCase):

  @parameterized.parameters(True, False)
  def test_tensor_arrays_in_the_state(self, reorder):
    expected = np.load(os.path.join(DATA, "expected.npz"))
    with tf.Graph().as_default() as graph:
      cell = RecordingCell()
      decoder = seq2seq.BeamSearchDecoder(
          cell, tf.constant(recording_table()), tf.constant([0, 2]), 4,
          cell.zero_state(BATCH * BEAM, tf.float32), BEAM,
          output_layer=layers.Dense(5), reorder_tensor_arrays=reorder)
      outputs, state, _ = seq2seq.dynamic_decode(
          decoder, maximum_iterations=5, scope="recording")
      self.assertEqual(
          sorted(v.op.name for v in tf.compat.v1.global_variables()),
          [str(n) for n in expected["variable_names"]
           if str(n).startswith("recording/")])
      record = state.cell_state[1]
      if not reorder:
        self.assertIsInstance(record, tf.TensorArray)
        record = record.stack()
      with tf.compat.v1.Session(graph=graph) as session:
        tf.compat.v1.train.Saver().restore(
            session, os.path.join(DATA, "model.ckpt"))
        steps = outputs.beam_search_decoder_output
        ids, step_ids, parents, lengths, record = session.run(
            (outputs.predicted_ids, steps.predicted_ids, steps.parent_ids,
             state.lengths, record))
    self.assertAllEqual(ids, expected["recording/predicted_ids"])
    self.assertAllEqual(parents, expected["recording/parent_ids"])
    self.assertAllEqual(lengths, expected["recording/beam_lengths"])
    if reorder:
      self.assertAllEqual(record, expected["recording/record"])
    else:
      # In step order: step t recorded the ids of step t - 1's beams.
      fed = record.reshape([5, BATCH, BEAM])
      self.assertAllEqual(fed[0], [[0] * BEAM, [2] * BEAM])
      self.assertAllEqual(fed[1:].transpose([1, 0, 2]), step_ids[:, :-1])
      self.assertNotAllEqual(record, expected["recording/record"])


class AttentionWrapperState(collections.namedtuple(
    "AttentionWrapperState", ("cell_state", "attention", "time",
                              "alignments", "alignment_history",
                              "attention_state"))):
  """The fields of TF1's AttentionWrapperState (what beam search reads)."""


class FakeAttentionCell(object):
  """A GRU with an attention state: alignments = softmax(h @ W).

  As the fixture script's: the smallest cell the coverage penalty applies
  to, over 4 source positions.
  """

  def __init__(self):
    self._gru = rnn_cell.GRUCell(3)
    self._alignment = layers.Dense(4, use_bias=False, name="alignment")

  @property
  def state_size(self):
    return AttentionWrapperState(
        cell_state=3, attention=3, time=tf.TensorShape([]), alignments=4,
        alignment_history=(), attention_state=4)

  @property
  def output_size(self):
    return 3

  def zero_state(self, batch_size, dtype):
    return AttentionWrapperState(
        cell_state=self._gru.zero_state(batch_size, dtype),
        attention=tf.zeros([batch_size, 3], dtype),
        time=tf.zeros([], tf.int32),
        alignments=tf.zeros([batch_size, 4], dtype), alignment_history=(),
        attention_state=tf.zeros([batch_size, 4], dtype))

  def __call__(self, inputs, state):
    output, cell_state = self._gru(inputs, state.cell_state)
    alignments = tf.nn.softmax(self._alignment(output))
    return output, AttentionWrapperState(
        cell_state=cell_state, attention=output, time=state.time + 1,
        alignments=alignments, alignment_history=(),
        attention_state=alignments)


class CoveragePenaltyTest(tf.test.TestCase):

  def test_matches_tf115(self):
    expected = np.load(os.path.join(DATA, "expected.npz"))
    with tf.Graph().as_default() as graph:
      cell = FakeAttentionCell()
      decoder = seq2seq.BeamSearchDecoder(
          cell, tf.constant(recording_table()), tf.constant([0, 2]), 4,
          cell.zero_state(BATCH * BEAM, tf.float32), BEAM,
          output_layer=layers.Dense(5), length_penalty_weight=0.5,
          coverage_penalty_weight=0.4)
      outputs, state, _ = seq2seq.dynamic_decode(
          decoder, maximum_iterations=5, scope="coverage")
      self.assertEqual(
          sorted(v.op.name for v in tf.compat.v1.global_variables()),
          [str(n) for n in expected["variable_names"]
           if str(n).startswith("coverage/")])
      fetch = {
          "predicted_ids": outputs.predicted_ids,
          "scores": outputs.beam_search_decoder_output.scores,
          "accumulated_attention_probs": state.accumulated_attention_probs,
          "beam_lengths": state.lengths, "log_probs": state.log_probs}
      with tf.compat.v1.Session(graph=graph) as session:
        tf.compat.v1.train.Saver().restore(
            session, os.path.join(DATA, "model.ckpt"))
        values = session.run(fetch)
    for key, value in values.items():
      want = expected["coverage/" + key]
      if want.dtype.kind == "f":
        self.assertAllClose(value, want, atol=1e-5, msg=key)
      else:
        self.assertAllEqual(value, want, msg=key)
    # Some beam finished early, so the penalty entered its score.
    self.assertLess(values["beam_lengths"].min(), 5)


class ErrorTest(tf.test.TestCase):

  def setUp(self):
    super().setUp()
    self.enter_context(tf.Graph().as_default())
    self.embedding = tf.compat.v1.get_variable("embedding", [VOCAB, EMBED])
    self.cell = rnn_cell.BasicLSTMCell(UNITS)

  def beam_search(self, beam_width=BEAM, state=None, **kwargs):
    if state is None:
      state = self.cell.zero_state(BATCH * BEAM, tf.float32)
    return seq2seq.BeamSearchDecoder(self.cell, self.embedding, [GO, GO], END,
                                     state, beam_width, **kwargs)

  def test_beam_width(self):
    for bad in (0, -2, 2.0, True, None):
      with self.assertRaisesRegex(ValueError, r"^beam_width must be a Python "
                                  r"int >= 1, got %s$" % bad):
        self.beam_search(beam_width=bad)

  def test_initial_state_not_tiled(self):
    with self.assertRaisesRegex(
        ValueError, r"a state tensor of shape \(2, 4\) cannot be "
        r"\(batch_size, beam_width, depth\) == \(2, 3, 4\); expected "
        r"batch_size \* beam_width = 6 rows"):
      self.beam_search(state=self.cell.zero_state(BATCH, tf.float32))

  def test_initial_state_structure(self):
    with self.assertRaisesRegex(
        ValueError, r"initial_state must have the structure of "
        r"cell\.state_size LSTMStateTuple\(c=4, h=4\), got"):
      self.beam_search(state=tf.zeros([BATCH * BEAM, UNITS]))

  def test_start_and_end_tokens(self):
    with self.assertRaisesRegex(ValueError, r"start_tokens must be ids in "
                                r"\[0, 6\) \(the embedding has 6 rows\), "
                                r"got \[7\]"):
      seq2seq.BeamSearchDecoder(self.cell, self.embedding, [GO, 7], END,
                                self.cell.zero_state(BATCH * BEAM,
                                                     tf.float32), BEAM)
    with self.assertRaisesRegex(ValueError, r"end_token must be a scalar"):
      seq2seq.BeamSearchDecoder(self.cell, self.embedding, [GO, GO], [END],
                                self.cell.zero_state(BATCH * BEAM,
                                                     tf.float32), BEAM)

  def test_coverage_penalty_needs_attention(self):
    decoder = self.beam_search(coverage_penalty_weight=0.3)
    with self.assertRaisesRegex(ValueError, r"coverage_penalty_weight must "
                                r"be 0\.0 if no cell is attentional\."):
      seq2seq.dynamic_decode(decoder, maximum_iterations=2)


class DynamicMemoryTimeTest(tf.test.TestCase):
  """An attention cell over memory whose time is known only at run time.

  Its alignments size is then a scalar Tensor; the beams must be those of
  the same search over the same memory with a static shape.
  """

  def beams(self, static):
    rng = np.random.RandomState(7)
    memory = rng.normal(size=[BATCH, 5, 3]).astype(np.float32)
    memory_lengths = np.array([5, 3], np.int32)
    with tf.Graph().as_default():
      if static:
        memory_tensor = tf.constant(memory)
        lengths_tensor = tf.constant(memory_lengths)
        feed = {}
      else:
        memory_tensor = tf.compat.v1.placeholder(tf.float32, [None, None, 3])
        lengths_tensor = tf.compat.v1.placeholder(tf.int32, [None])
        feed = {memory_tensor: memory, lengths_tensor: memory_lengths}
      with tf.compat.v1.variable_scope(
          "s", initializer=tf.compat.v1.random_uniform_initializer(
              -0.8, 0.8, seed=3)):
        embedding = tf.compat.v1.get_variable("embedding", [VOCAB, EMBED])
        mechanism = seq2seq.LuongAttention(
            UNITS, seq2seq.tile_batch(memory_tensor, BEAM),
            memory_sequence_length=seq2seq.tile_batch(lengths_tensor, BEAM))
        cell = seq2seq.AttentionWrapper(rnn_cell.LSTMCell(UNITS), mechanism,
                                        attention_layer_size=UNITS)
        batch_size = tf.size(lengths_tensor)
        decoder = seq2seq.BeamSearchDecoder(
            cell, embedding, tf.fill([batch_size], GO), END,
            cell.zero_state(batch_size * BEAM, tf.float32), BEAM,
            output_layer=layers.Dense(VOCAB), length_penalty_weight=0.6)
        outputs, state, _ = seq2seq.dynamic_decode(
            decoder, maximum_iterations=MAX_ITERATIONS)
      with self.session() as sess:
        sess.run(tf.compat.v1.global_variables_initializer())
        return sess.run(
            [outputs.predicted_ids, outputs.beam_search_decoder_output.scores,
             state.cell_state.alignments], feed)

  def test_same_beams_as_static_memory(self):
    static_ids, static_scores, static_alignments = self.beams(static=True)
    ids, scores, alignments = self.beams(static=False)
    self.assertAllEqual(ids, static_ids)
    self.assertAllClose(scores, static_scores, atol=1e-5)
    self.assertAllClose(alignments, static_alignments, atol=1e-6)
    self.assertEqual(alignments.shape, (BATCH, BEAM, 5))


class Tf1BehaviorTest(tf.test.TestCase):

  def test_tf1_behavior(self):
    tf1_behaviour.rerun(
        self, "beam_search_decoder_test", min_tests=17,
        names=["Tf115BeamSearchTest", "BruteForceTest", "TileAndGatherTest",
               "TensorArrayStateTest", "CoveragePenaltyTest", "ErrorTest",
               "DynamicMemoryTimeTest"])


if __name__ == "__main__":
  tf.test.main()
