"""Writes tests/testdata/crf/: TensorFlow 1.15's tf.contrib.crf values.

Run with TensorFlow 1.15 (it has tf.contrib):

  /work/tf115/bin/python tests/testdata/make_crf_fixtures.py

Each case `<name>_*` holds the inputs (fixed seed) and what TF1.15's
tf.contrib.crf computed from them: sequence, unary and binary scores, the
log-partition, the log-likelihood and its gradients, the multi-tag score,
crf_decode's tags and scores, and viterbi_decode's per sequence. `tagger_*`
are the outputs of a dense layer and a CRF whose variables TF1.15 saved to
tagger.ckpt.
"""

import os

import numpy as np
import tensorflow as tf

crf = tf.contrib.crf

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "crf", "crf.npz")

# name: (batch, max_seq_len, num_tags, lengths)
CASES = {
    "multi": (4, 5, 3, [5, 3, 1, 0]),
    "single": (3, 1, 4, [1, 0, 1]),
    "two": (2, 2, 2, [2, 1]),
}


def case(rng, name, batch, max_len, num_tags, lengths):
  inputs = rng.normal(size=(batch, max_len, num_tags)).astype(np.float32)
  transitions = rng.normal(size=(num_tags, num_tags)).astype(np.float32)
  tags = rng.randint(0, num_tags, size=(batch, max_len)).astype(np.int32)
  bitmap = rng.rand(batch, max_len, num_tags) < 0.5
  bitmap[np.arange(batch)[:, None], np.arange(max_len)[None, :], tags] = True
  lengths = np.array(lengths, np.int32)
  out = {"inputs": inputs, "transitions": transitions, "tags": tags,
         "bitmap": bitmap, "lengths": lengths}
  with tf.Graph().as_default():
    x = tf.constant(inputs)
    a = tf.constant(transitions)
    ll, _ = crf.crf_log_likelihood(x, tf.constant(tags), tf.constant(lengths),
                                   a)
    fetches = {
        "sequence_score": crf.crf_sequence_score(x, tf.constant(tags),
                                                 tf.constant(lengths), a),
        "log_norm": crf.crf_log_norm(x, tf.constant(lengths), a),
        "log_likelihood": ll,
        "multitag_score": crf.crf_multitag_sequence_score(
            x, tf.constant(bitmap), tf.constant(lengths), a),
        "decode_tags": crf.crf_decode(x, a, tf.constant(lengths))[0],
        "decode_score": crf.crf_decode(x, a, tf.constant(lengths))[1],
    }
    grads = tf.gradients(tf.reduce_sum(ll * np.arange(1, batch + 1)), [x, a])
    fetches["grad_inputs"] = grads[0]
    if grads[1] is not None:  # None when max_seq_len is 1.
      fetches["grad_transitions"] = grads[1]
    if max_len > 1:
      fetches["unary_score"] = crf.crf_unary_score(
          tf.constant(tags), tf.constant(lengths), x)
      fetches["binary_score"] = crf.crf_binary_score(
          tf.constant(tags), tf.constant(lengths), a)
    with tf.Session() as sess:
      out.update(sess.run(fetches))
  for b, length in enumerate(lengths):
    if length > 0:
      path, score = crf.viterbi_decode(inputs[b, :length], transitions)
      out["viterbi_%d" % b] = np.array(path, np.int32)
      out["viterbi_score_%d" % b] = np.float32(score)
  return {"%s_%s" % (name, k): v for k, v in out.items()}


def tagger_checkpoint(rng):
  """A dense layer and a CRF, saved to crf/tagger.ckpt; its outputs."""
  features = rng.normal(size=(3, 4, 5)).astype(np.float32)
  tags = rng.randint(0, 3, size=(3, 4)).astype(np.int32)
  lengths = np.array([4, 2, 3], np.int32)
  with tf.Graph().as_default():
    tf.set_random_seed(5)
    x = tf.placeholder(tf.float32, [None, None, 5])
    y = tf.placeholder(tf.int32, [None, None])
    n = tf.placeholder(tf.int32, [None])
    with tf.variable_scope("tagger"):
      scores = tf.layers.dense(x, 3)
      ll, transitions = crf.crf_log_likelihood(scores, y, n)
    decoded, best = crf.crf_decode(scores, transitions, n)
    with tf.Session() as sess:
      sess.run(tf.global_variables_initializer())
      out = dict(zip(("ll", "decoded", "best"),
                     sess.run([ll, decoded, best], {x: features, y: tags,
                                                    n: lengths})))
      tf.train.Saver().save(sess, os.path.join(os.path.dirname(OUT),
                                               "tagger.ckpt"),
                            write_meta_graph=False, write_state=False)
    names = sorted(v.op.name for v in tf.global_variables())
  out.update(features=features, tags=tags, lengths=lengths,
             variable_names=np.array(names))
  return {"tagger_" + k: v for k, v in out.items()}


def main():
  rng = np.random.RandomState(1234)
  arrays = {}
  for name, args in sorted(CASES.items()):
    arrays.update(case(rng, name, *args))
  # The variable crf_log_likelihood creates without transition_params.
  with tf.Graph().as_default():
    with tf.variable_scope("crf_layer"):
      crf.crf_log_likelihood(tf.zeros([2, 3, 5]), tf.zeros([2, 3], tf.int32),
                             tf.constant([3, 2]))
    (variable,) = tf.global_variables()
    arrays["created_variable_name"] = np.array(variable.name)
    arrays["created_variable_shape"] = np.array(variable.shape.as_list())
  os.makedirs(os.path.dirname(OUT), exist_ok=True)
  arrays.update(tagger_checkpoint(rng))
  np.savez(OUT, **arrays)
  print("wrote %s (%d arrays)" % (OUT, len(arrays)))


if __name__ == "__main__":
  main()
