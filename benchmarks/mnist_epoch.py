r"""One epoch of `train.mnist_rnn`: tf1seq against TensorFlow's legacy cell.

One command:

  python -m benchmarks.mnist_epoch --out=/tmp/mnist_epoch.json

Two measurements, on Fashion-MNIST if `/usr/share/datasets/fashion-mnist/`
exists (`apt-get install -y dataset-fashion-mnist`), else on the
`mnist_sample` shipped with tf1seq:

1. The trainer as a user runs it, default flags, timed from outside:
     python -m train.mnist_rnn --dataset=fashion_mnist --epochs=1 \
         --model_dir=<temporary>
   (wall time of the command, and the training loop's own `wall_time_sec`
   and examples/s from its metrics.json; evaluation, checkpoints and
   TensorFlow's start-up are in the first figure only).
2. The trainer's graph (`mnist_rnn.MNISTModel`, default `Config`) built
   three ways in this process, each in its own `tf.Graph` and session, and
   trained on the same batches of one epoch (`mnist_rnn.Data`, seed 1):
     tf1seq            as `train.mnist_rnn` builds it (`tf1seq.rnn`'s
                       hoisted `dynamic_rnn`),
     tf1seq_reference  tf1seq's cells with `tf.compat.v1.nn.dynamic_rnn`,
     tf_legacy         TensorFlow's own legacy `BasicLSTMCell` and `dense`
                       (`tensorflow.python.keras`, private, still shipped)
                       with `tf.compat.v1.nn.dynamic_rnn`: the baseline.
   The epoch runs in chunks of `--chunk_steps` steps, each chunk by every
   variant in turn (the order rotating), so a shared machine's slow spells
   hit all three; the table gives each one's epoch time (the sum of its
   chunks), examples/s, the ratio to the baseline (its epoch time over
   this one's; > 1: faster) and the spread of the per-chunk ratios, and
   the mean training loss of the last chunk (the three learn alike).

The trainer's flags (`--dataset`, `--num_units`, `--cell`, ...) apply to
both measurements; `--train_steps=N` times N steps instead of an epoch:

  python -m benchmarks.mnist_epoch --dataset=mnist_sample --train_steps=4 \
      --chunk_steps=2 --out=/tmp/mnist_epoch_quick.json

Results: see benchmarks/README.md, with the command that made them.
"""

import contextlib
import datetime
import json
import os
import subprocess
import sys
import tempfile
import time
import types
from unittest import mock

from absl import app
from absl import flags
from absl import logging
import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import tensorflow as tf  # pylint: disable=g-import-not-at-top

from benchmarks import common  # pylint: disable=g-import-not-at-top
from tf1seq import files  # pylint: disable=g-import-not-at-top
from tf1seq.data import mnist  # pylint: disable=g-import-not-at-top
from train import cells as trainer_cells  # pylint: disable=g-import-not-at-top
from train import common_flags  # pylint: disable=g-import-not-at-top
from train import mnist_rnn  # pylint: disable=g-import-not-at-top

FLAGS = flags.FLAGS

FASHION_MNIST_DIR = "/usr/share/datasets/fashion-mnist"
BASELINE = "tf_legacy"
VARIANTS = ("tf_legacy", "tf1seq_reference", "tf1seq")
LABELS = {
    "tf_legacy": "TF legacy BasicLSTMCell + tf.compat.v1.nn.dynamic_rnn",
    "tf1seq_reference": "tf1seq BasicLSTMCell + tf.compat.v1.nn.dynamic_rnn",
    "tf1seq": "train.mnist_rnn's graph (tf1seq.rnn.dynamic_rnn)",
}


def default_dataset():
  """fashion_mnist if Debian's package is installed, else mnist_sample."""
  if os.path.isdir(FASHION_MNIST_DIR):
    return "fashion_mnist"
  return "mnist_sample"


# Besides these, --threads and --out (benchmarks.common) and the trainer's
# own flags: --dataset (default here: fashion_mnist if its directory exists,
# else mnist_sample), --train_steps (steps to time; 0: one epoch) and the
# model's (--num_units, --cell, ...), which both measurements use.
flags.DEFINE_list("graphs", list(VARIANTS),
                  "In-process graphs to time, of: %s." % ", ".join(VARIANTS))
flags.DEFINE_integer("chunk_steps", 25, "Steps each graph runs before the "
                     "next one takes over.")
flags.DEFINE_bool("run_trainer", True, "Also time `python -m "
                  "train.mnist_rnn --epochs=1` as a command.")

flags.register_validator("chunk_steps", lambda n: n > 0,
                         message="--chunk_steps must be positive.")
flags.register_validator(
    "graphs", lambda names: all(n in VARIANTS for n in names),
    message="--graphs must be among: %s." % ", ".join(VARIANTS))
# Trainer flags that this benchmark sets itself.
_NOT_FORWARDED = ("dataset", "epochs", "model_dir", "export_dir",
                  "intra_op_threads", "inter_op_threads")


@contextlib.contextmanager
def graph_of(variant):
  """Makes `mnist_rnn.MNISTModel` build `variant`'s graph inside.

  `tf1seq` leaves the trainer as it is; the others replace the names its
  graph builder reads (`rnn`, and for `tf_legacy` the cells, `dense` and
  `LSTMStateTuple`), so everything else stays the trainer's own code.
  """
  with contextlib.ExitStack() as stack:
    if variant != "tf1seq":
      stack.enter_context(mock.patch.object(
          mnist_rnn, "rnn",
          types.SimpleNamespace(dynamic_rnn=tf.compat.v1.nn.dynamic_rnn,
                                serving_enabled=lambda: False)))
    if variant == "tf_legacy":
      # pylint: disable=g-import-not-at-top
      from tensorflow.python.keras.layers.legacy_rnn import rnn_cell_impl
      from tensorflow.python.keras.legacy_tf_layers import core
      # pylint: enable=g-import-not-at-top
      stack.enter_context(mock.patch.object(
          mnist_rnn, "layers", types.SimpleNamespace(dense=core.dense)))
      stack.enter_context(mock.patch.object(
          trainer_cells, "rnn_cell", types.SimpleNamespace(
              LSTMStateTuple=rnn_cell_impl.LSTMStateTuple,
              MultiRNNCell=rnn_cell_impl.MultiRNNCell,
              DropoutWrapper=rnn_cell_impl.DropoutWrapper)))
      stack.enter_context(mock.patch.object(trainer_cells, "CELLS", {
          "basic_lstm": rnn_cell_impl.BasicLSTMCell,
          "lstm": rnn_cell_impl.LSTMCell,
          "gru": rnn_cell_impl.GRUCell,
          "basic_rnn": rnn_cell_impl.BasicRNNCell,
      }))
    yield


class EpochRunner(object):
  """The trainer's graph of one variant, in its own graph and session."""

  def __init__(self, variant, config, steps_per_epoch, threads):
    graph = tf.Graph()
    with graph.as_default(), graph_of(variant):
      tf.compat.v1.set_random_seed(config.seed)
      self.model = mnist_rnn.MNISTModel(config, steps_per_epoch)
      initialize = tf.compat.v1.global_variables_initializer()
      self.variables = [(v.name, v.shape.as_list())
                        for v in tf.compat.v1.trainable_variables()]
    graph.finalize()
    self._session = tf.compat.v1.Session(
        graph=graph, config=tf.compat.v1.ConfigProto(
            intra_op_parallelism_threads=threads,
            inter_op_parallelism_threads=threads))
    self._session.run(initialize)
    self._fetches = [self.model.loss, self.model.accuracy,
                     self.model.new_global_step]

  def run_steps(self, batches):
    """Trains on `batches`; returns (seconds, mean loss)."""
    losses = []
    start = time.perf_counter()
    for images, labels in batches:
      loss, _, _ = self._session.run(
          self._fetches, {self.model.images: images,
                          self.model.labels: labels})
      losses.append(loss)
    return time.perf_counter() - start, float(np.mean(losses))

  def close(self):
    self._session.close()


def time_epoch(variants, data, config, steps, chunk_steps, threads):
  """Trains every variant on the same `steps` batches, interleaved.

  Returns:
    Dict variant -> {"chunk_seconds": [...], "last_chunk_loss": float,
    "variables": [(name, shape)]}.

  Raises:
    ValueError: if the variants' variables differ (not the same graph).
  """
  runners = {}
  for variant in variants:
    logging.info("building %s", variant)
    runners[variant] = EpochRunner(variant, config, data.steps_per_epoch,
                                   threads)
  reference = next(iter(runners.values())).variables
  for variant, runner in runners.items():
    if runner.variables != reference:
      raise ValueError("%s's variables differ: %s vs %s" %
                       (variant, runner.variables, reference))
  results = {v: {"chunk_seconds": [], "variables": runners[v].variables}
             for v in variants}
  # One untimed step each: the first run of a graph sets it up.
  warm_up = [data.batch(0)]
  for runner in runners.values():
    runner.run_steps(warm_up)
  names = list(variants)
  for index, start in enumerate(range(0, steps, chunk_steps)):
    batches = [data.batch(step)
               for step in range(start, min(start + chunk_steps, steps))]
    shift = index % len(names)
    for variant in names[shift:] + names[:shift]:
      seconds, loss = runners[variant].run_steps(batches)
      results[variant]["chunk_seconds"].append(seconds)
      results[variant]["last_chunk_loss"] = loss
    logging.info("steps %d-%d: %s", start, start + len(batches) - 1,
                 ", ".join("%s %.1fs" % (v, results[v]["chunk_seconds"][-1])
                           for v in names))
  for runner in runners.values():
    runner.close()
  return results


def summarize_epoch(results, batch_size, steps):
  """Adds epoch seconds, examples/s and ratios to `time_epoch`'s results."""
  for variant_results in results.values():
    seconds = sum(variant_results["chunk_seconds"])
    variant_results["epoch_seconds"] = seconds
    variant_results["examples_per_sec"] = steps * batch_size / seconds
  baseline = results.get(BASELINE)
  if baseline:
    for variant_results in results.values():
      # Times: the baseline's over this one's, > 1 is faster.
      variant_results["ratio"] = (baseline["epoch_seconds"] /
                                  variant_results["epoch_seconds"])
      ratios = common.paired_ratios(variant_results["chunk_seconds"],
                                    baseline["chunk_seconds"],
                                    higher_is_better=False)
      variant_results["chunk_ratio_median"] = common.median(ratios)
      variant_results["chunk_ratio_spread"] = common.spread(ratios)
  return results


def trainer_flags():
  """The trainer's flags given on this command line, as arguments."""
  return [FLAGS[flag.name].serialize()
          for module in (mnist_rnn, common_flags)
          for flag in FLAGS.get_flags_for_module(module)
          if flag.present and flag.name not in _NOT_FORWARDED]


def run_trainer(dataset, threads, extra_flags):
  """Times `python -m train.mnist_rnn --epochs=1`; returns its figures."""
  model_dir = tempfile.mkdtemp(prefix="mnist_epoch_")
  command = [sys.executable, "-m", "train.mnist_rnn",
             "--dataset=%s" % dataset, "--epochs=1",
             "--model_dir=%s" % model_dir,
             "--intra_op_threads=%d" % threads,
             "--inter_op_threads=%d" % threads] + extra_flags
  logging.info("running %s", " ".join(command))
  start = time.perf_counter()
  with open(os.path.join(model_dir, "trainer.log"), "w") as log:
    subprocess.run(command, stdout=log, stderr=subprocess.STDOUT,
                   cwd=common.REPO_ROOT, env=common.quiet_environment(),
                   check=True)
  wall = time.perf_counter() - start
  with open(os.path.join(model_dir, "metrics.json")) as f:
    metrics = json.load(f)
  return {"command": " ".join(["python"] + command[1:]),
          "command_wall_seconds": wall,
          "training_loop_seconds": metrics["wall_time_sec"],
          "examples_per_sec": metrics["examples_per_sec"],
          "steps": metrics["steps_this_run"],
          "test_accuracy": metrics["test_accuracy"],
          "model_dir": model_dir}


def format_results(results):
  """The printed report."""
  lines = []
  trainer = results.get("trainer")
  if trainer:
    lines += [
        "%s" % trainer["command"],
        "  command wall time %.1f s; training loop %.1f s for %d steps "
        "(%.0f examples/s); test accuracy %.4f" % (
            trainer["command_wall_seconds"], trainer["training_loop_seconds"],
            trainer["steps"], trainer["examples_per_sec"],
            trainer["test_accuracy"]),
        ""]
  graphs = results["graphs"]
  lines.append("%s, %d steps of batch %d in chunks of %d, interleaved, %d "
               "threads; x base: %s's time over this one's (> 1: faster), "
               "± half the spread of per-chunk ratios" % (
                   results["dataset"], results["steps"],
                   results["batch_size"], results["chunk_steps"],
                   results["threads"], BASELINE))
  header = ("variant", "epoch s", "examples/s", "x base", "last loss")
  table = [header]
  for variant, value in graphs.items():
    ratio = "-"
    if "ratio" in value:
      ratio = "%.2f ±%.0f%%" % (value["ratio"],
                                100 * value["chunk_ratio_spread"] / 2)
    table.append(("%s  %s" % (variant.ljust(16), LABELS[variant]),
                  "%.1f" % value["epoch_seconds"],
                  "%.0f" % value["examples_per_sec"], ratio,
                  "%.4f" % value["last_chunk_loss"]))
  widths = [max(len(row[i]) for row in table) for i in range(len(header))]
  for index, row in enumerate(table):
    lines.append("  ".join([row[0].ljust(widths[0])] + [
        cell.rjust(width) for cell, width in zip(row[1:], widths[1:])]))
    if index == 0:
      lines.append("  ".join("-" * width for width in widths))
  return "\n".join(lines)


def main(argv):
  del argv  # Unused.
  dataset = (FLAGS.dataset if FLAGS["dataset"].present
             else default_dataset())
  results = {"dataset": dataset, "threads": FLAGS.threads,
             "chunk_steps": FLAGS.chunk_steps,
             "date": datetime.datetime.now().isoformat(timespec="seconds"),
             "versions": {"tensorflow": tf.__version__},
             "command": " ".join(["python -m benchmarks.mnist_epoch"] +
                                 sys.argv[1:])}
  if FLAGS.run_trainer:
    results["trainer"] = run_trainer(dataset, FLAGS.threads, trainer_flags())
  config = mnist_rnn.Config.from_flags(FLAGS)  # As the trainer's.
  splits = mnist.load(dataset, data_dir=FLAGS.data_dir)
  validation_size = FLAGS.validation_size
  if validation_size is None:
    validation_size = min(5000, len(splits.train_images) // 10)
  data = mnist_rnn.Data(splits, validation_size, config.batch_size,
                        config.seed)
  steps = FLAGS.train_steps or data.steps_per_epoch
  results.update(steps=steps, batch_size=config.batch_size)
  ordered = [v for v in VARIANTS if v in FLAGS.graphs]
  graphs = time_epoch(ordered, data, config, steps, FLAGS.chunk_steps,
                      FLAGS.threads)
  results["graphs"] = summarize_epoch(graphs, config.batch_size, steps)
  print(format_results(results))
  if FLAGS.out:
    files.write_json_atomically(FLAGS.out, results, sort_keys=False)
    logging.info("wrote %s", FLAGS.out)


if __name__ == "__main__":
  mnist_rnn.define_flags()  # The trainer's flags apply here too.
  app.run(main)
