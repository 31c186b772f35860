"""Tests of tf1seq.data.text: reading UTF-8, vocabulary, splits."""

import os

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

from tf1seq.data import text


class ReadTextTest(tf.test.TestCase, parameterized.TestCase):

  def _write(self, name, data):
    path = os.path.join(self.create_tempdir().full_path, name)
    with open(path, "wb") as f:
      f.write(data)
    return path

  def test_files_and_globs_in_order(self):
    directory = self.create_tempdir()
    for name, body in (("b.txt", "béta\n"), ("a.txt", "alpha\n"),
                       ("c.dat", "x")):
      directory.create_file(name, body)
    got = text.read_text([os.path.join(directory.full_path, "*.txt")])
    self.assertEqual(got, "alpha\nbéta\n")
    comma = ",".join(os.path.join(directory.full_path, n)
                     for n in ("b.txt", "a.txt", "b.txt"))
    self.assertEqual(text.read_text(comma), "béta\nalpha\n")

  def test_symlinks_counted_once(self):
    directory = self.create_tempdir()
    directory.create_file("art", "art\n")
    os.symlink(os.path.join(directory.full_path, "art"),
               os.path.join(directory.full_path, "art.u8"))
    self.assertEqual(text.read_text(os.path.join(directory.full_path,
                                                 "art*")), "art\n")

  def test_empty_file(self):
    path = self._write("empty.txt", b"")
    with self.assertRaisesRegex(ValueError,
                                r"text file .*empty\.txt is empty"):
      text.read_text([path])

  def test_not_utf8(self):
    path = self._write("latin1.txt", "caf\xe9 au lait".encode("latin-1"))
    with self.assertRaisesRegex(
        ValueError, r"text file .*latin1\.txt is not valid UTF-8: byte 3 "
        r"\(0xe9\)"):
      text.read_text([path])

  def test_no_match(self):
    with self.assertRaisesRegex(ValueError, r"text_file '/nonexistent/\*' "
                                r"matches no file"):
      text.read_text(["/nonexistent/*"])
    with self.assertRaisesRegex(ValueError, r"text_file must name at least "
                                r"one file"):
      text.read_text([])


class VocabularyTest(tf.test.TestCase):

  def test_encode_decode(self):
    vocab = text.Vocabulary.from_text("hello, wörld")
    self.assertEqual(vocab.characters, sorted(set("hello, wörld")))
    ids = vocab.encode("wörld")
    self.assertEqual(ids.dtype, np.int32)
    self.assertAllEqual(ids, [vocab.characters.index(c) for c in "wörld"])
    self.assertEqual(vocab.decode(ids), "wörld")

  def test_unknown_characters(self):
    vocab = text.Vocabulary.from_text("abc")
    with self.assertRaisesRegex(ValueError, r"text has 2 characters not in "
                                r"the vocabulary of 3: 'x', 'z'"):
      vocab.encode("axzx")
    with self.assertRaisesRegex(ValueError, r"ids must be in \[0, 3\)"):
      vocab.decode([0, 3])

  def test_save_load_round_trip(self):
    vocab = text.Vocabulary.from_text("naïve \n\t日本")
    path = os.path.join(self.create_tempdir().full_path, "vocab.json")
    vocab.save(path)
    self.assertEqual(text.Vocabulary.load(path), vocab)
    self.assertEqual(os.listdir(os.path.dirname(path)), ["vocab.json"])

  def test_load_invalid(self):
    path = self.create_tempfile(content="{}").full_path
    with self.assertRaisesRegex(ValueError, r"vocabulary file .* is not "
                                r"valid"):
      text.Vocabulary.load(path)

  def test_bad_characters(self):
    with self.assertRaisesRegex(ValueError, r"characters must be distinct"):
      text.Vocabulary("aba")
    with self.assertRaisesRegex(ValueError, r"text must not be empty"):
      text.Vocabulary.from_text("")


class SplitTest(tf.test.TestCase):

  def test_validation_at_the_end(self):
    train, valid = text.split_train_validation(np.arange(100), 0.1)
    self.assertAllEqual(train, np.arange(90))
    self.assertAllEqual(valid, np.arange(90, 100))

  def test_bad_fraction(self):
    with self.assertRaisesRegex(ValueError, r"validation_fraction must be "
                                r"in \[0, 1\), got 1"):
      text.split_train_validation(np.arange(10), 1)
    with self.assertRaisesRegex(ValueError, r"validation_fraction must be "
                                r"in \[0, 1\), got -0.1"):
      text.split_each_train_validation([np.arange(10)], -0.1)
    with self.assertRaisesRegex(ValueError, r"at least one piece"):
      text.split_each_train_validation([], 0.1)

  def test_validation_at_the_end_of_each_piece(self):
    pieces = [np.arange(0, 100), np.arange(100, 120), np.arange(120, 160)]
    train, valid = text.split_each_train_validation(pieces, 0.1)
    self.assertAllEqual(valid, np.concatenate([
        np.arange(90, 100), np.arange(118, 120), np.arange(156, 160)]))
    self.assertAllEqual(train, np.concatenate([
        np.arange(0, 90), np.arange(100, 118), np.arange(120, 156)]))
    # Every element exactly once.
    self.assertAllEqual(np.sort(np.concatenate([train, valid])),
                        np.arange(160))

  def test_read_texts_one_per_file(self):
    directory = self.create_tempdir()
    for name, body in (("b.txt", "béta\n"), ("a.txt", "alpha\n")):
      directory.create_file(name, body)
    pattern = os.path.join(directory.full_path, "*.txt")
    self.assertEqual(text.read_texts([pattern]), ["alpha\n", "béta\n"])


if __name__ == "__main__":
  tf.test.main()
