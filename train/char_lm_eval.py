"""Scores a trained character LM on other text, file by file.

The evaluate-only mode of `train.stateful_seq` (`--eval_text_file`):
bits/char and accuracy per file, the state carried through each file as in
validation. Nothing is trained or written.

Usage:

  results = char_lm_eval.evaluate_text_files(
      model_dir, ["/usr/share/games/fortunes/zippy"],
      lambda vocab_size: Config.from_flags(FLAGS, vocab_size))
"""

import os

import tensorflow as tf

from tf1seq.data import tbptt
from tf1seq.data import text

from . import char_lm_model
from . import checkpoints

VOCAB_FILE = "vocab.json"


def evaluate_text_files(model_dir, patterns, make_config, graph_flags=""):
  """Bits/char and accuracy of the model in `model_dir` on each file.

  Args:
    model_dir: a trained model's directory (checkpoint and vocab.json).
    patterns: files or globs, as `--text_file`.
    make_config: `vocab_size -> Config`, the graph settings as trained
      (`eval_batch_size` and `num_steps` shape the evaluation).
    graph_flags: the flags that shape the variables, named if the
      checkpoint does not fit.

  Returns:
    A list of `{"file", "characters", "bits_per_char", "accuracy"}`, one
    per file, in order.

  Raises:
    ValueError: if model_dir has no checkpoint or vocabulary, or a file is
      unreadable, too short or has characters the vocabulary lacks (each
      message naming the file).
    checkpoints.IncompatibleCheckpointError: if the graph flags differ from the
      checkpoint's.
  """
  vocab_path = os.path.join(model_dir, VOCAB_FILE)
  if not tf.io.gfile.exists(vocab_path):
    raise ValueError("%s has no %s: not a trained model's directory" %
                     (model_dir, VOCAB_FILE))
  vocab = text.Vocabulary.load(vocab_path)
  config = make_config(vocab.size)
  files = []
  for path in text.expand_patterns(patterns):
    try:
      ids = vocab.encode(text.read_text([path]))
      batches = tbptt.language_model_batches(ids, config.eval_batch_size,
                                             config.num_steps)
    except ValueError as e:
      raise ValueError("%s: %s" % (path, e)) from None
    files.append((path, len(ids), batches))
  results = []
  with tf.Graph().as_default() as graph:
    _, valid_model = char_lm_model.build_models(config)
    checkpoint = checkpoints.check_checkpoint_compatible(model_dir, graph,
                                                  graph_flags)
    if checkpoint is None:
      raise ValueError("%s has no checkpoint to evaluate" % model_dir)
    saver = tf.compat.v1.train.Saver()
    with tf.compat.v1.Session(graph=graph) as session:
      session.run(tf.compat.v1.local_variables_initializer())
      saver.restore(session, checkpoint)
      for path, characters, batches in files:
        bits, accuracy = char_lm_model.evaluate(session, valid_model,
                                                batches)
        results.append({"file": path, "characters": characters,
                        "bits_per_char": bits, "accuracy": accuracy})
  return results
