"""Word-level LSTM language model, PTB-tutorial style (TensorFlow 1.x).

A TensorFlow 1.x program (written for TF 1.13). It reads a corpus split
into `<prefix>.train.txt`, `<prefix>.valid.txt` and `<prefix>.test.txt`
(one sentence per line, words separated by spaces) from --data_path and
trains a stacked LSTM to predict the next word, reporting perplexities.

Inputs come from a queue (`tf.train.range_input_producer`); the LSTM state
is carried from one batch to the next by feeding it back. Training, validation
and test graphs share variables; their ops are exported to collections and
the whole graph is re-imported from its meta graph before the Supervisor
runs it (the layout used for multi-GPU training). Checkpoints go to
--save_path; a rerun resumes from the latest one.

  python word_lm.py --data_path=data/ --save_path=/tmp/word_lm --model=small
"""

from __future__ import absolute_import
from __future__ import division
from __future__ import print_function

import collections
import os
import time

import numpy as np
import tensorflow as tf

flags = tf.flags
logging = tf.logging

flags.DEFINE_string("model", "small", "Model size: tiny or small.")
flags.DEFINE_string("data_path", None, "Directory holding the corpus files.")
flags.DEFINE_string("data_prefix", "corpus", "Corpus file name prefix.")
flags.DEFINE_string("save_path", None, "Model output directory.")
flags.DEFINE_string("rnn_mode", "block",
                    "LSTM implementation: 'basic' (BasicLSTMCell) or "
                    "'block' (LSTMBlockCell).")
flags.DEFINE_integer("max_epochs", 0, "If > 0, overrides the config's.")
flags.DEFINE_integer("max_steps_per_epoch", 0,
                     "If > 0, stop each epoch after this many batches.")
FLAGS = flags.FLAGS

BASIC = "basic"
BLOCK = "block"


# ---------------------------------------------------------------- reading


def read_words(path):
  with tf.gfile.GFile(path, "r") as f:
    return f.read().replace("\n", " <eos> ").split()


def make_vocabulary(path):
  counts = collections.Counter(read_words(path))
  ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
  return {word: index for index, (word, _) in enumerate(ranked)}


def to_ids(path, vocabulary):
  unknown = vocabulary.get("<unk>")
  ids = []
  for word in read_words(path):
    if word in vocabulary:
      ids.append(vocabulary[word])
    elif unknown is not None:
      ids.append(unknown)
  return ids


def load_corpus(data_path, prefix):
  """Returns (train ids, valid ids, test ids, vocabulary size)."""
  paths = [os.path.join(data_path, "%s.%s.txt" % (prefix, part))
           for part in ("train", "valid", "test")]
  vocabulary = make_vocabulary(paths[0])
  train, valid, test = [to_ids(path, vocabulary) for path in paths]
  return train, valid, test, len(vocabulary)


def batch_producer(ids, batch_size, num_steps, name=None):
  """Queue-fed (inputs, targets) [batch_size, num_steps] slices of `ids`."""
  with tf.name_scope(name, "BatchProducer", [ids]):
    ids = tf.convert_to_tensor(ids, name="ids", dtype=tf.int32)
    columns = tf.size(ids) // batch_size
    grid = tf.reshape(ids[0:batch_size * columns], [batch_size, columns])
    epoch_size = (columns - 1) // num_steps
    check = tf.assert_positive(
        epoch_size, message="the corpus is too small for this batch size")
    with tf.control_dependencies([check]):
      epoch_size = tf.identity(epoch_size, name="epoch_size")
    i = tf.train.range_input_producer(epoch_size, shuffle=False).dequeue()
    inputs = tf.strided_slice(grid, [0, i * num_steps],
                              [batch_size, (i + 1) * num_steps])
    inputs.set_shape([batch_size, num_steps])
    targets = tf.strided_slice(grid, [0, i * num_steps + 1],
                               [batch_size, (i + 1) * num_steps + 1])
    targets.set_shape([batch_size, num_steps])
    return inputs, targets


# ------------------------------------------------------------ collections


def export_state_tuples(state_tuples, name):
  for state_tuple in state_tuples:
    tf.add_to_collection(name, state_tuple.c)
    tf.add_to_collection(name, state_tuple.h)


def import_state_tuples(state_tuples, name):
  tensors = tf.get_collection_ref(name)
  return tuple(tf.contrib.rnn.LSTMStateTuple(tensors[2 * i],
                                             tensors[2 * i + 1])
               for i in range(len(state_tuples)))


def prefixed(prefix, name):
  return "%s/%s" % (prefix, name)


# ------------------------------------------------------------------ model


class PTBInput(object):
  """The batches of one split."""

  def __init__(self, config, ids, name=None):
    self.batch_size = config.batch_size
    self.num_steps = config.num_steps
    self.epoch_size = ((len(ids) // self.batch_size) - 1) // self.num_steps
    self.input_data, self.targets = batch_producer(
        ids, self.batch_size, self.num_steps, name=name)


class PTBModel(object):
  """A stacked-LSTM language model over one PTBInput."""

  def __init__(self, is_training, config, input_):
    self._is_training = is_training
    self._input = input_
    self._name = None
    self._rnn_params = None
    batch_size = input_.batch_size
    num_steps = input_.num_steps
    size = config.hidden_size
    vocab_size = config.vocab_size

    with tf.device("/cpu:0"):
      embedding = tf.get_variable("embedding", [vocab_size, size],
                                  dtype=tf.float32)
      inputs = tf.nn.embedding_lookup(embedding, input_.input_data)
    if is_training and config.keep_prob < 1:
      inputs = tf.nn.dropout(inputs, config.keep_prob)

    output, state = self._unrolled_lstm(inputs, config, is_training)

    softmax_w = tf.get_variable("softmax_w", [size, vocab_size],
                                dtype=tf.float32)
    softmax_b = tf.get_variable("softmax_b", [vocab_size], dtype=tf.float32)
    logits = tf.nn.xw_plus_b(output, softmax_w, softmax_b)
    logits = tf.reshape(logits, [batch_size, num_steps, vocab_size])
    loss = tf.contrib.seq2seq.sequence_loss(
        logits, input_.targets,
        tf.ones([batch_size, num_steps], dtype=tf.float32),
        average_across_timesteps=False, average_across_batch=True)
    self._cost = tf.reduce_sum(loss)
    self._final_state = state

    if not is_training:
      return
    self._lr = tf.Variable(0.0, trainable=False, name="learning_rate")
    variables = tf.trainable_variables()
    grads, _ = tf.clip_by_global_norm(tf.gradients(self._cost, variables),
                                      config.max_grad_norm)
    optimizer = tf.train.GradientDescentOptimizer(self._lr)
    self._train_op = optimizer.apply_gradients(
        zip(grads, variables),
        global_step=tf.train.get_or_create_global_step())
    self._new_lr = tf.placeholder(tf.float32, shape=[],
                                  name="new_learning_rate")
    self._lr_update = tf.assign(self._lr, self._new_lr)

  def _lstm_cell(self, config, is_training):
    if config.rnn_mode == BASIC:
      return tf.contrib.rnn.BasicLSTMCell(
          config.hidden_size, forget_bias=0.0, state_is_tuple=True,
          reuse=not is_training)
    if config.rnn_mode == BLOCK:
      return tf.contrib.rnn.LSTMBlockCell(config.hidden_size,
                                          forget_bias=0.0)
    raise ValueError("rnn_mode %s not supported" % config.rnn_mode)

  def _unrolled_lstm(self, inputs, config, is_training):
    """Statically unrolled stack; returns ([batch * steps, size], state)."""
    def make_cell():
      cell = self._lstm_cell(config, is_training)
      if is_training and config.keep_prob < 1:
        cell = tf.contrib.rnn.DropoutWrapper(
            cell, output_keep_prob=config.keep_prob)
      return cell

    cell = tf.contrib.rnn.MultiRNNCell(
        [make_cell() for _ in range(config.num_layers)], state_is_tuple=True)
    self._initial_state = cell.zero_state(config.batch_size, tf.float32)
    state = self._initial_state
    outputs = []
    with tf.variable_scope("RNN"):
      for time_step in range(self._input.num_steps):
        if time_step > 0:
          tf.get_variable_scope().reuse_variables()
        cell_output, state = cell(inputs[:, time_step, :], state)
        outputs.append(cell_output)
    output = tf.reshape(tf.concat(outputs, 1), [-1, config.hidden_size])
    return output, state

  def assign_lr(self, session, lr_value):
    session.run(self._lr_update, feed_dict={self._new_lr: lr_value})

  def export_ops(self, name):
    """Puts this model's ops into collections, for export_meta_graph."""
    self._name = name
    ops = {prefixed(self._name, "cost"): self._cost}
    if self._is_training:
      ops.update(lr=self._lr, new_lr=self._new_lr, lr_update=self._lr_update)
      tf.add_to_collection("train_op", self._train_op)
    for op_name, op in ops.items():
      tf.add_to_collection(op_name, op)
    self._initial_state_name = prefixed(self._name, "initial")
    self._final_state_name = prefixed(self._name, "final")
    export_state_tuples(self._initial_state, self._initial_state_name)
    export_state_tuples(self._final_state, self._final_state_name)

  def import_ops(self):
    """Finds this model's ops in the collections of an imported graph."""
    if self._is_training:
      self._train_op = tf.get_collection_ref("train_op")[0]
      self._lr = tf.get_collection_ref("lr")[0]
      self._new_lr = tf.get_collection_ref("new_lr")[0]
      self._lr_update = tf.get_collection_ref("lr_update")[0]
    self._cost = tf.get_collection_ref(prefixed(self._name, "cost"))[0]
    self._initial_state = import_state_tuples(self._initial_state,
                                              self._initial_state_name)
    self._final_state = import_state_tuples(self._final_state,
                                            self._final_state_name)

  @property
  def input(self):
    return self._input

  @property
  def initial_state(self):
    return self._initial_state

  @property
  def final_state(self):
    return self._final_state

  @property
  def cost(self):
    return self._cost

  @property
  def lr(self):
    return self._lr

  @property
  def train_op(self):
    return self._train_op


# ---------------------------------------------------------------- configs


class TinyConfig(object):
  """For smoke tests."""
  init_scale = 0.1
  learning_rate = 1.0
  max_grad_norm = 5
  num_layers = 2
  num_steps = 8
  hidden_size = 24
  max_epoch = 1
  max_max_epoch = 2
  keep_prob = 0.9
  lr_decay = 0.5
  batch_size = 8
  vocab_size = 10000
  rnn_mode = BLOCK


class SmallConfig(object):
  """The usual small model."""
  init_scale = 0.1
  learning_rate = 1.0
  max_grad_norm = 5
  num_layers = 2
  num_steps = 20
  hidden_size = 200
  max_epoch = 4
  max_max_epoch = 13
  keep_prob = 1.0
  lr_decay = 0.5
  batch_size = 20
  vocab_size = 10000
  rnn_mode = BLOCK


def get_config():
  configs = {"tiny": TinyConfig, "small": SmallConfig}
  if FLAGS.model not in configs:
    raise ValueError("Invalid model: %s" % FLAGS.model)
  config = configs[FLAGS.model]()
  if FLAGS.rnn_mode:
    config.rnn_mode = FLAGS.rnn_mode
  if FLAGS.max_epochs > 0:
    config.max_max_epoch = FLAGS.max_epochs
  return config


# ---------------------------------------------------------------- running


def run_epoch(session, model, eval_op=None, verbose=False):
  """Runs the model over its split once; returns the perplexity."""
  start_time = time.time()
  costs = 0.0
  iters = 0
  state = session.run(model.initial_state)
  fetches = {"cost": model.cost, "final_state": model.final_state}
  if eval_op is not None:
    fetches["eval_op"] = eval_op
  epoch_size = model.input.epoch_size
  if FLAGS.max_steps_per_epoch > 0:
    epoch_size = min(epoch_size, FLAGS.max_steps_per_epoch)

  for step in range(epoch_size):
    feed_dict = {}
    for i, (c, h) in enumerate(model.initial_state):
      feed_dict[c] = state[i].c
      feed_dict[h] = state[i].h
    values = session.run(fetches, feed_dict)
    costs += values["cost"]
    state = values["final_state"]
    iters += model.input.num_steps
    if verbose and step % max(epoch_size // 5, 1) == 0:
      print("%.3f perplexity: %.3f speed: %.0f wps" %
            (step * 1.0 / epoch_size, np.exp(costs / iters),
             iters * model.input.batch_size / (time.time() - start_time)))
  return np.exp(costs / iters)


def main(_):
  if not FLAGS.data_path:
    raise ValueError("Must set --data_path to the corpus directory")
  train_ids, valid_ids, test_ids, vocab_size = load_corpus(
      FLAGS.data_path, FLAGS.data_prefix)
  config = get_config()
  config.vocab_size = vocab_size
  eval_config = get_config()
  eval_config.vocab_size = vocab_size
  eval_config.batch_size = 1
  eval_config.num_steps = 1

  with tf.Graph().as_default():
    tf.set_random_seed(7)
    initializer = tf.random_uniform_initializer(-config.init_scale,
                                                config.init_scale)
    with tf.name_scope("Train"):
      train_input = PTBInput(config, train_ids, name="TrainInput")
      with tf.variable_scope("Model", reuse=None, initializer=initializer):
        m = PTBModel(is_training=True, config=config, input_=train_input)
      tf.summary.scalar("Training_Loss", m.cost)
      tf.summary.scalar("Learning_Rate", m.lr)
    with tf.name_scope("Valid"):
      valid_input = PTBInput(config, valid_ids, name="ValidInput")
      with tf.variable_scope("Model", reuse=True, initializer=initializer):
        mvalid = PTBModel(is_training=False, config=config,
                          input_=valid_input)
    with tf.name_scope("Test"):
      test_input = PTBInput(eval_config, test_ids, name="TestInput")
      with tf.variable_scope("Model", reuse=True, initializer=initializer):
        mtest = PTBModel(is_training=False, config=eval_config,
                         input_=test_input)

    models = {"Train": m, "Valid": mvalid, "Test": mtest}
    for name, model in models.items():
      model.export_ops(name)
    metagraph = tf.train.export_meta_graph()

  with tf.Graph().as_default():
    tf.train.import_meta_graph(metagraph)
    for model in models.values():
      model.import_ops()
    sv = tf.train.Supervisor(logdir=FLAGS.save_path, save_model_secs=0,
                             save_summaries_secs=0)
    config_proto = tf.ConfigProto(allow_soft_placement=True)
    with sv.managed_session(config=config_proto) as session:
      print("start_step %d" % session.run(sv.global_step))
      for i in range(config.max_max_epoch):
        lr_decay = config.lr_decay ** max(i + 1 - config.max_epoch, 0.0)
        m.assign_lr(session, config.learning_rate * lr_decay)
        print("Epoch: %d Learning rate: %.3f" % (i + 1, session.run(m.lr)))
        train_perplexity = run_epoch(session, m, eval_op=m.train_op,
                                     verbose=True)
        print("Epoch: %d Train Perplexity: %.3f" % (i + 1, train_perplexity))
        valid_perplexity = run_epoch(session, mvalid)
        print("Epoch: %d Valid Perplexity: %.3f" % (i + 1, valid_perplexity))
      test_perplexity = run_epoch(session, mtest)
      print("Test Perplexity: %.3f" % test_perplexity)
      step = session.run(sv.global_step)
      if FLAGS.save_path:
        logging.info("Saving model to %s.", FLAGS.save_path)
        sv.saver.save(session, os.path.join(FLAGS.save_path, "model.ckpt"),
                      global_step=step)
      print("final_step %d" % step)


if __name__ == "__main__":
  tf.app.run()
