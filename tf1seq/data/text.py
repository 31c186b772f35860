"""UTF-8 text for character-level models: reading, vocabulary, splits.

Usage:

  corpus = text.read_text(["/usr/share/games/fortunes/*.u8"])
  vocab = text.Vocabulary.from_text(corpus)
  ids = vocab.encode(corpus)                      # int32 [len(corpus)]
  train_ids, valid_ids = text.split_train_validation(ids, 0.05)
  vocab.save(os.path.join(model_dir, "vocab.json"))  # Atomic.
  vocab = text.Vocabulary.load(os.path.join(model_dir, "vocab.json"))
  vocab.decode(ids[:20])
"""

import glob
import json
import os

import numpy as np

from tf1seq import files


def expand_patterns(patterns):
  """The files named by `patterns` (paths or globs), in order, no repeats.

  Args:
    patterns: a string (comma-separated) or a list of paths and globs. A
      glob's matches are sorted.

  Returns:
    A list of file paths.

  Raises:
    ValueError: if `patterns` is empty, or one of them matches no file.
  """
  if isinstance(patterns, str):
    patterns = [p for p in patterns.split(",") if p]
  if not patterns:
    raise ValueError("text_file must name at least one file or glob, got "
                     "%r" % (patterns,))
  paths = []
  for pattern in patterns:
    matches = sorted(p for p in glob.glob(pattern) if os.path.isfile(p))
    if not matches:
      raise ValueError("text_file %r matches no file" % pattern)
    for path in matches:
      real = os.path.realpath(path)
      if real not in (os.path.realpath(p) for p in paths):
        paths.append(path)
  return paths


def read_text(patterns):
  """The UTF-8 text of the files of `patterns`, concatenated.

  Args:
    patterns: as for `expand_patterns`.

  Returns:
    A `str`.

  Raises:
    ValueError: if a pattern matches no file, a file is empty, or a file is
      not valid UTF-8 (the message names the file and the byte offset).
  """
  return "".join(read_texts(patterns))


def read_texts(patterns):
  """The UTF-8 texts of the files of `patterns`, one `str` per file.

  Args and Raises: as `read_text`.
  """
  pieces = []
  for path in expand_patterns(patterns):
    with open(path, "rb") as f:
      data = f.read()
    if not data:
      raise ValueError("text file %s is empty" % path)
    try:
      pieces.append(data.decode("utf-8"))
    except UnicodeDecodeError as e:
      raise ValueError(
          "text file %s is not valid UTF-8: byte %d (0x%02x) %s" %
          (path, e.start, data[e.start], e.reason)) from None
  return pieces


class Vocabulary(object):
  """A bijection between the characters of a text and ids 0..size-1.

  Ids are given in sorted character order, so the same text always gives
  the same vocabulary.
  """

  def __init__(self, characters):
    """Makes a vocabulary of `characters` (distinct, one id each in order).

    Raises:
      ValueError: if `characters` is empty, repeats one, or has a string
        that is not a single character.
    """
    characters = list(characters)
    if not characters:
      raise ValueError("characters must not be empty")
    for c in characters:
      if not isinstance(c, str) or len(c) != 1:
        raise ValueError("characters must be single characters, got %r" %
                         (c,))
    if len(set(characters)) != len(characters):
      raise ValueError("characters must be distinct, got %d with %d "
                       "distinct" % (len(characters), len(set(characters))))
    self._characters = characters
    self._ids = {c: i for i, c in enumerate(characters)}

  @classmethod
  def from_text(cls, text):
    """The sorted distinct characters of `text`.

    Raises:
      ValueError: if `text` is empty.
    """
    if not text:
      raise ValueError("text must not be empty")
    return cls(sorted(set(text)))

  @property
  def size(self):
    return len(self._characters)

  @property
  def characters(self):
    return list(self._characters)

  def __eq__(self, other):
    return (isinstance(other, Vocabulary) and
            self._characters == other._characters)

  def __ne__(self, other):
    return not self == other

  def encode(self, text):
    """The ids of `text`: int32 `[len(text)]`.

    Raises:
      ValueError: naming the characters (up to 10) not in the vocabulary.
    """
    try:
      return np.fromiter((self._ids[c] for c in text), dtype=np.int32,
                         count=len(text))
    except KeyError:
      unknown = sorted(set(text) - set(self._ids))
      raise ValueError(
          "text has %d characters not in the vocabulary of %d: %s" %
          (len(unknown), self.size,
           ", ".join(repr(c) for c in unknown[:10]))) from None

  def decode(self, ids):
    """The text of `ids` (any ints in [0, size)).

    Raises:
      ValueError: if an id is out of range.
    """
    ids = np.asarray(ids).reshape(-1)
    if ids.size and (ids.min() < 0 or ids.max() >= self.size):
      raise ValueError("ids must be in [0, %d), got values in [%d, %d]" %
                       (self.size, ids.min(), ids.max()))
    return "".join(self._characters[i] for i in ids)

  def save(self, path):
    """Writes the vocabulary as JSON to `path` atomically."""
    files.write_atomically(path, json.dumps(
        {"characters": self._characters}, ensure_ascii=True) + "\n")

  @classmethod
  def load(cls, path):
    """Reads a vocabulary written by `save`.

    Raises:
      ValueError: if the file is not such a vocabulary (names the file).
    """
    try:
      characters = files.read_json(path)["characters"]
      return cls(characters)
    except (ValueError, KeyError, TypeError) as e:
      raise ValueError("vocabulary file %s is not valid: %s" % (path, e)) \
          from None


def split_train_validation(ids, validation_fraction):
  """Splits a stream into training and validation at the end of the text.

  Args:
    ids: a 1-D array.
    validation_fraction: in [0, 1): the share of the text, taken from its
      end, held out.

  Returns:
    `(train, validation)`: `ids[:n]` and `ids[n:]`.

  Raises:
    ValueError: if the fraction is outside [0, 1).
  """
  if not 0 <= validation_fraction < 1:
    raise ValueError("validation_fraction must be in [0, 1), got %r" %
                     (validation_fraction,))
  ids = np.asarray(ids)
  n = len(ids) - int(round(len(ids) * validation_fraction))
  return ids[:n], ids[n:]


def split_each_train_validation(pieces, validation_fraction):
  """`split_train_validation` of every piece (file), the parts rejoined.

  For a corpus of many files of different kinds: validation is the end of
  every file, not the last files alone.

  Args:
    pieces: 1-D arrays, one per file, in order.
    validation_fraction: as for `split_train_validation`.

  Returns:
    `(train, validation)`: the pieces' training parts concatenated in
    order, and their validation parts.

  Raises:
    ValueError: if the fraction is outside [0, 1) or there are no pieces.
  """
  if not len(pieces):
    raise ValueError("split_each_train_validation needs at least one piece")
  parts = [split_train_validation(piece, validation_fraction)
           for piece in pieces]
  return (np.concatenate([train for train, _ in parts]),
          np.concatenate([valid for _, valid in parts]))
