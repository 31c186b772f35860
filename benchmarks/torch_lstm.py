r"""PyTorch's side of `benchmarks.rnn_throughput`: `torch.nn.LSTM` on CPU.

Never imports TensorFlow (the two must not share a process): run it with an
interpreter that has torch, e.g. a venv of its own:

  python3 -m venv /work/torchvenv && \
      /work/torchvenv/bin/pip install torch==2.14.1 numpy absl-py
  /work/torchvenv/bin/python -m benchmarks.torch_lstm --shapes=mnist

`rnn_throughput` runs it alone (no TensorFlow process beside it) with
PyTorch's default OpenMP settings. If other processes do share the cores,
OMP_WAIT_POLICY=PASSIVE keeps OpenMP's threads from spinning at every
barrier while their peers are descheduled (10-100x slower here).

Standalone it prints the same columns as `rnn_throughput` (without ratios).
`rnn_throughput` starts it with `--worker` (serving runners over a pipe, so
its repetitions interleave with TensorFlow's) and with `--memory_probe`
(peak RSS after `--memory_steps` training steps, as one JSON line).

The models match `rnn_throughput`'s on every shape (`common.SHAPES`): an
optional embedding or per-step dense projection, `torch.nn.LSTM`
(batch_first, stacked), a linear classifier on the final h or on every
step, softmax cross-entropy, Adam (learning rate 0.001).
"""

import json
import os
import sys

from absl import app
from absl import flags
from absl import logging
import numpy as np
import torch

from benchmarks import common
from tf1seq import files

FLAGS = flags.FLAGS
SEED = 0  # Of the data and the weights, as in rnn_throughput.

flags.DEFINE_list("shapes", list(common.DEFAULT_SHAPES),
                  "Shapes to run, of: %s." % ", ".join(common.SHAPES))
flags.DEFINE_integer("repeats", 5, "Timed repetitions per shape.")
flags.DEFINE_integer("steps", 0, "Training steps (and batch-128 forward "
                     "calls) per repetition; 0: the shape's default.")
flags.DEFINE_bool("worker", False, "Serve runners to rnn_throughput on "
                  "stdin/stdout instead of printing a table.")
flags.DEFINE_string("memory_probe", None, "Shape name: train "
                    "--memory_steps steps and print the peak RSS as JSON.")
flags.DEFINE_integer("memory_steps", 5, "Training steps of --memory_probe.")

for _name in ("repeats", "memory_steps"):
  flags.register_validator(_name, lambda n: n > 0,
                           message="--%s must be positive." % _name)
flags.register_validator("steps", lambda n: n >= 0,
                         message="--steps must be >= 0.")
flags.register_validator(
    "shapes", lambda names: all(n in common.SHAPES for n in names),
    message="--shapes must be among: %s." % ", ".join(common.SHAPES))


class LSTMModel(torch.nn.Module):
  """Embedding or projection, stacked LSTM, classifier."""

  def __init__(self, shape):
    super().__init__()
    self.shape = shape
    depth = shape.features
    self.embedding = None
    self.projection = None
    if shape.vocab:
      self.embedding = torch.nn.Embedding(shape.vocab, shape.embedding)
      depth = shape.embedding
    if shape.projection:
      self.projection = torch.nn.Linear(depth, shape.projection)
      depth = shape.projection
    self.lstm = torch.nn.LSTM(depth, shape.units, num_layers=shape.layers,
                              batch_first=True)
    self.classifier = torch.nn.Linear(shape.units, shape.classes)

  def forward(self, inputs):
    x = inputs
    if self.embedding is not None:
      x = self.embedding(x)
    if self.projection is not None:
      x = self.projection(x)
    outputs, (h, _) = self.lstm(x)
    if self.shape.per_step:
      return self.classifier(outputs)
    return self.classifier(h[-1])


class TorchRunner(object):
  """One shape's model, optimiser and data; see `common`'s runners."""

  def __init__(self, shape, seed=0):
    torch.manual_seed(seed)
    self._shape = shape
    self._model = LSTMModel(shape)
    self._optimizer = torch.optim.Adam(self._model.parameters(), lr=0.001)
    self._loss = torch.nn.CrossEntropyLoss()
    data = common.Data(shape, seed)
    convert = ((lambda a: torch.from_numpy(a.astype(np.int64)))
               if shape.vocab else torch.from_numpy)
    self._inputs = convert(data.inputs)
    self._labels = torch.from_numpy(data.labels.astype(np.int64))
    self._infer_inputs = convert(data.infer_inputs)
    self._latency_inputs = convert(data.latency_inputs)

  def _train_step(self):
    self._model.train()
    self._optimizer.zero_grad()
    logits = self._model(self._inputs)
    loss = self._loss(logits.reshape(-1, self._shape.classes),
                      self._labels.reshape(-1))
    loss.backward()
    self._optimizer.step()
    return loss.item()

  def _forward(self, inputs):
    self._model.eval()
    with torch.inference_mode():
      return self._model(inputs).numpy()

  def warm_up(self, count):
    for _ in range(count):
      self._train_step()
      self._forward(self._infer_inputs)
      self._forward(self._latency_inputs)

  def train(self, count):
    return common.time_calls(self._train_step, count)

  def infer(self, count):
    return common.time_calls(lambda: self._forward(self._infer_inputs),
                             count)

  def latency(self, count):
    return common.time_each_call(
        lambda: self._forward(self._latency_inputs), count)

  def close(self):
    pass


def build_runner(variant, shape_name):
  if variant != "torch":
    raise ValueError("this worker runs variant 'torch', got %r" % variant)
  return TorchRunner(common.SHAPES[shape_name], SEED)


def main(argv):
  del argv  # Unused.
  torch.set_num_threads(FLAGS.threads)
  torch.set_num_interop_threads(FLAGS.threads)
  if FLAGS.worker:
    requests, replies = common.protocol_streams()
    common.serve(build_runner, requests, replies)
    return
  if FLAGS.memory_probe:
    runner = TorchRunner(common.SHAPES[FLAGS.memory_probe], SEED)
    runner.train(FLAGS.memory_steps)
    sys.stdout.write(json.dumps({"peak_rss_mb": common.peak_rss_mb()}) +
                     "\n")
    return
  results = {"torch": torch.__version__, "threads": FLAGS.threads,
             "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY"),
             "shapes": {}}
  for name in FLAGS.shapes:
    shape = common.SHAPES[name]
    runner = TorchRunner(shape, SEED)
    samples = common.measure({"torch": runner}, shape, FLAGS.repeats,
                             FLAGS.steps or shape.train_steps,
                             log=logging.info)["torch"]
    row = common.summarize(samples) if "error" not in samples else samples
    results["shapes"][name] = row
    title = "%s: %s (torch %s, %d threads)" % (
        name, shape.describe(), torch.__version__, FLAGS.threads)
    print(common.format_table(title, [("torch.nn.LSTM", row)]))
    print()
  if FLAGS.out:
    files.write_json_atomically(FLAGS.out, results, sort_keys=False)


if __name__ == "__main__":
  app.run(main)
