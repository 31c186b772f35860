"""What a trainer's checkpoints may be: checked, verified, recovered, saved.

Before a run restores anything: the newest checkpoint is read back whole
(every tensor, its checksum checked) and, if damaged, the newest intact one
is restored instead, each damaged one named and left in place; the graph's
variables are compared with the checkpoint's by name and shape. While it
runs, `CheckpointSaver` keeps damaged checkpoints out of the rotation and
names the path and cause of a checkpoint it cannot write.

Usage:

  checkpoint, damaged = checkpoints.recover_checkpoint(model_dir)
  checkpoints.check_checkpoint_compatible(model_dir, graph, "--num_units")
"""

import os
import re
import time

from absl import logging
import numpy as np
import tensorflow as tf

from tf1seq import files

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


class CheckpointWriteError(OSError):
  """A checkpoint could not be written (e.g. the disk is full)."""


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


class CheckpointSaver(tf.compat.v1.train.Saver):
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
      return super(CheckpointSaver, self).save(sess, save_path, global_step, *args,
                                      **kwargs)
    except (tf.errors.OpError, OSError, ValueError) as e:
      previous = tf.train.latest_checkpoint(os.path.dirname(save_path))
      raise CheckpointWriteError(
          "could not write the checkpoint %s: %s. The previous checkpoint "
          "(%s) is unchanged." % (prefix, _cause(e), previous)) from e


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
