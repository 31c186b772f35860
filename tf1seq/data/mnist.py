"""MNIST-format data sets: reading IDX files, finding and downloading them.

Three data sets share the format (four IDX files, 28x28 uint8 images and
uint8 labels 0..9):

  "mnist"          the full 60,000 / 10,000 digits: from `data_dir`, else the
                   cache (`~/.cache/tf1seq/mnist`), else downloaded there from
                   `MIRRORS["mnist"]`, each file checked against `SHA256`.
  "fashion_mnist"  the same for Fashion-MNIST; also found in
                   `/usr/share/datasets/fashion-mnist/`, where Debian's
                   `dataset-fashion-mnist` package puts it.
  "mnist_sample"   10,000 real MNIST digits shipped inside tf1seq (8,000 train,
                   2,000 test; see `mnist_sample/README`): runs offline.

Usage:

  from tf1seq.data import mnist

  splits = mnist.load("mnist_sample")
  splits.train_images.shape, splits.train_images.dtype  # (8000, 28, 28) uint8
  splits.train_labels.shape                             # (8000,) uint8
  splits = mnist.load("mnist", cache_dir="/tmp/cache")  # Downloads once.
  images = mnist.read_idx_images("t10k-images-idx3-ubyte.gz")  # [N, 28, 28]

A file that is missing raises `DataNotFoundError` (a `FileNotFoundError`);
one that is truncated, corrupt or inconsistent raises `IdxFormatError` (a
`ValueError`); a download whose SHA-256 is wrong raises
`ChecksumMismatchError` (a `ValueError`). Every message names the file.
"""

import collections
import gzip
import hashlib
import http.client
import os
import struct
import tempfile
import urllib.error
import urllib.request
import zlib

from absl import logging
import numpy as np

from tf1seq import files

TRAIN_IMAGES = "train-images-idx3-ubyte"
TRAIN_LABELS = "train-labels-idx1-ubyte"
TEST_IMAGES = "t10k-images-idx3-ubyte"
TEST_LABELS = "t10k-labels-idx1-ubyte"
FILE_NAMES = (TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS)

DATASETS = ("mnist", "fashion_mnist", "mnist_sample")

IMAGES_MAGIC = 0x00000803  # Unsigned bytes (0x08), 3 dimensions.
LABELS_MAGIC = 0x00000801  # Unsigned bytes (0x08), 1 dimension.
NUM_ROWS = 28
NUM_COLUMNS = 28
NUM_CLASSES = 10

SAMPLE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                          "mnist_sample")
FASHION_MNIST_SYSTEM_DIR = "/usr/share/datasets/fashion-mnist"
CACHE_DIR_ENV = files.CACHE_DIR_ENV
default_cache_dir = files.default_cache_dir

# Base URLs tried in order; a file is `<base><name>.gz`. Any mirror will do:
# what is kept is checked against SHA256 below.
MIRRORS = {
    "mnist": [
        "https://storage.googleapis.com/cvdf-datasets/mnist/",
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
    ],
    "fashion_mnist": [
        "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
        "https://storage.googleapis.com/tensorflow/tf-keras-datasets/",
    ],
}

# SHA-256 of the published .gz files, from tensorflow/datasets
# tensorflow_datasets/url_checksums/mnist.txt and fashion_mnist.txt (url,
# size, sha256; sizes in the comments).
SHA256 = {
    "mnist": {
        # 9912422 bytes.
        TRAIN_IMAGES + ".gz":
            "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
        # 28881 bytes.
        TRAIN_LABELS + ".gz":
            "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
        # 1648877 bytes.
        TEST_IMAGES + ".gz":
            "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
        # 4542 bytes.
        TEST_LABELS + ".gz":
            "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
    },
    "fashion_mnist": {
        # 26421880 bytes.
        TRAIN_IMAGES + ".gz":
            "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
        # 29515 bytes.
        TRAIN_LABELS + ".gz":
            "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
        # 4422102 bytes.
        TEST_IMAGES + ".gz":
            "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
        # 5148 bytes.
        TEST_LABELS + ".gz":
            "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
    },
}

# Debian's dataset-fashion-mnist 0.0~git20200523.55506a9-1 ships the same
# IDX data re-compressed (gzip header without a file name, each file 24 bytes
# shorter than upstream's), so its .gz hashes differ from SHA256 above. These
# are the SHA-256 of the decompressed IDX files, computed from that package;
# the files found there are read and validated, not hash-checked, so that a
# package update cannot break loading.
FASHION_MNIST_IDX_SHA256 = {
    TRAIN_IMAGES:
        "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
    TRAIN_LABELS:
        "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
    TEST_IMAGES:
        "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
    TEST_LABELS:
        "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
}

# A download larger than this is refused: the largest file is 26 MB.
MAX_DOWNLOAD_BYTES = 64 * 1024 * 1024
_CHUNK_BYTES = 1024 * 1024

Splits = collections.namedtuple(
    "Splits", ["train_images", "train_labels", "test_images", "test_labels"])


class DataNotFoundError(FileNotFoundError):
  """A data file or data set is not there (and could not be downloaded)."""


class IdxFormatError(ValueError):
  """A file is truncated, corrupt or not the IDX file it should be."""


class ChecksumMismatchError(ValueError):
  """A downloaded file's SHA-256 is not the published one."""


def _read_maybe_gzipped(path):
  """Returns the bytes of `path`, decompressed if they are gzip data.

  The gzip magic decides, not the name: browsers often unpack `.gz` files
  and keep the name.
  """
  try:
    with open(path, "rb") as f:
      data = f.read()
  except FileNotFoundError:
    raise DataNotFoundError("%s: no such file" % path) from None
  except IsADirectoryError:
    raise DataNotFoundError("%s: is a directory, not an IDX file" %
                            path) from None
  if data[:2] == b"\x1f\x8b":
    try:
      data = gzip.decompress(data)
    except (OSError, EOFError, zlib.error) as e:
      raise IdxFormatError("%s: corrupt or truncated gzip data (%s)" %
                           (path, e)) from e
  return data


def _describe_magic(magic):
  if magic == IMAGES_MAGIC:
    return "an IDX images file"
  if magic == LABELS_MAGIC:
    return "an IDX labels file"
  return "not an IDX uint8 file"


def _read_idx(path, magic, what):
  """Reads an IDX uint8 file of `magic`; returns a writable array."""
  data = _read_maybe_gzipped(path)
  num_dims = magic & 0xff
  header_size = 4 + 4 * num_dims
  if len(data) >= 4:
    (found,) = struct.unpack(">I", data[:4])
    if found != magic:
      raise IdxFormatError(
          "%s: bad magic number 0x%08x (%s), expected 0x%08x for IDX %s" %
          (path, found, _describe_magic(found), magic, what))
  if len(data) < header_size:
    raise IdxFormatError(
        "%s: truncated: %d bytes, shorter than the %d-byte IDX %s header" %
        (path, len(data), header_size, what))
  shape = struct.unpack(">%dI" % num_dims, data[4:header_size])
  expected = int(np.prod(shape, dtype=np.int64))
  found_bytes = len(data) - header_size
  if found_bytes < expected:
    raise IdxFormatError(
        "%s: truncated: the header gives shape %s, which needs %d bytes of "
        "%s, but only %d follow" % (path, shape, expected, what, found_bytes))
  if found_bytes > expected:
    raise IdxFormatError(
        "%s: %d unexpected bytes after the %d bytes of %s of shape %s" %
        (path, found_bytes - expected, expected, what, shape))
  return np.frombuffer(data, np.uint8, offset=header_size).reshape(
      shape).copy()


def read_idx_images(path):
  """Reads an IDX images file (`.gz` or not).

  Args:
    path: an `idx3-ubyte` file, gzipped or not.

  Returns:
    uint8 array [num_images, rows, columns], values 0..255.

  Raises:
    DataNotFoundError: `path` does not exist.
    IdxFormatError: bad gzip data, a magic number other than 0x00000803, a
      truncated file or bytes beyond the data the header describes.
  """
  return _read_idx(path, IMAGES_MAGIC, "images")


def read_idx_labels(path):
  """Reads an IDX labels file (`.gz` or not).

  Args:
    path: an `idx1-ubyte` file, gzipped or not.

  Returns:
    uint8 array [num_labels].

  Raises:
    DataNotFoundError: `path` does not exist.
    IdxFormatError: bad gzip data, a magic number other than 0x00000801, a
      truncated file or bytes beyond the data the header describes.
  """
  return _read_idx(path, LABELS_MAGIC, "labels")


def find_file(directory, name):
  """Returns `directory/name.gz` or `directory/name`, whichever exists first.

  Args:
    directory: where to look.
    name: one of `FILE_NAMES`.

  Returns:
    The path, or None when neither exists.
  """
  for candidate in (name + ".gz", name):
    path = os.path.join(directory, candidate)
    if os.path.isfile(path):
      return path
  return None


def has_files(directory):
  """True when `directory` holds all four IDX files (`.gz` or not)."""
  return bool(directory) and all(
      find_file(directory, name) for name in FILE_NAMES)


def _read_split(directory, images_name, labels_name):
  images_path = find_file(directory, images_name)
  labels_path = find_file(directory, labels_name)
  images = read_idx_images(images_path)
  labels = read_idx_labels(labels_path)
  if images.shape[1:] != (NUM_ROWS, NUM_COLUMNS):
    raise IdxFormatError(
        "%s: images are %dx%d, expected %dx%d" %
        (images_path, images.shape[1], images.shape[2], NUM_ROWS,
         NUM_COLUMNS))
  if len(images) != len(labels):
    raise IdxFormatError(
        "%s has %d labels but %s has %d images" %
        (labels_path, len(labels), images_path, len(images)))
  if not len(images):  # pylint: disable=g-explicit-length-test
    raise IdxFormatError("%s: holds no images" % images_path)
  bad = np.flatnonzero(labels >= NUM_CLASSES)
  if bad.size:
    raise IdxFormatError(
        "%s: label %d at index %d, expected 0..%d" %
        (labels_path, labels[bad[0]], bad[0], NUM_CLASSES - 1))
  return images, labels


def load_dir(directory, hint=""):
  """Reads and validates the four IDX files of `directory`.

  Args:
    directory: holds `FILE_NAMES`, each gzipped (`<name>.gz`) or not.
    hint: appended to the message of a missing file (how to get the data).

  Returns:
    `Splits` of uint8 arrays: images [N, 28, 28], labels [N].

  Raises:
    DataNotFoundError: a file is missing (all missing ones are named).
    IdxFormatError: a file is truncated or corrupt, images are not 28x28,
      image and label counts differ, or a label is not 0..9.
  """
  missing = [name + "[.gz]" for name in FILE_NAMES
             if not find_file(directory, name)]
  if missing:
    raise DataNotFoundError(
        "%s: missing %s%s" % (directory, ", ".join(missing),
                              ". " + hint if hint else ""))
  train_images, train_labels = _read_split(directory, TRAIN_IMAGES,
                                           TRAIN_LABELS)
  test_images, test_labels = _read_split(directory, TEST_IMAGES, TEST_LABELS)
  return Splits(train_images, train_labels, test_images, test_labels)


def sha256_of(path):
  """Returns the hex SHA-256 of the file `path`."""
  digest = hashlib.sha256()
  with open(path, "rb") as f:
    for chunk in iter(lambda: f.read(_CHUNK_BYTES), b""):
      digest.update(chunk)
  return digest.hexdigest()


def _fetch(url, directory, filename, timeout):
  """Streams `url` to a temporary file in `directory`; returns it and hash."""
  fd, temp_path = tempfile.mkstemp(prefix="." + filename + ".",
                                   suffix=".part", dir=directory)
  try:
    digest = hashlib.sha256()
    size = 0
    with os.fdopen(fd, "wb") as f, urllib.request.urlopen(
        url, timeout=timeout) as response:
      for chunk in iter(lambda: response.read(_CHUNK_BYTES), b""):
        size += len(chunk)
        if size > MAX_DOWNLOAD_BYTES:
          raise IOError("more than %d bytes, refused" % MAX_DOWNLOAD_BYTES)
        digest.update(chunk)
        f.write(chunk)
      length = response.headers.get("Content-Length")
      if length is not None and length.isdigit() and int(length) != size:
        raise IOError("cut after %d of %s bytes" % (size, length))
      f.flush()
      os.fsync(f.fileno())
    return temp_path, digest.hexdigest()
  except BaseException:
    os.remove(temp_path)
    raise


def download_file(filename, sha256, directory, mirrors, timeout=60.0):
  """Downloads `filename` from the first mirror that has the right bytes.

  The file is written under a temporary name in `directory` and renamed to
  `directory/filename` only after its SHA-256 matched, so a failed, cut or
  tampered download never leaves a file behind under either name.

  Args:
    filename: the name under each mirror and in `directory`.
    sha256: the expected hex SHA-256.
    directory: where to keep the file; made if missing.
    mirrors: base URLs tried in order; the file is `<base>/<filename>`.
    timeout: seconds each connection may block.

  Returns:
    The path of the verified file.

  Raises:
    ChecksumMismatchError: no mirror served the right bytes and one served
      wrong ones (the message names the file and both hashes).
    DataNotFoundError: no mirror could be reached or had the file.
  """
  os.makedirs(directory, exist_ok=True)
  target = os.path.join(directory, filename)
  failures = []
  mismatch = False
  for base in mirrors:
    url = base.rstrip("/") + "/" + filename
    logging.info("Downloading %s", url)
    try:
      temp_path, digest = _fetch(url, directory, filename, timeout)
    except (OSError, urllib.error.URLError, http.client.HTTPException) as e:
      failures.append("%s: %s" % (url, e))
      continue
    if digest != sha256:
      os.remove(temp_path)
      mismatch = True
      failures.append("%s: SHA-256 %s, expected %s; discarded" %
                      (url, digest, sha256))
      continue
    os.replace(temp_path, target)
    return target
  if not mirrors:
    failures.append("no mirrors given")
  message = "%s: could not download a copy with SHA-256 %s (%s)" % (
      filename, sha256, "; ".join(failures))
  if mismatch:
    raise ChecksumMismatchError(message)
  raise DataNotFoundError(message)


def _how_to_get(dataset, directory):
  names = ", ".join(FILE_NAMES)
  if dataset == "fashion_mnist":
    where = ("`apt-get install dataset-fashion-mnist` (found in %s), or put "
             "the four files (%s, .gz or not) in %s or in a directory given "
             "as --data_dir (data_dir=)" %
             (FASHION_MNIST_SYSTEM_DIR, names, directory))
  else:
    where = ("put the four files (%s, .gz or not) in %s or in a directory "
             "given as --data_dir (data_dir=)" % (names, directory))
  return ("To get %s: %s. To run offline on the 10,000 real MNIST digits "
          "shipped with tf1seq, use --dataset=mnist_sample "
          "(dataset='mnist_sample')." % (dataset, where))


def download(dataset, cache_dir=None, mirrors=None, timeout=60.0):
  """Makes sure `cache_dir/dataset` holds the four verified `.gz` files.

  Files already there are checked against `SHA256` and downloaded again
  if they do not match.

  Args:
    dataset: "mnist" or "fashion_mnist".
    cache_dir: default `default_cache_dir()`.
    mirrors: base URLs tried in order; default `MIRRORS[dataset]`.
    timeout: seconds each connection may block.

  Returns:
    The directory `cache_dir/dataset`.

  Raises:
    ValueError: `dataset` cannot be downloaded.
    ChecksumMismatchError: a mirror served a file with the wrong SHA-256 and
      none served the right one.
    DataNotFoundError: no mirror could be reached; the message says how to
      get the data otherwise.
  """
  if dataset not in SHA256:
    raise ValueError("dataset must be one of %s to download, got %r" %
                     (sorted(SHA256), dataset))
  directory = os.path.join(cache_dir or default_cache_dir(), dataset)
  if mirrors is None:
    mirrors = MIRRORS[dataset]
  for name in FILE_NAMES:
    filename = name + ".gz"
    path = os.path.join(directory, filename)
    sha256 = SHA256[dataset][filename]
    if os.path.isfile(path):
      found = sha256_of(path)
      if found == sha256:
        continue
      logging.warning("%s: SHA-256 %s, expected %s; downloading it again",
                      path, found, sha256)
    try:
      download_file(filename, sha256, directory, mirrors, timeout)
    except DataNotFoundError as e:
      raise DataNotFoundError("%s %s" %
                              (e, _how_to_get(dataset, directory))) from e
  return directory


def load(dataset, data_dir=None, cache_dir=None, mirrors=None):
  """Loads a data set's train and test splits.

  Where each data set is looked for, in order:
    mnist:         `data_dir`; `cache_dir/mnist` (downloading there).
    fashion_mnist: `data_dir`; `FASHION_MNIST_SYSTEM_DIR`;
                   `cache_dir/fashion_mnist` (downloading there).
    mnist_sample:  `data_dir`; the copy inside tf1seq (`SAMPLE_DIR`).
  A `data_dir` that is given must hold the four files: nothing else is
  tried then.

  Args:
    dataset: one of `DATASETS`.
    data_dir: directory with the four IDX files (`.gz` or not), or None.
    cache_dir: download cache; default `default_cache_dir()`.
    mirrors: base URLs to download from; default `MIRRORS[dataset]`.

  Returns:
    `Splits`: uint8 images [N, 28, 28] (0..255), uint8 labels [N] (0..9).

  Raises:
    ValueError: `dataset` is not one of `DATASETS`.
    DataNotFoundError: the data is not there and cannot be downloaded; the
      message says how to get it and that `mnist_sample` runs offline.
    IdxFormatError: a file is truncated, corrupt or inconsistent.
    ChecksumMismatchError: a download had the wrong SHA-256.
  """
  if dataset not in DATASETS:
    raise ValueError("dataset must be one of %s, got %r" %
                     (", ".join(DATASETS), dataset))
  if data_dir:
    if dataset == "mnist_sample":
      hint = ""
    else:
      hint = _how_to_get(dataset, os.path.join(
          cache_dir or default_cache_dir(), dataset))
    return load_dir(data_dir, hint)
  if dataset == "mnist_sample":
    return load_dir(SAMPLE_DIR, "The tf1seq installation is incomplete: "
                    "reinstall it, or regenerate the files with "
                    "`python -m tf1seq.data.make_mnist_sample`.")
  if dataset == "fashion_mnist" and has_files(FASHION_MNIST_SYSTEM_DIR):
    return load_dir(FASHION_MNIST_SYSTEM_DIR)
  return load_dir(download(dataset, cache_dir, mirrors))
