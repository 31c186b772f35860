"""The character LM at inference: sampling and the stateful SavedModel.

`StepModel` takes ids and the state of every layer and returns logits,
probabilities and the new state, for a batch of any size: `sample_text`
feeds it one character at a time; `export_step_model` exports it with
`step` and `zero_state` signatures, so a server keeps one state per client.

Usage:

  text = char_lm_serving.sample_text(checkpoint, config, vocab, "The ", 200)
  path = char_lm_serving.export_step_model(checkpoint, config,
                                           vocab_path, export_dir)
"""

import copy

import numpy as np
import tensorflow as tf

from tf1seq import serving_export
from tf1seq import state
from tf1seq import warmup

from . import char_lm_model


class StepModel(object):
  """Ids and the state in, logits, probabilities and the new state out."""

  def __init__(self, config):
    inference = copy.copy(config)
    inference.output_keep_prob = 1.0
    cell = char_lm_model.make_cell(inference, 1.0)
    self.inputs = tf.compat.v1.placeholder(tf.int32, [None, None],
                                           name="inputs")
    self.initial_state = state.carried_state(
        cell, tf.shape(self.inputs)[0], name="initial_state")
    self.logits, self.final_state = char_lm_model.build_logits(
        self.inputs, cell, self.initial_state, inference)
    self.probabilities = tf.nn.softmax(self.logits, name="probabilities")
    self.state_size = cell.state_size
    self.state_names = state.state_names(cell.state_size)
    self.batch_size = tf.compat.v1.placeholder(tf.int32, [],
                                               name="batch_size")
    self.zero_state = cell.zero_state(self.batch_size, tf.float32)


def sample_text(checkpoint, config, vocab, prompt, length, temperature=1.0,
                seed=1):
  """Text generated after `prompt` by the model of `checkpoint`.

  The prompt is run in one call; then each generated character is fed
  alone with the state of the previous call.

  Raises:
    ValueError: if `prompt` is empty or has characters not in `vocab`.
  """
  if not prompt:
    raise ValueError("prompt must not be empty")
  ids = vocab.encode(prompt)
  rng = np.random.RandomState(seed)
  generated = []
  with tf.Graph().as_default() as graph:
    model = StepModel(config)
    saver = tf.compat.v1.train.Saver()
    with tf.compat.v1.Session(graph=graph) as session:
      saver.restore(session, checkpoint)
      feed = {model.inputs: ids[np.newaxis]}
      for _ in range(length):
        logits, state_values = session.run(
            [model.logits, model.final_state], feed)
        scaled = logits[0, -1].astype(np.float64) / temperature
        p = np.exp(scaled - scaled.max())
        next_id = rng.choice(len(p), p=p / p.sum())
        generated.append(next_id)
        feed = {model.inputs: [[next_id]]}
        feed.update(state.feed_dict_for(model.initial_state, state_values,
                                        batch_size=1))
  return prompt + vocab.decode(generated)


# Batch sizes of the `step` warm-up requests in every export: one client,
# and a typical batch of clients.
WARMUP_BATCH_SIZES = (1, 128)


def _state_specs(cell):
  """`[(name, TensorSpec)]` of the cell's flattened state."""
  names = state.state_names(cell.state_size)
  sizes = tf.nest.flatten(cell.state_size)
  return [(name, tf.TensorSpec([None, size], tf.float32, name=name))
          for name, size in zip(names, sizes)]


def export_step_model(checkpoint, config, vocab_path, export_dir):
  """Exports the model of `checkpoint` for stateful serving; returns path.

  The serving graph is forward-only (`tf1seq.serving_export`): a plain
  `tf.while_loop` over the ids, with no XLA function or custom gradient, over
  the checkpoint's variables. A new version never overwrites an old one.

  Signatures:
    `step` (also `serving_default`): `inputs` int32 `[batch, time]` and the
      state `state_c_0`, `state_h_0`, ... (`[batch, num_units]` float32 each;
      `state_0`, ... for GRU or basic RNN cells) in; `logits` and
      `probabilities` `[batch, time, vocab]` and the new state, under the
      same `state_*` names, out. A server keeps the state of each client
      and feeds it back with the client's next ids.
    `zero_state`: `batch_size` int32 scalar in; the zero state out (all
      zeros: a new client's state).
  The vocabulary (`vocab.json`, characters in id order) is an asset;
  `assets.extra` holds `step` warm-up requests of 1 and 128 clients.
  """
  inference = copy.copy(config)
  inference.output_keep_prob = 1.0
  specs = _state_specs(char_lm_model.make_cell(inference, 1.0))
  names = [name for name, _ in specs]

  def step(inputs, *flat_state):
    cell = char_lm_model.make_cell(inference, 1.0)
    initial_state = tf.nest.pack_sequence_as(cell.state_size,
                                             list(flat_state))
    logits, final_state = char_lm_model.build_logits(
        inputs, cell, initial_state, inference)
    outputs = dict(zip(names, tf.nest.flatten(final_state)))
    outputs.update(logits=logits,
                   probabilities=tf.nn.softmax(logits, name="probabilities"))
    return outputs

  def zero_state(batch_size):
    cell = char_lm_model.make_cell(inference, 1.0)
    return dict(zip(names, tf.nest.flatten(
        cell.zero_state(batch_size, tf.float32))))

  step_signature = serving_export.Signature(
      step, [tf.TensorSpec([None, None], tf.int32, name="inputs")] +
      [spec for _, spec in specs])
  requests = [warmup.predict_request(
      dict({name: np.zeros([n] + spec.shape.as_list()[1:], np.float32)
            for name, spec in specs},
           inputs=np.zeros([n, 1], np.int32)), signature_name="step")
              for n in WARMUP_BATCH_SIZES]
  return serving_export.export_checkpoint(
      export_dir, checkpoint,
      {"serving_default": step_signature, "step": step_signature,
       "zero_state": serving_export.Signature(
           zero_state, [tf.TensorSpec([], tf.int32, name="batch_size")])},
      assets=[vocab_path], warmup_requests=requests)
