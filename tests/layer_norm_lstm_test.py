"""tf1seq.rnn_cell.LayerNormBasicLSTMCell against numpy and TF1's figures.

TensorFlow 2.21 has no `tf.contrib.rnn.LayerNormBasicLSTMCell` to compare
with, so the oracles are: a numpy re-computation from the fetched weights of
contrib's maths (tensorflow/contrib/rnn/python/ops/rnn_cell.py: gates
i, j, f, o from `[x, h] @ kernel`, each layer-normalised over the units with
epsilon 1e-12 and its own gamma/beta under `input`, `transform`, `forget`,
`output`; the new `c` normalised under `state`), the values TF 1.15's
contrib rnn_cell_test.py pinned (calculated there), and contrib's variable
names.
"""

import inspect
import os
import sys

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

from tf1seq import rnn_cell

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import oracle  # pylint: disable=g-import-not-at-top,g-bad-import-order

GATE_SCOPES = ("input", "transform", "forget", "output", "state")


def expected_variables(prefix, depth, units, layer_norm=True):
  """contrib's variables, in its creation order."""
  names = [(prefix + "kernel:0", [depth + units, 4 * units])]
  if not layer_norm:
    return names + [(prefix + "bias:0", [4 * units])]
  for scope in GATE_SCOPES:
    names += [(prefix + scope + "/gamma:0", [units]),
              (prefix + scope + "/beta:0", [units])]
  return names


def np_sigmoid(x):
  return 1. / (1. + np.exp(-x))


def np_layer_norm(x, gamma, beta):
  mean = x.mean(axis=1, keepdims=True)
  variance = np.square(x - mean).mean(axis=1, keepdims=True)
  return (x - mean) / np.sqrt(variance + 1e-12) * gamma + beta


def np_layer_norm_lstm_step(x, c, h, weights, prefix, forget_bias=1.0,
                            layer_norm=True, keep_mask=None, keep_prob=1.0):
  """contrib's LayerNormBasicLSTMCell.call in numpy (float64)."""
  concat = np.concatenate([x, h], 1) @ weights[prefix + "kernel"]
  if not layer_norm:
    concat = concat + weights[prefix + "bias"]
  i, j, f, o = np.split(concat, 4, axis=1)

  def norm(value, scope):
    if not layer_norm:
      return value
    return np_layer_norm(value, weights[prefix + scope + "/gamma"],
                         weights[prefix + scope + "/beta"])

  i, j, f, o = (norm(i, "input"), norm(j, "transform"), norm(f, "forget"),
                norm(o, "output"))
  g = np.tanh(j)
  if keep_mask is not None:
    g = g * keep_mask / keep_prob
  new_c = c * np_sigmoid(f + forget_bias) + np_sigmoid(i) * g
  new_c = norm(new_c, "state")
  new_h = np.tanh(new_c) * np_sigmoid(o)
  return new_c, new_h


def fetch_weights(session):
  """`{op name: value}` of every global variable, as float64."""
  variables = tf.compat.v1.global_variables()
  values = session.run(variables)
  return {v.op.name: np.asarray(value, np.float64)
          for v, value in zip(variables, values)}


def randomize_variables(session, seed):
  """Gives every variable random values (gammas near 1), so all count."""
  for i, variable in enumerate(tf.compat.v1.global_variables()):
    shape = variable.shape.as_list()
    value = oracle.random_array(shape, seed + i,
                                dtype=variable.dtype.base_dtype.as_numpy_dtype)
    if variable.op.name.endswith("gamma"):
      value = value * 0.5 + 1.
    variable.load(value, session)


class LayerNormBasicLSTMCellTest(oracle.GraphTestCase, parameterized.TestCase):

  @parameterized.parameters((3, 2, True), (1, 4, True), (2, 3, False))
  def test_variable_names_and_shapes(self, depth, units, layer_norm):
    with tf.Graph().as_default():
      tf.compat.v1.nn.dynamic_rnn(
          rnn_cell.LayerNormBasicLSTMCell(units, layer_norm=layer_norm),
          tf.zeros([1, 2, depth]), dtype=tf.float32)
      self.assertEqual(
          oracle.variable_names_and_shapes(),
          expected_variables("rnn/layer_norm_basic_lstm_cell/", depth, units,
                             layer_norm))

  def test_names_in_multi_rnn_cell(self):
    with tf.Graph().as_default():
      with tf.compat.v1.variable_scope("root"):
        cell = rnn_cell.MultiRNNCell(
            [rnn_cell.LayerNormBasicLSTMCell(2) for _ in range(2)])
        cell(tf.zeros([1, 3]), cell.zero_state(1, tf.float32))
      self.assertEqual(
          oracle.variable_names_and_shapes(),
          expected_variables("root/multi_rnn_cell/cell_0/"
                             "layer_norm_basic_lstm_cell/", 3, 2) +
          expected_variables("root/multi_rnn_cell/cell_1/"
                             "layer_norm_basic_lstm_cell/", 2, 2))

  def test_default_initial_values(self):
    with tf.Graph().as_default():
      cell = rnn_cell.LayerNormBasicLSTMCell(3, norm_gain=0.7, norm_shift=0.2)
      cell(tf.zeros([1, 2]), cell.zero_state(1, tf.float32))
      with tf.compat.v1.Session() as session:
        session.run(tf.compat.v1.global_variables_initializer())
        weights = fetch_weights(session)
    for scope in GATE_SCOPES:
      prefix = "layer_norm_basic_lstm_cell/" + scope
      self.assertAllClose(weights[prefix + "/gamma"], [0.7] * 3)
      self.assertAllClose(weights[prefix + "/beta"], [0.2] * 3)

  @parameterized.parameters(
      (1, 3, 2, True, 1.0, tf.float32),
      (4, 2, 5, True, 0.3, tf.float32),
      (3, 4, 3, False, 1.0, tf.float32),
      (2, 3, 4, True, 0.5, tf.float64),
      (2, 2, 3, False, 0.0, tf.float64))
  def test_step_matches_numpy(self, batch, depth, units, layer_norm,
                              forget_bias, dtype):
    numpy_dtype = dtype.as_numpy_dtype
    x = oracle.random_array([batch, depth], 0, numpy_dtype)
    c = oracle.random_array([batch, units], 1, numpy_dtype)
    h = oracle.random_array([batch, units], 2, numpy_dtype)
    with tf.Graph().as_default():
      cell = rnn_cell.LayerNormBasicLSTMCell(
          units, forget_bias=forget_bias, layer_norm=layer_norm)
      output, state = cell(
          tf.constant(x), rnn_cell.LSTMStateTuple(tf.constant(c),
                                                  tf.constant(h)))
      self.assertIsInstance(state, rnn_cell.LSTMStateTuple)
      with tf.compat.v1.Session() as session:
        session.run(tf.compat.v1.global_variables_initializer())
        randomize_variables(session, 3)
        output, state = session.run([output, state])
        weights = fetch_weights(session)
    self.assertEqual(output.dtype, numpy_dtype)
    want_c, want_h = np_layer_norm_lstm_step(
        x.astype(np.float64), c.astype(np.float64), h.astype(np.float64),
        weights, "layer_norm_basic_lstm_cell/", forget_bias, layer_norm)
    atol = 1e-5 if dtype == tf.float32 else 1e-10
    self.assertAllClose(output, want_h, atol=atol, rtol=atol)
    self.assertAllClose(state.c, want_c, atol=atol, rtol=atol)
    self.assertAllClose(state.h, want_h, atol=atol, rtol=atol)

  def test_dynamic_rnn_matches_numpy_with_sequence_length(self):
    batch, time, depth, units = 3, 4, 2, 3
    lengths = [4, 2, 0]
    x = oracle.random_array([time, batch, depth], 4)
    with tf.Graph().as_default():
      cell = rnn_cell.LayerNormBasicLSTMCell(units)
      outputs, state = tf.compat.v1.nn.dynamic_rnn(
          cell, tf.constant(x), sequence_length=lengths, dtype=tf.float32,
          time_major=True)
      with tf.compat.v1.Session() as session:
        session.run(tf.compat.v1.global_variables_initializer())
        randomize_variables(session, 5)
        outputs, state = session.run([outputs, state])
        weights = fetch_weights(session)
    c = np.zeros([batch, units])
    h = np.zeros([batch, units])
    want_c, want_h = c.copy(), h.copy()
    for t in range(time):
      c, h = np_layer_norm_lstm_step(x[t].astype(np.float64), c, h, weights,
                                     "rnn/layer_norm_basic_lstm_cell/")
      for b in range(batch):
        if t < lengths[b]:
          self.assertAllClose(outputs[t, b], h[b], atol=1e-5)
          want_c[b], want_h[b] = c[b], h[b]
        else:
          self.assertAllEqual(outputs[t, b], np.zeros([units]))
    self.assertAllClose(state.c, want_c, atol=1e-5)
    self.assertAllClose(state.h, want_h, atol=1e-5)

  def test_static_equals_dynamic(self):
    x = oracle.random_array([2, 3, 2], 6)
    with tf.Graph().as_default():
      cell = rnn_cell.LayerNormBasicLSTMCell(3)
      dynamic, dynamic_state = tf.compat.v1.nn.dynamic_rnn(
          cell, tf.constant(x), sequence_length=[3, 1], dtype=tf.float32)
      static, static_state = tf.compat.v1.nn.static_rnn(
          cell, tf.unstack(tf.constant(x), axis=1), sequence_length=[3, 1],
          dtype=tf.float32)
      self.assertLen(tf.compat.v1.global_variables(), 11)
      self.evaluate(tf.compat.v1.global_variables_initializer())
      values = self.evaluate([dynamic, dynamic_state, static, static_state])
    self.assertAllClose(np.stack(values[2], 1), values[0], atol=1e-6)
    self.assertAllClose(values[3], values[1], atol=1e-6)

  def test_tf1_checkpoint_restores(self):
    # A checkpoint with contrib's names, written without tf1seq, restores
    # into the cell under dynamic_rnn; the outputs follow numpy.
    prefix = os.path.join(self.create_tempdir().full_path, "tf1.ckpt")
    depth, units = 2, 3
    with tf.Graph().as_default():
      for i, (name, shape) in enumerate(expected_variables(
          "model/rnn/layer_norm_basic_lstm_cell/", depth, units)):
        tf.compat.v1.get_variable(
            name[:-len(":0")],
            initializer=oracle.random_array(shape, 20 + i) * 0.5 +
            (1. if "gamma" in name else 0.))
      with tf.compat.v1.Session() as session:
        session.run(tf.compat.v1.global_variables_initializer())
        weights = fetch_weights(session)
        tf.compat.v1.train.Saver().save(session, prefix)
    x = oracle.random_array([2, 3, depth], 7)
    with tf.Graph().as_default():
      with tf.compat.v1.variable_scope("model"):
        outputs, _ = tf.compat.v1.nn.dynamic_rnn(
            rnn_cell.LayerNormBasicLSTMCell(units), tf.constant(x),
            dtype=tf.float32)
      with tf.compat.v1.Session() as session:
        tf.compat.v1.train.Saver().restore(session, prefix)
        outputs = session.run(outputs)
    c = h = np.zeros([2, units])
    for t in range(3):
      c, h = np_layer_norm_lstm_step(
          x[:, t].astype(np.float64), c, h, weights,
          "model/rnn/layer_norm_basic_lstm_cell/")
      self.assertAllClose(outputs[:, t], h, atol=1e-5)

  def test_tf1_pinned_values(self):
    # TF 1.15 contrib rnn_cell_test.py, LayerNormBasicLSTMCellTest
    # .testBasicLSTMCell and .testBasicLSTMCellWithoutNorm (calculated).
    feeds = {"x": [[1., 1.]], "c0": [[0., 0.1]], "h0": [[0.2, 0.3]],
             "c1": [[0.4, 0.5]], "h1": [[0.6, 0.7]]}
    for layer_norm, expected in [
        (True, {"h": [[-0.38079708, 0.38079708]],
                "c0": [[-1.0, 1.0]], "h0": [[-0.38079708, 0.38079708]],
                "c1": [[-1.0, 1.0]], "h1": [[-0.38079708, 0.38079708]]}),
        (False, {"h": [[0.70230919, 0.72581059]],
                 "c0": [[0.8020075, 0.89599884]],
                 "h0": [[0.56668288, 0.60858738]],
                 "c1": [[1.17500675, 1.26892781]],
                 "h1": [[0.70230919, 0.72581059]]})]:
      with tf.Graph().as_default():
        with tf.compat.v1.variable_scope(
            "root", initializer=tf.compat.v1.constant_initializer(0.5)):
          tensors = {k: tf.constant(v) for k, v in feeds.items()}
          cell = rnn_cell.MultiRNNCell(
              [rnn_cell.LayerNormBasicLSTMCell(2, layer_norm=layer_norm)
               for _ in range(2)])
          h, (s0, s1) = cell(tensors["x"], (
              rnn_cell.LSTMStateTuple(tensors["c0"], tensors["h0"]),
              rnn_cell.LSTMStateTuple(tensors["c1"], tensors["h1"])))
          self.evaluate(tf.compat.v1.global_variables_initializer())
          h, s0, s1 = self.evaluate([h, s0, s1])
      self.assertAllClose(h, expected["h"], atol=1e-5)
      self.assertAllClose(s0.c, expected["c0"], atol=1e-5)
      self.assertAllClose(s0.h, expected["h0"], atol=1e-5)
      self.assertAllClose(s1.c, expected["c1"], atol=1e-5)
      self.assertAllClose(s1.h, expected["h1"], atol=1e-5)

  def test_tf1_pinned_values_input_size_different_from_units(self):
    for layer_norm, want_h, want_c in [
        (True, [[-0.38079708, 0.38079708]], [[-1.0, 1.0]]),
        (False, [[0.64121795, 0.68166804]], [[0.88477188, 0.98103917]])]:
      with tf.Graph().as_default():
        with tf.compat.v1.variable_scope(
            "other", initializer=tf.compat.v1.constant_initializer(0.5)):
          cell = rnn_cell.LayerNormBasicLSTMCell(2, layer_norm=layer_norm)
          h, state = cell(tf.constant([[1., 1., 1.]]),
                          rnn_cell.LSTMStateTuple(tf.constant([[0., 0.1]]),
                                                  tf.constant([[0.2, 0.3]])))
          self.evaluate(tf.compat.v1.global_variables_initializer())
          h, state = self.evaluate([h, state])
      self.assertAllClose(h, want_h, atol=1e-5)
      self.assertAllClose(state.c, want_c, atol=1e-5)
      self.assertAllClose(state.h, want_h, atol=1e-5)

  def test_dropout_keeps_or_drops_the_candidate(self):
    # TF1's testBasicLSTMCellWithDropout: with every weight 1, a dropped
    # candidate gives c_low, a kept one (scaled by 1/keep_prob) c_high.
    c_high, c_low = 2.9998924946, 0.999983298578
    h_high, h_low = 0.995008519604, 0.761552567265
    with tf.Graph().as_default():
      tf.compat.v1.set_random_seed(1)
      with tf.compat.v1.variable_scope(
          "other", initializer=tf.compat.v1.constant_initializer(1.)):
        cell = rnn_cell.LayerNormBasicLSTMCell(
            8, layer_norm=False, dropout_keep_prob=0.5, dropout_prob_seed=4)
        ones = tf.ones([1, 8])
        h, state = cell(ones, rnn_cell.LSTMStateTuple(ones, ones))
        self.evaluate(tf.compat.v1.global_variables_initializer())
        h, state = self.evaluate([h, state])
    self.assertAllEqual(h, state.h)
    dropped = np.isclose(state.c[0], c_low, atol=1e-4)
    kept = np.isclose(state.c[0], c_high, atol=1e-4)
    self.assertTrue(np.all(dropped | kept))
    self.assertTrue(np.any(dropped) and np.any(kept))
    self.assertAllClose(h[0][dropped], [h_low] * np.sum(dropped), atol=1e-4)
    self.assertAllClose(h[0][kept], [h_high] * np.sum(kept), atol=1e-4)

  def test_dropout_matches_numpy_with_the_same_mask(self):
    # The mask is tf.nn.dropout's for the seeds: recover it from a
    # dropout of ones in the same graph with the same seeds.
    x = oracle.random_array([3, 2], 8)
    with tf.Graph().as_default():
      tf.compat.v1.set_random_seed(3)
      cell = rnn_cell.LayerNormBasicLSTMCell(
          4, dropout_keep_prob=0.6, dropout_prob_seed=9)
      output, state = cell(tf.constant(x), cell.zero_state(3, tf.float32))
      with tf.compat.v1.Session() as session:
        session.run(tf.compat.v1.global_variables_initializer())
        randomize_variables(session, 9)
        output, state = session.run([output, state])
        weights = fetch_weights(session)
    with tf.Graph().as_default():
      tf.compat.v1.set_random_seed(3)
      keep = tf.cast(tf.nn.dropout(
          tf.ones([3, 4]), rate=1 - 0.6, seed=9) > 0, tf.float64)
      with tf.compat.v1.Session() as session:
        mask = session.run(keep)
    self.assertTrue(0 < mask.sum() < mask.size)
    want_c, want_h = np_layer_norm_lstm_step(
        x.astype(np.float64), np.zeros([3, 4]), np.zeros([3, 4]), weights,
        "layer_norm_basic_lstm_cell/", keep_mask=mask, keep_prob=0.6)
    self.assertAllClose(output, want_h, atol=1e-5)
    self.assertAllClose(state.c, want_c, atol=1e-5)

  def test_keep_prob_tensor_of_one_is_no_dropout(self):
    x = oracle.random_array([2, 3, 2], 10)
    with tf.Graph().as_default():
      plain = rnn_cell.LayerNormBasicLSTMCell(3)
      keep = tf.compat.v1.placeholder_with_default(1.0, [])
      dropped = rnn_cell.LayerNormBasicLSTMCell(3, dropout_keep_prob=keep,
                                                reuse=True)
      with tf.compat.v1.variable_scope("shared"):
        want, _ = tf.compat.v1.nn.dynamic_rnn(plain, tf.constant(x),
                                              dtype=tf.float32)
      with tf.compat.v1.variable_scope("shared", reuse=True):
        got, _ = tf.compat.v1.nn.dynamic_rnn(dropped, tf.constant(x),
                                             dtype=tf.float32)
      self.assertLen(tf.compat.v1.global_variables(), 11)
      self.evaluate(tf.compat.v1.global_variables_initializer())
      want, got = self.evaluate([want, got])
    self.assertAllClose(got, want, atol=1e-6)

  def test_gradients_match_numeric(self):
    # compute_gradient_error runs the loop, then adds gradient ops to it;
    # TF supports that when while loops output all their intermediates.
    tf.compat.v1.experimental.output_all_intermediates(True)
    self.addCleanup(tf.compat.v1.experimental.output_all_intermediates, None)
    with tf.Graph().as_default():
      tf.compat.v1.set_random_seed(1)  # Fixed weights: a repeatable check.
      x = tf.constant(oracle.random_array([2, 3, 2], 11, np.float64))
      cell = rnn_cell.LayerNormBasicLSTMCell(3)
      outputs, state = tf.compat.v1.nn.dynamic_rnn(cell, x, dtype=tf.float64)
      loss = oracle.loss_of(outputs, state)
      with tf.compat.v1.Session() as session:
        session.run(tf.compat.v1.global_variables_initializer())
        sources = [x] + tf.compat.v1.trainable_variables()[:3]
        error = tf.compat.v1.test.compute_gradient_error(
            sources, [v.shape.as_list() for v in sources], loss, [], delta=1e-6)
        self.assertLess(error, 1e-6)

  def test_zero_state_and_sizes(self):
    with tf.Graph().as_default():
      cell = rnn_cell.LayerNormBasicLSTMCell(5)
      self.assertEqual(cell.state_size, rnn_cell.LSTMStateTuple(5, 5))
      self.assertEqual(cell.output_size, 5)
      zero = cell.zero_state(tf.constant(3), tf.float64)
      self.assertIsInstance(zero, rnn_cell.LSTMStateTuple)
      self.assertEqual(zero.c.dtype, tf.float64)
      self.assertAllEqual(self.evaluate(zero.h), np.zeros([3, 5]))

  def test_reuse_by_calling_twice(self):
    with tf.Graph().as_default():
      # 4 units: layer norm over 2 values gives only +-1, whatever h is.
      cell = rnn_cell.LayerNormBasicLSTMCell(4)
      x = tf.constant(oracle.random_array([1, 3], 5))
      state = cell.zero_state(1, tf.float32)
      first, state = cell(x, state)
      second, _ = cell(x, state)
      self.assertLen(tf.compat.v1.global_variables(), 11)
      self.assertLen(cell.variables, 11)
      self.evaluate(tf.compat.v1.global_variables_initializer())
      first, second = self.evaluate([first, second])
    self.assertNotAllClose(first, second)

  def test_signature(self):
    parameters = inspect.signature(
        rnn_cell.LayerNormBasicLSTMCell.__init__).parameters
    self.assertEqual(
        [(p.name, p.default) for p in parameters.values()][1:],
        [("num_units", inspect.Parameter.empty), ("forget_bias", 1.0),
         ("input_size", None), ("activation", tf.tanh), ("layer_norm", True),
         ("norm_gain", 1.0), ("norm_shift", 0.0), ("dropout_keep_prob", 1.0),
         ("dropout_prob_seed", None), ("reuse", None)])

  def test_inputs_of_rank_3(self):
    with tf.Graph().as_default():
      cell = rnn_cell.LayerNormBasicLSTMCell(2)
      with self.assertRaisesRegex(ValueError,
                                  r"inputs must have rank 2.*\(1, 2, 3\)"):
        cell(tf.zeros([1, 2, 3]), cell.zero_state(1, tf.float32))

  def test_unknown_depth(self):
    with tf.Graph().as_default():
      cell = rnn_cell.LayerNormBasicLSTMCell(2)
      with self.assertRaisesRegex(
          ValueError, r"inputs\.shape\[-1\] must be known, got shape"):
        cell(tf.compat.v1.placeholder(tf.float32, [1, None]),
             cell.zero_state(1, tf.float32))

  def test_state_not_a_tuple(self):
    with tf.Graph().as_default():
      cell = rnn_cell.LayerNormBasicLSTMCell(2)
      with self.assertRaisesRegex(
          ValueError, r"state must have the structure of state_size"):
        cell(tf.zeros([1, 3]), tf.zeros([1, 4]))


if __name__ == "__main__":
  tf.test.main()
