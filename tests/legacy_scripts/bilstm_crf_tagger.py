"""Tags entity spans with a bidirectional LSTM and a CRF (TensorFlow 1.x).

A TensorFlow 1.x program (written for TF 1.14) in the style of the BiLSTM-CRF
named-entity taggers of that time: word ids from
tf.contrib.learn.preprocessing.VocabularyProcessor, word embeddings, a
bidirectional LSTM (tf.contrib.rnn.LSTMCell), a dense layer to tag scores, a
linear-chain CRF loss (tf.contrib.crf.crf_log_likelihood), and Viterbi
decoding at inference (tf.contrib.crf.crf_decode in the graph and
tf.contrib.crf.viterbi_decode in numpy, which must agree).

The data are synthetic BIO-tagged sentences: filler words (tag O) with spans
of a person (B-PER, then I-PER ...) or a location (B-LOC, I-LOC ...). A span
starts with a word of its type; its continuation words are shared by both
types and also occur outside spans, so their tag depends on where the span
began, and I-X may only follow B-X or I-X. Hyperparameters come from
tf.contrib.training.HParams, overridable with --hparams.

  python bilstm_crf_tagger.py --train_steps=300 --hparams=num_units=32
"""

from __future__ import absolute_import
from __future__ import division
from __future__ import print_function

import numpy as np
import tensorflow as tf

flags = tf.flags
flags.DEFINE_integer("train_steps", 300, "Number of training batches.")
flags.DEFINE_integer("num_test", 200, "Number of test sentences.")
flags.DEFINE_integer("seed", 1, "Seed for the data and the initial weights.")
flags.DEFINE_string("hparams", "", "Comma-separated name=value overrides.")
FLAGS = flags.FLAGS

TAGS = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC"]
MAX_LENGTH = 16
PERSONS = ["per%d" % i for i in range(8)]
LOCATIONS = ["loc%d" % i for i in range(8)]
SHARED = ["mid%d" % i for i in range(5)]  # Continue either type of span.
FILLERS = ["w%d" % i for i in range(20)]


def default_hparams():
  return tf.contrib.training.HParams(
      embedding_size=16, num_units=32, batch_size=32, learning_rate=0.01)


def make_sentence(rng):
  """One sentence: (space-joined words, tag ids), at most MAX_LENGTH long."""
  words, tags = [], []
  length = rng.randint(4, MAX_LENGTH + 1)
  while len(words) < length:
    if rng.rand() < 0.3:
      kind = rng.randint(2)
      words.append(rng.choice([PERSONS, LOCATIONS][kind]))
      tags.append(1 + 2 * kind)
      for _ in range(rng.randint(0, 4)):
        words.append(rng.choice(SHARED))
        tags.append(2 + 2 * kind)
    else:
      # Fillers, and now and then a shared word outside any span.
      words.append(rng.choice(SHARED if rng.rand() < 0.2 else FILLERS))
      tags.append(0)
  return " ".join(words[:length]), tags[:length]


def make_data(rng, count, vocabulary):
  sentences = [make_sentence(rng) for _ in range(count)]
  ids = np.array(list(vocabulary.transform([s for s, _ in sentences])))
  lengths = np.array([len(t) for _, t in sentences], np.int32)
  tags = np.zeros([count, MAX_LENGTH], np.int32)
  for row, (_, sentence_tags) in enumerate(sentences):
    tags[row, :len(sentence_tags)] = sentence_tags
  return ids, tags, lengths


def main(_):
  hparams = default_hparams().parse(FLAGS.hparams)
  rng = np.random.RandomState(FLAGS.seed)
  vocabulary = tf.contrib.learn.preprocessing.VocabularyProcessor(MAX_LENGTH)
  vocabulary.fit([" ".join(PERSONS + LOCATIONS + SHARED + FILLERS)])
  num_words = len(vocabulary.vocabulary_)

  with tf.Graph().as_default():
    tf.set_random_seed(FLAGS.seed)
    word_ids = tf.placeholder(tf.int32, [None, MAX_LENGTH], name="word_ids")
    gold_tags = tf.placeholder(tf.int32, [None, MAX_LENGTH], name="tags")
    lengths = tf.placeholder(tf.int32, [None], name="lengths")

    embeddings = tf.get_variable("embeddings",
                                 [num_words, hparams.embedding_size])
    inputs = tf.nn.embedding_lookup(embeddings, word_ids)
    cell_fw = tf.contrib.rnn.LSTMCell(hparams.num_units)
    cell_bw = tf.contrib.rnn.LSTMCell(hparams.num_units)
    (out_fw, out_bw), _ = tf.nn.bidirectional_dynamic_rnn(
        cell_fw, cell_bw, inputs, sequence_length=lengths, dtype=tf.float32)
    outputs = tf.concat([out_fw, out_bw], axis=-1)
    scores = tf.layers.dense(outputs, len(TAGS), name="tag_scores")

    log_likelihood, transitions = tf.contrib.crf.crf_log_likelihood(
        scores, gold_tags, lengths)
    loss = tf.reduce_mean(-log_likelihood)
    train_op = tf.train.AdamOptimizer(hparams.learning_rate).minimize(loss)
    decoded, _ = tf.contrib.crf.crf_decode(scores, transitions, lengths)

    test_ids, test_tags, test_lengths = make_data(rng, FLAGS.num_test,
                                                  vocabulary)
    with tf.Session() as sess:
      sess.run(tf.global_variables_initializer())
      for step in range(1, FLAGS.train_steps + 1):
        batch_ids, batch_tags, batch_lengths = make_data(
            rng, hparams.batch_size, vocabulary)
        batch_loss, _ = sess.run([loss, train_op], {
            word_ids: batch_ids, gold_tags: batch_tags,
            lengths: batch_lengths})
        if step % 50 == 0:
          print("step %d loss %.4f" % (step, batch_loss))

      predicted, test_scores, transition_matrix = sess.run(
          [decoded, scores, transitions],
          {word_ids: test_ids, lengths: test_lengths})

  mask = np.arange(MAX_LENGTH)[None, :] < test_lengths[:, None]
  correct = (predicted == test_tags) & mask
  print("token_accuracy %.4f" % (correct.sum() / mask.sum()))
  shared = mask & np.isin(test_ids, list(vocabulary.transform(
      [" ".join(SHARED)]))[0][:len(SHARED)])
  print("shared_word_accuracy %.4f" % (
      (correct & shared).sum() / max(shared.sum(), 1)))
  agree = 0
  for row, length in enumerate(test_lengths):
    path, _ = tf.contrib.crf.viterbi_decode(test_scores[row, :length],
                                            transition_matrix)
    agree += int(list(path) == predicted[row, :length].tolist())
  print("viterbi_agreement %d/%d" % (agree, len(test_lengths)))
  invalid = 0
  for row, length in enumerate(test_lengths):
    for previous, tag in zip([0] + predicted[row, :length - 1].tolist(),
                             predicted[row, :length].tolist()):
      if TAGS[tag].startswith("I-") and TAGS[previous][2:] != TAGS[tag][2:]:
        invalid += 1
  print("invalid_transitions %d" % invalid)


if __name__ == "__main__":
  tf.app.run()
