"""The time-series chapter's data and the short (CI) versions of train.time_series.

The full table (20 epochs, 10,000 series) is README's command, not a test;
here each model trains briefly on 1000 series and must beat the naive
forecast of its task. Oracles: the book's published naive figures and its
`generate_time_series` code, copied verbatim.
"""

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

from tf1seq.data import time_series
from train import time_series as trainer


def seed_generate_time_series(batch_size, n_steps):
  """The time-series chapter's function, verbatim (global numpy generator)."""
  freq1, freq2, offset1, offset2 = np.random.rand(4, batch_size, 1)
  time = np.linspace(0, 1, n_steps)
  series = 0.5 * np.sin((time - offset1) * (freq1 * 10 + 10))
  series += 0.2 * np.sin((time - offset2) * (freq2 * 20 + 20))
  series += 0.1 * (np.random.rand(batch_size, n_steps) - 0.5)
  return series[..., np.newaxis].astype(np.float32)


# Short runs: 1000 series, 3 epochs; the linear model learns slowly at Adam's
# 0.001, so it gets 20 (it is cheap).
SHORT = [("linear", 20), ("simple_rnn", 3), ("deep_rnn", 3),
         ("deep_rnn_dense,iterative", 3), ("linear_ahead", 3),
         ("rnn_ahead", 3), ("seq2seq_rnn", 3), ("batch_norm_rnn", 3),
         ("layer_norm_rnn,custom_loop_rnn", 3), ("lstm", 3), ("gru", 3),
         ("conv_gru", 3), ("wavenet", 3), ("original_wavenet", 2)]


class TimeSeriesDataTest(tf.test.TestCase):

  def test_same_arrays_as_seed(self):
    np.random.seed(42)
    expected = seed_generate_time_series(7, 11)
    self.assertAllEqual(time_series.generate_time_series(7, 11, 42),
                        expected)

  def test_naive_figures_are_the_seeds(self):
    # The book: 0.020211367 (one step) and 0.25697407 (ten steps).
    one_step = time_series.one_step_splits()
    self.assertEqual(one_step.train.x.shape, (7000, 50, 1))
    self.assertEqual(one_step.valid.y.shape, (2000, 1))
    self.assertEqual(one_step.test.x.shape, (1000, 50, 1))
    naive = np.mean(np.square(one_step.valid.x[:, -1] - one_step.valid.y))
    self.assertAllClose(naive, 0.020211367, atol=1e-8)
    ahead = time_series.ahead_splits()
    naive_ahead = np.mean(np.square(np.tile(ahead.valid.x[:, -1], 10) -
                                    ahead.valid.y))
    self.assertAllClose(naive_ahead, 0.25697407, atol=1e-7)

  def test_sequence_targets(self):
    series = time_series.generate_time_series(3, 60, 1)
    targets = time_series.sequence_targets(series)
    self.assertEqual(targets.shape, (3, 50, 10))
    for t in (0, 17, 49):
      for k in (1, 10):
        self.assertAllEqual(targets[:, t, k - 1], series[:, t + k, 0])
    with self.assertRaisesRegex(ValueError, "at least n_steps \\+ ahead"):
      time_series.sequence_targets(series[:, :55])

  def test_bad_sizes(self):
    with self.assertRaisesRegex(ValueError,
                                "batch_size must be a positive int, got 0"):
      time_series.generate_time_series(0, 5)


class TimeSeriesTrainerTest(tf.test.TestCase, parameterized.TestCase):

  @parameterized.parameters(*SHORT)
  def test_beats_naive(self, models, epochs):
    config = trainer.Config(n_series=1000, epochs=epochs)
    models = models.split(",")
    results = trainer.run_models(models, config)
    for result in results:
      task = trainer.MODELS[result.model].task
      naive = trainer.run_models([trainer.NAIVE[task]], config)[0]
      self.assertLess(result.mse, naive.mse, result.model)
      if task == "sequence":
        self.assertLess(result.last_step_mse, naive.last_step_mse)
    if models == ["layer_norm_rnn", "custom_loop_rnn"]:
      # The hand-written while_loop computes what dynamic_rnn does.
      self.assertAllClose(results[0].mse, results[1].mse, rtol=1e-4)

  def test_table(self):
    result = trainer.Result("lstm", 0.02, 0.009, None, 1.)
    table = trainer.format_table([result])
    self.assertRegex(table, r"lstm +0\.0200 +0\.0238 +0\.0090 +0\.0086 +"
                     r"0\.84 +1\.05")

  def test_unknown_model(self):
    with tf.Graph().as_default():
      with self.assertRaisesRegex(ValueError, "model must be a trained "
                                  "model, one of .*, got 'naive'"):
        trainer.build_predictions("naive", tf.zeros([1, 50, 1]), False)


if __name__ == "__main__":
  tf.test.main()
