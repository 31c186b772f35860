"""Tests for tf1seq.data.input_data: TF1's read_data_sets and DataSet."""

import os
import sys
from unittest import mock

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

from tf1seq.data import input_data
from tf1seq.data import mnist

# The tiny files of mnist_test: image i has every pixel = i, label i % 10.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mnist_test  # pylint: disable=g-import-not-at-top,g-bad-import-order

NUM_TRAIN = 20
NUM_TEST = 7


def ids(images):
  """The example ids of a batch: the first pixel of each image, 0..255."""
  images = np.asarray(images)
  return [int(round(float(v))) for v in
          images.reshape(len(images), -1)[:, 0] * (
              255 if images.dtype == np.float32 else 1)]


class ReadDataSetsTest(tf.test.TestCase, parameterized.TestCase):

  def setUp(self):
    super().setUp()
    self.train_dir = self.create_tempdir().full_path
    mnist_test.write_dataset(
        self.train_dir, mnist_test.tiny_splits(NUM_TRAIN, NUM_TEST))
    # No test may reach a real mirror or the user's cache.
    self.cache_dir = self.create_tempdir().full_path
    patcher = mock.patch.dict(os.environ, {
        mnist.CACHE_DIR_ENV: self.cache_dir, "no_proxy": "127.0.0.1",
        "NO_PROXY": "127.0.0.1"})
    patcher.start()
    self.addCleanup(patcher.stop)
    os.environ.pop(input_data.SOURCE_ENV, None)
    patcher = mock.patch.dict(mnist.MIRRORS, {
        "mnist": ["http://127.0.0.1:1/"],
        "fashion_mnist": ["http://127.0.0.1:1/"]})
    patcher.start()
    self.addCleanup(patcher.stop)

  def read(self, train_dir=None, **kwargs):
    kwargs.setdefault("source_url", "http://127.0.0.1:1/")
    return input_data.read_data_sets(
        self.train_dir if train_dir is None else train_dir, **kwargs)

  def test_shapes_and_values(self):
    data = self.read(validation_size=5, seed=0)
    self.assertEqual(data.train.num_examples, 15)
    self.assertEqual(data.validation.num_examples, 5)
    self.assertEqual(data.test.num_examples, NUM_TEST)
    self.assertEqual(data.train.images.shape, (15, 784))
    self.assertEqual(data.train.images.dtype, np.float32)
    self.assertEqual(data.train.labels.dtype, np.uint8)
    # The first 5 training images are the validation set, in file order.
    self.assertAllEqual(ids(data.validation.images), [0, 1, 2, 3, 4])
    self.assertAllEqual(data.validation.labels, [0, 1, 2, 3, 4])
    self.assertAllEqual(ids(data.train.images), range(5, 20))
    self.assertAllClose(data.train.images[0], np.full([784], 5 / 255.0))
    self.assertAllEqual(data.test.labels, [0, 1, 2, 3, 4, 5, 6])

  @parameterized.parameters(
      (np.float32, np.float32, 19 / 255.0),
      (tf.float32, np.float32, 19 / 255.0),
      ("float32", np.float32, 19 / 255.0),
      (np.uint8, np.uint8, 19),
      (tf.uint8, np.uint8, 19))
  def test_dtype(self, dtype, expected_dtype, expected_max):
    data = self.read(dtype=dtype, validation_size=0)
    self.assertEqual(data.train.images.dtype, expected_dtype)
    self.assertAllClose(data.train.images.max(), expected_max)
    self.assertAllClose(data.train.images.min(), 0)

  @parameterized.parameters(tf.int32, np.float64, "string")
  def test_invalid_dtype(self, dtype):
    with self.assertRaisesRegex(TypeError, r"Invalid image dtype .*, "
                                r"expected uint8 or float32"):
      self.read(dtype=dtype)

  @parameterized.parameters((True, (15, 784)), (False, (15, 28, 28, 1)))
  def test_reshape(self, reshape, shape):
    data = self.read(reshape=reshape, validation_size=5)
    self.assertEqual(data.train.images.shape, shape)
    self.assertEqual(data.test.images.shape, (NUM_TEST,) + shape[1:])

  def test_one_hot(self):
    data = self.read(one_hot=True, validation_size=5)
    self.assertEqual(data.train.labels.shape, (15, 10))
    self.assertEqual(data.train.labels.dtype, np.float64)
    self.assertAllEqual(data.test.labels[3], [0, 0, 0, 1, 0, 0, 0, 0, 0, 0])
    self.assertAllEqual(np.argmax(data.train.labels, 1),
                        np.arange(5, 20) % 10)
    self.assertAllEqual(data.train.labels.sum(1), np.ones(15))

  @parameterized.parameters(0, 7, 20)
  def test_validation_sizes(self, validation_size):
    data = self.read(validation_size=validation_size)
    self.assertEqual(data.validation.num_examples, validation_size)
    self.assertEqual(data.train.num_examples, NUM_TRAIN - validation_size)

  @parameterized.parameters(21, -1)
  def test_validation_size_out_of_range(self, validation_size):
    with self.assertRaisesRegex(
        ValueError, r"Validation size should be between 0 and 20\. "
        r"Received: %d\." % validation_size):
      self.read(validation_size=validation_size)

  def test_fake_data(self):
    data = self.read(fake_data=True, one_hot=True)
    self.assertEqual(data.train.num_examples, 10000)
    images, labels = data.train.next_batch(3, fake_data=True)
    self.assertEqual(np.shape(images), (3, 784))
    self.assertAllEqual(labels[0], [1, 0, 0, 0, 0, 0, 0, 0, 0, 0])

  def test_train_dir_missing_falls_back_to_cached_mnist(self):
    mnist_test.write_dataset(os.path.join(self.cache_dir, "mnist"),
                             mnist_test.tiny_splits(30, 9))
    hashes = {name + ".gz": mnist.sha256_of(mnist.find_file(
        os.path.join(self.cache_dir, "mnist"), name))
              for name in mnist.FILE_NAMES}
    with mock.patch.dict(mnist.SHA256, {"mnist": hashes}):
      data = self.read(self.create_tempdir().full_path, validation_size=0)
    self.assertEqual(data.train.num_examples, 30)
    self.assertEqual(data.test.num_examples, 9)

  def test_source_url_tried_first(self):
    mirror = self.create_tempdir().full_path
    paths = mnist_test.write_dataset(mirror, mnist_test.tiny_splits(30, 9))
    hashes = {os.path.basename(p): mnist.sha256_of(p)
              for p in paths.values()}
    url = mnist_test.serve(self, mirror)
    with mock.patch.dict(mnist.SHA256, {"mnist": hashes}):
      data = self.read(self.create_tempdir().full_path, source_url=url,
                       validation_size=10)
    self.assertEqual(data.train.num_examples, 20)
    self.assertTrue(mnist.has_files(os.path.join(self.cache_dir, "mnist")))

  def test_unavailable_suggests_the_sample(self):
    empty = self.create_tempdir().full_path
    with self.assertRaisesRegex(
        mnist.DataNotFoundError,
        r"(?s)could not download.*the four files are not in that directory "
        r"and mnist could not be had\. To run offline on the embedded "
        r"real-digit sample, pass source='mnist_sample' or set the "
        r"environment variable TF1SEQ_MNIST_SOURCE=mnist_sample\."):
      self.read(empty)
    self.assertTrue(issubclass(mnist.DataNotFoundError, IOError))

  def test_source_mnist_sample(self):
    data = self.read(source="mnist_sample")
    self.assertEqual(data.train.num_examples, 3000)
    self.assertEqual(data.validation.num_examples, 5000)
    self.assertEqual(data.test.num_examples, 2000)
    self.assertAllEqual(np.unique(data.test.labels), range(10))

  def test_environment_variable_selects_sample(self):
    with mock.patch.dict(os.environ,
                         {input_data.SOURCE_ENV: "mnist_sample"}):
      data = self.read("MNIST_data/", validation_size=1000)
    self.assertEqual(data.train.num_examples, 7000)

  def test_unknown_source(self):
    with self.assertRaisesRegex(
        ValueError, r"source must be one of mnist, fashion_mnist, "
        r"mnist_sample \(argument `source` or \$TF1SEQ_MNIST_SOURCE\), got "
        r"'svhn'"):
      self.read(source="svhn")


class NextBatchTest(tf.test.TestCase, parameterized.TestCase):

  def data_set(self, n, seed=None, dtype=np.uint8):
    images = np.tile(np.arange(n, dtype=np.uint8)[:, None, None, None],
                     (1, 28, 28, 1))
    return input_data.DataSet(images, np.arange(n) % 10, dtype=dtype,
                              seed=seed)

  def test_no_shuffle_order(self):
    # 5 examples in batches of 3: the second batch ends epoch 1 and starts
    # epoch 2, as TF1's next_batch did.
    data = self.data_set(5)
    batches, epochs = [], []
    for _ in range(4):
      images, labels = data.next_batch(3, shuffle=False)
      batches.append(ids(images))
      epochs.append(data.epochs_completed)
      self.assertAllEqual(labels, np.array(batches[-1]) % 10)
    self.assertEqual(batches, [[0, 1, 2], [3, 4, 0], [1, 2, 3], [4, 0, 1]])
    self.assertEqual(epochs, [0, 1, 1, 2])

  def test_epoch_ending_exactly_counts_on_next_call(self):
    data = self.data_set(4)
    epochs = []
    for _ in range(3):
      data.next_batch(2, shuffle=False)
      epochs.append(data.epochs_completed)
    self.assertEqual(epochs, [0, 0, 1])

  @parameterized.parameters((15, 4), (15, 5), (7, 7), (10, 3))
  def test_each_example_once_per_epoch(self, n, batch_size):
    data = self.data_set(n, seed=1)
    seen = []
    for step in range(1, 4 * n // batch_size + 1):
      images, labels = data.next_batch(batch_size)
      self.assertEqual(len(images), batch_size)
      self.assertAllEqual(labels, np.array(ids(images)) % 10)
      seen += ids(images)
      # Epochs completed: those a batch has needed the next one of.
      self.assertEqual(data.epochs_completed, (step * batch_size - 1) // n)
    for epoch in range(len(seen) // n):
      self.assertCountEqual(seen[epoch * n:(epoch + 1) * n], range(n))

  def test_shuffle_reproducible_with_seed(self):
    first, second, other = (self.data_set(50, seed=s) for s in (7, 7, 8))
    batches = [[ids(d.next_batch(16)[0]) for _ in range(10)]
               for d in (first, second, other)]
    self.assertEqual(batches[0], batches[1])
    self.assertNotEqual(batches[0], batches[2])
    self.assertNotEqual(batches[0][0], list(range(16)))  # Shuffled.

  def test_read_data_sets_seed(self):
    train_dir = self.create_tempdir().full_path
    mnist_test.write_dataset(train_dir, mnist_test.tiny_splits(40, 3))
    runs = [input_data.read_data_sets(train_dir, validation_size=0, seed=3)
            for _ in range(2)]
    self.assertEqual(*[ids(run.train.next_batch(40)[0]) for run in runs])

  def test_float_batches_scaled(self):
    data = self.data_set(5, dtype=np.float32)
    images, _ = data.next_batch(5, shuffle=False)
    self.assertEqual(images.shape, (5, 784))
    self.assertAllClose(images[:, 0], np.arange(5) / 255.0)

  @parameterized.parameters(0, 6)
  def test_bad_batch_size(self, batch_size):
    with self.assertRaisesRegex(ValueError, r"batch_size must be in 1\.\.5 "
                                r"\(the examples in this data set\), got %d"
                                % batch_size):
      self.data_set(5).next_batch(batch_size)

  def test_count_mismatch(self):
    with self.assertRaisesRegex(ValueError, r"images\.shape: \(3, 28, 28, 1\) "
                                r"labels\.shape: \(2,\)"):
      input_data.DataSet(np.zeros([3, 28, 28, 1], np.uint8), [0, 1])


class NoTensorFlowImportTest(tf.test.TestCase):

  def test_imports_neither_tensorflow_nor_keras(self):
    import subprocess  # pylint: disable=g-import-not-at-top
    code = ("import sys; from tf1seq.data import input_data; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('tensorflow', 'keras', 'tf_keras')))")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out = subprocess.run([sys.executable, "-c", code], cwd=root, check=True,
                         capture_output=True, text=True, timeout=60).stdout
    self.assertEqual(out.strip(), "[]")


if __name__ == "__main__":
  tf.test.main()
