"""The training loop every tf1seq trainer runs, written once.

A trainer supplies its model, feeds and evaluation as a `Trainer`; `train`
owns the rest: the monitored session (single process or one task of a
parameter-server cluster), hooks, checkpoints, resume, progress and ETA,
periodic evaluation with summaries in `model_dir/eval` (so TensorBoard
overlays them on training's), and the final evaluation of the final
checkpoint. Paths go through `tf.io.gfile`.

It also owns what goes wrong in production (docs/reliability.md):
  * resume reads the newest checkpoint back whole first and falls back to
    the newest intact one, naming each damaged one (left in place);
  * SIGTERM or SIGINT finishes the current step, checkpoints and returns
    (`metrics["interrupted"]`); a second signal exits at once;
  * one run per model_dir: the chief holds `model_dir/train.lock`, naming
    its pid, host and start time; a dead holder's lock is taken over;
  * a checkpoint that cannot be written fails naming its path and cause,
    and the previous one stays as it was;
  * `export_once` exports a checkpoint only if the newest version does not
    hold it already.

Usage:

  class MyTrainer(loop.Trainer):
    def build(self, task): ...          # the graph; returns the model
    def run_step(self, session, step): ...
    def evaluate(self, run, step, final): ...

  metrics = loop.train(MyTrainer(...), model_dir, total_steps)
"""

import datetime
import json
import os
import re
import signal
import socket
import sys
import threading
import time
import uuid

from absl import logging
import numpy as np
import tensorflow as tf

from tf1seq import export
from tf1seq import files
from tf1seq import rnn

from . import cluster

EVAL_DIR = "eval"
LOCK_FILE = "train.lock"
# MonitoredTrainingSession's checkpoint files: model.ckpt-<step>.index, ...
_CHECKPOINT_FILE_RE = re.compile(
    r"^(model\.ckpt-(\d+))\.(index|data-\d{5}-of-\d{5})$")
_STEP_RE = re.compile(r"-(\d+)$")


class StartError(ValueError):
  """model_dir cannot be trained in as it is; nothing was written."""


class IncompatibleCheckpointError(StartError):
  """The checkpoint in model_dir was written by a different graph."""


class DamagedCheckpointError(StartError):
  """No checkpoint in model_dir reads back whole."""


class ModelDirLockedError(StartError):
  """Another live run holds model_dir."""


class CheckpointWriteError(OSError):
  """A checkpoint could not be written (e.g. the disk is full)."""


def format_duration(seconds):
  """`3725` -> `1h02m05s`; `65` -> `1m05s`; `9` -> `9s`."""
  seconds = int(round(max(seconds, 0)))
  hours, rest = divmod(seconds, 3600)
  minutes, secs = divmod(rest, 60)
  if hours:
    return "%dh%02dm%02ds" % (hours, minutes, secs)
  if minutes:
    return "%dm%02ds" % (minutes, secs)
  return "%ds" % secs


class Progress(object):
  """Throughput and ETA, smoothed over the intervals since the start.

  The rate is an exponential moving average of the seconds per step of
  each interval (weight `smoothing` for the newest), so one slow interval
  (an evaluation, a checkpoint) moves the ETA a little, not all the way.
  """

  def __init__(self, total_steps, examples_per_step, clock=time.time,
               smoothing=0.3):
    self._total_steps = total_steps
    self._examples_per_step = examples_per_step
    self._clock = clock
    self._smoothing = smoothing
    self._last_time = None
    self._last_step = None
    self._seconds_per_step = None
    self.examples_per_sec = 0.0
    self.eta_seconds = None

  def start(self, step):
    """Marks the step the measurement starts from (after a resume too)."""
    self._last_time = self._clock()
    self._last_step = step

  def update(self, step):
    """Recomputes examples/sec and the ETA at `step`."""
    now = self._clock()
    if self._last_time is None:
      self.start(step)
      return
    steps = step - self._last_step
    elapsed = now - self._last_time
    if steps > 0 and elapsed > 0:
      latest = elapsed / steps
      if self._seconds_per_step is None:
        self._seconds_per_step = latest
      else:
        self._seconds_per_step += self._smoothing * (
            latest - self._seconds_per_step)
      self.examples_per_sec = self._examples_per_step / self._seconds_per_step
      self.eta_seconds = self._seconds_per_step * max(
          self._total_steps - step, 0)
    self._last_time = now
    self._last_step = step

  def __str__(self):
    eta = ("?" if self.eta_seconds is None
           else format_duration(self.eta_seconds))
    return "%.0f ex/s eta %s" % (self.examples_per_sec, eta)


def _cause(error):
  """The gist of an exception's message (of an OpError: without the trace).

  A graph-mode OpError's message is "Graph execution error: Detected at node
  ... defined at (most recent call last): <Python trace> Node: '...'", then
  the cause, then "[[{{node ...}}]]".
  """
  message = getattr(error, "message", None) or str(error)
  lines = message.strip().splitlines()
  nodes = [i for i, line in enumerate(lines) if line.startswith("Node: '")]
  if nodes:
    lines = lines[nodes[-1] + 1:]
  lines = [line.strip() for line in lines
           if line.strip() and not line.strip().startswith("[[")]
  return " ".join(lines) or type(error).__name__


def verify_checkpoint(checkpoint):
  """Reads every tensor of `checkpoint`; returns None or what is wrong.

  TensorFlow's reader checks each tensor's stored CRC32C against the bytes
  read, so a zeroed or otherwise altered data file is caught, as are
  truncated and missing files and an unreadable index.

  Args:
    checkpoint: a checkpoint prefix (`.../model.ckpt-20`).

  Returns:
    None if every tensor reads back whole, else the cause as a string.
  """
  try:
    reader = files.checkpoint_reader(checkpoint)
    for name in reader.get_variable_to_shape_map():
      reader.get_tensor(name)
  except Exception as e:  # pylint: disable=broad-except
    # The reader raises OpErrors, but also IndexError on a short read.
    return _cause(e)
  return None


def _checkpoint_candidates(model_dir):
  """Checkpoint prefixes in `model_dir`, oldest first.

  Those the state file names and those whose files are there (a state file
  may be missing, unreadable or behind), each as `model_dir/<basename>` so
  that a moved model_dir still works.
  """
  names = {}
  state_path = os.path.join(model_dir, "checkpoint")
  if tf.io.gfile.exists(state_path):
    try:
      state = tf.train.get_checkpoint_state(model_dir)
    except Exception:  # pylint: disable=broad-except
      state = None  # TensorFlow has logged why.
    if state is None:
      logging.warning("the checkpoint state file %s is unreadable; using the "
                      "checkpoint files in %s", state_path, model_dir)
    else:
      listed = list(state.all_model_checkpoint_paths)
      listed.append(state.model_checkpoint_path)
      for position, path in enumerate(listed):
        if path:
          names.setdefault(os.path.basename(path), position)
  if tf.io.gfile.isdir(model_dir):
    for name in tf.io.gfile.listdir(model_dir):
      match = _CHECKPOINT_FILE_RE.match(name)
      if match:
        names.setdefault(match.group(1), -1)

  def order(name):
    step = _STEP_RE.search(name)
    return (int(step.group(1)) if step else -1, names[name])

  return [os.path.join(model_dir, name) for name in sorted(names, key=order)]


def recover_checkpoint(model_dir):
  """Points model_dir's checkpoint state at its newest intact checkpoint.

  Reads the checkpoints back, newest first, until one reads whole. Each
  damaged one is named in a warning and left where it is; the state file
  (`model_dir/checkpoint`) is rewritten, atomically, to name the intact one
  and the older ones, so the session restores it and the Saver's rotation
  never deletes a damaged checkpoint. Checkpoints older than the intact one
  are not read.

  Args:
    model_dir: the directory that may hold checkpoints.

  Returns:
    `(checkpoint, damaged)`: the intact checkpoint to resume from (None if
    model_dir has none) and the damaged prefixes.

  Raises:
    DamagedCheckpointError: if there are checkpoints and none is intact,
      listing each with its cause; nothing is changed then.
  """
  candidates = _checkpoint_candidates(model_dir)
  damaged = []
  for index in range(len(candidates) - 1, -1, -1):
    checkpoint = candidates[index]
    problem = verify_checkpoint(checkpoint)
    if problem is None:
      break
    damaged.append((checkpoint, problem))
    logging.warning("the checkpoint %s is damaged (%s); it is left in "
                    "place and an older one is used", checkpoint, problem)
  else:
    if damaged:
      raise DamagedCheckpointError(
          "no checkpoint in %s reads back whole: %s. They were left in "
          "place; move them out of --model_dir to start afresh there." %
          (model_dir, "; ".join("%s (%s)" % d for d in damaged)))
    return None, []
  state = tf.train.get_checkpoint_state(model_dir) if not damaged else None
  kept = candidates[:index + 1]
  if (damaged or state is None or os.path.basename(
      state.model_checkpoint_path) != os.path.basename(checkpoint)):
    tf.compat.v1.train.update_checkpoint_state(
        model_dir, checkpoint, all_model_checkpoint_paths=kept)
  if damaged:
    logging.warning("resuming from %s, the newest intact checkpoint",
                    checkpoint)
  return checkpoint, [path for path, _ in damaged]


def _move_aside(prefix):
  """Renames the files of the checkpoint `prefix` to `prefix.damaged-T.*`."""
  aside = "%s.damaged-%d" % (prefix, int(time.time()))
  for path in tf.io.gfile.glob(prefix + ".*"):
    rest = path[len(prefix):]
    if not rest.startswith(".damaged"):
      tf.io.gfile.rename(path, aside + rest)
  logging.warning("the damaged checkpoint %s was moved to %s.* so that "
                  "this step's checkpoint does not replace it", prefix, aside)


class _Saver(tf.compat.v1.train.Saver):
  """A Saver that keeps damaged checkpoints and names what it cannot write.

  Attributes:
    damaged: checkpoint prefixes found damaged; one the run is about to
      write again (the same step) is first moved aside.
  """

  damaged = ()

  def save(self, sess, save_path, global_step=None, *args, **kwargs):
    prefix = save_path
    if isinstance(global_step, (int, np.integer)):
      prefix = "%s-%d" % (save_path, global_step)
    if prefix in self.damaged:
      _move_aside(prefix)
    try:
      return super(_Saver, self).save(sess, save_path, global_step, *args,
                                      **kwargs)
    except (tf.errors.OpError, OSError, ValueError) as e:
      previous = tf.train.latest_checkpoint(os.path.dirname(save_path))
      raise CheckpointWriteError(
          "could not write the checkpoint %s: %s. The previous checkpoint "
          "(%s) is unchanged." % (prefix, _cause(e), previous)) from e


def _process_start(pid):
  """The start time of process `pid` (clock ticks since boot), or None."""
  try:
    with open("/proc/%d/stat" % pid) as f:
      fields = f.read().rsplit(")", 1)[1].split()
  except (OSError, IndexError):
    return None
  if fields[0] in ("Z", "X"):  # Dead, not yet reaped.
    return "dead"
  return fields[19]


def _holder_alive(holder):
  """Whether the lock's process runs (None if it is on another host)."""
  if holder.get("host") != socket.gethostname():
    return None
  pid = holder.get("pid")
  if not isinstance(pid, int) or pid <= 0:
    return False
  try:
    os.kill(pid, 0)
  except ProcessLookupError:
    return False
  except PermissionError:
    pass  # Another user's live process.
  started = _process_start(pid)
  if started == "dead":
    return False
  # The pid of a dead run taken by another process.
  return not (started and holder.get("process_start") and
              started != holder["process_start"])


class ModelDirLock(object):
  """`model_dir/train.lock`: one run at a time writes to a model_dir.

  The file (JSON: pid, host, start time, command) is created whole or not at
  all (`files.create_exclusively`). A lock whose process is gone (a dead pid
  on this host, or a pid now used by another process) is taken over with a
  warning; a live holder's, or one on another host, refuses.
  """

  def __init__(self, model_dir):
    self.path = os.path.join(model_dir, LOCK_FILE)
    self._token = uuid.uuid4().hex
    self._held = False

  def acquire(self):
    """Takes the lock.

    Raises:
      ModelDirLockedError: naming the holder, if another run holds it.
      OSError: if the lock file cannot be written.
    """
    content = json.dumps({
        "pid": os.getpid(), "host": socket.gethostname(),
        "started": datetime.datetime.now(datetime.timezone.utc).strftime(
            "%Y-%m-%d %H:%M:%S UTC"),
        "process_start": _process_start(os.getpid()),
        "command": " ".join(sys.argv), "token": self._token},
                         indent=2, sort_keys=True) + "\n"
    for _ in range(3):
      try:
        files.create_exclusively(self.path, content)
        self._held = True
        return
      except FileExistsError:
        pass
      holder = self._read()
      if holder is None:
        continue  # Removed meanwhile, or half-readable: try again.
      alive = _holder_alive(holder)
      if alive is False:
        logging.warning("taking over %s: its run (pid %s on %s, started %s) "
                        "is gone", self.path, holder.get("pid"),
                        holder.get("host"), holder.get("started"))
        if self._read() == holder:
          tf.io.gfile.remove(self.path)
        continue
      raise ModelDirLockedError(
          "%s is in use by another run: pid %s on host %s, started %s (%s)."
          " Wait for it to finish or stop it, or use another --model_dir%s."
          % (os.path.dirname(self.path), holder.get("pid"),
             holder.get("host"), holder.get("started"),
             holder.get("command"),
             "" if alive else "; if that process is gone, delete " +
             self.path))
    raise ModelDirLockedError("could not take %s: other runs keep taking "
                              "it" % self.path)

  def _read(self):
    try:
      holder = files.read_json(self.path)
    except (tf.errors.OpError, OSError, ValueError):
      return None
    return holder if isinstance(holder, dict) else None

  def release(self):
    """Removes the lock file if this run still holds it."""
    if self._held:
      self._held = False
      holder = self._read()
      if holder is not None and holder.get("token") == self._token:
        tf.io.gfile.remove(self.path)


class _StopSignals(object):
  """SIGTERM/SIGINT: the first asks the loop to stop, a second exits."""

  SIGNALS = (signal.SIGTERM, signal.SIGINT)

  def __init__(self, prefix):
    self.received = None
    self._prefix = prefix
    self._previous = {}

  def __enter__(self):
    if threading.current_thread() is threading.main_thread():
      for number in self.SIGNALS:
        self._previous[number] = signal.signal(number, self._handle)
    return self

  def __exit__(self, *unused):
    for number, handler in self._previous.items():
      signal.signal(number, handler)
    self._previous = {}

  def _handle(self, number, unused_frame):
    name = signal.Signals(number).name
    if self.received is not None:
      logging.warning("%s%s again: exiting at once, without a checkpoint",
                      self._prefix, name)
      logging.flush()
      os._exit(128 + number)  # pylint: disable=protected-access
    self.received = name
    logging.warning("%s%s: finishing the current step, then checkpointing "
                    "and exiting (send it again to exit at once)",
                    self._prefix, name)


def export_once(export_dir, checkpoint, export_fn, force=False):
  """Exports `checkpoint` unless the newest version in `export_dir` holds it.

  Each version records the checkpoint it came from (path, global step and
  a digest of its index, in `assets.extra/tf1seq_source.json`); if the
  newest one's record is `checkpoint`'s, nothing is written.

  Args:
    export_dir: the versioned export directory.
    checkpoint: the checkpoint to export.
    export_fn: `export_fn()` writes the new version (with
      `tf1seq.export.export_saved_model`) and returns its path.
    force: write a new version even so.

  Returns:
    The path of the version that holds `checkpoint`.
  """
  source = export.checkpoint_source(checkpoint)
  newest = export.newest_version(export_dir)
  if (newest and not force and
      export.same_source(export.version_source(newest), source)):
    logging.info("%s holds the checkpoint %s (step %s) already: nothing "
                 "exported (--force_export writes a new version anyway)",
                 newest, checkpoint, source["global_step"])
    return newest
  with export.recording_source(source):
    return export_fn()


def check_checkpoint_compatible(model_dir, graph, flags_hint,
                                checkpoint=None):
  """Refuses a checkpoint in `model_dir` that `graph` cannot restore.

  Compares every global variable of `graph` (but `global_step`) with the
  latest checkpoint's variables by name and shape, before any restore, so
  that the user gets one clear message instead of a restore failure deep in
  a session.

  Args:
    model_dir: the directory that may hold checkpoints.
    graph: the graph about to restore them.
    flags_hint: the flags that shape the variables, named in the message.
    checkpoint: the checkpoint to check; default the latest in `model_dir`.

  Returns:
    The checkpoint path, or None if there is none.

  Raises:
    IncompatibleCheckpointError: naming the first variables that differ.
  """
  if checkpoint is None:
    checkpoint = tf.train.latest_checkpoint(model_dir)
  if checkpoint is None:
    return None
  saved = files.checkpoint_reader(checkpoint).get_variable_to_shape_map()
  problems = []
  with graph.as_default():
    variables = tf.compat.v1.global_variables()
  for variable in variables:
    name = variable.op.name
    shape = variable.shape.as_list()
    if name not in saved:
      problems.append("%s %s is not in the checkpoint" % (name, shape))
    elif list(saved[name]) != shape:
      problems.append("%s has shape %s in the checkpoint, %s in this graph"
                      % (name, list(saved[name]), shape))
  if problems:
    raise IncompatibleCheckpointError(
        "the checkpoint %s in --model_dir was written by a different model: "
        "%s%s. Use the flags it was trained with (%s) or another "
        "--model_dir; nothing was changed." %
        (checkpoint, "; ".join(problems[:3]),
         " (and %d more)" % (len(problems) - 3) if len(problems) > 3 else "",
         flags_hint))
  return checkpoint


def session_config(intra_op_threads=0, inter_op_threads=0):
  """A ConfigProto with the given thread counts (0: TensorFlow decides)."""
  return tf.compat.v1.ConfigProto(
      intra_op_parallelism_threads=intra_op_threads,
      inter_op_parallelism_threads=inter_op_threads,
      allow_soft_placement=True)


def scalar_summary(tag, value):
  """A Summary proto with one scalar, for values computed outside the graph."""
  return tf.compat.v1.Summary(
      value=[tf.compat.v1.Summary.Value(tag=tag, simple_value=float(value))])


def crossed(previous, step, interval):
  """Whether a multiple of `interval` is in `(previous, step]`."""
  return step // interval > previous // interval


class Trainer(object):
  """What a trainer gives `train`: its graph, steps and evaluation.

  Attributes a subclass sets:
    steps_per_epoch: steps in one pass over the training data.
    examples_per_step: for the examples/sec figure.
    graph_flags: the flags that shape the variables (named when a
      checkpoint in model_dir does not fit).
    seed: the graph-level random seed.
  """

  steps_per_epoch = 1
  examples_per_step = 1
  graph_flags = ""
  seed = 1

  def build(self, task):
    """Builds the training graph in the current graph.

    Returns:
      An object with `global_step` (the variable) and `hooks` (what the
      optimizer needs, e.g. for synchronous replicas).
    """
    raise NotImplementedError

  def start(self, run, step):
    """Called when the session is ready at global `step` (also on resume).

    Args:
      run: `run(fetches, feed_dict=None)` without hooks.
      step: the global step.
    """

  def run_step(self, session, step):
    """Runs one training step; returns `(new_global_step, loss, note)`.

    `note` (a string) follows the loss in the progress line.
    """
    raise NotImplementedError

  def evaluate(self, run, step, final):
    """Evaluates the model of the running session (chief only).

    Args:
      run: `run(function)` calls `function(raw_session)` without hooks.
      step: the global step.
      final: True for the final evaluation.

    Returns:
      `(entry, summaries, message)`: the history entry (dict), a dict of
      scalar summaries for `model_dir/eval`, and the log line's text.
    """
    raise NotImplementedError

  def evaluate_checkpoint(self, checkpoint, step):
    """`evaluate` of the model saved in `checkpoint` (the final figures).

    The default builds the training graph afresh, restores `checkpoint`
    and calls `evaluate`.
    """
    with tf.Graph().as_default() as graph:
      self.build(cluster.Task())
      saver = tf.compat.v1.train.Saver()
      with tf.compat.v1.Session(graph=graph) as session:
        session.run(tf.compat.v1.local_variables_initializer())
        saver.restore(session, checkpoint)
        return self.evaluate(lambda function: function(session), step,
                             final=True)


def setup_logging():
  """TensorFlow's log lines once: through absl's handler, not also its own.

  TensorFlow's logger has its own handler and also propagates to the root
  logger, where absl's handler prints every line a second time.
  """
  logger = tf.get_logger()
  for handler in list(logger.handlers):
    logger.removeHandler(handler)
  logger.propagate = True


def start_process(flag_values):
  """A trainer process's start: logging, `--xla`, its cluster task.

  Returns:
    The `cluster.Task`, or None in a parameter server (which has served
    and ended).
  """
  setup_logging()
  rnn.set_xla(flag_values.xla)
  return cluster.start(flag_values)


def worker_finished(task, metrics):
  """Logs a non-chief worker's end; True if this process is one."""
  if task.is_chief:
    return False
  logging.info("%s finished at global step %d (%d steps by this worker, "
               "%.0f examples/sec)", task.name, metrics["global_step"],
               metrics["steps_this_run"], metrics["examples_per_sec"])
  return True


def finish(model_dir, metrics, export_dir=None, export=None,
           force_export=False):
  """The chief's end: the export and metrics.json.

  A run stopped by a signal exports nothing (its figures are not final).

  Args:
    model_dir: where metrics.json goes.
    metrics: the run's metrics; `export_path` is added.
    export_dir: None, or the versioned export directory.
    export: `export()` exports the final checkpoint to export_dir and
      returns the version's path (see `export_once`).
    force_export: a new version even if the newest holds this checkpoint.
  """
  if export_dir and not metrics.get("interrupted"):
    metrics["export_path"] = export_once(export_dir, metrics["checkpoint"],
                                         export, force_export)
    logging.info("exported SavedModel to %s", metrics["export_path"])
  files.write_json_atomically(os.path.join(model_dir, "metrics.json"),
                              metrics)


def _record(history, writer, trainer_output, step, started):
  entry, summaries, message = trainer_output
  entry = dict(entry, wall_time_sec=time.time() - started)
  history.append(entry)
  for tag, value in summaries.items():
    if value is not None and np.isfinite(value):
      writer.add_summary(scalar_summary(tag, value), step)
  writer.flush()
  logging.info("step %d (epoch %.2f): %s", step, entry.get("epoch", 0.0),
               message)


def _run_steps(trainer, session, model, task, model_dir, total_steps,
               progress, history, eval_writer, started, eval_interval,
               log_every, max_train_seconds, signals):
  """`train`'s steps in the open `session`.

  Returns:
    `(steps run by this process, the global step reached)`.
  """

  def raw(function):
    """Runs `function(raw_session)` without the hooks."""
    return session.run_step_fn(
        lambda step_context: function(step_context.session))

  prefix = task.name + ": " if task.is_distributed else ""
  step = raw(lambda s: s.run(model.global_step))
  if step > 0 and task.is_chief:
    logging.info("resuming from step %d (epoch %.2f) in %s", step,
                 step / trainer.steps_per_epoch, model_dir)
  trainer.start(lambda *a, **k: raw(lambda s: s.run(*a, **k)), step)
  progress.start(step)
  local_steps = 0
  while (step < total_steps and not session.should_stop() and
         not signals.received):
    previous = step
    step, loss, note = trainer.run_step(session, step)
    local_steps += 1
    if crossed(previous, step, log_every) or step >= total_steps:
      progress.update(step)
      logging.info("%sstep %d/%d (epoch %.2f) loss %.4f%s %s", prefix, step,
                   total_steps, step / trainer.steps_per_epoch, loss, note,
                   progress)
    out_of_time = (max_train_seconds and
                   time.time() - started >= max_train_seconds)
    if (task.is_chief and step < total_steps and not out_of_time and
        not signals.received and crossed(previous, step, eval_interval)):
      _record(history, eval_writer,
              trainer.evaluate(raw, step, final=False), step, started)
    if out_of_time:
      logging.info("%sstopping after %.0f s (--max_train_seconds)", prefix,
                   time.time() - started)
      break
  return local_steps, step


def train(trainer, model_dir, total_steps, eval_every=0, log_every=100,
          save_checkpoint_steps=500, keep_checkpoint_max=5,
          max_train_seconds=0, config=None, task=None):
  """Trains (or resumes) `trainer` to `total_steps`; returns the metrics.

  With a distributed `task` (a `cluster.Task`) this process is one worker:
  only the chief (worker 0) locks model_dir, checks and recovers the
  checkpoint, evaluates, checkpoints and writes summaries.

  On SIGTERM or SIGINT (in the main thread) the current step finishes, the
  chief checkpoints, and this returns at once (no final evaluation) with
  `interrupted` set; a second signal ends the process at once (exit status
  128 + the signal's number).

  Args:
    trainer: a `Trainer`.
    model_dir: checkpoints and summaries (any `tf.io.gfile` path).
    total_steps: the global step to stop at.
    eval_every: evaluate every this many steps (0: every epoch).
    log_every: log and write training summaries every this many steps.
    save_checkpoint_steps: checkpoint every this many steps (and at the end).
    keep_checkpoint_max: checkpoints to keep.
    max_train_seconds: stop after this many seconds of this run (0: never).
    config: a `tf.compat.v1.ConfigProto`, or None.
    task: a `cluster.Task`; default single-process.

  Returns:
    A dict: `global_step` (of the final checkpoint), `checkpoint`,
    `steps_this_run`, `examples_per_sec`, `wall_time_sec`, `history` (the
    evaluation entries; the last one is the final checkpoint's unless
    interrupted), `interrupted` (the signal's name, or None).

  Raises:
    ModelDirLockedError: if another live run holds model_dir.
    DamagedCheckpointError: if model_dir has checkpoints and none is intact.
    IncompatibleCheckpointError: if model_dir holds another model's
      checkpoint (nothing is written then).
    CheckpointWriteError: if a checkpoint cannot be written; the previous
      one is unchanged.
  """
  task = task or cluster.Task()
  lock = ModelDirLock(model_dir) if task.is_chief else None
  if lock:
    lock.acquire()
  try:
    return _train(trainer, model_dir, total_steps, eval_every, log_every,
                  save_checkpoint_steps, keep_checkpoint_max,
                  max_train_seconds, config, task)
  finally:
    if lock:
      lock.release()


def _train(trainer, model_dir, total_steps, eval_every, log_every,
           save_checkpoint_steps, keep_checkpoint_max, max_train_seconds,
           config, task):
  """`train` once model_dir is held."""
  graph = tf.Graph()
  history = []
  prefix = task.name + ": " if task.is_distributed else ""
  with graph.as_default(), tf.compat.v1.device(task.device_setter()):
    tf.compat.v1.set_random_seed(trainer.seed)
    model = trainer.build(task)
    saver = _Saver(max_to_keep=keep_checkpoint_max)
    if task.is_chief:
      checkpoint, saver.damaged = recover_checkpoint(model_dir)
      check_checkpoint_compatible(model_dir, graph, trainer.graph_flags,
                                  checkpoint)
    scaffold = tf.compat.v1.train.Scaffold(saver=saver)
    hooks = [tf.compat.v1.train.StopAtStepHook(last_step=total_steps)]
    hooks += model.hooks
    eval_writer = (tf.compat.v1.summary.FileWriterCache.get(
        os.path.join(model_dir, EVAL_DIR)) if task.is_chief else None)
    progress = Progress(total_steps, trainer.examples_per_step)
    config = task.session_config(config if config is not None
                                 else tf.compat.v1.ConfigProto())
    started = time.time()
    local_steps = 0
    step = 0
    with _StopSignals(prefix) as signals, cluster.monitored_session(
        task, model_dir, scaffold, hooks, config,
        save_checkpoint_steps=save_checkpoint_steps,
        save_summaries_steps=log_every, log_step_count_steps=0) as session:
      local_steps, step = _run_steps(
          trainer, session, model, task, model_dir, total_steps, progress,
          history, eval_writer, started, eval_every or trainer.steps_per_epoch,
          log_every, max_train_seconds, signals)
      interrupted = signals.received
    # Leaving the session wrote the chief's checkpoint of the last step.
    elapsed = time.time() - started
  checkpoint = None
  if task.is_chief:
    eval_writer.flush()
    # The final figures are those of the final checkpoint: in a cluster,
    # other workers' last updates may land after this worker's last step.
    checkpoint = tf.train.latest_checkpoint(model_dir)
    step = int(files.checkpoint_reader(checkpoint).get_tensor("global_step"))
    if interrupted:
      logging.info("stopped by %s at step %d (epoch %.2f): checkpoint %s "
                   "written; run the same command again to continue from "
                   "there", interrupted, step, step / trainer.steps_per_epoch,
                   checkpoint)
    else:
      _record(history, eval_writer,
              trainer.evaluate_checkpoint(checkpoint, step), step, started)
  elif interrupted:
    logging.info("%sleft the cluster on %s after global step %d (%d steps "
                 "by this worker)", prefix, interrupted, step, local_steps)
  return {
      # Under asynchronous training the checkpoint's name may differ by one
      # from the global_step saved in it (another worker's update lands
      # between the two reads); global_step is the saved value, the one a
      # resume starts from.
      "checkpoint": checkpoint,
      "global_step": int(step),
      "steps_this_run": int(local_steps),
      "examples_per_sec": (local_steps * trainer.examples_per_step / elapsed
                           if elapsed > 0 else 0.0),
      "wall_time_sec": elapsed,
      "history": history,
      "interrupted": interrupted,
  }
