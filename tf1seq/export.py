"""SavedModel export in TF Serving's versioned layout, written atomically.

`export_saved_model` writes the variables of a live session and the given
signatures to `export_dir/<version>/` (version = highest existing + 1),
building it under a temporary name in `export_dir` and renaming it into place
only when complete, so a server watching `export_dir` never sees a partial
model and an existing version is never overwritten.

Usage:

  with tf.compat.v1.Session(graph=serving_graph) as sess:
    saver.restore(sess, checkpoint)
    path = export.export_saved_model(
        "/models/mnist", sess,
        {"serving_default": export.predict_signature(
            {"images": images}, {"probabilities": probs, "classes": classes})})
"""

import os
import re
import shutil
import tempfile

import tensorflow as tf

from tf1seq import warmup

_VERSION_RE = re.compile(r"^\d+$")


def existing_versions(export_dir):
  """The integer versions already in `export_dir`, ascending."""
  if not tf.io.gfile.isdir(export_dir):
    return []
  return sorted(int(name) for name in tf.io.gfile.listdir(export_dir)
                if _VERSION_RE.match(name.rstrip("/")))


def next_version(export_dir):
  """One more than the highest existing version, or 1."""
  versions = existing_versions(export_dir)
  return versions[-1] + 1 if versions else 1


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
                       main_op=None, assets_collection=None,
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
  """
  if writer is None and "serving_default" not in signature_def_map:
    raise ValueError("signature_def_map must have a 'serving_default' "
                     "signature, got %s" % sorted(signature_def_map))
  if version is None:
    version = next_version(export_dir)
  if not isinstance(version, int) or version <= 0:
    raise ValueError("version must be a positive int, got %r" % (version,))
  os.makedirs(export_dir, exist_ok=True)
  final_path = os.path.join(export_dir, str(version))
  if os.path.exists(final_path):
    raise FileExistsError("export version %s exists already; nothing was "
                          "overwritten" % final_path)
  # A dot-name in the same directory: TF Serving ignores non-numeric names
  # and the rename below is atomic on one file system.
  staging_parent = tempfile.mkdtemp(prefix=".tmp-%d-" % version,
                                    dir=export_dir)
  staging = os.path.join(staging_parent, "model")
  try:
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
    os.rename(staging, final_path)
  finally:
    shutil.rmtree(staging_parent, ignore_errors=True)
  return final_path
