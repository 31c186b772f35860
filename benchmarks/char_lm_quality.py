r"""The character LM's time to quality: tf1seq's trainer against PyTorch.

Both get the same text, vocabulary, validation split (the end of every
file), model (embedding 64, 2 x 256 LSTM, softmax), batch (64 streams of
100-character windows with the state carried), optimiser (Adam 0.002,
x0.95 per epoch, gradients clipped to norm 5) and wall-time budget, one
after the other on the same machine, never at the same time; each prints
its validation bits per character every `--eval_every` steps. The result
is both curves and the time tf1seq needs to reach PyTorch's final figure.

  python -m benchmarks.char_lm_quality \
      --text_file='/usr/share/games/fortunes/*.u8' --seconds=1800 \
      --out=/tmp/char_lm_quality.json

Imports neither TensorFlow nor PyTorch: each side runs in its own process.
"""

import json
import os
import subprocess
import sys
import tempfile

from absl import app
from absl import flags
from absl import logging

from benchmarks import common
from tf1seq import files

FLAGS = flags.FLAGS

flags.DEFINE_list("text_file", None, "UTF-8 text files or globs.")
flags.DEFINE_float("seconds", 1800, "Wall-time budget of each side.")
flags.DEFINE_integer("eval_every", 500, "Validation every this many steps.")
flags.DEFINE_string("torch_python", None, "Interpreter with torch; default "
                    "$TORCH_PYTHON, then %s." %
                    ", ".join(common.TORCH_PYTHON_CANDIDATES))
flags.DEFINE_string("work_dir", None, "Model directory and logs; default a "
                    "new temporary directory.")
flags.mark_flag_as_required("text_file")

# What both sides share (the trainer's defaults, spelled out).
SHARED = ["--num_layers=2", "--num_units=256", "--embedding_size=64",
          "--num_steps=100", "--batch_size=64", "--learning_rate=0.002",
          "--learning_rate_decay=0.95", "--max_grad_norm=5",
          "--validation_fraction=0.05"]


def run_tf1seq(work_dir):
  """Trains `train.stateful_seq`; returns its validation curve."""
  model_dir = os.path.join(work_dir, "tf1seq")
  command = [sys.executable, "-m", "train.stateful_seq",
             "--text_file=" + ",".join(FLAGS.text_file),
             "--model_dir=" + model_dir, "--validation_from=each_file",
             "--max_train_seconds=%g" % FLAGS.seconds, "--epochs=1000",
             "--eval_every=%d" % FLAGS.eval_every,
             "--save_checkpoint_steps=100000"] + SHARED
  _run(command, os.path.join(work_dir, "tf1seq.log"))
  history = files.read_json(os.path.join(model_dir, "metrics.json"))
  return [{key: entry[key] for key in ("step", "epoch", "wall_time_sec",
                                       "validation_bits_per_char")}
          for entry in history["history"]]


def run_torch(work_dir, torch_python):
  """Trains `benchmarks.torch_char_lm`; returns its validation curve."""
  out = os.path.join(work_dir, "torch.json")
  command = [torch_python, "-m", "benchmarks.torch_char_lm",
             "--text_file=" + ",".join(FLAGS.text_file),
             "--max_train_seconds=%g" % FLAGS.seconds,
             "--eval_every=%d" % FLAGS.eval_every, "--out=" + out] + [
                 flag for flag in SHARED]
  _run(command, os.path.join(work_dir, "torch.log"))
  return files.read_json(out)["curve"]


def _run(command, log_path):
  logging.info("running %s (log %s)", " ".join(command), log_path)
  with open(log_path, "w") as log:
    code = subprocess.call(command, stdout=log, stderr=subprocess.STDOUT,
                           cwd=common.REPO_ROOT,
                           env=common.quiet_environment())
  if code:
    raise RuntimeError("%s exited with %d; see %s" % (command[2], code,
                                                      log_path))


def time_to_reach(curve, bits):
  """The first wall time at which `curve` is at or below `bits`, or None."""
  for entry in curve:
    if entry["validation_bits_per_char"] <= bits:
      return entry["wall_time_sec"]
  return None


def main(argv):
  del argv  # Unused.
  torch_python = common.python_that_imports(
      "torch, numpy, absl.app",
      [FLAGS.torch_python, os.environ.get("TORCH_PYTHON")] +
      list(common.TORCH_PYTHON_CANDIDATES))
  if not torch_python:
    raise app.UsageError("no interpreter imports torch; install it: %s" %
                         common.TORCH_INSTALL)
  work_dir = FLAGS.work_dir or tempfile.mkdtemp(prefix="char_lm_quality_")
  os.makedirs(work_dir, exist_ok=True)
  curves = {"torch": run_torch(work_dir, torch_python),
            "tf1seq": run_tf1seq(work_dir)}
  target = curves["torch"][-1]["validation_bits_per_char"]
  result = {"seconds": FLAGS.seconds, "eval_every": FLAGS.eval_every,
            "text_file": FLAGS.text_file, "curves": curves,
            "torch_final_bits_per_char": target,
            "tf1seq_final_bits_per_char":
                curves["tf1seq"][-1]["validation_bits_per_char"],
            "tf1seq_seconds_to_torch_final": time_to_reach(curves["tf1seq"],
                                                           target)}
  for name, curve in curves.items():
    print("%s: %s" % (name, ", ".join(
        "%.0fs %.3f" % (e["wall_time_sec"], e["validation_bits_per_char"])
        for e in curve)))
  print("PyTorch's final %.4f bits/char; tf1seq's final %.4f; tf1seq "
        "reaches PyTorch's final at %s" % (
            target, result["tf1seq_final_bits_per_char"],
            "never" if result["tf1seq_seconds_to_torch_final"] is None else
            "%.0f s" % result["tf1seq_seconds_to_torch_final"]))
  if FLAGS.out:
    files.write_json_atomically(FLAGS.out, result, sort_keys=False)
  print(json.dumps({k: v for k, v in result.items() if k != "curves"}))


if __name__ == "__main__":
  app.run(main)
