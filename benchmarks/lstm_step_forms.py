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


def main():
  B, n, T, d = 128, 128, 28, 28
  rng = np.random.RandomState(0)
  x = tf.constant(rng.rand(B, T, d).astype(np.float32))
  wi = tf.constant(rng.randn(d, 4*n).astype(np.float32) * 0.1); wr = tf.constant(rng.randn(n, 4*n).astype(np.float32) * 0.1)
  b = tf.constant(rng.randn(4*n).astype(np.float32) * 0.1)
  @tf.function
  def split_form(x):
    p = tf.reshape(tf.nn.bias_add(tf.matmul(tf.reshape(tf.transpose(x, [1, 0, 2]), [-1, d]), wi), b), [T, B, 4*n])
    c = h = tf.zeros([B, n])
    for pt in tf.unstack(p, T):
      i, j, f, o = tf.split(pt + tf.matmul(h, wr), 4, 1)
      c = c * tf.sigmoid(f + 1.0) + tf.sigmoid(i) * tf.tanh(j)
      h = tf.tanh(c) * tf.sigmoid(o)
    return h
  @tf.function
  def gate_major(x):
    wi4 = tf.transpose(tf.reshape(wi, [d, 4, n]), [1, 0, 2]); wr4 = tf.transpose(tf.reshape(wr, [n, 4, n]), [1, 0, 2])
    b4 = tf.reshape(b, [4, 1, 1, n])
    xt = tf.reshape(tf.transpose(x, [1, 0, 2]), [1, T * B, d])
    p = tf.reshape(tf.matmul(xt, wi4), [4, T, B, n]) + b4
    p = tf.transpose(p, [1, 0, 2, 3])
    c = h = tf.zeros([B, n])
    for pt in tf.unstack(p, T):
      i, j, f, o = tf.unstack(pt + tf.matmul(h[None], wr4))
      c = c * tf.sigmoid(f + 1.0) + tf.sigmoid(i) * tf.tanh(j)
      h = tf.tanh(c) * tf.sigmoid(o)
    return h
  @tf.function
  def four_mm(x):
    p = tf.reshape(tf.nn.bias_add(tf.matmul(tf.reshape(tf.transpose(x, [1, 0, 2]), [-1, d]), wi), b), [T, B, 4*n])
    ps = [tf.unstack(q, T) for q in tf.split(p, 4, 2)]
    ws = tf.split(wr, 4, 1)
    c = h = tf.zeros([B, n])
    for t in range(T):
      i, j, f, o = [ps[g][t] + tf.matmul(h, ws[g]) for g in range(4)]
      c = c * tf.sigmoid(f + 1.0) + tf.sigmoid(i) * tf.tanh(j)
      h = tf.tanh(c) * tf.sigmoid(o)
    return h
  print("max difference to split:", np.abs(split_form(x) - gate_major(x)).max(), np.abs(split_form(x) - four_mm(x)).max())
  fs = dict(split=split_form, gate_major=gate_major, four_mm=four_mm)
  for f in fs.values():
    for _ in range(5): f(x)
  res = {k: [] for k in fs}
  for r in range(60):
    for k, f in fs.items():
      t = time.perf_counter(); f(x).numpy(); res[k].append(time.perf_counter() - t)
  for k, v in res.items(): print(k, '%.2f ms' % (np.median(v) * 1e3))


if __name__ == "__main__":
  main()
