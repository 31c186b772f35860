"""TF1's `tensorflow.examples.tutorials.mnist.input_data`, for old scripts.

`read_data_sets` and `DataSet` keep TF1's names, signatures, shapes, dtypes
and `next_batch` epoch semantics; only the import line changes:

  from tf1seq.data import input_data

  mnist = input_data.read_data_sets("MNIST_data/", one_hot=True)
  images, labels = mnist.train.next_batch(100)  # [100, 784] f32, [100, 10]
  mnist.test.images.shape                        # (10000, 784)

Where the data comes from: the four IDX files in `train_dir` if they are
all there (`.gz` or not, as TF1 left them); otherwise `source`, which
defaults to the environment variable `TF1SEQ_MNIST_SOURCE`, else "mnist":

  "mnist"          full MNIST from tf1seq's download cache, downloading it
                   there (SHA-256 checked) when missing; not into `train_dir`.
  "fashion_mnist"  Fashion-MNIST, likewise (or Debian's copy).
  "mnist_sample"   the 10,000 real digits shipped with tf1seq (8,000 train,
                   2,000 test), offline; `train_dir` is not read.

A script that cannot be edited runs offline with

  TF1SEQ_MNIST_SOURCE=mnist_sample python old_script.py

(with the default `validation_size=5000` it then trains on 3,000 images).

Differences from TF1, on purpose: shuffling draws from each `DataSet`'s own
`np.random.RandomState(seed)` instead of reseeding numpy's global generator;
`next_batch` refuses a `batch_size` outside 1..num_examples instead of
returning a short batch; downloads go to the cache and are checksummed.
This module imports neither TensorFlow nor Keras: `dtype` may be
`tf.float32`/`tf.uint8` or the numpy equivalents.
"""

import collections
import os

import numpy as np

from tf1seq.data import mnist

SOURCE_ENV = "TF1SEQ_MNIST_SOURCE"
DEFAULT_SOURCE = "mnist"
# TF1's default; tried before the other mirrors of `mnist.MIRRORS`.
DEFAULT_SOURCE_URL = "https://storage.googleapis.com/cvdf-datasets/mnist/"
_FAKE_NUM_EXAMPLES = 10000  # As TF1.

Datasets = collections.namedtuple("Datasets", ["train", "validation", "test"])


def _numpy_dtype(dtype):
  """float32 or uint8 from a tf.DType, numpy dtype or name; else TypeError."""
  # A tf.DType has `as_numpy_dtype`; reading it needs no TensorFlow import.
  as_numpy = getattr(dtype, "as_numpy_dtype", dtype)
  try:
    result = np.dtype(as_numpy)
  except TypeError:
    result = None
  if result not in (np.dtype(np.float32), np.dtype(np.uint8)):
    raise TypeError("Invalid image dtype %r, expected uint8 or float32" %
                    (dtype,))
  return result


def dense_to_one_hot(labels_dense, num_classes):
  """Converts class labels from scalars to one-hot vectors, as TF1 did.

  Args:
    labels_dense: int array [N].
    num_classes: width of each vector.

  Returns:
    float64 array [N, num_classes] with a 1 at each label.
  """
  num_labels = labels_dense.shape[0]
  labels_one_hot = np.zeros((num_labels, num_classes))
  labels_one_hot[np.arange(num_labels), labels_dense.ravel()] = 1
  return labels_one_hot


class DataSet(object):
  """Images and labels served in shuffled batches, epoch by epoch (TF1)."""

  def __init__(self, images, labels, fake_data=False, one_hot=False,
               dtype=np.float32, reshape=True, seed=None):
    """Builds a data set.

    Args:
      images: uint8 array [N, rows, columns, 1] (or [N, rows, columns]),
        values 0..255.
      labels: array [N] (or [N, classes] when one-hot).
      fake_data: serve constant fake batches (TF1's unit-test mode).
      one_hot: for `fake_data`: whether fake labels are one-hot.
      dtype: float32 (images scaled to [0, 1]) or uint8 (kept 0..255);
        `tf.float32`, `np.float32` or "float32" alike.
      reshape: flatten images to [N, rows * columns].
      seed: of the shuffling; None for a fresh one each time.

    Raises:
      TypeError: `dtype` is not float32 or uint8.
      ValueError: images and labels differ in count, or images are not
        [N, rows, columns(, 1)].
    """
    dtype = _numpy_dtype(dtype)
    self._rng = np.random.RandomState(seed)
    if fake_data:
      self._num_examples = _FAKE_NUM_EXAMPLES
      self.one_hot = one_hot
    else:
      images = np.asarray(images)
      labels = np.asarray(labels)
      if images.shape[0] != labels.shape[0]:
        raise ValueError("images.shape: %s labels.shape: %s" %
                         (images.shape, labels.shape))
      if images.ndim == 3:
        images = images[..., np.newaxis]
      if images.ndim != 4 or images.shape[3] != 1:
        raise ValueError("images must be [N, rows, columns, 1], got shape %s"
                         % (images.shape,))
      self._num_examples = images.shape[0]
      if reshape:
        images = images.reshape(images.shape[0],
                                images.shape[1] * images.shape[2])
      if dtype == np.float32:
        # Convert from [0, 255] -> [0.0, 1.0], as TF1.
        images = np.multiply(images.astype(np.float32), 1.0 / 255.0)
    self._images = images
    self._labels = labels
    self._epochs_completed = 0
    self._index_in_epoch = 0

  @property
  def images(self):
    return self._images

  @property
  def labels(self):
    return self._labels

  @property
  def num_examples(self):
    return self._num_examples

  @property
  def epochs_completed(self):
    return self._epochs_completed

  def _shuffle(self):
    perm = np.arange(self._num_examples)
    self._rng.shuffle(perm)
    self._images = self._images[perm]
    self._labels = self._labels[perm]

  def next_batch(self, batch_size, fake_data=False, shuffle=True):
    """Returns the next `batch_size` examples, as TF1's `next_batch`.

    Each epoch serves every example exactly once, in a new order when
    `shuffle`. A batch that crosses the end of an epoch takes the rest of
    it, then (after reshuffling) the first examples of the next;
    `epochs_completed` counts up when a batch needs the next epoch's
    examples (so after a batch that ended an epoch exactly, on the next
    call).

    Args:
      batch_size: examples per batch, 1..num_examples.
      fake_data: return TF1's constant fake batch (lists of 784 ones).
      shuffle: shuffle at the start of each epoch.

    Returns:
      (images, labels), each with `batch_size` rows.

    Raises:
      ValueError: `batch_size` is not in 1..num_examples.
    """
    if fake_data:
      fake_image = [1] * 784
      if self.one_hot:
        fake_label = [1] + [0] * 9
      else:
        fake_label = 0
      return ([fake_image for _ in range(batch_size)],
              [fake_label for _ in range(batch_size)])
    if not 0 < batch_size <= self._num_examples:
      raise ValueError("batch_size must be in 1..%d (the examples in this "
                       "data set), got %d" % (self._num_examples, batch_size))
    start = self._index_in_epoch
    # Shuffle for the first epoch.
    if self._epochs_completed == 0 and start == 0 and shuffle:
      self._shuffle()
    if start + batch_size > self._num_examples:
      # Finished epoch.
      self._epochs_completed += 1
      rest_num_examples = self._num_examples - start
      images_rest_part = self._images[start:self._num_examples]
      labels_rest_part = self._labels[start:self._num_examples]
      if shuffle:
        self._shuffle()
      # Start next epoch.
      self._index_in_epoch = batch_size - rest_num_examples
      end = self._index_in_epoch
      return (np.concatenate((images_rest_part, self._images[:end]), axis=0),
              np.concatenate((labels_rest_part, self._labels[:end]), axis=0))
    self._index_in_epoch += batch_size
    end = self._index_in_epoch
    return self._images[start:end], self._labels[start:end]


def _load_splits(train_dir, source, source_url):
  """Returns `mnist.Splits` from `train_dir` or `source` (see module doc)."""
  if source is None:
    source = os.environ.get(SOURCE_ENV) or DEFAULT_SOURCE
  if source not in mnist.DATASETS:
    raise ValueError("source must be one of %s (argument `source` or $%s), "
                     "got %r" % (", ".join(mnist.DATASETS), SOURCE_ENV,
                                 source))
  if source == "mnist_sample":
    return mnist.load(source)
  if mnist.has_files(train_dir):
    return mnist.load_dir(train_dir)
  mirrors = list(mnist.MIRRORS[source])
  # TF1's default URL is MNIST's: it is no mirror of Fashion-MNIST.
  if source_url and source_url.rstrip("/") not in [
      m.rstrip("/") for m in mirrors + [DEFAULT_SOURCE_URL]]:
    mirrors.insert(0, source_url)
  try:
    return mnist.load(source, mirrors=mirrors)
  except mnist.DataNotFoundError as e:
    raise mnist.DataNotFoundError(
        "%s\nread_data_sets(%r): the four files are not in that directory "
        "and %s could not be had. To run offline on the embedded "
        "real-digit sample, pass source='mnist_sample' or set the "
        "environment variable %s=mnist_sample." %
        (e, train_dir, source, SOURCE_ENV)) from e


def read_data_sets(train_dir, fake_data=False, one_hot=False,
                   dtype=np.float32, reshape=True, validation_size=5000,
                   seed=None, source_url=DEFAULT_SOURCE_URL, source=None):
  """Reads MNIST as TF1's `input_data.read_data_sets` did.

  Args:
    train_dir: a directory that may hold the four IDX files (`.gz` or not);
      used when all four are there and `source` is not "mnist_sample".
    fake_data: return fake `DataSet`s (TF1's unit-test mode).
    one_hot: labels as float64 one-hot [N, 10] instead of uint8 [N].
    dtype: float32 (images in [0, 1]) or uint8 (0..255); `tf.float32`,
      `tf.uint8` or numpy dtypes.
    reshape: images [N, 784] when True, [N, 28, 28, 1] when False.
    validation_size: the first this many training images become
      `.validation`.
    seed: of each `DataSet`'s shuffling; None: not reproducible.
    source_url: tried first when downloading (TF1's argument); files must
      still match the published SHA-256.
    source: "mnist", "fashion_mnist" or "mnist_sample" (see the module
      docstring); default `$TF1SEQ_MNIST_SOURCE`, else "mnist".

  Returns:
    `Datasets(train, validation, test)` of `DataSet`s.

  Raises:
    ValueError: `validation_size` is not in 0..(training images), or
      `source` is unknown.
    TypeError: `dtype` is not float32 or uint8.
    mnist.DataNotFoundError: no files in `train_dir` and `source` is not to
      be had; the message says how to run on the embedded sample.
    mnist.IdxFormatError, mnist.ChecksumMismatchError: as `mnist.load`.
  """
  _numpy_dtype(dtype)  # Fails before any download.
  if fake_data:
    def fake():
      return DataSet([], [], fake_data=True, one_hot=one_hot, dtype=dtype,
                     seed=seed)
    return Datasets(train=fake(), validation=fake(), test=fake())

  splits = _load_splits(train_dir, source, source_url)
  train_images = splits.train_images[..., np.newaxis]
  test_images = splits.test_images[..., np.newaxis]
  train_labels = splits.train_labels
  test_labels = splits.test_labels
  if one_hot:
    train_labels = dense_to_one_hot(train_labels, mnist.NUM_CLASSES)
    test_labels = dense_to_one_hot(test_labels, mnist.NUM_CLASSES)

  if not 0 <= validation_size <= len(train_images):
    raise ValueError(
        "Validation size should be between 0 and {}. Received: {}.".format(
            len(train_images), validation_size))

  validation_images = train_images[:validation_size]
  validation_labels = train_labels[:validation_size]
  train_images = train_images[validation_size:]
  train_labels = train_labels[validation_size:]

  options = dict(dtype=dtype, reshape=reshape, seed=seed)
  train = DataSet(train_images, train_labels, **options)
  validation = DataSet(validation_images, validation_labels, **options)
  test = DataSet(test_images, test_labels, **options)
  return Datasets(train=train, validation=validation, test=test)


def load_mnist(train_dir="MNIST-data"):
  """TF1's `load_mnist`: `read_data_sets(train_dir)`."""
  return read_data_sets(train_dir)
