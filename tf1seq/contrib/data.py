"""TF1's `tf.contrib.data` transformations on TensorFlow 2's `tf.data`.

The names TF1.15 had only in `tf.contrib.data` (`batch_and_drop_remainder`,
`padded_batch_and_drop_remainder`, `sliding_window_batch`,
`sloppy_interleave`) are written here on `tf.data.Dataset`; the rest
(`group_by_window`, `shuffle_and_repeat`, `bucket_by_sequence_length`,
`map_and_batch`, `parallel_interleave`, `unbatch`, `scan`, ...) are
`tf.compat.v1.data.experimental`'s, which kept TF1's signatures.

Usage:

  dataset = dataset.apply(data.batch_and_drop_remainder(32))
  dataset = dataset.apply(data.group_by_window(
      key_func, lambda key, window: window.batch(8), window_size=8))
"""

import tensorflow as tf

_experimental = tf.compat.v1.data.experimental

group_by_window = _experimental.group_by_window
shuffle_and_repeat = _experimental.shuffle_and_repeat
bucket_by_sequence_length = _experimental.bucket_by_sequence_length
map_and_batch = _experimental.map_and_batch
parallel_interleave = _experimental.parallel_interleave
unbatch = _experimental.unbatch
scan = _experimental.scan

# TF1.15's tf.contrib.data names that tf.compat.v1.data.experimental also
# has, under the same names and signatures (see `experimental_names`).
EXPERIMENTAL_NAMES = (
    "AUTOTUNE", "Counter", "CsvDataset", "Optional", "RandomDataset",
    "Reducer", "SqlDataset", "TFRecordWriter", "bucket_by_sequence_length",
    "choose_from_datasets", "copy_to_device", "dense_to_sparse_batch",
    "enumerate_dataset", "get_next_as_optional", "get_single_element",
    "group_by_reducer", "group_by_window", "ignore_errors",
    "make_batched_features_dataset", "make_csv_dataset",
    "make_saveable_from_iterator", "map_and_batch", "parallel_interleave",
    "parse_example_dataset", "prefetch_to_device", "rejection_resample",
    "sample_from_datasets", "scan", "shuffle_and_repeat", "unbatch",
    "unique")


def experimental_names():
  """{name: object} of `EXPERIMENTAL_NAMES` in tf.compat.v1.data.experimental.

  Names this TensorFlow no longer has are left out.
  """
  return {name: getattr(_experimental, name) for name in EXPERIMENTAL_NAMES
          if hasattr(_experimental, name)}


globals().update(experimental_names())

# The names of TF1.15's tf.contrib.data this module provides.
__all__ = sorted(set(experimental_names()) | {
    "batch_and_drop_remainder", "padded_batch_and_drop_remainder",
    "sliding_window_batch", "sloppy_interleave"})


def batch_and_drop_remainder(batch_size):
  """A transformation that batches, dropping a final incomplete batch.

  Args:
    batch_size: A `tf.int64` scalar: the number of consecutive elements of
      the dataset to combine in a single batch.

  Returns:
    A `Dataset` transformation function, for `tf.data.Dataset.apply`.
  """
  return lambda dataset: dataset.batch(batch_size, drop_remainder=True)


def padded_batch_and_drop_remainder(batch_size,
                                    padded_shapes,
                                    padding_values=None):
  """A transformation that pads and batches, dropping an incomplete batch.

  Args:
    batch_size: A `tf.int64` scalar: the batch size.
    padded_shapes: The shape (nested like the elements) each component is
      padded to before batching; -1 or None pads to the longest in the batch.
    padding_values: (Optional) The padding value of each component; zeros
      (or empty strings) by default.

  Returns:
    A `Dataset` transformation function, for `tf.data.Dataset.apply`.
  """
  return lambda dataset: dataset.padded_batch(
      batch_size, padded_shapes, padding_values, drop_remainder=True)


def sliding_window_batch(window_size,
                         stride=None,
                         window_shift=None,
                         window_stride=1):
  """Batches of `window_size` elements, the window sliding by `window_shift`.

  A window is elements `i, i + window_stride, ...`; windows start every
  `window_shift` elements, and one that cannot fill up is dropped:

    {1, 2, 3, 4, 5} with window_size=3 gives {[1, 2, 3], [2, 3, 4],
    [3, 4, 5]}; with window_shift=2, {[1, 2, 3], [3, 4, 5]}.

  Args:
    window_size: A `tf.int64` scalar, the elements per window (positive).
    stride: (Optional.) Deprecated alias for `window_shift`.
    window_shift: (Optional.) The shift between windows; default 1.
    window_stride: (Optional.) The stride of elements in a window; default 1.

  Returns:
    A `Dataset` transformation function, for `tf.data.Dataset.apply`.

  Raises:
    ValueError: if both `stride` and `window_shift` are given.
  """
  if stride is not None and window_shift is not None:
    raise ValueError("Cannot specify both `stride` and `window_shift`")
  shift = window_shift if window_shift is not None else (
      stride if stride is not None else 1)

  def apply_fn(dataset):
    windows = dataset.window(window_size, shift, window_stride,
                             drop_remainder=True)

    def batch_window(*components):
      # A window is a (nested) structure of datasets, one per component.
      window = components[0] if len(components) == 1 else components
      if isinstance(window, tf.data.Dataset):
        return window.batch(window_size)
      return tf.data.Dataset.zip(tf.nest.map_structure(
          lambda d: d.batch(window_size), window))

    return windows.flat_map(batch_window)

  return apply_fn


def sloppy_interleave(map_func, cycle_length, block_length=1):
  """`parallel_interleave` with `sloppy=True`: order may vary for speed.

  Args:
    map_func: A function from an element to a dataset.
    cycle_length: The number of input datasets to interleave from in
      parallel.
    block_length: The number of consecutive elements to pull from an input
      dataset before advancing to the next one.

  Returns:
    A `Dataset` transformation function, for `tf.data.Dataset.apply`.
  """
  return parallel_interleave(map_func, cycle_length, block_length,
                             sloppy=True)
