"""Tests for tf1seq.contrib.learn against TensorFlow 1.15's VocabularyProcessor.

Oracle: tests/testdata/learn/, written by TensorFlow 1.15's
tf.contrib.learn.preprocessing (tests/testdata/make_learn_fixtures.py):
tokens, ids, reversed text, vocabularies, and a processor TF1.15 pickled.
"""

import json
import os

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

from tf1seq.contrib import learn

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "testdata", "learn")


def load():
  with open(os.path.join(FIXTURES, "learn.json")) as f:
    return json.load(f)


def table(vocabulary):
  return [vocabulary.reverse(i) for i in range(len(vocabulary))]


class VocabularyProcessorTest(tf.test.TestCase, parameterized.TestCase):

  def test_tokenizer_matches_tf115(self):
    data = load()
    self.assertEqual(list(learn.tokenizer(data["tokens_in"])),
                     data["tokens"])

  @parameterized.parameters(0, 1)
  def test_fit_transform_reverse_match_tf115(self, min_frequency):
    data = load()
    want = data["min_frequency_%d" % min_frequency]
    processor = learn.VocabularyProcessor(max_document_length=6,
                                          min_frequency=min_frequency)
    train_ids = np.array(list(processor.fit_transform(data["train"])))
    test_ids = np.array(list(processor.transform(data["test"])))
    self.assertEqual(str(train_ids.dtype), want["dtype"])
    self.assertAllEqual(train_ids, want["train_ids"])
    self.assertAllEqual(test_ids, want["test_ids"])
    self.assertEqual(table(processor.vocabulary_), want["vocabulary"])
    self.assertEqual(list(processor.reverse(test_ids)), want["reversed"])

  def test_restores_a_file_saved_by_tf115(self):
    data = load()
    want = data["min_frequency_1"]
    processor = learn.VocabularyProcessor.restore(
        os.path.join(FIXTURES, "vocab_tf115.pickle"))
    self.assertIsInstance(processor, learn.VocabularyProcessor)
    self.assertIsInstance(processor.vocabulary_, learn.CategoricalVocabulary)
    self.assertEqual(processor.max_document_length, 6)
    self.assertEqual(table(processor.vocabulary_), want["vocabulary"])
    self.assertAllEqual(list(processor.transform(data["test"])),
                        want["test_ids"])

  def test_save_restore_round_trip(self):
    processor = learn.VocabularyProcessor(4, tokenizer_fn=None)
    processor.fit(["x y z", "y z w"])
    path = os.path.join(self.create_tempdir().full_path, "vocab")
    processor.save(path)
    self.assertEqual(os.listdir(os.path.dirname(path)), ["vocab"])
    restored = learn.VocabularyProcessor.restore(path)
    self.assertEqual(table(restored.vocabulary_), table(processor.vocabulary_))
    self.assertAllEqual(list(restored.transform(["w x q"])), [[4, 1, 0, 0]])

  def test_frozen_vocabulary_and_custom_tokenizer(self):
    processor = learn.VocabularyProcessor(
        3, tokenizer_fn=lambda docs: (d.split("|") for d in docs))
    ids = list(processor.fit_transform(["a|b", "b|c|d|e"]))
    self.assertAllEqual(ids, [[1, 2, 0], [2, 3, 4]])
    self.assertAllEqual(list(processor.transform(["new|a"])), [[0, 1, 0]])
    self.assertLen(processor.vocabulary_, 6)


class CategoricalVocabularyTest(tf.test.TestCase):

  def test_trim_matches_tf115(self):
    want = load()["trim"]
    vocabulary = learn.CategoricalVocabulary()
    for category, count in (("b", 3), ("a", 3), (7, 3), (2, 1), ("z", 5),
                            ("y", 2), ("x", 9)):
      vocabulary.add(category, count)
    vocabulary.trim(1, max_frequency=9)
    self.assertEqual([repr(c) for c in table(vocabulary)], want["table"])
    self.assertEqual(sorted(repr(kv) for kv in vocabulary._freq.items()),
                     want["freq"])

  def test_reverse_needs_support(self):
    vocabulary = learn.CategoricalVocabulary(support_reverse=False)
    self.assertEqual(vocabulary.get("a"), 1)
    with self.assertRaisesRegex(ValueError, "support_reverse"):
      vocabulary.reverse(1)


class ByteProcessorTest(tf.test.TestCase):

  def test_matches_tf115(self):
    want = load()["bytes"]
    processor = learn.ByteProcessor(max_document_length=6)
    ids = np.array(list(processor.transform(["abc", "héllo!!", b"xy"])))
    self.assertAllEqual(ids, want["ids"])
    self.assertEqual(list(processor.reverse(ids)), want["reversed"])


class ModeKeysTest(tf.test.TestCase):

  def test_values_and_validate(self):
    self.assertEqual((learn.ModeKeys.TRAIN, learn.ModeKeys.EVAL,
                      learn.ModeKeys.INFER), ("train", "eval", "infer"))
    learn.ModeKeys.validate("eval")
    with self.assertRaisesRegex(ValueError, "Invalid mode predict."):
      learn.ModeKeys.validate("predict")


if __name__ == "__main__":
  tf.test.main()
