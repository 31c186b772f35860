"""End-to-end tests of train.stateful_seq: state modes, long memory, serving."""

import json
import os
import subprocess
import sys

from absl import app
from absl import logging
from absl.testing import flagsaver
from absl.testing import parameterized
import numpy as np
import tensorflow as tf

from tf1seq import rnn
from tf1seq import state
from tf1seq.data import long_memory
from tf1seq.data import tbptt
from tf1seq.data import text
from train import char_lm_eval
from train import char_lm_model
from train import char_lm_serving
from train import stateful_seq

stateful_seq.define_flags()  # main() is called in-process below.

# Real UTF-8 text (with non-ASCII characters), long enough for tiny models.
TEXT = ("It was the best of times, it was the worst of times; café, naïve "
        "— and the season of Light, it was the season of Darkness.\n") * 12
FLAGS_OF_TINY_MODEL = dict(num_units=16, num_layers=2, embedding_size=8,
                           num_steps=5, batch_size=4, learning_rate=0.01,
                           learning_rate_decay=1.0, log_every=5,
                           save_checkpoint_steps=1000,
                           validation_fraction=0.1)

# Loads the SavedModel in a fresh process and runs `step` one id at a time.
STEP_SCRIPT = r"""
import sys
import numpy as np
import tensorflow as tf
path, ids_file, out_file = sys.argv[1:]
ids = np.load(ids_file)
model = tf.saved_model.load(path)
step = model.signatures["step"]
carried = model.signatures["zero_state"](
    batch_size=tf.constant(ids.shape[0]))
logits, probabilities = [], []
for t in range(ids.shape[1]):
  out = step(inputs=tf.constant(ids[:, t:t + 1]), **carried)
  logits.append(out.pop("logits").numpy())
  probabilities.append(out.pop("probabilities").numpy())
  carried = out
np.savez(out_file, logits=np.concatenate(logits, 1),
         probabilities=np.concatenate(probabilities, 1),
         **{name: value.numpy() for name, value in carried.items()})
"""


class ModelTest(tf.test.TestCase):

  def test_variable_names_and_shapes(self):
    config = char_lm_model.test_config(11, state_mode="variable")
    with tf.Graph().as_default():
      char_lm_model.build_models(config)
      shapes = {v.op.name: v.shape.as_list()
                for v in tf.compat.v1.global_variables()}
      local = [v.op.name for v in tf.compat.v1.local_variables()]
    cell = "rnn/multi_rnn_cell/cell_%d/basic_lstm_cell/"
    self.assertDictContainsSubset({
        "embedding/embeddings": [11, 8],
        cell % 0 + "kernel": [8 + 16, 64], cell % 0 + "bias": [64],
        cell % 1 + "kernel": [32, 64], cell % 1 + "bias": [64],
        "softmax/kernel": [16, 11], "softmax/bias": [11],
        "global_step": []}, shapes)
    self.assertFalse([n for n in shapes if "state" in n])
    self.assertEqual(local, [
        "train_state/state_c_0", "train_state/state_h_0",
        "train_state/state_c_1", "train_state/state_h_1",
        "validation_state/state_c_0", "validation_state/state_h_0",
        "validation_state/state_c_1", "validation_state/state_h_1"])


class TrainTest(tf.test.TestCase, parameterized.TestCase):

  def _text_batches(self, config):
    vocab = text.Vocabulary.from_text(TEXT)
    return vocab, tbptt.text_batches(
        TEXT, vocab, config.batch_size, config.eval_batch_size,
        config.num_steps, 0.1)

  def test_feed_and_variable_modes_train_identically(self):
    results = {}
    for mode in ("feed", "variable", "stateless"):
      config = char_lm_model.test_config(1, state_mode=mode)
      vocab, (train_batches, valid_batches) = self._text_batches(config)
      config.vocab_size = vocab.size
      metrics = stateful_seq.train(
          config, train_batches, valid_batches,
          self.create_tempdir().full_path, 12, eval_every=6, log_every=6)
      results[mode] = [h["validation_bits_per_char"]
                       for h in metrics["history"]]
    self.assertAllClose(results["feed"], results["variable"], rtol=0,
                        atol=1e-6)
    self.assertNotAllClose(results["feed"], results["stateless"])

  def test_long_memory_needs_the_carried_state(self):
    accuracy = {}
    for mode in ("feed", "stateless"):
      vocab, train_batches, valid_batches = long_memory.long_memory_batches(
          16, 16, 6, 64, seed=1)
      config = char_lm_model.Config(
          vocab.size, num_units=32, num_layers=1, embedding_size=8,
          num_steps=6, batch_size=16, learning_rate=0.01,
          learning_rate_decay=1.0, state_mode=mode)
      metrics = stateful_seq.train(
          config, train_batches, valid_batches,
          self.create_tempdir().full_path, 384, log_every=1000)
      accuracy[mode] = metrics["validation_accuracy"]
    logging.info("long memory accuracy: %s", accuracy)
    self.assertGreaterEqual(accuracy["feed"], 0.95)
    # 16 x 16 episodes of 6 recall steps: chance is 50% +- 3%.
    self.assertBetween(accuracy["stateless"], 0.35, 0.65)

  def test_long_memory_key_is_only_in_the_earlier_window(self):
    _, inputs, targets, _, far = long_memory.long_memory_data(5, 4, 0)
    episodes = inputs.reshape(5, 8)
    self.assertTrue(np.all(episodes[:, 0] < 2))  # Keys "a", "b".
    self.assertTrue(np.all(episodes[:, 1:] >= 2))  # Noise only.
    self.assertAllEqual(targets.reshape(5, 8),
                        np.repeat(episodes[:, :1], 8, axis=1))
    self.assertAllEqual(far.reshape(5, 8)[0], [0, 0, 0, 0, 1, 1, 1, 1])


class MainTest(tf.test.TestCase):

  def _text_file(self, body=TEXT, encoding="utf-8", name="text.txt"):
    directory = self.create_tempdir()
    path = os.path.join(directory.full_path, name)
    with open(path, "wb") as f:
      f.write(body.encode(encoding) if isinstance(body, str) else body)
    return path

  def _main(self, **overrides):
    flag_values = dict(FLAGS_OF_TINY_MODEL)
    flag_values.update(overrides)
    with flagsaver.flagsaver(**flag_values):
      stateful_seq.main([])

  def test_trains_resumes_samples_and_serves_step_by_step(self):
    model_dir = self.create_tempdir().full_path
    export_dir = os.path.join(model_dir, "export")
    text_file = self._text_file()
    self._main(text_file=[text_file], model_dir=model_dir, train_steps=10)
    self._main(text_file=[text_file], model_dir=model_dir, train_steps=20,
               sample=True, prompt="It was", sample_length=30,
               export_dir=export_dir)
    with open(os.path.join(model_dir, "metrics.json")) as f:
      metrics = json.load(f)
    self.assertEqual(metrics["global_step"], 20)
    self.assertEqual(metrics["checkpoint"],
                     os.path.join(model_dir, "model.ckpt-20"))
    self.assertEqual(metrics["steps_this_run"], 10)
    self.assertTrue(metrics["sample"].startswith("It was"))
    self.assertLen(metrics["sample"], 36)
    self.assertGreater(metrics["chars_per_sec"], 0)
    self.assertLess(metrics["validation_bits_per_char"], 7)
    vocab = text.Vocabulary.load(
        os.path.join(model_dir, "vocab.json"))
    self.assertEqual(vocab, text.Vocabulary.from_text(TEXT))
    self.assertEqual(metrics["export_path"], os.path.join(export_dir, "1"))
    self.assertTrue(os.path.exists(os.path.join(export_dir, "1", "assets",
                                                "vocab.json")))

    # The full-sequence graph from the checkpoint.
    config = char_lm_model.Config(vocab.size, **{
        k: v for k, v in FLAGS_OF_TINY_MODEL.items()
        if k in ("num_units", "num_layers", "embedding_size")})
    ids = np.stack([vocab.encode("It was the best"),
                    vocab.encode("season of Light")])
    with tf.Graph().as_default() as graph:
      model = char_lm_serving.StepModel(config)
      saver = tf.compat.v1.train.Saver()
      with tf.compat.v1.Session(graph=graph) as session:
        saver.restore(session, tf.train.latest_checkpoint(model_dir))
        logits, probabilities, final_state = session.run(
            [model.logits, model.probabilities, model.final_state],
            {model.inputs: ids})
      names = state.state_names(model.state_size)
    self.assertEqual(names, ["state_c_0", "state_h_0", "state_c_1",
                             "state_h_1"])

    # The `step` signature, one id at a time, in a fresh process.
    ids_file = os.path.join(self.create_tempdir().full_path, "ids.npy")
    out_file = ids_file.replace("ids.npy", "out.npz")
    np.save(ids_file, ids)
    result = subprocess.run(
        [sys.executable, "-c", STEP_SCRIPT, metrics["export_path"],
         ids_file, out_file], capture_output=True, text=True, timeout=300)
    self.assertEqual(result.returncode, 0, result.stderr[-3000:])
    served = np.load(out_file)
    self.assertLessEqual(np.abs(served["logits"] - logits).max(), 1e-5)
    self.assertLessEqual(
        np.abs(served["probabilities"] - probabilities).max(), 1e-5)
    for name, value in zip(names, tf.nest.flatten(final_state)):
      self.assertLessEqual(np.abs(served[name] - value).max(), 1e-5)

  def test_bad_inputs_fail_clearly_and_keep_what_was_saved(self):
    model_dir = self.create_tempdir()
    model_dir.create_file("vocab.json", '{"characters": ["a", "b"]}')
    model_dir.create_file("checkpoint", "kept")
    before = {name: open(os.path.join(model_dir.full_path, name)).read()
              for name in os.listdir(model_dir.full_path)}
    cases = [
        (self._text_file("ab" * 10), r"the training text \(18 characters; "
         r"20 in all\) is too short: the stream has 18 elements, fewer than "
         r"batch_size \* num_steps \+ 1 = 4 \* 5 \+ 1 = 21"),
        (self._text_file(""), r"text file .*text\.txt is empty"),
        (self._text_file(b"ab\xff" * 50), r"text file .*text\.txt is not "
         r"valid UTF-8: byte 2 \(0xff\)"),
        (self._text_file("abc" * 50), r"text has 1 characters not in the "
         r"vocabulary of 2: 'c'"),
    ]
    for text_file, message in cases:
      with self.assertRaisesRegex(app.UsageError, message):
        self._main(text_file=[text_file], model_dir=model_dir.full_path)
    after = {name: open(os.path.join(model_dir.full_path, name)).read()
             for name in os.listdir(model_dir.full_path)}
    self.assertEqual(before, after)

  def test_eval_text_file_scores_like_validation_and_writes_nothing(self):
    model_dir = self.create_tempdir().full_path
    self._main(text_file=[self._text_file()], model_dir=model_dir,
               train_steps=10)
    with open(os.path.join(model_dir, "metrics.json")) as f:
      metrics = json.load(f)
    # The validation text as a file of its own: the same batches, so the
    # same figure as the trainer's final validation.
    vocab = text.Vocabulary.load(os.path.join(model_dir, "vocab.json"))
    _, valid_ids = text.split_train_validation(
        vocab.encode(TEXT), FLAGS_OF_TINY_MODEL["validation_fraction"])
    valid_file = self._text_file(vocab.decode(valid_ids), name="valid.txt")
    other_file = self._text_file(TEXT[:60], name="other.txt")
    before = sorted(os.listdir(model_dir))
    results = char_lm_eval.evaluate_text_files(
        model_dir, [valid_file, other_file],
        lambda size: char_lm_model.Config(size, **{
            k: v for k, v in FLAGS_OF_TINY_MODEL.items()
            if k in ("num_units", "num_layers", "embedding_size",
                     "num_steps", "batch_size")}))
    self.assertEqual([r["file"] for r in results], [valid_file, other_file])
    self.assertEqual(results[0]["characters"], len(valid_ids))
    self.assertAllClose(results[0]["bits_per_char"],
                        metrics["validation_bits_per_char"], rtol=1e-6)
    self.assertAllClose(results[0]["accuracy"],
                        metrics["validation_accuracy"], rtol=1e-6)
    self.assertNotAlmostEqual(results[1]["bits_per_char"],
                              results[0]["bits_per_char"], places=3)
    with self.assertLogs(level="INFO") as logs:
      self._main(eval_text_file=[valid_file], model_dir=model_dir)
    self.assertRegex("\n".join(logs.output),
                     r"valid\.txt: %.4f bits/char, accuracy %.4f \(%d "
                     r"characters\)" % (results[0]["bits_per_char"],
                                        results[0]["accuracy"],
                                        len(valid_ids)))
    self.assertEqual(sorted(os.listdir(model_dir)), before)

    # Errors name the problem; nothing is written.
    for overrides, message in [
        (dict(eval_text_file=[self._text_file("xyz" * 40)]),
         r"text\.txt: text has 3 characters not in the vocabulary"),
        (dict(eval_text_file=[self._text_file(TEXT[:8])]),
         r"text\.txt: the stream has 8 elements, fewer than"),
        (dict(eval_text_file=[valid_file], num_units=8),
         r"written by a different model.*--num_units"),
        (dict(eval_text_file=[valid_file],
              model_dir=self.create_tempdir().full_path),
         r"has no vocab\.json: not a trained model's directory"),
    ]:
      with self.assertRaisesRegex(app.UsageError, message):
        self._main(**dict(dict(model_dir=model_dir), **overrides))
    self.assertEqual(sorted(os.listdir(model_dir)), before)

  def test_validation_from_each_file(self):
    files = [self._text_file(TEXT, name="first.txt"),
             self._text_file(TEXT.upper(), name="second.txt")]
    model_dir = self.create_tempdir().full_path
    self._main(text_file=files, model_dir=model_dir, train_steps=6,
               validation_from="each_file")
    with open(os.path.join(model_dir, "metrics.json")) as f:
      metrics = json.load(f)
    self.assertEqual(metrics["flags"]["validation_from"], "each_file")
    # Validation is the end of both files: scored as one file, the same.
    vocab = text.Vocabulary.load(os.path.join(model_dir, "vocab.json"))
    _, valid_ids = text.split_each_train_validation(
        [vocab.encode(TEXT), vocab.encode(TEXT.upper())],
        FLAGS_OF_TINY_MODEL["validation_fraction"])
    valid_text = vocab.decode(valid_ids)
    self.assertTrue(valid_text.endswith(TEXT.upper()[-20:]))
    self.assertIn(TEXT[-len(TEXT) // 10:], valid_text)
    [result] = char_lm_eval.evaluate_text_files(
        model_dir, [self._text_file(valid_text, name="valid.txt")],
        lambda size: char_lm_model.Config(size, **{
            k: v for k, v in FLAGS_OF_TINY_MODEL.items()
            if k in ("num_units", "num_layers", "embedding_size",
                     "num_steps", "batch_size")}))
    self.assertAllClose(result["bits_per_char"],
                        metrics["validation_bits_per_char"], rtol=1e-6)

  def test_noxla_trains_to_the_same_figures(self):
    text_file = self._text_file()
    metrics = []
    try:
      for xla in (True, False):
        model_dir = self.create_tempdir().full_path
        self._main(text_file=[text_file], model_dir=model_dir,
                   train_steps=6, xla=xla)
        self.assertEqual(rnn.xla_enabled(), xla)
        with open(os.path.join(model_dir, "metrics.json")) as f:
          metrics.append(json.load(f))
    finally:
      rnn.set_xla(True)
    self.assertAllClose(metrics[0]["validation_bits_per_char"],
                        metrics[1]["validation_bits_per_char"], rtol=1e-5)
    self.assertAllClose([h["train_bits_per_char"] for h in
                         metrics[0]["history"]],
                        [h["train_bits_per_char"] for h in
                         metrics[1]["history"]], rtol=1e-5)

  def test_unknown_prompt_character(self):
    with self.assertRaisesRegex(app.UsageError, r"not in the vocabulary.*"
                                r"'Z'"):
      self._main(text_file=[self._text_file()], sample=True, prompt="Zut",
                 model_dir=self.create_tempdir().full_path)

  def test_other_model_in_model_dir(self):
    model_dir = self.create_tempdir().full_path
    text_file = self._text_file()
    self._main(text_file=[text_file], model_dir=model_dir, train_steps=2)
    with self.assertRaisesRegex(app.UsageError,
                                r"written by a different model.*"
                                r"--num_units"):
      self._main(text_file=[text_file], model_dir=model_dir, train_steps=4,
                 num_units=8)


if __name__ == "__main__":
  tf.test.main()
