"""Graph-mode Keras options in tf1seq.sequence, against independent oracles.

Oracles: Keras 3 layers with copied weights (test-only), numpy, or
`tf.compat.v1.nn.dynamic_rnn` on inputs sliced or reversed by numpy.
"""

from absl.testing import parameterized
import keras
import numpy as np
import tensorflow as tf

from tf1seq.cells import keras_layout as keras_cells
from tf1seq import layers
from tf1seq import sequence

TUTORIAL_INPUT = np.array([0.1, 0.2, 0.3], np.float32).reshape((1, 3, 1))


def np_simple_rnn(x, kernel, recurrent, bias, mask=None):
  """SimpleRNN in numpy; masked steps keep h and output zeros."""
  batch, steps, _ = x.shape
  h = np.zeros((batch, kernel.shape[1]), np.float32)
  outputs = np.zeros((batch, steps, kernel.shape[1]), np.float32)
  for t in range(steps):
    new_h = np.tanh(x[:, t].dot(kernel) + h.dot(recurrent) + bias)
    keep = np.ones((batch, 1), bool) if mask is None else mask[:, t, None]
    h = np.where(keep, new_h, h)
    outputs[:, t] = np.where(keep, new_h, 0.)
  return outputs, h


def random_x(shape, seed=0):
  return np.random.RandomState(seed).uniform(-1, 1, shape).astype(np.float32)


class SequenceTest(tf.test.TestCase, parameterized.TestCase):

  def run_graph(self, fetches):
    with self.session() as session:
      session.run(tf.compat.v1.global_variables_initializer())
      return session.run(fetches)

  def test_seed_002_return_sequences_and_state(self):
    with tf.Graph().as_default():
      cell = keras_cells.KerasLSTMCell(1)
      outputs, state = sequence.rnn(cell, TUTORIAL_INPUT,
                                    return_sequences=True, return_state=True)
      last, last_state = sequence.rnn(cell, TUTORIAL_INPUT,
                                      return_state=True)
      self.assertEqual(outputs.shape.as_list(), [1, 3, 1])
      self.assertEqual(state.h.shape.as_list(), [1, 1])
      self.assertEqual(state.c.shape.as_list(), [1, 1])
      self.assertEqual(last.shape.as_list(), [1, 1])
      values = self.run_graph([outputs, state, last, last_state,
                               cell.variables])
    outputs, state, last, last_state, weights = values
    self.assertAllClose(outputs[:, -1], state.h)   # Last output is h.
    self.assertAllClose(last, state.h)             # return_state alone.
    self.assertAllClose(last_state.c, state.c)
    self.assertNotAllClose(state.c, state.h)        # c is separate.
    layer = keras.layers.LSTM(1, return_sequences=True, return_state=True)
    layer.build((None, 3, 1))
    layer.set_weights(weights)
    keras_outputs, keras_h, keras_c = [t.numpy()
                                       for t in layer(TUTORIAL_INPUT)]
    self.assertAllClose(outputs, keras_outputs, atol=1e-6)
    self.assertAllClose(state.h, keras_h, atol=1e-6)
    self.assertAllClose(state.c, keras_c, atol=1e-6)

  @parameterized.parameters(True, False)
  def test_go_backwards_matches_keras(self, return_sequences):
    x = random_x((2, 4, 3))
    with tf.Graph().as_default():
      cell = keras_cells.SimpleRNNCell(5)
      outputs = sequence.rnn(cell, x, go_backwards=True,
                             return_sequences=return_sequences)
      outputs, weights = self.run_graph([outputs, cell.variables])
    layer = keras.layers.SimpleRNN(5, go_backwards=True,
                                   return_sequences=return_sequences)
    layer.build((None, 4, 3))
    layer.set_weights(weights)
    self.assertAllClose(outputs, layer(x).numpy(), atol=1e-6)

  def test_go_backwards_with_lengths_reverses_valid_steps(self):
    x = random_x((2, 4, 3))
    lengths = np.array([4, 2])
    with tf.Graph().as_default():
      cell = keras_cells.SimpleRNNCell(5)
      outputs, state = sequence.rnn(cell, x, go_backwards=True,
                                    sequence_length=lengths,
                                    return_sequences=True, return_state=True)
      outputs, state, weights = self.run_graph([outputs, state,
                                                cell.variables])
    for b, n in enumerate(lengths):
      expected, expected_h = np_simple_rnn(x[b:b + 1, :n][:, ::-1], *weights)
      self.assertAllClose(outputs[b, :n], expected[0], atol=1e-6)
      self.assertAllClose(outputs[b, n:], np.zeros((4 - n, 5)))
      self.assertAllClose(state[b], expected_h[0], atol=1e-6)

  def test_stacked_matches_keras_sequential(self):
    x = random_x((2, 6, 1))
    with tf.Graph().as_default():
      cells = [keras_cells.SimpleRNNCell(4), keras_cells.SimpleRNNCell(3)]
      outputs, states = sequence.stacked_rnn(cells, x, return_state=True)
      self.assertEqual(outputs.shape.as_list(), [2, 3])
      self.assertLen(states, 2)
      names = [v.name for v in tf.compat.v1.global_variables()]
      outputs, w0, w1 = self.run_graph([outputs, cells[0].variables,
                                        cells[1].variables])
    self.assertEqual(names[0], "rnn/simple_rnn_cell/kernel:0")
    self.assertEqual(names[3], "rnn_1/simple_rnn_cell/kernel:0")
    model = keras.Sequential([keras.Input((6, 1)),
                              keras.layers.SimpleRNN(4, return_sequences=True),
                              keras.layers.SimpleRNN(3)])
    model.set_weights(w0 + w1)
    self.assertAllClose(outputs, model(x).numpy(), atol=1e-6)

  @parameterized.product(merge_mode=["concat", "sum", "mul", "ave"],
                         return_sequences=[True, False])
  def test_bidirectional_matches_keras(self, merge_mode, return_sequences):
    x = random_x((2, 4, 3))
    with tf.Graph().as_default():
      forward, backward = (keras_cells.SimpleRNNCell(5),
                           keras_cells.SimpleRNNCell(5))
      outputs = sequence.bidirectional(forward, backward, x,
                                       merge_mode=merge_mode,
                                       return_sequences=return_sequences)
      width = 10 if merge_mode == "concat" else 5
      self.assertEqual(outputs.shape.as_list()[-1], width)
      outputs, w_forward, w_backward = self.run_graph(
          [outputs, forward.variables, backward.variables])
    layer = keras.layers.Bidirectional(
        keras.layers.SimpleRNN(5, return_sequences=return_sequences),
        merge_mode=merge_mode)
    layer.build((None, 4, 3))
    layer.set_weights(w_forward + w_backward)
    self.assertAllClose(outputs, layer(x).numpy(), atol=1e-6)

  def test_bidirectional_with_lengths_matches_tf1(self):
    # Oracle: TF's own bidirectional_dynamic_rnn on the same cells.
    x = random_x((3, 5, 2))
    lengths = np.array([5, 3, 1])
    with tf.Graph().as_default():
      forward, backward = (keras_cells.SimpleRNNCell(4),
                           keras_cells.SimpleRNNCell(4))
      ours = sequence.bidirectional(forward, backward, x,
                                    sequence_length=lengths,
                                    return_sequences=True)
      (fw, bw), _ = tf.compat.v1.nn.bidirectional_dynamic_rnn(
          forward, backward, tf.constant(x), sequence_length=lengths,
          dtype=tf.float32)
      ours, fw, bw = self.run_graph([ours, fw, bw])
    self.assertAllClose(ours, np.concatenate([fw, bw], -1), atol=1e-6)

  def test_mask_value_masks_all_zero_steps(self):
    x = random_x((2, 5, 2))
    x[0, 3:] = 0.
    x[1, 1] = 0.   # A hole in the middle: Keras' Masking skips it too.
    with tf.Graph().as_default():
      mask = sequence.mask_from_value(x, mask_value=0.)
      cell = keras_cells.SimpleRNNCell(3)
      outputs, state = sequence.rnn(cell, x, mask=mask,
                                    return_sequences=True, return_state=True)
      last = sequence.rnn(cell, x, mask=mask)
      mask, outputs, state, last, weights = self.run_graph(
          [mask, outputs, state, last, cell.variables])
    self.assertAllEqual(mask, [[1, 1, 1, 0, 0], [1, 0, 1, 1, 1]])
    expected, expected_h = np_simple_rnn(x, *weights, mask=mask)
    self.assertAllClose(outputs, expected, atol=1e-6)
    self.assertAllClose(state, expected_h, atol=1e-6)
    self.assertAllClose(last, expected_h, atol=1e-6)  # Last kept output.
    self.assertAllEqual(outputs[0, 3:], np.zeros((2, 3)))

  def test_lengths_equal_mask_and_truncated_sequences(self):
    x = random_x((3, 5, 2))
    lengths = np.array([5, 2, 4])
    mask = np.arange(5)[None, :] < lengths[:, None]
    with tf.Graph().as_default():
      cell = keras_cells.KerasLSTMCell(3)
      by_length = sequence.rnn(cell, x, sequence_length=lengths,
                               return_sequences=True, return_state=True)
      by_mask = sequence.rnn(cell, x, mask=mask, return_sequences=True,
                             return_state=True)
      last = sequence.rnn(cell, x, sequence_length=lengths)
      truncated = [tf.compat.v1.nn.dynamic_rnn(
          cell, tf.constant(x[b:b + 1, :n]), dtype=tf.float32)
                   for b, n in enumerate(lengths)]
      by_length, by_mask, last, truncated = self.run_graph(
          [by_length, by_mask, last, truncated])
    self.assertAllClose(by_length, by_mask, atol=1e-6)
    for b, n in enumerate(lengths):
      outputs, state = truncated[b]
      self.assertAllClose(by_length[0][b, :n], outputs[0], atol=1e-6)
      self.assertAllEqual(by_length[0][b, n:], np.zeros((5 - n, 3)))
      self.assertAllClose(by_length[1].c[b], state.c[0], atol=1e-6)
      self.assertAllClose(last[b], outputs[0, -1], atol=1e-6)

  def test_variational_dropout_one_mask_per_sequence(self):
    # Constant inputs and a zero recurrent kernel: each step computes the
    # same thing, so one mask per sequence gives equal outputs at every step.
    x = np.ones((4, 6, 8), np.float32)
    with tf.Graph().as_default():
      cell = keras_cells.SimpleRNNCell(
          5, dropout=0.5, recurrent_dropout=0.5,
          recurrent_initializer=tf.compat.v1.zeros_initializer())
      training = tf.compat.v1.placeholder_with_default(False, [])
      outputs = sequence.rnn(cell, x, return_sequences=True,
                             training=training, seed=1)
      with self.session() as session:
        session.run(tf.compat.v1.global_variables_initializer())
        dropped = session.run(outputs, {training: True})
        clean = session.run(outputs)
        kernel, _, bias = session.run(cell.variables)
    for t in range(1, 6):
      self.assertAllClose(dropped[:, t], dropped[:, 0], atol=1e-6)
    self.assertNotAllClose(dropped, clean)
    self.assertAllClose(clean[:, 0],
                        np.tanh(x[:, 0].dot(kernel) + bias), atol=1e-6)

  def test_dropout_off_by_default(self):
    x = random_x((2, 3, 2))
    with tf.Graph().as_default():
      cell = keras_cells.SimpleRNNCell(4, dropout=0.9)
      outputs = sequence.rnn(cell, x, return_sequences=True)
      outputs, weights = self.run_graph([outputs, cell.variables])
    self.assertAllClose(outputs, np_simple_rnn(x, *weights)[0], atol=1e-6)

  @parameterized.parameters((None,), ([3, 1],))
  def test_unroll_equals_dynamic(self, lengths):
    x = random_x((2, 3, 2))
    with tf.Graph().as_default():
      cell = keras_cells.KerasGRUCell(4)
      static = sequence.rnn(cell, x, unroll=True, sequence_length=lengths,
                            return_sequences=True, return_state=True)
      dynamic = sequence.rnn(cell, x, sequence_length=lengths,
                             return_sequences=True, return_state=True)
      static, dynamic = self.run_graph([static, dynamic])
    self.assertAllClose(static, dynamic, atol=1e-6)

  def test_while_loop_rnn_equals_dynamic_rnn(self):
    # The time-series chapter's MyRNN with the LayerNorm cell.
    x = random_x((2, 7, 3))
    with tf.Graph().as_default():
      cell = keras_cells.LayerNormSimpleRNNCell(4)
      looped, looped_state = sequence.while_loop_rnn(
          cell, x, return_sequences=True)
      last, _ = sequence.while_loop_rnn(cell, x)
      outputs, state = tf.compat.v1.nn.dynamic_rnn(cell, tf.constant(x),
                                                   dtype=tf.float32)
      values = self.run_graph([looped, looped_state, last, outputs, state])
    looped, looped_state, last, outputs, state = values
    self.assertAllClose(looped, outputs, atol=1e-6)
    self.assertAllClose(looped_state, state, atol=1e-6)
    self.assertAllClose(last, outputs[:, -1], atol=1e-6)

  @parameterized.parameters(3, 11)
  def test_time_distributed_dense_shares_weights(self, steps):
    x = random_x((2, steps, 4))
    with tf.Graph().as_default():
      y = layers.time_distributed_dense(x, 6)
      count = sum(v.shape.num_elements()
                  for v in tf.compat.v1.trainable_variables())
      y, (kernel, bias) = self.run_graph(
          [y, tf.compat.v1.trainable_variables()])
    self.assertEqual(count, 4 * 6 + 6)   # Whatever the length.
    for t in range(steps):
      self.assertAllClose(y[:, t], x[:, t].dot(kernel) + bias, atol=1e-6)

  def test_embedding_mask_zero(self):
    ids = np.array([[3, 1, 0, 0], [2, 2, 2, 1]])
    with tf.Graph().as_default():
      embedded, mask = sequence.embedding(ids, 5, 3, mask_zero=True)
      self.assertEqual(embedded.shape.as_list(), [2, 4, 3])
      cell = keras_cells.SimpleRNNCell(2)
      masked = sequence.rnn(cell, embedded, mask=mask)
      short = sequence.rnn(cell, embedded[:1, :2])
      table = tf.compat.v1.global_variables()[0]
      values = self.run_graph([embedded, mask, masked, short, table])
    embedded, mask, masked, short, table = values
    self.assertAllEqual(mask, ids != 0)
    self.assertAllClose(embedded, table[ids])
    self.assertAllClose(masked[0], short[0], atol=1e-6)

  def test_concat_encoders(self):
    # A Keras tutorial's two-input classifier: two LSTM encoders, joined.
    x_a, x_b = random_x((2, 4, 3)), random_x((2, 6, 1), seed=1)
    with tf.Graph().as_default():
      cells = [keras_cells.KerasLSTMCell(5), keras_cells.KerasLSTMCell(2)]
      joined = sequence.concat_encoders([x_a, x_b], cells)
      self.assertEqual(joined.shape.as_list(), [2, 7])
      alone = [tf.compat.v1.nn.dynamic_rnn(c, tf.constant(x),
                                           dtype=tf.float32)[1].h
               for c, x in zip(cells, (x_a, x_b))]
      names = [v.op.name for v in tf.compat.v1.global_variables()]
      joined, alone = self.run_graph([joined, alone])
    self.assertIn("concat_encoders/encoder_1/keras_lstm_cell/kernel", names)
    self.assertAllClose(joined, np.concatenate(alone, -1), atol=1e-6)

  def test_errors(self):
    with tf.Graph().as_default():
      cell = keras_cells.SimpleRNNCell(2)
      with self.assertRaisesRegex(
          ValueError, r"inputs must be \[batch, time, depth\] with a known "
          r"depth, got shape \(2, 3\)"):
        sequence.rnn(cell, tf.zeros([2, 3]))
      x = tf.zeros([2, 3, 1])
      with self.assertRaisesRegex(ValueError, "mask or sequence_length"):
        sequence.rnn(cell, x, mask=tf.ones([2, 3], tf.bool),
                     sequence_length=[3, 3])
      with self.assertRaisesRegex(ValueError,
                                  r"mask must be a bool \[batch, time\]"):
        sequence.rnn(cell, x, mask=tf.ones([2, 3]))
      with self.assertRaisesRegex(ValueError, "unroll=True needs a known"):
        sequence.rnn(cell, tf.compat.v1.placeholder(tf.float32,
                                                    [2, None, 1]),
                     unroll=True)
      with self.assertRaisesRegex(ValueError, r"merge_mode must be one of"):
        sequence.bidirectional(cell, keras_cells.SimpleRNNCell(2), x,
                               merge_mode="max")
      with self.assertRaisesRegex(ValueError, "must be different cells"):
        sequence.bidirectional(cell, cell, x)
      with self.assertRaisesRegex(ValueError, "cells must be a non-empty"):
        sequence.stacked_rnn([], x)


if __name__ == "__main__":
  tf.test.main()
