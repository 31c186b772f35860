"""The character LM's graph: embedding, recurrent stack, softmax; feeds.

`CharModel` is the graph of one role (training or validation) with its
carried state, fed (`state_mode="feed"`), in state variables ("variable")
or zeros every window ("stateless"); `evaluate` scores windows in order
with the state carried across them.

Usage:

  train_model, valid_model = char_lm_model.build_models(config)
  bits, accuracy = char_lm_model.evaluate(session, valid_model, batches)
"""

import contextlib
import math

import tensorflow as tf

from tf1seq import layers
from tf1seq import rnn
from tf1seq import state

from . import cells
from . import cluster

LOG2 = math.log(2.0)


class Config(object):
  """Model and training settings; model code reads these, never FLAGS."""

  def __init__(self, vocab_size, num_units=256, num_layers=2,
               cell="basic_lstm", embedding_size=64, num_steps=100,
               batch_size=64, eval_batch_size=None, output_keep_prob=1.0,
               optimizer="adam", learning_rate=0.002,
               learning_rate_decay=0.95, max_grad_norm=5.0,
               state_mode="feed", seed=1):
    self.vocab_size = vocab_size
    self.num_units = num_units
    self.num_layers = num_layers
    self.cell = cell
    self.embedding_size = embedding_size
    self.num_steps = num_steps
    self.batch_size = batch_size
    self.eval_batch_size = eval_batch_size or batch_size
    self.output_keep_prob = output_keep_prob
    self.optimizer = optimizer
    self.learning_rate = learning_rate
    self.learning_rate_decay = learning_rate_decay
    self.max_grad_norm = max_grad_norm
    self.state_mode = state_mode
    self.seed = seed

  @classmethod
  def from_flags(cls, flag_values, vocab_size):
    return cls(vocab_size=vocab_size, num_units=flag_values.num_units,
               num_layers=flag_values.num_layers, cell=flag_values.cell,
               embedding_size=flag_values.embedding_size,
               num_steps=flag_values.num_steps,
               batch_size=flag_values.batch_size,
               eval_batch_size=flag_values.eval_batch_size,
               output_keep_prob=flag_values.output_keep_prob,
               optimizer=flag_values.optimizer,
               learning_rate=flag_values.learning_rate,
               learning_rate_decay=flag_values.learning_rate_decay,
               max_grad_norm=flag_values.max_grad_norm,
               state_mode=flag_values.state_mode, seed=flag_values.seed)


def test_config(vocab_size, **overrides):
  """A tiny model for tests."""
  settings = dict(num_units=16, num_layers=2, embedding_size=8, num_steps=5,
                  batch_size=4, learning_rate=0.01, learning_rate_decay=1.0)
  settings.update(overrides)
  return Config(vocab_size, **settings)


def make_cell(config, keep_prob):
  """The stack of cells, with output dropout if configured."""
  return cells.make_cell(config.cell, config.num_units, config.num_layers,
                         config.output_keep_prob, keep_prob)


def build_logits(inputs, cell, initial_state, config):
  """Embedding, the recurrent stack from `initial_state`, softmax layer.

  Args:
    inputs: int32 `[batch, time]` ids.
    cell: from `make_cell`.
    initial_state: the cell's state structure of `[batch, size]` tensors.
    config: a `Config`.

  Returns:
    `(logits [batch, time, vocab_size], final_state)`.
  """
  embedded = layers.embedding(inputs, config.vocab_size,
                              config.embedding_size, name="embedding")
  outputs, final_state = rnn.dynamic_rnn(
      cell, embedded, initial_state=initial_state, scope="rnn")
  logits = layers.time_distributed_dense(outputs, config.vocab_size,
                                         name="softmax")
  return logits, final_state


class CharModel(object):
  """The graph of one role (train or validation) and its state.

  Attributes:
    inputs, targets: int32 `[batch, time]` placeholders.
    weights: float32 `[batch, time]`, default ones: each target's weight.
    initial_state, final_state: the cell's state structure.
    stateful: the `state.StateVariables` (variable mode) or None.
    reset_op: the op zeroing the state variables (variable mode) or None.
    loss: weighted mean cross-entropy per target, nats.
    total_loss, total_weight, correct: sums, for exact evaluation.
    train_op, new_global_step, learning_rate, hooks: training only (hooks:
      what the optimizer needs, e.g. with --sync_replicas).
    step_op: what a step runs besides the fetches (train op, or the state
      update in variable mode).
  """

  def __init__(self, config, is_training, batch_size, name, reuse,
               steps_per_epoch=1, task=None, state_device=None):
    task = task or cluster.Task()
    keep_prob = config.output_keep_prob if is_training else 1.0
    cell = make_cell(config, keep_prob)
    self.state_mode = config.state_mode
    self.batch_size = batch_size
    with tf.compat.v1.name_scope(name):
      self.inputs = tf.compat.v1.placeholder(tf.int32, [None, None],
                                             name="inputs")
      self.targets = tf.compat.v1.placeholder(tf.int32, [None, None],
                                              name="targets")
      self.weights = tf.compat.v1.placeholder_with_default(
          tf.ones_like(self.targets, dtype=tf.float32), [None, None],
          name="weights")
    self.stateful = None
    self.reset_op = None
    if config.state_mode == "variable":
      # Outside the reuse scope: each role has its own state variables. In a
      # cluster they stay on this worker (`state_device`): each worker
      # carries the state of its own streams.
      with (tf.compat.v1.device(state_device) if state_device
            else contextlib.nullcontext()):
        self.stateful = state.StateVariables(cell, batch_size,
                                             name=name + "_state")
      self.initial_state = self.stateful.initial_state_for(self.inputs)
      self.reset_op = self.stateful.reset_states()
    else:
      self.initial_state = state.carried_state(
          cell, tf.shape(self.inputs)[0], name=name + "/initial_state")
    with tf.compat.v1.variable_scope(tf.compat.v1.get_variable_scope(),
                                     reuse=reuse):
      logits, self.final_state = build_logits(
          self.inputs, cell, self.initial_state, config)
    with tf.compat.v1.name_scope(name):
      cross_entropy = tf.nn.sparse_softmax_cross_entropy_with_logits(
          labels=self.targets, logits=logits)
      self.total_loss = tf.reduce_sum(cross_entropy * self.weights)
      self.total_weight = tf.reduce_sum(self.weights)
      self.loss = self.total_loss / tf.maximum(self.total_weight, 1e-12)
      predictions = tf.argmax(logits, -1, output_type=tf.int32)
      self.correct = tf.reduce_sum(
          tf.cast(tf.equal(predictions, self.targets), tf.float32) *
          self.weights)
    after = [self.loss, self.total_loss, self.correct]
    if is_training:
      self.global_step = tf.compat.v1.train.get_or_create_global_step()
      self._build_train_op(config, steps_per_epoch, task)
      after.append(self.train_op)
    update = (self.stateful.update(self.final_state, after=after)
              if self.stateful else None)
    if is_training:
      if update is not None:
        self.train_op = tf.group(self.train_op, update)
      with tf.control_dependencies([self.train_op]):
        self.new_global_step = tf.identity(self.global_step)
      self.step_op = self.train_op
      tf.compat.v1.summary.scalar("loss", self.loss)
      tf.compat.v1.summary.scalar("bits_per_char", self.loss / LOG2)
      tf.compat.v1.summary.scalar("learning_rate", self.learning_rate)
    else:
      self.step_op = update if update is not None else tf.no_op()

  def _build_train_op(self, config, steps_per_epoch, task):
    epoch = tf.math.floordiv(self.global_step, steps_per_epoch)
    self.learning_rate = config.learning_rate * tf.pow(
        config.learning_rate_decay, tf.cast(epoch, tf.float32))
    if config.optimizer == "adam":
      optimizer = tf.compat.v1.train.AdamOptimizer(self.learning_rate)
    else:
      optimizer = tf.compat.v1.train.GradientDescentOptimizer(
          self.learning_rate)
    optimizer = task.wrap_optimizer(optimizer)
    self.hooks = task.hooks(optimizer)
    variables = tf.compat.v1.trainable_variables()
    gradients, self.gradient_norm = tf.clip_by_global_norm(
        tf.gradients(self.loss, variables), config.max_grad_norm)
    self.train_op = optimizer.apply_gradients(
        zip(gradients, variables), global_step=self.global_step)


def build_models(config, steps_per_epoch=1, task=None):
  """The training model and the validation model (shared weights).

  The learning rate is multiplied by `config.learning_rate_decay` every
  `steps_per_epoch` steps. With a distributed `task` (a `cluster.Task`) the
  optimizer is wrapped for it and the state variables (variable mode) are
  placed on this worker.
  """
  task = task or cluster.Task()
  state_device = ("/job:worker/task:%d" % task.task_index
                  if task.is_distributed else None)
  initializer = tf.compat.v1.glorot_uniform_initializer(seed=config.seed)
  with tf.compat.v1.variable_scope(tf.compat.v1.get_variable_scope(),
                                   initializer=initializer):
    train_model = CharModel(config, True, config.batch_size, "train",
                            reuse=None, steps_per_epoch=steps_per_epoch,
                            task=task, state_device=state_device)
    valid_model = CharModel(config, False, config.eval_batch_size,
                            "validation", reuse=True, task=task,
                            state_device=state_device)
  return train_model, valid_model


def state_feed(model, values):
  """The feed of the carried state (feed mode; empty in the others)."""
  if model.state_mode != "feed":
    return {}
  return state.feed_dict_for(model.initial_state, values,
                             batch_size=model.batch_size)


def window_feed(model, batches, k, state_values):
  """The feed of window `k` of `batches` with the carried state."""
  feed = {model.inputs: batches.inputs[k], model.targets: batches.targets[k]}
  if batches.weights is not None:
    feed[model.weights] = batches.weights[k]
  feed.update(state_feed(model, state_values))
  return feed


def evaluate(session, model, batches):
  """Bits per weighted target and accuracy over all windows, in order.

  The state starts from zeros and is carried across the windows.
  """
  if model.reset_op is not None:
    session.run(model.reset_op)
  state_values = None
  total_loss = total_weight = correct = 0.0
  fetches = [model.total_loss, model.total_weight, model.correct,
             model.step_op]
  if model.state_mode == "feed":
    fetches.append(model.final_state)
  for k in range(batches.num_windows):
    results = session.run(fetches, window_feed(model, batches, k,
                                               state_values))
    total_loss += results[0]
    total_weight += results[1]
    correct += results[2]
    if model.state_mode == "feed":
      state_values = results[4]
  if total_weight == 0:
    return float("nan"), float("nan")
  return (float(total_loss / total_weight / LOG2),
          float(correct / total_weight))


def evaluate_checkpoint(checkpoint, config, batches):
  """`evaluate` of the validation model saved in `checkpoint`."""
  with tf.Graph().as_default() as graph:
    _, valid_model = build_models(config)
    saver = tf.compat.v1.train.Saver()
    with tf.compat.v1.Session(graph=graph) as session:
      session.run(tf.compat.v1.local_variables_initializer())
      saver.restore(session, checkpoint)
      return evaluate(session, valid_model, batches)
