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

import os
import signal
import threading
import time

from absl import logging
import numpy as np
import tensorflow as tf

from tf1seq import export
from tf1seq import files
from tf1seq import rnn

from . import checkpoints
from . import cluster
from . import model_dir_lock

EVAL_DIR = "eval"


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
    path = export_fn()
  logging.info("exported SavedModel to %s", path)
  return path


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
    checkpoints.IncompatibleCheckpointError: if model_dir holds another model's
      checkpoint (nothing is written then).
    CheckpointWriteError: if a checkpoint cannot be written; the previous
      one is unchanged.
  """
  task = task or cluster.Task()
  lock = model_dir_lock.ModelDirLock(model_dir) if task.is_chief else None
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
    saver = checkpoints.CheckpointSaver(max_to_keep=keep_checkpoint_max)
    if task.is_chief:
      checkpoint, saver.damaged = checkpoints.recover_checkpoint(model_dir)
      checkpoints.check_checkpoint_compatible(model_dir, graph, trainer.graph_flags,
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
