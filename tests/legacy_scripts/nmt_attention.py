"""Attention sequence-to-sequence model that reverses digit strings (TF 1.x).

A TensorFlow 1.x program (written for TF 1.14) in the style of the
tensorflow/nmt tutorial's attention model: a bidirectional LSTM encoder over
source embeddings, an LSTM decoder in a tf.contrib.seq2seq.AttentionWrapper
(Luong or Bahdanau attention), trained with a TrainingHelper, a BasicDecoder,
dynamic_decode, an output projection (tf.layers.Dense) and
tf.contrib.seq2seq.sequence_loss. Inference decodes greedily
(GreedyEmbeddingHelper) and with a BeamSearchDecoder (memory, source lengths
and encoder state tiled with tile_batch, a length penalty).

As in tensorflow/nmt, training and inference build separate graphs that share
the variables through checkpoints (tf.train.Saver): `--mode=train` trains,
saves a checkpoint in --out_dir and evaluates by restoring it into inference
graphs; `--mode=infer` only restores the latest checkpoint and evaluates.

The data are synthetic: strings of 3 to 8 digits, the target is the string
reversed. The test strings are drawn first and never trained on.

  python nmt_attention.py --mode=train --out_dir=/tmp/nmt --train_steps=400
  python nmt_attention.py --mode=infer --out_dir=/tmp/nmt
"""

from __future__ import absolute_import
from __future__ import division
from __future__ import print_function

import os

import numpy as np
import tensorflow as tf

flags = tf.flags
flags.DEFINE_string("mode", "train", "train or infer.")
flags.DEFINE_string("out_dir", "nmt_model", "Where checkpoints are kept.")
flags.DEFINE_string("attention", "luong", "luong or bahdanau.")
flags.DEFINE_integer("train_steps", 400, "Number of training batches.")
flags.DEFINE_integer("batch_size", 64, "Strings per training batch.")
flags.DEFINE_integer("num_units", 64, "Decoder LSTM size (encoder: half "
                     "of it in each direction).")
flags.DEFINE_integer("embedding_size", 32, "Size of the token embeddings.")
flags.DEFINE_float("learning_rate", 0.01, "Adam learning rate.")
flags.DEFINE_float("max_gradient_norm", 5.0, "Gradient clipping norm.")
flags.DEFINE_integer("beam_width", 4, "Beam width of beam search.")
flags.DEFINE_float("length_penalty_weight", 0.6, "Beam search length "
                   "penalty weight.")
flags.DEFINE_integer("num_test", 300, "Number of held-out test strings.")
flags.DEFINE_string("translations_file", "", "If set, the test strings' "
                    "translations are written to this path + .greedy and "
                    ".beam, one a line.")
flags.DEFINE_integer("seed", 3, "Seed for the data and the initial weights.")
FLAGS = flags.FLAGS

EOS, SOS = 0, 1  # Token ids; digit d is token d + 2.
VOCAB_SIZE = 12
MIN_LENGTH, MAX_LENGTH = 3, 8


# ------------------------------------------------------------------- data
def random_strings(rng, count, exclude=()):
  """`count` digit strings (lists of ints), none of them in `exclude`."""
  strings = []
  while len(strings) < count:
    length = rng.randint(MIN_LENGTH, MAX_LENGTH + 1)
    digits = rng.randint(0, 10, size=length).tolist()
    if tuple(digits) not in exclude:
      strings.append(digits)
  return strings


def make_batch(strings):
  """Padded source ids, decoder inputs and targets, and their lengths."""
  count = len(strings)
  source = np.full([count, MAX_LENGTH], EOS, np.int32)
  target_input = np.full([count, MAX_LENGTH + 1], EOS, np.int32)
  target_output = np.full([count, MAX_LENGTH + 1], EOS, np.int32)
  source_lengths = np.zeros([count], np.int32)
  for row, digits in enumerate(strings):
    tokens = [d + 2 for d in digits]
    reverse = tokens[::-1]
    source[row, :len(tokens)] = tokens
    target_input[row, :len(tokens) + 1] = [SOS] + reverse
    target_output[row, :len(tokens) + 1] = reverse + [EOS]
    source_lengths[row] = len(tokens)
  return source, source_lengths, target_input, target_output, \
      source_lengths + 1


# ------------------------------------------------------------------ model
class Model(object):
  """The attention model for one mode: "train" or "infer"."""

  def __init__(self, mode, beam_width=0):
    self.mode = mode
    self.beam_width = beam_width
    self.source = tf.placeholder(tf.int32, [None, None], name="source")
    self.source_lengths = tf.placeholder(tf.int32, [None],
                                         name="source_lengths")
    self.batch_size = tf.size(self.source_lengths)

    with tf.variable_scope("embeddings"):
      self.embedding_encoder = tf.get_variable(
          "embedding_encoder", [VOCAB_SIZE, FLAGS.embedding_size])
      self.embedding_decoder = tf.get_variable(
          "embedding_decoder", [VOCAB_SIZE, FLAGS.embedding_size])

    with tf.variable_scope("dynamic_seq2seq"):
      memory, encoder_state = self._build_encoder()
      with tf.variable_scope("decoder") as decoder_scope:
        self.output_layer = tf.layers.Dense(
            VOCAB_SIZE, use_bias=False, name="output_projection")
        if mode == "train":
          self._build_training_decoder(memory, encoder_state, decoder_scope)
        else:
          self._build_inference_decoder(memory, encoder_state,
                                        decoder_scope)
    if mode == "train":
      self._build_train_op()
    self.saver = tf.train.Saver(tf.global_variables(), max_to_keep=2)

  def _build_encoder(self):
    with tf.variable_scope("encoder"):
      inputs = tf.nn.embedding_lookup(self.embedding_encoder, self.source)
      cell_fw = tf.nn.rnn_cell.LSTMCell(FLAGS.num_units // 2)
      cell_bw = tf.contrib.rnn.LSTMCell(FLAGS.num_units // 2)
      outputs, (state_fw, state_bw) = tf.nn.bidirectional_dynamic_rnn(
          cell_fw, cell_bw, inputs, sequence_length=self.source_lengths,
          dtype=tf.float32)
      memory = tf.concat(outputs, axis=-1)
      encoder_state = tf.nn.rnn_cell.LSTMStateTuple(
          c=tf.concat([state_fw.c, state_bw.c], axis=-1),
          h=tf.concat([state_fw.h, state_bw.h], axis=-1))
    return memory, encoder_state

  def _build_attention_cell(self, memory, memory_lengths, encoder_state,
                            batch_size):
    if FLAGS.attention == "luong":
      mechanism = tf.contrib.seq2seq.LuongAttention(
          FLAGS.num_units, memory, memory_sequence_length=memory_lengths,
          scale=True)
    elif FLAGS.attention == "bahdanau":
      mechanism = tf.contrib.seq2seq.BahdanauAttention(
          FLAGS.num_units, memory, memory_sequence_length=memory_lengths,
          normalize=True)
    else:
      raise ValueError("Unknown attention %s" % FLAGS.attention)
    cell = tf.contrib.seq2seq.AttentionWrapper(
        tf.nn.rnn_cell.LSTMCell(FLAGS.num_units), mechanism,
        attention_layer_size=FLAGS.num_units,
        alignment_history=False, output_attention=True,
        name="attention")
    initial_state = cell.zero_state(batch_size, tf.float32).clone(
        cell_state=encoder_state)
    return cell, initial_state

  def _build_training_decoder(self, memory, encoder_state, decoder_scope):
    self.target_input = tf.placeholder(tf.int32, [None, None],
                                       name="target_input")
    self.target_output = tf.placeholder(tf.int32, [None, None],
                                        name="target_output")
    self.target_lengths = tf.placeholder(tf.int32, [None],
                                         name="target_lengths")
    cell, initial_state = self._build_attention_cell(
        memory, self.source_lengths, encoder_state, self.batch_size)
    inputs = tf.nn.embedding_lookup(self.embedding_decoder,
                                    self.target_input)
    helper = tf.contrib.seq2seq.TrainingHelper(inputs, self.target_lengths)
    decoder = tf.contrib.seq2seq.BasicDecoder(
        cell, helper, initial_state, output_layer=self.output_layer)
    outputs, _, _ = tf.contrib.seq2seq.dynamic_decode(
        decoder, scope=decoder_scope)
    logits = outputs.rnn_output
    max_time = tf.shape(logits)[1]
    weights = tf.sequence_mask(self.target_lengths, max_time,
                               dtype=tf.float32)
    self.loss = tf.contrib.seq2seq.sequence_loss(
        logits, self.target_output[:, :max_time], weights)

  def _build_train_op(self):
    self.global_step = tf.Variable(0, trainable=False, name="global_step")
    params = tf.trainable_variables()
    gradients = tf.gradients(self.loss, params)
    clipped, self.gradient_norm = tf.clip_by_global_norm(
        gradients, FLAGS.max_gradient_norm)
    optimizer = tf.train.AdamOptimizer(FLAGS.learning_rate)
    self.train_op = optimizer.apply_gradients(
        zip(clipped, params), global_step=self.global_step)

  def _build_inference_decoder(self, memory, encoder_state, decoder_scope):
    start_tokens = tf.fill([self.batch_size], SOS)
    maximum_iterations = tf.reduce_max(self.source_lengths) * 2
    if self.beam_width > 0:
      memory = tf.contrib.seq2seq.tile_batch(memory, self.beam_width)
      memory_lengths = tf.contrib.seq2seq.tile_batch(self.source_lengths,
                                                     self.beam_width)
      encoder_state = tf.contrib.seq2seq.tile_batch(encoder_state,
                                                    self.beam_width)
      cell, initial_state = self._build_attention_cell(
          memory, memory_lengths, encoder_state,
          self.batch_size * self.beam_width)
      decoder = tf.contrib.seq2seq.BeamSearchDecoder(
          cell, self.embedding_decoder, start_tokens, EOS, initial_state,
          self.beam_width, output_layer=self.output_layer,
          length_penalty_weight=FLAGS.length_penalty_weight)
    else:
      cell, initial_state = self._build_attention_cell(
          memory, self.source_lengths, encoder_state, self.batch_size)
      helper = tf.contrib.seq2seq.GreedyEmbeddingHelper(
          self.embedding_decoder, start_tokens, EOS)
      decoder = tf.contrib.seq2seq.BasicDecoder(
          cell, helper, initial_state, output_layer=self.output_layer)
    outputs, _, _ = tf.contrib.seq2seq.dynamic_decode(
        decoder, maximum_iterations=maximum_iterations, scope=decoder_scope)
    if self.beam_width > 0:
      self.sample_ids = outputs.predicted_ids[:, :, 0]  # The best beam.
    else:
      self.sample_ids = outputs.sample_id


# ------------------------------------------------------------- train/infer
def strip_eos(ids):
  ids = list(ids)
  return ids[:ids.index(EOS)] if EOS in ids else ids


def train(train_strings_rng, test_set):
  with tf.Graph().as_default():
    tf.set_random_seed(FLAGS.seed)
    model = Model("train")
    with tf.Session() as sess:
      sess.run(tf.global_variables_initializer())
      for step in range(1, FLAGS.train_steps + 1):
        strings = random_strings(train_strings_rng, FLAGS.batch_size,
                                 exclude=test_set)
        source, source_lengths, target_input, target_output, \
            target_lengths = make_batch(strings)
        loss, _ = sess.run([model.loss, model.train_op], {
            model.source: source, model.source_lengths: source_lengths,
            model.target_input: target_input,
            model.target_output: target_output,
            model.target_lengths: target_lengths})
        if step % 50 == 0 or step == 1:
          print("step %d loss %.4f" % (step, loss))
      path = model.saver.save(sess, os.path.join(FLAGS.out_dir, "model.ckpt"),
                              global_step=model.global_step)
      print("saved %s" % path)


def to_text(ids):
  return "".join(str(i - 2) if i > 1 else "_" for i in strip_eos(ids))


def infer(test_strings, beam_width):
  """Restores the latest checkpoint; returns the exact-match accuracy."""
  with tf.Graph().as_default():
    model = Model("infer", beam_width=beam_width)
    checkpoint = tf.train.latest_checkpoint(FLAGS.out_dir)
    if checkpoint is None:
      raise ValueError("No checkpoint in %s" % FLAGS.out_dir)
    source, source_lengths, _, _, _ = make_batch(test_strings)
    with tf.Session() as sess:
      model.saver.restore(sess, checkpoint)
      sample_ids = sess.run(model.sample_ids, {
          model.source: source, model.source_lengths: source_lengths})
  correct = 0
  for digits, ids in zip(test_strings, sample_ids):
    correct += int(strip_eos(ids) == [d + 2 for d in digits[::-1]])
  for digits, ids in list(zip(test_strings, sample_ids))[:3]:
    print("  %s -> %s" % ("".join(map(str, digits)), to_text(ids)))
  if FLAGS.translations_file:
    suffix = ".beam" if beam_width > 0 else ".greedy"
    with tf.gfile.GFile(FLAGS.translations_file + suffix, "w") as f:
      f.write("".join(to_text(ids) + "\n" for ids in sample_ids))
  return correct / len(test_strings)


def main(_):
  rng = np.random.RandomState(FLAGS.seed)
  test_strings = random_strings(rng, FLAGS.num_test)
  test_set = set(tuple(s) for s in test_strings)
  if FLAGS.mode == "train":
    if not tf.gfile.Exists(FLAGS.out_dir):
      tf.gfile.MakeDirs(FLAGS.out_dir)
    train(rng, test_set)
  elif FLAGS.mode != "infer":
    raise ValueError("Unknown mode %s" % FLAGS.mode)
  greedy = infer(test_strings, beam_width=0)
  print("greedy_accuracy %.4f" % greedy)
  beam = infer(test_strings, beam_width=FLAGS.beam_width)
  print("beam_accuracy %.4f" % beam)


if __name__ == "__main__":
  tf.app.run()
