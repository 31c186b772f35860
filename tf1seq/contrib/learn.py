"""What TF1 text models used of `tf.contrib.learn`: vocabularies and ModeKeys.

`VocabularyProcessor` maps documents to fixed-length rows of word ids (0 is
the unknown word and the padding), learning the vocabulary with `fit`;
`CategoricalVocabulary` is its word-id table. Both are TensorFlow 1.15's
(`tf.contrib.learn.preprocessing`), with the same tokenizer, id order,
trimming and pickled `save`/`restore`; `restore` also reads files saved by
TF1's own class. `ModeKeys` is TF1's `tf.contrib.learn.ModeKeys`.

Usage:

  processor = learn.VocabularyProcessor(max_document_length=5)
  ids = np.array(list(processor.fit_transform(["a b c", "a d"])))
  # [[1 2 3 0 0] [1 4 0 0 0]]
  processor.save("vocab.pickle")
  processor = learn.VocabularyProcessor.restore("vocab.pickle")
"""

import collections
import io
import os
import pickle
import re

import numpy as np
import tensorflow as tf

__all__ = ["ByteProcessor", "CategoricalVocabulary", "ModeKeys",
           "VocabularyProcessor", "tokenizer"]

# Words: runs of capitals not followed by lower case ("NASA"), a capitalised
# word followed by another capital ("Camel" in "CamelCase"), or runs of word
# characters, apostrophes and hyphens.
TOKENIZER_RE = re.compile(r"[A-Z]{2,}(?![a-z])|[A-Z][a-z]+(?=[A-Z])|[\'\w\-]+",
                          re.UNICODE)


def tokenizer(iterator):
  """Yields the list of tokens of each string of `iterator`."""
  for value in iterator:
    yield TOKENIZER_RE.findall(value)


class ModeKeys(object):
  """Standard names for model modes: TRAIN, EVAL and INFER."""

  TRAIN = "train"
  EVAL = "eval"
  INFER = "infer"

  @classmethod
  def validate(cls, key):
    if key not in (cls.TRAIN, cls.EVAL, cls.INFER):
      raise ValueError("Invalid mode %s." % key)


class CategoricalVocabulary(object):
  """Maps categories (words) to ids 1, 2, ... in order of arrival; 0 unknown.

  Frequencies counted with `add`; `trim` keeps the frequent ones and
  renumbers them by decreasing frequency; `freeze` stops new ids.
  """

  def __init__(self, unknown_token="<UNK>", support_reverse=True):
    self._unknown_token = unknown_token
    self._mapping = {unknown_token: 0}
    self._support_reverse = support_reverse
    if support_reverse:
      self._reverse_mapping = [unknown_token]
    self._freq = collections.defaultdict(int)
    self._freeze = False

  def __len__(self):
    """Returns total count of mappings. Including unknown token."""
    return len(self._mapping)

  def freeze(self, freeze=True):
    """Freezes the vocabulary: new categories then get the unknown id 0."""
    self._freeze = freeze

  def get(self, category):
    """Returns the category's id, giving a new category the next id.

    Args:
      category: string or integer to lookup in vocabulary.

    Returns:
      The id; 0 for a new category once frozen.
    """
    if category not in self._mapping:
      if self._freeze:
        return 0
      self._mapping[category] = len(self._mapping)
      if self._support_reverse:
        self._reverse_mapping.append(category)
    return self._mapping[category]

  def add(self, category, count=1):
    """Adds `count` to the category's frequency (creating its id)."""
    if self.get(category) > 0:
      self._freq[category] += count

  def trim(self, min_frequency, max_frequency=-1):
    """Keeps categories seen more than `min_frequency` times, renumbered.

    Ids 1..n go by decreasing frequency, ties by category (integers before
    strings, each in ascending order).

    Args:
      min_frequency: categories with at most this count are dropped.
      max_frequency: optional; if > 0, categories with at least this count
        are dropped too (such as stop words).
    """
    by_frequency = sorted(
        sorted(self._freq.items(),
               key=lambda item: (isinstance(item[0], str), item[0])),
        key=lambda item: item[1], reverse=True)
    self._mapping = {self._unknown_token: 0}
    if self._support_reverse:
      self._reverse_mapping = [self._unknown_token]
    kept = 0
    for category, count in by_frequency:
      if max_frequency > 0 and count >= max_frequency:
        continue
      if count <= min_frequency:
        break
      kept += 1
      self._mapping[category] = kept
      if self._support_reverse:
        self._reverse_mapping.append(category)
    # As TF1: the frequency table keeps the first `kept` of the sorted list
    # (which, with max_frequency, need not be the kept categories).
    self._freq = dict(by_frequency[:kept])

  def reverse(self, class_id):
    """Returns the category of `class_id`.

    Raises:
      ValueError: if this vocabulary wasn't initialized with support_reverse.
    """
    if not self._support_reverse:
      raise ValueError("This vocabulary wasn't initialized with "
                       "support_reverse to support reverse() function.")
    return self._reverse_mapping[class_id]


class ByteProcessor(object):
  """Maps documents to rows of their utf-8 bytes, zero-padded."""

  def __init__(self, max_document_length):
    self.max_document_length = max_document_length

  def fit(self, x):
    """Does nothing. No fitting required."""
    del x  # Unused.

  def fit_transform(self, x):
    """Calls transform."""
    return self.transform(x)

  def reverse(self, x):
    """Yields the text of each row of byte ids ('' if not valid utf-8)."""
    for data in x:
      document = np.trim_zeros(np.asarray(data).astype(np.int8),
                               trim="b").tobytes()
      try:
        yield document.decode("utf-8")
      except UnicodeDecodeError:
        yield ""

  def transform(self, x):
    """Yields each document's first max_document_length bytes, zero-padded."""
    for document in x:
      if isinstance(document, str):
        document = document.encode("utf-8")
      ids = np.frombuffer(memoryview(document)[:self.max_document_length],
                          dtype=np.uint8)
      yield np.pad(ids, (0, self.max_document_length - len(ids)), "constant")


# Where TF1's pickles name these classes and the default tokenizer.
_TF1_MODULES = (
    "tensorflow.contrib.learn.python.learn.preprocessing.text",
    "tensorflow.contrib.learn.python.learn.preprocessing.categorical_"
    "vocabulary",
)


class _Unpickler(pickle.Unpickler):
  """Reads TF1's pickles: its class paths resolve to this module's."""

  def find_class(self, module, name):
    if module in _TF1_MODULES and name in __all__:
      return globals()[name]
    return super().find_class(module, name)


class VocabularyProcessor(object):
  """Maps documents to sequences of word ids."""

  def __init__(self,
               max_document_length,
               min_frequency=0,
               vocabulary=None,
               tokenizer_fn=None):
    """Initializes a VocabularyProcessor instance.

    Args:
      max_document_length: Maximum length of documents. If documents are
        longer, they will be trimmed, if shorter - padded (with 0).
      min_frequency: Words seen at most this often in `fit` are dropped (if
        > 0).
      vocabulary: CategoricalVocabulary object; a new one if None.
      tokenizer_fn: a function from an iterable of strings to an iterable of
        token lists; defaults to `tokenizer`.

    Attributes:
      vocabulary_: CategoricalVocabulary object.
    """
    self.max_document_length = max_document_length
    self.min_frequency = min_frequency
    self.vocabulary_ = vocabulary if vocabulary else CategoricalVocabulary()
    self._tokenizer = tokenizer_fn if tokenizer_fn else tokenizer

  def fit(self, raw_documents, unused_y=None):
    """Learns a vocabulary of all tokens in the raw documents, then freezes it.

    Args:
      raw_documents: An iterable which yields str.
      unused_y: to match fit format signature of estimators.

    Returns:
      self
    """
    del unused_y  # Unused.
    for tokens in self._tokenizer(raw_documents):
      for token in tokens:
        self.vocabulary_.add(token)
    if self.min_frequency > 0:
      self.vocabulary_.trim(self.min_frequency)
    self.vocabulary_.freeze()
    return self

  def fit_transform(self, raw_documents, unused_y=None):
    """Learns the vocabulary and returns the documents' word ids.

    Args:
      raw_documents: An iterable which yields str (read twice: pass a list).
      unused_y: to match fit_transform signature of estimators.

    Returns:
      An iterator of int64 rows of length max_document_length.
    """
    del unused_y  # Unused.
    self.fit(raw_documents)
    return self.transform(raw_documents)

  def transform(self, raw_documents):
    """Transforms documents to rows of word ids.

    Args:
      raw_documents: An iterable which yields str.

    Yields:
      An int64 row of length max_document_length per document: its first
      words' ids (0 for unknown words), then zeros.
    """
    for tokens in self._tokenizer(raw_documents):
      word_ids = np.zeros(self.max_document_length, np.int64)
      for position, token in enumerate(tokens[:self.max_document_length]):
        word_ids[position] = self.vocabulary_.get(token)
      yield word_ids

  def reverse(self, documents):
    """Yields each row of ids as words joined by spaces (0 is '<UNK>')."""
    for item in documents:
      yield " ".join(self.vocabulary_.reverse(class_id) for class_id in item)

  def save(self, filename):
    """Saves the processor (pickled) into `filename`, atomically.

    Args:
      filename: Path to output file.
    """
    temporary = "%s.tmp%d" % (filename, os.getpid())
    with tf.io.gfile.GFile(temporary, "wb") as f:
      f.write(pickle.dumps(self))
    tf.io.gfile.rename(temporary, filename, overwrite=True)

  @classmethod
  def restore(cls, filename):
    """Restores a processor saved by `save` or by TF1's VocabularyProcessor.

    Args:
      filename: Path to file to load from.

    Returns:
      VocabularyProcessor object.
    """
    with tf.io.gfile.GFile(filename, "rb") as f:
      return _Unpickler(io.BytesIO(f.read())).load()
