"""Writes tests/testdata/nmt_attention/: the attention NMT program in TF 1.15.

Run with TensorFlow 1.15 (it has tf.contrib):

  /work/tf115/bin/python tests/testdata/make_nmt_attention_fixtures.py

Trains tests/legacy_scripts/nmt_attention.py, unmodified, under TensorFlow
1.15 for a few steps (a small model, short of perfect so that its mistakes
are informative), and keeps its checkpoint (without the .meta graph), its
output (accuracies of greedy and beam search) and its greedy and beam
translations of the held-out strings. tf1seq must restore that checkpoint in
`--mode=infer` and translate every string the same way.
"""

import glob
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(os.path.dirname(HERE), "legacy_scripts",
                      "nmt_attention.py")
OUT = os.path.join(HERE, "nmt_attention")
# The model flags; nmt_attention_test.py passes the same ones.
FLAGS = ["--num_units=16", "--embedding_size=8", "--learning_rate=0.02",
         "--num_test=300"]
TRAIN_STEPS = 80


def main():
  workdir = tempfile.mkdtemp()
  try:
    model_dir = os.path.join(workdir, "model")
    output = subprocess.check_output(
        [sys.executable, SCRIPT, "--mode=train", "--out_dir=" + model_dir,
         "--train_steps=%d" % TRAIN_STEPS,
         "--translations_file=" + os.path.join(workdir, "translations")] +
        FLAGS, universal_newlines=True)
    if os.path.isdir(OUT):
      shutil.rmtree(OUT)
    os.makedirs(OUT)
    for path in glob.glob(os.path.join(model_dir, "model.ckpt-*")):
      if not path.endswith(".meta"):
        shutil.copy(path, OUT)
    # The checkpoint index with a path relative to its directory.
    with open(os.path.join(OUT, "checkpoint"), "w") as f:
      f.write('model_checkpoint_path: "model.ckpt-%d"\n' % TRAIN_STEPS)
    for suffix in (".greedy", ".beam"):
      shutil.copy(os.path.join(workdir, "translations" + suffix), OUT)
    with open(os.path.join(OUT, "tf115_output.txt"), "w") as f:
      f.write(output)
    print(output)
  finally:
    shutil.rmtree(workdir)


if __name__ == "__main__":
  main()
