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

Results, each with its command: docs/results.md.

On TensorFlow's parameter-server runtime (`train.cluster`: --ps_hosts,
--worker_hosts, --job_name, --task_index, --sync_replicas, or TF_CONFIG),
one process per task, every task with the same flags and text:

  python -m train.launch_local --trainer=train.stateful_seq \
      --num_ps=1 --num_workers=2 -- --text_file=... --model_dir=/tmp/dist_lm

How the workers share the text and carry their state: docs/distributed.md.

The model's variables (TF1 names, so `ptb_word_lm`-style checkpoints map):
  embedding/embeddings [vocab, embedding_size]
  rnn/multi_rnn_cell/cell_k/basic_lstm_cell/kernel, .../bias
  (rnn/basic_lstm_cell/... with --num_layers=1)
  softmax/kernel [num_units, vocab], softmax/bias
With --state_mode=variable also the local (not checkpointed) state
variables train_state/state_c_0 ... and validation_state/....
"""

import os

from absl import app
from absl import flags
from absl import logging
import numpy as np
import tensorflow as tf

from tf1seq import files
from tf1seq.data import long_memory
from tf1seq.data import tbptt
from tf1seq.data import text

from . import cells
from . import char_lm_eval
from . import char_lm_model
from . import char_lm_serving
from . import checkpoints
from . import cluster
from . import common_flags
from . import loop

FLAGS = flags.FLAGS

# The flags that decide the variables' names and shapes.
GRAPH_FLAGS = ("--num_units, --num_layers, --cell, --embedding_size and the "
               "vocabulary (model_dir/vocab.json)")
VOCAB_FILE = char_lm_eval.VOCAB_FILE
LOG2 = char_lm_model.LOG2
# What metrics.json records of the flags.
RECORDED_FLAGS = ("text_file", "state_mode", "cell", "num_layers",
                  "num_units", "embedding_size", "num_steps", "batch_size",
                  "eval_batch_size", "output_keep_prob", "optimizer",
                  "learning_rate", "learning_rate_decay", "max_grad_norm",
                  "seed", "validation_fraction", "validation_from")


def define_flags():
  """Defines the trainer's flags (once; when run, not when imported)."""
  if "state_mode" in FLAGS:
    return
  common_flags.define(num_units=256, num_layers=2, batch_size=64,
                      learning_rate=0.002, learning_rate_decay=0.95,
                      cell_names=cells.CELLS, log_every=50)
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
  flags.DEFINE_enum("state_mode", "feed", ["feed", "variable", "stateless"],
                    "How the state passes between batches: fed placeholders, "
                    "state variables, or not at all (zeros every batch).")
  flags.DEFINE_integer("embedding_size", 64, "Width of the character "
                       "embedding.")
  flags.DEFINE_integer("num_steps", 100, "Window length of truncated "
                       "backpropagation through time.")
  flags.DEFINE_integer("eval_batch_size", None,
                       "Parallel streams of the validation text; default "
                       "--batch_size.")
  flags.DEFINE_float("validation_fraction", 0.05,
                     "Share of the text, from its end, held out.")
  flags.DEFINE_enum("validation_from", "each_file", ["end", "each_file"],
                    "each_file: the last --validation_fraction of every file "
                    "validates (a corpus of files of different kinds is "
                    "validated on all of them; one file: its end); end: the "
                    "last --validation_fraction of the concatenated text.")
  flags.DEFINE_enum("optimizer", "adam", ["adam", "sgd"], "Optimizer.")
  flags.DEFINE_float("max_grad_norm", 5.0, "Gradients are clipped to this "
                     "global norm.")
  flags.DEFINE_float("max_train_seconds", 0,
                     "Stop training after this many seconds of this run (0: "
                     "no limit); evaluation, checkpoint and export follow.")
  flags.DEFINE_boolean("sample", False, "Generate text from --prompt at the "
                       "end (written to model_dir/sample.json).")
  flags.DEFINE_string("prompt", "The ", "The start of the generated text.")
  flags.DEFINE_integer("sample_length", 500, "Characters to generate.")
  flags.DEFINE_float("temperature", 0.8, "Sampling temperature.")
  flags.DEFINE_integer("long_memory_episodes", 256,
                       "--task=long_memory: training episodes per stream.")
  for name in ("embedding_size", "num_steps", "sample_length",
               "long_memory_episodes"):
    common_flags.positive(name)
  common_flags.non_negative("max_train_seconds")
  for name in ("max_grad_norm", "temperature"):
    flags.register_validator(name, lambda x: x > 0,
                             message="--%s must be positive." % name)
  flags.register_validator("eval_batch_size", lambda n: n is None or n > 0,
                           message="--eval_batch_size must be positive.")
  flags.register_validator("validation_fraction", lambda x: 0 < x < 1,
                           message="--validation_fraction must be in (0, 1).")


class CharTrainer(loop.Trainer):
  """The character LM's part of `loop.train`: windows, state, evaluation.

  Row i of window k+1 continues row i of window k; the state is carried
  across windows (by feeding or in variables, per `config.state_mode`) and
  reset to zeros at each epoch's start and when a run (re)starts.
  """

  graph_flags = GRAPH_FLAGS

  def __init__(self, config, train_batches, valid_batches, task):
    self.config = config
    self.train_batches = train_batches
    self.valid_batches = valid_batches
    self.task = task
    self.steps_per_epoch = train_batches.num_windows
    self.examples_per_step = config.batch_size * config.num_steps
    self.seed = config.seed
    self.epoch_losses = []
    self._window = 0
    self._state_values = None
    self._epoch_ended = False

  def build(self, task):
    self.model, self.valid_model = char_lm_model.build_models(
        self.config, self.steps_per_epoch, task)
    fetches = [self.model.loss, self.model.new_global_step]
    if self.config.state_mode == "feed":
      fetches.append(self.model.final_state)
    self._fetches = fetches
    return self.model

  def start(self, run, step):
    # This process's next window: it advances by one per step of this
    # process (others' steps move global_step too, not the window).
    self._window = first_window(step, self.steps_per_epoch, self.task)
    self._reset_state(run)

  def _reset_state(self, run):
    self._state_values = None  # Zeros at an epoch's start and on resume.
    if self.model.reset_op is not None:
      run(self.model.reset_op)

  def run_step(self, session, step):
    if self._window == 0 and self._state_values is not None:
      self._reset_state(lambda op: session.run_step_fn(
          lambda step_context: step_context.session.run(op)))
    results = session.run(self._fetches, char_lm_model.window_feed(
        self.model, self.train_batches, self._window, self._state_values))
    self._window = (self._window + 1) % self.steps_per_epoch
    loss, new_step = results[0], results[1]
    self._state_values = results[2] if len(results) > 2 else ()
    if self._epoch_ended:  # The last epoch's losses have been evaluated.
      self.epoch_losses = []
    self.epoch_losses.append(loss)
    self._epoch_ended = loop.crossed(step, new_step, self.steps_per_epoch)
    return new_step, loss, " (%.3f bits/char)" % (loss / LOG2)

  def evaluate(self, run, step, final):
    bits, accuracy = run(lambda session: char_lm_model.evaluate(
        session, self.valid_model, self.valid_batches))
    entry = {"step": int(step), "epoch": step / self.steps_per_epoch,
             "validation_bits_per_char": bits,
             "validation_accuracy": accuracy}
    train_bits = "-"
    if self.epoch_losses:
      entry["train_bits_per_char"] = float(
          np.mean(self.epoch_losses) / LOG2)
      train_bits = "%.4f" % entry["train_bits_per_char"]
    return entry, {"bits_per_char": bits, "accuracy": accuracy}, (
        "train %s bits/char, validation %.4f bits/char, accuracy %.4f" %
        (train_bits, bits, accuracy))


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


def train(config, train_batches, valid_batches, model_dir, total_steps,
          eval_every=0, log_every=50, save_checkpoint_steps=500,
          keep_checkpoint_max=5, max_train_seconds=0, session_config=None,
          task=None):
  """Trains (or resumes) to `total_steps`; returns the metrics dict.

  With a distributed `task` (a `cluster.Task`), this process is one worker:
  it carries the state of its own windows (see the module docstring); only
  the chief evaluates, and its final figures are those of the final
  checkpoint. Other workers return no validation figures (None).

  Raises:
    checkpoints.IncompatibleCheckpointError: if model_dir holds another model's
      checkpoint.
  """
  task = task or cluster.Task()
  trainer = CharTrainer(config, train_batches, valid_batches, task)
  metrics = loop.train(
      trainer, model_dir, total_steps, eval_every=eval_every,
      log_every=log_every, save_checkpoint_steps=save_checkpoint_steps,
      keep_checkpoint_max=keep_checkpoint_max,
      max_train_seconds=max_train_seconds, config=session_config, task=task)
  final = metrics["history"][-1] if metrics["history"] else {}
  metrics.update(
      steps_per_epoch=int(trainer.steps_per_epoch),
      chars_per_sec=metrics["examples_per_sec"],
      validation_bits_per_char=final.get("validation_bits_per_char"),
      validation_accuracy=final.get("validation_accuracy"))
  return metrics


def load_vocabulary(model_dir, corpus):
  """The vocabulary saved in `model_dir` (a resumed run), else the text's.

  Returns:
    `(vocabulary, is_new)`.
  """
  path = os.path.join(model_dir, VOCAB_FILE)
  if tf.io.gfile.exists(path):
    return text.Vocabulary.load(path), False
  return text.Vocabulary.from_text(corpus), True


def _evaluate_files():
  """`--eval_text_file`: scores the trained model per file; writes nothing."""
  try:
    results = char_lm_eval.evaluate_text_files(
        FLAGS.model_dir, FLAGS.eval_text_file,
        lambda vocab_size: char_lm_model.Config.from_flags(FLAGS, vocab_size), GRAPH_FLAGS)
  except (ValueError, checkpoints.IncompatibleCheckpointError) as e:
    raise app.UsageError(str(e))
  for result in results:
    logging.info("%s: %.4f bits/char, accuracy %.4f (%d characters)",
                 result["file"], result["bits_per_char"], result["accuracy"],
                 result["characters"])


def _load_data(model_dir, eval_batch_size):
  """`(vocab, is_new_vocab, train_batches, valid_batches)` from the flags.

  Everything that can be wrong with the input fails here, before anything
  is written to model_dir.

  Raises:
    ValueError: naming the problem.
  """
  saved_vocab = os.path.join(model_dir, VOCAB_FILE)
  if FLAGS.task == "long_memory":
    vocab, train_batches, valid_batches = long_memory.long_memory_batches(
        FLAGS.batch_size, eval_batch_size, FLAGS.num_steps,
        FLAGS.long_memory_episodes, FLAGS.seed)
    is_new_vocab = not tf.io.gfile.exists(saved_vocab)
    if not is_new_vocab and text.Vocabulary.load(saved_vocab) != vocab:
      raise ValueError("%s is not the long_memory vocabulary" % saved_vocab)
    return vocab, is_new_vocab, train_batches, valid_batches
  if not FLAGS.text_file:
    raise ValueError("--text_file is required with --task=text")
  pieces = text.read_texts(FLAGS.text_file)
  corpus = "".join(pieces)
  vocab, is_new_vocab = load_vocabulary(model_dir, corpus)
  train_batches, valid_batches = tbptt.text_batches(
      pieces, vocab, FLAGS.batch_size, eval_batch_size, FLAGS.num_steps,
      FLAGS.validation_fraction, FLAGS.validation_from)
  logging.info("%d characters, vocabulary of %d; training: %d windows of "
               "%d x %d (%d characters dropped), validation: %d windows (%d "
               "dropped)", len(corpus), vocab.size, train_batches.num_windows,
               FLAGS.batch_size, FLAGS.num_steps, train_batches.num_dropped,
               valid_batches.num_windows, valid_batches.num_dropped)
  return vocab, is_new_vocab, train_batches, valid_batches


def _sample(checkpoint, config, vocab, model_dir):
  """`--sample`: text from `--prompt`, also written to sample.json."""
  sample = char_lm_serving.sample_text(
      checkpoint, config, vocab, FLAGS.prompt, FLAGS.sample_length,
      FLAGS.temperature, FLAGS.seed)
  files.write_json_atomically(os.path.join(model_dir, "sample.json"),
                              {"prompt": FLAGS.prompt, "sample": sample,
                               "temperature": FLAGS.temperature})
  logging.info("sample:\n%s", sample)
  return sample


def main(argv):
  del argv  # Unused.
  if FLAGS.eval_text_file:
    loop.setup_logging()
    _evaluate_files()
    return
  task = loop.start_process(FLAGS)
  if task is None:  # A parameter server, ended.
    return
  model_dir = FLAGS.model_dir
  try:
    vocab, is_new_vocab, train_batches, valid_batches = _load_data(
        model_dir, FLAGS.eval_batch_size or FLAGS.batch_size)
    if FLAGS.sample:
      vocab.encode(FLAGS.prompt)  # Fails now on unknown characters.
  except ValueError as e:
    raise app.UsageError(str(e))
  config = char_lm_model.Config.from_flags(FLAGS, vocab.size)
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
  except checkpoints.StartError as e:
    raise app.UsageError(str(e))
  if loop.worker_finished(task, metrics):
    return
  metrics.update(task=FLAGS.task, vocab_size=vocab.size,
                 train_chars_dropped=int(train_batches.num_dropped),
                 flags=common_flags.values(FLAGS, RECORDED_FLAGS))
  if metrics["interrupted"]:  # No final figures, sample nor export.
    files.write_json_atomically(os.path.join(model_dir, "metrics.json"),
                                metrics)
    return
  if metrics["interrupted"]:  # No final figures, sample or export.
    loop.finish(model_dir, metrics)
    return
  logging.info("validation %.4f bits/char, accuracy %.4f after %d steps "
               "(%.0f chars/sec)", metrics["validation_bits_per_char"],
               metrics["validation_accuracy"], metrics["global_step"],
               metrics["chars_per_sec"])
  if FLAGS.sample:
    metrics["sample"] = _sample(metrics["checkpoint"], config, vocab,
                                model_dir)
  loop.finish(model_dir, metrics, FLAGS.export_dir,
              lambda: char_lm_serving.export_step_model(
                  metrics["checkpoint"], config,
                  os.path.join(model_dir, VOCAB_FILE), FLAGS.export_dir),
              FLAGS.force_export)


def run():
  """The `tf1seq-char-lm` command."""
  common_flags.run(define_flags, main)


if __name__ == "__main__":
  run()
