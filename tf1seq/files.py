"""Files written whole or not at all, on any file system TensorFlow reads.

A local path is written with the operating system's calls; a path with a
scheme (`gs://...`, `ram://...`) through `tf.io.gfile`, imported only then
(so processes without TensorFlow, such as a PyTorch benchmark worker, use
this module too). The content goes to a temporary name beside the target,
then is renamed over it: a reader never sees half a file, and a failed
write leaves the previous file as it was.

Usage:

  from tf1seq import files
  files.write_json_atomically("/tmp/run/metrics.json", {"step": 3})
  files.write_atomically("ram://run/vocab.txt", "abc\n")
  files.create_exclusively("/tmp/run/train.lock", "pid 7\n")  # Once only.
"""

import json
import os
import shutil
import uuid

import numpy as np


def _json_default(value):
  """numpy scalars and arrays (as session.run returns them) as JSON."""
  if isinstance(value, (np.generic, np.ndarray)):
    return value.tolist()
  raise TypeError("%r is not JSON serializable" % (value,))


def is_local(path):
  """Whether `path` is on the local file system (has no `scheme://`)."""
  return "://" not in str(path)


class _LocalFiles(object):
  """The few file operations `write_atomically` needs, by the OS."""

  errors = (OSError,)
  makedirs = staticmethod(lambda d: os.makedirs(d, exist_ok=True))
  exists = staticmethod(os.path.exists)
  remove = staticmethod(os.remove)
  rename = staticmethod(os.replace)

  @staticmethod
  def open(path, mode):
    return open(path, mode, **({} if "b" in mode else {"encoding": "utf-8"}))


class _GFiles(object):
  """The same through `tf.io.gfile`."""

  def __init__(self):
    import tensorflow as tf  # pylint: disable=g-import-not-at-top
    self.errors = (tf.errors.OpError, OSError)
    self.makedirs = tf.io.gfile.makedirs
    self.exists = tf.io.gfile.exists
    self.remove = tf.io.gfile.remove
    self.rename = lambda a, b: tf.io.gfile.rename(a, b, overwrite=True)
    self.open = tf.io.gfile.GFile


def _file_system(path):
  return _LocalFiles if is_local(path) else _GFiles()


CACHE_DIR_ENV = "TF1SEQ_CACHE_DIR"


def default_cache_dir():
  """Returns `$TF1SEQ_CACHE_DIR`, else `$XDG_CACHE_HOME/tf1seq`.

  `$XDG_CACHE_HOME` defaults to `~/.cache`. tf1seq keeps downloaded
  datasets and its built kernels there.
  """
  if os.environ.get(CACHE_DIR_ENV):
    return os.environ[CACHE_DIR_ENV]
  base = os.environ.get("XDG_CACHE_HOME") or os.path.join(
      os.path.expanduser("~"), ".cache")
  return os.path.join(base, "tf1seq")


def write_atomically(path, content):
  """Writes `content` (str or bytes) to `path` via a temporary file.

  Args:
    path: the file to write; its directory is created if missing.
    content: str (written as UTF-8) or bytes.

  Raises:
    OSError: naming `path` and the cause, if the file cannot be written;
      the previous file at `path` (if any) is then unchanged.
  """
  fs = _file_system(path)
  directory = os.path.dirname(path)
  temporary = os.path.join(directory, ".tmp-%s-%s" % (
      os.path.basename(path), uuid.uuid4().hex[:8]))
  try:
    if directory:
      fs.makedirs(directory)
    with fs.open(temporary,
                 "wb" if isinstance(content, bytes) else "w") as f:
      f.write(content)
    fs.rename(temporary, path)
  except fs.errors as e:
    try:
      if fs.exists(temporary):
        fs.remove(temporary)
    except fs.errors:
      pass  # The original error says more.
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
  fs = _file_system(path)
  directory = os.path.dirname(path)
  temporary = os.path.join(directory, ".tmp-%s-%s" % (
      os.path.basename(path), uuid.uuid4().hex[:8]))
  try:
    if directory:
      fs.makedirs(directory)
    with fs.open(temporary,
                 "wb" if isinstance(content, bytes) else "w") as f:
      f.write(content)
    if is_local(path):
      try:
        os.link(temporary, path)
        return
      except FileExistsError:
        raise
      except OSError:
        pass  # No hard links here: rename below.
      if os.path.exists(path):
        raise FileExistsError(path)
      os.rename(temporary, path)
    else:
      import tensorflow as tf  # pylint: disable=g-import-not-at-top
      try:
        tf.io.gfile.rename(temporary, path, overwrite=False)
      except tf.errors.AlreadyExistsError:
        raise FileExistsError(path) from None
  except FileExistsError:
    raise FileExistsError("%s exists already" % path) from None
  except fs.errors as e:
    message = getattr(e, "message", None) or str(e)
    raise OSError("could not write %s: %s" % (path, message)) from e
  finally:
    if fs.exists(temporary):
      fs.remove(temporary)


def write_json_atomically(path, value, sort_keys=True):
  """Writes `value` as indented JSON to `path`, atomically.

  Args:
    path: the file.
    value: what to write; numpy scalars and arrays become numbers and lists.
    sort_keys: False keeps the dicts' own order.

  Raises:
    TypeError: if `value` holds something JSON cannot represent (nothing is
      written then).
    OSError: as `write_atomically`.
  """
  text = json.dumps(value, indent=2, sort_keys=sort_keys,
                    default=_json_default) + "\n"
  write_atomically(path, text)


def read_json(path):
  """The JSON value in `path`."""
  with _file_system(path).open(path, "r") as f:
    return json.load(f)


def move_tree(source, target):
  """Moves the local directory `source` to `target` (which must not exist).

  Locally one rename, so the tree appears whole at once. To another file
  system the files are copied one by one, those in subdirectories first and
  `saved_model.pb` last (a SavedModel is complete once it is there), then
  `source` is removed.

  Raises:
    ValueError: if `source` is not local.
    OSError: if it cannot be moved.
  """
  if not is_local(source):
    raise ValueError("move_tree moves a local directory, got %s" % source)
  if is_local(target):
    os.rename(source, target)
    return
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  copies = []
  for directory, _, names in os.walk(source):
    relative = os.path.relpath(directory, source)
    for name in names:
      copies.append((relative != ".", name == "saved_model.pb",
                     os.path.join(directory, name),
                     os.path.join(target, relative, name)
                     if relative != "." else os.path.join(target, name)))
  # Subdirectories' files first, then the top's, saved_model.pb last.
  copies.sort(key=lambda c: (not c[0], c[1]))
  for _, _, local_path, remote_path in copies:
    tf.io.gfile.makedirs(os.path.dirname(remote_path))
    tf.io.gfile.copy(local_path, remote_path, overwrite=False)
  remove_tree(source)


def remove_tree(path):
  """Deletes the directory `path` and everything in it, if it exists."""
  if is_local(path):
    if os.path.exists(path):
      shutil.rmtree(path)
    return
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  if not tf.io.gfile.exists(path):
    return
  try:
    tf.io.gfile.rmtree(path)
  except tf.errors.NotFoundError:
    # The in-memory file system keeps files, not directories: delete them.
    for directory, _, names in tf.io.gfile.walk(path):
      for name in names:
        tf.io.gfile.remove(os.path.join(directory, name))


def checkpoint_reader(checkpoint):
  """A reader of the TensorFlow checkpoint with prefix `checkpoint`.

  Opened by its prefix: `tf.train.load_checkpoint` and friends first ask
  whether the path is a directory, which the in-memory file system answers
  yes for any prefix.
  """
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  return tf.compat.v1.train.NewCheckpointReader(checkpoint)
