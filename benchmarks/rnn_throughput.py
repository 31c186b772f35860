r"""LSTM training and inference speed: tf1seq against TensorFlow, Keras, torch.

One command:

  python -m benchmarks.rnn_throughput --out=/tmp/rnn_throughput.json

For every shape (`common.SHAPES`: the MNIST row-LSTM, a 2-layer char-LM,
a 500-step sequence) it builds every variant on the same random data and
times them interleaved (warm-up, then `--repeats` rounds; each round runs
every variant in turn, the order rotating), then prints a table per shape:
training examples/s, inference examples/s at batch 128, latency in ms at
batch 1 (each the median over rounds, "±" half the max-min spread), and
each row's speed ratio to TensorFlow's legacy cell (the median of the
per-round ratios; > 1 is faster), plus the peak resident memory of the
variant trained alone in a fresh process. `--out` gets all of it as JSON,
raw samples included.

Variants (`--variants`):
  tf_legacy          TensorFlow's own `BasicLSTMCell` (the private
                     `tensorflow.python.keras.layers.legacy_rnn`), legacy
                     `dense`, `tf.compat.v1.nn.dynamic_rnn`: the baseline.
  tf1seq_reference   `tf1seq.rnn_cell.BasicLSTMCell`, `tf1seq.layers.dense`,
                     `tf.compat.v1.nn.dynamic_rnn`: a TF1 script on tf1seq.
  tf1seq_fast        the same cells with `tf1seq.rnn.dynamic_rnn` (input
                     projection hoisted out of the time loop; the loops on
                     tf1seq's C++ kernels where they build).
  tf1seq_xla         the same with the loops as XLA-compiled TensorFlow ops
                     (`TF1SEQ_LSTM_KERNEL=0`).
  tf_block_lstm      TensorFlow's own fused C++ sequence kernel (the
                     `BlockLSTMV2` op behind TF1's `LSTMBlockFusedCell`,
                     with its registered gradient), one op per layer.
  *_cfv1             the three above in a child process that called
                     `tf.compat.v1.disable_control_flow_v2()`.
  keras, keras_xla   Keras 3 `keras.layers.LSTM` (TensorFlow backend),
                     `train_on_batch` / `predict_on_batch`, without and with
                     `jit_compile`.
  torch              `torch.nn.LSTM` on CPU in its own interpreter
                     (`--torch_python`; see `benchmarks.torch_lstm`).
The graph variants run in `tf.Graph()` + `tf.compat.v1.Session` of this
TF2 process (no `disable_v2_behavior`, as `train/` runs), with
`--threads` intra- and inter-op threads; Keras and torch get as many.
Only one variant runs at a time, whichever process hosts it.

Results (2 cores, no AVX-512, shared and noisy; only the ratios count):
see benchmarks/README.md, with the command that made them.

Smoke test of the harness (seconds):

  python -m benchmarks.rnn_throughput --quick --out=/tmp/quick.json
"""

import collections
import functools
import datetime
import gc
import importlib
import json
import os
import platform
import sys
import tempfile

from absl import app
from absl import flags
from absl import logging

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import tensorflow as tf  # pylint: disable=g-import-not-at-top

from benchmarks import common  # pylint: disable=g-import-not-at-top
from tf1seq import files  # pylint: disable=g-import-not-at-top

FLAGS = flags.FLAGS

BASELINE = "tf_legacy"
TORCH = "torch"  # The second reference: each row's ratios to it too.
SEED = 0  # Of the data and the weights.
Variant = collections.namedtuple("Variant", "label host")
VARIANTS = collections.OrderedDict([
    ("tf_legacy", Variant(
        "TF legacy BasicLSTMCell + tf.compat.v1.nn.dynamic_rnn", "graph")),
    ("tf1seq_reference", Variant(
        "tf1seq BasicLSTMCell + tf.compat.v1.nn.dynamic_rnn", "graph")),
    ("tf1seq_fast", Variant(
        "tf1seq BasicLSTMCell + tf1seq.rnn.dynamic_rnn", "graph")),
    ("tf1seq_xla", Variant(
        "  same, loops XLA-compiled (TF1SEQ_LSTM_KERNEL=0)", "graph")),
    ("tf_block_lstm", Variant(
        "TensorFlow's fused C++ BlockLSTMV2 op per layer", "graph")),
    ("tf_legacy_cfv1", Variant("  same, control flow v1", "graph_cfv1")),
    ("tf1seq_reference_cfv1", Variant("  same, control flow v1",
                                      "graph_cfv1")),
    ("tf1seq_fast_cfv1", Variant("  same, control flow v1", "graph_cfv1")),
    ("keras", Variant("Keras 3 LSTM, train_on_batch", "keras")),
    ("keras_xla", Variant("Keras 3 LSTM, train_on_batch, jit_compile",
                          "keras")),
    ("torch", Variant("PyTorch torch.nn.LSTM (CPU)", "torch")),
])
# Table order: each control-flow-v1 row under its control-flow-v2 row.
TABLE_ORDER = ("tf_legacy", "tf_legacy_cfv1", "tf1seq_reference",
               "tf1seq_reference_cfv1", "tf1seq_fast", "tf1seq_fast_cfv1",
               "tf1seq_xla", "tf_block_lstm",
               "keras", "keras_xla", "torch")
QUICK_DEFAULTS = {"shapes": ["tiny"], "repeats": 2, "steps": 1,
                  "warm_up": 1, "memory_steps": 2}

flags.DEFINE_list("shapes", list(common.DEFAULT_SHAPES),
                  "Shapes to run, of: %s." % ", ".join(common.SHAPES))
flags.DEFINE_list("variants", list(VARIANTS),
                  "Variants to run, of: %s." % ", ".join(VARIANTS))
flags.DEFINE_integer("repeats", 5, "Timed rounds per shape.")
flags.DEFINE_integer("steps", 0, "Training steps (and batch-128 forward "
                     "calls) per timed sample; batch-1 latency takes "
                     "3 x as many calls. 0: the shape's default (mnist 10, "
                     "char_lm 3, long_seq 3).")
flags.DEFINE_integer("warm_up", 2, "Untimed steps per variant first.")
flags.DEFINE_bool("memory", True, "Measure each variant's peak RSS in a "
                  "process of its own.")
flags.DEFINE_integer("memory_steps", 5, "Training steps before reading the "
                     "peak RSS.")
flags.DEFINE_string("torch_python", None,
                    "Interpreter with torch for the torch variant; default: "
                    "$TORCH_PYTHON, then %s, the first that imports torch." %
                    ", ".join(common.TORCH_PYTHON_CANDIDATES))
flags.DEFINE_string("torch_omp_wait_policy", "",
                    "OMP_WAIT_POLICY of the torch processes (empty: leave "
                    "as is, PyTorch's default). With --noisolate, PASSIVE "
                    "keeps an idle torch worker from spinning beside "
                    "TensorFlow.")
flags.DEFINE_bool("isolate", True,
                  "Every round starts each variant in a process of its own "
                  "and ends it before the next variant starts, so no two "
                  "variants (PyTorch and TensorFlow above all) share the "
                  "machine; --noisolate keeps one long-lived process per "
                  "kind of variant.")
flags.DEFINE_bool("quick", False, "A tiny smoke run of the harness: "
                  "defaults --shapes=tiny --repeats=2 --steps=1 --warm_up=1 "
                  "--memory_steps=2 unless given.")
flags.DEFINE_string("child_log_dir", None, "Child processes' logs; default: a "
                    "new temporary directory.")
# Internal: how this module runs its own child processes.
flags.DEFINE_bool("worker", False, "Internal: serve runners on "
                  "stdin/stdout.")
flags.DEFINE_bool("control_flow_v1", False, "Internal: with --worker or "
                  "--memory_probe, disable control flow v2 first.")
flags.DEFINE_string("memory_probe", None, "Internal: VARIANT:SHAPE; train "
                    "--memory_steps steps, print the peak RSS as JSON.")

for _name in ("repeats", "memory_steps", "warm_up"):
  flags.register_validator(_name, lambda n: n > 0,
                           message="--%s must be positive." % _name)
flags.register_validator("steps", lambda n: n >= 0,
                         message="--steps must be >= 0.")
flags.register_validator(
    "shapes", lambda names: all(n in common.SHAPES for n in names),
    message="--shapes must be among: %s." % ", ".join(common.SHAPES))
flags.register_validator(
    "variants", lambda names: all(n in VARIANTS for n in names),
    message="--variants must be among: %s." % ", ".join(VARIANTS))


class NotAvailable(Exception):
  """A variant that cannot run here; the message says why."""


# -- TF1 graph variants.


def _graph_parts(variant):
  """(cell class, MultiRNNCell class, dense, dynamic_rnn) of a variant."""
  base = variant[:-len("_cfv1")] if variant.endswith("_cfv1") else variant
  if base == "tf_legacy":
    rnn_cell_impl = importlib.import_module(
        "tensorflow.python.keras.layers.legacy_rnn.rnn_cell_impl")
    legacy_layers = importlib.import_module(
        "tensorflow.python.keras.legacy_tf_layers.core")
    return (rnn_cell_impl.BasicLSTMCell, rnn_cell_impl.MultiRNNCell,
            legacy_layers.dense, tf.compat.v1.nn.dynamic_rnn)
  layers = importlib.import_module("tf1seq.layers")
  rnn_cell = importlib.import_module("tf1seq.rnn_cell")
  if base == "tf_block_lstm":
    return (_BlockLSTMLayers, _BlockLSTMLayers.stack, layers.dense,
            _block_lstm_rnn)
  dynamic_rnn = tf.compat.v1.nn.dynamic_rnn
  if base in ("tf1seq_fast", "tf1seq_xla"):
    try:
      dynamic_rnn = importlib.import_module("tf1seq.rnn").dynamic_rnn
    except ImportError as e:
      raise NotAvailable("not available (tf1seq.rnn: %s)" % e)
    if base == "tf1seq_xla":
      dynamic_rnn = _without_kernels(dynamic_rnn)
  return (rnn_cell.BasicLSTMCell, rnn_cell.MultiRNNCell, layers.dense,
          dynamic_rnn)


def _without_kernels(dynamic_rnn):
  """`dynamic_rnn` building its loops on TensorFlow ops (no C++ kernels)."""
  environment = importlib.import_module("tf1seq.lstm_kernel").ENV

  def build(*args, **kwargs):
    saved = os.environ.get(environment)
    os.environ[environment] = "0"
    try:
      return dynamic_rnn(*args, **kwargs)
    finally:
      if saved is None:
        del os.environ[environment]
      else:
        os.environ[environment] = saved

  return build


class _BlockLSTMLayers(object):
  """Layer sizes of a `tf_block_lstm` stack, with a cell's `zero_state`."""

  def __init__(self, units, layers=1):
    self.units, self.layers = units, layers

  @classmethod
  def stack(cls, cells):
    return cls(cells[0].units, len(cells))

  def zero_state(self, batch, dtype):
    del batch, dtype  # BlockLSTMV2 starts from zeros given below.
    return None


def _block_lstm_rnn(cell, inputs, initial_state, scope):
  """`dynamic_rnn` on TensorFlow's `BlockLSTMV2` op, one op per layer.

  Returns batch-major outputs and, per layer, `LSTMStateTuple` final
  states (a tuple of them for more than one layer).
  """
  del initial_state  # Zeros.
  rnn_cell = importlib.import_module("tf1seq.rnn_cell")
  x = tf.transpose(inputs, [1, 0, 2])
  steps, batch = tf.shape(x)[0], tf.shape(x)[1]
  zeros = tf.zeros(tf.stack([batch, cell.units]))
  no_peephole = tf.zeros([cell.units])
  states = []
  with tf.compat.v1.variable_scope(scope):
    for layer in range(cell.layers):
      with tf.compat.v1.variable_scope("layer_%d" % layer):
        depth = x.shape[-1]
        kernel = tf.compat.v1.get_variable(
            "kernel", [depth + cell.units, 4 * cell.units])
        bias = tf.compat.v1.get_variable(
            "bias", [4 * cell.units], initializer=tf.zeros_initializer())
        outputs = tf.raw_ops.BlockLSTMV2(
            seq_len_max=tf.cast(steps, tf.int64), x=x, cs_prev=zeros,
            h_prev=zeros, w=kernel, wci=no_peephole, wcf=no_peephole,
            wco=no_peephole, b=bias, cell_clip=0.0, use_peephole=False)
        cs, x = outputs[1], outputs[6]
        states.append(rnn_cell.LSTMStateTuple(cs[-1], x[-1]))
  state = tuple(states) if cell.layers > 1 else states[0]
  return tf.transpose(x, [1, 0, 2]), state


def build_graph_logits(shape, inputs, parts):
  """The shape's model in TF1 style; returns its logits.

  Args:
    shape: a `common.Shape`.
    inputs: placeholder `[None, steps, features]` float32 or
      `[None, steps]` int32 ids.
    parts: `_graph_parts(variant)`.

  Returns:
    Logits `[batch, steps, classes]` if `shape.per_step`, else
    `[batch, classes]`.
  """
  cell_class, multi_class, dense, dynamic_rnn = parts
  batch = tf.shape(inputs)[0]
  x = inputs
  if shape.vocab:
    embedding = tf.compat.v1.get_variable(
        "embedding", [shape.vocab, shape.embedding])
    x = tf.nn.embedding_lookup(embedding, x)
  if shape.projection:
    x = dense(tf.reshape(x, [-1, shape.features]), shape.projection,
              name="dense")
    x = tf.reshape(x, [-1, shape.steps, shape.projection])
  cells = [cell_class(shape.units) for _ in range(shape.layers)]
  cell = cells[0] if len(cells) == 1 else multi_class(cells)
  outputs, state = dynamic_rnn(
      cell, x, initial_state=cell.zero_state(batch, tf.float32),
      scope="rnn")
  if shape.per_step:
    logits = dense(tf.reshape(outputs, [-1, shape.units]), shape.classes,
                   name="logits")
    return tf.reshape(logits, [-1, shape.steps, shape.classes])
  final = state[-1] if shape.layers > 1 else state
  return dense(final.h, shape.classes, name="logits")


def session_config(threads):
  return tf.compat.v1.ConfigProto(intra_op_parallelism_threads=threads,
                                  inter_op_parallelism_threads=threads)


class GraphRunner(object):
  """A TF1 graph and session of one graph variant on one shape."""

  def __init__(self, variant, shape, threads, seed):
    parts = _graph_parts(variant)
    self._data = common.Data(shape, seed)
    graph = tf.Graph()
    with graph.as_default():
      tf.compat.v1.set_random_seed(seed)
      if shape.vocab:
        self._inputs = tf.compat.v1.placeholder(
            tf.int32, [None, shape.steps], name="inputs")
      else:
        self._inputs = tf.compat.v1.placeholder(
            tf.float32, [None, shape.steps, shape.features], name="inputs")
      self._labels = tf.compat.v1.placeholder(
          tf.int32, [None, shape.steps] if shape.per_step else [None],
          name="labels")
      self._logits = build_graph_logits(shape, self._inputs, parts)
      self._loss = tf.reduce_mean(
          tf.nn.sparse_softmax_cross_entropy_with_logits(
              labels=self._labels, logits=self._logits))
      self._train_op = tf.compat.v1.train.AdamOptimizer(0.001).minimize(
          self._loss)
      initialize = tf.compat.v1.global_variables_initializer()
      self.variable_names = [
          v.name for v in tf.compat.v1.trainable_variables()]
    graph.finalize()
    self._session = tf.compat.v1.Session(graph=graph,
                                         config=session_config(threads))
    self._session.run(initialize)
    self._train_feed = {self._inputs: self._data.inputs,
                        self._labels: self._data.labels}

  def _train_step(self):
    return self._session.run([self._train_op, self._loss], self._train_feed)

  def _forward(self, inputs):
    return self._session.run(self._logits, {self._inputs: inputs})

  def warm_up(self, count):
    for _ in range(count):
      self._train_step()
      self._forward(self._data.infer_inputs)
      self._forward(self._data.latency_inputs)

  def train(self, count):
    return common.time_calls(self._train_step, count)

  def infer(self, count):
    return common.time_calls(
        lambda: self._forward(self._data.infer_inputs), count)

  def latency(self, count):
    return common.time_each_call(
        lambda: self._forward(self._data.latency_inputs), count)

  def close(self):
    self._session.close()


# -- Keras 3.


class KerasRunner(object):
  """`keras.layers.LSTM` model of one shape, compiled, on the TF backend."""

  def __init__(self, shape, jit_compile, seed):
    try:
      keras = importlib.import_module("keras")
    except ImportError as e:
      raise NotAvailable("not available (keras: %s)" % e)
    if keras.backend.backend() != "tensorflow":
      raise NotAvailable("not available (Keras backend is %s)" %
                         keras.backend.backend())
    keras.utils.set_random_seed(seed)
    self._data = common.Data(shape, seed)
    if shape.vocab:
      inputs = keras.Input((shape.steps,), dtype="int32")
      x = keras.layers.Embedding(shape.vocab, shape.embedding)(inputs)
    else:
      inputs = keras.Input((shape.steps, shape.features))
      x = inputs
    if shape.projection:
      x = keras.layers.Dense(shape.projection)(x)  # On every step.
    for layer in range(shape.layers):
      x = keras.layers.LSTM(
          shape.units,
          return_sequences=shape.per_step or layer < shape.layers - 1)(x)
    logits = keras.layers.Dense(shape.classes)(x)
    self._model = keras.Model(inputs, logits)
    self._model.compile(
        optimizer=keras.optimizers.Adam(0.001),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        jit_compile=jit_compile)

  def _train_step(self):
    return self._model.train_on_batch(self._data.inputs, self._data.labels)

  def _forward(self, inputs):
    return self._model.predict_on_batch(inputs)

  warm_up = GraphRunner.warm_up
  train = GraphRunner.train
  infer = GraphRunner.infer
  latency = GraphRunner.latency

  def close(self):
    self._model = None
    gc.collect()


# -- Building runners, here or in child processes.


def build_local_runner(variant, shape_name, threads, seed):
  """A runner in this process (graph and Keras variants)."""
  shape = common.SHAPES[shape_name]
  host = VARIANTS[variant].host
  if host in ("graph", "graph_cfv1"):
    return GraphRunner(variant, shape, threads, seed)
  if host == "keras":
    return KerasRunner(shape, variant == "keras_xla", seed)
  raise ValueError("variant %r does not run in this process" % variant)


def find_torch_python(flag_value):
  """The interpreter for PyTorch, or None."""
  # Everything `benchmarks.torch_lstm` imports, not only torch.
  modules = "torch, numpy, absl.app"
  if flag_value:
    return common.python_that_imports(modules, [flag_value])
  candidates = [os.environ.get("TORCH_PYTHON")]
  candidates += list(common.TORCH_PYTHON_CANDIDATES)
  return common.python_that_imports(modules, candidates)


class Hosts(object):
  """Makes runners where their variant lives, starting workers on demand."""

  def __init__(self, threads, log_dir, torch_python_flag, torch_environment):
    self._threads = threads
    self.torch_environment = torch_environment
    self._log_dir = log_dir
    self._torch_python_flag = torch_python_flag
    self._workers = {}
    self._dead = {}  # host: why its worker is unusable.
    self._torch_python = None
    self._started = 0

  @property
  def torch_python(self):
    if self._torch_python is None:
      self._torch_python = find_torch_python(self._torch_python_flag) or ""
    return self._torch_python

  def _worker(self, host):
    if host not in self._workers:
      command, environment = self._command(host)
      self._workers[host] = common.RemoteWorker(
          command + ["--threads=%d" % self._threads, "--worker"],
          os.path.join(self._log_dir, "%s_worker.log" % host), environment)
    return self._workers[host]

  def _command(self, host):
    """`(command, environment)` of a worker process for `host`."""
    if host == "torch":
      return ([self.torch_python, "-m", "benchmarks.torch_lstm"],
              self.torch_environment)
    command = [sys.executable, "-m", "benchmarks.rnn_throughput"]
    if host == "graph_cfv1":
      command.append("--control_flow_v1")
    return command, None

  def isolated_runner(self, variant, shape_name):
    """`variant`'s runner alone in a new process, ended by `close()`.

    Raises:
      NotAvailable: if the variant cannot run here.
    """
    host = VARIANTS[variant].host
    if host == "torch" and not self.torch_python:
      raise NotAvailable("not installed (%s)" % common.TORCH_INSTALL)
    command, environment = self._command(host)
    self._started += 1
    worker = common.RemoteWorker(
        command + ["--threads=%d" % self._threads, "--worker"],
        os.path.join(self._log_dir, "%s_%s_%d.log" % (
            variant, shape_name, self._started)), environment)
    try:
      worker.call(op="build", key="1", variant=variant, shape=shape_name)
    except (RuntimeError, OSError):
      worker.close()
      raise
    return common.OwnedRunner(worker, "1")

  def runner(self, variant, shape_name):
    """Builds `variant`'s runner for a shape.

    Raises:
      NotAvailable: if the variant cannot run here.
    """
    host = VARIANTS[variant].host
    if host == "torch" and not self.torch_python:
      raise NotAvailable("not installed (%s)" % common.TORCH_INSTALL)
    if host in ("torch", "graph_cfv1"):
      if host in self._dead:
        raise NotAvailable(self._dead[host])
      try:
        return self._worker(host).runner(variant, shape_name)
      except (RuntimeError, OSError) as e:
        # A worker that exited stays dead for the remaining shapes (its
        # pipe is closed); the first failure says why.
        self._dead[host] = "not available (%s)" % e
        raise NotAvailable(self._dead[host])
    return build_local_runner(variant, shape_name, self._threads, SEED)

  def memory_probe_command(self, variant, shape_name, steps):
    host = VARIANTS[variant].host
    if host == "torch":
      return [self.torch_python, "-m", "benchmarks.torch_lstm",
              "--memory_probe=%s" % shape_name, "--memory_steps=%d" % steps,
              "--threads=%d" % self._threads]
    command = [sys.executable, "-m", "benchmarks.rnn_throughput",
               "--memory_probe=%s:%s" % (variant, shape_name),
               "--memory_steps=%d" % steps, "--threads=%d" % self._threads]
    if host == "graph_cfv1":
      command.append("--control_flow_v1")
    return command

  def close(self):
    for worker in self._workers.values():
      worker.close()
    self._workers = {}


def _versions(torch_python):
  versions = {"python": platform.python_version(),
              "tensorflow": tf.__version__}
  try:
    versions["keras"] = importlib.import_module("keras").__version__
  except ImportError:
    versions["keras"] = None
  versions["torch"] = None
  if torch_python:
    try:
      versions["torch"] = common.run_json_child(
          [torch_python, "-c", "import json, torch; "
           "print(json.dumps(torch.__version__))"], timeout=300)
    except RuntimeError:
      pass
  return versions


def run(shape_names, variants, repeats, steps, warm_up, threads, memory,
        memory_steps, torch_python=None, log_dir=None,
        torch_omp_wait_policy="", isolate=True):
  """Measures `variants` on every shape; returns the results dict.

  Args:
    shape_names: keys of `common.SHAPES`.
    variants: keys of `VARIANTS`.
    repeats: timed rounds per shape.
    steps: steps per sample; 0 for each shape's default.
    warm_up: untimed steps per variant.
    threads: intra- and inter-op threads per variant.
    memory: whether to measure peak RSS in child processes.
    memory_steps: training steps before reading it.
    torch_python: --torch_python.
    log_dir: child processes' logs; default a temporary directory.
    torch_omp_wait_policy: OMP_WAIT_POLICY of the torch processes, or
      empty.
    isolate: each variant in a fresh process of its own every round.

  Returns:
    Dict with "config" and "shapes": shape name -> {"description",
    "steps", "baseline", "rows": variant -> row}; a row has "label",
    "status" ("ok" or why not) and, if ok, `common.summarize`'s keys and
    "peak_rss_mb" (number or why not), "peak_rss_ratio".
  """
  log_dir = log_dir or tempfile.mkdtemp(prefix="rnn_throughput_")
  torch_environment = ({"OMP_WAIT_POLICY": torch_omp_wait_policy}
                       if torch_omp_wait_policy else {})
  hosts = Hosts(threads, log_dir, torch_python, torch_environment)
  variants = [v for v in TABLE_ORDER if v in variants]
  results = {"shapes": {}}
  try:
    for shape_name in shape_names:
      shape = common.SHAPES[shape_name]
      shape_steps = steps or shape.train_steps
      runners = {}
      rows = collections.OrderedDict()
      for variant in variants:
        rows[variant] = {"label": VARIANTS[variant].label, "status": "ok"}
        logging.info("building %s on %s", variant, shape_name)
        try:
          if isolate:
            if VARIANTS[variant].host == "torch" and not hosts.torch_python:
              raise NotAvailable("not installed (%s)" % common.TORCH_INSTALL)
            runners[variant] = functools.partial(hosts.isolated_runner,
                                                 variant, shape_name)
          else:
            runners[variant] = hosts.runner(variant, shape_name)
        except NotAvailable as e:
          rows[variant]["status"] = str(e)
        except Exception as e:  # pylint: disable=broad-except
          logging.exception("building %s on %s", variant, shape_name)
          rows[variant]["status"] = "failed to build: %s: %s" % (
              type(e).__name__, str(e).strip().splitlines()[0])
      samples = common.measure(runners, shape, repeats, shape_steps,
                               warm_up, log=logging.info, fresh=isolate)
      if not isolate:
        for runner in runners.values():
          runner.close()
      gc.collect()
      baseline = samples.get(BASELINE)
      if baseline is not None and "error" in baseline:
        baseline = None
      torch_samples = samples.get(TORCH)
      if torch_samples is not None and "error" in torch_samples:
        torch_samples = None
      for variant, variant_samples in samples.items():
        if "error" in variant_samples:
          rows[variant]["status"] = variant_samples["error"]
        else:
          rows[variant].update(common.summarize(variant_samples, baseline))
          if torch_samples is not None and variant != TORCH:
            rows[variant]["x_torch"] = common.ratios_to(variant_samples,
                                                        torch_samples)
      results["shapes"][shape_name] = {
          "description": shape.describe(), "steps": shape_steps,
          "baseline": BASELINE, "rows": rows}
    if memory:
      _measure_memory(results, hosts, memory_steps)
  finally:
    hosts.close()
  results["config"] = {
      "repeats": repeats, "warm_up": warm_up, "threads": threads,
      "memory_steps": memory_steps if memory else None, "seed": SEED,
      "cpu_count": os.cpu_count(), "machine": platform.machine(),
      "versions": _versions(hosts.torch_python),
      "torch_python": hosts.torch_python or None,
      "torch_environment": torch_environment, "isolate": isolate,
      "date": datetime.datetime.now().isoformat(timespec="seconds"),
      "log_dir": log_dir}
  return results


def _measure_memory(results, hosts, memory_steps):
  """Adds each ok row's peak RSS, from a child process per variant."""
  for shape_name, shape_results in results["shapes"].items():
    rows = shape_results["rows"]
    for variant, row in rows.items():
      if row["status"] != "ok":
        continue
      logging.info("peak RSS of %s on %s", variant, shape_name)
      try:
        environment = (hosts.torch_environment
                       if VARIANTS[variant].host == "torch" else None)
        probe = common.run_json_child(
            hosts.memory_probe_command(variant, shape_name, memory_steps),
            environment=environment)
        row["peak_rss_mb"] = probe["peak_rss_mb"]
        row["import_rss_mb"] = probe.get("import_rss_mb")
      except (RuntimeError, ValueError) as e:
        row["peak_rss_mb"] = "failed"
        logging.warning("peak RSS of %s on %s: %s", variant, shape_name, e)
    baseline = rows.get(BASELINE, {}).get("peak_rss_mb")
    for row in rows.values():
      memory = row.get("peak_rss_mb")
      if isinstance(baseline, float) and isinstance(memory, float):
        row["peak_rss_ratio"] = memory / baseline


def format_results(results):
  """One table per shape, as printed."""
  config = results["config"]
  tables = []
  for shape_name, shape_results in results["shapes"].items():
    title = ("%s: %s\n%d rounds of %d steps, %d threads; x base: speed "
             "relative to %s (> 1: faster), memory relative to it" % (
                 shape_name, shape_results["description"], config["repeats"],
                 shape_results["steps"], config["threads"],
                 shape_results["baseline"]))
    rows = []
    for variant in TABLE_ORDER:
      row = shape_results["rows"].get(variant)
      if row is None:
        continue
      label = "%s  %s" % (variant.ljust(21), row["label"])
      rows.append((label, row if row["status"] == "ok"
                   else {"error": row["status"]}))
    table = common.format_table(title, rows)
    against_torch = [
        "  %s  train %.2f  infer %.2f  latency %.2f" % (
            variant.ljust(21), row["x_torch"]["train"],
            row["x_torch"]["infer"], row["x_torch"]["latency"])
        for variant in TABLE_ORDER
        for row in [shape_results["rows"].get(variant)]
        if row is not None and "x_torch" in row]
    if against_torch:
      table += ("\nx PyTorch (median of per-round ratios to %s, > 1: "
                "faster):\n" % TORCH) + "\n".join(against_torch)
    tables.append(table)
  return "\n\n".join(tables)


# -- Child processes.


def _set_threads(threads):
  """Eager (Keras) thread pools; possible only before TF starts them."""
  try:
    tf.config.threading.set_intra_op_parallelism_threads(threads)
    tf.config.threading.set_inter_op_parallelism_threads(threads)
  except RuntimeError:
    logging.warning("TensorFlow already started: thread counts unchanged")


def _memory_probe(spec, steps, threads):
  variant, shape_name = spec.split(":")
  import_rss = common.peak_rss_mb()
  runner = build_local_runner(variant, shape_name, threads, SEED)
  runner.train(steps)
  return {"peak_rss_mb": common.peak_rss_mb(), "import_rss_mb": import_rss}


def main(argv):
  del argv  # Unused.
  if FLAGS.control_flow_v1:
    tf.compat.v1.disable_control_flow_v2()
  _set_threads(FLAGS.threads)
  if FLAGS.worker:
    requests, replies = common.protocol_streams()
    common.serve(
        lambda variant, shape_name: build_local_runner(
            variant, shape_name, FLAGS.threads, SEED),
        requests, replies)
    return
  if FLAGS.memory_probe:
    probe = _memory_probe(FLAGS.memory_probe, FLAGS.memory_steps,
                          FLAGS.threads)
    sys.stdout.write(json.dumps(probe) + "\n")
    return
  settings = {name: FLAGS[name].value for name in QUICK_DEFAULTS}
  if FLAGS.quick:
    for name, value in QUICK_DEFAULTS.items():
      if not FLAGS[name].present:
        settings[name] = value
  results = run(settings["shapes"], FLAGS.variants, settings["repeats"],
                settings["steps"], settings["warm_up"], FLAGS.threads,
                FLAGS.memory, settings["memory_steps"],
                FLAGS.torch_python, FLAGS.child_log_dir,
                FLAGS.torch_omp_wait_policy, FLAGS.isolate)
  results["config"]["command"] = " ".join(
      ["python -m benchmarks.rnn_throughput"] + sys.argv[1:])
  print(format_results(results))
  if FLAGS.out:
    files.write_json_atomically(FLAGS.out, results, sort_keys=False)
    logging.info("wrote %s", FLAGS.out)


if __name__ == "__main__":
  app.run(main)
