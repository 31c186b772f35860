"""Files written whole or not at all, on any file system TensorFlow reads.

Every path goes through `tf.io.gfile`, so `gs://`-style and `ram://` paths
work as local ones do. The content goes to a temporary name beside the
target, then is renamed over it: a reader never sees half a file, and a
failed write leaves the previous file as it was.

Usage:

  from tf1seq import files
  files.write_json_atomically("/tmp/run/metrics.json", {"step": 3})
  files.write_atomically("/tmp/run/vocab.txt", "abc\n")
  files.create_exclusively("/tmp/run/train.lock", "pid 7\n")  # Once only.
"""

import json
import os
import uuid

import numpy as np
import tensorflow as tf


def _json_default(value):
  """numpy scalars and arrays (as session.run returns them) as JSON."""
  if isinstance(value, (np.generic, np.ndarray)):
    return value.tolist()
  raise TypeError("%r is not JSON serializable" % (value,))


def write_atomically(path, content):
  """Writes `content` (str or bytes) to `path` via a temporary file.

  Args:
    path: the file to write; its directory is created if missing.
    content: str (written as UTF-8) or bytes.

  Raises:
    OSError: naming `path` and the cause, if the file cannot be written;
      the previous file at `path` (if any) is then unchanged.
  """
  directory = os.path.dirname(path)
  temporary = os.path.join(directory, ".tmp-%s-%s" % (
      os.path.basename(path), uuid.uuid4().hex[:8]))
  try:
    if directory:
      tf.io.gfile.makedirs(directory)
    with tf.io.gfile.GFile(temporary,
                           "wb" if isinstance(content, bytes) else "w") as f:
      f.write(content)
    tf.io.gfile.rename(temporary, path, overwrite=True)
  except (tf.errors.OpError, OSError) as e:
    if tf.io.gfile.exists(temporary):
      tf.io.gfile.remove(temporary)
    message = getattr(e, "message", None) or str(e)
    raise OSError("could not write %s: %s" % (path, message)) from e


def create_exclusively(path, content):
  """Writes `content` to `path` whole, only if nothing is at `path` yet.

  On a local file system the complete file is hard-linked into place, which
  fails atomically if `path` exists, so of two processes creating the same
  path at once exactly one succeeds. Elsewhere (and where hard links are not
  supported) `tf.io.gfile.rename` without overwriting is used, which checks
  and renames in two steps.

  Args:
    path: the file to create; its directory is created if missing.
    content: str (written as UTF-8) or bytes.

  Raises:
    FileExistsError: if `path` exists already (it is left unchanged).
    OSError: naming `path` and the cause, if it cannot be written.
  """
  directory = os.path.dirname(path)
  temporary = os.path.join(directory, ".tmp-%s-%s" % (
      os.path.basename(path), uuid.uuid4().hex[:8]))
  try:
    if directory:
      tf.io.gfile.makedirs(directory)
    with tf.io.gfile.GFile(temporary,
                           "wb" if isinstance(content, bytes) else "w") as f:
      f.write(content)
    linked = False
    if "://" not in path:
      try:
        os.link(temporary, path)
        linked = True
      except FileExistsError:
        raise
      except OSError:
        pass  # No hard links here: rename below.
    if not linked:
      tf.io.gfile.rename(temporary, path, overwrite=False)
  except (FileExistsError, tf.errors.AlreadyExistsError):
    raise FileExistsError("%s exists already" % path) from None
  except (tf.errors.OpError, OSError) as e:
    message = getattr(e, "message", None) or str(e)
    raise OSError("could not write %s: %s" % (path, message)) from e
  finally:
    if tf.io.gfile.exists(temporary):
      tf.io.gfile.remove(temporary)


def write_json_atomically(path, value):
  """Writes `value` as indented, key-sorted JSON to `path`, atomically.

  Raises:
    TypeError: if `value` holds something JSON cannot represent (nothing is
      written then).
    OSError: as `write_atomically`.
  """
  text = json.dumps(value, indent=2, sort_keys=True,
                    default=_json_default) + "\n"
  write_atomically(path, text)


def read_json(path):
  """The JSON value in `path` (any file system `tf.io.gfile` reads)."""
  with tf.io.gfile.GFile(path) as f:
    return json.load(f)
