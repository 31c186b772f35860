r"""MNIST row-LSTM: each 28x28 image is read as 28 steps of 28 pixels.

The graph of a TF1 tutorial (placeholders, a dense input projection
per row, `BasicLSTMCell`, `zero_state`, `dynamic_rnn`, logits from the final
`h`, softmax cross-entropy, Adam), trained with checkpoints, resume,
TensorBoard summaries, evaluation and a SavedModel export for TF Serving.

To run offline on the real MNIST digits shipped with tf1seq:

  python -m train.mnist_rnn --dataset=mnist_sample --model_dir=/tmp/mnist_rnn \
      --export_dir=/tmp/mnist_rnn/export

On Fashion-MNIST (`apt-get install dataset-fashion-mnist`, found
automatically) with the tutorial's settings, on all 60,000 training images:

  python -m train.mnist_rnn --dataset=fashion_mnist --epochs=15 \
      --validation_size=0 --model_dir=/tmp/fashion_rnn

Results, each with its command: docs/results.md.

The model's variables, as TF1 named them (so TF1 checkpoints restore):
  dense/kernel [28, units], dense/bias        the per-row input projection
  rnn/basic_lstm_cell/kernel [2 * units, 4 * units], .../bias
  (rnn/multi_rnn_cell/cell_k/... with --num_layers > 1; rnn/fw/... and
  rnn/bw/... with --bidirectional, dense_1/kernel then [2 * units, 10])
  dense_1/kernel [units, 10], dense_1/bias    the classifier
"""

from absl import app
from absl import flags
from absl import logging
import numpy as np
import tensorflow as tf

from tf1seq import layers
from tf1seq import rnn
from tf1seq import sequence
from tf1seq import serving_export
from tf1seq import warmup
from tf1seq.data import mnist

from . import cells
from . import checkpoints
from . import cluster
from . import common_flags
from . import loop

FLAGS = flags.FLAGS

NUM_ROWS = 28
ROW_SIZE = 28
NUM_CLASSES = 10
# The flags that decide the variables' names and shapes.
GRAPH_FLAGS = "--num_units, --cell, --num_layers, --bidirectional"
# What metrics.json records of the flags.
RECORDED_FLAGS = ("batch_size", "learning_rate", "learning_rate_decay",
                  "num_units", "cell", "num_layers", "bidirectional",
                  "output_keep_prob", "seed")


def define_flags():
  """Defines the trainer's flags (when run, not when imported)."""
  common_flags.define(num_units=128, num_layers=1, batch_size=128,
                      learning_rate=0.001, learning_rate_decay=1.0,
                      cell_names=cells.CELLS, log_every=100)
  flags.DEFINE_enum("dataset", "mnist", ["mnist", "fashion_mnist",
                                         "mnist_sample"],
                    "Data set: full MNIST (local or downloaded), Fashion-MNIST, "
                    "or the 10,000 real MNIST digits shipped with tf1seq "
                    "(offline).")
  flags.DEFINE_string("data_dir", None,
                      "Directory with the four IDX files; default: the "
                      "dataset's usual places and the download cache.")
  flags.DEFINE_boolean("bidirectional", False,
                       "Read the rows both ways: a forward and a backward "
                       "stack (scopes rnn/fw and rnn/bw, as TF1's "
                       "bidirectional_dynamic_rnn), their final h "
                       "concatenated for the classifier.")
  flags.DEFINE_integer("validation_size", None,
                       "Training examples held out for validation; default "
                       "5000 (TF1's), at most a tenth of the training set; "
                       "0: train on all of them (no validation figures).")
  flags.register_validator("validation_size", lambda n: n is None or n >= 0,
                           message="--validation_size must be >= 0.")


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


def _make_cell(config, keep_prob):
  return cells.make_cell(config.cell, config.num_units, config.num_layers,
                         config.output_keep_prob, keep_prob)


def build_logits(images, config, keep_prob=1.0):
  """The tutorial's graph: row projection, recurrent layers, classifier.

  Args:
    images: float32 `[batch, 28, 28]` in [0, 1]; any batch size.
    config: a `Config`.
    keep_prob: scalar keep probability for output dropout (if configured).

  Returns:
    Logits `[batch, 10]`.
  """
  batch_size = tf.shape(images)[0]
  rows = tf.reshape(images, [-1, ROW_SIZE])
  if rnn.serving_enabled() and not config.bidirectional:
    # Serving: the row projection is linear, so `dynamic_rnn` folds it into
    # the first layer's input projection (one matmul of the pixels).
    dense = layers.Dense(config.num_units, name="dense")
    dense.build_variables(rows)
    cell = _make_cell(config, keep_prob)
    _, state = rnn.dynamic_rnn(
        cell, images, initial_state=cell.zero_state(batch_size, tf.float32),
        scope="rnn", input_projection=(dense.kernel, dense.bias))
    return layers.dense(cells.final_output(state), NUM_CLASSES,
                        name="dense_1")
  cell_in = layers.dense(rows, config.num_units, name="dense")
  cell_in = tf.reshape(cell_in, [-1, NUM_ROWS, config.num_units])
  if config.bidirectional:
    _, (forward_state, backward_state) = sequence.bidirectional(
        _make_cell(config, keep_prob), _make_cell(config, keep_prob),
        cell_in, return_state=True, scope="rnn")
    features = tf.concat([cells.final_output(forward_state),
                          cells.final_output(backward_state)], 1)
  else:
    cell = _make_cell(config, keep_prob)
    initial_state = cell.zero_state(batch_size, tf.float32)
    _, state = rnn.dynamic_rnn(
        cell, cell_in, initial_state=initial_state, time_major=False,
        scope="rnn")
    features = cells.final_output(state)
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


class MNISTTrainer(loop.Trainer):
  """The row-LSTM's part of `loop.train`: graph, feeds and evaluation."""

  graph_flags = GRAPH_FLAGS

  def __init__(self, config, data):
    self.config = config
    self.data = data
    self.steps_per_epoch = data.steps_per_epoch
    self.examples_per_step = config.batch_size
    self.seed = config.seed
    self.model = None

  def build(self, task):
    self.model = MNISTModel(self.config, self.data.steps_per_epoch, task)
    return self.model

  def run_step(self, session, step):
    model = self.model
    images, labels = self.data.batch(step)
    loss, accuracy, step = session.run(
        [model.loss, model.accuracy, model.new_global_step],
        {model.images: images, model.labels: labels,
         model.keep_prob: self.config.output_keep_prob})
    return step, loss, " accuracy %.3f" % accuracy

  def evaluate(self, run, step, final):
    """Validation figures (and test at epoch ends and at the end).

    With no validation examples (`--validation_size=0`, training on every
    training example as the original tutorial did) there is no validation
    figure: the entry has None and no summary is written for it.
    """
    data = self.data
    evaluate_split = lambda split: run(
        lambda session: evaluate(session, self.model, *split))
    entry = {"step": int(step), "epoch": step / data.steps_per_epoch,
             "validation_accuracy": None, "validation_loss": None}
    summaries = {}
    message = ""
    if len(data.validation[0]):
      accuracy, loss = evaluate_split(data.validation)
      entry.update(validation_accuracy=accuracy, validation_loss=loss)
      summaries.update(accuracy=accuracy, loss=loss)
      message = "validation accuracy %.4f loss %.4f" % (accuracy, loss)
    if final or step % data.steps_per_epoch == 0:
      entry["test_accuracy"], entry["test_loss"] = evaluate_split(data.test)
      summaries.update(test_accuracy=entry["test_accuracy"],
                       test_loss=entry["test_loss"])
      message += " test accuracy %.4f" % entry["test_accuracy"]
    return entry, summaries, message.strip() or "(no validation set)"


def train(config, data, model_dir, total_steps, eval_every, log_every,
          save_checkpoint_steps, keep_checkpoint_max, session_config,
          task=None):
  """Trains (or resumes) to `total_steps`; returns the metrics dict.

  With a distributed `task`, this process is one worker: only the chief
  (worker 0) evaluates, checkpoints and writes summaries.
  """
  metrics = loop.train(
      MNISTTrainer(config, data), model_dir, total_steps,
      eval_every=eval_every, log_every=log_every,
      save_checkpoint_steps=save_checkpoint_steps,
      keep_checkpoint_max=keep_checkpoint_max, config=session_config,
      task=task)
  final = metrics["history"][-1] if metrics["history"] else {}
  metrics.update(test_accuracy=final.get("test_accuracy"),
                 test_loss=final.get("test_loss"),
                 validation_accuracy=final.get("validation_accuracy"))
  return metrics


# Batch sizes of the warm-up requests in every export: one image (latency)
# and a typical batch.
WARMUP_BATCH_SIZES = (1, 128)


def warmup_requests(batch_sizes=WARMUP_BATCH_SIZES):
  """`serving_default` requests of fixed images in [0, 1], one per size."""
  rng = np.random.RandomState(0)
  return [warmup.predict_request(
      {"images": rng.uniform(size=[n, NUM_ROWS, ROW_SIZE]).astype(
          np.float32)}) for n in batch_sizes]


IMAGES_SPEC = tf.TensorSpec([None, NUM_ROWS, ROW_SIZE], tf.float32,
                            name="images")
CONTRACT = "images must be float32 [N, 28, 28] with values in [0, 1]"


def check_images(images):
  """`images` once the input contract holds; else a clear error at run time.

  The signature's `TensorSpec` already refuses another dtype; these checks
  cover what it cannot: the shape of a tensor fed through the flat
  signature (a TF Serving request), and values outside [0, 1] (e.g. pixels
  0..255 sent as floats, or a uint8 numpy array that was cast).
  """
  shape = tf.shape(images)
  low = tf.reduce_min(images)
  high = tf.reduce_max(images)
  # Plain Assert ops (no cond guard): the graph stays converter-friendly.
  checks = [
      tf.raw_ops.Assert(
          condition=tf.reduce_all(tf.equal(shape[1:], [NUM_ROWS, ROW_SIZE])),
          data=[CONTRACT + "; got shape", shape], name="check_shape"),
      tf.raw_ops.Assert(
          condition=tf.logical_and(low >= 0.0, high <= 1.0),
          data=[CONTRACT + " (pixels / 255); got values from", low, "to",
                high], name="check_range"),
  ]
  with tf.control_dependencies(checks):
    return tf.identity(images, name="checked_images")


def export_model(checkpoint, config, export_dir):
  """Exports the model of `checkpoint` for TF Serving; returns its path.

  The serving graph is forward-only (`tf1seq.serving_export`): the
  recurrence over the 28 rows is unrolled, with no while loop, XLA function
  or custom gradient in it, over the checkpoint's variables and with the
  training graph's values. A new version goes next to the old ones (never
  over them).

  Signatures: `serving_default` (predict: `images` [None, 28, 28] float32
  in [0, 1] -> `probabilities` [None, 10], `classes` [None] int64; another
  dtype or shape is refused at the signature with the expected `TensorSpec`)
  and `classify` (tf.Example with float feature `images` of 784 values ->
  `classes` as strings, `scores`). `assets.extra` holds TF Serving warm-up
  requests of 1 and 128 images.
  """
  def predict(images):
    logits = build_logits(check_images(images), config)
    return {"probabilities": tf.nn.softmax(logits, name="probabilities"),
            "classes": tf.argmax(logits, 1, name="classes")}

  def classify(serialized):
    features = tf.io.parse_example(serialized, {
        "images": tf.io.FixedLenFeature([NUM_ROWS * ROW_SIZE], tf.float32)})
    scores = tf.nn.softmax(build_logits(
        tf.reshape(features["images"], [-1, NUM_ROWS, ROW_SIZE]), config))
    class_names = tf.constant([str(i) for i in range(NUM_CLASSES)])
    classes = tf.tile(tf.expand_dims(class_names, 0),
                      [tf.shape(scores)[0], 1])
    return {"classes": classes, "scores": scores}

  return serving_export.export_checkpoint(
      export_dir, checkpoint,
      {"serving_default": serving_export.Signature(predict, [IMAGES_SPEC]),
       "classify": serving_export.Signature(
           classify, [tf.TensorSpec([None], tf.string, name="inputs")])},
      method_names={"classify":
                    tf.compat.v1.saved_model.CLASSIFY_METHOD_NAME},
      warmup_requests=warmup_requests())


def main(argv):
  del argv  # Unused.
  task = loop.start_process(FLAGS)
  if task is None:  # A parameter server, ended.
    return
  config = Config.from_flags(FLAGS)
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
  except checkpoints.StartError as e:
    raise app.UsageError(str(e))
  if loop.worker_finished(task, metrics):
    return
  metrics.update(dataset=FLAGS.dataset,
                 flags=common_flags.values(FLAGS, RECORDED_FLAGS))
  if not metrics["interrupted"]:  # Else no final figures and no export.
    logging.info("test accuracy %.4f after %d steps (%.0f examples/sec)",
                 metrics["test_accuracy"], metrics["global_step"],
                 metrics["examples_per_sec"])
  loop.finish(FLAGS.model_dir, metrics, FLAGS.export_dir,
              lambda: export_model(metrics["checkpoint"], config,
                                   FLAGS.export_dir), FLAGS.force_export)


def run():
  """The `tf1seq-mnist-rnn` command."""
  common_flags.run(define_flags, main)


if __name__ == "__main__":
  run()
