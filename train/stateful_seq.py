r"""Stateful sequence models: a character-level LSTM language model.

The final state of one batch is the initial state of the next (truncated
backpropagation through time over `--num_steps` windows, `tf1seq.data.tbptt`
batching), carried either by feeding (`--state_mode=feed`, TF1's
`ptb_word_lm`) or in state variables (`--state_mode=variable`, Keras'
`stateful=True`); `--state_mode=stateless` starts every batch from zeros.
Trains with checkpoints, resume (the state restarts from zeros), TensorBoard
summaries and bits per character per epoch; samples text from a prompt by
feeding the state step by step; exports a SavedModel with a `step`
signature (ids and the state of every layer in, logits, probabilities and
the new state out) and a `zero_state` signature, so a server keeps one state
per client.

A 2 x 256 LSTM on the fortunes corpus (`apt-get install -y fortunes`):

  python -m train.stateful_seq \
      --text_file='/usr/share/games/fortunes/*.u8' \
      --model_dir=/tmp/fortunes_lm --export_dir=/tmp/fortunes_lm/export \
      --num_layers=2 --num_units=256 --batch_size=64 --num_steps=100 \
      --max_train_seconds=1800 --epochs=10 --sample

Scoring a trained model on other text (bits/char per file; trains and
writes nothing; the graph flags must be the training run's):

  python -m train.stateful_seq --model_dir=/tmp/fortunes_lm \
      --eval_text_file=/usr/share/games/fortunes/zippy

The long-memory task (the deciding value is only in an earlier window):

  python -m train.stateful_seq --task=long_memory --state_mode=feed \
      --model_dir=/tmp/long_memory_feed --num_layers=1 --num_units=64 \
      --embedding_size=8 --num_steps=20 --batch_size=32 \
      --learning_rate=0.01 --learning_rate_decay=1.0 --epochs=3
  # The same with --state_mode=stateless (or variable) and its own
  # --model_dir. With the text model's defaults (2 x 256, 100-step
  # windows) one epoch stays at chance in both modes.

Results: see README.md ("Stateful sequences"), each with its command.

On TensorFlow's parameter-server runtime (`train.cluster`: --ps_hosts,
--worker_hosts, --job_name, --task_index, --sync_replicas, or TF_CONFIG),
one process per task, every task with the same flags and text:

  python -m train.launch_local --trainer=train.stateful_seq \
      --num_ps=1 --num_workers=2 -- --text_file=... --model_dir=/tmp/dist_lm

The model's variables live on the parameter servers; the carried state
stays in each worker (fed arrays, or with --state_mode=variable local state
variables placed on the worker itself, never shared nor checkpointed). Each
worker reads the same training windows, in order, but from its own offset:
worker i of n starts (from a zero state) at window `(global_step + i *
windows_per_epoch // n) % windows_per_epoch` (a single process: the global
step's window, so a resumed run continues where it stopped), then advances
one window per step of its own, whatever the other workers do, carrying its
state from one window to the next and restarting from zeros when its walk
reaches the epoch's first window. So two workers read windows half an epoch
apart, and the global step (all workers' steps) still counts epochs of the
text for the learning-rate decay. A worker on another machine needs the
same text (and, on a resume, the chief's vocab.json if the vocabulary is
not the text's own). Only the chief (worker 0) checks the checkpoint,
evaluates, writes vocab.json, checkpoints, summaries, metrics.json and
sample.json, and exports; its final figures are those of the final
checkpoint.

The model's variables (TF1 names, so `ptb_word_lm`-style checkpoints map):
  embedding/embeddings [vocab, embedding_size]
  rnn/multi_rnn_cell/cell_k/basic_lstm_cell/kernel, .../bias
  (rnn/basic_lstm_cell/... with --num_layers=1)
  softmax/kernel [num_units, vocab], softmax/bias
With --state_mode=variable also the local (not checkpointed) state
variables train_state/state_c_0 ... and validation_state/....
"""

import contextlib
import math
import os
import time

from absl import app
from absl import flags
from absl import logging
import numpy as np
import tensorflow as tf

from tf1seq import export
from tf1seq import layers
from tf1seq import rnn
from tf1seq import rnn_cell
from tf1seq import state
from tf1seq.data import tbptt
from tf1seq.data import text
from train import cluster
from train import loop

FLAGS = flags.FLAGS

flags.DEFINE_enum("task", "text", ["text", "long_memory"],
                  "text: character-level language model of --text_file; "
                  "long_memory: the synthetic task whose deciding value is "
                  "only in an earlier window.")
flags.DEFINE_list("text_file", None,
                  "UTF-8 text files or globs (comma-separated), e.g. "
                  "'/usr/share/games/fortunes/*.u8'.")
flags.DEFINE_list("eval_text_file", None,
                  "Only evaluate: bits/char of the model in --model_dir on "
                  "each of these files (paths or globs; each split into "
                  "--eval_batch_size streams of --num_steps windows, the "
                  "state carried through it as in validation), then exit. "
                  "Nothing is trained or written; the graph flags must be "
                  "the training run's.")
flags.DEFINE_string("model_dir", None,
                    "Checkpoints, summaries, vocab.json, metrics.json and "
                    "sample.json; a run resumes from the latest checkpoint "
                    "here.")
flags.DEFINE_string("export_dir", None,
                    "If set, a SavedModel with `step` and `zero_state` "
                    "signatures is exported to export_dir/<version>/.")
flags.DEFINE_enum("state_mode", "feed", ["feed", "variable", "stateless"],
                  "How the state passes between batches: fed placeholders, "
                  "state variables, or not at all (zeros every batch).")
flags.DEFINE_enum("cell", "basic_lstm", ["basic_lstm", "lstm", "gru",
                                         "basic_rnn"], "Recurrent cell.")
flags.DEFINE_integer("num_layers", 2, "Stacked recurrent layers.")
flags.DEFINE_integer("num_units", 256, "Units per layer.")
flags.DEFINE_integer("embedding_size", 64, "Width of the character "
                     "embedding.")
flags.DEFINE_integer("num_steps", 100, "Window length of truncated "
                     "backpropagation through time.")
flags.DEFINE_integer("batch_size", 64, "Parallel streams per batch (fixed: "
                     "row i of a batch continues row i of the last).")
flags.DEFINE_integer("eval_batch_size", None,
                     "Parallel streams of the validation text; default "
                     "--batch_size.")
flags.DEFINE_float("validation_fraction", 0.05,
                   "Share of the text, from its end, held out.")
flags.DEFINE_enum("validation_from", "end", ["end", "each_file"],
                  "end: the last --validation_fraction of the concatenated "
                  "text validates; each_file: the last --validation_fraction"
                  " of every file (for corpora of files of different "
                  "kinds).")
flags.DEFINE_float("output_keep_prob", 1.0,
                   "Keep probability of dropout on each layer's output "
                   "(between layers and before the softmax) in training.")
flags.DEFINE_enum("optimizer", "adam", ["adam", "sgd"], "Optimizer.")
flags.DEFINE_float("learning_rate", 0.002, "Initial learning rate.")
flags.DEFINE_float("learning_rate_decay", 0.95,
                   "Learning-rate factor per epoch (1.0: constant).")
flags.DEFINE_float("max_grad_norm", 5.0, "Gradients are clipped to this "
                   "global norm.")
flags.DEFINE_integer("epochs", 1, "Epochs to train, if --train_steps is 0.")
flags.DEFINE_integer("train_steps", 0,
                     "Total training steps (overrides --epochs if > 0).")
flags.DEFINE_float("max_train_seconds", 0,
                   "Stop training after this many seconds of this run (0: "
                   "no limit); evaluation, checkpoint and export follow.")
flags.DEFINE_integer("log_every", 50, "Log and write summaries every this "
                     "many steps.")
flags.DEFINE_integer("eval_every", 0, "Evaluate on the validation text "
                     "every this many steps (0: at the end of every epoch).")
flags.DEFINE_integer("save_checkpoint_steps", 500,
                     "Checkpoint every this many steps (and at the end).")
flags.DEFINE_integer("keep_checkpoint_max", 5, "Checkpoints to keep.")
flags.DEFINE_boolean("sample", False, "Generate text from --prompt at the "
                     "end (written to model_dir/sample.json).")
flags.DEFINE_string("prompt", "The ", "The start of the generated text.")
flags.DEFINE_integer("sample_length", 500, "Characters to generate.")
flags.DEFINE_float("temperature", 0.8, "Sampling temperature.")
flags.DEFINE_integer("long_memory_episodes", 256,
                     "--task=long_memory: training episodes per stream.")
flags.DEFINE_integer("seed", 1, "Seed of initialisation, data and "
                     "sampling.")
flags.DEFINE_boolean("xla", True,
                     "Compile the LSTM time loops with XLA "
                     "(tf1seq.rnn.set_xla; faster training on CPU); "
                     "--noxla runs them as plain graph ops. Same "
                     "values either way.")
flags.DEFINE_integer("intra_op_threads", 0,
                     "Threads inside one op (0: TensorFlow decides).")
flags.DEFINE_integer("inter_op_threads", 0,
                     "Ops run in parallel (0: TensorFlow decides).")

for _name in ("num_layers", "num_units", "embedding_size", "num_steps",
              "batch_size", "epochs", "log_every", "save_checkpoint_steps",
              "keep_checkpoint_max", "sample_length", "long_memory_episodes"):
  flags.register_validator(_name, lambda n: n is not None and n > 0,
                           message="--%s must be positive." % _name)
flags.register_validator("eval_batch_size", lambda n: n is None or n > 0,
                         message="--eval_batch_size must be positive.")
for _name in ("train_steps", "eval_every", "intra_op_threads",
              "inter_op_threads", "max_train_seconds"):
  flags.register_validator(_name, lambda n: n >= 0,
                           message="--%s must be >= 0." % _name)
for _name in ("learning_rate", "max_grad_norm", "temperature"):
  flags.register_validator(_name, lambda x: x > 0,
                           message="--%s must be positive." % _name)
flags.register_validator("learning_rate_decay", lambda x: 0 < x <= 1,
                         message="--learning_rate_decay must be in (0, 1].")
flags.register_validator("output_keep_prob", lambda x: 0 < x <= 1,
                         message="--output_keep_prob must be in (0, 1].")
flags.register_validator("validation_fraction", lambda x: 0 < x < 1,
                         message="--validation_fraction must be in (0, 1).")

# The flags that decide the variables' names and shapes.
GRAPH_FLAGS = ("--num_units, --num_layers, --cell, --embedding_size and the "
               "vocabulary (model_dir/vocab.json)")
VOCAB_FILE = "vocab.json"
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


_CELLS = {
    "basic_lstm": rnn_cell.BasicLSTMCell,
    "lstm": rnn_cell.LSTMCell,
    "gru": rnn_cell.GRUCell,
    "basic_rnn": rnn_cell.BasicRNNCell,
}


def make_cell(config, keep_prob):
  """The stack of cells, with output dropout if configured."""
  cells = []
  for _ in range(config.num_layers):
    cell = _CELLS[config.cell](config.num_units)
    if config.output_keep_prob < 1:
      cell = rnn_cell.DropoutWrapper(cell, output_keep_prob=keep_prob)
    cells.append(cell)
  return cells[0] if len(cells) == 1 else rnn_cell.MultiRNNCell(cells)


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


def evaluate_text_files(model_dir, patterns, make_config):
  """Bits/char and accuracy of the model in `model_dir` on each file.

  Args:
    model_dir: a trained model's directory (checkpoint and vocab.json).
    patterns: files or globs, as `--text_file`.
    make_config: `vocab_size -> Config`, the graph settings as trained
      (`eval_batch_size` and `num_steps` shape the evaluation).

  Returns:
    A list of `{"file", "characters", "bits_per_char", "accuracy"}`, one
    per file, in order.

  Raises:
    ValueError: if model_dir has no checkpoint or vocabulary, or a file is
      unreadable, too short or has characters the vocabulary lacks (each
      message naming the file).
    loop.IncompatibleCheckpointError: if the graph flags differ from the
      checkpoint's.
  """
  vocab_path = os.path.join(model_dir, VOCAB_FILE)
  if not os.path.exists(vocab_path):
    raise ValueError("%s has no %s: not a trained model's directory" %
                     (model_dir, VOCAB_FILE))
  vocab = text.Vocabulary.load(vocab_path)
  config = make_config(vocab.size)
  files = []
  for path in text.expand_patterns(patterns):
    try:
      ids = vocab.encode(text.read_text([path]))
      batches = tbptt.language_model_batches(ids, config.eval_batch_size,
                                             config.num_steps)
    except ValueError as e:
      raise ValueError("%s: %s" % (path, e)) from None
    files.append((path, len(ids), batches))
  results = []
  with tf.Graph().as_default() as graph:
    _, valid_model = build_models(config)
    checkpoint = loop.check_checkpoint_compatible(model_dir, graph,
                                                  GRAPH_FLAGS)
    if checkpoint is None:
      raise ValueError("%s has no checkpoint to evaluate" % model_dir)
    saver = tf.compat.v1.train.Saver()
    with tf.compat.v1.Session(graph=graph) as session:
      session.run(tf.compat.v1.local_variables_initializer())
      saver.restore(session, checkpoint)
      for path, characters, batches in files:
        bits, accuracy = evaluate(session, valid_model, batches)
        results.append({"file": path, "characters": characters,
                        "bits_per_char": bits, "accuracy": accuracy})
  return results


def first_window(step, steps_per_epoch, task):
  """The training window this process reads first, at global step `step`.

  A single process reads window `step % steps_per_epoch`, so a resumed run
  continues where it stopped. In a cluster, worker i starts `i / num_workers`
  of an epoch further on and then reads the windows in order on its own
  (see the module docstring).
  """
  offset = 0
  if task.is_distributed:
    offset = task.task_index * steps_per_epoch // task.num_workers
  return (step + offset) % steps_per_epoch


def _crossed(previous, step, interval):
  """Whether a multiple of `interval` is in `(previous, step]`."""
  return step // interval > previous // interval


def train(config, train_batches, valid_batches, model_dir, total_steps,
          eval_every=0, log_every=50, save_checkpoint_steps=500,
          keep_checkpoint_max=5, max_train_seconds=0, session_config=None,
          task=None):
  """Trains (or resumes) to `total_steps`; returns the metrics dict.

  Row i of window k+1 continues row i of window k; the state is carried
  across windows (by feeding or in variables, per `config.state_mode`) and
  reset to zeros at each epoch's start and when a run (re)starts.

  With a distributed `task` (a `cluster.Task`), this process is one worker:
  it carries the state of its own windows (see the module docstring); only
  the chief (worker 0) checks the checkpoint, evaluates, checkpoints and
  writes summaries, and its final figures are those of the final checkpoint.
  Other workers return no validation figures (None).

  Raises:
    loop.IncompatibleCheckpointError: if model_dir holds another model's
      checkpoint.
  """
  task = task or cluster.Task()
  steps_per_epoch = train_batches.num_windows
  chars_per_step = config.batch_size * config.num_steps
  graph = tf.Graph()
  with graph.as_default(), tf.compat.v1.device(task.device_setter()):
    tf.compat.v1.set_random_seed(config.seed)
    model, valid_model = build_models(config, steps_per_epoch, task)
    if task.is_chief:
      loop.check_checkpoint_compatible(model_dir, graph, GRAPH_FLAGS)
    scaffold = tf.compat.v1.train.Scaffold(
        saver=tf.compat.v1.train.Saver(max_to_keep=keep_checkpoint_max))
    hooks = [tf.compat.v1.train.StopAtStepHook(last_step=total_steps)]
    hooks += model.hooks
    summary_writer = (tf.compat.v1.summary.FileWriterCache.get(model_dir)
                      if task.is_chief else None)
    history = []
    progress = loop.Progress(total_steps, chars_per_step)
    started = time.time()
    trained = 0
    if task.is_distributed:
      session_config = task.session_config(
          session_config if session_config is not None
          else tf.compat.v1.ConfigProto())
    log_prefix = task.name + ": " if task.is_distributed else ""

    def record_evaluation(step, epoch_losses, bits, accuracy):
      entry = {"step": int(step), "epoch": step / steps_per_epoch,
               "validation_bits_per_char": bits,
               "validation_accuracy": accuracy,
               "wall_time_sec": time.time() - started}
      if epoch_losses:
        entry["train_bits_per_char"] = float(np.mean(epoch_losses) / LOG2)
      summary_writer.add_summary(
          loop.scalar_summary("validation_bits_per_char", bits), step)
      summary_writer.add_summary(
          loop.scalar_summary("validation_accuracy", accuracy), step)
      logging.info("step %d (epoch %.2f): train %s bits/char, validation "
                   "%.4f bits/char, accuracy %.4f", step, entry["epoch"],
                   "%.4f" % entry["train_bits_per_char"]
                   if epoch_losses else "-", bits, accuracy)
      history.append(entry)

    with cluster.monitored_session(
        task, model_dir, scaffold, hooks, session_config,
        save_checkpoint_steps=save_checkpoint_steps,
        save_summaries_steps=log_every, log_step_count_steps=0) as session:

      def raw_run(*args, **kwargs):
        """`session.run` without the hooks (no summaries, no step count)."""
        return session.run_step_fn(
            lambda step_context: step_context.session.run(*args, **kwargs))

      def run_evaluation(step, epoch_losses):
        bits, accuracy = session.run_step_fn(
            lambda step_context: evaluate(step_context.session,
                                          valid_model, valid_batches))
        record_evaluation(step, epoch_losses, bits, accuracy)

      step = raw_run(model.global_step)
      if step > 0 and task.is_chief:
        logging.info("resuming from step %d (epoch %.2f) in %s with a zero "
                     "state", step, step / steps_per_epoch, model_dir)
      progress.start(step)
      state_values = None
      epoch_losses = []
      eval_interval = eval_every or steps_per_epoch
      # This process's next window: it advances by one per step of this
      # process (others' steps move global_step too, not the window).
      window = first_window(step, steps_per_epoch, task)
      first = True
      fetches = [model.loss, model.new_global_step]
      if config.state_mode == "feed":
        fetches.append(model.final_state)
      while step < total_steps and not session.should_stop():
        if window == 0 or first:
          state_values = None  # Zeros at an epoch's start and on resume.
          if model.reset_op is not None:
            raw_run(model.reset_op)
          first = False
        results = session.run(fetches, window_feed(
            model, train_batches, window, state_values))
        window = (window + 1) % steps_per_epoch
        previous = step
        loss, step = results[0], results[1]
        if config.state_mode == "feed":
          state_values = results[2]
        epoch_losses.append(loss)
        trained += 1
        if _crossed(previous, step, log_every) or step >= total_steps:
          progress.update(step)
          eta = ("?" if progress.eta_seconds is None
                 else loop.format_duration(progress.eta_seconds))
          logging.info("%sstep %d/%d (epoch %.2f) loss %.4f (%.3f "
                       "bits/char) %.0f chars/s eta %s", log_prefix, step,
                       total_steps, step / steps_per_epoch, loss,
                       loss / LOG2, progress.examples_per_sec, eta)
        out_of_time = (max_train_seconds and
                       time.time() - started >= max_train_seconds)
        if task.is_distributed:
          # The final evaluation is of the final checkpoint, below.
          evaluate_now = (task.is_chief and not out_of_time and
                          step < total_steps and
                          _crossed(previous, step, eval_interval))
        else:
          evaluate_now = (_crossed(previous, step, eval_interval) or
                          step == total_steps or out_of_time)
        if evaluate_now:
          run_evaluation(step, epoch_losses)
          if _crossed(previous, step, steps_per_epoch):
            epoch_losses = []
        if out_of_time:
          logging.info("%sstopping after %.0f s (--max_train_seconds)",
                       log_prefix, time.time() - started)
          break
      if not task.is_distributed and (not history or
                                      history[-1]["step"] != step):
        run_evaluation(step, epoch_losses)
    elapsed = time.time() - started
  if task.is_distributed and task.is_chief:
    # Other workers' last updates may land after this worker's last step.
    checkpoint = tf.train.latest_checkpoint(model_dir)
    step = int(tf.train.load_variable(checkpoint, "global_step"))
    record_evaluation(step, epoch_losses,
                      *evaluate_checkpoint(checkpoint, config,
                                           valid_batches))
  if summary_writer is not None:
    summary_writer.flush()
  final = history[-1] if history else {}
  return {
      # The checkpoint these figures are of. Under asynchronous training
      # its name's step may differ by one from the global_step saved in it
      # (another worker's update lands between the two reads); global_step
      # here is the saved value, the one a resume starts from.
      "checkpoint": (tf.train.latest_checkpoint(model_dir)
                     if task.is_chief else None),
      "global_step": int(step),
      "steps_this_run": int(trained),
      "steps_per_epoch": int(steps_per_epoch),
      "chars_per_sec": trained * chars_per_step / elapsed if elapsed else 0.0,
      "wall_time_sec": elapsed,
      "validation_bits_per_char": final.get("validation_bits_per_char"),
      "validation_accuracy": final.get("validation_accuracy"),
      "history": history,
  }


# -- Generation and serving: batch of any size, state fed step by step.


class StepModel(object):
  """Ids and the state in, logits, probabilities and the new state out."""

  def __init__(self, config):
    inference = Config(**dict(vars(config), output_keep_prob=1.0))
    cell = make_cell(inference, 1.0)
    self.inputs = tf.compat.v1.placeholder(tf.int32, [None, None],
                                           name="inputs")
    self.initial_state = state.carried_state(
        cell, tf.shape(self.inputs)[0], name="initial_state")
    self.logits, self.final_state = build_logits(
        self.inputs, cell, self.initial_state, inference)
    self.probabilities = tf.nn.softmax(self.logits, name="probabilities")
    self.state_size = cell.state_size
    self.state_names = state.state_names(cell.state_size)
    self.batch_size = tf.compat.v1.placeholder(tf.int32, [],
                                               name="batch_size")
    self.zero_state = cell.zero_state(self.batch_size, tf.float32)


def sample_text(checkpoint, config, vocab, prompt, length, temperature=1.0,
                seed=1):
  """Text generated after `prompt` by the model of `checkpoint`.

  The prompt is run in one call; then each generated character is fed
  alone with the state of the previous call.

  Raises:
    ValueError: if `prompt` is empty or has characters not in `vocab`.
  """
  if not prompt:
    raise ValueError("prompt must not be empty")
  ids = vocab.encode(prompt)
  rng = np.random.RandomState(seed)
  generated = []
  with tf.Graph().as_default() as graph:
    model = StepModel(config)
    saver = tf.compat.v1.train.Saver()
    with tf.compat.v1.Session(graph=graph) as session:
      saver.restore(session, checkpoint)
      feed = {model.inputs: ids[np.newaxis]}
      for _ in range(length):
        logits, state_values = session.run(
            [model.logits, model.final_state], feed)
        scaled = logits[0, -1].astype(np.float64) / temperature
        p = np.exp(scaled - scaled.max())
        next_id = rng.choice(len(p), p=p / p.sum())
        generated.append(next_id)
        feed = {model.inputs: [[next_id]]}
        feed.update(state.feed_dict_for(model.initial_state, state_values,
                                        batch_size=1))
  return prompt + vocab.decode(generated)


def export_step_model(checkpoint, config, vocab_path, export_dir):
  """Exports the model of `checkpoint` for stateful serving; returns path.

  Signatures:
    `step` (also `serving_default`): `inputs` int32 `[batch, time]` and the
      state `state_c_0`, `state_h_0`, ... (`[batch, num_units]` float32 each;
      `state_0`, ... for GRU or basic RNN cells) in; `logits` and
      `probabilities` `[batch, time, vocab]` and the new state, under the
      same `state_*` names, out. A server keeps the state of each client
      and feeds it back with the client's next ids.
    `zero_state`: `batch_size` int32 scalar in; the zero state out (all
      zeros: a new client's state).
  The vocabulary (`vocab.json`, characters in id order) is an asset.
  """
  graph = tf.Graph()
  with graph.as_default():
    model = StepModel(config)
    state_in = dict(zip(model.state_names,
                        tf.nest.flatten(model.initial_state)))
    state_out = dict(zip(model.state_names,
                         tf.nest.flatten(model.final_state)))
    zeros = dict(zip(model.state_names, tf.nest.flatten(model.zero_state)))
    step = export.predict_signature(
        dict(state_in, inputs=model.inputs),
        dict(state_out, logits=model.logits,
             probabilities=model.probabilities))
    vocab_asset = tf.constant(vocab_path, name="vocab_path")
    tf.compat.v1.add_to_collection(tf.compat.v1.GraphKeys.ASSET_FILEPATHS,
                                   vocab_asset)
    signatures = {
        "serving_default": step,
        "step": step,
        "zero_state": export.predict_signature(
            {"batch_size": model.batch_size}, zeros),
    }
    saver = tf.compat.v1.train.Saver()
    with tf.compat.v1.Session(graph=graph) as session:
      saver.restore(session, checkpoint)
      return export.export_saved_model(
          export_dir, session, signatures,
          assets_collection=tf.compat.v1.get_collection(
              tf.compat.v1.GraphKeys.ASSET_FILEPATHS))


# -- Data.

LONG_MEMORY_KEYS = "ab"
LONG_MEMORY_NOISE = "01234567"


def long_memory_data(num_episodes, num_steps, seed):
  """The synthetic long-memory stream: episodes of two windows.

  Each episode is `2 * num_steps` ids: a key (`a` or `b`, at random) then
  noise digits. The key is the target at every step of the episode. In the
  first window it is in the window's inputs; in the second window the only
  source of it is the state carried from the first: a model that starts
  each batch from zeros is at chance (50%) there.

  Returns:
    `(vocabulary, inputs, targets, weights, far_weights)`: the arrays are
    `[num_episodes * 2 * num_steps]`; `weights` is all ones, `far_weights`
    marks the second windows.
  """
  vocab = text.Vocabulary(LONG_MEMORY_KEYS + LONG_MEMORY_NOISE)
  rng = np.random.RandomState(seed)
  length = 2 * num_steps
  keys = rng.randint(len(LONG_MEMORY_KEYS), size=num_episodes)
  inputs = rng.randint(len(LONG_MEMORY_KEYS), vocab.size,
                       size=(num_episodes, length))
  inputs[:, 0] = keys
  targets = np.repeat(keys[:, np.newaxis], length, axis=1)
  weights = np.ones(inputs.shape, np.float32)
  far_weights = np.zeros(inputs.shape, np.float32)
  far_weights[:, num_steps:] = 1.0
  return (vocab, inputs.reshape(-1).astype(np.int32),
          targets.reshape(-1).astype(np.int32), weights.reshape(-1),
          far_weights.reshape(-1))


def long_memory_batches(batch_size, eval_batch_size, num_steps,
                        episodes_per_stream, seed):
  """Training and validation `Batches` of the long-memory task.

  Every stream holds whole episodes, so windows alternate key window /
  recall window. Validation is scored on the recall windows only.
  """
  vocab, x, y, w, _ = long_memory_data(
      batch_size * episodes_per_stream, num_steps, seed)
  train_batches = tbptt.aligned_batches([x, y, w], batch_size, num_steps)
  valid_episodes = max(8, episodes_per_stream // 4)
  _, x, y, _, far = long_memory_data(eval_batch_size * valid_episodes,
                                     num_steps, seed + 1000)
  valid_batches = tbptt.aligned_batches([x, y, far], eval_batch_size,
                                        num_steps)
  return vocab, train_batches, valid_batches


def text_batches(corpus, vocab, batch_size, eval_batch_size, num_steps,
                 validation_fraction, validation_from="end"):
  """Training and validation `Batches` of a text.

  Args:
    corpus: the text, or a list of texts (files) in order.
    vocab: a `Vocabulary` of every character of `corpus`.
    batch_size, eval_batch_size, num_steps: the windows' shape.
    validation_fraction: the share held out.
    validation_from: "end" (the end of the concatenated text) or
      "each_file" (the end of every text of `corpus`).

  Raises:
    ValueError: if a part is shorter than one window (`batch_size *
      num_steps + 1` characters), or has characters not in `vocab`.
  """
  pieces = [corpus] if isinstance(corpus, str) else list(corpus)
  if validation_from == "each_file":
    piece_ids = [vocab.encode(piece) for piece in pieces]
    ids = np.concatenate(piece_ids)
    train_ids, valid_ids = text.split_each_train_validation(
        piece_ids, validation_fraction)
  elif validation_from == "end":
    ids = vocab.encode("".join(pieces))
    train_ids, valid_ids = text.split_train_validation(ids,
                                                       validation_fraction)
  else:
    raise ValueError("validation_from must be 'end' or 'each_file', got %r"
                     % (validation_from,))
  try:
    train_batches = tbptt.language_model_batches(train_ids, batch_size,
                                                 num_steps)
  except ValueError as e:
    raise ValueError("the training text (%d characters; %d in all) is too "
                     "short: %s" % (len(train_ids), len(ids), e)) from None
  try:
    valid_batches = tbptt.language_model_batches(valid_ids, eval_batch_size,
                                                 num_steps)
  except ValueError as e:
    raise ValueError(
        "the validation text (%d characters, --validation_fraction of %s) "
        "is too short: %s" % (len(valid_ids), "the text's end" if
                              validation_from == "end" else "every file's",
                              e)) from None
  return train_batches, valid_batches


def load_vocabulary(model_dir, corpus):
  """The vocabulary saved in `model_dir` (a resumed run), else the text's.

  Returns:
    `(vocabulary, is_new)`.
  """
  path = os.path.join(model_dir, VOCAB_FILE)
  if os.path.exists(path):
    return text.Vocabulary.load(path), False
  return text.Vocabulary.from_text(corpus), True


def main(argv):
  del argv  # Unused.
  rnn.set_xla(FLAGS.xla)
  model_dir = FLAGS.model_dir
  eval_batch_size = FLAGS.eval_batch_size or FLAGS.batch_size
  if FLAGS.eval_text_file:
    try:
      results = evaluate_text_files(
          model_dir, FLAGS.eval_text_file,
          lambda vocab_size: Config.from_flags(FLAGS, vocab_size))
    except (ValueError, loop.IncompatibleCheckpointError) as e:
      raise app.UsageError(str(e))
    for result in results:
      logging.info("%s: %.4f bits/char, accuracy %.4f (%d characters)",
                   result["file"], result["bits_per_char"],
                   result["accuracy"], result["characters"])
    return
  task = cluster.start(FLAGS)
  if task is None:  # A parameter server, ended.
    return
  # Everything that can be wrong with the input fails here, before anything
  # is written to model_dir.
  try:
    if FLAGS.task == "long_memory":
      vocab, train_batches, valid_batches = long_memory_batches(
          FLAGS.batch_size, eval_batch_size, FLAGS.num_steps,
          FLAGS.long_memory_episodes, FLAGS.seed)
      saved_vocab = os.path.join(model_dir, VOCAB_FILE)
      if (os.path.exists(saved_vocab) and
          text.Vocabulary.load(saved_vocab) != vocab):
        raise ValueError("%s is not the long_memory vocabulary" %
                         saved_vocab)
      is_new_vocab = not os.path.exists(saved_vocab)
    else:
      if not FLAGS.text_file:
        raise ValueError("--text_file is required with --task=text")
      pieces = text.read_texts(FLAGS.text_file)
      corpus = "".join(pieces)
      vocab, is_new_vocab = load_vocabulary(model_dir, corpus)
      train_batches, valid_batches = text_batches(
          pieces, vocab, FLAGS.batch_size, eval_batch_size, FLAGS.num_steps,
          FLAGS.validation_fraction, FLAGS.validation_from)
      logging.info("%d characters, vocabulary of %d; training: %d windows "
                   "of %d x %d (%d characters dropped), validation: %d "
                   "windows (%d dropped)", len(corpus), vocab.size,
                   train_batches.num_windows, FLAGS.batch_size,
                   FLAGS.num_steps, train_batches.num_dropped,
                   valid_batches.num_windows, valid_batches.num_dropped)
    if FLAGS.sample:
      vocab.encode(FLAGS.prompt)  # Fails now on unknown characters.
  except ValueError as e:
    raise app.UsageError(str(e))
  config = Config.from_flags(FLAGS, vocab.size)
  total_steps = (FLAGS.train_steps or
                 FLAGS.epochs * train_batches.num_windows)
  if is_new_vocab and task.is_chief:
    # Other workers make the same vocabulary from the same text.
    vocab.save(os.path.join(model_dir, VOCAB_FILE))
  try:
    metrics = train(
        config, train_batches, valid_batches, model_dir, total_steps,
        FLAGS.eval_every, FLAGS.log_every, FLAGS.save_checkpoint_steps,
        FLAGS.keep_checkpoint_max, FLAGS.max_train_seconds,
        loop.session_config(FLAGS.intra_op_threads, FLAGS.inter_op_threads),
        task)
  except loop.IncompatibleCheckpointError as e:
    raise app.UsageError(str(e))
  if not task.is_chief:
    logging.info("%s finished at global step %d (%d steps by this worker, "
                 "%.0f chars/sec)", task.name, metrics["global_step"],
                 metrics["steps_this_run"], metrics["chars_per_sec"])
    return
  metrics.update(task=FLAGS.task, vocab_size=vocab.size,
                 train_chars_dropped=int(train_batches.num_dropped),
                 flags={name: FLAGS[name].value for name in (
                     "text_file", "state_mode", "cell", "num_layers",
                     "num_units", "embedding_size", "num_steps",
                     "batch_size", "eval_batch_size", "output_keep_prob",
                     "optimizer", "learning_rate", "learning_rate_decay",
                     "max_grad_norm", "seed", "validation_fraction",
                     "validation_from")})
  logging.info("validation %.4f bits/char, accuracy %.4f after %d steps "
               "(%.0f chars/sec)", metrics["validation_bits_per_char"],
               metrics["validation_accuracy"], metrics["global_step"],
               metrics["chars_per_sec"])
  checkpoint = tf.train.latest_checkpoint(model_dir)
  if FLAGS.sample:
    sample = sample_text(checkpoint, config, vocab, FLAGS.prompt,
                         FLAGS.sample_length, FLAGS.temperature, FLAGS.seed)
    metrics["sample"] = sample
    loop.write_json_atomically(os.path.join(model_dir, "sample.json"),
                               {"prompt": FLAGS.prompt, "sample": sample,
                                "temperature": FLAGS.temperature})
    logging.info("sample:\n%s", sample)
  if FLAGS.export_dir:
    metrics["export_path"] = export_step_model(
        checkpoint, config, os.path.join(model_dir, VOCAB_FILE),
        FLAGS.export_dir)
    logging.info("exported SavedModel to %s", metrics["export_path"])
  loop.write_json_atomically(os.path.join(model_dir, "metrics.json"),
                             metrics)


if __name__ == "__main__":
  flags.mark_flag_as_required("model_dir")
  app.run(main)
