"""Batches for truncated backpropagation through time (TBPTT).

A long stream (token ids, or aligned arrays) is cut into `batch_size`
parallel streams, each a contiguous stretch of the original, and these into
windows of `num_steps`, so that row i of window k+1 continues row i of
window k: a model that carries its state from one batch to the next reads
each stream in order. Nothing is shuffled. What does not fill a whole
window is dropped, and the count is reported (`Batches.num_dropped`).

For a language model (`language_model_batches`) the inputs are ids
`[0, N - 1)` and the targets ids `[1, N)`, each cut into `batch_size` rows
of `L = (N - 1) // batch_size`: row i of the inputs is ids `[i * L, (i + 1)
* L)`, of the targets the same plus one, so `batch_size * num_steps + 1`
ids make one window (TF1's `ptb_producer` cuts the ids first and needs
`batch_size * (num_steps + 1)`).

Usage:

  batches = tbptt.language_model_batches(ids, batch_size=32, num_steps=100)
  for k in range(batches.num_windows):
    x, y = batches.inputs[k], batches.targets[k]  # [32, 100] each.
  logging.info("dropped %d of %d ids", batches.num_dropped, len(ids))

  # Aligned arrays (inputs, targets, weights) of a batch of long series:
  batches = tbptt.aligned_batches([x, y, w], batch_size=32, num_steps=10)
"""

import collections

import numpy as np

from tf1seq.data import text


class Batches(collections.namedtuple(
    "Batches",
    ("inputs", "targets", "weights", "num_dropped", "stream_length"))):
  """TBPTT windows.

  Attributes:
    inputs: `[num_windows, batch_size, num_steps, ...]`.
    targets: the same shape (None if not made).
    weights: the same shape (None if not given).
    num_dropped: how many elements of the original stream are in no
      window's inputs (the remainder).
    stream_length: the length of each of the `batch_size` streams used.
  """

  @property
  def num_windows(self):
    return self.inputs.shape[0]

  @property
  def batch_size(self):
    return self.inputs.shape[1]

  @property
  def num_steps(self):
    return self.inputs.shape[2]


def _check_positive(name, value):
  if isinstance(value, bool) or not isinstance(
      value, (int, np.integer)) or value <= 0:
    raise ValueError("%s must be a positive int, got %r" % (name, value))


def split_streams(data, batch_size):
  """Cuts `data` along axis 0 into `batch_size` contiguous streams.

  Args:
    data: an array `[N, ...]`.
    batch_size: the number of streams.

  Returns:
    `(streams, num_dropped)`: `streams` is `[batch_size, N // batch_size,
    ...]`, row i being `data[i * L:(i + 1) * L]`; the last `N % batch_size`
    elements are dropped.

  Raises:
    ValueError: if `batch_size` is not positive or `data` is shorter.
  """
  _check_positive("batch_size", batch_size)
  data = np.asarray(data)
  if data.ndim == 0 or len(data) < batch_size:
    raise ValueError("data must have at least batch_size=%d elements, got "
                     "shape %s" % (batch_size, list(data.shape)))
  length = len(data) // batch_size
  streams = data[:batch_size * length].reshape(
      (batch_size, length) + data.shape[1:])
  return streams, len(data) - batch_size * length


def windows(streams, num_steps, num_windows=None):
  """Cuts `[batch, T, ...]` streams into `[num_windows, batch, num_steps, ...]`.

  Args:
    streams: an array `[batch, T, ...]` (e.g. from `split_streams`, or a
      batch of long series).
    num_steps: the window length.
    num_windows: how many windows to take; default `T // num_steps`.

  Returns:
    A contiguous array; window k is `streams[:, k * num_steps:(k + 1) *
    num_steps]`.

  Raises:
    ValueError: if `streams` has fewer than two dimensions or is shorter
      than one window.
  """
  _check_positive("num_steps", num_steps)
  streams = np.asarray(streams)
  if streams.ndim < 2:
    raise ValueError("streams must have shape [batch, time, ...], got %s" %
                     list(streams.shape))
  if num_windows is None:
    num_windows = streams.shape[1] // num_steps
  if num_windows <= 0 or num_windows * num_steps > streams.shape[1]:
    raise ValueError("streams of %d steps hold no %d windows of num_steps=%d"
                     % (streams.shape[1], max(num_windows, 1), num_steps))
  batch = streams.shape[0]
  cut = streams[:, :num_windows * num_steps]
  cut = cut.reshape((batch, num_windows, num_steps) + streams.shape[2:])
  return np.ascontiguousarray(np.swapaxes(cut, 0, 1))


def language_model_batches(ids, batch_size, num_steps):
  """Inputs and next-id targets of a token stream, in TBPTT windows.

  Args:
    ids: a 1-D sequence of ids (or an `[N, ...]` array).
    batch_size: parallel streams.
    num_steps: window length.

  Returns:
    `Batches` whose `targets[k][i, t]` is the id after `inputs[k][i, t]` in
    the stream; `num_dropped` counts the ids that are no window's input.

  Raises:
    ValueError: if `ids` has fewer than `batch_size * num_steps + 1`
      elements (not one whole window with its targets).
  """
  _check_positive("batch_size", batch_size)
  _check_positive("num_steps", num_steps)
  ids = np.asarray(ids)
  needed = batch_size * num_steps + 1
  if ids.ndim == 0 or len(ids) < needed:
    raise ValueError(
        "the stream has %d elements, fewer than batch_size * num_steps + 1 = "
        "%d * %d + 1 = %d needed for one window" %
        (0 if ids.ndim == 0 else len(ids), batch_size, num_steps, needed))
  batches = aligned_batches([ids[:-1], ids[1:]], batch_size, num_steps)
  used = batches.num_windows * batch_size * num_steps
  # The last id is a target only; it counts as dropped from the inputs.
  return batches._replace(num_dropped=len(ids) - used)


def aligned_batches(arrays, batch_size, num_steps):
  """TBPTT windows of aligned arrays (inputs, targets[, weights]).

  Args:
    arrays: a list of 1 to 3 arrays `[N, ...]` of the same length N, cut
      the same way; the second (if any) is `targets`, the third `weights`.
    batch_size: parallel streams.
    num_steps: window length.

  Returns:
    `Batches`; `num_dropped` counts the elements of each array in no
    window.

  Raises:
    ValueError: if the arrays differ in length or hold no whole window.
  """
  _check_positive("batch_size", batch_size)
  _check_positive("num_steps", num_steps)
  arrays = [np.asarray(a) for a in arrays]
  if not 1 <= len(arrays) <= 3:
    raise ValueError("arrays must be 1 to 3 arrays, got %d" % len(arrays))
  lengths = [len(a) if a.ndim else 0 for a in arrays]
  if len(set(lengths)) != 1:
    raise ValueError("arrays must have the same length, got %s" % lengths)
  if lengths[0] < batch_size * num_steps:
    raise ValueError(
        "the arrays have %d elements, fewer than batch_size * num_steps = "
        "%d * %d = %d needed for one window" %
        (lengths[0], batch_size, num_steps, batch_size * num_steps))
  cut = []
  for array in arrays:
    streams, _ = split_streams(array, batch_size)
    cut.append(windows(streams, num_steps))
  num_windows = cut[0].shape[0]
  cut += [None] * (3 - len(cut))
  used = batch_size * num_windows * num_steps
  return Batches(cut[0], cut[1], cut[2], lengths[0] - used,
                 lengths[0] // batch_size)


def text_batches(corpus, vocab, batch_size, eval_batch_size, num_steps,
                 validation_fraction, validation_from="each_file"):
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
    train_batches = language_model_batches(train_ids, batch_size,
                                                 num_steps)
  except ValueError as e:
    raise ValueError("the training text (%d characters; %d in all) is too "
                     "short: %s" % (len(train_ids), len(ids), e)) from None
  try:
    valid_batches = language_model_batches(valid_ids, eval_batch_size,
                                                 num_steps)
  except ValueError as e:
    raise ValueError(
        "the validation text (%d characters, --validation_fraction of %s) "
        "is too short: %s" % (len(valid_ids), "the text's end" if
                              validation_from == "end" else "every file's",
                              e)) from None
  return train_batches, valid_batches
