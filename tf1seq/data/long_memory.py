"""The long-memory task: the deciding value only in an earlier window.

A synthetic stream for stateful sequence models: a model that carries its
state across truncated-backpropagation windows can solve it, one that
starts every window from zeros is at chance.

Usage:

  from tf1seq.data import long_memory
  vocab, train_batches, valid_batches = long_memory.long_memory_batches(
      batch_size=32, eval_batch_size=32, num_steps=20,
      episodes_per_stream=256, seed=1)
"""

import numpy as np

from tf1seq.data import tbptt
from tf1seq.data import text

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
