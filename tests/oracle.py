"""Test-only harness: one TF1 graph built with TF's legacy cells and tf1seq's.

TensorFlow 2.21 still ships its own Keras-2-based TF1 cells privately
(`tensorflow.python.keras.layers.legacy_rnn.rnn_cell_impl`) and TF1's
`tf.compat.v1.layers.dense` (`legacy_tf_layers.core.dense`). They are the
oracle: a test writes a graph builder once, taking an `Api` (the namespace of
cells and the `dense` function), and `compare_with_oracle` builds it twice,
once per implementation, under the same graph-level seed, saves a checkpoint
from one and restores it into the other (both ways), and returns the fetched
values, which must agree.

Usage:

  def build(api):
    cell = api.rnn_cell.BasicLSTMCell(3)
    outputs, state = tf.compat.v1.nn.dynamic_rnn(cell, x, dtype=tf.float32)
    return {"outputs": outputs, "state": state}

  pair = oracle.compare_with_oracle(build, self.create_tempdir().full_path)
  self.assertLessEqual(oracle.max_abs_difference(pair.expected,
                                                 pair.actual), 1e-6)

Set TF1SEQ_ORACLE_SELF=1 to point the "implementation under test" at the
oracle itself (to check the harness without tf1seq).
"""

import collections
import os
import weakref

import numpy as np
import tensorflow as tf
# The oracle: TF's own legacy TF1 cells and dense layer (test-only imports;
# tf1seq itself never imports them).
from tensorflow.python.keras.layers.legacy_rnn import rnn_cell_impl as legacy
from tensorflow.python.keras.legacy_tf_layers import core as legacy_core

from tf1seq import layers
from tf1seq import rnn_cell

ORACLE = "oracle"
TF1SEQ = "tf1seq"

# The graph-level seed of every graph the harness builds.
GRAPH_SEED = 1234

Api = collections.namedtuple("Api", ["name", "rnn_cell", "dense"])

# Max abs differences measured by `compare_with_oracle`, by label, for the
# report (tests/oracle_report.py).
MEASURED = {}


class GraphTestCase(tf.test.TestCase):
  """tf.test.TestCase whose `evaluate` runs in the current default graph.

  TestCase.evaluate reuses one cached session bound to the first graph a
  test uses; these tests build several `tf.Graph()`s each (oracle, then
  tf1seq). Here each graph gets its own session, kept for the test so that
  initialised variables stay initialised, and `evaluate` takes a feed_dict.
  """

  def setUp(self):
    super().setUp()
    self._graph_sessions = weakref.WeakKeyDictionary()

  def evaluate(self, tensors, feed_dict=None):  # pylint: disable=arguments-differ
    graph = tf.compat.v1.get_default_graph()
    session = self._graph_sessions.get(graph)
    if session is None:
      session = tf.compat.v1.Session(graph=graph)
      self._graph_sessions[graph] = session
      self.addCleanup(session.close)
    return session.run(tensors, feed_dict)


def api(name):
  """The cells and `dense` of `name`, ORACLE or TF1SEQ."""
  if name == ORACLE or os.environ.get("TF1SEQ_ORACLE_SELF") == "1":
    return Api(name, legacy, legacy_core.dense)
  if name == TF1SEQ:
    return Api(name, rnn_cell, layers.dense)
  raise ValueError("name must be %r or %r, got %r" % (ORACLE, TF1SEQ, name))


Run = collections.namedtuple("Run", ["variables", "values"])


def variable_names_and_shapes():
  """`[(name, shape)]` of the default graph's global variables, in order."""
  return [(v.name, v.shape.as_list())
          for v in tf.compat.v1.global_variables()]


def run(build, name, restore=None, save=None, seed=GRAPH_SEED):
  """Builds `build(api(name))` in a fresh graph and fetches what it returns.

  Args:
    build: `fn(api) -> fetches` (any nested structure of tensors).
    name: ORACLE or TF1SEQ.
    restore: optional checkpoint prefix restored after initialisation.
    save: optional checkpoint prefix written before fetching.
    seed: the graph-level seed.

  Returns:
    `Run(variables, values)`: `[(name, shape)]` of the global variables and
    the fetched values.
  """
  with tf.Graph().as_default():
    tf.compat.v1.set_random_seed(seed)
    fetches = build(api(name))
    variables = variable_names_and_shapes()
    saver = tf.compat.v1.train.Saver() if variables else None
    with tf.compat.v1.Session() as session:
      session.run(tf.compat.v1.global_variables_initializer())
      if restore:
        saver.restore(session, restore)
      if save:
        saver.save(session, save)
      values = session.run(fetches)
  return Run(variables, values)


Pair = collections.namedtuple(
    "Pair", ["variables", "expected", "actual", "reverse_expected",
             "reverse_actual"])


def compare_with_oracle(build, directory, both_ways=True, label=None):
  """Runs `build` with the oracle and tf1seq, exchanging checkpoints.

  Forward: the oracle's graph initialises and saves; tf1seq's graph
  restores that checkpoint and fetches. Reverse (if `both_ways`): tf1seq's
  graph initialises (with another graph seed, so other weights) and saves;
  the oracle's graph restores and fetches.

  Args:
    build: `fn(api) -> fetches`.
    directory: a writable directory for the checkpoints.
    both_ways: also run the reverse exchange.
    label: if given, record the max abs difference in `MEASURED`.

  Returns:
    `Pair(variables, expected, actual, reverse_expected, reverse_actual)`,
    where `variables` is `(oracle's, tf1seq's)` `[(name, shape)]` lists and
    the `reverse_*` values are None unless `both_ways`.
  """
  oracle_prefix = os.path.join(directory, "oracle", "model.ckpt")
  tf1seq_prefix = os.path.join(directory, "tf1seq", "model.ckpt")
  expected = run(build, ORACLE, save=oracle_prefix)
  actual = run(build, TF1SEQ, restore=oracle_prefix)
  reverse_expected = reverse_actual = None
  if both_ways:
    reverse_actual = run(build, TF1SEQ, save=tf1seq_prefix,
                         seed=GRAPH_SEED + 1).values
    reverse_expected = run(build, ORACLE, restore=tf1seq_prefix,
                           seed=GRAPH_SEED + 1).values
  if label is not None:
    difference = max_abs_difference(expected.values, actual.values)
    if both_ways:
      difference = max(difference, max_abs_difference(reverse_expected,
                                                       reverse_actual))
    MEASURED[label] = max(MEASURED.get(label, 0.), difference)
  return Pair((expected.variables, actual.variables), expected.values,
              actual.values, reverse_expected, reverse_actual)


def _leaves(structure):
  """Flattens nested dicts/tuples/lists (dicts by sorted key) to arrays."""
  return [np.asarray(leaf) for leaf in tf.nest.flatten(structure)]


def max_abs_difference(expected, actual):
  """Max |expected - actual| over two identically nested structures.

  Args:
    expected: nested structure of arrays.
    actual: the same structure.

  Returns:
    A float (0. for empty structures).

  Raises:
    ValueError: if the structures or leaf shapes differ.
  """
  tf.nest.assert_same_structure(expected, actual, check_types=False)
  difference = 0.
  for want, got in zip(_leaves(expected), _leaves(actual)):
    if want.shape != got.shape:
      raise ValueError("shapes differ: expected %s, got %s" %
                       (want.shape, got.shape))
    if want.size:
      difference = max(difference, float(np.max(np.abs(
          want.astype(np.float64) - got.astype(np.float64)))))
  return difference


def gradients(loss, inputs):
  """`{"d_loss/d_<name>": gradient}` for `inputs` and trainable variables.

  Keyed by variable name, so the two implementations' fetches line up
  whatever the order of their variables.

  Args:
    loss: scalar tensor.
    inputs: a tensor (or list) the loss depends on.

  Returns:
    A dict of gradient tensors (dense).
  """
  inputs = tf.nest.flatten(inputs)
  variables = tf.compat.v1.trainable_variables()
  grads = tf.gradients(loss, inputs + variables)
  result = {}
  for i, grad in enumerate(grads[:len(inputs)]):
    result["d_loss/d_inputs_%d" % i] = grad
  for variable, grad in zip(variables, grads[len(inputs):]):
    if grad is None:
      continue
    if isinstance(grad, tf.IndexedSlices):
      grad = tf.convert_to_tensor(grad)
    result["d_loss/d_" + variable.op.name] = grad
  return result


def loss_of(outputs, state):
  """A scalar depending on every output and state element, non-linearly."""
  terms = [tf.reduce_sum(tf.square(o)) for o in tf.nest.flatten(outputs)]
  terms += [tf.reduce_sum(s * s * s) for s in tf.nest.flatten(state)]
  return tf.add_n(terms)


def random_array(shape, seed, dtype=np.float32, low=-1., high=1.):
  """Deterministic uniform test data."""
  return np.random.RandomState(seed).uniform(low, high, shape).astype(dtype)
