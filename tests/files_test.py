"""Tests for tf1seq.files: whole files on any tf.io.gfile file system."""

import os

import numpy as np
import tensorflow as tf

from tf1seq import files


class FilesTest(tf.test.TestCase):

  def test_json_on_the_in_memory_file_system(self):
    path = "ram://files_test/run/metrics.json"
    files.write_json_atomically(path, {"step": np.int64(3)})
    self.assertEqual(files.read_json(path), {"step": 3})
    self.assertEqual(tf.io.gfile.listdir("ram://files_test/run"),
                     ["metrics.json"])

  def test_bytes_and_text(self):
    directory = self.create_tempdir().full_path
    files.write_atomically(os.path.join(directory, "a.bin"), b"\x00\x01")
    files.write_atomically(os.path.join(directory, "b.txt"), "é\n")
    with open(os.path.join(directory, "a.bin"), "rb") as f:
      self.assertEqual(f.read(), b"\x00\x01")
    with open(os.path.join(directory, "b.txt"), encoding="utf-8") as f:
      self.assertEqual(f.read(), "é\n")

  def test_unwritable_path_names_it_and_keeps_the_old_file(self):
    directory = self.create_tempdir().full_path
    path = os.path.join(directory, "metrics.json")
    files.write_json_atomically(path, {"a": 1})
    os.chmod(directory, 0o500)
    try:
      if os.access(directory, os.W_OK):  # Root ignores the mode.
        self.skipTest("running as root: the directory stays writable")
      with self.assertRaisesRegex(OSError, r"could not write .*metrics.json"):
        files.write_json_atomically(path, {"a": 2})
    finally:
      os.chmod(directory, 0o700)
    self.assertEqual(files.read_json(path), {"a": 1})


if __name__ == "__main__":
  tf.test.main()
