"""Tests of tf1seq.state: carried-state feeding and state variables."""

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

from tf1seq import rnn_cell
from tf1seq import state

BATCH = 3
DEPTH = 2
UNITS = 4
NUM_STEPS = 5
NUM_WINDOWS = 3


def _make_cell(kind, num_layers):
  cells = []
  for _ in range(num_layers):
    if kind == "lstm":
      cells.append(rnn_cell.BasicLSTMCell(UNITS))
    elif kind == "gru":
      cells.append(rnn_cell.GRUCell(UNITS))
    else:
      cells.append(rnn_cell.BasicRNNCell(UNITS))
  return cells[0] if num_layers == 1 else rnn_cell.MultiRNNCell(cells)


def _graph(kind, num_layers, mode, batch=BATCH, time=NUM_STEPS):
  """A tiny regression RNN: inputs, targets, loss and train op."""
  tf.compat.v1.set_random_seed(7)
  cell = _make_cell(kind, num_layers)
  inputs = tf.compat.v1.placeholder(tf.float32, [None, time, DEPTH])
  targets = tf.compat.v1.placeholder(tf.float32, [None, time, UNITS])
  stateful = None
  if mode == "variable":
    stateful = state.StateVariables(cell, batch)
    initial_state = stateful.initial_state_for(inputs)
  else:
    initial_state = state.carried_state(cell, tf.shape(inputs)[0])
  outputs, final_state = tf.compat.v1.nn.dynamic_rnn(
      cell, inputs, initial_state=initial_state, scope="rnn")
  loss = tf.reduce_mean(tf.square(outputs - targets))
  train_op = tf.compat.v1.train.GradientDescentOptimizer(0.5).minimize(loss)
  return dict(cell=cell, inputs=inputs, targets=targets, stateful=stateful,
              initial_state=initial_state, final_state=final_state,
              outputs=outputs, loss=loss, train_op=train_op)


def _data(time):
  rng = np.random.RandomState(0)
  x = rng.uniform(-1, 1, [BATCH, time, DEPTH]).astype(np.float32)
  y = rng.uniform(-1, 1, [BATCH, time, UNITS]).astype(np.float32)
  return x, y


def _run_windows(kind, num_layers, mode, train):
  """Losses and outputs of NUM_WINDOWS consecutive windows."""
  x, y = _data(NUM_STEPS * NUM_WINDOWS)
  with tf.Graph().as_default():
    g = _graph(kind, num_layers, mode)
    step = g["train_op"] if train else tf.no_op()
    if mode == "variable":
      step = tf.group(step, g["stateful"].update(
          g["final_state"], after=[g["loss"], g["outputs"]]))
    with tf.compat.v1.Session() as sess:
      sess.run([tf.compat.v1.global_variables_initializer(),
                tf.compat.v1.local_variables_initializer()])
      values = None
      losses, outputs = [], []
      for k in range(NUM_WINDOWS):
        window = slice(k * NUM_STEPS, (k + 1) * NUM_STEPS)
        feed = {g["inputs"]: x[:, window], g["targets"]: y[:, window]}
        if mode == "feed":
          feed.update(state.feed_dict_for(g["initial_state"], values,
                                          batch_size=BATCH))
        loss, out, values, _ = sess.run(
            [g["loss"], g["outputs"], g["final_state"], step], feed)
        losses.append(loss)
        outputs.append(out)
  return np.array(losses), np.concatenate(outputs, axis=1)


def _run_whole(kind, num_layers):
  """Outputs and per-window losses of the whole sequence in one unroll."""
  x, y = _data(NUM_STEPS * NUM_WINDOWS)
  with tf.Graph().as_default():
    g = _graph(kind, num_layers, "feed", time=NUM_STEPS * NUM_WINDOWS)
    with tf.compat.v1.Session() as sess:
      sess.run(tf.compat.v1.global_variables_initializer())
      out = sess.run(g["outputs"], {g["inputs"]: x})
  losses = [np.mean(np.square(out[:, k * NUM_STEPS:(k + 1) * NUM_STEPS] -
                              y[:, k * NUM_STEPS:(k + 1) * NUM_STEPS]))
            for k in range(NUM_WINDOWS)]
  return np.array(losses), out


class StateNamesTest(tf.test.TestCase):

  def test_lstm_stack(self):
    cell = _make_cell("lstm", 2)
    self.assertEqual(state.state_names(cell.state_size),
                     ["state_c_0", "state_h_0", "state_c_1", "state_h_1"])

  def test_gru_and_single_cells(self):
    self.assertEqual(state.state_names(_make_cell("gru", 2).state_size),
                     ["state_0", "state_1"])
    self.assertEqual(state.state_names(_make_cell("lstm", 1).state_size),
                     ["state_c_0", "state_h_0"])

  def test_zero_state_values(self):
    values = state.zero_state_values(_make_cell("lstm", 2).state_size, 2)
    self.assertIsInstance(values[1], rnn_cell.LSTMStateTuple)
    self.assertAllEqual(values[1].h, np.zeros([2, UNITS]))


class CarriedStateTest(tf.test.TestCase, parameterized.TestCase):

  def test_placeholders_default_to_zeros_of_any_batch(self):
    with tf.Graph().as_default():
      cell = _make_cell("lstm", 2)
      inputs = tf.compat.v1.placeholder(tf.float32, [None, 3, DEPTH])
      initial = state.carried_state(cell, tf.shape(inputs)[0])
      self.assertIsInstance(initial[1], rnn_cell.LSTMStateTuple)
      self.assertEqual(initial[0].c.shape.as_list(), [None, UNITS])
      self.assertEqual(initial[1].h.op.name, "initial_state/state_h_1")
      self.assertEqual(initial[0].c.op.type, "PlaceholderWithDefault")
      with tf.compat.v1.Session() as sess:
        zeros = sess.run(initial, {inputs: np.zeros([5, 3, DEPTH])})
        self.assertAllEqual(zeros[1].c, np.zeros([5, UNITS]))
        fed = sess.run(initial[0].h, {initial[0].h: np.ones([2, UNITS])})
        self.assertAllEqual(fed, np.ones([2, UNITS]))

  def test_feed_none_is_empty(self):
    with tf.Graph().as_default():
      initial = state.carried_state(_make_cell("lstm", 2), 2)
      self.assertEqual(state.feed_dict_for(initial, None), {})

  def test_wrong_batch_size(self):
    with tf.Graph().as_default():
      cell = _make_cell("lstm", 2)
      initial = state.carried_state(cell, 4)
      values = state.zero_state_values(cell.state_size, 3)
      with self.assertRaisesRegex(
          ValueError, r"state state_c_0 has batch size 3 but the inputs "
          r"have batch size 4"):
        state.feed_dict_for(initial, values, batch_size=4)

  def test_wrong_structure(self):
    with tf.Graph().as_default():
      initial = state.carried_state(_make_cell("lstm", 2), 4)
      values = state.zero_state_values(_make_cell("lstm", 1).state_size, 4)
      with self.assertRaisesRegex(
          ValueError, r"the state fed must have the structure of the "
          r"initial state"):
        state.feed_dict_for(initial, values)

  def test_wrong_units(self):
    with tf.Graph().as_default():
      initial = state.carried_state(_make_cell("gru", 1), 4)
      with self.assertRaisesRegex(
          ValueError, r"state state_0 must have shape \[batch, 4\], got "
          r"\[4, 5\]"):
        state.feed_dict_for(initial, np.zeros([4, 5]))


class StateVariablesTest(tf.test.TestCase, parameterized.TestCase):

  def test_variables_are_local_and_not_trainable(self):
    with tf.Graph().as_default():
      stateful = state.StateVariables(_make_cell("lstm", 2), 3)
      names = [v.op.name for v in tf.compat.v1.local_variables()]
      self.assertEqual(names, ["stateful_state/state_c_0",
                               "stateful_state/state_h_0",
                               "stateful_state/state_c_1",
                               "stateful_state/state_h_1"])
      self.assertEqual(tf.compat.v1.global_variables(), [])
      self.assertEqual(tf.compat.v1.trainable_variables(), [])
      self.assertEqual(stateful.variables[1].c.shape.as_list(), [3, UNITS])

  def test_checkpointed_variables_are_global(self):
    with tf.Graph().as_default():
      state.StateVariables(_make_cell("gru", 1), 3, checkpointed=True)
      self.assertLen(tf.compat.v1.global_variables(), 1)
      self.assertEqual(tf.compat.v1.trainable_variables(), [])

  def test_update_and_reset(self):
    with tf.Graph().as_default():
      g = _graph("lstm", 2, "variable")
      update = g["stateful"].update(g["final_state"], after=[g["loss"]])
      reset_one = g["stateful"].reset_states(layer=1)
      reset_all = g["stateful"].reset_states()
      x, y = _data(NUM_STEPS)
      with tf.compat.v1.Session() as sess:
        sess.run([tf.compat.v1.global_variables_initializer(),
                  tf.compat.v1.local_variables_initializer()])
        final, _ = sess.run([g["final_state"], update],
                            {g["inputs"]: x, g["targets"]: y})
        held = sess.run(g["stateful"].variables)
        self.assertAllClose(held, final)
        self.assertGreater(np.abs(held[1].h).sum(), 0)
        sess.run(reset_one)
        held = sess.run(g["stateful"].variables)
        self.assertAllEqual(held[1].c, np.zeros([BATCH, UNITS]))
        self.assertAllClose(held[0].c, final[0].c)
        sess.run(reset_all)
        held = sess.run(g["stateful"].variables)
        self.assertAllEqual(held[0].c, np.zeros([BATCH, UNITS]))

  def test_update_waits_for_the_loss(self):
    with tf.Graph().as_default():
      g = _graph("gru", 1, "variable")
      update = g["stateful"].update(g["final_state"], after=[g["loss"]])
      assigns = [op for op in tf.compat.v1.get_default_graph().get_operations()
                 if op.type == "AssignVariableOp" and
                 op.name.startswith("update_state")]
      self.assertNotEmpty(assigns)
      for op in assigns:
        self.assertIn(g["loss"].op, op.control_inputs)
      del update

  def test_static_batch_mismatch(self):
    with tf.Graph().as_default():
      stateful = state.StateVariables(_make_cell("lstm", 1), 4)
      with self.assertRaisesRegex(
          ValueError, r"hold a batch of 4 .* but the inputs have batch size "
          r"3"):
        stateful.initial_state_for(tf.zeros([3, 5, DEPTH]))

  def test_fed_batch_mismatch(self):
    with tf.Graph().as_default():
      g = _graph("lstm", 1, "variable", batch=4)
      x, y = _data(NUM_STEPS)  # BATCH = 3 rows.
      with tf.compat.v1.Session() as sess:
        sess.run(tf.compat.v1.local_variables_initializer())
        sess.run(tf.compat.v1.global_variables_initializer())
        with self.assertRaisesRegex(
            tf.errors.InvalidArgumentError,
            r"hold a batch of 4 .* but the inputs have batch size\] .*"
            r"\[x \(\S+\) = \] \[3\]"):
          sess.run(g["loss"], {g["inputs"]: x, g["targets"]: y})

  def test_bad_arguments(self):
    with tf.Graph().as_default():
      with self.assertRaisesRegex(ValueError,
                                  r"batch_size must be a positive int, got "
                                  r"None"):
        state.StateVariables(_make_cell("lstm", 1), None)
      stateful = state.StateVariables(_make_cell("lstm", 2), 2)
      with self.assertRaisesRegex(ValueError,
                                  r"layer must be None or an int in \[0, "
                                  r"2\), got 2"):
        stateful.reset_states(layer=2)
      with self.assertRaisesRegex(ValueError,
                                  r"final_state must have the structure"):
        stateful.update(tf.zeros([2, UNITS]))


class EquivalenceTest(tf.test.TestCase, parameterized.TestCase):
  """Feeding = variables = one long unroll (state carried == not split)."""

  @parameterized.parameters(("lstm", 2), ("lstm", 1), ("gru", 2),
                            ("basic_rnn", 1))
  def test_forward_matches_one_long_sequence(self, kind, num_layers):
    feed_losses, feed_out = _run_windows(kind, num_layers, "feed", False)
    var_losses, var_out = _run_windows(kind, num_layers, "variable", False)
    whole_losses, whole_out = _run_whole(kind, num_layers)
    self.assertAllEqual(feed_losses, var_losses)
    self.assertAllClose(feed_out, whole_out, atol=1e-6)
    self.assertAllClose(feed_losses, whole_losses, atol=1e-6)

  def test_unfed_state_is_not_the_long_sequence(self):
    # The oracle above is sensitive: restarting from zeros differs.
    whole_losses, _ = _run_whole("lstm", 2)
    x, y = _data(NUM_STEPS * NUM_WINDOWS)
    with tf.Graph().as_default():
      g = _graph("lstm", 2, "feed")
      with tf.compat.v1.Session() as sess:
        sess.run(tf.compat.v1.global_variables_initializer())
        second = sess.run(g["loss"], {g["inputs"]: x[:, NUM_STEPS:2 *
                                                     NUM_STEPS],
                                      g["targets"]: y[:, NUM_STEPS:2 *
                                                      NUM_STEPS]})
    self.assertGreater(abs(second - whole_losses[1]), 1e-5)

  @parameterized.parameters(("lstm", 2), ("gru", 1))
  def test_training_losses_identical_step_by_step(self, kind, num_layers):
    feed_losses, _ = _run_windows(kind, num_layers, "feed", True)
    var_losses, _ = _run_windows(kind, num_layers, "variable", True)
    self.assertAllClose(feed_losses, var_losses, rtol=0, atol=1e-7)
    # Training moved the weights: the losses are not the forward ones.
    forward, _ = _run_windows(kind, num_layers, "feed", False)
    self.assertNotAllClose(feed_losses[1:], forward[1:])


if __name__ == "__main__":
  tf.test.main()
