"""Writes TensorFlow 1.15 fixtures for tf1seq's seq2seq attention.

For each configuration in `CONFIGS`, builds an `AttentionWrapper` graph with
TensorFlow 1.15's `tf.contrib.seq2seq` under `tf.nn.dynamic_rnn` (or
`dynamic_decode(scope="decoder")`), initializes it from a fixed seed, and
writes under tests/testdata/attention/<config>/:

  model.ckpt.*    the TF1.15 checkpoint;
  expected.npz    inputs, memory, outputs, every leaf of the final state
                  (alignment histories stacked), the variable names in
                  creation order.

Also writes attention/ops.npz with `safe_cumprod`, `hardmax` and
`monotonic_attention` of fixed inputs.

`build` is shared with tests/attention_wrapper_test.py, which builds the
same graphs with tf1seq (given tf1seq's modules instead of TF1's).

Run from the repository root with TensorFlow 1.15:

  /work/tf115/bin/python tests/testdata/make_attention_fixtures.py
"""

import collections
import os

import numpy as np

BATCH, TIME, DEPTH = 2, 3, 4            # Decoder inputs.
MEMORY_TIME, MEMORY_DEPTH = 5, 6        # Encoder outputs.
UNITS = 5                               # The wrapped cell's units.
MEMORY_LENGTHS = [5, 3]

# name -> (cell, [(mechanism, kwargs)], wrapper kwargs, extras).
# Extras: "lengths" masks the memory by MEMORY_LENGTHS; "initial_cell_state"
# passes a cell state to the wrapper; "clone" feeds zero_state().clone(
# cell_state=...) to the unroller; "attention_layer" gives a user layer;
# "input_fn" replaces cell_input_fn; "decoder" unrolls with
# dynamic_decode(scope="decoder") in TF1 (dynamic_rnn(scope="decoder") in
# the test, the same computation here).
CONFIGS = collections.OrderedDict([
    ("bahdanau", ("BasicLSTMCell", [("BahdanauAttention", {})], {}, ())),
    ("bahdanau_normalized",
     ("LSTMCell", [("BahdanauAttention", {"normalize": True})],
      {"attention_layer_size": 4}, ("lengths", "initial_cell_state"))),
    ("luong", ("BasicLSTMCell", [("LuongAttention", {})],
               {"attention_layer_size": 3}, ("clone",))),
    ("luong_scaled",
     ("LSTMCell", [("LuongAttention", {"scale": True,
                                       "score_mask_value": -100.0})],
      {}, ("lengths", "attention_layer"))),
    ("bahdanau_monotonic",
     ("BasicLSTMCell",
      [("BahdanauMonotonicAttention",
        {"normalize": True, "score_bias_init": -1.0, "mode": "parallel"})],
      {"attention_layer_size": 4}, ())),
    ("luong_monotonic",
     ("LSTMCell",
      [("LuongMonotonicAttention",
        {"scale": True, "score_bias_init": 0.5, "mode": "recursive"})],
      {}, ("lengths",))),
    ("luong_monotonic_hard",
     ("BasicLSTMCell",
      [("LuongMonotonicAttention", {"mode": "hard"})],
      {"attention_layer_size": 3}, ())),
    ("multi",
     ("BasicLSTMCell",
      [("BahdanauAttention", {"normalize": True}),
       ("LuongAttention", {"scale": True})],
      {"attention_layer_size": [3, 4], "alignment_history": True,
       "name": "attn"}, ())),
    ("cell_output",
     ("LSTMCell", [("BahdanauAttention", {"probability_fn": "hardmax"})],
      {"attention_layer_size": 4, "output_attention": False,
       "alignment_history": True}, ("input_fn",))),
    ("decoder",
     ("LSTMCell", [("BahdanauAttention", {})], {"attention_layer_size": 3},
      ("decoder",))),
])


def _num_units(mechanism):
  # Luong scores the cell output itself, so its units are the cell's.
  return UNITS if mechanism.startswith("Luong") else 7


def make_data():
  """The inputs, memory and initial cell state of every configuration."""
  rng = np.random.RandomState(0)
  inputs = rng.uniform(-1, 1, (BATCH, TIME, DEPTH)).astype(np.float32)
  memory = rng.uniform(-1, 1, (BATCH, MEMORY_TIME, MEMORY_DEPTH)).astype(
      np.float32)
  cell_c = rng.uniform(-1, 1, (BATCH, UNITS)).astype(np.float32)
  cell_h = rng.uniform(-1, 1, (BATCH, UNITS)).astype(np.float32)
  return inputs, memory, cell_c, cell_h


def build(name, tf, seq2seq, rnn_cell, dense, decode=None):
  """Builds configuration `name`.

  Args:
    name: a key of CONFIGS.
    tf: the `tensorflow` module (1.15, or 2.x).
    seq2seq: a module with the attention classes and `hardmax`.
    rnn_cell: a module with `BasicLSTMCell`, `LSTMCell`, `LSTMStateTuple`.
    dense: the Dense layer class.
    decode: `fn(cell, inputs, initial_state)` -> `(outputs, final_state)`
      for the "decoder" extra; default dynamic_rnn(scope="decoder").

  Returns:
    `(outputs, final_state, feeds)`; `feeds` is empty (all data is
    constant).
  """
  cell_name, mechanism_specs, wrapper_kwargs, extras = CONFIGS[name]
  inputs, memory, cell_c, cell_h = make_data()
  inputs = tf.constant(inputs)
  memory = tf.constant(memory)
  lengths = (tf.constant(MEMORY_LENGTHS, dtype=tf.int32)
             if "lengths" in extras else None)
  mechanisms = []
  for mechanism, kwargs in mechanism_specs:
    kwargs = dict(kwargs)
    if kwargs.get("probability_fn") == "hardmax":
      kwargs["probability_fn"] = seq2seq.hardmax
    mechanisms.append(getattr(seq2seq, mechanism)(
        _num_units(mechanism), memory, memory_sequence_length=lengths,
        **kwargs))
  wrapper_kwargs = dict(wrapper_kwargs)
  cell_state = rnn_cell.LSTMStateTuple(tf.constant(cell_c),
                                       tf.constant(cell_h))
  if "initial_cell_state" in extras:
    wrapper_kwargs["initial_cell_state"] = cell_state
  if "attention_layer" in extras:
    wrapper_kwargs["attention_layer"] = dense(
        4, activation=tf.tanh, name="my_attention_layer")
  if "input_fn" in extras:
    wrapper_kwargs["cell_input_fn"] = (
        lambda x, attention: tf.concat([x, 2.0 * attention], -1))
  cell = seq2seq.AttentionWrapper(
      getattr(rnn_cell, cell_name)(UNITS),
      mechanisms if len(mechanisms) > 1 else mechanisms[0],
      **wrapper_kwargs)
  initial_state = None
  if "clone" in extras:
    initial_state = cell.zero_state(BATCH, tf.float32).clone(
        cell_state=cell_state)
  if "decoder" in extras:
    if decode is None:
      return tf.compat.v1.nn.dynamic_rnn(
          cell, inputs, initial_state=cell.zero_state(BATCH, tf.float32),
          dtype=tf.float32, scope="decoder")
    return decode(cell, inputs, cell.zero_state(BATCH, tf.float32))
  return tf.compat.v1.nn.dynamic_rnn(cell, inputs,
                                     initial_state=initial_state,
                                     dtype=tf.float32)


def flatten_state(state, path="state"):
  """`{"state.cell_state.c": leaf, ...}`; TensorArrays are stacked."""
  if hasattr(state, "_fields"):
    items = {}
    for field, value in zip(state._fields, state):
      items.update(flatten_state(value, "%s.%s" % (path, field)))
    return items
  if isinstance(state, (tuple, list)):
    items = {}
    for i, value in enumerate(state):
      items.update(flatten_state(value, "%s[%d]" % (path, i)))
    return items
  if hasattr(state, "stack"):
    return {path: state.stack()}
  return {path: state}


def _decode_tf1(tf):
  """dynamic_decode(scope="decoder") with a TrainingHelper."""
  seq2seq = tf.contrib.seq2seq

  def decode(cell, inputs, initial_state):
    helper = seq2seq.TrainingHelper(inputs, [TIME] * BATCH)
    decoder = seq2seq.BasicDecoder(cell, helper, initial_state)
    outputs, state, _ = seq2seq.dynamic_decode(decoder, scope="decoder")
    return outputs.rnn_output, state

  return decode


def _ops(tf):
  """safe_cumprod, hardmax and monotonic_attention of fixed inputs."""
  seq2seq = tf.contrib.seq2seq
  rng = np.random.RandomState(1)
  x = rng.uniform(1e-3, 1, (3, 6)).astype(np.float32)
  logits = rng.normal(size=(2, 3, 5)).astype(np.float32)
  p = rng.uniform(0, 1, (3, 6)).astype(np.float32)
  p_hard = (rng.uniform(0, 1, (3, 6)) > 0.5).astype(np.float32)
  previous = rng.dirichlet(np.ones(6), 3).astype(np.float32)
  previous_hard = np.eye(6, dtype=np.float32)[[0, 2, 4]]
  fetches = {
      "safe_cumprod": seq2seq.safe_cumprod(x, axis=1),
      "safe_cumprod_exclusive_reverse": seq2seq.safe_cumprod(
          x, axis=1, exclusive=True, reverse=True),
      "hardmax": seq2seq.hardmax(logits),
      "recursive": seq2seq.monotonic_attention(p, previous, "recursive"),
      "parallel": seq2seq.monotonic_attention(p, previous, "parallel"),
      "hard": seq2seq.monotonic_attention(p_hard, previous_hard, "hard"),
  }
  with tf.Session() as session:
    results = session.run(fetches)
  results.update(x=x, logits=logits, p=p, p_hard=p_hard, previous=previous,
                 previous_hard=previous_hard)
  return results


def main():
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  assert tf.__version__.startswith("1.15"), tf.__version__
  root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "attention")
  for name in CONFIGS:
    directory = os.path.join(root, name)
    os.makedirs(directory, exist_ok=True)
    with tf.Graph().as_default():
      tf.set_random_seed(42)
      outputs, state = build(name, tf, tf.contrib.seq2seq, tf.nn.rnn_cell,
                             tf.layers.Dense, decode=_decode_tf1(tf))
      variables = tf.global_variables()
      with tf.Session() as session:
        session.run(tf.global_variables_initializer())
        results = session.run({"outputs": outputs,
                               "state": flatten_state(state)})
        tf.train.Saver().save(session, os.path.join(directory, "model.ckpt"),
                              write_meta_graph=False, write_state=False)
    arrays = {"outputs": results["outputs"],
              "variable_names": np.array([v.op.name for v in variables])}
    arrays.update(results["state"])
    np.savez(os.path.join(directory, "expected.npz"), **arrays)
  with tf.Graph().as_default():
    np.savez(os.path.join(root, "ops.npz"), **_ops(tf))


if __name__ == "__main__":
  main()
