"""Keras-layout cells equal Keras 3's layers (the oracle) with copied weights.

Keras is imported here only, as a test oracle: tf1seq never imports it.
"""

from absl.testing import parameterized
import keras
import numpy as np
import tensorflow as tf

from tf1seq.cells import keras_layout as keras_cells

CELLS = {
    "simple_rnn": (lambda: keras_cells.SimpleRNNCell(4),
                   lambda: keras.layers.SimpleRNN(4, return_sequences=True,
                                                  return_state=True)),
    "lstm": (lambda: keras_cells.KerasLSTMCell(4),
             lambda: keras.layers.LSTM(4, return_sequences=True,
                                       return_state=True)),
    "gru_reset_after": (lambda: keras_cells.KerasGRUCell(4),
                        lambda: keras.layers.GRU(4, return_sequences=True,
                                                 return_state=True)),
    "gru_reset_before": (
        lambda: keras_cells.KerasGRUCell(4, reset_after=False),
        lambda: keras.layers.GRU(4, return_sequences=True, return_state=True,
                                 reset_after=False)),
}


def run_cell(make_cell, x, randomize=True):
  """Our cell over `x` with dynamic_rnn: names, weights, outputs, state."""
  with tf.Graph().as_default():
    tf.compat.v1.set_random_seed(3)
    cell = make_cell()
    outputs, state = tf.compat.v1.nn.dynamic_rnn(cell, tf.constant(x),
                                                 dtype=tf.float32)
    with tf.compat.v1.Session() as session:
      session.run(tf.compat.v1.global_variables_initializer())
      if randomize:  # Non-zero biases, so that every term is tested.
        for variable in cell.variables:
          variable.load(np.random.RandomState(5).uniform(
              -0.5, 0.5, variable.shape.as_list()), session)
      weights, outputs, state = session.run([cell.variables, outputs, state])
      names = [(v.name, v.shape.as_list()) for v in cell.variables]
  return names, weights, outputs, state


class KerasCellsTest(tf.test.TestCase, parameterized.TestCase):

  @parameterized.named_parameters(*[(name,) + pair
                                    for name, pair in CELLS.items()])
  def test_matches_keras_layer(self, make_cell, make_layer):
    x = np.random.RandomState(0).uniform(-1, 1, (3, 5, 2)).astype(
        np.float32)
    _, weights, outputs, state = run_cell(make_cell, x)
    layer = make_layer()
    layer.build((None, 5, 2))
    layer.set_weights(weights)
    expected = [t.numpy() for t in layer(x)]
    self.assertAllClose(outputs, expected[0], atol=1e-6)
    if isinstance(state, tuple):  # Keras returns h, c; we LSTMStateTuple.
      self.assertAllClose(state.h, expected[1], atol=1e-6)
      self.assertAllClose(state.c, expected[2], atol=1e-6)
    else:
      self.assertAllClose(state, expected[1], atol=1e-6)

  @parameterized.parameters(
      ("simple_rnn", [("rnn/simple_rnn_cell/kernel:0", [2, 4]),
                      ("rnn/simple_rnn_cell/recurrent_kernel:0", [4, 4]),
                      ("rnn/simple_rnn_cell/bias:0", [4])]),
      ("lstm", [("rnn/keras_lstm_cell/kernel:0", [2, 16]),
                ("rnn/keras_lstm_cell/recurrent_kernel:0", [4, 16]),
                ("rnn/keras_lstm_cell/bias:0", [16])]),
      ("gru_reset_after", [("rnn/keras_gru_cell/kernel:0", [2, 12]),
                           ("rnn/keras_gru_cell/recurrent_kernel:0", [4, 12]),
                           ("rnn/keras_gru_cell/bias:0", [2, 12])]),
      ("gru_reset_before", [("rnn/keras_gru_cell/kernel:0", [2, 12]),
                            ("rnn/keras_gru_cell/recurrent_kernel:0",
                             [4, 12]),
                            ("rnn/keras_gru_cell/bias:0", [12])]))
  def test_variable_names_and_shapes(self, cell, expected):
    x = np.zeros((1, 2, 2), np.float32)
    names, _, _, _ = run_cell(CELLS[cell][0], x)
    self.assertEqual(names, expected)

  def test_lstm_initialisation_is_keras(self):
    names, weights, _, _ = run_cell(lambda: keras_cells.KerasLSTMCell(3),
                                    np.zeros((1, 1, 2), np.float32),
                                    randomize=False)
    del names
    kernel, recurrent, bias = weights
    # unit_forget_bias: zeros but ones for the forget gate (i, f, c, o).
    self.assertAllEqual(bias, [0] * 3 + [1] * 3 + [0] * 6)
    # Orthogonal recurrent kernel [3, 12]: orthonormal rows.
    self.assertAllClose(recurrent.dot(recurrent.T), np.eye(3), atol=1e-5)
    limit = np.sqrt(6. / (2 + 12))  # Glorot uniform.
    self.assertLessEqual(np.abs(kernel).max(), limit)

  def test_layer_norm_cell_matches_seed_formula(self):
    # The time-series chapter's LNSimpleRNNCell: tanh(LayerNormalization()(SimpleRNNCell(
    # activation=None)(x, h))), with Keras layers as the oracle.
    x = np.random.RandomState(1).uniform(-1, 1, (2, 4, 3)).astype(
        np.float32)
    names, weights, outputs, state = run_cell(
        lambda: keras_cells.LayerNormSimpleRNNCell(5), x)
    self.assertEqual([n for n, _ in names], [
        "rnn/layer_norm_simple_rnn_cell/layer_norm/gamma:0",
        "rnn/layer_norm_simple_rnn_cell/layer_norm/beta:0",
        "rnn/layer_norm_simple_rnn_cell/simple_rnn_cell/kernel:0",
        "rnn/layer_norm_simple_rnn_cell/simple_rnn_cell/recurrent_kernel:0",
        "rnn/layer_norm_simple_rnn_cell/simple_rnn_cell/bias:0"])
    gamma, beta, kernel, recurrent, bias = weights
    linear = keras.layers.SimpleRNNCell(5, activation=None)
    linear.build((None, 3))
    linear.set_weights([kernel, recurrent, bias])
    norm = keras.layers.LayerNormalization()
    norm.build((None, 5))
    norm.set_weights([gamma, beta])
    h = np.zeros((2, 5), np.float32)
    for t in range(4):
      z, _ = linear(x[:, t], [h])
      h = np.tanh(norm(z).numpy())
      self.assertAllClose(outputs[:, t], h, atol=1e-5)
    self.assertAllClose(state, h, atol=1e-5)

  def test_dropout_masks_are_applied(self):
    # With masks set, inputs and h are multiplied before the matmuls; the
    # numpy oracle redoes one SimpleRNN step.
    rng = np.random.RandomState(2)
    x, h = rng.randn(2, 3).astype(np.float32), rng.randn(2, 4).astype(
        np.float32)
    input_mask = (rng.rand(2, 3) > 0.5) * 2.
    recurrent_mask = (rng.rand(2, 4) > 0.5) * 2.
    with tf.Graph().as_default():
      cell = keras_cells.SimpleRNNCell(4, dropout=0.5, recurrent_dropout=0.5)
      cell.set_dropout_masks(tf.constant(input_mask, tf.float32),
                             tf.constant(recurrent_mask, tf.float32))
      out, _ = cell(tf.constant(x), tf.constant(h))
      with self.session() as session:
        session.run(tf.compat.v1.global_variables_initializer())
        out, (k, rk, b) = session.run([out, cell.variables])
    expected = np.tanh((x * input_mask).dot(k) + (h * recurrent_mask).dot(rk)
                       + b)
    self.assertAllClose(out, expected, atol=1e-6)

  @parameterized.parameters(
      (dict(units=0), ValueError, r"units must be a positive int, got 0"),
      (dict(units=3, dropout=1.0), ValueError,
       r"dropout must be a float in \[0, 1\), got 1.0"),
      (dict(units=3, recurrent_dropout=-0.1), ValueError,
       r"recurrent_dropout must be a float in \[0, 1\), got -0.1"))
  def test_bad_arguments(self, kwargs, error, message):
    with self.assertRaisesRegex(error, message):
      keras_cells.SimpleRNNCell(**kwargs)

  def test_unknown_depth(self):
    with tf.Graph().as_default():
      cell = keras_cells.KerasGRUCell(2)
      with self.assertRaisesRegex(ValueError, r"shape\[-1\] must be known"):
        cell(tf.compat.v1.placeholder(tf.float32, [None, None]),
             tf.zeros([1, 2]))


if __name__ == "__main__":
  tf.test.main()
