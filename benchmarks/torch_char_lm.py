r"""PyTorch's character LSTM of `benchmarks.char_lm_quality`, on CPU.

The same model, data and training as `train.stateful_seq`'s defaults: the
vocabulary of the text, the end of every file held out
(`tf1seq.data.tbptt.text_batches`), an embedding, a stacked `torch.nn.LSTM`
whose state is carried from one window to the next (reset at every epoch's
start), a linear softmax layer, Adam with the learning rate decayed per
epoch, gradients clipped to a global norm. Validation carries the state
through the held-out windows in order, as the trainer's does.

Never imports TensorFlow: run it with an interpreter that has torch:

  /work/torchvenv/bin/python -m benchmarks.torch_char_lm \
      --text_file='/usr/share/games/fortunes/*.u8' --max_train_seconds=1800 \
      --out=/tmp/torch_char_lm.json
"""

import math
import time

from absl import app
from absl import flags
from absl import logging
import numpy as np
import torch

from benchmarks import common  # pylint: disable=unused-import (--out)
from tf1seq import files
from tf1seq.data import tbptt
from tf1seq.data import text

FLAGS = flags.FLAGS

flags.DEFINE_list("text_file", None, "UTF-8 text files or globs.")
flags.DEFINE_integer("num_layers", 2, "Stacked LSTM layers.")
flags.DEFINE_integer("num_units", 256, "Units per layer.")
flags.DEFINE_integer("embedding_size", 64, "Character embedding width.")
flags.DEFINE_integer("num_steps", 100, "Window length.")
flags.DEFINE_integer("batch_size", 64, "Parallel streams.")
flags.DEFINE_float("validation_fraction", 0.05, "Held out of every file.")
flags.DEFINE_float("learning_rate", 0.002, "Adam's initial learning rate.")
flags.DEFINE_float("learning_rate_decay", 0.95, "Factor per epoch.")
flags.DEFINE_float("max_grad_norm", 5.0, "Global gradient-norm clip.")
flags.DEFINE_float("max_train_seconds", 1800, "Training time budget.")
flags.DEFINE_integer("eval_every", 0, "Evaluate every this many steps (0: "
                     "every epoch); and once when the time is up.")
flags.DEFINE_integer("seed", 1, "Seed of the weights.")
flags.mark_flag_as_required("text_file")

LOG2 = math.log(2.0)


class CharLSTM(torch.nn.Module):
  """Embedding, stacked LSTM, softmax layer."""

  def __init__(self, vocab_size, embedding_size, num_units, num_layers):
    super().__init__()
    self.embedding = torch.nn.Embedding(vocab_size, embedding_size)
    self.lstm = torch.nn.LSTM(embedding_size, num_units, num_layers,
                              batch_first=True)
    self.softmax = torch.nn.Linear(num_units, vocab_size)

  def forward(self, ids, state):
    outputs, state = self.lstm(self.embedding(ids), state)
    return self.softmax(outputs), state


def evaluate(model, batches):
  """Bits per character over the windows in order, the state carried."""
  model.eval()
  total, count, state = 0.0, 0, None
  with torch.no_grad():
    for k in range(batches.num_windows):
      inputs = torch.from_numpy(batches.inputs[k].astype(np.int64))
      targets = torch.from_numpy(batches.targets[k].astype(np.int64))
      logits, state = model(inputs, state)
      total += torch.nn.functional.cross_entropy(
          logits.reshape(-1, logits.shape[-1]), targets.reshape(-1),
          reduction="sum").item()
      count += targets.numel()
  model.train()
  return total / count / LOG2


def train(train_batches, valid_batches, vocab_size):
  """Trains until the time budget; returns the validation curve."""
  torch.manual_seed(FLAGS.seed)
  model = CharLSTM(vocab_size, FLAGS.embedding_size, FLAGS.num_units,
                   FLAGS.num_layers)
  optimizer = torch.optim.Adam(model.parameters(), lr=FLAGS.learning_rate)
  windows = train_batches.num_windows
  eval_every = FLAGS.eval_every or windows
  curve = []
  started = time.time()
  step, state = 0, None
  while True:
    epoch, window = divmod(step, windows)
    if window == 0:
      state = None
      for group in optimizer.param_groups:
        group["lr"] = FLAGS.learning_rate * FLAGS.learning_rate_decay ** epoch
    inputs = torch.from_numpy(train_batches.inputs[window].astype(np.int64))
    targets = torch.from_numpy(
        train_batches.targets[window].astype(np.int64))
    logits, state = model(inputs, state)
    state = tuple(s.detach() for s in state)
    loss = torch.nn.functional.cross_entropy(
        logits.reshape(-1, vocab_size), targets.reshape(-1))
    optimizer.zero_grad()
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), FLAGS.max_grad_norm)
    optimizer.step()
    step += 1
    out_of_time = time.time() - started >= FLAGS.max_train_seconds
    if step % eval_every == 0 or out_of_time:
      bits = evaluate(model, valid_batches)
      curve.append({"step": step, "epoch": step / windows,
                    "wall_time_sec": time.time() - started,
                    "validation_bits_per_char": bits})
      logging.info("step %d (epoch %.2f, %.0f s): validation %.4f bits/char",
                   step, step / windows, curve[-1]["wall_time_sec"], bits)
    if out_of_time:
      return curve


def main(argv):
  del argv  # Unused.
  pieces = text.read_texts(FLAGS.text_file)
  vocab = text.Vocabulary.from_text("".join(pieces))
  train_batches, valid_batches = tbptt.text_batches(
      pieces, vocab, FLAGS.batch_size, FLAGS.batch_size, FLAGS.num_steps,
      FLAGS.validation_fraction, "each_file")
  curve = train(train_batches, valid_batches, vocab.size)
  result = {"variant": "torch", "torch_version": torch.__version__,
            "threads": torch.get_num_threads(), "curve": curve}
  if FLAGS.out:
    files.write_json_atomically(FLAGS.out, result, sort_keys=False)
  print(curve[-1]["validation_bits_per_char"])


if __name__ == "__main__":
  app.run(main)
