r"""Three forms of the unrolled LSTM step, timed in one process.

The question behind the serving graph's form: does anything beat one gate
matmul per step followed by a `Split` of the gates? Batch 128, 128 units,
28 steps of 28 inputs (the MNIST row-LSTM), fixed random weights; every
form's final h must equal the first's.
  split       [B, 4n] gate matmul, then `tf.split` into i, j, f, o.
  gate_major  weights as [4, n, n]: a batched matmul gives [4, B, n], whose
              `unstack` along the first axis needs no copy.
  four_mm     four [n, n] matmuls per step, one per gate, no split.
Medians of 60 interleaved calls each.

  python -m benchmarks.lstm_step_forms
"""

import time

import numpy as np
import tensorflow as tf

B, N, T, D = 128, 128, 28, 28  # Batch, units, steps, inputs per step.


def _forms(wi, wr, b):
  """The three forms over the same weights; each returns the final h."""

  def projected(x):  # [T, B, 4N]
    rows = tf.reshape(tf.transpose(x, [1, 0, 2]), [-1, D])
    return tf.reshape(tf.nn.bias_add(tf.matmul(rows, wi), b), [T, B, 4 * N])

  def update(c, i, j, f, o):
    c = c * tf.sigmoid(f + 1.0) + tf.sigmoid(i) * tf.tanh(j)
    return c, tf.tanh(c) * tf.sigmoid(o)

  @tf.function
  def split(x):
    c = h = tf.zeros([B, N])
    for p in tf.unstack(projected(x), T):
      c, h = update(c, *tf.split(p + tf.matmul(h, wr), 4, 1))
    return h

  @tf.function
  def gate_major(x):
    wi4 = tf.transpose(tf.reshape(wi, [D, 4, N]), [1, 0, 2])
    wr4 = tf.transpose(tf.reshape(wr, [N, 4, N]), [1, 0, 2])
    rows = tf.reshape(tf.transpose(x, [1, 0, 2]), [1, T * B, D])
    p = tf.reshape(tf.matmul(rows, wi4), [4, T, B, N])
    p = tf.transpose(p + tf.reshape(b, [4, 1, 1, N]), [1, 0, 2, 3])
    c = h = tf.zeros([B, N])
    for p_t in tf.unstack(p, T):
      c, h = update(c, *tf.unstack(p_t + tf.matmul(h[None], wr4)))
    return h

  @tf.function
  def four_mm(x):
    gates = [tf.unstack(q, T) for q in tf.split(projected(x), 4, 2)]
    kernels = tf.split(wr, 4, 1)
    c = h = tf.zeros([B, N])
    for t in range(T):
      c, h = update(c, *[gates[g][t] + tf.matmul(h, kernels[g])
                         for g in range(4)])
    return h

  return {"split": split, "gate_major": gate_major, "four_mm": four_mm}


def main():
  rng = np.random.RandomState(0)
  x = tf.constant(rng.rand(B, T, D).astype(np.float32))
  wi = tf.constant(rng.randn(D, 4 * N).astype(np.float32) * 0.1)
  wr = tf.constant(rng.randn(N, 4 * N).astype(np.float32) * 0.1)
  b = tf.constant(rng.randn(4 * N).astype(np.float32) * 0.1)
  forms = _forms(wi, wr, b)
  reference = forms["split"](x).numpy()
  for name, form in forms.items():
    print("%s: max difference to split %.1e" % (
        name, np.abs(form(x).numpy() - reference).max()))
    for _ in range(5):
      form(x)
  times = {name: [] for name in forms}
  for _ in range(60):
    for name, form in forms.items():
      start = time.perf_counter()
      form(x).numpy()
      times[name].append(time.perf_counter() - start)
  for name, values in times.items():
    print("%s %.2f ms" % (name, np.median(values) * 1e3))


if __name__ == "__main__":
  main()
