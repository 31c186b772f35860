"""TF Serving warm-up requests: `assets.extra/tf_serving_warmup_requests`.

TensorFlow Serving runs the requests of this file (a TFRecord of
`tensorflow.serving.PredictionLog` protos) when it loads a model version, so
the first client request does not pay for the graph's first run. The
messages are declared here from TensorFlow Serving's `.proto` definitions
(`PredictionLog.predict_log` = 6, `PredictLog.request` = 1,
`PredictRequest.model_spec` = 1 and `.inputs` = 2, `ModelSpec.name` = 1 and
`.signature_name` = 3), over TensorFlow's own `TensorProto`, so no
`tensorflow-serving-api` package is needed; the bytes are the same.

Usage:

  from tf1seq import warmup
  requests = [warmup.predict_request({"images": np.zeros([1, 28, 28],
                                                         np.float32)})]
  warmup.write_requests(os.path.join(saved_model_dir, "assets.extra"),
                        requests)
  for request in warmup.read_requests(saved_model_dir):
    inputs = warmup.request_inputs(request)  # name -> numpy array
"""

import os

from google.protobuf import descriptor_pb2
from google.protobuf import descriptor_pool
from google.protobuf import message_factory
import tensorflow as tf

from tensorflow.core.framework import tensor_pb2

ASSETS_EXTRA = "assets.extra"
WARMUP_FILENAME = "tf_serving_warmup_requests"

_PACKAGE = "tensorflow.serving"
_FILE = "tf1seq/tensorflow_serving_warmup.proto"


def _declare_messages():
  """The message classes of the warm-up file, declared in a private pool."""
  pool = descriptor_pool.DescriptorPool()
  _add_with_imports(pool, tensor_pb2.DESCRIPTOR)

  f = descriptor_pb2.FileDescriptorProto(
      name=_FILE, package=_PACKAGE, syntax="proto3",
      dependency=[tensor_pb2.DESCRIPTOR.name])
  field = descriptor_pb2.FieldDescriptorProto
  optional = field.LABEL_OPTIONAL

  def message(name, fields, nested=()):
    m = f.message_type.add(name=name)
    for entry in nested:
      m.nested_type.add().CopyFrom(entry)
    for field_name, number, kind, type_name, label in fields:
      m.field.add(name=field_name, number=number, type=kind,
                  type_name=type_name, label=label)
    return m

  message("ModelSpec", [
      ("name", 1, field.TYPE_STRING, None, optional),
      ("signature_name", 3, field.TYPE_STRING, None, optional)])
  inputs_entry = descriptor_pb2.DescriptorProto(
      name="InputsEntry", options=descriptor_pb2.MessageOptions(
          map_entry=True))
  inputs_entry.field.add(name="key", number=1, type=field.TYPE_STRING,
                         label=optional)
  inputs_entry.field.add(name="value", number=2, type=field.TYPE_MESSAGE,
                         type_name=".tensorflow.TensorProto", label=optional)
  message("PredictRequest", [
      ("model_spec", 1, field.TYPE_MESSAGE, "." + _PACKAGE + ".ModelSpec",
       optional),
      ("inputs", 2, field.TYPE_MESSAGE,
       "." + _PACKAGE + ".PredictRequest.InputsEntry",
       field.LABEL_REPEATED),
      ("output_filter", 3, field.TYPE_STRING, None, field.LABEL_REPEATED)],
          nested=[inputs_entry])
  message("PredictLog", [
      ("request", 1, field.TYPE_MESSAGE, "." + _PACKAGE + ".PredictRequest",
       optional)])
  message("PredictionLog", [
      ("predict_log", 6, field.TYPE_MESSAGE, "." + _PACKAGE + ".PredictLog",
       optional)])
  pool.Add(f)
  classes = message_factory.GetMessages([f], pool=pool)
  return (classes[_PACKAGE + ".PredictionLog"],
          classes[_PACKAGE + ".PredictRequest"])


def _add_with_imports(pool, file_descriptor):
  """Adds a compiled `.proto` file and what it imports to `pool`."""
  try:
    pool.FindFileByName(file_descriptor.name)
    return
  except KeyError:
    pass
  for dependency in file_descriptor.dependencies:
    _add_with_imports(pool, dependency)
  proto = descriptor_pb2.FileDescriptorProto()
  file_descriptor.CopyToProto(proto)
  pool.Add(proto)


PredictionLog, PredictRequest = _declare_messages()


def predict_request(inputs, signature_name="serving_default",
                    model_name="model"):
  """A `PredictRequest` of numpy arrays (or tensors).

  Args:
    inputs: dict input name -> array, in the signature's dtypes.
    signature_name: the signature the request calls.
    model_name: the model name (TF Serving's `--model_name`).

  Returns:
    A `PredictRequest` message.

  Raises:
    ValueError: if `inputs` is empty.
  """
  if not inputs:
    raise ValueError("a predict request needs inputs, got %r" % (inputs,))
  request = PredictRequest()
  request.model_spec.name = model_name
  request.model_spec.signature_name = signature_name
  for name, value in inputs.items():
    # The map's TensorProto class is this module's pool's: copy by bytes.
    request.inputs[name].ParseFromString(
        tf.make_tensor_proto(value).SerializeToString())
  return request


def write_requests(assets_extra_dir, requests):
  """Writes `requests` as `assets_extra_dir/tf_serving_warmup_requests`.

  Args:
    assets_extra_dir: the version's `assets.extra` directory (created).
    requests: `PredictRequest` messages.

  Returns:
    The file's path.
  """
  tf.io.gfile.makedirs(assets_extra_dir)
  path = os.path.join(assets_extra_dir, WARMUP_FILENAME)
  with tf.io.TFRecordWriter(path) as writer:
    for request in requests:
      log = PredictionLog()
      log.predict_log.request.CopyFrom(request)
      writer.write(log.SerializeToString())
  return path


def read_requests(saved_model_dir):
  """The `PredictRequest`s of a version's warm-up file, in order."""
  path = os.path.join(saved_model_dir, ASSETS_EXTRA, WARMUP_FILENAME)
  requests = []
  for record in tf.compat.v1.io.tf_record_iterator(path):
    log = PredictionLog.FromString(record)
    requests.append(log.predict_log.request)
  return requests


def request_inputs(request):
  """dict input name -> numpy array of a `PredictRequest`."""
  return {name: tf.make_ndarray(
      tensor_pb2.TensorProto.FromString(proto.SerializeToString()))
          for name, proto in request.inputs.items()}
