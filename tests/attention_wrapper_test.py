"""Tests of tf1seq.contrib.seq2seq.attention_wrapper against TensorFlow 1.15.

The fixtures (tests/testdata/attention/, written by
tests/testdata/make_attention_fixtures.py with TensorFlow 1.15's
tf.contrib.seq2seq) hold a checkpoint, the outputs and the final state of
each configuration; here the same graph is built with tf1seq, must have the
same variable names in the same order, restores the checkpoint and must give
the same numbers. Scores are also recomputed in numpy from the fetched
weights. The module runs in TF2 behaviour (graphs in `tf.Graph()`) and, in a
subprocess, after `tf.compat.v1.disable_v2_behavior()`.
"""

import importlib.util
import os

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

import tf1_behaviour
from tf1seq import layers
from tf1seq import rnn_cell
from tf1seq.contrib.seq2seq import attention_wrapper

_TESTDATA = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                         "testdata")
_FIXTURES = os.path.join(_TESTDATA, "attention")


def _load_fixture_builder():
  spec = importlib.util.spec_from_file_location(
      "make_attention_fixtures",
      os.path.join(_TESTDATA, "make_attention_fixtures.py"))
  module = importlib.util.module_from_spec(spec)
  spec.loader.exec_module(module)
  return module


fixtures = _load_fixture_builder()


def _np_softmax(x):
  e = np.exp(x - x.max(-1, keepdims=True))
  return e / e.sum(-1, keepdims=True)


def _np_monotonic(p, previous):
  """The monotonic attention recurrence, step by step."""
  attention = np.zeros_like(p)
  for b in range(p.shape[0]):
    q = 0.
    for i in range(p.shape[1]):
      q = (1 - p[b, i - 1]) * q + previous[b, i] if i else previous[b, 0]
      attention[b, i] = p[b, i] * q
  return attention


class FixtureTest(tf.test.TestCase, parameterized.TestCase):
  """The TF1.15 configurations: names, restored outputs and state."""

  @parameterized.named_parameters((name, name) for name in fixtures.CONFIGS)
  def test_matches_tf115(self, name):
    expected = np.load(os.path.join(_FIXTURES, name, "expected.npz"))
    with tf.Graph().as_default():
      outputs, state = fixtures.build(name, tf, attention_wrapper, rnn_cell,
                                      layers.Dense)
      names = [v.op.name for v in tf.compat.v1.global_variables()]
      self.assertEqual(names, list(expected["variable_names"]))
      leaves = fixtures.flatten_state(state)
      self.assertCountEqual(
          leaves, [k for k in expected.files if k.startswith("state")])
      with tf.compat.v1.Session() as session:
        tf.compat.v1.train.Saver().restore(
            session, os.path.join(_FIXTURES, name, "model.ckpt"))
        got = session.run({"outputs": outputs, "state": leaves})
    self.assertAllClose(got["outputs"], expected["outputs"], atol=1e-5,
                        rtol=0)
    for key, value in got["state"].items():
      self.assertAllClose(value, expected[key], atol=1e-5, rtol=0, msg=key)


class OpsTest(tf.test.TestCase, parameterized.TestCase):
  """safe_cumprod, hardmax, monotonic_attention vs TF1.15 and numpy."""

  def setUp(self):
    super().setUp()
    self.data = np.load(os.path.join(_FIXTURES, "ops.npz"))

  def _run(self, fetches):
    with tf.Graph().as_default(), tf.compat.v1.Session() as session:
      return session.run(fetches())

  def test_safe_cumprod(self):
    x = self.data["x"]
    got, got_exclusive_reverse = self._run(lambda: [
        attention_wrapper.safe_cumprod(x, axis=1),
        attention_wrapper.safe_cumprod(x, axis=1, exclusive=True,
                                       reverse=True)])
    self.assertAllClose(got, np.cumprod(x, axis=1), rtol=1e-5)
    self.assertAllClose(got, self.data["safe_cumprod"], rtol=1e-6)
    reverse = np.concatenate(
        [np.cumprod(x[:, ::-1], axis=1)[:, ::-1][:, 1:],
         np.ones([x.shape[0], 1], np.float32)], 1)
    self.assertAllClose(got_exclusive_reverse, reverse, rtol=1e-5)
    self.assertAllClose(got_exclusive_reverse,
                        self.data["safe_cumprod_exclusive_reverse"],
                        rtol=1e-6)

  def test_hardmax(self):
    logits = self.data["logits"]
    got = self._run(lambda: attention_wrapper.hardmax(logits))
    self.assertAllEqual(got, np.eye(5)[logits.argmax(-1)])
    self.assertAllEqual(got, self.data["hardmax"])

  @parameterized.parameters("recursive", "parallel")
  def test_monotonic_attention(self, mode):
    p, previous = self.data["p"], self.data["previous"]
    got = self._run(
        lambda: attention_wrapper.monotonic_attention(p, previous, mode))
    self.assertAllClose(got, _np_monotonic(p, previous), atol=1e-5)
    self.assertAllClose(got, self.data[mode], atol=1e-6)

  def test_monotonic_attention_hard(self):
    p, previous = self.data["p_hard"], self.data["previous_hard"]
    got = self._run(
        lambda: attention_wrapper.monotonic_attention(p, previous, "hard"))
    self.assertAllEqual(got, _np_monotonic(p, previous))
    self.assertAllEqual(got, self.data["hard"])

  def test_monotonic_attention_unknown_mode(self):
    with tf.Graph().as_default():
      with self.assertRaisesRegex(
          ValueError, r"mode must be 'recursive', 'parallel', or 'hard', "
          r"got 'soft'"):
        attention_wrapper.monotonic_attention([[0.5]], [[1.]], "soft")
      with self.assertRaisesRegex(ValueError, r"got 'soft'"):
        attention_wrapper.LuongMonotonicAttention(
            2, tf.zeros([1, 3, 2]), mode="soft")


class ScoreTest(tf.test.TestCase, parameterized.TestCase):
  """Alignments equal numpy's recomputation from the fetched weights."""

  def _alignments(self, make_mechanism, query_depth, lengths=None):
    rng = np.random.RandomState(3)
    memory = rng.uniform(-1, 1, (2, 5, 6)).astype(np.float32)
    query = rng.uniform(-1, 1, (2, query_depth)).astype(np.float32)
    with tf.Graph().as_default():
      tf.compat.v1.set_random_seed(7)
      mechanism = make_mechanism(tf.constant(memory), lengths)
      with tf.compat.v1.variable_scope("decoder"):
        alignments, next_state = mechanism(
            tf.constant(query), state=mechanism.initial_state(2, tf.float32))
        variables = {v.op.name: v for v in tf.compat.v1.global_variables()}
      with tf.compat.v1.Session() as session:
        session.run(tf.compat.v1.global_variables_initializer())
        # Non-default normalization weights, so that they matter.
        for name, variable in variables.items():
          if name.endswith(("attention_g", "attention_b")):
            session.run(variable.assign(
                rng.uniform(0.5, 1.5, variable.shape).astype(np.float32)))
        got, got_state, weights = session.run(
            [alignments, next_state, variables])
    self.assertAllEqual(got, got_state)
    if lengths is not None:
      memory = memory * (np.arange(5) < np.array(lengths)[:, None])[..., None]
    return got, memory, query, weights

  @parameterized.named_parameters(
      ("plain", False, None), ("normalized", True, None),
      ("masked", False, [5, 2]), ("normalized_masked", True, [3, 5]))
  def test_bahdanau(self, normalize, lengths):
    got, memory, query, w = self._alignments(
        lambda memory, lengths: attention_wrapper.BahdanauAttention(
            4, memory, memory_sequence_length=lengths, normalize=normalize),
        query_depth=3, lengths=lengths)
    prefix = "decoder/bahdanau_attention/"
    self.assertCountEqual(
        w, ["memory_layer/kernel", prefix + "query_layer/kernel",
            prefix + "attention_v"] +
        ([prefix + "attention_g", prefix + "attention_b"] if normalize
         else []))
    keys = memory @ w["memory_layer/kernel"]
    processed = (query @ w[prefix + "query_layer/kernel"])[:, None]
    v = w[prefix + "attention_v"]
    if normalize:
      v = w[prefix + "attention_g"] * v / np.linalg.norm(v)
      processed = processed + w[prefix + "attention_b"]
    score = (v * np.tanh(keys + processed)).sum(-1)
    if lengths is not None:
      score = np.where(np.arange(5) < np.array(lengths)[:, None], score,
                       -np.inf)
    self.assertAllClose(got, _np_softmax(score), atol=1e-6)

  @parameterized.named_parameters(
      ("plain", False, None), ("scaled", True, None),
      ("masked", False, [2, 5]), ("scaled_masked", True, [5, 4]))
  def test_luong(self, scale, lengths):
    got, memory, query, w = self._alignments(
        lambda memory, lengths: attention_wrapper.LuongAttention(
            3, memory, memory_sequence_length=lengths, scale=scale),
        query_depth=3, lengths=lengths)
    self.assertCountEqual(
        w, ["memory_layer/kernel"] +
        (["decoder/luong_attention/attention_g"] if scale else []))
    score = np.einsum("bd,btd->bt", query, memory @ w["memory_layer/kernel"])
    if scale:
      score *= w["decoder/luong_attention/attention_g"]
    if lengths is not None:
      score = np.where(np.arange(5) < np.array(lengths)[:, None], score,
                       -np.inf)
    self.assertAllClose(got, _np_softmax(score), atol=1e-6)

  @parameterized.named_parameters(("recursive", "recursive"),
                                  ("parallel", "parallel"))
  def test_bahdanau_monotonic(self, mode):
    got, memory, query, w = self._alignments(
        lambda memory, lengths: attention_wrapper.BahdanauMonotonicAttention(
            4, memory, score_bias_init=-0.5, mode=mode),
        query_depth=3)
    prefix = "decoder/bahdanau_monotonic_attention/"
    self.assertEqual(w[prefix + "attention_score_bias"], -0.5)
    keys = memory @ w["memory_layer/kernel"]
    processed = (query @ w[prefix + "query_layer/kernel"])[:, None]
    score = (w[prefix + "attention_v"] * np.tanh(keys + processed)).sum(-1)
    p_choose = 1 / (1 + np.exp(-(score - 0.5)))
    previous = np.eye(5, dtype=np.float32)[[0, 0]]
    self.assertAllClose(got, _np_monotonic(p_choose, previous), atol=1e-6)

  def test_attention_fn(self):
    calls = []

    def attention_fn(mechanism, cell_output, attention_state, layer):
      calls.append(layer)
      alignments, next_state = mechanism(cell_output, attention_state)
      return tf.concat([cell_output, cell_output], 1), alignments, next_state

    with tf.Graph().as_default():
      memory = tf.zeros([2, 5, 6])
      cell = attention_wrapper.AttentionWrapper(
          rnn_cell.BasicLSTMCell(5),
          attention_wrapper.LuongAttention(5, memory),
          attention_layer_size=10, attention_fn=attention_fn)
      outputs, state = tf.compat.v1.nn.dynamic_rnn(
          cell, tf.ones([2, 3, 4]), dtype=tf.float32)
      with tf.compat.v1.Session() as session:
        session.run(tf.compat.v1.global_variables_initializer())
        outputs, h = session.run([outputs, state.cell_state.h])
    self.assertLen(calls, 1)
    self.assertAllClose(outputs[:, -1], np.concatenate([h, h], 1))

  def test_probability_fn_and_score_mask_value(self):
    captured = []

    def probability_fn(score):
      captured.append(score)
      return attention_wrapper.hardmax(score)

    with tf.Graph().as_default():
      memory = tf.ones([1, 4, 2])
      mechanism = attention_wrapper.LuongAttention(
          2, memory, memory_sequence_length=[2],
          probability_fn=probability_fn, score_mask_value=-7.)
      alignments, _ = mechanism(tf.ones([1, 2]), state=tf.zeros([1, 4]))
      with tf.compat.v1.Session() as session:
        session.run(tf.compat.v1.global_variables_initializer())
        score, got = session.run([captured[0], alignments])
    self.assertAllEqual(score[0, 2:], [-7., -7.])
    self.assertAllEqual(got, np.eye(4)[[score[0].argmax()]])


def _state_for(batch, memory_batch):
  """A state whose cell has `batch` rows, its alignments `memory_batch`."""
  lstm_state = rnn_cell.LSTMStateTuple(tf.zeros([batch, 5]),
                                       tf.zeros([batch, 5]))
  return attention_wrapper.AttentionWrapperState(
      cell_state=lstm_state, attention=tf.zeros([batch, 6]),
      time=tf.constant(0), alignments=tf.zeros([memory_batch, 5]),
      alignment_history=(), attention_state=tf.zeros([memory_batch, 5]))


class ErrorTest(tf.test.TestCase):
  """Bad input fails at graph construction, naming expected and got."""

  def _wrapper(self, memory_batch=3, **kwargs):
    mechanism = attention_wrapper.BahdanauAttention(
        4, tf.zeros([memory_batch, 5, 6]))
    return attention_wrapper.AttentionWrapper(
        rnn_cell.BasicLSTMCell(5), mechanism, **kwargs)

  def test_memory_batch_differs_from_zero_state_batch(self):
    with tf.Graph().as_default():
      cell = self._wrapper()
      with self.assertRaisesRegex(
          ValueError, r"zero_state of AttentionWrapper attention_wrapper.*"
          r"Expected batch size 3 \(the memory's\), got 2 .*"
          r"tile_batch.*beam_width"):
        cell.zero_state(2, tf.float32)
      with self.assertRaisesRegex(ValueError, r"Expected batch size 3"):
        tf.compat.v1.nn.dynamic_rnn(cell, tf.zeros([2, 4, 1]),
                                    dtype=tf.float32)

  def test_memory_batch_differs_from_query_batch(self):
    with tf.Graph().as_default():
      cell = self._wrapper(cell_input_fn=lambda inputs, attention: inputs)
      with self.assertRaisesRegex(
          ValueError, r"When applying AttentionWrapper.*query \(decoder "
          r"output\).*Expected batch size 3 \(the memory's\), got 2 from the "
          r"query.*tile_batch"):
        cell(tf.zeros([2, 4]), _state_for(2, 3))

  def test_memory_batch_differs_from_initial_cell_state(self):
    with tf.Graph().as_default():
      state = rnn_cell.LSTMStateTuple(tf.zeros([2, 5]), tf.zeros([2, 5]))
      with self.assertRaisesRegex(
          ValueError, r"initial_cell_state.*Expected batch size 3 .*got 2"):
        self._wrapper(initial_cell_state=state)

  def test_memory_batch_differs_at_run_time(self):
    with tf.Graph().as_default():
      memory = tf.compat.v1.placeholder(tf.float32, [None, 5, 6])
      inputs = tf.compat.v1.placeholder(tf.float32, [None, 3, 4])
      mechanism = attention_wrapper.LuongAttention(5, memory)
      cell = attention_wrapper.AttentionWrapper(rnn_cell.BasicLSTMCell(5),
                                                mechanism)
      outputs, _ = tf.compat.v1.nn.dynamic_rnn(cell, inputs,
                                               dtype=tf.float32)
      with tf.compat.v1.Session() as session:
        session.run(tf.compat.v1.global_variables_initializer())
        with self.assertRaisesRegex(tf.errors.InvalidArgumentError,
                                    r"batch size.*tile_batch"):
          session.run(outputs, {memory: np.zeros([3, 5, 6]),
                                inputs: np.zeros([2, 3, 4])})
        self.assertEqual(
            session.run(outputs, {memory: np.zeros([2, 5, 6]),
                                  inputs: np.zeros([2, 3, 4])}).shape,
            (2, 3, 6))

  def test_state_of_wrong_structure(self):
    with tf.Graph().as_default():
      memory = tf.zeros([2, 5, 6])
      single = attention_wrapper.AttentionWrapper(
          rnn_cell.BasicLSTMCell(5),
          attention_wrapper.BahdanauAttention(4, memory))
      double = attention_wrapper.AttentionWrapper(
          rnn_cell.BasicLSTMCell(5),
          [attention_wrapper.BahdanauAttention(4, memory),
           attention_wrapper.LuongAttention(5, memory)],
          alignment_history=True)
      with self.assertRaisesRegex(
          ValueError, r"state must have the structure of this "
          r"AttentionWrapper's state_size \(1 attention mechanism\(s\), "
          r"alignment_history=False\): expected AttentionWrapperState\("
          r"cell_state=LSTMStateTuple\(c=5, h=5\), attention=6, time=\(\), "
          r"alignments=5, alignment_history=\(\), attention_state=5\), got "
          r".*alignments=\(Tensor\(2, 5\), Tensor\(2, 5\)\), "
          r"alignment_history=\(TensorArray, TensorArray\)"):
        single(tf.zeros([2, 4]), double.zero_state(2, tf.float32))
      with self.assertRaisesRegex(
          ValueError, r"state.attention must have shape \[batch, 6\], got "
          r"\[2, 12\]"):
        single(tf.zeros([2, 4]), single.zero_state(2, tf.float32)._replace(
            attention=tf.zeros([2, 12])))
      with self.assertRaisesRegex(
          TypeError, r"Expected state to be instance of "
          r"AttentionWrapperState\. Received type <class 'tuple'>"):
        single(tf.zeros([2, 4]), tuple(single.zero_state(2, tf.float32)))

  def test_attention_layer_size_list_length(self):
    with tf.Graph().as_default():
      memory = tf.zeros([2, 5, 6])
      mechanisms = [attention_wrapper.BahdanauAttention(4, memory),
                    attention_wrapper.LuongAttention(5, memory)]
      with self.assertRaisesRegex(
          ValueError, r"attention_layer_size must contain exactly one "
          r"integer per attention_mechanism: expected 2, got 3"):
        attention_wrapper.AttentionWrapper(
            rnn_cell.BasicLSTMCell(5), mechanisms,
            attention_layer_size=[3, 4, 5])
      with self.assertRaisesRegex(ValueError, r"expected 2, got 1"):
        attention_wrapper.AttentionWrapper(
            rnn_cell.BasicLSTMCell(5), mechanisms, attention_layer_size=3)
      with self.assertRaisesRegex(
          ValueError, r"attention_layer must contain exactly one layer per "
          r"attention_mechanism: expected 2, got 1"):
        attention_wrapper.AttentionWrapper(
            rnn_cell.BasicLSTMCell(5), mechanisms,
            attention_layer=[layers.Dense(3)])
      with self.assertRaisesRegex(
          ValueError, r"Only one of attention_layer_size and "
          r"attention_layer"):
        attention_wrapper.AttentionWrapper(
            rnn_cell.BasicLSTMCell(5), mechanisms,
            attention_layer_size=[3, 3],
            attention_layer=[layers.Dense(3), layers.Dense(3)])

  def test_bad_types(self):
    with tf.Graph().as_default():
      with self.assertRaisesRegex(
          TypeError, r"attention_mechanism must be an AttentionMechanism or "
          r"a list of them, got \w*Tensor"):
        attention_wrapper.AttentionWrapper(rnn_cell.BasicLSTMCell(5),
                                           tf.zeros([2, 5, 6]))
      with self.assertRaisesRegex(TypeError,
                                  r"probability_fn must be callable, got str"):
        attention_wrapper.BahdanauAttention(4, tf.zeros([2, 5, 6]),
                                            probability_fn="softmax")

  def test_luong_depth_mismatch(self):
    with tf.Graph().as_default():
      mechanism = attention_wrapper.LuongAttention(4, tf.zeros([2, 5, 6]))
      with self.assertRaisesRegex(
          ValueError, r"query's depth must equal the keys' \(num_units 4\), "
          r"got query depth 5"):
        mechanism(tf.zeros([2, 5]), state=tf.zeros([2, 5]))

  def test_memory_inner_dims_unknown(self):
    with tf.Graph().as_default():
      with self.assertRaisesRegex(
          ValueError, r"memory must be \[batch, max_time, \.\.\.\] with known "
          r"dimensions after max_time, got shape \[2, 5, None\]"):
        attention_wrapper.BahdanauAttention(
            4, tf.compat.v1.placeholder(tf.float32, [2, 5, None]))

  def test_clone(self):
    with tf.Graph().as_default():
      cell = self._wrapper(memory_batch=2)
      state = cell.zero_state(2, tf.float32)
      new_c = tf.compat.v1.placeholder(tf.float32, [None, None])
      cloned = state.clone(cell_state=state.cell_state._replace(c=new_c))
      self.assertIsInstance(cloned, attention_wrapper.AttentionWrapperState)
      self.assertEqual(cloned.cell_state.c.shape.as_list(), [2, 5])
      self.assertIs(cloned.attention, state.attention)
      with self.assertRaisesRegex(
          ValueError, r"clone: attention must have the shape of the state it "
          r"replaces, \[2, 6\], got \[2, 7\]"):
        state.clone(attention=tf.zeros([2, 7]))


class V1BehaviorTest(tf.test.TestCase):
  """Every test again, in a process that called disable_v2_behavior()."""

  def test_v1_behavior_subprocess(self):
    # Every test but this one (each fixture, op, score and error test).
    tf1_behaviour.rerun(self, "attention_wrapper_test", min_tests=30)


if __name__ == "__main__":
  tf.test.main()
