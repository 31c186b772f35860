"""What the benchmarks share: shapes, data, statistics, tables, workers.

Imports neither TensorFlow nor PyTorch (only the standard library, absl
and numpy), so both `benchmarks.rnn_throughput` (TensorFlow) and
`benchmarks.torch_lstm` (PyTorch, in its own interpreter) use it.

It defines the flags the programs share, `--threads` and `--out`.

A *runner* is one model of one variant on one shape, with the methods

  warm_up(count)   untimed training steps and forward calls
  train(steps)     seconds for `steps` training steps at the shape's batch
  infer(calls)     seconds for `calls` forward calls at INFER_BATCH
  latency(calls)   seconds of each of `calls` forward calls at batch 1
  close()

`measure` times several runners interleaved: every repetition runs each
runner in turn (the order rotating), so slow drifts of a shared machine hit
all of them alike, and ratios are taken between samples of the same round.
A runner may live in another process (`RemoteWorker`, `RemoteRunner`,
`serve`): only one process works at a time, the others wait on a pipe.

Usage:

  from benchmarks import common
  samples = common.measure({"a": runner_a, "b": runner_b},
                           common.SHAPES["tiny"], repeats=5, steps=10)
  row = common.summarize(samples["a"], samples["b"])
  print(common.format_table("tiny", [("a", "A", row)]))
"""

import json
import os
import resource
import statistics
import subprocess
import sys
import time

from absl import flags
import numpy as np

# The flags every benchmark program shares (defined once, so one process
# may import several of them, as the tests do).
flags.DEFINE_integer("threads", os.cpu_count(),
                     "Intra- and inter-op threads of TensorFlow (and "
                     "torch.set_num_threads); default: the machine's cores.")
flags.DEFINE_string("out", None, "If set, the results are written here as "
                    "JSON.")
flags.register_validator("threads", lambda n: n > 0,
                         message="--threads must be positive.")

INFER_BATCH = 128
TORCH_VERSION = "2.14.1"
TORCH_INSTALL = ("python3 -m venv /work/torchvenv && /work/torchvenv/bin/pip "
                 "install torch==%s numpy absl-py" % TORCH_VERSION)
# Where --torch_python looks when not given, besides $TORCH_PYTHON.
TORCH_PYTHON_CANDIDATES = ("/work/torchvenv/bin/python",
                           os.path.expanduser("~/torchvenv/bin/python"),
                           "python3")
REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KINDS = ("train", "infer", "latency")


class Shape(object):
  """One benchmark model: inputs, recurrent layers, classifier.

  Attributes:
    name: key in SHAPES.
    batch: training batch size.
    steps: time steps per sequence.
    features: floats per step (0 if the input is token ids).
    vocab: token ids' range (0 if the input is floats).
    embedding: embedding size for token ids.
    projection: units of a dense layer applied to every step (0: none).
    units: LSTM units per layer.
    layers: stacked LSTM layers.
    classes: softmax classes.
    per_step: softmax at every step (language model); else on the final h.
    train_steps: default training steps per timed repetition.
  """

  def __init__(self, name, batch, steps, units, classes, features=0, vocab=0,
               embedding=0, projection=0, layers=1, per_step=False,
               train_steps=10):
    self.name = name
    self.batch = batch
    self.steps = steps
    self.features = features
    self.vocab = vocab
    self.embedding = embedding
    self.projection = projection
    self.units = units
    self.layers = layers
    self.classes = classes
    self.per_step = per_step
    self.train_steps = train_steps

  @property
  def input_depth(self):
    """Depth of the first LSTM layer's input."""
    return self.projection or self.embedding or self.features

  def describe(self):
    """One line, e.g. "batch 128, 28 steps, 28 -> dense 128, LSTM 128"."""
    if self.vocab:
      source = "ids < %d -> embedding %d" % (self.vocab, self.embedding)
    else:
      source = "%d features" % self.features
    if self.projection:
      source += " -> dense %d" % self.projection
    lstm = "LSTM %d" % self.units
    if self.layers > 1:
      lstm = "%d x %s" % (self.layers, lstm)
    target = ("softmax %d at every step" % self.classes if self.per_step
              else "softmax %d on the final h" % self.classes)
    return "batch %d, %d steps, %s, %s, %s" % (
        self.batch, self.steps, source, lstm, target)


SHAPES = {
    shape.name: shape for shape in (
        Shape("mnist", batch=128, steps=28, features=28, projection=128,
              units=128, classes=10, train_steps=10),
        Shape("char_lm", batch=64, steps=100, vocab=100, embedding=64,
              units=256, layers=2, classes=100, per_step=True,
              train_steps=3),
        Shape("long_seq", batch=32, steps=500, features=64, units=64,
              classes=10, train_steps=3),
        # Tiny ones for --quick and tests.
        Shape("tiny", batch=4, steps=5, features=3, projection=8, units=8,
              classes=3, train_steps=2),
        Shape("tiny_lm", batch=4, steps=5, vocab=7, embedding=4, units=8,
              layers=2, classes=7, per_step=True, train_steps=2),
    )
}
DEFAULT_SHAPES = ("mnist", "char_lm", "long_seq")


def make_batch(shape, batch, seed):
  """The same random inputs and labels in every process and framework.

  Args:
    shape: a `Shape`.
    batch: examples.
    seed: int; equal seeds give equal arrays.

  Returns:
    `(inputs, labels)`: float32 `[batch, steps, features]` in [0, 1) or
    int32 ids `[batch, steps]`; int32 labels `[batch, steps]` if
    `shape.per_step`, else `[batch]`.
  """
  rng = np.random.RandomState(seed)
  if shape.vocab:
    inputs = rng.randint(0, shape.vocab,
                         size=(batch, shape.steps)).astype(np.int32)
  else:
    inputs = rng.uniform(size=(batch, shape.steps,
                               shape.features)).astype(np.float32)
  label_shape = (batch, shape.steps) if shape.per_step else (batch,)
  labels = rng.randint(0, shape.classes, size=label_shape).astype(np.int32)
  return inputs, labels


class Data(object):
  """A shape's training batch and its batch-128 and batch-1 inputs."""

  def __init__(self, shape, seed=0):
    self.inputs, self.labels = make_batch(shape, shape.batch, seed)
    self.infer_inputs, _ = make_batch(shape, INFER_BATCH, seed + 1)
    self.latency_inputs = self.infer_inputs[:1]


# -- Statistics.


def median(values):
  """Median of a non-empty sequence of numbers."""
  return float(statistics.median(values))


def spread(values):
  """(max - min) / median of positive numbers, 0 for a single value."""
  middle = median(values)
  if len(values) < 2 or middle == 0:
    return 0.0
  return (max(values) - min(values)) / middle


def paired_ratios(values, baseline, higher_is_better=True):
  """Per-round speed ratios of `values` to `baseline` (> 1: faster).

  Args:
    values: samples of one variant, one per round.
    baseline: the baseline's samples of the same rounds.
    higher_is_better: True for throughputs (ratio values / baseline),
      False for times (ratio baseline / values).

  Returns:
    List of ratios, one per round.

  Raises:
    ValueError: if the lists differ in length or are empty.
  """
  if len(values) != len(baseline) or not values:
    raise ValueError("need as many samples as the baseline's, and at least "
                     "one, got %d and %d" % (len(values), len(baseline)))
  if higher_is_better:
    return [v / b for v, b in zip(values, baseline)]
  return [b / v for v, b in zip(values, baseline)]


def summarize_samples(values, baseline=None, higher_is_better=True):
  """Median and spread of `values` and of their ratios to `baseline`."""
  summary = {"samples": list(values), "median": median(values),
             "spread": spread(values)}
  if baseline:
    ratios = paired_ratios(values, baseline, higher_is_better)
    summary.update(ratio=median(ratios), ratio_spread=spread(ratios),
                   ratios=ratios)
  return summary


def ratios_to(samples, other):
  """Median per-round speed ratios of a variant's `samples` to `other`'s.

  Returns:
    Dict kind ("train", "infer", "latency") -> ratio (> 1: faster).
  """
  return {kind: median(paired_ratios(samples[kind], other[kind],
                                     higher_is_better=kind != "latency"))
          for kind in KINDS}


def summarize(samples, baseline_samples=None):
  """A row's summary from `measure`'s samples of a variant.

  Args:
    samples: dict with lists "train" (examples/s), "infer" (examples/s)
      and "latency" (seconds); per round.
    baseline_samples: the same for the baseline, or None.

  Returns:
    Dict: "train_examples_per_sec", "infer_examples_per_sec",
    "latency_ms", each a `summarize_samples` dict (ratios: > 1 is faster).
  """
  baseline_samples = baseline_samples or {}
  latency_ms = [1000.0 * s for s in samples["latency"]]
  baseline_ms = [1000.0 * s for s in baseline_samples.get("latency", [])]
  return {
      "train_examples_per_sec": summarize_samples(
          samples["train"], baseline_samples.get("train")),
      "infer_examples_per_sec": summarize_samples(
          samples["infer"], baseline_samples.get("infer")),
      "latency_ms": summarize_samples(latency_ms, baseline_ms,
                                      higher_is_better=False),
  }


# -- Tables.

_COLUMNS = (
    # (row key, header, value format)
    ("train_examples_per_sec", "train ex/s", "%.0f"),
    ("infer_examples_per_sec", "infer ex/s b%d" % INFER_BATCH, "%.0f"),
    ("latency_ms", "latency ms b1", "%.2f"),
)


def _with_spread(number_format, value, value_spread):
  return (number_format % value) + " ±%.0f%%" % (100.0 * value_spread / 2)


def format_row_cells(row):
  """The table cells of one row (see `format_table`)."""
  if "error" in row:
    return [row["error"]]
  cells = []
  for key, _, number_format in _COLUMNS:
    value = row[key]
    cells.append(_with_spread(number_format, value["median"],
                              value["spread"]))
    if "ratio" in value:
      cells.append(_with_spread("%.2f", value["ratio"],
                                value["ratio_spread"]))
    else:
      cells.append("-")
  memory = row.get("peak_rss_mb")
  if memory is None:
    cells += ["-", "-"]
  elif isinstance(memory, str):
    cells += [memory, "-"]
  else:
    cells.append("%.0f" % memory)
    ratio = row.get("peak_rss_ratio")
    cells.append("-" if ratio is None else "%.2f" % ratio)
  return cells


def format_table(title, rows):
  """A plain-text table of one shape.

  Args:
    title: first line.
    rows: list of `(label, row)`: `row` is a `summarize` dict, optionally
      with "peak_rss_mb" (a number, or a string saying why not) and
      "peak_rss_ratio", or `{"error": message}` for a variant that did not
      run.

  Returns:
    The table as a string. Values are "median ±half-spread%"; "x base"
    columns are medians of per-round ratios to the baseline, > 1 meaning
    faster (for memory: more memory).
  """
  header = ["variant"]
  for _, name, _ in _COLUMNS:
    header += [name, "x base"]
  header += ["peak RSS MB", "x base"]
  lines = [[label] + format_row_cells(row) for label, row in rows]
  widths = [len(h) for h in header]
  for line in lines:
    if len(line) == len(header):
      widths = [max(w, len(cell)) for w, cell in zip(widths, line)]

  def join(cells):
    first = cells[0].ljust(widths[0])
    rest = [cell.rjust(width) for cell, width in zip(cells[1:], widths[1:])]
    return "  ".join([first] + rest).rstrip()

  out = [title, join(header), join(["-" * w for w in widths])]
  for line in lines:
    if len(line) == len(header):
      out.append(join(line))
    else:  # An error message spans the columns.
      out.append(line[0].ljust(widths[0]) + "  " + line[1])
  return "\n".join(out)


# -- Timing.


def measure(runners, shape, repeats, steps, warm_up_steps=2, log=None,
            fresh=False):
  """Times runners interleaved; returns their samples.

  Args:
    runners: dict name -> runner (see the module docstring), or with
      `fresh` name -> a function making one.
    shape: the runners' `Shape`.
    repeats: rounds; each round times every runner once per kind.
    steps: training steps and batch-128 forward calls per sample; batch-1
      latency takes the median of 3 * steps calls.
    warm_up_steps: untimed calls per runner first.
    log: optional callable(str) for progress.
    fresh: each round makes every runner anew (in order, warmed up, timed
      for every kind, closed), so that with one process per runner only one
      variant's process exists at a time.

  Returns:
    Dict name -> {"train": [examples/s], "infer": [examples/s],
    "latency": [seconds]}, one entry per round. A runner that raises is
    left out of later rounds and gets {"error": message}.
  """
  log = log or (lambda message: None)
  samples = {name: {kind: [] for kind in KINDS} for name in runners}
  failed = {}

  def attempt(name, function):
    try:
      return function()
    except Exception as e:  # pylint: disable=broad-except
      lines = str(e).strip().splitlines() or [type(e).__name__]
      failed[name] = "failed: %s" % lines[-1]
      log("%s failed: %s" % (name, e))
      return None

  def sample(name, runner, kind):
    if kind == "train":
      seconds = attempt(name, lambda: runner.train(steps))
      value = None if seconds is None else steps * shape.batch / seconds
    elif kind == "infer":
      seconds = attempt(name, lambda: runner.infer(steps))
      value = None if seconds is None else steps * INFER_BATCH / seconds
    else:
      calls = attempt(name, lambda: runner.latency(3 * steps))
      value = None if calls is None else median(calls)
    if value is not None:
      samples[name][kind].append(value)

  if not fresh:
    for name, runner in runners.items():
      log("warming up %s on %s" % (name, shape.name))
      attempt(name, lambda: runner.warm_up(warm_up_steps))
  names = list(runners)
  for round_index in range(repeats):
    # Rotate the order so no runner always follows the same one.
    shift = round_index % len(names)
    order = names[shift:] + names[:shift]
    if fresh:
      for name in order:
        if name in failed:
          continue
        runner = attempt(name, runners[name])
        if runner is None:
          continue
        attempt(name, lambda: runner.warm_up(warm_up_steps))
        for kind in KINDS:
          if name not in failed:
            sample(name, runner, kind)
        runner.close()
    else:
      for kind in KINDS:
        for name in order:
          if name not in failed:
            sample(name, runners[name], kind)
    log("round %d/%d of %s done" % (round_index + 1, repeats, shape.name))
  for name, message in failed.items():
    samples[name] = {"error": message}
  return samples


def time_calls(function, count):
  """Seconds of `count` calls of `function()` in all."""
  start = time.perf_counter()
  for _ in range(count):
    function()
  return time.perf_counter() - start


def time_each_call(function, count):
  """List of the seconds of each of `count` calls of `function()`."""
  times = []
  for _ in range(count):
    start = time.perf_counter()
    function()
    times.append(time.perf_counter() - start)
  return times


def peak_rss_mb():
  """This process's peak resident memory so far, in MiB (Linux).

  Reads VmHWM from /proc: `getrusage`'s ru_maxrss survives `exec`, so a
  child started by a large parent would report at least the parent's size.
  """
  try:
    with open("/proc/self/status") as f:
      for line in f:
        if line.startswith("VmHWM:"):
          return int(line.split()[1]) / 1024.0  # Given in kB.
  except (IOError, ValueError):
    pass
  return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


# -- Files and processes.


def quiet_environment(extra=None):
  """os.environ for child processes, with TensorFlow's C++ logs off.

  Args:
    extra: optional dict of variables to set as well.
  """
  env = dict(os.environ)
  env.update(extra or {})
  env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
  env["PYTHONPATH"] = os.pathsep.join(
      [REPO_ROOT] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep)
                     if p])
  return env


def python_that_imports(module, candidates):
  """The first interpreter among `candidates` that can import `module`.

  Checked in a child process, so the module never loads into this one.

  Args:
    module: module names as `import` takes them, e.g. "torch, numpy".
    candidates: paths or names of interpreters.

  Returns:
    The path or name, or None.
  """
  for python in candidates:
    if not python:
      continue
    try:
      result = subprocess.run(
          [python, "-c", "import %s" % module], stdout=subprocess.DEVNULL,
          stderr=subprocess.DEVNULL, timeout=300, check=False)
    except (OSError, subprocess.TimeoutExpired):
      continue
    if result.returncode == 0:
      return python
  return None


def run_json_child(command, timeout=1800, environment=None):
  """Runs `command`; returns the JSON of its last stdout line.

  Args:
    command: argv list, run in REPO_ROOT.
    timeout: seconds.
    environment: optional dict of extra environment variables.

  Raises:
    RuntimeError: if it fails or prints no JSON; the message holds the end
      of its stderr.
  """
  result = subprocess.run(command, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, cwd=REPO_ROOT,
                          env=quiet_environment(environment),
                          timeout=timeout,
                          check=False, universal_newlines=True)
  lines = result.stdout.strip().splitlines()
  if result.returncode != 0 or not lines:
    tail = result.stderr.strip().splitlines()[-3:]
    raise RuntimeError("%s exited with %d: %s" % (
        " ".join(command[:3]), result.returncode, " | ".join(tail)))
  return json.loads(lines[-1])


def protocol_streams():
  """(requests, replies) for `serve`, with fd 1 moved to stderr.

  Libraries that print would otherwise corrupt the replies.
  """
  replies = os.fdopen(os.dup(1), "w")
  os.dup2(2, 1)
  sys.stdout = sys.stderr
  return sys.stdin, replies


def serve(build_runner, requests, replies):
  """Answers `RemoteWorker` requests, one JSON line each, until "quit".

  Args:
    build_runner: callable(variant, shape_name) -> runner.
    requests: readable text stream.
    replies: writable text stream.
  """
  runners = {}
  for line in requests:
    request = json.loads(line)
    operation = request["op"]
    if operation == "quit":
      break
    try:
      key = request.get("key")
      result = None
      if operation == "build":
        runners[key] = build_runner(request["variant"], request["shape"])
      elif operation == "close":
        runners.pop(key).close()
      elif operation in ("warm_up", "train", "infer", "latency"):
        result = getattr(runners[key], operation)(request["count"])
      else:
        raise ValueError("unknown op %r" % operation)
      reply = {"ok": True, "result": result}
    except Exception as e:  # pylint: disable=broad-except
      reply = {"ok": False,
               "error": "%s: %s" % (type(e).__name__, str(e).strip())}
    replies.write(json.dumps(reply) + "\n")
    replies.flush()
  for runner in runners.values():
    runner.close()


class RemoteWorker(object):
  """A child process that hosts runners and answers `serve` requests."""

  def __init__(self, command, log_path, environment=None):
    self.log_path = log_path
    self._log = open(log_path, "w")
    self._process = subprocess.Popen(
        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=self._log, cwd=REPO_ROOT,
        env=quiet_environment(environment),
        universal_newlines=True, bufsize=1)
    self._next_key = 0

  def call(self, **request):
    """Sends one request; returns its result.

    Raises:
      RuntimeError: if the request failed or the worker died.
    """
    self._process.stdin.write(json.dumps(request) + "\n")
    self._process.stdin.flush()
    line = self._process.stdout.readline()
    if not line:
      self._log.flush()
      with open(self.log_path) as f:
        tail = f.read().strip().splitlines()[-3:]
      raise RuntimeError("worker exited (log %s): %s" %
                         (self.log_path, " | ".join(tail)))
    reply = json.loads(line)
    if not reply["ok"]:
      raise RuntimeError(reply["error"])
    return reply["result"]

  def runner(self, variant, shape_name):
    """Builds a runner in the worker; returns its local `RemoteRunner`."""
    self._next_key += 1
    key = str(self._next_key)
    self.call(op="build", key=key, variant=variant, shape=shape_name)
    return RemoteRunner(self, key)

  def close(self):
    if self._process.poll() is None:
      try:
        self._process.stdin.write(json.dumps({"op": "quit"}) + "\n")
        self._process.stdin.close()
        self._process.wait(timeout=60)
      except (OSError, subprocess.TimeoutExpired):
        self._process.kill()
        self._process.wait()
    self._log.close()


class RemoteRunner(object):
  """A runner living in a `RemoteWorker`."""

  def __init__(self, worker, key):
    self._worker = worker
    self._key = key

  def warm_up(self, count):
    self._worker.call(op="warm_up", key=self._key, count=count)

  def train(self, count):
    return self._worker.call(op="train", key=self._key, count=count)

  def infer(self, count):
    return self._worker.call(op="infer", key=self._key, count=count)

  def latency(self, count):
    return self._worker.call(op="latency", key=self._key, count=count)

  def close(self):
    self._worker.call(op="close", key=self._key)


class OwnedRunner(RemoteRunner):
  """A `RemoteRunner` alone in its worker: closing it ends the process."""

  def close(self):
    self._worker.close()
