"""Writes tests/testdata/learn/: TensorFlow 1.15's VocabularyProcessor.

Run with TensorFlow 1.15 (it has tf.contrib):

  /work/tf115/bin/python tests/testdata/make_learn_fixtures.py

vocab_tf115.pickle is a processor fitted and saved by TF1.15's
tf.contrib.learn.preprocessing.VocabularyProcessor; learn.json holds what
TF1.15 computed: tokens, transformed ids, reversed text and vocabularies.
"""

import json
import os

import numpy as np
import tensorflow as tf

preprocessing = tf.contrib.learn.preprocessing

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "learn")

TRAIN = ["The cat sat on the mat.", "the dog ate the cat's food",
         "NASA launched CamelCase rockets in 2019", "a b c d e f g h",
         "well-known state-of-the-art dog"]
TEST = ["the cat and the unknown dog", "", "mat mat mat mat mat mat mat mat"]
TOKENS = ["HTTPServer ran", "iPhone XMLHttpRequest", "don't stop-me now",
          "naïve café über", "ABCdef GHi", "x_y 12.5"]


def vocabulary_table(vocabulary):
  return [vocabulary.reverse(i) for i in range(len(vocabulary))]


def main():
  os.makedirs(OUT, exist_ok=True)
  out = {"train": TRAIN, "test": TEST, "tokens_in": TOKENS,
         "tokens": list(preprocessing.tokenizer(TOKENS))}
  for min_frequency in (0, 1):
    processor = preprocessing.VocabularyProcessor(
        max_document_length=6, min_frequency=min_frequency)
    train_ids = np.array(list(processor.fit_transform(TRAIN)))
    test_ids = np.array(list(processor.transform(TEST)))
    out["min_frequency_%d" % min_frequency] = {
        "train_ids": train_ids.tolist(), "test_ids": test_ids.tolist(),
        "vocabulary": vocabulary_table(processor.vocabulary_),
        "reversed": list(processor.reverse(test_ids)),
        "dtype": str(train_ids.dtype)}
    if min_frequency == 1:
      processor.save(os.path.join(OUT, "vocab_tf115.pickle"))
  # trim with ties, integers and max_frequency.
  vocabulary = preprocessing.CategoricalVocabulary()
  for category, count in (("b", 3), ("a", 3), (7, 3), (2, 1), ("z", 5),
                          ("y", 2), ("x", 9)):
    vocabulary.add(category, count)
  vocabulary.trim(1, max_frequency=9)
  out["trim"] = {"table": [repr(c) for c in vocabulary_table(vocabulary)],
                 "freq": sorted(repr(kv) for kv in vocabulary._freq.items())}
  bytes_processor = preprocessing.ByteProcessor(max_document_length=6)
  byte_ids = np.array(list(bytes_processor.transform(["abc", "héllo!!",
                                                      b"xy"])))
  out["bytes"] = {"ids": byte_ids.tolist(),
                  "reversed": list(bytes_processor.reverse(byte_ids))}
  with open(os.path.join(OUT, "learn.json"), "w") as f:
    json.dump(out, f, indent=1, sort_keys=True)
    f.write("\n")
  print("wrote %s" % OUT)


if __name__ == "__main__":
  main()
