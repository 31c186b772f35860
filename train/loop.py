"""What every tf1seq trainer shares: progress, checkpoint checks, metrics.

Usage:

  progress = loop.Progress(total_steps, examples_per_step=batch_size)
  ...
  progress.update(step)
  logging.info("step %d loss %.4f %s", step, loss, progress)

  loop.check_checkpoint_compatible(model_dir, graph, "--num_units, --cell")
  loop.write_json_atomically(os.path.join(model_dir, "metrics.json"), d)
"""

import json
import os
import tempfile
import time

import numpy as np
import tensorflow as tf


class IncompatibleCheckpointError(ValueError):
  """The checkpoint in model_dir was written by a different graph."""


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
  """Throughput and ETA over the steps since the last update."""

  def __init__(self, total_steps, examples_per_step, clock=time.time):
    self._total_steps = total_steps
    self._examples_per_step = examples_per_step
    self._clock = clock
    self._last_time = None
    self._last_step = None
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
      seconds_per_step = elapsed / steps
      self.examples_per_sec = self._examples_per_step / seconds_per_step
      self.eta_seconds = seconds_per_step * max(self._total_steps - step, 0)
    self._last_time = now
    self._last_step = step

  def __str__(self):
    eta = ("?" if self.eta_seconds is None
           else format_duration(self.eta_seconds))
    return "%.0f ex/s eta %s" % (self.examples_per_sec, eta)


def check_checkpoint_compatible(model_dir, graph, flags_hint):
  """Refuses a checkpoint in `model_dir` that `graph` cannot restore.

  Compares every global variable of `graph` (but `global_step`) with the
  latest checkpoint's variables by name and shape, before any restore, so
  that the user gets one clear message instead of a restore failure deep in
  a session.

  Args:
    model_dir: the directory that may hold checkpoints.
    graph: the graph about to restore them.
    flags_hint: the flags that shape the variables, named in the message.

  Returns:
    The latest checkpoint path, or None if there is none.

  Raises:
    IncompatibleCheckpointError: naming the first variables that differ.
  """
  checkpoint = tf.train.latest_checkpoint(model_dir)
  if checkpoint is None:
    return None
  saved = dict(tf.train.list_variables(checkpoint))
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


def _json_default(value):
  """numpy scalars and arrays (as session.run returns them) as JSON."""
  if isinstance(value, (np.generic, np.ndarray)):
    return value.tolist()
  raise TypeError("%r is not JSON serializable" % (value,))


def write_json_atomically(path, value):
  """Writes `value` as JSON to `path` via a temporary file and a rename."""
  directory = os.path.dirname(os.path.abspath(path))
  os.makedirs(directory, exist_ok=True)
  handle, temporary = tempfile.mkstemp(prefix=".tmp-", dir=directory)
  try:
    with os.fdopen(handle, "w") as f:
      json.dump(value, f, indent=2, sort_keys=True, default=_json_default)
      f.write("\n")
    os.replace(temporary, path)
  except BaseException:
    if os.path.exists(temporary):
      os.remove(temporary)
    raise


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
