"""Synthetic time series (two sines plus noise) and their splits.

Those of the time-series chapter of *Hands-On Machine Learning*.

`generate_time_series` is the chapter's formula, drawing from a
`np.random.RandomState` in the same order as the book's global
`np.random.rand` calls, so `RandomState(42)` gives the book's exact arrays.

Usage:

  from tf1seq.data import time_series
  splits = time_series.one_step_splits()      # X [7000, 50, 1], y [7000, 1]
  splits.valid.x, splits.valid.y               # the book's X_valid, y_valid
"""

import collections

import numpy as np

N_STEPS = 50
N_SERIES = 10000
AHEAD = 10
SEED = 42
# The book's split of 10,000 series: 7000 train, 2000 validation, 1000 test.
TRAIN_FRACTION = 0.7
VALID_FRACTION = 0.2

Split = collections.namedtuple("Split", ["x", "y"])
Splits = collections.namedtuple("Splits", ["train", "valid", "test"])


def generate_time_series(batch_size, n_steps, random_state=None):
  """`batch_size` series of `n_steps` values: two sines plus uniform noise.

  Args:
    batch_size: positive int, the number of series.
    n_steps: positive int, their length.
    random_state: a `np.random.RandomState`, an int seed, or None (numpy's
      global generator, as the book).

  Returns:
    float32 `[batch_size, n_steps, 1]`.

  Raises:
    ValueError: if a size is not a positive int.
  """
  for name, value in (("batch_size", batch_size), ("n_steps", n_steps)):
    if not isinstance(value, (int, np.integer)) or value <= 0:
      raise ValueError("%s must be a positive int, got %r" % (name, value))
  if random_state is None:
    random_state = np.random.mtrand._rand  # pylint: disable=protected-access
  elif not isinstance(random_state, np.random.RandomState):
    random_state = np.random.RandomState(random_state)
  freq1, freq2, offset1, offset2 = random_state.rand(4, batch_size, 1)
  time = np.linspace(0, 1, n_steps)
  series = 0.5 * np.sin((time - offset1) * (freq1 * 10 + 10))
  series += 0.2 * np.sin((time - offset2) * (freq2 * 20 + 20))
  series += 0.1 * (random_state.rand(batch_size, n_steps) - 0.5)
  return series[..., np.newaxis].astype(np.float32)


def _split(x, y):
  n = len(x)
  train_end = int(round(n * TRAIN_FRACTION))
  valid_end = int(round(n * (TRAIN_FRACTION + VALID_FRACTION)))
  return Splits(Split(x[:train_end], y[:train_end]),
                Split(x[train_end:valid_end], y[train_end:valid_end]),
                Split(x[valid_end:], y[valid_end:]))


def one_step_splits(n_series=N_SERIES, n_steps=N_STEPS, seed=SEED):
  """Inputs: the first `n_steps` values; target: the next one, `[n, 1]`."""
  series = generate_time_series(n_series, n_steps + 1, seed)
  return _split(series[:, :n_steps], series[:, -1])


def ahead_splits(n_series=N_SERIES, n_steps=N_STEPS, ahead=AHEAD, seed=SEED):
  """Inputs: `n_steps` values; target: the next `ahead`, `[n, ahead]`."""
  series = generate_time_series(n_series, n_steps + ahead, seed)
  return _split(series[:, :n_steps], series[:, -ahead:, 0])


def sequence_targets(series, n_steps=N_STEPS, ahead=AHEAD):
  """At every step t, the next `ahead` values: `[n, n_steps, ahead]`.

  Args:
    series: `[n, n_steps + ahead, 1]`.
    n_steps: the input length.
    ahead: values predicted at each step.

  Returns:
    float32 `Y` with `Y[:, t, k - 1] = series[:, t + k, 0]`.

  Raises:
    ValueError: if `series` is shorter than `n_steps + ahead`.
  """
  if series.shape[1] < n_steps + ahead:
    raise ValueError("series must have at least n_steps + ahead = %d steps, "
                     "got shape %s" % (n_steps + ahead, series.shape))
  targets = np.empty((len(series), n_steps, ahead), np.float32)
  for step_ahead in range(1, ahead + 1):
    targets[..., step_ahead - 1] = series[:, step_ahead:step_ahead + n_steps,
                                          0]
  return targets


def sequence_splits(n_series=N_SERIES, n_steps=N_STEPS, ahead=AHEAD,
                    seed=SEED):
  """Inputs: `n_steps` values; targets: `sequence_targets`."""
  series = generate_time_series(n_series, n_steps + ahead, seed)
  return _split(series[:, :n_steps], sequence_targets(series, n_steps, ahead))
