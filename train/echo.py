r"""An LSTM echoes [0.0, 0.2, 0.4, 0.6, 0.8] in three framings.

The echo problem of Jason Brownlee's TimeDistributed tutorial.

  one_to_one     5 samples of 1 step: LSTM(5) + Dense(1), 1000 epochs,
                 batch 5.
  many_to_one    1 sample of 5 steps: LSTM(5) + Dense(5) on the last output,
                 500 epochs, batch 1.
  many_to_many   1 sample of 5 steps: LSTM(5, return_sequences) +
                 time-distributed Dense(1), 1000 epochs, batch 1.

Each prints a parameter summary per layer (the tutorial's counts: LSTM 140,
Dense 6, Dense 30, time-distributed Dense 6) and the predictions to one
decimal, which must read back the sequence:

  python -m train.echo                       # All three.
  python -m train.echo --framing=many_to_one

Adam (Keras' defaults: lr 0.001, epsilon 1e-7) on the mean squared error,
Keras-layout LSTM (`tf1seq.cells.keras_layout.KerasLSTMCell`).
"""

import collections
import sys

from absl import app
from absl import flags
from absl import logging
import numpy as np
import tensorflow as tf

from tf1seq.cells import keras_layout as keras_cells
from tf1seq import layers
from tf1seq import sequence

FLAGS = flags.FLAGS

# framing: (epochs, batch size), as the tutorial.
Framing = collections.namedtuple("Framing", ["epochs", "batch_size"])
FRAMINGS = collections.OrderedDict([
    ("one_to_one", Framing(1000, 5)),
    ("many_to_one", Framing(500, 1)),
    ("many_to_many", Framing(1000, 1)),
])

def define_flags():
  """Defines the flags; called under `__main__` only, so that importing
  the module (tests import every trainer) defines none."""
  flags.DEFINE_enum("framing", "all", ["all"] + list(FRAMINGS),
                    "Which framing to train, or all three.")
  flags.DEFINE_integer("length", 5, "Length of the echoed sequence "
                       "(i / length for i < length).")
  flags.DEFINE_integer("epochs", None, "Epochs; default the tutorial's.")
  flags.DEFINE_integer("seed", 10, "Seed of the initialisation.")
  flags.register_validator("length", lambda n: n > 1,
                           message="--length must be at least 2.")
  flags.register_validator("epochs", lambda n: n is None or n > 0,
                           message="--epochs must be positive.")


KERAS_ADAM_EPSILON = 1e-7


class Config(object):
  """Settings of one run; model code reads these, never FLAGS."""

  def __init__(self, length=5, epochs=None, seed=10):
    self.length = length
    self.epochs = epochs
    self.seed = seed


def echo_sequence(length):
  """`[0, 1/length, ..., (length - 1)/length]`, float32."""
  return np.array([i / float(length) for i in range(length)], np.float32)


def framing_data(framing, length):
  """The tutorial's `(X, y)` of a framing."""
  seq = echo_sequence(length)
  if framing == "one_to_one":
    return seq.reshape(length, 1, 1), seq.reshape(length, 1)
  if framing == "many_to_one":
    return seq.reshape(1, length, 1), seq.reshape(1, length)
  if framing == "many_to_many":
    return seq.reshape(1, length, 1), seq.reshape(1, length, 1)
  raise ValueError("framing must be one of %s, got %r" %
                   (list(FRAMINGS), framing))


def build_model(framing, x, length):
  """LSTM(length units) and the framing's output layer.

  Variables: `lstm/keras_lstm_cell/...`, then `dense/...` or
  `time_distributed/...`.
  """
  cell = keras_cells.KerasLSTMCell(length)
  if framing == "many_to_many":
    h = sequence.rnn(cell, x, return_sequences=True, scope="lstm")
    return layers.time_distributed_dense(h, 1, name="time_distributed")
  h = sequence.rnn(cell, x, scope="lstm")
  return layers.dense(h, 1 if framing == "one_to_one" else length,
                      name="dense")


def parameter_summary(variables):
  """Parameters per layer (top-level scope), in creation order.

  Returns:
    A list of `(layer, [(variable name, shape)], count)`.
  """
  summary = collections.OrderedDict()
  for variable in variables:
    layer = variable.op.name.split("/")[0]
    summary.setdefault(layer, []).append(variable)
  return [(layer, [(v.op.name, v.shape.as_list()) for v in group],
           sum(v.shape.num_elements() for v in group))
          for layer, group in summary.items()]


def format_summary(summary):
  lines = ["%-18s %-50s %6s" % ("layer", "variables", "params")]
  for layer, variables, count in summary:
    names = ", ".join("%s %s" % (name.split("/")[-1], shape)
                      for name, shape in variables)
    lines.append("%-18s %-50s %6d" % (layer, names, count))
  lines.append("%-18s %-50s %6d" % ("total", "",
                                    sum(c for _, _, c in summary)))
  return "\n".join(lines)


Result = collections.namedtuple("Result", ["framing", "summary", "loss",
                                           "predictions"])


def run_framing(framing, config):
  """Trains one framing; returns its parameter summary and predictions."""
  epochs = config.epochs or FRAMINGS[framing].epochs
  batch_size = FRAMINGS[framing].batch_size
  x_data, y_data = framing_data(framing, config.length)
  with tf.Graph().as_default():
    tf.compat.v1.set_random_seed(config.seed)
    x = tf.compat.v1.placeholder(tf.float32, [None] + list(x_data.shape[1:]))
    y = tf.compat.v1.placeholder(tf.float32, [None] + list(y_data.shape[1:]))
    predictions = build_model(framing, x, config.length)
    loss = tf.reduce_mean(tf.square(predictions - y))
    train_op = tf.compat.v1.train.AdamOptimizer(
        0.001, epsilon=KERAS_ADAM_EPSILON).minimize(loss)
    summary = parameter_summary(tf.compat.v1.trainable_variables())
    with tf.compat.v1.Session() as session:
      session.run(tf.compat.v1.global_variables_initializer())
      for epoch in range(epochs):
        # One sample per batch or all five: the order does not matter to
        # a full batch, and the single-sample framings have one sample.
        for begin in range(0, len(x_data), batch_size):
          feed = {x: x_data[begin:begin + batch_size],
                  y: y_data[begin:begin + batch_size]}
          session.run(train_op, feed)
        if (epoch + 1) % 100 == 0:
          logging.info("%s epoch %d loss %.6f", framing, epoch + 1,
                       session.run(loss, {x: x_data, y: y_data}))
      final_loss, values = session.run([loss, predictions],
                                       {x: x_data, y: y_data})
  return Result(framing, summary, float(final_loss), values.reshape(-1))


def format_result(result):
  return "\n".join([
      "== %s" % result.framing, format_summary(result.summary),
      "loss %.6f" % result.loss, "predictions:"] +
                   ["%.1f  (%.4f)" % (round(value, 1) or 0., value)
                    for value in result.predictions])


def main(argv):
  del argv  # Unused.
  config = Config(length=FLAGS.length, epochs=FLAGS.epochs, seed=FLAGS.seed)
  framings = list(FRAMINGS) if FLAGS.framing == "all" else [FLAGS.framing]
  for framing in framings:
    sys.stdout.write(format_result(run_framing(framing, config)) + "\n")
    sys.stdout.flush()


def run():
  """The `tf1seq-echo` command."""
  define_flags()
  app.run(main)


if __name__ == "__main__":
  run()
