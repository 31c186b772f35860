"""tf1seq.rnn.dynamic_rnn (hoisted) equals tf.compat.v1.nn.dynamic_rnn."""

import os
from unittest import mock

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

from tf1seq import lstm_kernel
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

  @mock.patch.dict(os.environ, {lstm_kernel.ENV: "0"})  # Else C++ loops.
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


  @mock.patch.dict(os.environ, {lstm_kernel.ENV: "0"})
  def test_xla_argument_overrides_the_default(self):

    def compiled_calls(**kwargs):
      with tf.Graph().as_default() as graph:
        cell = rnn_cell.BasicLSTMCell(6)
        rnn.dynamic_rnn(cell, tf.zeros([2, 3, 4]), dtype=tf.float32,
                        **kwargs)
      return [op for op in graph.get_operations()
              if "_XlaMustCompile" in op.node_def.attr and
              op.get_attr("_XlaMustCompile")]

    self.assertEqual(compiled_calls(xla=False), [])
    self.assertLen(compiled_calls(xla=True), 1)  # Forward only: no grads.
    rnn.set_xla(False)
    try:
      self.assertLen(compiled_calls(xla=True), 1)
    finally:
      rnn.set_xla(True)


class MyLSTMCell(rnn_cell.BasicLSTMCell):
  """A subclass that only changes the default: keeps the fast path."""

  def __init__(self, num_units):
    super().__init__(num_units, forget_bias=0.5)


class DoubledLSTMCell(rnn_cell.BasicLSTMCell):
  """A subclass with its own step: the fast path would not compute it."""

  def call(self, inputs, state):
    output, new_state = super().call(inputs, state)
    return 2 * output, new_state


class DoubledDropoutWrapper(rnn_cell.DropoutWrapper):

  def _call_wrapped_cell(self, inputs, state, scope):
    output, new_state = super()._call_wrapped_cell(inputs, state, scope)
    return 2 * output, new_state


class CellCapabilityTest(tf.test.TestCase, parameterized.TestCase):
  """The fast path is what a cell declares, subclasses included."""

  def test_subclass_keeping_call_keeps_the_fast_path(self):
    self.assertTrue(rnn.supports(MyLSTMCell(6)))
    names, expected = run_graph(lambda: MyLSTMCell(6),
                                tf.compat.v1.nn.dynamic_rnn, None, False,
                                False)
    fast_names, actual = run_graph(lambda: MyLSTMCell(6), rnn.dynamic_rnn,
                                   None, False, False)
    self.assertEqual(fast_names, names)
    self.assertAllClose(actual, expected, atol=1e-5)

  @parameterized.parameters(
      (lambda: DoubledLSTMCell(6),),
      (lambda: rnn_cell.MultiRNNCell([rnn_cell.GRUCell(5),
                                      DoubledLSTMCell(6)]),),
      (lambda: DoubledDropoutWrapper(rnn_cell.BasicLSTMCell(6)),))
  def test_subclass_overriding_its_step_falls_back_visibly(self, make):
    with self.assertLogs(level="INFO") as logs:
      self.assertFalse(rnn.supports(make()))
    self.assertRegex("\n".join(logs.output),
                     r"overrides \w+\.(call|_call_wrapped_cell): "
                     r"tf1seq\.rnn\.dynamic_rnn runs it through "
                     r"TensorFlow's dynamic_rnn")
    names, expected = run_graph(make, tf.compat.v1.nn.dynamic_rnn, None,
                                False, False)
    fast_names, actual = run_graph(make, rnn.dynamic_rnn, None, False, False)
    self.assertEqual(fast_names, names)
    self.assertAllClose(actual, expected)

  def test_cells_declare_their_forms(self):
    with tf.Graph().as_default():
      x = tf.zeros([2, 4])
      cells = {"basic_lstm": rnn_cell.BasicLSTMCell(3),
               "projection": rnn_cell.LSTMCell(3, num_proj=2),
               "gru": rnn_cell.GRUCell(3),
               "layer_norm": rnn_cell.LayerNormBasicLSTMCell(3)}
      for cell in cells.values():
        cell.build_variables(x)
      self.assertIsNotNone(cells["basic_lstm"].fused_lstm_parameters(
          tf.float32))
      self.assertIsNone(cells["projection"].fused_lstm_parameters(
          tf.float32))
      self.assertIsNotNone(cells["projection"].hoisted_step(4))
      self.assertIsNone(cells["gru"].fused_lstm_parameters(tf.float32))
      self.assertIsNone(cells["layer_norm"].hoisted_step(4))


V1_BEHAVIOUR_SCRIPT = """
import numpy as np
import tensorflow as tf
tf.compat.v1.disable_v2_behavior()
from tf1seq import rnn
from tf1seq import rnn_cell

def run(dynamic_rnn, make):
  with tf.Graph().as_default():
    tf.compat.v1.set_random_seed(5)
    x = tf.constant(np.random.RandomState(0).uniform(
        -1, 1, (3, 5, 4)).astype(np.float32))
    cell = make()
    outputs, state = dynamic_rnn(cell, x, dtype=tf.float32,
                                 sequence_length=[5, 2, 0])
    loss = tf.reduce_sum(outputs) + sum(
        tf.reduce_sum(s) for s in tf.nest.flatten(state))
    grads = tf.gradients(loss, tf.compat.v1.trainable_variables())
    names = [v.op.name for v in tf.compat.v1.global_variables()]
    with tf.compat.v1.Session() as session:
      session.run(tf.compat.v1.global_variables_initializer())
      return names, session.run([outputs, state, grads])

makers = [
    lambda: rnn_cell.BasicLSTMCell(6),
    lambda: rnn_cell.LSTMCell(6, num_proj=3),
    lambda: rnn_cell.GRUCell(5),
    lambda: rnn_cell.MultiRNNCell([rnn_cell.BasicLSTMCell(6),
                                   rnn_cell.BasicRNNCell(3)]),
]
worst = 0.0
for make in makers:
  names, expected = run(tf.compat.v1.nn.dynamic_rnn, make)
  fast_names, actual = run(rnn.dynamic_rnn, make)
  assert names == fast_names, (names, fast_names)
  for a, e in zip(tf.nest.flatten(actual), tf.nest.flatten(expected)):
    worst = max(worst, float(np.max(np.abs(np.asarray(a) - e))))
print("max difference %.3g" % worst)
"""


class V1BehaviourTest(tf.test.TestCase):

  def test_fast_path_under_disable_v2_behavior(self):
    # TF1 behaviour gives Dimension objects in shapes and v1 control flow;
    # the fast path must build and agree there too (a fresh process, since
    # the switch is process-wide).
    import subprocess  # pylint: disable=g-import-not-at-top
    import sys  # pylint: disable=g-import-not-at-top
    result = subprocess.run([sys.executable, "-c", V1_BEHAVIOUR_SCRIPT],
                            capture_output=True, text=True, timeout=600)
    self.assertEqual(result.returncode, 0, result.stderr[-3000:])
    worst = float(result.stdout.split()[-1])
    self.assertLess(worst, 1e-4)


if __name__ == "__main__":
  tf.test.main()
