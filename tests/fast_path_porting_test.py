"""Ported TF1 programs build tf1seq's fast path behind `tf.nn.dynamic_rnn`.

Each porting route (the import line, `tf1seq.patch()`, `python -m
tf1seq.run`) runs in a fresh interpreter, builds a TF1 graph with
`tf.nn.dynamic_rnn` / `tf.nn.bidirectional_dynamic_rnn` over a stack of
cells, and compares outputs, final states and gradients with TensorFlow's
own loops (`tensorflow.python.ops.rnn`) on the same variables.
TF1SEQ_FAST_RNN=0 keeps TensorFlow's loops.
"""

import os
import subprocess
import sys
import textwrap

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

from tf1seq import rnn
from tf1seq import rnn_cell

# The program under test; `tf` comes from the route's preamble.
PROGRAM = """
import numpy as np
from tensorflow.python.ops import rnn as tf_rnn

def build(dynamic_rnn, bidirectional_dynamic_rnn):
  tf.reset_default_graph()
  tf.set_random_seed(3)
  x = tf.constant(np.random.RandomState(0).uniform(
      -1, 1, (4, 6, 5)).astype(np.float32))
  lengths = tf.constant([6, 3, 1, 0])
  stack = tf.nn.rnn_cell.MultiRNNCell(
      [tf.nn.rnn_cell.BasicLSTMCell(7), tf.nn.rnn_cell.GRUCell(3)])
  outputs, state = dynamic_rnn(stack, x, sequence_length=lengths,
                               dtype=tf.float32)
  (fw, bw), states = bidirectional_dynamic_rnn(
      tf.nn.rnn_cell.LSTMCell(4), tf.nn.rnn_cell.BasicLSTMCell(4), x,
      sequence_length=lengths, dtype=tf.float32)
  loss = (tf.reduce_sum(outputs ** 2) + tf.reduce_sum(fw) -
          tf.reduce_sum(bw ** 3) +
          sum(tf.reduce_sum(s) for s in tf.nest.flatten((state, states))))
  variables = tf.global_variables()
  grads = tf.gradients(loss, variables)
  # The fast path's loops: XLA-compiled, or tf1seq's C++ kernels.
  compiled = [op.name for op in tf.get_default_graph().get_operations()
              if "_XlaMustCompile" in op.node_def.attr or
              op.type.startswith("Tf1seqLstm")]
  with tf.Session() as session:
    session.run(tf.global_variables_initializer())
    values = session.run([outputs, state, fw, bw, states, grads])
  return [v.op.name for v in variables], values, bool(compiled)

names, expected, _ = build(tf_rnn.dynamic_rnn,
                           tf_rnn.bidirectional_dynamic_rnn)
fast_names, actual, fast = build(tf.nn.dynamic_rnn,
                                 tf.nn.bidirectional_dynamic_rnn)
assert names == fast_names, (names, fast_names)
worst = max(float(np.max(np.abs(np.asarray(a) - e))) if np.size(e) else 0.0
            for a, e in zip(tf.nest.flatten(actual), tf.nest.flatten(expected)))
print("fast", fast, "difference %.3g" % worst, len(names))
"""

ROUTES = {
    "import_line": "import tf1seq.compat.v1 as tf\n",
    "patch": ("import tensorflow.compat.v1 as tf\nimport tf1seq\n"
              "tf1seq.patch()\ntf.disable_v2_behavior()\n"),
    "run": "import tensorflow as tf\n",  # Under python -m tf1seq.run.
}


class PortedProgramTest(tf.test.TestCase, parameterized.TestCase):

  def _run(self, route, fast_rnn=None):
    workdir = self.create_tempdir().full_path
    script = os.path.join(workdir, "program.py")
    with open(script, "w") as f:
      f.write(ROUTES[route] + textwrap.dedent(PROGRAM))
    env = dict(os.environ)
    env.pop("TF1SEQ_FAST_RNN", None)
    if fast_rnn is not None:
      env["TF1SEQ_FAST_RNN"] = fast_rnn
    command = ([sys.executable, "-m", "tf1seq.run", script] if route == "run"
               else [sys.executable, script])
    result = subprocess.run(command, cwd=workdir, env=env,
                            capture_output=True, text=True, timeout=600)
    self.assertEqual(result.returncode, 0, result.stderr[-3000:])
    fast, difference, count = result.stdout.split()[-4], float(
        result.stdout.split()[-2]), int(result.stdout.split()[-1])
    return fast == "True", difference, count

  @parameterized.parameters("import_line", "patch", "run")
  def test_route_takes_the_fast_path_with_the_same_values(self, route):
    fast, difference, count = self._run(route)
    self.assertTrue(fast)
    self.assertLess(difference, 1e-4)
    self.assertEqual(count, 10)  # 2 + 4 in the stack, 2 + 2 both ways.

  def test_environment_variable_keeps_tensorflows_loops(self):
    fast, difference, _ = self._run("import_line", fast_rnn="0")
    self.assertFalse(fast)
    self.assertEqual(difference, 0.0)


class BidirectionalTest(tf.test.TestCase):

  def test_equals_tensorflows_with_the_same_names(self):

    def build(bidirectional):
      with tf.Graph().as_default():
        tf.compat.v1.set_random_seed(1)
        x = tf.constant(np.random.RandomState(2).uniform(
            -1, 1, (3, 5, 4)).astype(np.float32))
        outputs, states = bidirectional(
            rnn_cell.BasicLSTMCell(6), rnn_cell.GRUCell(5), x,
            sequence_length=[5, 2, 0], dtype=tf.float32, scope="birnn")
        names = [v.op.name for v in tf.compat.v1.global_variables()]
        grads = tf.gradients(tf.reduce_sum(outputs[1]) +
                             tf.reduce_sum(states[0].h),
                             tf.compat.v1.trainable_variables())
        with tf.compat.v1.Session() as session:
          session.run(tf.compat.v1.global_variables_initializer())
          return names, session.run([outputs, states, grads])

    names, expected = build(tf.compat.v1.nn.bidirectional_dynamic_rnn)
    fast_names, actual = build(rnn.bidirectional_dynamic_rnn)
    self.assertEqual(fast_names, names)
    self.assertIn("birnn/bw/gru_cell/gates/kernel", names)
    self.assertAllClose(actual, expected, atol=1e-5)


if __name__ == "__main__":
  tf.test.main()
