"""tf1seq.rnn.dynamic_rnn (hoisted) equals tf.compat.v1.nn.dynamic_rnn."""

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

from tf1seq import rnn
from tf1seq import rnn_cell

CELLS = {
    "basic_lstm": lambda: rnn_cell.BasicLSTMCell(6),
    "basic_lstm_concat_state": lambda: rnn_cell.BasicLSTMCell(
        6, state_is_tuple=False),
    "lstm": lambda: rnn_cell.LSTMCell(6),
    "lstm_peephole_clip_projection": lambda: rnn_cell.LSTMCell(
        6, use_peepholes=True, cell_clip=0.5, num_proj=3, proj_clip=0.4),
    "lstm_sharded": lambda: rnn_cell.LSTMCell(6, num_unit_shards=2),
    "gru": lambda: rnn_cell.GRUCell(6),
    "basic_rnn": lambda: rnn_cell.BasicRNNCell(6, activation=tf.nn.relu),
    "stack": lambda: rnn_cell.MultiRNNCell([
        rnn_cell.BasicLSTMCell(6), rnn_cell.GRUCell(5),
        rnn_cell.LSTMCell(4, num_proj=2), rnn_cell.BasicRNNCell(3)]),
    # Output dropout kept at 1 (a fed keep probability, as the trainers
    # build it): the fast path must then equal TensorFlow's exactly.
    "stack_output_dropout": lambda: rnn_cell.MultiRNNCell([
        rnn_cell.DropoutWrapper(
            rnn_cell.BasicLSTMCell(6),
            output_keep_prob=tf.compat.v1.placeholder_with_default(1.0, [])),
        rnn_cell.DropoutWrapper(rnn_cell.GRUCell(5), output_keep_prob=1.0)]),
    "output_dropout": lambda: rnn_cell.DropoutWrapper(
        rnn_cell.BasicLSTMCell(6),
        output_keep_prob=tf.compat.v1.placeholder_with_default(1.0, [])),
}


def run_graph(make_cell, dynamic_rnn, sequence_length, time_major,
              initial_state, checkpoint=None, save_to=None):
  """Builds and runs one unrolling; returns names, outputs, state, grads."""
  with tf.Graph().as_default():
    tf.compat.v1.set_random_seed(7)
    shape = (5, 3, 4) if time_major else (3, 5, 4)
    x = tf.constant(np.random.RandomState(0).uniform(
        -1, 1, shape).astype(np.float32))
    cell = make_cell()
    state = None
    if initial_state:
      state = tf.nest.map_structure(
          lambda s: tf.fill(tf.shape(s), 0.3),
          cell.zero_state(3, tf.float32))
    outputs, final_state = dynamic_rnn(
        cell, x, sequence_length=sequence_length, initial_state=state,
        dtype=None if initial_state else tf.float32, time_major=time_major)
    loss = tf.reduce_sum(outputs ** 2) + tf.add_n(
        [tf.reduce_sum(s ** 3) for s in tf.nest.flatten(final_state)])
    variables = tf.compat.v1.trainable_variables()
    grads = tf.gradients(loss, variables + [x])
    saver = tf.compat.v1.train.Saver()
    with tf.compat.v1.Session() as session:
      session.run(tf.compat.v1.global_variables_initializer())
      if checkpoint:
        saver.restore(session, checkpoint)
      if save_to:
        saver.save(session, save_to)
      values = session.run([outputs, final_state, grads])
  return [(v.name, v.shape.as_list()) for v in variables], values


class DynamicRNNTest(tf.test.TestCase, parameterized.TestCase):

  @parameterized.product(
      cell=sorted(CELLS), sequence_length=[None, (5, 2, 0)],
      time_major=[False, True])
  def test_equals_reference(self, cell, sequence_length, time_major):
    # The fast graph restores the reference's weights: with dropout
    # wrappers the two create their initializers in another order.
    reference = self.create_tempdir().full_path + "/reference"
    names, expected = run_graph(CELLS[cell], tf.compat.v1.nn.dynamic_rnn,
                                sequence_length, time_major, False,
                                save_to=reference)
    fast_names, actual = run_graph(CELLS[cell], rnn.dynamic_rnn,
                                   sequence_length, time_major, False,
                                   checkpoint=reference)
    self.assertEqual(fast_names, names)
    self.assertAllClose(actual, expected, atol=1e-5, rtol=1e-5)

  @parameterized.parameters("basic_lstm", "stack")
  def test_initial_state_and_checkpoint_interchange(self, cell):
    directory = self.create_tempdir().full_path
    _, expected = run_graph(CELLS[cell], tf.compat.v1.nn.dynamic_rnn, None,
                            False, True, save_to=directory + "/ref")
    _, actual = run_graph(CELLS[cell], rnn.dynamic_rnn, None, False, True,
                          checkpoint=directory + "/ref",
                          save_to=directory + "/fast")
    self.assertAllClose(actual, expected, atol=1e-5, rtol=1e-5)
    _, back = run_graph(CELLS[cell], tf.compat.v1.nn.dynamic_rnn, None,
                        False, True, checkpoint=directory + "/fast")
    self.assertAllClose(back, expected, atol=1e-5, rtol=1e-5)

  def test_masked_steps_output_zero_and_keep_state(self):
    _, (outputs, state, _) = run_graph(CELLS["basic_lstm"], rnn.dynamic_rnn,
                                       (5, 2, 0), False, False)
    self.assertAllEqual(outputs[1, 2:], np.zeros((3, 6)))
    self.assertAllEqual(outputs[2], np.zeros((5, 6)))
    self.assertAllEqual(state.h[1], outputs[1, 1])
    self.assertAllEqual(state.c[2], np.zeros(6))

  def test_supports(self):
    self.assertTrue(rnn.supports(CELLS["stack"]()))
    lstm = rnn_cell.BasicLSTMCell(3)
    self.assertTrue(rnn.supports(
        rnn_cell.DropoutWrapper(lstm, output_keep_prob=0.5)))
    # Dropout the fast path does not do: on inputs or state, variational,
    # or seeded (a seed promises TF1's very masks).
    for kwargs in (dict(input_keep_prob=0.5), dict(state_keep_prob=0.5),
                   dict(output_keep_prob=0.5, seed=1),
                   dict(output_keep_prob=0.5, variational_recurrent=True,
                        dtype=tf.float32)):
      self.assertFalse(rnn.supports(rnn_cell.DropoutWrapper(lstm, **kwargs)),
                       kwargs)
    self.assertFalse(rnn.supports(rnn_cell.MultiRNNCell(
        [rnn_cell.BasicRNNCell(3)], state_is_tuple=False)))

  def test_output_dropout_drops_outputs_not_state(self):
    with tf.Graph().as_default():
      x = tf.constant(np.random.RandomState(0).uniform(
          -1, 1, (8, 20, 4)).astype(np.float32))
      lower, upper = rnn_cell.BasicLSTMCell(6), rnn_cell.GRUCell(5)
      dropped_cell = rnn_cell.MultiRNNCell([
          rnn_cell.DropoutWrapper(lower, output_keep_prob=0.5), upper])
      self.assertTrue(rnn.supports(dropped_cell))
      lower_out, (lower_state, upper_state) = rnn.dynamic_rnn(
          dropped_cell, x, dtype=tf.float32, scope="rnn")
      # The same variables without dropout.
      plain_out, (plain_lower, plain_upper) = rnn.dynamic_rnn(
          rnn_cell.MultiRNNCell([lower, upper]), x, dtype=tf.float32,
          scope="rnn")
      # The lower layer alone (built: it keeps its variables).
      first_out, first_state = rnn.dynamic_rnn(
          rnn_cell.DropoutWrapper(lower, output_keep_prob=0.5), x,
          dtype=tf.float32)
      plain_first, _ = rnn.dynamic_rnn(lower, x, dtype=tf.float32)
      self.assertLen(tf.compat.v1.trainable_variables(), 6)
      with tf.compat.v1.Session() as session:
        session.run(tf.compat.v1.global_variables_initializer())
        values = session.run([lower_state, plain_lower, upper_state,
                              plain_upper, lower_out, plain_out,
                              first_out, first_state, plain_first])
        again = session.run(first_out)
    (lower_state, plain_lower, upper_state, plain_upper, lower_out,
     plain_out, first_out, first_state, plain_first) = values
    # The lower layer's state is not dropped; the upper layer sees dropped
    # inputs, so its state and outputs differ.
    self.assertAllClose(lower_state, plain_lower, atol=1e-6)
    self.assertGreater(np.abs(upper_state - plain_upper).max(), 1e-3)
    self.assertGreater(np.abs(lower_out - plain_out).max(), 1e-3)
    # A single wrapped layer: each output is 0 or twice the plain one.
    self.assertAllClose(first_state, plain_lower, atol=1e-6)
    kept = first_out != 0
    self.assertAllClose(first_out[kept], 2 * plain_first[kept], atol=1e-5)
    self.assertBetween(kept.mean(), 0.4, 0.6)  # 960 draws of keep 0.5.
    self.assertFalse(np.array_equal(again != 0, kept))  # Fresh every run.

  def test_other_cells_fall_back_to_tensorflow(self):
    # Seeded: TensorFlow's own dynamic_rnn. (Keep probability 1: masks
    # drawn inside TensorFlow's parallel loop are not reproducible.)
    make = lambda: rnn_cell.DropoutWrapper(rnn_cell.BasicLSTMCell(6), seed=3)
    self.assertFalse(rnn.supports(make()))
    names, expected = run_graph(make, tf.compat.v1.nn.dynamic_rnn, None,
                                False, False)
    fast_names, actual = run_graph(make, rnn.dynamic_rnn, None, False, False)
    self.assertEqual(fast_names, names)
    self.assertAllClose(actual, expected)

  def test_errors(self):
    with tf.Graph().as_default():
      cell = rnn_cell.BasicLSTMCell(3)
      with self.assertRaisesRegex(ValueError, r"must give a dtype"):
        rnn.dynamic_rnn(cell, tf.zeros([2, 3, 4]))
      with self.assertRaisesRegex(ValueError, r"inputs must be \[batch, "
                                  r"time, depth\].*got shape \(2, 4\)"):
        rnn.dynamic_rnn(cell, tf.zeros([2, 4]), dtype=tf.float32)
      with self.assertRaisesRegex(ValueError,
                                  r"state\.c must have shape \[batch, 3\]"):
        rnn.dynamic_rnn(cell, tf.zeros([2, 3, 4]), initial_state=(
            rnn_cell.LSTMStateTuple(tf.zeros([2, 5]), tf.zeros([2, 3]))))
      with self.assertRaisesRegex(ValueError, r"sequence_length must be a "
                                  r"vector"):
        rnn.dynamic_rnn(cell, tf.zeros([2, 3, 4]), dtype=tf.float32,
                        sequence_length=tf.zeros([2, 1], tf.int32))

  @parameterized.product(jit_compile=[True, False],
                         sequence_length=[None, (5, 2, 0)],
                         dtype=["float32", "float64"])
  def test_fused_lstm_gradients_reach_the_initial_state(
      self, jit_compile, sequence_length, dtype):
    """The hand-written LSTM gradient, initial state and inputs included."""

    def gradients(dynamic_rnn):
      with tf.Graph().as_default():
        tf.compat.v1.set_random_seed(3)
        rng = np.random.RandomState(1)
        x = tf.constant(rng.uniform(-1, 1, (3, 5, 4)).astype(dtype))
        c = tf.constant(rng.uniform(-1, 1, (3, 6)).astype(dtype))
        h = tf.constant(rng.uniform(-1, 1, (3, 6)).astype(dtype))
        cell = rnn_cell.BasicLSTMCell(6, forget_bias=0.5)
        outputs, state = dynamic_rnn(
            cell, x, sequence_length=sequence_length,
            initial_state=rnn_cell.LSTMStateTuple(c, h))
        loss = (tf.reduce_sum(tf.sin(outputs)) + tf.reduce_sum(state.c ** 2)
                + tf.reduce_sum(state.h ** 3))
        grads = tf.gradients(loss, [x, c, h] + cell.trainable_variables)
        with tf.compat.v1.Session() as session:
          session.run(tf.compat.v1.global_variables_initializer())
          return session.run([outputs, state, grads])

    expected = gradients(tf.compat.v1.nn.dynamic_rnn)
    saved = rnn.xla_enabled()
    rnn.set_xla(jit_compile)
    try:
      actual = gradients(rnn.dynamic_rnn)
    finally:
      rnn.set_xla(saved)
    tolerance = 1e-5 if dtype == "float32" else 1e-10
    self.assertAllClose(actual, expected, atol=tolerance, rtol=tolerance)

  def test_set_xla_decides_whether_the_loops_are_compiled(self):

    def compiled_calls():
      with tf.Graph().as_default() as graph:
        cell = rnn_cell.BasicLSTMCell(6)
        outputs, _ = rnn.dynamic_rnn(cell, tf.zeros([2, 3, 4]),
                                     dtype=tf.float32)
        tf.gradients(outputs, cell.trainable_variables)
      return [op.type for op in graph.get_operations()
              if "_XlaMustCompile" in op.node_def.attr and
              op.get_attr("_XlaMustCompile")]

    self.assertTrue(rnn.xla_enabled())  # The default.
    self.assertLen(compiled_calls(), 2)  # Forward and backward loops.
    rnn.set_xla(False)
    try:
      self.assertEqual(compiled_calls(), [])
    finally:
      rnn.set_xla(True)
    with self.assertRaisesRegex(TypeError, r"set_xla takes a bool, got 1"):
      rnn.set_xla(1)


if __name__ == "__main__":
  tf.test.main()
