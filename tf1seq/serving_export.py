"""Serving exports of TF1-style model code, with typed signatures.

`export_checkpoint` writes a TF2 SavedModel whose signatures are
`tf.function`s with an `input_signature`: a caller that sends a tensor of
another dtype or shape gets a `TypeError`/`ValueError` naming the expected
`TensorSpec` at the signature, before any op runs (a TF1 `Builder` export
fails deep inside the graph instead). The model code is the usual TF1 code
(`tf.compat.v1.get_variable` under variable scopes, `tf1seq.rnn`); its
variables are the checkpoint's, by their TF1 names, through a custom getter,
and every `dynamic_rnn` builds its forward-only serving form
(`rnn.serving_graph()`): no XLA-compiled function, no custom gradient.

The SavedModel also loads with TF1's `tf.compat.v1.saved_model.loader` and
in TensorFlow Serving; a signature listed in `method_names` (e.g. a
`tensorflow/serving/classify` one) gets that method name. The version
directory is written as `tf1seq.export.export_saved_model` writes every
version: under a temporary name, then renamed, never over an old one.

Usage:

  def predict(images):
    logits = build_logits(images)  # TF1 code: get_variable, dynamic_rnn
    return {"probabilities": tf.nn.softmax(logits)}

  path = serving_export.export_checkpoint(
      "/models/mnist", checkpoint,
      {"serving_default": serving_export.Signature(
          predict, [tf.TensorSpec([None, 28, 28], tf.float32, "images")])})
"""

import collections
import os

import tensorflow as tf

from tf1seq import export
from tf1seq import files
from tf1seq import rnn

from tensorflow.core.protobuf import saved_model_pb2

Signature = collections.namedtuple("Signature", ("function", "input_specs"))
Signature.__doc__ = """One signature of `export_checkpoint`.

  `function(*inputs)` builds the outputs (a dict name -> tensor) from one
  tensor per spec of `input_specs`, TF1 style; each spec's `name` is the
  signature's input key.
  """


class _CheckpointVariables(tf.Module):
  """The checkpoint's variables, created by name as model code asks."""

  def __init__(self, checkpoint):
    super().__init__(name="checkpoint_variables")
    self._reader = files.checkpoint_reader(checkpoint)
    self._shapes = self._reader.get_variable_to_shape_map()
    self._by_name = {}
    self.checkpoint_variables = []  # Tracked: saved with the model.

  def getter(self, getter, name, *args, **kwargs):
    """A `custom_getter`: the checkpoint's variable `name`."""
    del getter, args  # Nothing is created in the serving graph.
    if name not in self._by_name:
      if name not in self._shapes:
        raise ValueError("the serving graph asks for variable %r, which the "
                         "checkpoint does not have (it has %s)" %
                         (name, sorted(self._shapes)))
      with tf.init_scope():
        variable = tf.Variable(self._reader.get_tensor(name),
                               trainable=False, name=name)
      self._by_name[name] = variable
      self.checkpoint_variables.append(variable)
    variable = self._by_name[name]
    shape = kwargs.get("shape")
    if shape is not None and not variable.shape.is_compatible_with(shape):
      raise ValueError("variable %s has shape %s in the checkpoint, %s in "
                       "the serving graph" % (name, variable.shape,
                                              tf.TensorShape(shape)))
    return variable


def _serving_function(function, variables):
  def build(*inputs):
    with rnn.serving_graph(), tf.compat.v1.variable_scope(
        tf.compat.v1.VariableScope(False), custom_getter=variables.getter,
        auxiliary_name_scope=False):
      outputs = function(*inputs)
    if not isinstance(outputs, dict) or not outputs:
      raise TypeError("a signature function returns a non-empty dict of "
                      "output tensors, got %r" % (outputs,))
    return outputs
  return build


def _set_method_names(saved_model_dir, method_names):
  path = os.path.join(saved_model_dir, "saved_model.pb")
  saved_model = saved_model_pb2.SavedModel()
  with tf.io.gfile.GFile(path, "rb") as f:
    saved_model.ParseFromString(f.read())
  for meta_graph in saved_model.meta_graphs:
    for key, method_name in method_names.items():
      meta_graph.signature_def[key].method_name = method_name
  with tf.io.gfile.GFile(path, "wb") as f:
    f.write(saved_model.SerializeToString())


def export_checkpoint(export_dir, checkpoint, signatures, method_names=None,
                      assets=None, warmup_requests=None, version=None):
  """Exports model code over `checkpoint` as `export_dir/<version>/`.

  Must run eagerly (TensorFlow 2 behaviour, outside any graph).

  Args:
    export_dir: the model's base directory (created if missing).
    checkpoint: a TF1 checkpoint path; the model code's variables are read
      from it by name.
    signatures: dict signature key -> `Signature`; must include
      `serving_default`.
    method_names: optional dict signature key -> method name (default:
      `tensorflow/serving/predict`).
    assets: optional list of file paths, copied into the SavedModel's
      `assets/`.
    warmup_requests: optional `tf1seq.warmup.predict_request` messages for
      `assets.extra/tf_serving_warmup_requests`.
    version: int; default the next version.

  Returns:
    The path of the new version directory.

  Raises:
    ValueError: if `serving_default` is missing, a key of `method_names` is
      not a signature, or the model code asks for a variable the checkpoint
      lacks.
    RuntimeError: if called in graph mode.
  """
  if not tf.executing_eagerly():
    raise RuntimeError("export_checkpoint runs eagerly (TensorFlow 2 "
                       "behaviour, outside tf.Graph().as_default())")
  if "serving_default" not in signatures:
    raise ValueError("signatures must have a 'serving_default' signature, "
                     "got %s" % sorted(signatures))
  method_names = dict(method_names or {})
  unknown = sorted(set(method_names) - set(signatures))
  if unknown:
    raise ValueError("method_names has keys %s that are not signatures %s"
                     % (unknown, sorted(signatures)))
  module = _CheckpointVariables(checkpoint)
  module.assets = [tf.saved_model.Asset(path) for path in assets or []]
  concrete = {}
  for key, signature in signatures.items():
    traced = tf.function(_serving_function(signature.function, module),
                         input_signature=list(signature.input_specs),
                         autograph=False)
    concrete[key] = traced.get_concrete_function()
    setattr(module, "signature_" + key, traced)

  def write(staging):
    tf.saved_model.save(module, staging, signatures=concrete)
    if method_names:
      _set_method_names(staging, method_names)

  return export.export_saved_model(
      export_dir, None, None, version=version,
      warmup_requests=warmup_requests, writer=write)
