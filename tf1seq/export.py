"""SavedModel export in TF Serving's versioned layout, written atomically.

`export_saved_model` writes the variables of a live session and the given
signatures to `export_dir/<version>/` (version = highest existing + 1),
building it under a temporary name in `export_dir` and renaming it into place
only when complete, so a server watching `export_dir` never sees a partial
model and an existing version is never overwritten. A version number is
never issued twice: the highest one issued is kept in
`export_dir/.tf1seq_last_version`, so a deleted or failed version's number
is skipped.

A version can record the checkpoint it was made from
(`assets.extra/tf1seq_source.json`: path, global step, a digest of the
checkpoint's index, which holds every tensor's checksum), so a caller can
tell that the newest version holds a checkpoint already
(`same_source(version_source(newest_version(d)), checkpoint_source(c))`).

Usage:

  with tf.compat.v1.Session(graph=serving_graph) as sess:
    saver.restore(sess, checkpoint)
    path = export.export_saved_model(
        "/models/mnist", sess,
        {"serving_default": export.predict_signature(
            {"images": images}, {"probabilities": probs, "classes": classes})})
"""

import contextlib
import hashlib
import os
import re
import tempfile
import threading
import uuid

import tensorflow as tf

from tf1seq import files
from tf1seq import warmup

_VERSION_RE = re.compile(r"^\d+$")
# The highest version number ever issued in an export directory.
LAST_VERSION_FILE = ".tf1seq_last_version"
# Where a version records the checkpoint it came from.
SOURCE_FILE = os.path.join("assets.extra", "tf1seq_source.json")
_recording = threading.local()


def existing_versions(export_dir):
  """The integer versions already in `export_dir`, ascending."""
  if not tf.io.gfile.isdir(export_dir):
    return []
  return sorted(int(name) for name in tf.io.gfile.listdir(export_dir)
                if _VERSION_RE.match(name.rstrip("/")))


def _last_issued(export_dir):
  path = os.path.join(export_dir, LAST_VERSION_FILE)
  if not tf.io.gfile.exists(path):
    return 0
  with tf.io.gfile.GFile(path) as f:
    text = f.read().strip()
  return int(text) if text.isdigit() else 0


def next_version(export_dir):
  """One more than the highest version existing or ever issued, or 1."""
  versions = existing_versions(export_dir)
  return max(versions[-1] if versions else 0, _last_issued(export_dir)) + 1


def newest_version(export_dir):
  """The path of the highest existing version, or None."""
  versions = existing_versions(export_dir)
  return os.path.join(export_dir, str(versions[-1])) if versions else None


def checkpoint_source(checkpoint):
  """What identifies `checkpoint`: its path, global step and index digest.

  The index holds the checksum of every tensor, so its digest changes when
  any value does (a checkpoint of the same name rewritten by another run).
  """
  reader = files.checkpoint_reader(checkpoint)
  step = (int(reader.get_tensor("global_step"))
          if reader.has_tensor("global_step") else None)
  with tf.io.gfile.GFile(checkpoint + ".index", "rb") as f:
    digest = hashlib.sha256(f.read()).hexdigest()
  return {"checkpoint": checkpoint, "global_step": step,
          "index_sha256": digest}


def version_source(version_path):
  """The source recorded in an exported version, or None."""
  path = os.path.join(version_path, SOURCE_FILE)
  if not tf.io.gfile.exists(path):
    return None
  try:
    return files.read_json(path)
  except ValueError:
    return None


def same_source(recorded, source):
  """Whether two `checkpoint_source` records are of the same checkpoint."""
  return bool(recorded) and all(
      recorded.get(key) == source.get(key)
      for key in ("checkpoint", "global_step", "index_sha256"))


@contextlib.contextmanager
def recording_source(source):
  """`export_saved_model` calls in this block record `source`."""
  previous = getattr(_recording, "source", None)
  _recording.source = source
  try:
    yield
  finally:
    _recording.source = previous


def predict_signature(inputs, outputs):
  """A `tensorflow/serving/predict` SignatureDef from dicts of tensors.

  Args:
    inputs: dict name -> tensor.
    outputs: dict name -> tensor.

  Returns:
    A SignatureDef.

  Raises:
    ValueError: if either dict is empty.
  """
  if not inputs or not outputs:
    raise ValueError("a signature needs inputs and outputs, got inputs %s "
                     "and outputs %s" % (sorted(inputs or {}),
                                         sorted(outputs or {})))
  return tf.compat.v1.saved_model.predict_signature_def(inputs, outputs)


def export_saved_model(export_dir, session, signature_def_map, version=None,
                       main_op=None, assets_collection=None, source=None,
                       warmup_requests=None, writer=None):
  """Writes the session's graph and variables as `export_dir/<version>/`.

  Args:
    export_dir: the model's base directory (created if missing).
    session: a session whose graph holds the signatures' tensors, with
      variables restored.
    signature_def_map: dict signature key -> SignatureDef; must include
      `serving_default`.
    version: int; default `next_version(export_dir)`.
    main_op: optional op run at load time (e.g. table initialisers).
    assets_collection: optional assets (e.g. a vocabulary file).
    source: a `checkpoint_source` dict to record in the version; default
      the one of an enclosing `recording_source` block, if any.
    warmup_requests: optional `warmup.predict_request` messages, written to
      `assets.extra/tf_serving_warmup_requests` (TF Serving runs them when
      it loads the version).
    writer: optional callable `writer(path)` that writes the SavedModel at
      `path` instead of the session's graph (e.g. `tf.saved_model.save`);
      `session` and `signature_def_map` are then unused.

  Returns:
    The path of the new version directory.

  Raises:
    ValueError: if `serving_default` is missing or `version` is not a
      positive int.
    FileExistsError: if `export_dir/<version>` exists already.
    OSError: naming the version and the cause if it cannot be written (a
      full disk); the existing versions are unchanged, and the number is
      not issued again.
  """
  if writer is None and "serving_default" not in signature_def_map:
    raise ValueError("signature_def_map must have a 'serving_default' "
                     "signature, got %s" % sorted(signature_def_map))
  if version is None:
    version = next_version(export_dir)
  if not isinstance(version, int) or version <= 0:
    raise ValueError("version must be a positive int, got %r" % (version,))
  tf.io.gfile.makedirs(export_dir)
  final_path = os.path.join(export_dir, str(version))
  if tf.io.gfile.exists(final_path):
    raise FileExistsError("export version %s exists already; nothing was "
                          "overwritten" % final_path)
  if source is None:
    source = getattr(_recording, "source", None)
  staging_parent = None
  try:
    if version > _last_issued(export_dir):
      files.write_atomically(os.path.join(export_dir, LAST_VERSION_FILE),
                             "%d\n" % version)
    if files.is_local(export_dir):
      # A dot-name in the same directory: TF Serving ignores non-numeric
      # names and the rename below is atomic on one file system.
      staging_parent = os.path.join(export_dir, ".tmp-%d-%s" % (
          version, uuid.uuid4().hex[:8]))
    else:
      # Written locally, then copied with saved_model.pb last.
      staging_parent = tempfile.mkdtemp(prefix="tf1seq-export-")
    staging = os.path.join(staging_parent, "model")
    if writer is not None:
      writer(staging)
    else:
      builder = tf.compat.v1.saved_model.Builder(staging)
      builder.add_meta_graph_and_variables(
          session, [tf.compat.v1.saved_model.tag_constants.SERVING],
          signature_def_map=signature_def_map, main_op=main_op,
          assets_collection=assets_collection, strip_default_attrs=True)
      builder.save()
    if warmup_requests:
      warmup.write_requests(os.path.join(staging, warmup.ASSETS_EXTRA),
                            warmup_requests)
    if source is not None:
      files.write_json_atomically(os.path.join(staging, SOURCE_FILE),
                                  source)
    files.move_tree(staging, final_path)
  except (tf.errors.OpError, OSError) as e:
    cause = getattr(e, "message", None) or str(e)
    raise OSError("could not write the export %s: %s. The existing versions "
                  "are unchanged." % (final_path, cause.strip())) from e
  finally:
    if staging_parent:
      files.remove_tree(staging_parent)
  return final_path
