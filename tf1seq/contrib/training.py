"""TF1's `tf.contrib.training`, Keras-free: HParams and bucketing by length.

`HParams` holds a model's hyperparameters as typed name-value pairs that a
`--hparams=name=value,...` flag or JSON overrides, with TensorFlow 1.15's
parsing, type rules and error messages. `bucket` and
`bucket_by_sequence_length` are TF1's queue-based batching (on
`tf.compat.v1` queues and queue runners): examples go to a queue per bucket
and come out in batches of one bucket each, padded to the longest when
`dynamic_pad=True`. `checkpoints_iterator` is TensorFlow's own
(`tf.train`); `wait_for_new_checkpoint` polls `tf.train.latest_checkpoint`.

Usage:

  hparams = training.HParams(learning_rate=0.1, layers=[128, 64],
                             cell="lstm")
  hparams.parse("learning_rate=0.3,layers=[256,256]")
  hparams.learning_rate  # 0.3

  lengths, (tokens,) = training.bucket_by_sequence_length(
      length, [tokens], batch_size=32, bucket_boundaries=[10, 20],
      dynamic_pad=True)  # Then tf.compat.v1.train.start_queue_runners.
"""

import json
import numbers
import re
import time

import numpy as np
import tensorflow as tf

__all__ = ["HParams", "parse_values", "bucket", "bucket_by_sequence_length",
           "checkpoints_iterator", "wait_for_new_checkpoint"]

checkpoints_iterator = tf.train.checkpoints_iterator


def wait_for_new_checkpoint(checkpoint_dir, last_checkpoint=None,
                            seconds_to_sleep=1, timeout=None):
  """Waits until a checkpoint other than `last_checkpoint` appears.

  Args:
    checkpoint_dir: The directory in which checkpoints are saved.
    last_checkpoint: The last checkpoint path used or `None` if we're
      expecting a checkpoint for the first time.
    seconds_to_sleep: The number of seconds to sleep between checks.
    timeout: The maximum number of seconds to wait; None waits forever.

  Returns:
    A new checkpoint path, or None if the timeout was reached.
  """
  deadline = None if timeout is None else time.time() + timeout
  while True:
    path = tf.train.latest_checkpoint(checkpoint_dir)
    if path is not None and path != last_checkpoint:
      return path
    if deadline is not None and time.time() + seconds_to_sleep > deadline:
      return None
    time.sleep(seconds_to_sleep)


# -- Parsing "name=value,..." -----------------------------------------------

# One assignment: `name=value`, `name[index]=value` or `name=[v1,v2,...]`,
# followed by a comma or the end. Names may contain dots, as TF1's did.
_ASSIGNMENT = re.compile(r"""
  (?P<name>[a-zA-Z][\w\.]*)
  (\[\s*(?P<index>\d+)\s*\])?
  \s*=\s*
  ((?P<val>[^,\[]*) | \[(?P<vals>[^\]]*)\])
  ($|,\s*)""", re.VERBOSE)


def _parse_fail(name, var_type, value, values):
  raise ValueError("Could not parse hparam '%s' of type '%s' with value '%s' "
                   "in %s" % (name, var_type.__name__, value, values))


def _reuse_fail(name, values):
  raise ValueError("Multiple assignments to variable '%s' in %s" %
                   (name, values))


def _value_parser(name, var_type, values):
  """The function that parses one value of `var_type` from its text."""
  if var_type is not bool:
    return var_type

  def parse_bool(text):
    if text in ("true", "True"):
      return True
    if text in ("false", "False"):
      return False
    try:
      return bool(int(text))
    except ValueError:
      _parse_fail(name, var_type, text, values)
  return parse_bool


def parse_values(values, type_map, ignore_unknown=False):
  """Parses hyperparameter values from a string into a python map.

  `values` holds comma-separated `name=value` pairs. Values are written as
  for Python (`1`, `-.5e3`), booleans as `true`/`false` (or an integer),
  strings without commas, spaces or brackets, lists as `[v1,v2]`, and one
  list element as `name[index]=value`.

  Args:
    values: String. Comma separated list of `name=value` pairs.
    type_map: A dictionary mapping hyperparameter names to types. A list
      parameter's type is the type of its elements.
    ignore_unknown: Bool. Whether values that are missing a type in type_map
      should be ignored rather than raise a ValueError.

  Returns:
    A python map mapping each name to either a scalar value, a list of scalar
    values, or a dictionary mapping index numbers to scalar values (e.g.
    "x=5,L=[1,2],arr[1]=3" gives {'x': 5, 'L': [1, 2], 'arr': {1: 3}}).

  Raises:
    ValueError: If `values` cannot be parsed, names an unknown
      hyperparameter, assigns a list to a list index, or assigns one name
      twice (e.g. 'a=1,a=2', 'a[1]=1,a[1]=2', or 'a=1,a=[1]').
  """
  results = {}
  pos = 0
  while pos < len(values):
    match = _ASSIGNMENT.match(values, pos)
    if not match:
      raise ValueError("Malformed hyperparameter value: %s" % values[pos:])
    pos = match.end()
    groups = match.groupdict()
    name = groups["name"]
    if name not in type_map:
      if ignore_unknown:
        continue
      raise ValueError("Unknown hyperparameter type for %s" % name)
    var_type = type_map[name]
    parse = _value_parser(name, var_type, values)
    if groups["val"] is not None:
      try:
        parsed = parse(groups["val"])
      except ValueError:
        _parse_fail(name, var_type, groups["val"], values)
      if groups["index"] is None:
        if name in results:
          _reuse_fail(name, values)
        results[name] = parsed
      else:
        if name in results and not isinstance(results[name], dict):
          _reuse_fail(name, values)
        elements = results.setdefault(name, {})
        index = int(groups["index"])
        if index in elements:
          _reuse_fail("%s[%d]" % (name, index), values)
        elements[index] = parsed
    elif groups["vals"] is not None:
      if groups["index"] is not None:
        raise ValueError("Assignment of a list to a list index.")
      if name in results:
        _reuse_fail(name, values)
      try:
        results[name] = [parse(text) for text in
                         re.split("[ ,]", groups["vals"]) if text]
      except ValueError:
        _parse_fail(name, var_type, groups["vals"], values)
    else:
      _parse_fail(name, var_type, "", values)
  return results


def _cast_to_type_if_compatible(name, param_type, value):
  """`value` as `param_type`, if TF1's HParams allowed the conversion.

  Strings stay strings, booleans booleans; integers take only integers and
  floats take any number (an int becomes a float).

  Raises:
    ValueError: If the value does not fit the type.
  """
  if type(value) == param_type:  # pylint: disable=unidiomatic-typecheck
    return value
  if issubclass(param_type, type(None)):
    return value
  fits = True
  if issubclass(param_type, (str, bytes)):
    fits = isinstance(value, (str, bytes))
  if issubclass(param_type, bool) != isinstance(value, bool):
    fits = False
  if (issubclass(param_type, numbers.Integral) and
      not isinstance(value, numbers.Integral)):
    fits = False
  if (issubclass(param_type, numbers.Number) and
      not isinstance(value, numbers.Number)):
    fits = False
  if not fits:
    raise ValueError("Could not cast hparam '%s' of type '%s' from value %r" %
                     (name, param_type, value))
  return param_type(value)


class HParams(object):
  """Hyperparameters as name-value pairs, read as attributes.

  Each hyperparameter's type comes from its first value (for a list, its
  first element): int, float, bool, str or lists of them. `parse`,
  `parse_json`, `override_from_dict` and `set_hparam` change values only to
  ones of that type (an int is accepted for a float).

  Usage:

    hparams = HParams(learning_rate=0.1, num_hidden_units=100,
                      activations=["relu", "tanh"])
    hparams.parse("learning_rate=0.3,activations=[relu,relu]")
    hparams.learning_rate  # 0.3
  """

  _HAS_DYNAMIC_ATTRIBUTES = True

  def __init__(self, hparam_def=None, model_structure=None, **kwargs):
    """Creates the hyperparameters from keyword arguments.

    Args:
      hparam_def: TF1's serialized `HParamDef` protocol buffer; not
        supported here (pass keyword arguments or use `parse_json`).
      model_structure: An object stored for `get_model_structure`.
      **kwargs: The hyperparameters' names and values.

    Raises:
      ValueError: If a name is reserved (a method of HParams, such as
        `values`) or a list value is empty.
      NotImplementedError: If `hparam_def` is given.
    """
    self._hparam_types = {}
    self._model_structure = model_structure
    if hparam_def:
      raise NotImplementedError(
          "HParams(hparam_def=...) needs TF1's HParamDef protocol buffer, "
          "which tf1seq does not have; use to_json() and parse_json().")
    for name, value in kwargs.items():
      self.add_hparam(name, value)

  def add_hparam(self, name, value):
    """Adds {name, value} pair to hyperparameters.

    Args:
      name: Name of the hyperparameter.
      value: Value of the hyperparameter: an int, float, bool or str, or a
        non-empty list or tuple of them.

    Raises:
      ValueError: if the name is taken (by a method or a hyperparameter that
        is not None) or the value is an empty list.
    """
    if getattr(self, name, None) is not None:
      raise ValueError("Hyperparameter name is reserved: %s" % name)
    if isinstance(value, (list, tuple)):
      if not value:
        raise ValueError("Multi-valued hyperparameters cannot be empty: %s" %
                         name)
      self._hparam_types[name] = (type(value[0]), True)
    else:
      self._hparam_types[name] = (type(value), False)
    setattr(self, name, value)

  def set_hparam(self, name, value):
    """Set the value of an existing hyperparameter.

    Args:
      name: Name of the hyperparameter.
      value: New value: of the hyperparameter's type (a list for a list).

    Raises:
      KeyError: If the hyperparameter doesn't exist.
      ValueError: If there is a type mismatch.
    """
    param_type, is_list = self._hparam_types[name]
    if isinstance(value, list):
      if not is_list:
        raise ValueError(
            "Must not pass a list for single-valued parameter: %s" % name)
      setattr(self, name, [_cast_to_type_if_compatible(name, param_type, v)
                           for v in value])
    else:
      if is_list:
        raise ValueError(
            "Must pass a list for multi-valued parameter: %s." % name)
      setattr(self, name,
              _cast_to_type_if_compatible(name, param_type, value))

  def del_hparam(self, name):
    """Removes the hyperparameter with key 'name' (if present)."""
    if hasattr(self, name):
      delattr(self, name)
      del self._hparam_types[name]

  def parse(self, values):
    """Overrides values from a string of `name=value` pairs.

    See `parse_values` for the syntax.

    Args:
      values: String. Comma separated list of `name=value` pairs.

    Returns:
      The `HParams` instance.

    Raises:
      ValueError: If `values` cannot be parsed or a hyperparameter in
        `values` doesn't exist.
    """
    type_map = {name: param_type
                for name, (param_type, _) in self._hparam_types.items()}
    return self.override_from_dict(parse_values(values, type_map))

  def override_from_dict(self, values_dict):
    """Overrides values from a dictionary of name: value pairs.

    Args:
      values_dict: Dictionary of name:value pairs.

    Returns:
      The `HParams` instance.

    Raises:
      KeyError: If a hyperparameter in `values_dict` doesn't exist.
      ValueError: If a value does not fit its hyperparameter's type.
    """
    for name, value in values_dict.items():
      self.set_hparam(name, value)
    return self

  def set_from_map(self, values_map):
    """DEPRECATED. Use override_from_dict."""
    return self.override_from_dict(values_dict=values_map)

  def set_model_structure(self, model_structure):
    self._model_structure = model_structure

  def get_model_structure(self):
    return self._model_structure

  def to_json(self, indent=None, separators=None, sort_keys=False):
    """Serializes the hyperparameters into JSON (see `json.dumps`).

    Args:
      indent: JSON indent level; None (the default) is the most compact.
      separators: Optional `(item_separator, key_separator)` tuple.
      sort_keys: If `True`, the output dictionaries will be sorted by key.

    Returns:
      A JSON string.
    """
    return json.dumps(self.values(), indent=indent, separators=separators,
                      sort_keys=sort_keys)

  def parse_json(self, values_json):
    """Overrides values from a JSON object of name: value pairs.

    Args:
      values_json: String containing a json object of name:value pairs.

    Returns:
      The `HParams` instance.

    Raises:
      KeyError: If a hyperparameter in `values_json` doesn't exist.
      ValueError: If `values_json` cannot be parsed.
    """
    return self.override_from_dict(json.loads(values_json))

  def values(self):
    """The hyperparameters as a Python dictionary of name: value."""
    return {name: getattr(self, name) for name in self._hparam_types}

  def get(self, key, default=None):
    """Returns the value of `key` if it exists, else `default`.

    Raises:
      ValueError: If `key` exists and `default` (when not None) does not fit
        its type.
    """
    if key not in self._hparam_types:
      return default
    if default is not None:
      param_type, is_list = self._hparam_types[key]
      type_str = "list<%s>" % param_type if is_list else str(param_type)
      fail_msg = ("Hparam '%s' of type '%s' is incompatible with "
                  "default=%s" % (key, type_str, default))
      if is_list != isinstance(default, list):
        raise ValueError(fail_msg)
      try:
        for value in (default if is_list else [default]):
          _cast_to_type_if_compatible(key, param_type, value)
      except ValueError as e:
        raise ValueError("%s. %s" % (fail_msg, e)) from None
    return getattr(self, key)

  def __contains__(self, key):
    return key in self._hparam_types

  def __str__(self):
    return ",".join("{}={}".format(name, value)
                    for name, value in self.values().items())

  def __repr__(self):
    return "%s(%s)" % (type(self).__name__,
                       str(sorted(self.values().items())))


# -- Bucketing --------------------------------------------------------------

def _as_tensor_list(tensors):
  """A dict's values in sorted key order, else the list itself."""
  if isinstance(tensors, dict):
    return [tensors[key] for key in sorted(tensors)]
  return list(tensors)


def _as_original_type(tensors, tensor_list):
  if isinstance(tensors, dict):
    return dict(zip(sorted(tensors), tensor_list))
  return list(tensor_list)


def bucket(tensors,
           which_bucket,
           batch_size,
           num_buckets,
           num_threads=1,
           capacity=32,
           bucket_capacities=None,
           shapes=None,
           dynamic_pad=False,
           allow_smaller_final_batch=False,
           keep_input=True,
           shared_name=None,
           name=None):
  """Lazy bucketing of input tensors according to `which_bucket`.

  Each example (`tensors`, one element, not a batch) goes to the queue of
  bucket `which_bucket`; whenever a bucket holds a batch, the batch moves to
  a top queue, which the result dequeues. Queue runners (in the
  `QUEUE_RUNNERS` collection) move the data: start them with
  `tf.compat.v1.train.start_queue_runners` or a `MonitoredSession`.

  Args:
    tensors: The list or dictionary of tensors, representing a single
      element, to bucket. SparseTensors are not supported.
    which_bucket: An `int32` scalar Tensor taking a value in
      `[0, num_buckets)`.
    batch_size: The new batch size pulled from the queue: a python int, an
      int32 scalar or a list of one per bucket.
    num_buckets: A python integer, the number of buckets.
    num_threads: An integer. The number of threads enqueuing `tensors`.
    capacity: An integer. The maximum number of minibatches in the top queue,
      and also (by default) the maximum number of elements within each
      bucket.
    bucket_capacities: (Optional) None or a list of integers, the capacities
      of each bucket.
    shapes: (Optional) The shapes for each example. Defaults to the inferred
      shapes for `tensors`.
    dynamic_pad: Boolean. Allow variable dimensions in input shapes, padded
      with zeros to the longest in each batch.
    allow_smaller_final_batch: (Optional) Boolean. If `True`, allow the final
      batches to be smaller if there are insufficient items left in the
      queues.
    keep_input: A `bool` scalar Tensor (or Python bool): whether the example
      is added (True) or dropped.
    shared_name: (Optional). If set, the queues will be shared under the
      given name across multiple sessions.
    name: (Optional) A name for the operations.

  Returns:
    A tuple `(bucket, outputs)` where `bucket` is an `int32` scalar tensor
    and `outputs` is a list or dictionary of batched outputs corresponding
    to elements of `tensors`. Every batch comes from one bucket, `bucket`.

  Raises:
    ValueError: If no tensors are given, the shapes are unknown without
      `dynamic_pad`, or batch_size or bucket_capacities is a list whose
      length is not num_buckets.
    TypeError: If a tensor is a SparseTensor.
  """
  per_bucket_batch = isinstance(batch_size, (list, tuple))
  if per_bucket_batch:
    if len(batch_size) != num_buckets:
      raise ValueError(
          "If batch_size is a list it must have num_buckets elements")
    batch_sizes = list(batch_size)
  else:
    batch_sizes = [batch_size] * num_buckets
  if bucket_capacities is None:
    bucket_capacities = [capacity] * num_buckets
  if len(bucket_capacities) != num_buckets:
    raise ValueError(
        "The list bucket_capacities (%s) must have exactly num_buckets (%d) "
        "elements." % (str(bucket_capacities), num_buckets))
  tensor_list = _as_tensor_list(tensors)
  if any(isinstance(t, tf.SparseTensor) for t in tensor_list):
    raise TypeError("bucket does not support SparseTensor inputs in tf1seq; "
                    "densify them first (tf.sparse.to_dense).")
  with tf.compat.v1.name_scope(name, "bucket", tensor_list) as name:
    tensor_list = [tf.convert_to_tensor(t) for t in tensor_list]
    if not tensor_list:
      raise ValueError("Expected at least one tensor in bucket().")
    static_batch_size = None
    for i, size in enumerate(batch_sizes):
      size = tf.convert_to_tensor(size, dtype=tf.int32, name="batch_size")
      static_batch_size = tf.get_static_value(size)
      batch_sizes[i] = size if static_batch_size is None else int(
          static_batch_size)
    types = [t.dtype for t in tensor_list]
    if shapes is None:
      shapes = [t.shape for t in tensor_list]
      if not dynamic_pad and not all(s.is_fully_defined() for s in shapes):
        raise ValueError("All shapes must be fully defined: %s" % shapes)
    shapes = [tf.TensorShape(s) for s in shapes]
    which_bucket = tf.convert_to_tensor(which_bucket, dtype=tf.int32,
                                        name="which_bucket")
    queue_class = (tf.queue.PaddingFIFOQueue if dynamic_pad
                   else tf.queue.FIFOQueue)
    bucket_queues = [
        queue_class(capacity=bucket_capacities[i], dtypes=types,
                    shapes=shapes,
                    shared_name=(None if shared_name is None else
                                 "%s_%d" % (shared_name, i)),
                    name="bucket_queue_%d" % i)
        for i in range(num_buckets)]
    batch_dim = (None if allow_smaller_final_batch or per_bucket_batch
                 else static_batch_size)
    top_queue = tf.queue.PaddingFIFOQueue(
        capacity=capacity, dtypes=[tf.int32] + types,
        shapes=[tf.TensorShape([])] + [
            tf.TensorShape([batch_dim]).concatenate(s) for s in shapes],
        shared_name=shared_name, name="top_queue")

    def enqueue_to_bucket():
      # Every bucket queue has the same dtypes and shapes, so one enqueue
      # op can pick its queue at run time.
      chosen = tf.queue.QueueBase.from_list(which_bucket, bucket_queues)
      return tf.group(chosen.enqueue(tensor_list))

    keep = tf.get_static_value(tf.convert_to_tensor(keep_input, tf.bool))
    if keep is None:
      maybe_enqueue = tf.cond(tf.convert_to_tensor(keep_input, tf.bool),
                              enqueue_to_bucket, tf.no_op)
    elif keep:
      maybe_enqueue = enqueue_to_bucket()
    else:
      maybe_enqueue = tf.no_op()

    def read(queue, size, i):
      method = (queue.dequeue_up_to if allow_smaller_final_batch
                else queue.dequeue_many)
      batch = method(size, name="read_bucket_%d" % i)
      return list(batch) if isinstance(batch, (list, tuple)) else [batch]

    enqueues_to_top = [
        top_queue.enqueue([tf.constant(i)] + read(queue, size, i),
                          name="enqueue_from_bucket_%d" % i)
        for i, (queue, size) in enumerate(zip(bucket_queues, batch_sizes))]
    closed = (tf.errors.OutOfRangeError, tf.errors.CancelledError)
    tf.compat.v1.train.add_queue_runner(tf.compat.v1.train.QueueRunner(
        bucket_queues[0], enqueues_to_top, close_op=top_queue.close(),
        cancel_op=top_queue.close(cancel_pending_enqueues=True),
        queue_closed_exception_types=closed))
    tf.compat.v1.train.add_queue_runner(tf.compat.v1.train.QueueRunner(
        top_queue, [maybe_enqueue] * num_threads,
        close_op=tf.group(*[q.close() for q in bucket_queues]),
        cancel_op=tf.group(*[q.close(cancel_pending_enqueues=True)
                             for q in bucket_queues]),
        queue_closed_exception_types=closed))
    # TF1's summaries, names included (each bucket's reports the top queue).
    top_size = tf.cast(top_queue.size(), tf.float32)
    for queue in bucket_queues:
      tf.compat.v1.summary.scalar("bucket/%s/size" % queue.name, top_size)
    tf.compat.v1.summary.scalar(
        "bucket/%s/fraction_of_%d_full" % (top_queue.name, capacity),
        top_size * (1. / capacity))
    dequeued = top_queue.dequeue(name="dequeue_top")
    return dequeued[0], _as_original_type(tensors, dequeued[1:])


def bucket_by_sequence_length(input_length,
                              tensors,
                              batch_size,
                              bucket_boundaries,
                              num_threads=1,
                              capacity=32,
                              bucket_capacities=None,
                              shapes=None,
                              dynamic_pad=False,
                              allow_smaller_final_batch=False,
                              keep_input=True,
                              shared_name=None,
                              name=None):
  """Lazy bucketing of inputs according to their length.

  Bucket i holds the lengths in `[bucket_boundaries[i - 1],
  bucket_boundaries[i])`; the first bucket everything below
  `bucket_boundaries[0]` and the last everything from
  `bucket_boundaries[-1]` up. See `bucket` for the other arguments.

  Args:
    input_length: `int32` scalar `Tensor`, the sequence length of tensors.
    tensors: The list or dictionary of tensors, representing a single
      element, to bucket.
    batch_size: The new batch size pulled from the queue (an int, int32
      scalar or one per bucket).
    bucket_boundaries: int list, increasing non-negative numbers.
    num_threads: An integer. The number of threads enqueuing `tensors`.
    capacity: An integer. The maximum number of minibatches in the top queue,
      and also the maximum number of elements within each bucket.
    bucket_capacities: (Optional) None or a list of integers, the capacities
      of each bucket (one more than bucket_boundaries).
    shapes: (Optional) The shapes for each example.
    dynamic_pad: Boolean. Pad variable dimensions to the longest per batch.
    allow_smaller_final_batch: (Optional) Boolean. If `True`, allow the final
      batches to be smaller.
    keep_input: A `bool` scalar Tensor: whether to add the input or drop it.
    shared_name: (Optional). If set, the queues will be shared under the
      given name across multiple sessions.
    name: (Optional) A name for the operations.

  Returns:
    A tuple `(sequence_length, outputs)` where `sequence_length` is a 1-D
    `Tensor` of size `batch_size` and `outputs` is a list or dictionary of
    batched, bucketed, outputs corresponding to elements of `tensors`.

  Raises:
    TypeError: if `bucket_boundaries` is not a list of python integers.
    ValueError: if `bucket_boundaries` is empty or contains non-increasing
      values or if batch_size is a list and it's length doesn't equal the
      number of buckets.
  """
  tensor_list = _as_tensor_list(tensors)
  if not isinstance(bucket_boundaries, (list, tuple)):
    raise TypeError(
        "bucket_boundaries must be a list or tuple, but received: %s" %
        bucket_boundaries)
  if not bucket_boundaries:
    raise ValueError("bucket_boundaries must not be empty")
  for start, end in zip(bucket_boundaries[:-1], bucket_boundaries[1:]):
    if not isinstance(start, int) or not isinstance(end, int):
      raise TypeError("bucket boundaries must be integers, but saw: %s and %s"
                      % (start, end))
    if start >= end:
      raise ValueError("Buckets must contain sequential increasing lengths, "
                       "but saw: %d before %d" % (start, end))
  with tf.compat.v1.name_scope(name, "bucket_by_sequence_length",
                               [input_length] + tensor_list) as name:
    input_length = tf.convert_to_tensor(input_length, dtype=tf.int32,
                                        name="input_length")
    # The bucket is the number of boundaries at or below the length.
    which_bucket = tf.reduce_sum(tf.cast(
        tf.less_equal(np.array(bucket_boundaries, np.int32), input_length),
        tf.int32))
    if shapes is not None:
      shapes = [tf.TensorShape([])] + list(shapes)
    _, dequeued = bucket(
        tensors=[input_length] + tensor_list, which_bucket=which_bucket,
        batch_size=batch_size, num_buckets=len(bucket_boundaries) + 1,
        num_threads=num_threads, capacity=capacity,
        bucket_capacities=bucket_capacities, shapes=shapes,
        dynamic_pad=dynamic_pad,
        allow_smaller_final_batch=allow_smaller_final_batch,
        keep_input=keep_input, shared_name=shared_name)
    return dequeued[0], _as_original_type(tensors, dequeued[1:])
