"""TensorFlow 1.15's contrib RNN results, for the tests that compare to them.

`tests/testdata/make_contrib_rnn_fixtures.py` (run under TensorFlow 1.15)
wrote, per case, `<case>.npz` (inputs `in_*`, outputs `out_*`) and a
checkpoint `<case>.ckpt` of the variables under their TF1 names. A test
builds the same graph with tf1seq, then `check` restores the checkpoint,
asserts the variable names are TF1's, and compares every output.
"""

import os

from absl import logging
import numpy as np
import tensorflow as tf

DATA_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                        "testdata", "contrib_rnn")
ATOL = 1e-5


def load(case):
  """The case's arrays: `in_*` inputs and `out_*` TF1.15 outputs."""
  with np.load(os.path.join(DATA_DIR, case + ".npz")) as data:
    return {key: data[key] for key in data.files}


def checkpoint_names(case):
  """The variable names in the case's checkpoint ([] if it has none)."""
  path = os.path.join(DATA_DIR, case + ".ckpt")
  if not os.path.exists(path + ".index"):
    return []
  return sorted(name for name, _ in tf.train.list_variables(path))


def check(test, case, fetch, grads_of=None):
  """Restores the case's checkpoint and compares `fetch` with TF1.15's.

  Args:
    test: the `tf.test.TestCase`.
    case: the fixture's name.
    fetch: dict from output key (without `out_`) to tensor.
    grads_of: optional scalar loss; then every `out_grad/<variable>` of the
      fixture is compared with the gradient of the loss by that variable.

  Returns:
    The largest absolute difference seen.
  """
  expected = load(case)
  variables = tf.compat.v1.global_variables()
  test.assertEqual(sorted(v.op.name for v in variables),
                   checkpoint_names(case))
  fetch = dict(fetch)
  if grads_of is not None:
    by_name = {v.op.name: v for v in variables}
    keys = [k[len("out_"):] for k in expected if k.startswith("out_grad/")]
    if keys:
      grads = tf.gradients(grads_of,
                           [by_name[k[len("grad/"):]] for k in keys])
      fetch.update(zip(keys, grads))
  test.assertEqual(sorted("out_" + k for k in fetch),
                   sorted(k for k in expected if k.startswith("out_")))
  with tf.compat.v1.Session() as sess:
    if variables:
      tf.compat.v1.train.Saver(variables).restore(
          sess, os.path.join(DATA_DIR, case + ".ckpt"))
    values = sess.run(fetch)
  worst = 0.0
  for key, value in values.items():
    want = expected["out_" + key]
    test.assertAllClose(want, value, atol=ATOL, rtol=0, msg=key)
    worst = max(worst, float(np.max(np.abs(want - value))))
  logging.info("%s: max |TF1.15 - tf1seq| = %.3g", case, worst)
  return worst


def dynamic_rnn_fetch(cell, data):
  """`dynamic_rnn` of `cell` over `in_x`, as the fixtures fetched it.

  Args:
    cell: the cell.
    data: the case's arrays (`load(case)`).

  Returns:
    `(fetch, loss)`: outputs, flattened final state (`state_<i>`) and, if
    the fixture has one, `grad_x`; and the loss `sum(outputs**2)` the
    fixture's gradients are of.
  """
  x = tf.constant(data["in_x"])
  outputs, state = tf.compat.v1.nn.dynamic_rnn(cell, x, dtype=tf.float32)
  fetch = {"outputs": outputs}
  for i, s in enumerate(tf.nest.flatten(state)):
    fetch["state_%d" % i] = s
  loss = tf.reduce_sum(outputs * outputs)
  if "out_grad_x" in data:
    fetch["grad_x"] = tf.gradients(loss, [x])[0]
  return fetch, loss
