r"""Serving speed of the MNIST row-LSTM's exports against TF1's and PyTorch.

One checkpoint (units 128, one BasicLSTMCell layer, the seed tutorial's
graph) is exported as:
  tf1seq       `train.mnist_rnn.export_model`: the forward-only serving
               graph, rows unrolled, one gate matmul per step.
  tf1seq_noremapper  the same export, loaded with Grappler's remapper off.
  tf1seq_unfolded  unrolled, but the row projection (dense 28 -> 128) kept
               apart from the LSTM's input projection (two matmuls of every
               row instead of one folded matmul of the pixels).
  tf1seq_loop  as tf1seq_unfolded in a plain `tf.while_loop` (the time
               dimension hidden from the graph), to measure what unrolling
               gives.
  legacy       TensorFlow's own `tf.compat.v1.nn.rnn_cell.BasicLSTMCell` and
               `tf.compat.v1.nn.dynamic_rnn` (tf_keras, TF_USE_LEGACY_KERAS=1
               in that process only), exported with TF1's SavedModel Builder.
and the same weights run in PyTorch (`torch.nn.LSTM`, default threading).
Every measurement is a fresh process that loads one model
(`tf.saved_model.load`, or builds the torch module), warms up, then times
batch-128 throughput (128 / the median call) and batch-1 latency (the
median call); rounds alternate the variants' order and no two processes run
at once. Ratios are per round, then the median (min-max in brackets).

  python -m benchmarks.serving_speed --rounds=5

PyTorch runs with `--torch_python` (default: /work/torchvenv/bin/python,
then `python3`; create one with `python3 -m venv /work/torchvenv &&
/work/torchvenv/bin/pip install torch==2.14.1 numpy`).
"""

import json
import os
import subprocess
import sys
import tempfile
import time

from absl import app
from absl import flags
import numpy as np

from benchmarks import common

FLAGS = flags.FLAGS

NUM_UNITS = 128
THROUGHPUT_BATCH = 128
VARIANTS = ("tf1seq", "tf1seq_noremapper", "tf1seq_unfolded",
            "tf1seq_loop", "legacy", "torch")

flags.DEFINE_integer("rounds", 5, "Rounds; each runs every variant once, "
                     "in a fresh process.")
flags.DEFINE_integer("throughput_calls", 60, "Timed batch-128 calls per "
                     "process (images/s from the median call).")
flags.DEFINE_integer("latency_calls", 300, "Timed batch-1 calls per "
                     "process (the median is taken).")
flags.DEFINE_list("variants", list(VARIANTS), "Of: %s." % ", ".join(VARIANTS))
flags.DEFINE_string("torch_python", None, "Interpreter with torch; default "
                    "/work/torchvenv/bin/python, then python3.")
flags.DEFINE_string("work_dir", None, "Where the checkpoint and exports go; "
                    "default a new temporary directory.")
flags.DEFINE_string("worker", None, "Internal: run one role in this process.")
flags.DEFINE_string("model", None, "Internal: the worker's model path.")
flags.DEFINE_bool("remapper", True, "Internal: Grappler's remapper on in "
                  "the worker.")


# -- Roles run in child processes.


def _prepare(work_dir):
  """Checkpoint, the tf1seq exports, weights and a check batch."""
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  from tf1seq import layers  # pylint: disable=g-import-not-at-top
  from tf1seq import rnn  # pylint: disable=g-import-not-at-top
  from tf1seq import rnn_cell  # pylint: disable=g-import-not-at-top
  from tf1seq import serving_export  # pylint: disable=g-import-not-at-top
  from train import mnist_rnn  # pylint: disable=g-import-not-at-top

  config = mnist_rnn.Config(num_units=NUM_UNITS)
  images = np.random.RandomState(1).uniform(size=[8, 28, 28]).astype(
      np.float32)
  with tf.Graph().as_default() as graph:
    tf.compat.v1.set_random_seed(0)
    model = mnist_rnn.MNISTModel(config, steps_per_epoch=1)
    logits = graph.get_tensor_by_name("dense_1/BiasAdd:0")
    with tf.compat.v1.Session(graph=graph) as session:
      session.run(tf.compat.v1.global_variables_initializer())
      rng = np.random.RandomState(2)
      for variable in tf.compat.v1.trainable_variables():
        session.run(variable.assign(rng.uniform(
            -0.2, 0.2, variable.shape.as_list()).astype(np.float32)))
      expected = session.run(tf.nn.softmax(logits), {model.images: images})
      checkpoint = tf.compat.v1.train.Saver().save(
          session, os.path.join(work_dir, "model.ckpt"))
      weights = {v.op.name: session.run(v)
                 for v in tf.compat.v1.trainable_variables()}
  np.savez(os.path.join(work_dir, "weights.npz"), **weights)
  np.savez(os.path.join(work_dir, "check.npz"), images=images,
           expected=expected)
  paths = {"tf1seq": mnist_rnn.export_model(
      checkpoint, config, os.path.join(work_dir, "tf1seq"))}

  def unfolded(images_in, hide_time):
    # The dense row projection applied on its own; with `hide_time` the
    # number of rows is unknown to the graph, so `dynamic_rnn(for_serving=
    # True)` builds its while loop instead of unrolling.
    batch = tf.shape(images_in)[0]
    rows = layers.dense(tf.reshape(images_in, [-1, 28]), NUM_UNITS,
                        name="dense")
    time_steps = tf.shape(images_in)[1] if hide_time else 28
    rows = tf.reshape(rows, tf.stack([batch, time_steps, NUM_UNITS]))
    rows.set_shape([None, None if hide_time else 28, NUM_UNITS])
    cell = rnn_cell.BasicLSTMCell(NUM_UNITS)
    _, final = rnn.dynamic_rnn(cell, rows, dtype=tf.float32, scope="rnn",
                               for_serving=True)
    out = layers.dense(final.h, 10, name="dense_1")
    return {"probabilities": tf.nn.softmax(out),
            "classes": tf.argmax(out, 1)}

  for name, hide_time in (("tf1seq_unfolded", False), ("tf1seq_loop", True)):
    paths[name] = serving_export.export_checkpoint(
        os.path.join(work_dir, name), checkpoint,
        {"serving_default": serving_export.Signature(
            lambda x, hide=hide_time: unfolded(x, hide),
            [mnist_rnn.IMAGES_SPEC])})
  paths["tf1seq_noremapper"] = paths["tf1seq"]
  return dict(paths, checkpoint=checkpoint)


def _export_legacy(work_dir, checkpoint):
  """TF1's own cell and dynamic_rnn over the checkpoint (legacy Keras)."""
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  graph = tf.Graph()
  with graph.as_default():
    images = tf.compat.v1.placeholder(tf.float32, [None, 28, 28],
                                      name="images")
    rows = tf.compat.v1.layers.dense(tf.reshape(images, [-1, 28]),
                                     NUM_UNITS, name="dense")
    rows = tf.reshape(rows, [-1, 28, NUM_UNITS])
    cell = tf.compat.v1.nn.rnn_cell.BasicLSTMCell(NUM_UNITS)
    initial = cell.zero_state(tf.shape(images)[0], tf.float32)
    _, state = tf.compat.v1.nn.dynamic_rnn(cell, rows, initial_state=initial,
                                           scope="rnn")
    logits = tf.compat.v1.layers.dense(state.h, 10, name="dense_1")
    signature = tf.compat.v1.saved_model.predict_signature_def(
        {"images": images}, {"probabilities": tf.nn.softmax(logits),
                             "classes": tf.argmax(logits, 1)})
    path = os.path.join(work_dir, "legacy", "1")
    with tf.compat.v1.Session(graph=graph) as session:
      tf.compat.v1.train.Saver().restore(session, checkpoint)
      builder = tf.compat.v1.saved_model.Builder(path)
      builder.add_meta_graph_and_variables(
          session, ["serve"], signature_def_map={
              "serving_default": signature})
      builder.save()
  return {"legacy": path}


def _check_and_time(predict, check, to_input):
  """Max difference on the check batch, then the timings."""
  images = to_input(check["images"])
  start = time.perf_counter()
  got = predict(images)
  first_call_ms = (time.perf_counter() - start) * 1e3
  difference = float(np.abs(np.asarray(got) - check["expected"]).max())
  rng = np.random.RandomState(3)
  batch = to_input(rng.uniform(size=[THROUGHPUT_BATCH, 28, 28]).astype(
      np.float32))
  single = to_input(rng.uniform(size=[1, 28, 28]).astype(np.float32))
  for _ in range(5):  # Warm-up: as TF Serving's warm-up requests do.
    predict(batch)
    predict(single)
  # Medians of single calls: on cores shared with other processes a burst
  # of their load lands in a few calls, not in the figure.
  batch_seconds = common.time_each_call(lambda: predict(batch),
                                        FLAGS.throughput_calls)
  latencies = common.time_each_call(lambda: predict(single),
                                    FLAGS.latency_calls)
  return {"max_difference": difference,
          "first_call_ms": first_call_ms,
          "throughput": THROUGHPUT_BATCH / common.median(batch_seconds),
          "latency_ms": common.median(latencies) * 1e3}


def _time_saved_model(path, check):
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  if not FLAGS.remapper:
    tf.config.optimizer.set_experimental_options({"remapping": False})
  start = time.perf_counter()
  predict = tf.saved_model.load(path).signatures["serving_default"]
  load_ms = (time.perf_counter() - start) * 1e3
  result = _check_and_time(
      lambda x: predict(images=x)["probabilities"].numpy(), check,
      tf.constant)
  result["load_ms"] = load_ms
  return result


def _time_torch(work_dir, check):
  """`torch.nn.LSTM` with the checkpoint's weights (TF1 gate order i, j,
  f, o becomes torch's i, f, g, o; the forget bias joins the f bias)."""
  import torch  # pylint: disable=g-import-not-at-top
  weights = np.load(os.path.join(work_dir, "weights.npz"))
  kernel = weights["rnn/basic_lstm_cell/kernel"]
  bias = weights["rnn/basic_lstm_cell/bias"].copy()
  n = NUM_UNITS
  bias[2 * n:3 * n] += 1.0  # forget_bias
  order = np.concatenate([np.arange(0, n), np.arange(2 * n, 3 * n),
                          np.arange(n, 2 * n), np.arange(3 * n, 4 * n)])
  dense = torch.nn.Linear(28, n)
  lstm = torch.nn.LSTM(n, n, batch_first=True)
  classifier = torch.nn.Linear(n, 10)
  with torch.no_grad():
    dense.weight.copy_(torch.from_numpy(weights["dense/kernel"].T))
    dense.bias.copy_(torch.from_numpy(weights["dense/bias"]))
    lstm.weight_ih_l0.copy_(torch.from_numpy(kernel[:n, order].T.copy()))
    lstm.weight_hh_l0.copy_(torch.from_numpy(kernel[n:, order].T.copy()))
    lstm.bias_ih_l0.copy_(torch.from_numpy(bias[order].copy()))
    lstm.bias_hh_l0.zero_()
    classifier.weight.copy_(torch.from_numpy(weights["dense_1/kernel"].T))
    classifier.bias.copy_(torch.from_numpy(weights["dense_1/bias"]))

  def predict(images):
    with torch.inference_mode():
      _, (h, _) = lstm(dense(images))
      probabilities = torch.softmax(classifier(h[0]), 1)
      probabilities.argmax(1)
      return probabilities.numpy()

  result = _check_and_time(predict, check, torch.from_numpy)
  result["threads"] = torch.get_num_threads()
  return result


def _worker(role, work_dir):
  if role == "prepare":
    return _prepare(work_dir)
  if role == "export_legacy":
    return _export_legacy(work_dir, FLAGS.model)
  check = dict(np.load(os.path.join(work_dir, "check.npz")))
  if role == "torch":
    return _time_torch(work_dir, check)
  return _time_saved_model(FLAGS.model, check)


# -- The parent: no TensorFlow or torch in this process.


def _child(python, role, work_dir, model=None, environment=None, extra=()):
  command = [python, "-m", "benchmarks.serving_speed", "--worker", role,
             "--work_dir", work_dir] + list(extra)
  if model:
    command += ["--model", model]
  return common.run_json_child(command, environment=environment)


def _torch_python():
  candidates = [FLAGS.torch_python] if FLAGS.torch_python else [
      "/work/torchvenv/bin/python", "python3"]
  return common.python_that_imports("torch, numpy", candidates)


def _ratio_cell(samples, baseline, higher_is_better):
  if not baseline:
    return "-"
  ratios = common.paired_ratios(samples, baseline, higher_is_better)
  return "%.2fx (%.2f-%.2f)" % (common.median(ratios), min(ratios),
                                max(ratios))


def main(argv):
  del argv  # Unused.
  work_dir = FLAGS.work_dir or tempfile.mkdtemp(prefix="serving_speed_")
  if FLAGS.worker:
    print(json.dumps(_worker(FLAGS.worker, work_dir)))
    return
  python = sys.executable
  paths = _child(python, "prepare", work_dir)
  paths.update(_child(python, "export_legacy", work_dir,
                      model=paths["checkpoint"],
                      environment={"TF_USE_LEGACY_KERAS": "1"}))
  torch_python = _torch_python() if "torch" in FLAGS.variants else None
  variants = [v for v in FLAGS.variants if v != "torch" or torch_python]
  if "torch" in FLAGS.variants and not torch_python:
    print("PyTorch not found: its column is left out.")
  samples = {v: [] for v in variants}
  for round_index in range(FLAGS.rounds):
    order = variants if round_index % 2 == 0 else variants[::-1]
    for variant in order:
      if variant == "torch":
        result = _child(torch_python, "torch", work_dir,
                        environment={"OMP_WAIT_POLICY": "PASSIVE"})
      else:
        extra = ["--noremapper"] if variant.endswith("_noremapper") else []
        result = _child(python, "saved_model", work_dir,
                        model=paths[variant], extra=extra)
      samples[variant].append(result)
      print("round %d %-12s %s" % (round_index + 1, variant,
                                   json.dumps(result)), flush=True)

  def column(variant, key):
    return [s[key] for s in samples.get(variant, [])]

  print()
  print("| variant | batch-128 images/s | batch-1 latency ms | first call ms "
        "| max diff | throughput vs legacy | vs torch | latency vs legacy "
        "(>1: faster) | vs torch |")
  print("|---|---|---|---|---|---|---|---|---|")
  for variant in variants:
    throughput = column(variant, "throughput")
    latency = column(variant, "latency_ms")
    print("| %s | %.0f | %.3f | %.1f | %.1e | %s | %s | %s | %s |" % (
        variant, common.median(throughput), common.median(latency),
        common.median(column(variant, "first_call_ms")),
        max(column(variant, "max_difference")),
        _ratio_cell(throughput, column("legacy", "throughput"), True),
        _ratio_cell(throughput, column("torch", "throughput"), True),
        _ratio_cell(latency, column("legacy", "latency_ms"), False),
        _ratio_cell(latency, column("torch", "latency_ms"), False)))


if __name__ == "__main__":
  app.run(main)
