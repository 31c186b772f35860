r"""Where a training step's time goes, by kind of op, on the main job's shape.

Traces training steps of the MNIST row-LSTM graph (batch 128, 28 steps,
dense 128, LSTM 128, softmax 10, Adam) with `RunOptions.FULL_TRACE` and
sums each op's time into: the recurrent matmul (`MatMul` in the time loop),
the gate arithmetic (element-wise ops in the loop), the loop's own
machinery (control flow and TensorArray ops), the optimizer (`Apply*`
ops), and the rest (input projection, classifier, loss, gradients outside
the loop). Op times on 2 threads overlap, so the shares are of summed op
time, not of wall time.

  python -m benchmarks.profile_train_step --steps=20

Variants: TensorFlow's `dynamic_rnn` with TF1's cell layout (`tf_loop`,
tf1seq's cell through TensorFlow's loop), tf1seq's fused LSTM on graph ops
without XLA (`fused_graph_ops`; with XLA its loops are one compiled op
each, which the trace cannot split) and on tf1seq's C++ loop kernels
(`fused_kernels`, whose two ops hold the recurrent matmuls and the gate
arithmetic: the kind "C++ loop kernels"). `--top=N` also lists each
variant's N costliest op types.
"""

import collections
import os
import re
from unittest import mock

from absl import app
from absl import flags
import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import tensorflow as tf  # pylint: disable=g-import-not-at-top

from tf1seq import layers  # pylint: disable=g-import-not-at-top
from tf1seq import lstm_kernel  # pylint: disable=g-import-not-at-top
from tf1seq import rnn  # pylint: disable=g-import-not-at-top
from tf1seq import rnn_cell  # pylint: disable=g-import-not-at-top

FLAGS = flags.FLAGS
flags.DEFINE_integer("steps", 20, "Traced training steps per variant.")
flags.DEFINE_integer("threads", 2, "Intra- and inter-op threads.")
flags.DEFINE_integer("top", 0, "List this many costliest op types.")

LOOP_CONTROL = re.compile(r"^(Enter|Exit|Merge|Switch|NextIteration|"
                          r"LoopCond|Less|TensorArray\w*|StackV2|StackPush\w*|"
                          r"StackPop\w*|Identity|Const|Shape|StridedSlice)$")
GATES = re.compile(r"^(Sigmoid|Tanh|Mul|AddV2|Add|Sub|SplitV?|ConcatV2|"
                   r"BiasAdd|SigmoidGrad|TanhGrad|Select\w*|AddN|Neg|"
                   r"Square|BroadcastTo|ZerosLike|OnesLike)$")
KINDS = ("recurrent matmul", "gate arithmetic", "loop machinery",
         "C++ loop kernels", "optimizer", "rest")
VARIANTS = ("tf_loop", "fused_graph_ops", "fused_kernels")


def _kind(op_type, in_loop):
  if op_type.startswith("Tf1seqLstm"):
    return "C++ loop kernels"
  if op_type.startswith("Apply") or op_type.startswith("ResourceApply"):
    return "optimizer"
  if in_loop and op_type in ("MatMul", "_MklMatMul", "_FusedMatMul"):
    return "recurrent matmul"
  if in_loop and GATES.match(op_type):
    return "gate arithmetic"
  if in_loop and LOOP_CONTROL.match(op_type):
    return "loop machinery"
  return "rest"


def profile(variant):
  """Summed op microseconds by kind, and wall seconds per step."""
  rng = np.random.RandomState(0)
  images = rng.uniform(size=(128, 28, 28)).astype(np.float32)
  labels = rng.randint(10, size=128)
  with tf.Graph().as_default() as graph:
    x = tf.compat.v1.placeholder(tf.float32, [None, 28, 28])
    y = tf.compat.v1.placeholder(tf.int64, [None])
    projected = tf.reshape(layers.dense(tf.reshape(x, [-1, 28]), 128),
                           [-1, 28, 128])
    cell = rnn_cell.BasicLSTMCell(128)
    if variant == "tf_loop":
      _, state = tf.compat.v1.nn.dynamic_rnn(cell, projected,
                                             dtype=tf.float32)
    else:
      environment = {lstm_kernel.ENV: "1" if variant == "fused_kernels"
                     else "0"}
      with mock.patch.dict(os.environ, environment):
        _, state = rnn.dynamic_rnn(cell, projected, dtype=tf.float32,
                                   xla=False)
    logits = layers.dense(state.h, 10)
    loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(
        labels=y, logits=logits))
    train_op = tf.compat.v1.train.AdamOptimizer(1e-3).minimize(loss)
    in_loop = {op.name for op in graph.get_operations()
               if op._control_flow_context is not None}  # pylint: disable=protected-access
    config = tf.compat.v1.ConfigProto(
        intra_op_parallelism_threads=FLAGS.threads,
        inter_op_parallelism_threads=FLAGS.threads)
    with tf.compat.v1.Session(graph=graph, config=config) as session:
      session.run(tf.compat.v1.global_variables_initializer())
      feed = {x: images, y: labels}
      for _ in range(3):
        session.run(train_op, feed)
      totals = collections.Counter()
      by_type = collections.Counter()
      options = tf.compat.v1.RunOptions(
          trace_level=tf.compat.v1.RunOptions.FULL_TRACE)
      for _ in range(FLAGS.steps):
        metadata = tf.compat.v1.RunMetadata()
        session.run(train_op, feed, options=options, run_metadata=metadata)
        for device in metadata.step_stats.dev_stats:
          for node in device.node_stats:
            name = node.node_name.split(":")[0]
            label = node.timeline_label
            op_type = (label.split(" = ", 1)[1].split("(")[0].strip()
                       if " = " in label else name.split("/")[-1])
            kind = _kind(op_type, name in in_loop or "/while/" in name)
            totals[kind] += node.all_end_rel_micros
            by_type[op_type] += node.all_end_rel_micros
      import time  # pylint: disable=g-import-not-at-top
      start = time.perf_counter()
      for _ in range(FLAGS.steps):
        session.run(train_op, feed)
      wall = (time.perf_counter() - start) / FLAGS.steps
  return totals, wall, by_type


def main(argv):
  del argv  # Unused.
  # Control flow v1: the loop's ops are graph nodes named .../while/...,
  # which the trace times one by one (v2 runs them inside a function).
  tf.compat.v1.disable_control_flow_v2()
  for variant in VARIANTS:
    totals, wall, by_type = profile(variant)
    total = sum(totals.values()) or 1
    print("%s: %.1f ms/step wall; summed op time %.1f ms/step: %s" % (
        variant, 1e3 * wall, total / 1e3 / FLAGS.steps, ", ".join(
            "%s %.0f%%" % (kind, 100.0 * totals[kind] / total)
            for kind in KINDS if totals[kind] or kind != "C++ loop kernels")))
    for op_type, micros in by_type.most_common(FLAGS.top):
      print("  %-28s %6.2f ms/step" % (op_type, micros / 1e3 / FLAGS.steps))


if __name__ == "__main__":
  app.run(main)
