r"""Every model of a time-series chapter in TF1 graph mode, one table.

The chapter: sequences, in *Hands-On Machine Learning* (2nd edition).

The book's protocol: `generate_time_series` (two sines plus noise) seeded
with 42, 50 input steps, 10,000 series split 7000/2000/1000, 20 epochs of
Adam (the book's learning rates; Keras' epsilon 1e-7) on batches of 32
shuffled every epoch, Keras' initialisers (`tf1seq.cells.keras_layout`), the
validation MSE at the end.

  python -m train.time_series --model=all            # The table.
  python -m train.time_series --model=lstm --plot_dir=/tmp/ts_plots

Models (`--model`, a comma-separated list or `all`):
  one step ahead (target: value 51):
    naive           the last value
    linear          Flatten + Dense(1)
    simple_rnn      SimpleRNN(1), Adam lr 0.005
    deep_rnn        SimpleRNN(20) x 2 + SimpleRNN(1)
    deep_rnn_dense  SimpleRNN(20) x 2 + Dense(1)
  ten steps ahead (target: values 51..60):
    naive_ahead     the last value, repeated
    iterative       deep_rnn_dense's model applied 10 times, feeding back
    linear_ahead    Flatten + Dense(10)
    rnn_ahead       SimpleRNN(20) x 2 + Dense(10) (sequence to vector)
  sequence to sequence (at every step t, the values t+1..t+10; the table
  gives the MSE over all steps and, second, at the last step):
    naive_sequence  the last value seen, repeated
    seq2seq_rnn     SimpleRNN(20) x 2 + time-distributed Dense(10), lr 0.01
    batch_norm_rnn  the same with batch norm after each recurrent layer
    layer_norm_rnn  LayerNorm SimpleRNN cells (the book's LNSimpleRNNCell)
    custom_loop_rnn the same cells in a hand-written tf.while_loop (MyRNN)
    lstm, gru       LSTM(20) x 2 or GRU(20) x 2 + time-distributed Dense(10)
    conv_gru        Conv1D(20, 4, strides 2) + GRU(20) x 2 + Dense(10),
                    targets at steps 3, 5, ..., 49
    wavenet         causal Conv1D(20, 2), dilations 1, 2, 4, 8 twice
    original_wavenet gated activations, residual and skip connections
                    (2 epochs and a softmax output, as the book)

Results, with the command: docs/results.md ("Time series and echo").
"""

import collections
import io
import os
import sys
import time

from absl import app
from absl import flags
from absl import logging
import numpy as np
import tensorflow as tf

from tf1seq import conv
from tf1seq import files
from tf1seq import layers
from tf1seq import normalization
from tf1seq import sequence
from tf1seq.cells import keras_layout as keras_cells
from tf1seq.data import time_series

from . import loop

FLAGS = flags.FLAGS

# name: (task, learning rate, epochs, published figure(s) or None).
# The book's figures: its `model.evaluate(X_valid, ...)` outputs.
ModelSpec = collections.namedtuple(
    "ModelSpec", ["task", "learning_rate", "epochs", "seed_mse",
                  "seed_last_mse"])
MODELS = collections.OrderedDict([
    ("naive", ModelSpec("one_step", None, 0, 0.020211367, None)),
    ("linear", ModelSpec("one_step", 0.001, 20, 0.004168087, None)),
    ("simple_rnn", ModelSpec("one_step", 0.005, 20, 0.010881562, None)),
    ("deep_rnn", ModelSpec("one_step", 0.001, 20, None, None)),
    ("deep_rnn_dense", ModelSpec("one_step", 0.001, 20, 0.002623623, None)),
    ("naive_ahead", ModelSpec("ahead", None, 0, 0.25697407, None)),
    ("iterative", ModelSpec("ahead", None, 0, 0.027510853, None)),
    ("linear_ahead", ModelSpec("ahead", 0.001, 20, None, None)),
    ("rnn_ahead", ModelSpec("ahead", 0.001, 20, None, None)),
    ("naive_sequence", ModelSpec("sequence", None, 0, None, None)),
    ("seq2seq_rnn", ModelSpec("sequence", 0.01, 20, None, None)),
    ("batch_norm_rnn", ModelSpec("sequence", 0.001, 20, None, None)),
    ("layer_norm_rnn", ModelSpec("sequence", 0.001, 20, None, None)),
    ("custom_loop_rnn", ModelSpec("sequence", 0.001, 20, None, None)),
    ("lstm", ModelSpec("sequence", 0.001, 20, 0.023788679, 0.008560794)),
    ("gru", ModelSpec("sequence", 0.001, 20, 0.023785505, 0.010262806)),
    ("conv_gru", ModelSpec("sequence", 0.001, 20, None, None)),
    ("wavenet", ModelSpec("sequence", 0.001, 20, None, None)),
    ("original_wavenet", ModelSpec("sequence", 0.001, 2, None, None)),
])
NAIVE = {"one_step": "naive", "ahead": "naive_ahead",
         "sequence": "naive_sequence"}
# The model whose one-step forecasts `iterative` feeds back, as the book.
ITERATIVE_BASE = "deep_rnn_dense"


def _check_models(value):
  names = value.split(",")
  return value == "all" or all(name in MODELS for name in names)


def define_flags():
  """Defines the flags; called under `__main__` only, so that importing
  the module (tests import every trainer) defines none."""
  flags.DEFINE_string("model", "all",
                      "Comma-separated models (%s) or `all`." %
                      ", ".join(MODELS))
  flags.register_validator("model", _check_models,
                           message="--model must be `all` or a comma-separated "
                           "list of: %s." % ", ".join(MODELS))
  flags.DEFINE_integer("n_series", time_series.N_SERIES,
                       "Series generated; split 70/20/10 percent.")
  flags.DEFINE_integer("epochs", None,
                       "Epochs for every trained model; default the book's "
                       "(20, and 2 for original_wavenet).")
  flags.DEFINE_integer("batch_size", 32, "Series per training step.")
  flags.DEFINE_integer("seed", 42, "Seed of the data (the book's 42), the "
                       "initialisation and the shuffling.")
  flags.DEFINE_string("plot_dir", None,
                      "If set, learning curves and forecasts are saved there "
                      "as PNG (needs matplotlib).")
  flags.DEFINE_integer("intra_op_threads", 1,
                       "Threads inside one op (0: TensorFlow decides).")
  flags.DEFINE_integer("inter_op_threads", 1,
                       "Ops run in parallel (0: TensorFlow decides).")
  for _name in ("batch_size", "epochs"):
    flags.register_validator(_name, lambda n: n is None or n > 0,
                             message="--%s must be positive." % _name)
  flags.register_validator("n_series", lambda n: n >= 20,
                           message="--n_series must be at least 20.")
  for _name in ("intra_op_threads", "inter_op_threads"):
    flags.register_validator(_name, lambda n: n >= 0,
                             message="--%s must be >= 0." % _name)


N_STEPS = time_series.N_STEPS
AHEAD = time_series.AHEAD
# Adam as Keras' default: only epsilon differs from TF1's AdamOptimizer.
KERAS_ADAM_EPSILON = 1e-7
UNITS = 20


class Config(object):
  """Data and training settings; model code reads these, never FLAGS."""

  def __init__(self, n_series=time_series.N_SERIES, epochs=None,
               batch_size=32, seed=42, intra_op_threads=1,
               inter_op_threads=1):
    self.n_series = n_series
    self.epochs = epochs
    self.batch_size = batch_size
    self.seed = seed
    self.intra_op_threads = intra_op_threads
    self.inter_op_threads = inter_op_threads

  @classmethod
  def from_flags(cls, flag_values):
    return cls(n_series=flag_values.n_series, epochs=flag_values.epochs,
               batch_size=flag_values.batch_size, seed=flag_values.seed,
               intra_op_threads=flag_values.intra_op_threads,
               inter_op_threads=flag_values.inter_op_threads)

  def epochs_for(self, model):
    return self.epochs if self.epochs is not None else MODELS[model].epochs


def test_config():
  """Short runs for tests: 2000 series, 3 epochs."""
  return Config(n_series=2000, epochs=3)


def load_data(task, config):
  """The book's splits for a task: `time_series.Splits`."""
  if task == "one_step":
    return time_series.one_step_splits(config.n_series, seed=config.seed)
  if task == "ahead":
    return time_series.ahead_splits(config.n_series, seed=config.seed)
  return time_series.sequence_splits(config.n_series, seed=config.seed)


# -- Models: inputs `[batch, time, 1]` -> predictions.


def _simple_rnn_stack(x, units_list, return_sequences):
  cells = [keras_cells.SimpleRNNCell(units) for units in units_list]
  return sequence.stacked_rnn(cells, x, return_sequences=return_sequences)


def _sequence_head(h):
  return layers.time_distributed_dense(h, AHEAD)


def build_predictions(model, x, training):
  """The book's model `model` on `x`.

  Args:
    model: a trained model's name (see MODELS).
    x: float32 `[batch, time, 1]`; time 50 for the linear models.
    training: boolean scalar tensor (batch norm's mode).

  Returns:
    `[batch, 1]`, `[batch, 10]` or `[batch, time', 10]` by task.

  Raises:
    ValueError: for a model that is not trained.
  """
  if model == "linear":
    return layers.dense(layers.flatten(x), 1)
  if model == "simple_rnn":
    return sequence.rnn(keras_cells.SimpleRNNCell(1), x)
  if model == "deep_rnn":
    return _simple_rnn_stack(x, [UNITS, UNITS, 1], False)
  if model == "deep_rnn_dense":
    return layers.dense(_simple_rnn_stack(x, [UNITS, UNITS], False), 1)
  if model == "linear_ahead":
    return layers.dense(layers.flatten(x), AHEAD)
  if model == "rnn_ahead":
    return layers.dense(_simple_rnn_stack(x, [UNITS, UNITS], False), AHEAD)
  if model == "seq2seq_rnn":
    return _sequence_head(_simple_rnn_stack(x, [UNITS, UNITS], True))
  if model == "batch_norm_rnn":
    h = sequence.rnn(keras_cells.SimpleRNNCell(UNITS), x,
                     return_sequences=True)
    h = normalization.batch_normalization(h, training=training)
    h = sequence.rnn(keras_cells.SimpleRNNCell(UNITS), h,
                     return_sequences=True)
    h = normalization.batch_normalization(h, training=training)
    return _sequence_head(h)
  if model == "layer_norm_rnn":
    cells = [keras_cells.LayerNormSimpleRNNCell(UNITS) for _ in range(2)]
    return _sequence_head(sequence.stacked_rnn(cells, x,
                                               return_sequences=True))
  if model == "custom_loop_rnn":
    h = x
    for index in range(2):
      with tf.compat.v1.variable_scope("my_rnn_%d" % index):
        h, _ = sequence.while_loop_rnn(
            keras_cells.LayerNormSimpleRNNCell(UNITS), h,
            return_sequences=True)
    return _sequence_head(h)
  if model == "lstm":
    cells = [keras_cells.KerasLSTMCell(UNITS) for _ in range(2)]
    return _sequence_head(sequence.stacked_rnn(cells, x,
                                               return_sequences=True))
  if model in ("gru", "conv_gru"):
    if model == "conv_gru":
      x = conv.conv1d(x, UNITS, 4, strides=2, padding="valid")
    cells = [keras_cells.KerasGRUCell(UNITS) for _ in range(2)]
    return _sequence_head(sequence.stacked_rnn(cells, x,
                                               return_sequences=True))
  if model == "wavenet":
    return conv.wavenet(x, filters=UNITS, rates=(1, 2, 4, 8) * 2,
                        outputs=AHEAD)
  if model == "original_wavenet":
    return conv.original_wavenet(x, layers_per_block=3, blocks=1,
                                 filters=32, outputs=AHEAD)
  raise ValueError("model must be a trained model, one of %s, got %r" %
                   ([m for m, s in MODELS.items() if s.epochs], model))


def targets_for(model, y):
  """The book's targets of `model`: conv_gru's are every other step."""
  if model == "conv_gru":
    return y[:, 3::2]
  return y


class TimeSeriesModel(object):
  """The training graph of one model: placeholders, loss, metric, train op."""

  def __init__(self, model, task, learning_rate, seed):
    tf.compat.v1.set_random_seed(seed)
    time_steps = N_STEPS if model in ("linear", "linear_ahead") else None
    self.x = tf.compat.v1.placeholder(tf.float32, [None, time_steps, 1],
                                      name="x")
    self.training = tf.compat.v1.placeholder_with_default(
        False, [], name="training")
    self.predictions = build_predictions(model, self.x, self.training)
    target_shape = self.predictions.shape.as_list()
    target_shape[0] = None
    self.y = tf.compat.v1.placeholder(tf.float32, target_shape, name="y")
    self.loss = tf.reduce_mean(tf.square(self.predictions - self.y))
    self.last_step_mse = None
    if task == "sequence":
      self.last_step_mse = tf.reduce_mean(
          tf.square(self.predictions[:, -1] - self.y[:, -1]))
    optimizer = tf.compat.v1.train.AdamOptimizer(learning_rate,
                                                 epsilon=KERAS_ADAM_EPSILON)
    update_ops = tf.compat.v1.get_collection(
        tf.compat.v1.GraphKeys.UPDATE_OPS)
    with tf.control_dependencies(update_ops):
      self.train_op = optimizer.minimize(self.loss)
    self.initializer = tf.compat.v1.global_variables_initializer()


def evaluate(session, graph_model, x, y, chunk=500):
  """Mean squared error over all of `(x, y)`, and the last-step MSE."""
  fetches = [graph_model.loss]
  if graph_model.last_step_mse is not None:
    fetches.append(graph_model.last_step_mse)
  totals = np.zeros(len(fetches))
  for start in range(0, len(x), chunk):
    values = session.run(fetches, {graph_model.x: x[start:start + chunk],
                                   graph_model.y: y[start:start + chunk]})
    totals += np.array(values) * len(x[start:start + chunk])
  totals /= len(x)
  return totals[0], (totals[1] if len(totals) > 1 else None)


def predict(session, graph_model, x, chunk=500):
  return np.concatenate([
      session.run(graph_model.predictions, {graph_model.x: x[i:i + chunk]})
      for i in range(0, len(x), chunk)])


def iterative_forecast(session, graph_model, x, ahead=AHEAD):
  """The book's loop: predict one step, append it, predict again.

  Args:
    session: holds the trained one-step model.
    graph_model: a one-step `TimeSeriesModel` taking any length.
    x: `[n, time, 1]`.
    ahead: the steps to forecast.

  Returns:
    `[n, ahead]`.
  """
  for _ in range(ahead):
    step = predict(session, graph_model, x)[:, np.newaxis, :]
    x = np.concatenate([x, step], axis=1)
  return x[:, -ahead:, 0]


def naive_predictions(task, x):
  """The last value seen: `[n, 1]`, `[n, 10]` or `[n, time, 10]`."""
  if task == "one_step":
    return x[:, -1]
  if task == "ahead":
    return np.tile(x[:, -1], AHEAD)
  return np.repeat(x, AHEAD, axis=2)


Result = collections.namedtuple(
    "Result", ["model", "mse", "last_step_mse", "history", "seconds"])


def mse(y, predictions):
  return float(np.mean(np.square(predictions - y)))


def run_model(model, config, data=None, plot_dir=None):
  """Trains (if it learns) and evaluates `model` on the validation set.

  Args:
    model: a name in MODELS.
    config: a `Config`.
    data: optional splits of the model's task (else generated).
    plot_dir: optional directory for PNG plots.

  Returns:
    A list of `Result`: one, or two for `deep_rnn_dense` run with
    `iterative` requested (see `run_models`).
  """
  spec = MODELS[model]
  data = data or load_data(spec.task, config)
  valid = data.valid
  if spec.epochs == 0 and model != "iterative":
    predictions = naive_predictions(spec.task, valid.x)
    last = None
    if spec.task == "sequence":
      last = mse(valid.y[:, -1], predictions[:, -1])
    return [Result(model, mse(valid.y, predictions), last, None, 0.)]
  if model == "iterative":
    return _run_iterative(config, plot_dir)
  return [_train(model, config, data, plot_dir)[0]]


def _train(model, config, data, plot_dir, keep_session=False):
  """Trains `model`; returns its Result and, if asked, (graph, session)."""
  spec = MODELS[model]
  start = time.time()
  train_x, train_y = data.train.x, targets_for(model, data.train.y)
  valid_x, valid_y = data.valid.x, targets_for(model, data.valid.y)
  graph = tf.Graph()
  with graph.as_default():
    graph_model = TimeSeriesModel(model, spec.task, spec.learning_rate,
                                  config.seed)
  session = tf.compat.v1.Session(graph=graph, config=loop.session_config(
      config.intra_op_threads, config.inter_op_threads))
  session.run(graph_model.initializer)
  order_rng = np.random.RandomState(config.seed)
  history = {"loss": [], "val_loss": [], "val_last_step_mse": []}
  epochs = config.epochs_for(model)
  for epoch in range(epochs):
    order = order_rng.permutation(len(train_x))
    losses = []
    for begin in range(0, len(order), config.batch_size):
      batch = order[begin:begin + config.batch_size]
      loss, _ = session.run(
          [graph_model.loss, graph_model.train_op],
          {graph_model.x: train_x[batch], graph_model.y: train_y[batch],
           graph_model.training: True})
      losses.append(loss * len(batch))
    val_loss, val_last = evaluate(session, graph_model, valid_x, valid_y)
    history["loss"].append(sum(losses) / len(train_x))
    history["val_loss"].append(val_loss)
    history["val_last_step_mse"].append(val_last)
    logging.info("%s epoch %d/%d loss %.5f val_loss %.5f%s (%.0fs)", model,
                 epoch + 1, epochs, history["loss"][-1], val_loss,
                 "" if val_last is None else " last_step %.5f" % val_last,
                 time.time() - start)
  val_loss, val_last = evaluate(session, graph_model, valid_x, valid_y)
  result = Result(model, val_loss, val_last, history, time.time() - start)
  if plot_dir:
    _plot_learning_curves(plot_dir, model, history)
    _plot_forecast(plot_dir, model, session, graph_model, spec.task, config)
  if keep_session:
    return result, (graph_model, session)
  session.close()
  return result, None


def _run_iterative(config, plot_dir, base_data=None):
  """Trains the one-step model, then forecasts 10 steps by feeding back."""
  base_data = base_data or load_data("one_step", config)
  base, (graph_model, session) = _train(ITERATIVE_BASE, config, base_data,
                                        plot_dir, keep_session=True)
  start = time.time()
  ahead = load_data("ahead", config)
  forecast = iterative_forecast(session, graph_model, ahead.valid.x)
  session.close()
  return [base, Result("iterative", mse(ahead.valid.y, forecast), None, None,
                       base.seconds + time.time() - start)]


def run_models(models, config, plot_dir=None):
  """Runs `models` in order; `iterative` reuses `deep_rnn_dense`'s training.

  Returns:
    A list of `Result`, in the order of `models`.
  """
  results = collections.OrderedDict()
  data = {}
  for model in models:
    if model in results:
      continue
    task = "one_step" if model == "iterative" else MODELS[model].task
    if task not in data:
      data[task] = load_data(task, config)
    if model == ITERATIVE_BASE and "iterative" in models:
      model_results = _run_iterative(config, plot_dir, data[task])
    else:
      model_results = run_model(model, config, data[task], plot_dir)
    for result in model_results:
      results[result.model] = result
  return [results[model] for model in models]


def _ratio(ours, seed):
  return "%.2f" % (ours / seed) if ours is not None and seed else "-"


def _figure(value):
  return "-" if value is None else "%.4f" % value


def format_table(results):
  """One line per model: our MSE and last-step MSE, the book's, ratios."""
  header = ("%-17s %9s %9s %9s %9s %6s %6s %7s" %
            ("model", "mse", "seed", "last", "seed", "ratio", "ratio",
             "time"))
  lines = [header, "-" * len(header)]
  for result in results:
    spec = MODELS[result.model]
    lines.append("%-17s %9s %9s %9s %9s %6s %6s %6.0fs" % (
        result.model, _figure(result.mse), _figure(spec.seed_mse),
        _figure(result.last_step_mse), _figure(spec.seed_last_mse),
        _ratio(result.mse, spec.seed_mse),
        _ratio(result.last_step_mse, spec.seed_last_mse), result.seconds))
  return "\n".join(lines)


# -- Plots (matplotlib, only with --plot_dir).


def _pyplot():
  import matplotlib  # pylint: disable=g-import-not-at-top
  matplotlib.use("Agg")
  import matplotlib.pyplot as plt  # pylint: disable=g-import-not-at-top
  return plt


def _save(plt, plot_dir, name):
  buffer = io.BytesIO()
  plt.tight_layout()
  plt.savefig(buffer, format="png", dpi=100)
  plt.close()
  files.write_atomically(os.path.join(plot_dir, name + ".png"),
                         buffer.getvalue())


def _plot_learning_curves(plot_dir, model, history):
  plt = _pyplot()
  loss, val_loss = history["loss"], history["val_loss"]
  plt.figure(figsize=(6, 4))
  plt.plot(np.arange(len(loss)) + 0.5, loss, "b.-", label="Training loss")
  plt.plot(np.arange(len(val_loss)) + 1, val_loss, "r.-",
           label="Validation loss")
  plt.axis([1, max(len(loss), 2), 0, 0.05])
  plt.legend()
  plt.xlabel("Epochs")
  plt.ylabel("Loss")
  plt.title(model)
  plt.grid(True)
  _save(plt, plot_dir, model + "_learning_curves")


def _plot_forecast(plot_dir, model, session, graph_model, task, config):
  """The book's forecast plot of one new series (seed 43)."""
  plt = _pyplot()
  series = time_series.generate_time_series(1, N_STEPS + AHEAD,
                                            config.seed + 1)
  x_new = series[:, :N_STEPS]
  prediction = predict(session, graph_model, x_new)
  if task == "one_step":
    ahead, forecast = 1, prediction[0]
  elif task == "ahead":
    ahead, forecast = AHEAD, prediction[0]
  else:
    ahead, forecast = AHEAD, prediction[0, -1]
  plt.figure(figsize=(6, 4))
  plt.plot(x_new[0, :, 0], ".-")
  steps = np.arange(N_STEPS, N_STEPS + ahead)
  plt.plot(steps, series[0, N_STEPS:N_STEPS + ahead, 0], "ro-",
           label="Actual")
  plt.plot(steps, forecast, "bx-", label="Forecast", markersize=10)
  plt.axis([0, N_STEPS + AHEAD, -1, 1])
  plt.legend()
  plt.title(model)
  plt.grid(True)
  _save(plt, plot_dir, model + "_forecast")


def main(argv):
  del argv  # Unused.
  config = Config.from_flags(FLAGS)
  models = (list(MODELS) if FLAGS.model == "all"
            else FLAGS.model.split(","))
  results = run_models(models, config, FLAGS.plot_dir)
  sys.stdout.write(format_table(results) + "\n")
  sys.stdout.flush()


def run():
  """The `tf1seq-time-series` command."""
  define_flags()
  app.run(main)


if __name__ == "__main__":
  run()
