r"""MNIST row-LSTM: each 28x28 image is read as 28 steps of 28 pixels.

The TF1 graph of the seed tutorial (placeholders, a dense input projection
per row, `BasicLSTMCell`, `zero_state`, `dynamic_rnn`, logits from the final
`h`, softmax cross-entropy, Adam), trained with checkpoints, resume,
TensorBoard summaries, evaluation and a SavedModel export for TF Serving.

To run offline on the real MNIST digits shipped with tf1seq:

  python -m train.mnist_rnn --dataset=mnist_sample --model_dir=/tmp/mnist_rnn \
      --export_dir=/tmp/mnist_rnn/export

On Fashion-MNIST (`apt-get install dataset-fashion-mnist`, found
automatically) with the seed's settings, on all 60,000 training images:

  python -m train.mnist_rnn --dataset=fashion_mnist --epochs=15 \
      --validation_size=0 --model_dir=/tmp/fashion_rnn

Results: see README.md ("MNIST row-LSTM"), each with its command.

The model's variables, as TF1 named them (so TF1 checkpoints restore):
  dense/kernel [28, units], dense/bias        the per-row input projection
  rnn/basic_lstm_cell/kernel [2 * units, 4 * units], .../bias
  (rnn/multi_rnn_cell/cell_k/... with --num_layers > 1; rnn/fw/... and
  rnn/bw/... with --bidirectional, dense_1/kernel then [2 * units, 10])
  dense_1/kernel [units, 10], dense_1/bias    the classifier
"""

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
from tf1seq import sequence
from tf1seq.data import mnist
from train import cluster
from train import loop

FLAGS = flags.FLAGS


def define_flags():
  """Defines the trainer's flags; called under `__main__` only, so that
  importing the module (tests and benchmarks import every trainer)
  defines none."""
  flags.DEFINE_enum("dataset", "mnist", ["mnist", "fashion_mnist",
                                         "mnist_sample"],
                    "Data set: full MNIST (local or downloaded), Fashion-MNIST, "
                    "or the 10,000 real MNIST digits shipped with tf1seq "
                    "(offline).")
  flags.DEFINE_string("data_dir", None,
                      "Directory with the four IDX files; default: the "
                      "dataset's usual places and the download cache.")
  flags.DEFINE_string("model_dir", None,
                      "Checkpoints, summaries and metrics.json; a run resumes "
                      "from the latest checkpoint here.")
  flags.DEFINE_string("export_dir", None,
                      "If set, a SavedModel is exported to "
                      "export_dir/<version>/ at the end.")
  flags.DEFINE_integer("batch_size", 128, "Examples per training step.")
  flags.DEFINE_float("learning_rate", 0.001, "Adam's learning rate.")
  flags.DEFINE_float("learning_rate_decay", 1.0,
                     "Learning rate factor per epoch (1.0: constant).")
  flags.DEFINE_integer("num_units", 128, "Units of the projection and cells.")
  flags.DEFINE_enum("cell", "basic_lstm",
                    ["basic_lstm", "lstm", "gru", "basic_rnn",
                     "layer_norm_lstm"], "Recurrent cell.")
  flags.DEFINE_integer("num_layers", 1, "Stacked recurrent layers.")
  flags.DEFINE_boolean("bidirectional", False,
                       "Read the rows both ways: a forward and a backward "
                       "stack (scopes rnn/fw and rnn/bw, as TF1's "
                       "bidirectional_dynamic_rnn), their final h "
                       "concatenated for the classifier.")
  flags.DEFINE_float("output_keep_prob", 1.0,
                     "Keep probability of dropout on each layer's output "
                     "during training (1.0: none).")
  flags.DEFINE_integer("epochs", 1, "Epochs to train, if --train_steps is 0.")
  flags.DEFINE_integer("train_steps", 0,
                       "Total training steps (overrides --epochs if > 0).")
  flags.DEFINE_integer("validation_size", None,
                       "Training examples held out for validation; default "
                       "5000 (TF1's), at most a tenth of the training set; "
                       "0: train on all of them (no validation figures).")
  flags.DEFINE_integer("eval_every", 0,
                       "Evaluate on the validation set every this many steps "
                       "(0: at the end of every epoch).")
  flags.DEFINE_integer("log_every", 100, "Log and write summaries every this "
                       "many steps.")
  flags.DEFINE_integer("save_checkpoint_steps", 500,
                       "Checkpoint every this many steps (and at the end).")
  flags.DEFINE_integer("keep_checkpoint_max", 5, "Checkpoints to keep.")
  flags.DEFINE_integer("seed", 1, "Seed of initialisation and shuffling.")
  flags.DEFINE_boolean("xla", True,
                       "Compile the LSTM time loops with XLA "
                       "(tf1seq.rnn.set_xla; faster training on CPU); "
                       "--noxla runs them as plain graph ops. Same "
                       "values either way.")
  flags.DEFINE_integer("intra_op_threads", 0,
                       "Threads inside one op (0: TensorFlow decides).")
  flags.DEFINE_integer("inter_op_threads", 0,
                       "Ops run in parallel (0: TensorFlow decides).")

  for _name in ("batch_size", "num_units", "num_layers", "log_every",
                "save_checkpoint_steps", "keep_checkpoint_max", "epochs"):
    flags.register_validator(_name, lambda n: n is not None and n > 0,
                             message="--%s must be positive." % _name)
  flags.register_validator("learning_rate", lambda x: x > 0,
                           message="--learning_rate must be positive.")
  flags.register_validator("learning_rate_decay", lambda x: 0 < x <= 1,
                           message="--learning_rate_decay must be in (0, 1].")
  flags.register_validator("output_keep_prob", lambda x: 0 < x <= 1,
                           message="--output_keep_prob must be in (0, 1].")
  for _name in ("train_steps", "eval_every", "intra_op_threads",
                "inter_op_threads"):
    flags.register_validator(_name, lambda n: n >= 0,
                             message="--%s must be >= 0." % _name)
  flags.register_validator("validation_size", lambda n: n is None or n >= 0,
                           message="--validation_size must be >= 0.")


NUM_ROWS = 28
ROW_SIZE = 28
NUM_CLASSES = 10
# The flags that decide the variables' names and shapes.
GRAPH_FLAGS = "--num_units, --cell, --num_layers, --bidirectional"


class Config(object):
  """Model and training settings; model code reads these, never FLAGS."""

  def __init__(self, num_units=128, cell="basic_lstm", num_layers=1,
               batch_size=128, learning_rate=0.001, learning_rate_decay=1.0,
               output_keep_prob=1.0, seed=1, bidirectional=False):
    self.num_units = num_units
    self.cell = cell
    self.num_layers = num_layers
    self.bidirectional = bidirectional
    self.batch_size = batch_size
    self.learning_rate = learning_rate
    self.learning_rate_decay = learning_rate_decay
    self.output_keep_prob = output_keep_prob
    self.seed = seed

  @classmethod
  def from_flags(cls, flag_values):
    return cls(num_units=flag_values.num_units, cell=flag_values.cell,
               num_layers=flag_values.num_layers,
               batch_size=flag_values.batch_size,
               learning_rate=flag_values.learning_rate,
               learning_rate_decay=flag_values.learning_rate_decay,
               output_keep_prob=flag_values.output_keep_prob,
               seed=flag_values.seed,
               bidirectional=flag_values.bidirectional)


def test_config():
  """A tiny model for tests."""
  return Config(num_units=16, batch_size=32, learning_rate=0.01)


_CELLS = {
    "basic_lstm": rnn_cell.BasicLSTMCell,
    "lstm": rnn_cell.LSTMCell,
    "gru": rnn_cell.GRUCell,
    "basic_rnn": rnn_cell.BasicRNNCell,
    "layer_norm_lstm": rnn_cell.LayerNormBasicLSTMCell,
}


def _make_cell(config, keep_prob):
  """The recurrent cell, stacked and with output dropout as configured."""
  cells = []
  for _ in range(config.num_layers):
    cell = _CELLS[config.cell](config.num_units)
    if config.output_keep_prob < 1:
      cell = rnn_cell.DropoutWrapper(cell, output_keep_prob=keep_prob)
    cells.append(cell)
  return cells[0] if len(cells) == 1 else rnn_cell.MultiRNNCell(cells)


def _final_output(state):
  """The top layer's `h` from a (nested) final state."""
  if isinstance(state, tuple) and not isinstance(state,
                                                 rnn_cell.LSTMStateTuple):
    state = state[-1]
  if isinstance(state, rnn_cell.LSTMStateTuple):
    return state.h
  return state


def build_logits(images, config, keep_prob=1.0):
  """The seed graph: row projection, recurrent layers, classifier.

  Args:
    images: float32 `[batch, 28, 28]` in [0, 1]; any batch size.
    config: a `Config`.
    keep_prob: scalar keep probability for output dropout (if configured).

  Returns:
    Logits `[batch, 10]`.
  """
  batch_size = tf.shape(images)[0]
  rows = tf.reshape(images, [-1, ROW_SIZE])
  cell_in = layers.dense(rows, config.num_units, name="dense")
  cell_in = tf.reshape(cell_in, [-1, NUM_ROWS, config.num_units])
  if config.bidirectional:
    _, (forward_state, backward_state) = sequence.bidirectional(
        _make_cell(config, keep_prob), _make_cell(config, keep_prob),
        cell_in, return_state=True, scope="rnn")
    features = tf.concat([_final_output(forward_state),
                          _final_output(backward_state)], 1)
  else:
    cell = _make_cell(config, keep_prob)
    initial_state = cell.zero_state(batch_size, tf.float32)
    _, state = rnn.dynamic_rnn(
        cell, cell_in, initial_state=initial_state, time_major=False,
        scope="rnn")
    features = _final_output(state)
  return layers.dense(features, NUM_CLASSES, name="dense_1")


class MNISTModel(object):
  """The training graph: placeholders, loss, accuracy and train op."""

  def __init__(self, config, steps_per_epoch, task=None):
    task = task or cluster.Task()
    self.images = tf.compat.v1.placeholder(
        tf.float32, [None, NUM_ROWS, ROW_SIZE], name="images")
    self.labels = tf.compat.v1.placeholder(tf.int64, [None], name="labels")
    self.keep_prob = tf.compat.v1.placeholder_with_default(
        1.0, [], name="keep_prob")
    logits = build_logits(self.images, config, self.keep_prob)
    self.loss = tf.reduce_mean(
        tf.nn.sparse_softmax_cross_entropy_with_logits(
            labels=self.labels, logits=logits))
    self.predictions = tf.argmax(logits, 1)
    self.correct = tf.reduce_sum(tf.cast(
        tf.equal(self.predictions, self.labels), tf.int64))
    self.accuracy = tf.reduce_mean(tf.cast(
        tf.equal(self.predictions, self.labels), tf.float32))
    self.global_step = tf.compat.v1.train.get_or_create_global_step()
    self.learning_rate = tf.compat.v1.train.exponential_decay(
        config.learning_rate, self.global_step, steps_per_epoch,
        config.learning_rate_decay, staircase=True)
    optimizer = task.wrap_optimizer(
        tf.compat.v1.train.AdamOptimizer(self.learning_rate))
    self.hooks = task.hooks(optimizer)
    self.train_op = optimizer.minimize(self.loss,
                                       global_step=self.global_step)
    with tf.control_dependencies([self.train_op]):
      # Read after the update: fetching global_step beside train_op may
      # see the value from before it.
      self.new_global_step = tf.identity(self.global_step)
    tf.compat.v1.summary.scalar("loss", self.loss)
    tf.compat.v1.summary.scalar("accuracy", self.accuracy)
    tf.compat.v1.summary.scalar("learning_rate", self.learning_rate)


class Data(object):
  """Train/validation/test arrays and the batch order of every epoch.

  The order of epoch e is a permutation seeded by (seed, e), and an epoch
  is `len(train) // batch_size` full batches, so the batch of any global
  step is known: a resumed run continues from where it stopped.
  """

  def __init__(self, splits, validation_size, batch_size, seed):
    images = splits.train_images.astype(np.float32) / 255.0
    labels = splits.train_labels.astype(np.int64)
    if validation_size >= len(images):
      raise ValueError("--validation_size=%d leaves no training examples "
                       "(the training set has %d)" %
                       (validation_size, len(images)))
    self.validation = (images[:validation_size], labels[:validation_size])
    self.train = (images[validation_size:], labels[validation_size:])
    self.test = (splits.test_images.astype(np.float32) / 255.0,
                 splits.test_labels.astype(np.int64))
    self.batch_size = batch_size
    self.seed = seed
    self.steps_per_epoch = len(self.train[0]) // batch_size
    if self.steps_per_epoch == 0:
      raise ValueError("--batch_size=%d is larger than the training set "
                       "(%d examples)" % (batch_size, len(self.train[0])))
    self._order_epoch = None
    self._order = None

  def batch(self, step):
    """The training batch of global step `step`."""
    epoch, index = divmod(step, self.steps_per_epoch)
    if epoch != self._order_epoch:
      rng = np.random.RandomState([self.seed, epoch])
      self._order = rng.permutation(len(self.train[0]))
      self._order_epoch = epoch
    idx = self._order[index * self.batch_size:(index + 1) * self.batch_size]
    return self.train[0][idx], self.train[1][idx]


def evaluate(session, model, images, labels, batch_size=1000):
  """Accuracy and mean loss of `model` over whole arrays."""
  if len(images) == 0:
    return float("nan"), float("nan")
  correct = 0
  total_loss = 0.0
  for start in range(0, len(images), batch_size):
    feed = {model.images: images[start:start + batch_size],
            model.labels: labels[start:start + batch_size]}
    batch_correct, batch_loss = session.run([model.correct, model.loss], feed)
    correct += batch_correct
    total_loss += batch_loss * len(feed[model.images])
  return float(correct / len(images)), float(total_loss / len(images))


def evaluate_checkpoint(checkpoint, config, images, labels):
  """Accuracy and mean loss of the model saved in `checkpoint`."""
  with tf.Graph().as_default() as graph:
    model = MNISTModel(config, steps_per_epoch=1)
    saver = tf.compat.v1.train.Saver()
    with tf.compat.v1.Session(graph=graph) as session:
      saver.restore(session, checkpoint)
      return evaluate(session, model, images, labels)


def _evaluation_entry(step, data, summary_writer, evaluate_split,
                      final=False):
  """Evaluates on validation (and test at epoch ends and at the end).

  With no validation examples (`--validation_size=0`, training on every
  training example as the seed did) there is no validation figure: the
  entry has None and no summary is written for it.
  """
  entry = {"step": int(step), "epoch": step / data.steps_per_epoch,
           "validation_accuracy": None, "validation_loss": None}
  message = ""
  if len(data.validation[0]):
    accuracy, loss = evaluate_split(data.validation)
    entry.update(validation_accuracy=accuracy, validation_loss=loss)
    summary_writer.add_summary(
        loop.scalar_summary("validation_accuracy", accuracy), step)
    message = " validation accuracy %.4f loss %.4f" % (accuracy, loss)
  if final or step % data.steps_per_epoch == 0:
    entry["test_accuracy"], entry["test_loss"] = evaluate_split(data.test)
    message += " test accuracy %.4f" % entry["test_accuracy"]
  logging.info("step %d (epoch %.2f):%s", step, entry["epoch"],
               message or " (no validation set)")
  return entry


def export_model(checkpoint, config, export_dir):
  """Exports the model of `checkpoint` for TF Serving; returns its path.

  Signatures: `serving_default` (predict: `images` [None, 28, 28] float32
  in [0, 1] -> `probabilities` [None, 10], `classes` [None] int64) and
  `classify` (tf.Example with float feature `images` of 784 values ->
  `classes` as strings, `scores`).
  """
  graph = tf.Graph()
  with graph.as_default():
    images = tf.compat.v1.placeholder(
        tf.float32, [None, NUM_ROWS, ROW_SIZE], name="images")
    logits = build_logits(images, config)
    probabilities = tf.nn.softmax(logits, name="probabilities")
    classes = tf.argmax(logits, 1, name="classes")
    serialized = tf.compat.v1.placeholder(tf.string, [None],
                                          name="tf_example")
    features = tf.io.parse_example(serialized, {
        "images": tf.io.FixedLenFeature([NUM_ROWS * ROW_SIZE], tf.float32)})
    with tf.compat.v1.variable_scope(tf.compat.v1.get_variable_scope(),
                                     reuse=True):
      example_logits = build_logits(
          tf.reshape(features["images"], [-1, NUM_ROWS, ROW_SIZE]), config)
    scores = tf.nn.softmax(example_logits)
    class_names = tf.constant([str(i) for i in range(NUM_CLASSES)])
    example_classes = tf.tile(tf.expand_dims(class_names, 0),
                              [tf.shape(scores)[0], 1])
    signatures = {
        "serving_default": export.predict_signature(
            {"images": images},
            {"probabilities": probabilities, "classes": classes}),
        "classify": tf.compat.v1.saved_model.classification_signature_def(
            serialized, example_classes, scores),
    }
    saver = tf.compat.v1.train.Saver()
    with tf.compat.v1.Session(graph=graph) as session:
      saver.restore(session, checkpoint)
      return export.export_saved_model(export_dir, session, signatures)


def train(config, data, model_dir, total_steps, eval_every, log_every,
          save_checkpoint_steps, keep_checkpoint_max, session_config,
          task=None):
  """Trains (or resumes) to `total_steps`; returns the metrics dict.

  With a distributed `task`, this process is one worker: only the chief
  (worker 0) evaluates, checkpoints and writes summaries.
  """
  task = task or cluster.Task()
  graph = tf.Graph()
  with graph.as_default(), tf.compat.v1.device(task.device_setter()):
    tf.compat.v1.set_random_seed(config.seed)
    model = MNISTModel(config, data.steps_per_epoch, task)
    if task.is_chief:
      loop.check_checkpoint_compatible(model_dir, graph, GRAPH_FLAGS)
    scaffold = tf.compat.v1.train.Scaffold(
        saver=tf.compat.v1.train.Saver(max_to_keep=keep_checkpoint_max))
    hooks = [tf.compat.v1.train.StopAtStepHook(last_step=total_steps)]
    hooks += model.hooks
    summary_writer = (tf.compat.v1.summary.FileWriterCache.get(model_dir)
                      if task.is_chief else None)
    history = []
    progress = loop.Progress(total_steps, config.batch_size)
    started = time.time()
    session_config = task.session_config(session_config)
    with cluster.monitored_session(
        task, model_dir, scaffold, hooks, session_config,
        save_checkpoint_steps=save_checkpoint_steps,
        save_summaries_steps=log_every,
        log_step_count_steps=0) as session:

      def raw_run(function):
        """Runs `function(raw_session)` without the hooks (no summaries)."""
        return session.run_step_fn(
            lambda step_context: function(step_context.session))

      def run_evaluation(step):
        history.append(_evaluation_entry(
            step, data, summary_writer,
            lambda split: raw_run(lambda raw: evaluate(raw, model, *split))))

      step = raw_run(lambda raw: raw.run(model.global_step))
      if step > 0 and task.is_chief:
        logging.info("resuming from step %d (epoch %.2f) in %s", step,
                     step / data.steps_per_epoch, model_dir)
      local_steps = 0  # This process's steps (others' too move global_step).
      progress.start(step)
      eval_interval = eval_every or data.steps_per_epoch
      while step < total_steps and not session.should_stop():
        images, labels = data.batch(step)
        feed = {model.images: images, model.labels: labels,
                model.keep_prob: config.output_keep_prob}
        loss, accuracy, step = session.run(
            [model.loss, model.accuracy, model.new_global_step], feed)
        local_steps += 1
        if step % log_every == 0 or step == total_steps:
          progress.update(step)
          logging.info("%sstep %d/%d loss %.4f accuracy %.3f %s",
                       "" if not task.is_distributed else task.name + ": ",
                       step, total_steps, loss, accuracy, progress)
        if (task.is_chief and step % eval_interval == 0 and
            step < total_steps):
          run_evaluation(step)
    elapsed = time.time() - started
  if task.is_chief:
    # The final figures are those of the final checkpoint: in a cluster,
    # other workers' last updates may land after this worker's last step.
    checkpoint = tf.train.latest_checkpoint(model_dir)
    step = int(tf.train.load_variable(checkpoint, "global_step"))
    history.append(_evaluation_entry(
        step, data, summary_writer,
        lambda split: evaluate_checkpoint(checkpoint, config, *split),
        final=True))
    summary_writer.flush()
  trained = local_steps
  final = history[-1] if history else {}
  return {
      "global_step": int(step),
      "steps_this_run": int(trained),
      "examples_per_sec": (trained * config.batch_size / elapsed
                           if elapsed > 0 else 0.0),
      "wall_time_sec": elapsed,
      "test_accuracy": final.get("test_accuracy"),
      "test_loss": final.get("test_loss"),
      "validation_accuracy": final.get("validation_accuracy"),
      "history": history,
  }


def main(argv):
  del argv  # Unused.
  rnn.set_xla(FLAGS.xla)
  config = Config.from_flags(FLAGS)
  task = cluster.start(FLAGS)
  if task is None:  # A parameter server, ended.
    return
  try:
    splits = mnist.load(FLAGS.dataset, data_dir=FLAGS.data_dir)
  except (IOError, ValueError) as e:
    raise app.UsageError(str(e))
  validation_size = FLAGS.validation_size
  if validation_size is None:
    validation_size = min(5000, len(splits.train_images) // 10)
  data = Data(splits, validation_size, config.batch_size,
              task.data_seed(config.seed))
  total_steps = FLAGS.train_steps or FLAGS.epochs * data.steps_per_epoch
  logging.info("%s: %d training, %d validation, %d test examples; %d steps "
               "of %d (%.2f epochs)", FLAGS.dataset, len(data.train[0]),
               len(data.validation[0]), len(data.test[0]), total_steps,
               config.batch_size, total_steps / data.steps_per_epoch)
  try:
    metrics = train(
        config, data, FLAGS.model_dir, total_steps, FLAGS.eval_every,
        FLAGS.log_every, FLAGS.save_checkpoint_steps,
        FLAGS.keep_checkpoint_max,
        loop.session_config(FLAGS.intra_op_threads, FLAGS.inter_op_threads),
        task)
  except loop.IncompatibleCheckpointError as e:
    raise app.UsageError(str(e))
  if not task.is_chief:
    logging.info("%s finished at global step %d (%d steps by this worker, "
                 "%.0f examples/sec)", task.name, metrics["global_step"],
                 metrics["steps_this_run"], metrics["examples_per_sec"])
    return
  metrics.update(dataset=FLAGS.dataset, flags={
      name: FLAGS[name].value for name in (
          "batch_size", "learning_rate", "learning_rate_decay", "num_units",
          "cell", "num_layers", "bidirectional", "output_keep_prob",
          "seed")})
  if metrics["test_accuracy"] is not None:
    logging.info("test accuracy %.4f after %d steps (%.0f examples/sec)",
                 metrics["test_accuracy"], metrics["global_step"],
                 metrics["examples_per_sec"])
  if FLAGS.export_dir:
    checkpoint = tf.train.latest_checkpoint(FLAGS.model_dir)
    metrics["export_path"] = export_model(checkpoint, config,
                                          FLAGS.export_dir)
    logging.info("exported SavedModel to %s", metrics["export_path"])
  loop.write_json_atomically(os.path.join(FLAGS.model_dir, "metrics.json"),
                             metrics)


if __name__ == "__main__":
  define_flags()
  flags.mark_flag_as_required("model_dir")
  app.run(main)
