"""tf1seq.rnn_cell against TF's own legacy TF1 cells (the oracle) and numpy.

Every graph here is built twice, once with
`tensorflow.python.keras.layers.legacy_rnn.rnn_cell_impl` (TF1's cells,
still shipped privately by TensorFlow 2.21) and once with `tf1seq.rnn_cell`,
under the same graph seed; a checkpoint written by one restores into the
other, both ways, and the fetched outputs, final states and gradients must
then agree to 1e-6. Variable names and shapes must be the oracle's, in the
oracle's order, and are also pinned here in full.
"""

import os
import sys

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

from tf1seq import rnn_cell

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import oracle  # pylint: disable=g-import-not-at-top,g-bad-import-order

ATOL = 1e-6

# Cell builders: fn(cells namespace, input depth) -> cell. Tiny sizes.
CELLS = {
    "basic_rnn": lambda ns, depth: ns.BasicRNNCell(3),
    "basic_rnn_relu": lambda ns, depth: ns.BasicRNNCell(
        3, activation=tf.nn.relu),
    "basic_lstm": lambda ns, depth: ns.BasicLSTMCell(3),
    "basic_lstm_concat_state": lambda ns, depth: ns.BasicLSTMCell(
        3, forget_bias=0.5, state_is_tuple=False),
    "lstm": lambda ns, depth: ns.LSTMCell(3),
    "lstm_peepholes_clip_projection": lambda ns, depth: ns.LSTMCell(
        3, use_peepholes=True, cell_clip=0.3, num_proj=2, proj_clip=0.2,
        forget_bias=0.7),
    "lstm_concat_state_projection": lambda ns, depth: ns.LSTMCell(
        3, num_proj=2, state_is_tuple=False, activation=tf.nn.softsign),
    "lstm_sharded": lambda ns, depth: ns.LSTMCell(
        4, num_proj=3, num_unit_shards=2, num_proj_shards=3),
    "gru": lambda ns, depth: ns.GRUCell(3),
    "gru_relu": lambda ns, depth: ns.GRUCell(3, activation=tf.nn.relu),
    "multi": lambda ns, depth: ns.MultiRNNCell(
        [ns.BasicLSTMCell(3), ns.GRUCell(2),
         ns.LSTMCell(3, num_proj=2, use_peepholes=True)]),
    "multi_concat_state": lambda ns, depth: ns.MultiRNNCell(
        [ns.BasicRNNCell(3), ns.GRUCell(2)], state_is_tuple=False),
    "dropout_keep_all": lambda ns, depth: ns.DropoutWrapper(
        ns.BasicLSTMCell(3)),
    "residual": lambda ns, depth: ns.ResidualWrapper(ns.GRUCell(depth)),
    "device": lambda ns, depth: ns.DeviceWrapper(
        ns.BasicLSTMCell(3), "/device:CPU:0"),
    "multi_of_wrappers": lambda ns, depth: ns.MultiRNNCell(
        [ns.DeviceWrapper(ns.LSTMCell(depth), "/device:CPU:0"),
         ns.ResidualWrapper(ns.BasicLSTMCell(depth)),
         ns.DropoutWrapper(ns.GRUCell(2))]),
}

# The variables of each cell (input depth 2) under tf.compat.v1.nn.dynamic_rnn,
# as TF1 names them, in TF1's order.
EXPECTED_VARIABLES = {
    "basic_rnn": [("rnn/basic_rnn_cell/kernel:0", [5, 3]),
                  ("rnn/basic_rnn_cell/bias:0", [3])],
    "basic_lstm": [("rnn/basic_lstm_cell/kernel:0", [5, 12]),
                   ("rnn/basic_lstm_cell/bias:0", [12])],
    "lstm": [("rnn/lstm_cell/kernel:0", [5, 12]),
             ("rnn/lstm_cell/bias:0", [12])],
    "lstm_peepholes_clip_projection": [
        ("rnn/lstm_cell/kernel:0", [4, 12]),
        ("rnn/lstm_cell/bias:0", [12]),
        ("rnn/lstm_cell/w_f_diag:0", [3]),
        ("rnn/lstm_cell/w_i_diag:0", [3]),
        ("rnn/lstm_cell/w_o_diag:0", [3]),
        ("rnn/lstm_cell/projection/kernel:0", [3, 2])],
    "lstm_sharded": [
        ("rnn/lstm_cell/kernel/part_0:0", [3, 16]),
        ("rnn/lstm_cell/kernel/part_1:0", [2, 16]),
        ("rnn/lstm_cell/bias:0", [16]),
        ("rnn/lstm_cell/projection/kernel/part_0:0", [2, 3]),
        ("rnn/lstm_cell/projection/kernel/part_1:0", [1, 3]),
        ("rnn/lstm_cell/projection/kernel/part_2:0", [1, 3])],
    "gru": [("rnn/gru_cell/gates/kernel:0", [5, 6]),
            ("rnn/gru_cell/gates/bias:0", [6]),
            ("rnn/gru_cell/candidate/kernel:0", [5, 3]),
            ("rnn/gru_cell/candidate/bias:0", [3])],
    "multi": [
        ("rnn/multi_rnn_cell/cell_0/basic_lstm_cell/kernel:0", [5, 12]),
        ("rnn/multi_rnn_cell/cell_0/basic_lstm_cell/bias:0", [12]),
        ("rnn/multi_rnn_cell/cell_1/gru_cell/gates/kernel:0", [5, 4]),
        ("rnn/multi_rnn_cell/cell_1/gru_cell/gates/bias:0", [4]),
        ("rnn/multi_rnn_cell/cell_1/gru_cell/candidate/kernel:0", [5, 2]),
        ("rnn/multi_rnn_cell/cell_1/gru_cell/candidate/bias:0", [2]),
        ("rnn/multi_rnn_cell/cell_2/lstm_cell/kernel:0", [4, 12]),
        ("rnn/multi_rnn_cell/cell_2/lstm_cell/bias:0", [12]),
        ("rnn/multi_rnn_cell/cell_2/lstm_cell/w_f_diag:0", [3]),
        ("rnn/multi_rnn_cell/cell_2/lstm_cell/w_i_diag:0", [3]),
        ("rnn/multi_rnn_cell/cell_2/lstm_cell/w_o_diag:0", [3]),
        ("rnn/multi_rnn_cell/cell_2/lstm_cell/projection/kernel:0", [3, 2])],
    "dropout_keep_all": [("rnn/basic_lstm_cell/kernel:0", [5, 12]),
                         ("rnn/basic_lstm_cell/bias:0", [12])],
    "residual": [("rnn/gru_cell/gates/kernel:0", [4, 4]),
                 ("rnn/gru_cell/gates/bias:0", [4]),
                 ("rnn/gru_cell/candidate/kernel:0", [4, 2]),
                 ("rnn/gru_cell/candidate/bias:0", [2])],
}


def _constant_state(zero_state, dtype, seed=10):
  """Random constants shaped like `zero_state` (a nested structure)."""
  flat = tf.nest.flatten(zero_state)
  values = [tf.constant(oracle.random_array(z.shape.as_list(), seed + i,
                                            dtype=dtype.as_numpy_dtype))
            for i, z in enumerate(flat)]
  return tf.nest.pack_sequence_as(zero_state, values)


def dynamic_rnn_builder(cell_name, batch=3, depth=2, time=4,
                        sequence_length=None, time_major=False,
                        initial_state=False, dtype=tf.float32,
                        placeholder_batch=False):
  """A builder: `dynamic_rnn` of CELLS[cell_name], with gradients."""

  def build(api):
    cell = CELLS[cell_name](api.rnn_cell, depth)
    shape = (time, batch, depth) if time_major else (batch, time, depth)
    x = tf.constant(oracle.random_array(shape, 1, dtype=dtype.as_numpy_dtype))
    if placeholder_batch:
      x = tf.compat.v1.placeholder_with_default(
          x, [time, None, depth] if time_major else [None, time, depth])
    state = None
    if initial_state:
      state = _constant_state(cell.zero_state(batch, dtype), dtype)
    lengths = None
    if sequence_length is not None:
      lengths = tf.constant(sequence_length, dtype=tf.int32)
    outputs, final_state = tf.compat.v1.nn.dynamic_rnn(
        cell, x, sequence_length=lengths, initial_state=state,
        dtype=None if initial_state else dtype, time_major=time_major)
    loss = oracle.loss_of(outputs, final_state)
    sources = [x] + (tf.nest.flatten(state) if initial_state else [])
    return {"outputs": outputs, "final_state": final_state,
            "gradients": oracle.gradients(loss, sources)}

  return build


class OracleTestCase(oracle.GraphTestCase, parameterized.TestCase):
  """Checks a builder against the oracle: names, values, both ways."""

  def assert_matches_oracle(self, build, both_ways=True, label=None,
                            atol=ATOL):
    pair = oracle.compare_with_oracle(
        build, self.create_tempdir().full_path, both_ways=both_ways,
        label=label)
    oracle_variables, tf1seq_variables = pair.variables
    self.assertEqual(tf1seq_variables, oracle_variables)
    self._assert_values_match(pair.expected, pair.actual, atol)
    if both_ways:
      self._assert_values_match(pair.reverse_expected, pair.reverse_actual,
                                atol)
    return pair

  def _assert_values_match(self, expected, actual, atol):
    if isinstance(expected, dict):
      self.assertEqual(sorted(actual), sorted(expected))
      for key in expected:
        if key == "gradients":
          self.assertEqual(sorted(actual[key]), sorted(expected[key]))
          for name in expected[key]:
            # Gradients sum over batch and time: relative to their size.
            self.assertAllClose(actual[key][name], expected[key][name],
                                atol=atol, rtol=atol, msg=name)
        else:
          self.assertLessEqual(
              oracle.max_abs_difference(expected[key], actual[key]), atol,
              msg=key)
    else:
      self.assertLessEqual(oracle.max_abs_difference(expected, actual), atol)


class DynamicRNNTest(OracleTestCase):

  @parameterized.parameters(*sorted(CELLS))
  def test_batch_major_with_sequence_length(self, cell):
    self.assert_matches_oracle(
        dynamic_rnn_builder(cell, batch=3, depth=2, time=4,
                            sequence_length=[4, 2, 0]),
        label=cell)

  @parameterized.parameters(
      "basic_rnn", "basic_lstm_concat_state", "lstm_peepholes_clip_projection",
      "lstm_concat_state_projection", "lstm_sharded", "gru_relu",
      "multi_concat_state", "multi_of_wrappers")
  def test_time_major_with_initial_state(self, cell):
    self.assert_matches_oracle(
        dynamic_rnn_builder(cell, batch=2, depth=3, time=3, time_major=True,
                            initial_state=True),
        both_ways=False, label=cell)

  @parameterized.parameters(
      ("basic_lstm", 1, 1, 1, None, False),
      ("lstm_peepholes_clip_projection", 4, 5, 2, [1, 2, 2, 1], True),
      ("gru", 5, 1, 3, [3, 0, 1, 2, 3], False),
      ("multi", 2, 4, 5, [5, 3], True),
      ("basic_rnn", 1, 3, 6, [6], True),
  )
  def test_sizes(self, cell, batch, depth, time, sequence_length,
                 time_major):
    self.assert_matches_oracle(
        dynamic_rnn_builder(cell, batch=batch, depth=depth, time=time,
                            sequence_length=sequence_length,
                            time_major=time_major),
        both_ways=False, label=cell)

  @parameterized.parameters("basic_lstm", "multi", "lstm_concat_state_projection")
  def test_unknown_batch_size(self, cell):
    self.assert_matches_oracle(
        dynamic_rnn_builder(cell, batch=2, sequence_length=[1, 4],
                            placeholder_batch=True),
        both_ways=False, label=cell)

  @parameterized.parameters(*sorted(EXPECTED_VARIABLES))
  def test_variable_names_and_shapes(self, cell):
    def build(api):
      x = tf.zeros([1, 3, 2])
      tf.compat.v1.nn.dynamic_rnn(CELLS[cell](api.rnn_cell, 2), x,
                                  dtype=tf.float32)
      return []
    with tf.Graph().as_default():
      build(oracle.api(oracle.TF1SEQ))
      self.assertEqual(oracle.variable_names_and_shapes(),
                       EXPECTED_VARIABLES[cell])

  @parameterized.parameters("basic_lstm", "gru", "lstm_peepholes_clip_projection")
  def test_float64(self, cell):
    pair = self.assert_matches_oracle(
        dynamic_rnn_builder(cell, sequence_length=[4, 1, 3],
                            dtype=tf.float64),
        both_ways=False, label=cell + "_float64", atol=1e-12)
    self.assertEqual(pair.actual["outputs"].dtype, np.float64)

  def test_float64_variables(self):
    with tf.Graph().as_default():
      cell = rnn_cell.LSTMCell(3, use_peepholes=True, num_proj=2)
      tf.compat.v1.nn.dynamic_rnn(cell, tf.zeros([1, 2, 2], tf.float64),
                                  dtype=tf.float64)
      self.assertEqual(
          [v.dtype.base_dtype for v in tf.compat.v1.global_variables()],
          [tf.float64] * 6)


class StaticAndBidirectionalRNNTest(OracleTestCase):

  @parameterized.parameters(
      ("basic_lstm", None), ("gru", [3, 1]),
      ("lstm_peepholes_clip_projection", [2, 0]), ("multi", [3, 2]),
      ("basic_lstm_concat_state", [1, 3]))
  def test_static_rnn(self, cell, sequence_length):
    def build(api):
      xs = [tf.constant(oracle.random_array([2, 2], 20 + t))
            for t in range(3)]
      rnn_cell_ = CELLS[cell](api.rnn_cell, 2)
      outputs, state = tf.compat.v1.nn.static_rnn(
          rnn_cell_, xs, dtype=tf.float32, sequence_length=sequence_length)
      return {"outputs": outputs, "final_state": state,
              "gradients": oracle.gradients(oracle.loss_of(outputs, state),
                                            xs)}
    pair = self.assert_matches_oracle(build, label=cell + "_static")
    self.assertEqual(pair.variables[1][0][0].split("/")[0], "rnn")

  @parameterized.parameters(
      ("basic_lstm", None), ("gru", [3, 1]), ("multi", [1, 3]))
  def test_static_equals_dynamic(self, cell, sequence_length):
    with tf.Graph().as_default():
      x = oracle.random_array([2, 3, 2], 3)
      rnn_cell_ = CELLS[cell](rnn_cell, 2)
      dynamic, dynamic_state = tf.compat.v1.nn.dynamic_rnn(
          rnn_cell_, tf.constant(x), dtype=tf.float32,
          sequence_length=sequence_length)
      static, static_state = tf.compat.v1.nn.static_rnn(
          rnn_cell_, tf.unstack(tf.constant(x), axis=1), dtype=tf.float32,
          sequence_length=sequence_length)
      self.evaluate(tf.compat.v1.global_variables_initializer())
      dynamic, dynamic_state, static, static_state = self.evaluate(
          [dynamic, dynamic_state, static, static_state])
    self.assertAllClose(np.stack(static, axis=1), dynamic, atol=ATOL)
    self.assertAllClose(static_state, dynamic_state, atol=ATOL)

  @parameterized.parameters(
      ("basic_lstm", None, False), ("gru", [3, 1], True),
      ("lstm_peepholes_clip_projection", [2, 0], False),
      ("multi", [3, 2], False))
  def test_bidirectional_dynamic_rnn(self, cell, sequence_length,
                                     time_major):
    def build(api):
      shape = [3, 2, 2] if time_major else [2, 3, 2]
      x = tf.constant(oracle.random_array(shape, 4))
      outputs, states = tf.compat.v1.nn.bidirectional_dynamic_rnn(
          CELLS[cell](api.rnn_cell, 2), CELLS[cell](api.rnn_cell, 2), x,
          sequence_length=sequence_length, dtype=tf.float32,
          time_major=time_major)
      return {"outputs": outputs, "final_state": states,
              "gradients": oracle.gradients(oracle.loss_of(outputs, states),
                                            x)}
    pair = self.assert_matches_oracle(build, label=cell + "_bidirectional")
    names = [name for name, _ in pair.variables[1]]
    half = len(names) // 2
    for fw, bw in zip(names[:half], names[half:]):
      self.assertStartsWith(fw, "bidirectional_rnn/fw/")
      self.assertEqual(bw, fw.replace("/fw/", "/bw/"))

  def test_bidirectional_names(self):
    with tf.Graph().as_default():
      tf.compat.v1.nn.bidirectional_dynamic_rnn(
          rnn_cell.BasicLSTMCell(3), rnn_cell.GRUCell(2), tf.zeros([1, 2, 4]),
          dtype=tf.float32)
      self.assertEqual(oracle.variable_names_and_shapes(), [
          ("bidirectional_rnn/fw/basic_lstm_cell/kernel:0", [7, 12]),
          ("bidirectional_rnn/fw/basic_lstm_cell/bias:0", [12]),
          ("bidirectional_rnn/bw/gru_cell/gates/kernel:0", [6, 4]),
          ("bidirectional_rnn/bw/gru_cell/gates/bias:0", [4]),
          ("bidirectional_rnn/bw/gru_cell/candidate/kernel:0", [6, 2]),
          ("bidirectional_rnn/bw/gru_cell/candidate/bias:0", [2])])


class SingleStepTest(OracleTestCase):

  @parameterized.parameters(*sorted(CELLS))
  def test_one_step_with_default_initializers(self, cell):
    # No checkpoint: the scope's constant initializer and each cell's own
    # bias initializers (zeros; GRU gates ones) must give the oracle's values.
    def build(api):
      with tf.compat.v1.variable_scope(
          "root", initializer=tf.compat.v1.constant_initializer(0.5)):
        cell_ = CELLS[cell](api.rnn_cell, 2)
        x = tf.constant([[1., 2.], [-1., 0.5]])
        state = _constant_state(cell_.zero_state(2, tf.float32), tf.float32)
        output, new_state = cell_(x, state)
        return {"output": output, "state": new_state}
    expected = oracle.run(build, oracle.ORACLE)
    actual = oracle.run(build, oracle.TF1SEQ)
    self.assertEqual(actual.variables, expected.variables)
    self.assertLessEqual(
        oracle.max_abs_difference(expected.values, actual.values), ATOL)

  def test_multi_rnn_cell_names(self):
    with tf.Graph().as_default():
      with tf.compat.v1.variable_scope("root"):
        cell = rnn_cell.MultiRNNCell(
            [rnn_cell.BasicLSTMCell(2) for _ in range(2)])
        cell(tf.zeros([1, 3]), cell.zero_state(1, tf.float32))
      self.assertEqual(oracle.variable_names_and_shapes(), [
          ("root/multi_rnn_cell/cell_0/basic_lstm_cell/kernel:0", [5, 8]),
          ("root/multi_rnn_cell/cell_0/basic_lstm_cell/bias:0", [8]),
          ("root/multi_rnn_cell/cell_1/basic_lstm_cell/kernel:0", [4, 8]),
          ("root/multi_rnn_cell/cell_1/basic_lstm_cell/bias:0", [8])])

  @parameterized.parameters("basic_lstm", "gru", "multi",
                            "lstm_peepholes_clip_projection")
  def test_variables_properties(self, cell):
    def build(api):
      cell_ = CELLS[cell](api.rnn_cell, 2)
      cell_(tf.zeros([1, 2]), cell_.zero_state(1, tf.float32))
      names = {}
      for attr in ("variables", "trainable_variables", "weights",
                   "trainable_weights"):
        names[attr] = [v.name for v in getattr(cell_, attr)]
      return names
    with tf.Graph().as_default():
      expected = build(oracle.api(oracle.ORACLE))
    with tf.Graph().as_default():
      actual = build(oracle.api(oracle.TF1SEQ))
    self.assertEqual(actual, expected)
    self.assertNotEmpty(actual["variables"])

  def test_variables_of_wrapped_and_sharded_cells(self):
    # Not against the oracle: TF 2.21's legacy ResidualWrapper and
    # DeviceWrapper list no variables and its sharded LSTMCell lists only
    # `bias` as trainable (its Keras-2 tracking, not TF1's behaviour). Here:
    # every variable the cell made, once, partitioned ones whole.
    with tf.Graph().as_default():
      residual = rnn_cell.ResidualWrapper(rnn_cell.GRUCell(2))
      residual(tf.zeros([1, 2]), tf.zeros([1, 2]))
      self.assertEqual([v.name for v in residual.variables],
                       [v.name for v in tf.compat.v1.global_variables()])
      self.assertEqual([v.name for v in residual.trainable_weights],
                       [v.name for v in tf.compat.v1.global_variables()])
    with tf.Graph().as_default():
      device = CELLS["device"](rnn_cell, 2)
      device(tf.zeros([1, 2]), device.zero_state(1, tf.float32))
      self.assertEqual([v.name for v in device.trainable_variables],
                       [v.name for v in tf.compat.v1.global_variables()])
      self.assertLen(device.variables, 2)
    with tf.Graph().as_default():
      sharded = CELLS["lstm_sharded"](rnn_cell, 2)
      sharded(tf.zeros([1, 2]), sharded.zero_state(1, tf.float32))
      parts = []
      for variable in sharded.trainable_variables:
        parts += list(variable) if hasattr(variable, "_get_variable_list") \
            else [variable]
      self.assertCountEqual([v.name for v in parts],
                            [v.name for v in tf.compat.v1.global_variables()])

  def test_scope_argument(self):
    def build(api):
      cell = api.rnn_cell.GRUCell(2)
      x = tf.zeros([1, 2])
      cell(x, tf.zeros([1, 2]), scope="my_gru")
      cell(x, tf.zeros([1, 2]))  # Reuses what the first call built.
      return []
    with tf.Graph().as_default():
      build(oracle.api(oracle.ORACLE))
      expected = oracle.variable_names_and_shapes()
    with tf.Graph().as_default():
      build(oracle.api(oracle.TF1SEQ))
      self.assertEqual(oracle.variable_names_and_shapes(), expected)
    self.assertEqual(expected[0][0], "my_gru/gates/kernel:0")


def np_sigmoid(x):
  return 1. / (1. + np.exp(-x))


def np_lstm_step(x, c, h, kernel, bias, forget_bias=1.0):
  """TF1's BasicLSTMCell in numpy: gates i, j, f, o."""
  i, j, f, o = np.split(np.concatenate([x, h], 1) @ kernel + bias, 4, axis=1)
  new_c = c * np_sigmoid(f + forget_bias) + np_sigmoid(i) * np.tanh(j)
  new_h = np.tanh(new_c) * np_sigmoid(o)
  return new_c, new_h


class NumpyLSTMTest(oracle.GraphTestCase, parameterized.TestCase):

  @parameterized.parameters((1, 3, 2, 1.0, True), (4, 5, 8, 0.0, True),
                            (2, 1, 3, 0.5, False))
  def test_step_matches_numpy(self, batch, depth, units, forget_bias,
                              state_is_tuple):
    x = oracle.random_array([batch, depth], 0)
    c = oracle.random_array([batch, units], 1)
    h = oracle.random_array([batch, units], 2)
    with tf.Graph().as_default():
      cell = rnn_cell.BasicLSTMCell(units, forget_bias=forget_bias,
                                    state_is_tuple=state_is_tuple)
      state = (rnn_cell.LSTMStateTuple(tf.constant(c), tf.constant(h))
               if state_is_tuple else tf.constant(np.concatenate([c, h], 1)))
      # A non-zero bias, so that its role is tested too.
      output, new_state = cell(tf.constant(x), state)
      self.evaluate(tf.compat.v1.global_variables_initializer())
      self.evaluate(cell.variables[1].assign(
          oracle.random_array([4 * units], 3)))
      output, new_state, (kernel, bias) = self.evaluate(
          [output, new_state, cell.variables])
    self.assertEqual(kernel.shape, (depth + units, 4 * units))
    want_c, want_h = np_lstm_step(x, c, h, kernel, bias, forget_bias)
    self.assertAllClose(output, want_h, atol=1e-6)
    if state_is_tuple:
      self.assertAllClose(new_state.c, want_c, atol=1e-6)
      self.assertAllClose(new_state.h, want_h, atol=1e-6)
    else:
      self.assertAllClose(new_state, np.concatenate([want_c, want_h], 1),
                          atol=1e-6)

  def test_dynamic_rnn_matches_numpy_with_sequence_length(self):
    batch, time, depth, units = 3, 4, 2, 3
    lengths = [4, 2, 0]
    x = oracle.random_array([batch, time, depth], 5)
    with tf.Graph().as_default():
      cell = rnn_cell.BasicLSTMCell(units)
      outputs, state = tf.compat.v1.nn.dynamic_rnn(
          cell, tf.constant(x), sequence_length=lengths, dtype=tf.float32)
      self.evaluate(tf.compat.v1.global_variables_initializer())
      outputs, state, (kernel, bias) = self.evaluate(
          [outputs, state, cell.variables])
    c = np.zeros([batch, units], np.float32)
    h = np.zeros([batch, units], np.float32)
    want_c, want_h = c.copy(), h.copy()
    for t in range(time):
      c, h = np_lstm_step(x[:, t], c, h, kernel, bias)
      for b in range(batch):
        if t < lengths[b]:
          self.assertAllClose(outputs[b, t], h[b], atol=1e-6)
          want_c[b], want_h[b] = c[b], h[b]
        else:
          self.assertAllEqual(outputs[b, t], np.zeros([units]))
    self.assertAllClose(state.c, want_c, atol=1e-6)
    self.assertAllClose(state.h, want_h, atol=1e-6)


class StatePassingTest(oracle.GraphTestCase, parameterized.TestCase):

  @parameterized.parameters("basic_lstm", "gru", "multi",
                            "lstm_concat_state_projection")
  def test_final_state_is_state_at_last_valid_step(self, cell):
    batch, time, depth = 3, 4, 2
    lengths = [4, 1, 0]
    x = oracle.random_array([batch, time, depth], 6)
    with tf.Graph().as_default():
      rnn_cell_ = CELLS[cell](rnn_cell, depth)
      outputs, state = tf.compat.v1.nn.dynamic_rnn(
          rnn_cell_, tf.constant(x), sequence_length=lengths,
          dtype=tf.float32)
      # Each example alone, cut at its length: no masking needed.
      alone = []
      for b, length in enumerate(lengths):
        if length:
          alone.append(tf.compat.v1.nn.dynamic_rnn(
              rnn_cell_, tf.constant(x[b:b + 1, :length]),
              dtype=tf.float32))
        else:
          alone.append((None, rnn_cell_.zero_state(1, tf.float32)))
      self.evaluate(tf.compat.v1.global_variables_initializer())
      outputs, state, alone = self.evaluate(
          [outputs, state, [(o, s) for o, s in alone if o is not None] +
           [s for o, s in alone if o is None]])
    flat_state = tf.nest.flatten(state)
    for b, length in enumerate(lengths):
      self.assertAllEqual(outputs[b, length:],
                          np.zeros_like(outputs[b, length:]))
      if length:
        alone_outputs, alone_state = alone[b]
        self.assertAllClose(outputs[b:b + 1, :length], alone_outputs,
                            atol=ATOL)
      else:
        alone_state = alone[-1]
      for got, want in zip(flat_state, tf.nest.flatten(alone_state)):
        self.assertAllClose(got[b:b + 1], want, atol=ATOL)

  def test_carried_state_equals_one_long_sequence(self):
    x = oracle.random_array([2, 6, 3], 7)
    with tf.Graph().as_default():
      cell = CELLS["multi"](rnn_cell, 3)
      whole, whole_state = tf.compat.v1.nn.dynamic_rnn(
          cell, tf.constant(x), dtype=tf.float32)
      first, first_state = tf.compat.v1.nn.dynamic_rnn(
          cell, tf.constant(x[:, :2]), dtype=tf.float32)
      second, second_state = tf.compat.v1.nn.dynamic_rnn(
          cell, tf.constant(x[:, 2:]), initial_state=first_state)
      self.assertLen(tf.compat.v1.global_variables(), 12)
      self.evaluate(tf.compat.v1.global_variables_initializer())
      whole, whole_state, first, second, second_state = self.evaluate(
          [whole, whole_state, first, second, second_state])
    self.assertAllClose(np.concatenate([first, second], 1), whole, atol=ATOL)
    self.assertAllClose(second_state, whole_state, atol=ATOL)


class ReuseTest(OracleTestCase):
  """TF1's ways of sharing a cell's variables, against the oracle."""

  def _two_unrolls(self, second_scope):
    def build(api):
      x = tf.constant(oracle.random_array([2, 3, 2], 8))
      with tf.compat.v1.variable_scope("model"):
        first, _ = tf.compat.v1.nn.dynamic_rnn(
            api.rnn_cell.BasicLSTMCell(3), x, dtype=tf.float32)
      second = second_scope(api, x)
      return {"first": first, "second": second}
    return build

  def assert_shared(self, build):
    pair = self.assert_matches_oracle(build, label="reuse")
    self.assertEqual(pair.variables[1], [
        ("model/rnn/basic_lstm_cell/kernel:0", [5, 12]),
        ("model/rnn/basic_lstm_cell/bias:0", [12])])
    self.assertAllClose(pair.actual["second"], pair.actual["first"],
                        atol=ATOL)

  def test_scope_reuse_true(self):
    def second(api, x):
      with tf.compat.v1.variable_scope("model", reuse=True):
        return tf.compat.v1.nn.dynamic_rnn(
            api.rnn_cell.BasicLSTMCell(3), x, dtype=tf.float32)[0]
    self.assert_shared(self._two_unrolls(second))

  def test_cell_reuse_true(self):
    def second(api, x):
      with tf.compat.v1.variable_scope("model"):
        return tf.compat.v1.nn.dynamic_rnn(
            api.rnn_cell.BasicLSTMCell(3, reuse=True), x,
            dtype=tf.float32)[0]
    self.assert_shared(self._two_unrolls(second))

  def test_auto_reuse(self):
    def build(api):
      x = tf.constant(oracle.random_array([2, 3, 2], 8))
      results = []
      for _ in range(2):
        with tf.compat.v1.variable_scope("model",
                                         reuse=tf.compat.v1.AUTO_REUSE):
          results.append(tf.compat.v1.nn.dynamic_rnn(
              api.rnn_cell.BasicLSTMCell(3, reuse=tf.compat.v1.AUTO_REUSE),
              x, dtype=tf.float32)[0])
      return {"first": results[0], "second": results[1]}
    self.assert_shared(build)

  def test_reuse_variables(self):
    def build(api):
      x = tf.constant(oracle.random_array([2, 3, 2], 8))
      with tf.compat.v1.variable_scope("model"):
        first, _ = tf.compat.v1.nn.dynamic_rnn(
            api.rnn_cell.BasicLSTMCell(3), x, dtype=tf.float32)
        tf.compat.v1.get_variable_scope().reuse_variables()
        second, _ = tf.compat.v1.nn.dynamic_rnn(
            api.rnn_cell.BasicLSTMCell(3), x, dtype=tf.float32)
      return {"first": first, "second": second}
    self.assert_shared(build)

  def test_same_cell_twice(self):
    def build(api):
      x = tf.constant(oracle.random_array([2, 3, 2], 8))
      cell = api.rnn_cell.BasicLSTMCell(3)
      with tf.compat.v1.variable_scope("model"):
        first, state = tf.compat.v1.nn.dynamic_rnn(cell, x, dtype=tf.float32)
        second, _ = tf.compat.v1.nn.dynamic_rnn(cell, x, dtype=tf.float32)
      del state  # Unused.
      return {"first": first, "second": second}
    self.assert_shared(build)

  def test_same_cell_inside_and_outside_a_loop(self):
    # Not against the oracle: TF 2.21's legacy cell, called outside a loop
    # after dynamic_rnn, returns a tensor of another graph (its Keras-2
    # call tracing). TF1 reuses the variables; so must tf1seq.
    with tf.Graph().as_default():
      x = tf.constant(oracle.random_array([2, 3, 2], 8))
      cell = rnn_cell.BasicLSTMCell(3)
      with tf.compat.v1.variable_scope("model"):
        outputs, _ = tf.compat.v1.nn.dynamic_rnn(cell, x, dtype=tf.float32)
        step, _ = cell(x[:, 0], cell.zero_state(2, tf.float32))
      self.assertLen(tf.compat.v1.global_variables(), 2)
      self.evaluate(tf.compat.v1.global_variables_initializer())
      outputs, step = self.evaluate([outputs, step])
    self.assertAllClose(step, outputs[:, 0], atol=ATOL)

  def test_two_cells_without_reuse_are_uniquified(self):
    def build(api):
      x = tf.zeros([1, 2])
      for _ in range(2):
        cell = api.rnn_cell.GRUCell(2)
        cell(x, cell.zero_state(1, tf.float32))
      return []
    pair = self.assert_matches_oracle(build, both_ways=False)
    self.assertEqual([name for name, _ in pair.variables[1]], [
        "gru_cell/gates/kernel:0", "gru_cell/gates/bias:0",
        "gru_cell/candidate/kernel:0", "gru_cell/candidate/bias:0",
        "gru_cell_1/gates/kernel:0", "gru_cell_1/gates/bias:0",
        "gru_cell_1/candidate/kernel:0", "gru_cell_1/candidate/bias:0"])


class ZeroStateTest(oracle.GraphTestCase, parameterized.TestCase):

  @parameterized.product(
      cell=["basic_rnn", "basic_lstm", "basic_lstm_concat_state",
            "lstm_concat_state_projection", "lstm_peepholes_clip_projection",
            "gru", "multi", "multi_concat_state", "dropout_keep_all",
            "device", "residual"],
      dtype_and_tensor_batch=[(tf.float32, False), (tf.float64, True)])
  def test_matches_oracle(self, cell, dtype_and_tensor_batch):
    dtype, tensor_batch = dtype_and_tensor_batch
    def build(api):
      cell_ = CELLS[cell](api.rnn_cell, 2)
      batch = 3
      if tensor_batch:
        batch = tf.compat.v1.placeholder_with_default(3, [])
      zero = cell_.zero_state(batch, dtype)
      return zero, [(z.shape.as_list(), z.dtype) for z in
                    tf.nest.flatten(zero)]
    with tf.Graph().as_default():
      expected, expected_shapes = build(oracle.api(oracle.ORACLE))
      expected_types = tf.nest.map_structure(lambda z: type(z).__name__,
                                             expected)
      expected = self.evaluate(expected)
    with tf.Graph().as_default():
      actual, actual_shapes = build(oracle.api(oracle.TF1SEQ))
      actual_types = tf.nest.map_structure(lambda z: type(z).__name__,
                                           actual)
      tf.nest.assert_same_structure(actual, expected, check_types=False)
      if "lstm" in cell and "multi" not in cell and "concat" not in cell:
        self.assertIsInstance(actual, rnn_cell.LSTMStateTuple)
      actual = self.evaluate(actual)
    self.assertEqual(actual_shapes, expected_shapes)
    self.assertEqual(actual_types, expected_types)
    self.assertEqual(oracle.max_abs_difference(expected, actual), 0.)
    for value in tf.nest.flatten(actual):
      self.assertEqual(value.dtype, dtype.as_numpy_dtype)
      self.assertEqual(value.shape[0], 3)

  def test_shapes(self):
    with tf.Graph().as_default():
      lstm = rnn_cell.LSTMCell(4, num_proj=2)
      self.assertEqual(lstm.state_size, (4, 2))
      self.assertEqual(lstm.output_size, 2)
      state = lstm.zero_state(5, tf.float32)
      self.assertEqual(state.c.shape.as_list(), [5, 4])
      self.assertEqual(state.h.shape.as_list(), [5, 2])
      flat = rnn_cell.BasicLSTMCell(4, state_is_tuple=False)
      self.assertEqual(flat.state_size, 8)
      self.assertEqual(flat.zero_state(2, tf.float64).shape.as_list(),
                       [2, 8])
      stack = rnn_cell.MultiRNNCell(
          [rnn_cell.GRUCell(3), rnn_cell.BasicRNNCell(2)],
          state_is_tuple=False)
      self.assertEqual(stack.state_size, 5)
      self.assertEqual(stack.zero_state(1, tf.float32).shape.as_list(),
                       [1, 5])
      nested = rnn_cell.MultiRNNCell(
          [rnn_cell.BasicLSTMCell(3), rnn_cell.GRUCell(2)])
      self.assertEqual(nested.state_size,
                       (rnn_cell.LSTMStateTuple(3, 3), 2))
      batch = tf.compat.v1.placeholder(tf.int32, [])
      zero = nested.zero_state(batch, tf.float32)
      self.assertEqual(zero[0].c.shape.as_list(), [None, 3])
      self.assertEqual(zero[1].shape.as_list(), [None, 2])
      self.assertEqual(
          self.evaluate(tf.shape(zero[0].h), {batch: 4}).tolist(), [4, 3])

  def test_get_initial_state(self):
    def build(api):
      cell = api.rnn_cell.MultiRNNCell(
          [api.rnn_cell.BasicLSTMCell(3), api.rnn_cell.GRUCell(2)])
      x = tf.zeros([4, 5], tf.float64)
      return [cell.get_initial_state(inputs=x),
              cell.get_initial_state(batch_size=2, dtype=tf.float32)]
    with tf.Graph().as_default():
      expected = self.evaluate(build(oracle.api(oracle.ORACLE)))
    with tf.Graph().as_default():
      actual = build(oracle.api(oracle.TF1SEQ))
      self.assertEqual(actual[0][0].c.dtype, tf.float64)
      actual = self.evaluate(actual)
    self.assertEqual(oracle.max_abs_difference(expected, actual), 0.)
    self.assertEqual(actual[0][0].c.shape, (4, 3))
    self.assertEqual(actual[1][1].shape, (2, 2))


class DropoutWrapperTest(OracleTestCase):

  def test_keep_prob_one_is_identity(self):
    x = oracle.random_array([2, 3, 2], 9)
    with tf.Graph().as_default():
      inner = rnn_cell.LSTMCell(3, use_peepholes=True)
      wrapped = rnn_cell.DropoutWrapper(inner, 1.0, 1.0, 1.0, seed=1)
      plain, plain_state = tf.compat.v1.nn.dynamic_rnn(
          inner, tf.constant(x), dtype=tf.float32)
      dropped, dropped_state = tf.compat.v1.nn.dynamic_rnn(
          wrapped, tf.constant(x), dtype=tf.float32)
      self.assertLen(tf.compat.v1.global_variables(), 5)
      self.evaluate(tf.compat.v1.global_variables_initializer())
      values = self.evaluate([plain, plain_state, dropped, dropped_state])
    self.assertAllEqual(values[2], values[0])
    self.assertAllEqual(values[3], values[1])

  @parameterized.parameters(
      dict(input_keep_prob=0.7, output_keep_prob=0.6, state_keep_prob=0.5),
      dict(input_keep_prob=0.5),
      dict(output_keep_prob=0.4),
      dict(state_keep_prob=0.3),
      dict(state_keep_prob=0.5, cell="gru"),
      dict(input_keep_prob=0.8, state_keep_prob=0.6, cell="multi",
           dropout_state_filter_visitor=lambda substate: True))
  def test_seeded_masks_match_oracle(self, cell="basic_lstm", **kwargs):
    # parallel_iterations=1: dropout ops off the recurrent path (inputs,
    # outputs) would otherwise draw their numbers in a racing order, so
    # not even two runs of the same graph would agree.
    def build(api):
      wrapped = api.rnn_cell.DropoutWrapper(
          CELLS[cell](api.rnn_cell, 2), seed=5, **kwargs)
      x = tf.constant(oracle.random_array([3, 4, 2], 11))
      outputs, state = tf.compat.v1.nn.dynamic_rnn(
          wrapped, x, sequence_length=[4, 3, 1], dtype=tf.float32,
          parallel_iterations=1)
      return {"outputs": outputs, "final_state": state,
              "gradients": oracle.gradients(oracle.loss_of(outputs, state),
                                            x)}
    pair = self.assert_matches_oracle(build, label="dropout")
    # Some units were dropped (else this tests nothing).
    self.assertGreater(np.sum(pair.actual["outputs"] == 0.), 3)

  @parameterized.parameters(
      dict(input_keep_prob=0.6, output_keep_prob=0.7, state_keep_prob=0.5),
      dict(state_keep_prob=0.4, cell="multi"),
      dict(input_keep_prob=0.5, cell="gru"))
  def test_variational_recurrent_matches_oracle(self, cell="basic_lstm",
                                                **kwargs):
    def build(api):
      wrapped = api.rnn_cell.DropoutWrapper(
          CELLS[cell](api.rnn_cell, 2), variational_recurrent=True,
          input_size=2, dtype=tf.float32, seed=3, **kwargs)
      x = tf.constant(oracle.random_array([3, 4, 2], 12))
      outputs, state = tf.compat.v1.nn.dynamic_rnn(
          wrapped, x, sequence_length=[4, 2, 3], dtype=tf.float32)
      return {"outputs": outputs, "final_state": state,
              "gradients": oracle.gradients(oracle.loss_of(outputs, state),
                                            x)}
    self.assert_matches_oracle(build, label="dropout_variational")

  def test_variational_mask_is_the_same_at_every_step(self):
    with tf.Graph().as_default():
      tf.compat.v1.set_random_seed(1)
      wrapped = rnn_cell.DropoutWrapper(
          rnn_cell.BasicRNNCell(8), output_keep_prob=0.5,
          variational_recurrent=True, dtype=tf.float32, seed=2)
      outputs, _ = tf.compat.v1.nn.dynamic_rnn(
          wrapped, tf.ones([1, 5, 2]), dtype=tf.float32)
      self.evaluate(tf.compat.v1.global_variables_initializer())
      outputs = self.evaluate(outputs)
    dropped = outputs[0] == 0.
    self.assertTrue(np.any(dropped[0]))
    for t in range(1, 5):
      self.assertAllEqual(dropped[t], dropped[0])

  def test_keep_prob_tensor(self):
    def build(api):
      keep = tf.compat.v1.placeholder_with_default(0.5, [])
      wrapped = api.rnn_cell.DropoutWrapper(
          api.rnn_cell.GRUCell(3), output_keep_prob=keep, seed=9)
      outputs, state = tf.compat.v1.nn.dynamic_rnn(
          wrapped, tf.constant(oracle.random_array([2, 3, 2], 13)),
          dtype=tf.float32, parallel_iterations=1)
      return {"outputs": outputs, "final_state": state}
    self.assert_matches_oracle(build, label="dropout")

  def test_variational_without_dtype_raises(self):
    with tf.Graph().as_default():
      with self.assertRaisesRegex(ValueError, r"dtype"):
        rnn_cell.DropoutWrapper(rnn_cell.GRUCell(2), output_keep_prob=0.5,
                                variational_recurrent=True)

  def test_keep_prob_out_of_range_raises(self):
    with tf.Graph().as_default():
      with self.assertRaisesRegex(ValueError, r"output_keep_prob"):
        rnn_cell.DropoutWrapper(rnn_cell.GRUCell(2), output_keep_prob=1.5)


class ResidualAndDeviceWrapperTest(OracleTestCase):

  def test_residual_output_is_inputs_plus_cell_output(self):
    x = oracle.random_array([2, 3], 14)
    h = oracle.random_array([2, 3], 15)
    with tf.Graph().as_default():
      inner = rnn_cell.GRUCell(3)
      residual = rnn_cell.ResidualWrapper(inner)
      output, state = residual(tf.constant(x), tf.constant(h))
      inner_output, inner_state = inner(tf.constant(x), tf.constant(h))
      self.assertLen(tf.compat.v1.global_variables(), 4)
      self.evaluate(tf.compat.v1.global_variables_initializer())
      output, state, inner_output, inner_state = self.evaluate(
          [output, state, inner_output, inner_state])
    self.assertAllClose(output, x + inner_output, atol=ATOL)
    self.assertAllEqual(state, inner_state)

  def test_residual_fn_matches_oracle(self):
    def build(api):
      cell = api.rnn_cell.ResidualWrapper(
          api.rnn_cell.BasicLSTMCell(2),
          residual_fn=lambda inputs, outputs: 2. * inputs - outputs)
      outputs, state = tf.compat.v1.nn.dynamic_rnn(
          cell, tf.constant(oracle.random_array([2, 3, 2], 16)),
          dtype=tf.float32)
      return {"outputs": outputs, "final_state": state}
    self.assert_matches_oracle(build, label="residual")

  def test_device_wrapper_places_ops(self):
    with tf.Graph().as_default():
      cell = rnn_cell.DeviceWrapper(rnn_cell.BasicLSTMCell(2),
                                    "/device:CPU:0")
      zero = cell.zero_state(1, tf.float32)
      output, state = cell(tf.zeros([1, 2]), zero)
      for tensor in [output, state.c, zero.c]:
        self.assertEqual(tensor.op.device, "/device:CPU:0")
      self.assertEqual(oracle.variable_names_and_shapes(), [
          ("basic_lstm_cell/kernel:0", [4, 8]),
          ("basic_lstm_cell/bias:0", [8])])
      self.evaluate(tf.compat.v1.global_variables_initializer())
      self.assertEqual(self.evaluate(output).shape, (1, 2))

  def test_device_wrapper_devices_match_oracle(self):
    def build(api):
      cell = api.rnn_cell.DeviceWrapper(api.rnn_cell.GRUCell(2),
                                        "/device:CPU:0")
      output, _ = cell(tf.zeros([1, 2]), tf.zeros([1, 2]))
      graph = tf.compat.v1.get_default_graph()
      return sorted(set(op.device for op in graph.get_operations()
                        if "gru_cell" in op.name)), output.op.device
    with tf.Graph().as_default():
      expected = build(oracle.api(oracle.ORACLE))
    with tf.Graph().as_default():
      actual = build(oracle.api(oracle.TF1SEQ))
    self.assertEqual(actual[1], expected[1])
    self.assertIn("/device:CPU:0", actual[0])


class ErrorTest(oracle.GraphTestCase, parameterized.TestCase):

  @parameterized.parameters("basic_rnn", "basic_lstm", "lstm", "gru")
  def test_inputs_of_rank_3(self, cell):
    with tf.Graph().as_default():
      cell_ = CELLS[cell](rnn_cell, 2)
      with self.assertRaisesRegex(
          ValueError, r"inputs must have rank 2.*\(2, 5, 4\)"):
        cell_(tf.zeros([2, 5, 4]), cell_.zero_state(2, tf.float32))

  @parameterized.parameters("basic_rnn", "basic_lstm", "lstm", "gru")
  def test_unknown_depth(self, cell):
    with tf.Graph().as_default():
      cell_ = CELLS[cell](rnn_cell, 2)
      with self.assertRaisesRegex(
          ValueError, r"inputs\.shape\[-1\] must be known, got shape"):
        cell_(tf.compat.v1.placeholder(tf.float32, [None, None]),
              cell_.zero_state(2, tf.float32))

  def test_unknown_depth_in_dynamic_rnn(self):
    with tf.Graph().as_default():
      # TF's dynamic_rnn checks the depth before the cell sees the inputs.
      with self.assertRaisesRegex(
          ValueError,
          r"depth of inputs.*saw value None.*shape=\(3, 2, None\)"):
        tf.compat.v1.nn.dynamic_rnn(
            rnn_cell.GRUCell(2),
            tf.compat.v1.placeholder(tf.float32, [2, 3, None]),
            dtype=tf.float32)

  def test_lstm_state_not_a_tuple(self):
    with tf.Graph().as_default():
      cell = rnn_cell.BasicLSTMCell(2)
      with self.assertRaisesRegex(
          ValueError, r"state must have the structure of state_size"):
        cell(tf.zeros([1, 3]), tf.zeros([1, 4]))

  def test_multi_rnn_cell_state_of_wrong_length(self):
    with tf.Graph().as_default():
      cell = rnn_cell.MultiRNNCell([rnn_cell.GRUCell(2) for _ in range(2)])
      with self.assertRaisesRegex(
          ValueError, r"state must have the structure of state_size"):
        cell(tf.zeros([1, 3]), (tf.zeros([1, 2]),))

  @parameterized.parameters(
      ("gru", lambda: tf.zeros([1, 5])),
      ("basic_lstm", lambda: rnn_cell.LSTMStateTuple(tf.zeros([1, 3]),
                                                     tf.zeros([1, 4]))),
      ("basic_lstm_concat_state", lambda: tf.zeros([1, 5])))
  def test_state_of_wrong_size(self, cell, state):
    with tf.Graph().as_default():
      cell_ = CELLS[cell](rnn_cell, 2)
      with self.assertRaisesRegex(
          ValueError, r"state.*must have shape \[batch, \d+\], got"):
        cell_(tf.zeros([1, 2]), state())

  def test_dynamic_rnn_initial_state_of_wrong_size(self):
    with tf.Graph().as_default():
      with self.assertRaisesRegex(
          ValueError, r"state.*must have shape \[batch, \d+\], got"):
        tf.compat.v1.nn.dynamic_rnn(
            rnn_cell.BasicRNNCell(3), tf.zeros([1, 2, 2]),
            initial_state=tf.zeros([1, 4]))

  def test_multi_rnn_cell_without_cells(self):
    with self.assertRaisesRegex(ValueError, r"cells"):
      rnn_cell.MultiRNNCell([])

  def test_integer_inputs(self):
    with tf.Graph().as_default():
      cell = rnn_cell.BasicRNNCell(2)
      with self.assertRaisesRegex(ValueError, r"int32"):
        cell(tf.zeros([1, 2], tf.int32), tf.zeros([1, 2], tf.int32))


class PublicNamespaceTest(oracle.GraphTestCase):

  def test_tf1_names_and_signatures(self):
    import inspect  # pylint: disable=g-import-not-at-top
    from tensorflow.python.keras.layers.legacy_rnn import rnn_cell_impl  # pylint: disable=g-import-not-at-top

    def named_parameters(cls):
      # The legacy wrappers' own __init__ is (*args, **kwargs): take the
      # first class in the MRO that names its parameters.
      for klass in cls.__mro__:
        if "__init__" not in vars(klass):
          continue
        parameters = [
            (p.name, p.default) for p in
            inspect.signature(klass.__init__).parameters.values()
            if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)]
        if len(parameters) > 1:
          return parameters
      return []

    for name in ("BasicRNNCell", "BasicLSTMCell", "LSTMCell", "GRUCell",
                 "MultiRNNCell", "DropoutWrapper", "ResidualWrapper",
                 "DeviceWrapper"):
      self.assertEqual(named_parameters(getattr(rnn_cell, name)),
                       named_parameters(getattr(rnn_cell_impl, name)),
                       msg=name)
    self.assertEqual(rnn_cell.LSTMStateTuple._fields, ("c", "h"))
    self.assertTrue(issubclass(rnn_cell.BasicLSTMCell, rnn_cell.RNNCell))


if __name__ == "__main__":
  tf.test.main()
