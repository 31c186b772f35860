"""TensorFlow 0.x's names that TensorFlow 1.0 renamed, reordered or moved.

Programs written for TensorFlow 0.11/0.12 (`tf.scalar_summary`, `tf.nn.rnn`,
`tf.concat(1, [a, b])`, ...) still circulate; TensorFlow 1.0 renamed these
names and its upgrade script, `tf_upgrade.py`, rewrote programs to the new
ones. tf1seq serves the old names instead, so such a program runs unchanged.
The table follows that script's lists (symbol renames, argument reorders,
keyword renames), plus what TensorFlow 1.0 moved out of `tf.nn`:

  top level   scalar/histogram/image/audio_summary (TF 0.x's summary ops:
              the tag is any string, not a name scope), merge_summary,
              merge_all_summaries, mul, sub, neg, inv, pack, unpack, select,
              listdiff, complex_abs, batch_matmul (adj_x, adj_y), op_scope,
              and `concat`/`split` taking both argument orders
  nn          rnn, bidirectional_rnn, state_saving_rnn (the static loops),
              seq2seq (what became `tf.contrib.legacy_seq2seq`), and the
              cross-entropy functions taking `(logits, labels)` by position
  nn.rnn_cell `_linear` (variables `Linear/Matrix` and `Linear/Bias`)
  train       SummaryWriter (`tf.summary.FileWriter`; a GraphDef as its
              second argument is accepted, as TF 0.x did)
  image       per_image_whitening

`concat` and `split` look at their arguments: `concat(concat_dim, values)`
(the first argument a Python int, the second not) and `split(split_dim,
num_split, value)` (the first argument an int, the third not) are TF 0.x
calls; every other call passes unchanged to TensorFlow's, so TF1 code sees
no difference. The same holds for the cross-entropy functions: TF 1.x
refuses their positional form, TF 0.x's order was `(logits, labels)`.

Variables keep TF1's names (`rnn/basic_lstm_cell/kernel`, ...), so TF 0.x
checkpoints, whose names differ (`RNN/BasicLSTMCell/Linear/Matrix`), do not
restore; `tf.reverse`'s changed meaning is not bridged.
"""

import numbers

import tensorflow as tf
# TensorFlow's own functions, not `tf.compat.v1.concat` & co., which the
# patch replaces by the ones below.
from tensorflow.python.ops import array_ops
from tensorflow.python.ops import nn_impl
from tensorflow.python.ops import nn_ops

from tf1seq.cells import contrib_wrappers

_V1 = tf.compat.v1
_SUMMARIES = _V1.GraphKeys.SUMMARIES


def _is_int(value):
  return isinstance(value, numbers.Integral) and not isinstance(value, bool)


# -- argument reorders --------------------------------------------------------

def concat(*args, **kwargs):
  """`tf.concat(values, axis)`, or TF 0.x's `tf.concat(concat_dim, values)`."""
  if "concat_dim" in kwargs:
    kwargs["axis"] = kwargs.pop("concat_dim")
  if args and _is_int(args[0]):
    if len(args) >= 2 and not _is_int(args[1]):
      args = (args[1], args[0]) + args[2:]
    elif len(args) == 1 and "values" in kwargs:
      kwargs["axis"], args = args[0], ()
  return array_ops.concat(*args, **kwargs)


def split(*args, **kwargs):
  """`tf.split(value, num_or_size_splits, axis)`, or TF 0.x's
  `tf.split(split_dim, num_split, value)`."""
  if "split_dim" in kwargs:
    kwargs["axis"] = kwargs.pop("split_dim")
  if "num_split" in kwargs:
    kwargs["num_or_size_splits"] = kwargs.pop("num_split")
  old = (len(args) >= 3 and _is_int(args[0]) and not _is_int(args[2])) or (
      len(args) == 2 and _is_int(args[0]) and "value" in kwargs)
  if old:
    kwargs["axis"] = args[0]
    kwargs["num_or_size_splits"] = args[1]
    if len(args) >= 3:
      kwargs["value"] = args[2]
    if len(args) >= 4:
      kwargs["name"] = args[3]
    return array_ops.split(**kwargs)
  return array_ops.split(*args, **kwargs)


def _logits_first(function, names, renames=None):
  """`function` also taking TF 0.x's positional arguments `names`
  (`logits` first) and keywords (`renames`: old -> new); TF1 calls pass
  unchanged."""
  def wrapper(*args, **kwargs):
    for old, new in (renames or {}).items():
      if old in kwargs:
        kwargs[new] = kwargs.pop(old)
    if args:
      if len(args) > len(names):
        raise TypeError("%s takes at most %d positional arguments (%s), got "
                        "%d" % (function.__name__, len(names),
                                ", ".join(names), len(args)))
      kwargs.update(zip(names, args))
    return function(**kwargs)
  wrapper.__name__ = function.__name__
  wrapper.__doc__ = ("`tf.nn.%s`, also with TF 0.x's positional "
                     "`(%s)`." % (function.__name__, ", ".join(names)))
  return wrapper


# -- TF 0.x's summary ops ----------------------------------------------------

def _add_summary(value, collections):
  for key in (_SUMMARIES,) if collections is None else collections:
    _V1.add_to_collection(key, value)
  return value


def scalar_summary(tags, values, collections=None, name=None):
  """TF 0.x's `tf.scalar_summary`: `tags` any string (or strings, shaped
  as `values`), not a name scope."""
  with _V1.name_scope(name, "ScalarSummary", [tags, values]) as scope:
    return _add_summary(tf.raw_ops.ScalarSummary(
        tags=tags, values=values, name=scope), collections)


def histogram_summary(tag, values, collections=None, name=None):
  """TF 0.x's `tf.histogram_summary`."""
  with _V1.name_scope(name, "HistogramSummary", [tag, values]) as scope:
    return _add_summary(tf.raw_ops.HistogramSummary(
        tag=tag, values=values, name=scope), collections)


def image_summary(tag, tensor, max_images=3, collections=None, name=None):
  """TF 0.x's `tf.image_summary`."""
  with _V1.name_scope(name, "ImageSummary", [tag, tensor]) as scope:
    return _add_summary(tf.raw_ops.ImageSummary(
        tag=tag, tensor=tensor, max_images=max_images, name=scope),
                        collections)


def audio_summary(tag, tensor, sample_rate, max_outputs=3, collections=None,
                  name=None):
  """TF 0.x's `tf.audio_summary`."""
  with _V1.name_scope(name, "AudioSummary", [tag, tensor]) as scope:
    return _add_summary(tf.raw_ops.AudioSummaryV2(
        tag=tag, tensor=tensor, sample_rate=sample_rate,
        max_outputs=max_outputs, name=scope), collections)


class SummaryWriter(_V1.summary.FileWriter):
  """TF 0.x's `tf.train.SummaryWriter`: `tf.summary.FileWriter`, also
  taking a `GraphDef` (TF 0.x's `sess.graph_def`) as its graph."""

  def __init__(self, logdir, graph=None, *args, **kwargs):
    if isinstance(graph, _V1.GraphDef):
      kwargs["graph_def"], graph = graph, None
    super().__init__(logdir, graph, *args, **kwargs)


# -- others ------------------------------------------------------------------

def batch_matmul(x, y, adj_x=False, adj_y=False, name=None):
  """TF 0.x's `tf.batch_matmul`: `tf.matmul` with `adjoint_a/b`."""
  return _V1.matmul(x, y, adjoint_a=adj_x, adjoint_b=adj_y, name=name)


def op_scope(values, name, default_name=None):
  """TF 0.x's `tf.op_scope(values, name, default_name)`."""
  return _V1.name_scope(name, default_name, values)


def linear(args, output_size, bias, bias_start=0.0, scope=None):
  """TF 0.x's `tf.nn.rnn_cell._linear`: `concat(args, 1) @ Matrix + Bias`
  in variable scope `scope` or "Linear"."""
  with _V1.variable_scope(scope or "Linear"):
    return contrib_wrappers.linear(
        args, output_size, bias,
        bias_initializer=_V1.constant_initializer(bias_start),
        kernel_name="Matrix", bias_name="Bias")


def top_level():
  """Names for the top of `tf` (TensorFlow's v1 functions they became)."""
  return {
      "concat": concat, "split": split,
      "scalar_summary": scalar_summary,
      "histogram_summary": histogram_summary,
      "image_summary": image_summary, "audio_summary": audio_summary,
      "merge_summary": _V1.summary.merge,
      "merge_all_summaries": _V1.summary.merge_all,
      "mul": _V1.multiply, "sub": _V1.subtract, "neg": _V1.negative,
      "inv": _V1.reciprocal, "pack": _V1.stack, "unpack": _V1.unstack,
      "select": _V1.where, "listdiff": _V1.setdiff1d,
      "list_diff": _V1.setdiff1d, "complex_abs": _V1.abs,
      "batch_matmul": batch_matmul, "op_scope": op_scope,
  }


def nn(legacy_seq2seq):
  """Names for `tf.nn`; `legacy_seq2seq` is the namespace `tf.nn.seq2seq`
  gives (TF 1.0 moved it to `tf.contrib.legacy_seq2seq`)."""
  return {
      "rnn": _V1.nn.static_rnn,
      "bidirectional_rnn": _V1.nn.static_bidirectional_rnn,
      "state_saving_rnn": _V1.nn.static_state_saving_rnn,
      "seq2seq": legacy_seq2seq,
      "softmax_cross_entropy_with_logits": _logits_first(
          nn_ops.softmax_cross_entropy_with_logits,
          ("logits", "labels", "dim", "name")),
      "sparse_softmax_cross_entropy_with_logits": _logits_first(
          nn_ops.sparse_softmax_cross_entropy_with_logits,
          ("logits", "labels", "name")),
      "sigmoid_cross_entropy_with_logits": _logits_first(
          nn_impl.sigmoid_cross_entropy_with_logits,
          ("logits", "labels", "name"), {"targets": "labels"}),
  }


RNN_CELL = {"_linear": linear}
TRAIN = {"SummaryWriter": SummaryWriter}
IMAGE = {"per_image_whitening": _V1.image.per_image_standardization}
