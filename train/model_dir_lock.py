"""One run at a time in a model_dir: `model_dir/train.lock`.

Usage:

  lock = model_dir_lock.ModelDirLock(model_dir)
  lock.acquire()   # ModelDirLockedError naming the live holder
  try:
    ...
  finally:
    lock.release()
"""

import datetime
import json
import os
import socket
import sys
import uuid

from absl import logging
import tensorflow as tf

from tf1seq import files

from . import checkpoints

LOCK_FILE = "train.lock"


class ModelDirLockedError(checkpoints.StartError):
  """Another live run holds model_dir."""


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
