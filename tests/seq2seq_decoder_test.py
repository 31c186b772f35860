"""Tests for tf1seq.contrib.seq2seq's helpers, BasicDecoder, dynamic_decode.

Oracles: TensorFlow's own `tf.compat.v1.nn.dynamic_rnn` on the same cell,
and TensorFlow 1.15's `tf.contrib.seq2seq` (the checkpoint and the outputs
written by tests/testdata/make_seq2seq_decode_fixtures.py, restored into
tf1seq's graph by variable name).

The module also runs in TF1 behaviour (`disable_v2_behavior`, v1 control
flow) in a subprocess: `test_tf1_behavior`.
"""

import os
import types

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

import tf1_behaviour
from tf1seq import layers
from tf1seq import rnn_cell
from tf1seq.compat import coverage
from tf1seq.contrib import seq2seq

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "testdata",
                    "seq2seq_decode")
VOCAB, EMBED, UNITS, BATCH, TIME = 6, 3, 4, 2, 5
GO, END = 0, 1
MAX_ITERATIONS = 6
BASIC_RUNS = ("train", "train_raw", "greedy", "greedy_imputed_time_major",
              "sample", "scheduled_embedding", "scheduled_output",
              "scheduled_aux")


def fixture_constants():
  """The constant inputs of the fixture graph (same generator and order)."""
  rng = np.random.RandomState(5)
  return dict(
      target_ids=rng.randint(2, VOCAB, [BATCH, TIME]).astype(np.int32),
      lengths=np.array([TIME, 3], np.int32),
      init_c=rng.normal(0, 1, [BATCH, UNITS]).astype(np.float32),
      init_h=rng.normal(0, 0.5, [BATCH, UNITS]).astype(np.float32))


def aux_constants():
  """Inputs [BATCH, TIME, 3] and auxiliary inputs [BATCH, TIME, 2]."""
  rng = np.random.RandomState(8)
  return (rng.normal(size=[BATCH, TIME, EMBED]).astype(np.float32),
          rng.normal(size=[BATCH, TIME, 2]).astype(np.float32))


def build_basic_decoders():
  """tf1seq's version of the fixture graph's BasicDecoder part."""
  c = fixture_constants()
  fetch = {}
  embedding = tf.compat.v1.get_variable("embedding", [VOCAB, EMBED])
  cell = rnn_cell.BasicLSTMCell(UNITS)
  dense = layers.Dense(VOCAB, name="dense")
  init_state = rnn_cell.LSTMStateTuple(tf.constant(c["init_c"]),
                                       tf.constant(c["init_h"]))
  inputs = tf.nn.embedding_lookup(embedding, c["target_ids"])
  start_tokens = tf.fill([BATCH], GO)

  def run(name, helper, **kwargs):
    decoder = seq2seq.BasicDecoder(cell, helper, init_state,
                                   output_layer=dense)
    outputs, final_state, lengths = seq2seq.dynamic_decode(
        decoder, scope="decoder", **kwargs)
    fetch[name + "/rnn_output"] = outputs.rnn_output
    fetch[name + "/sample_id"] = outputs.sample_id
    fetch[name + "/c"] = final_state.c
    fetch[name + "/h"] = final_state.h
    fetch[name + "/lengths"] = lengths

  run("train", seq2seq.TrainingHelper(inputs, c["lengths"]),
      impute_finished=True)
  run("train_raw", seq2seq.TrainingHelper(inputs, c["lengths"]))
  greedy = seq2seq.GreedyEmbeddingHelper(embedding, start_tokens, END)
  run("greedy", greedy, maximum_iterations=MAX_ITERATIONS)
  run("greedy_imputed_time_major", greedy, maximum_iterations=MAX_ITERATIONS,
      impute_finished=True, output_time_major=True)
  run("sample", seq2seq.SampleEmbeddingHelper(
      embedding, start_tokens, END, softmax_temperature=0.7, seed=7),
      maximum_iterations=MAX_ITERATIONS, parallel_iterations=1)
  run("scheduled_embedding", seq2seq.ScheduledEmbeddingTrainingHelper(
      inputs, c["lengths"], embedding, 0.5, seed=11, scheduling_seed=12),
      parallel_iterations=1)
  run("scheduled_output", seq2seq.ScheduledOutputTrainingHelper(
      inputs, c["lengths"], 0.5, seed=13,
      next_inputs_fn=lambda out: tf.nn.embedding_lookup(
          embedding, tf.argmax(out, -1))), parallel_iterations=1)
  aux_cell = rnn_cell.GRUCell(EMBED)
  aux_inputs, aux = aux_constants()
  helper = seq2seq.ScheduledOutputTrainingHelper(
      aux_inputs, c["lengths"], 0.5, seed=21, auxiliary_inputs=aux)
  outputs, state, lengths = seq2seq.dynamic_decode(
      seq2seq.BasicDecoder(aux_cell, helper,
                           aux_cell.zero_state(BATCH, tf.float32)),
      parallel_iterations=1, scope="aux")
  fetch["scheduled_aux/rnn_output"] = outputs.rnn_output
  fetch["scheduled_aux/sample_id"] = outputs.sample_id
  fetch["scheduled_aux/state"] = state
  fetch["scheduled_aux/lengths"] = lengths
  return fetch


def restore_fixture(session):
  saver = tf.compat.v1.train.Saver()
  saver.restore(session, os.path.join(DATA, "model.ckpt"))


class BasicDecoderTest(tf.test.TestCase, parameterized.TestCase):

  @classmethod
  def setUpClass(cls):
    super().setUpClass()
    cls.expected = dict(np.load(os.path.join(DATA, "expected.npz")))
    graph = tf.Graph()
    with graph.as_default():
      fetch = build_basic_decoders()
      cls.variable_names = sorted(
          v.op.name for v in tf.compat.v1.global_variables())
      with tf.compat.v1.Session(graph=graph) as session:
        restore_fixture(session)
        cls.values = session.run(fetch)

  def test_variable_names_are_tf115s(self):
    tf115_names = [str(n) for n in self.expected["variable_names"]
                   if str(n).startswith(("decoder/", "embedding", "aux/"))]
    self.assertEqual(self.variable_names, tf115_names)
    self.assertIn("decoder/dense/kernel", self.variable_names)
    self.assertIn("decoder/basic_lstm_cell/kernel", self.variable_names)

  @parameterized.parameters(*BASIC_RUNS)
  def test_matches_tf115(self, run):
    keys = [k for k in self.expected if k.startswith(run + "/")]
    self.assertGreaterEqual(len(keys), 4)
    for key in keys:
      self.assertEqual(self.values[key].shape, self.expected[key].shape,
                       msg=key)
      if self.values[key].dtype.kind == "f":
        self.assertAllClose(self.values[key], self.expected[key], atol=1e-5,
                            msg=key)
      else:
        self.assertAllEqual(self.values[key], self.expected[key], msg=key)

  def test_greedy_lengths_stop_at_the_end_token(self):
    ids = self.values["greedy/sample_id"]
    lengths = self.values["greedy/lengths"]
    for row, length in zip(ids, lengths):
      ends = np.flatnonzero(row == END)
      self.assertEqual(length, ends[0] + 1 if ends.size else MAX_ITERATIONS)
    # The loop runs until the last entry is finished.
    self.assertEqual(ids.shape[1], lengths.max())

  def test_impute_finished_zeros_outputs_and_keeps_states(self):
    raw_ids = self.values["greedy/sample_id"]
    outputs = np.swapaxes(
        self.values["greedy_imputed_time_major/rnn_output"], 0, 1)
    ids = self.values["greedy_imputed_time_major/sample_id"].T
    lengths = self.values["greedy_imputed_time_major/lengths"]
    self.assertLess(lengths.min(), ids.shape[1])  # Someone finished early.
    for b, length in enumerate(lengths):
      self.assertAllEqual(outputs[b, length:], np.zeros_like(
          outputs[b, length:]))
      self.assertAllEqual(ids[b, length:], np.zeros_like(ids[b, length:]))
      self.assertAllEqual(ids[b, :length], raw_ids[b, :length])
    # Without imputation the outputs go on past the end.
    raw = self.values["greedy/rnn_output"]
    b = int(np.argmin(lengths))
    self.assertGreater(np.abs(raw[b, lengths[b]:]).max(), 0)
    # With it, the final state is the state at each entry's end: the
    # training run (imputed) ends entry 1 after 3 of 5 steps; the raw one
    # runs its cell 2 steps further.
    self.assertNotAllClose(self.values["train/c"][1],
                           self.values["train_raw/c"][1])
    self.assertAllClose(self.values["train/c"][0],
                        self.values["train_raw/c"][0])

  def test_output_time_major(self):
    self.assertAllEqual(
        self.values["greedy_imputed_time_major/rnn_output"].shape,
        [self.values["greedy/lengths"].max(), BATCH, VOCAB])

  def test_scheduled_helpers_mix_inputs_and_samples(self):
    ids = self.values["scheduled_embedding/sample_id"]
    self.assertTrue((ids == -1).any() and (ids >= 0).any())
    chosen = self.values["scheduled_output/sample_id"]
    self.assertTrue((chosen == 1).any() and (chosen == 0).any())


class DynamicRnnOracleTest(tf.test.TestCase, parameterized.TestCase):

  @parameterized.named_parameters(
      ("lstm", lambda: rnn_cell.BasicLSTMCell(5)),
      ("gru", lambda: rnn_cell.GRUCell(5)),
      ("multi", lambda: rnn_cell.MultiRNNCell(
          [rnn_cell.LSTMCell(4), rnn_cell.GRUCell(3)])))
  def test_training_decoder_equals_dynamic_rnn(self, make_cell):
    rng = np.random.RandomState(1)
    x = rng.normal(size=[3, 6, 2]).astype(np.float32)
    lengths = np.array([6, 0, 4], np.int32)
    with tf.Graph().as_default() as graph:
      cell = make_cell()
      initial_state = tf.nest.map_structure(
          lambda t: t + 0.3, cell.zero_state(3, tf.float32))
      decoder = seq2seq.BasicDecoder(
          cell, seq2seq.TrainingHelper(x, lengths), initial_state)
      outputs, state, decode_lengths = seq2seq.dynamic_decode(
          decoder, impute_finished=True, scope="rnn")
      # The same cell object: dynamic_rnn reuses the decoder's variables.
      rnn_outputs, rnn_state = tf.compat.v1.nn.dynamic_rnn(
          cell, x, sequence_length=lengths, initial_state=initial_state)
      with tf.compat.v1.Session(graph=graph) as session:
        session.run(tf.compat.v1.global_variables_initializer())
        got, want = session.run(((outputs.rnn_output, state, decode_lengths),
                                 (rnn_outputs, rnn_state)))
    self.assertAllClose(got[0], want[0], atol=1e-6)
    tf.nest.map_structure(lambda a, b: self.assertAllClose(a, b, atol=1e-6),
                          got[1], want[1])
    self.assertAllEqual(got[2], lengths)

  def test_maximum_iterations_cuts_the_loop(self):
    with tf.Graph().as_default() as graph:
      cell = rnn_cell.GRUCell(3)
      helper = seq2seq.TrainingHelper(tf.ones([2, 7, 2]), [7, 5])
      decoder = seq2seq.BasicDecoder(cell, helper,
                                     cell.zero_state(2, tf.float32))
      outputs, _, lengths = seq2seq.dynamic_decode(
          decoder, maximum_iterations=tf.constant(4))
      with tf.compat.v1.Session(graph=graph) as session:
        session.run(tf.compat.v1.global_variables_initializer())
        out, length = session.run((outputs.rnn_output, lengths))
    self.assertEqual(out.shape, (2, 4, 3))
    self.assertAllEqual(length, [4, 4])

  def test_inference_helper_and_custom_helper(self):
    with tf.Graph().as_default() as graph:
      cell = rnn_cell.GRUCell(2)
      state = cell.zero_state(3, tf.float32)
      # Feeds its output back; ends when the first unit is positive.
      inference = seq2seq.InferenceHelper(
          sample_fn=lambda out: out, sample_shape=[2],
          sample_dtype=tf.float32, start_inputs=tf.ones([3, 2]),
          end_fn=lambda sample: sample[:, 0] > 0)
      custom = seq2seq.CustomHelper(
          initialize_fn=lambda: (tf.zeros([3], tf.bool), tf.ones([3, 2])),
          sample_fn=lambda time, outputs, state: outputs,
          next_inputs_fn=lambda time, outputs, state, sample_ids: (
              sample_ids[:, 0] > 0, sample_ids, state),
          sample_ids_shape=[2], sample_ids_dtype=tf.float32)
      results = []
      for helper in (inference, custom):
        outputs, _, lengths = seq2seq.dynamic_decode(
            seq2seq.BasicDecoder(cell, helper, state), maximum_iterations=5)
        results.append((outputs, lengths))
      with tf.compat.v1.Session(graph=graph) as session:
        session.run(tf.compat.v1.global_variables_initializer())
        (a, a_lengths), (b, b_lengths) = session.run(results)
    self.assertAllClose(a.rnn_output, a.sample_id)
    self.assertAllClose(a.rnn_output, b.rnn_output)
    self.assertAllEqual(a_lengths, b_lengths)
    for row, length in zip(a.sample_id, a_lengths):
      positive = np.flatnonzero(row[:, 0] > 0)
      self.assertEqual(length, positive[0] + 1 if positive.size else 5)


class ErrorTest(tf.test.TestCase):

  def setUp(self):
    super().setUp()
    graph = tf.Graph()
    self.enter_context(graph.as_default())
    self.embedding = tf.compat.v1.get_variable("embedding", [VOCAB, EMBED])
    self.cell = rnn_cell.BasicLSTMCell(UNITS)
    self.state = self.cell.zero_state(BATCH, tf.float32)
    self.helper = seq2seq.GreedyEmbeddingHelper(self.embedding, [GO, GO],
                                                END)

  def test_maximum_iterations_must_be_positive(self):
    decoder = seq2seq.BasicDecoder(self.cell, self.helper, self.state)
    for bad in (0, -3):
      with self.assertRaisesRegex(
          ValueError, r"^maximum_iterations must be positive, got %d$" % bad):
        seq2seq.dynamic_decode(decoder, maximum_iterations=bad)
    with self.assertRaisesRegex(ValueError, r"maximum_iterations must be a "
                                r"scalar, got shape \(2,\)"):
      seq2seq.dynamic_decode(decoder, maximum_iterations=[2, 3])

  def test_decoder_type(self):
    with self.assertRaisesRegex(TypeError, r"decoder must be a tf1seq\.contrib"
                                r"\.seq2seq\.Decoder, got BasicLSTMCell"):
      seq2seq.dynamic_decode(self.cell)

  def test_initial_state_structure(self):
    with self.assertRaisesRegex(
        ValueError, r"initial_state must have the structure of "
        r"cell\.state_size LSTMStateTuple\(c=4, h=4\), got "):
      seq2seq.BasicDecoder(self.cell, self.helper, self.state.c)

  def test_helper_and_layer_types(self):
    with self.assertRaisesRegex(TypeError, r"helper must be a Helper, "
                                r"received: int"):
      seq2seq.BasicDecoder(self.cell, 3, self.state)
    with self.assertRaisesRegex(TypeError, r"output_layer must be a Layer, "
                                r"received: int"):
      seq2seq.BasicDecoder(self.cell, self.helper, self.state,
                           output_layer=3)
    with self.assertRaisesRegex(TypeError, r"cell must be an RNNCell"):
      seq2seq.BasicDecoder(object(), self.helper, self.state)

  def test_start_tokens_outside_the_embedding(self):
    with self.assertRaisesRegex(
        ValueError, r"start_tokens must be ids in \[0, 6\) \(the embedding "
        r"has 6 rows\), got \[6, -1\]"):
      seq2seq.GreedyEmbeddingHelper(self.embedding, [6, -1], END)
    with self.assertRaisesRegex(ValueError, r"start_tokens must be a vector, "
                                r"got shape \(\)"):
      seq2seq.GreedyEmbeddingHelper(self.embedding, GO, END)
    with self.assertRaisesRegex(ValueError, r"end_token must be a scalar, "
                                r"got shape \(1,\)"):
      seq2seq.GreedyEmbeddingHelper(self.embedding, [GO], [END])

  def test_sampled_ids_outside_the_embedding_fail_at_run_time(self):
    # The projection has 9 classes, the embedding 6 rows.
    decoder = seq2seq.BasicDecoder(
        self.cell, self.helper, self.state,
        output_layer=layers.Dense(
            9, bias_initializer=tf.compat.v1.constant_initializer(
                [0.] * 8 + [50.])))
    outputs, _, _ = seq2seq.dynamic_decode(decoder, maximum_iterations=3)
    with tf.compat.v1.Session() as session:
      session.run(tf.compat.v1.global_variables_initializer())
      with self.assertRaisesRegex(
          tf.errors.InvalidArgumentError,
          r"ids fed to the embedding must be in \[0, vocab_size\) with "
          r"vocab_size \(embedding rows\) =\] \[6\] \[got ids\] \[8 8\]"):
        session.run(outputs)

  def test_training_helper_sequence_length_rank(self):
    with self.assertRaisesRegex(ValueError, r"Expected sequence_length to be "
                                r"a vector, but received shape: \(\)"):
      seq2seq.TrainingHelper(tf.ones([2, 3, 1]), 3)

  def test_sampling_probability_rank(self):
    with self.assertRaisesRegex(ValueError, r"sampling_probability must be "
                                r"either a scalar or a vector. saw shape: "
                                r"\(1, 1\)"):
      seq2seq.ScheduledOutputTrainingHelper(tf.ones([2, 3, 1]), [3, 3],
                                            [[0.5]])


class CoverageTest(tf.test.TestCase):

  def test_tf_contrib_seq2seq_namespace(self):
    # The table behind `import tf1seq.compat.v1 as tf` (whose import would
    # disable TF2 behaviour for the whole process).
    tf1 = types.SimpleNamespace(
        contrib=coverage.contrib_namespace("tensorflow.contrib"))
    for name in seq2seq.TF1_NAMES:
      self.assertIs(getattr(tf1.contrib.seq2seq, name),
                    getattr(seq2seq, name))
    self.assertIs(tf1.contrib.seq2seq.BasicDecoder, seq2seq.BasicDecoder)
    self.assertIs(tf1.contrib.seq2seq.sequence_loss, seq2seq.sequence_loss)
    with self.assertRaisesRegex(
        AttributeError, r"^tf\.contrib\.seq2seq\.Nonexistent is not covered "
        r"by tf1seq; its tf\.contrib\.seq2seq has: AttentionMechanism, "
        r"AttentionWrapper, .*, BasicDecoder, BasicDecoderOutput, .*, "
        r"tile_batch\.$"):
      tf1.contrib.seq2seq.Nonexistent  # pylint: disable=pointless-statement

  def test_public_names_are_tf1s(self):
    # TensorFlow 1.15's tf.contrib.seq2seq._allowed_symbols, but
    # monotonic_probability_fn (listed there, defined nowhere).
    self.assertCountEqual(seq2seq.TF1_NAMES, [
        "sequence_loss", "Decoder", "dynamic_decode", "BasicDecoder",
        "BasicDecoderOutput", "BeamSearchDecoder", "BeamSearchDecoderOutput",
        "BeamSearchDecoderState", "Helper", "CustomHelper",
        "FinalBeamSearchDecoderOutput", "gather_tree",
        "GreedyEmbeddingHelper", "InferenceHelper", "SampleEmbeddingHelper",
        "ScheduledEmbeddingTrainingHelper", "ScheduledOutputTrainingHelper",
        "TrainingHelper", "tile_batch", "BahdanauAttention",
        "LuongAttention", "hardmax", "AttentionWrapperState",
        "AttentionWrapper", "AttentionMechanism", "safe_cumprod",
        "monotonic_attention", "BahdanauMonotonicAttention",
        "LuongMonotonicAttention"])


class Tf1BehaviorTest(tf.test.TestCase):

  def test_tf1_behavior(self):
    tf1_behaviour.rerun(
        self, "seq2seq_decoder_test", min_tests=17,
        names=["BasicDecoderTest", "DynamicRnnOracleTest", "ErrorTest"])


if __name__ == "__main__":
  tf.test.main()
