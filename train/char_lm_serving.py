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

from tf1seq import export
from tf1seq import state

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


def export_step_model(checkpoint, config, vocab_path, export_dir):
  """Exports the model of `checkpoint` for stateful serving; returns path.

  Signatures:
    `step` (also `serving_default`): `inputs` int32 `[batch, time]` and the
      state `state_c_0`, `state_h_0`, ... (`[batch, num_units]` float32 each;
      `state_0`, ... for GRU or basic RNN cells) in; `logits` and
      `probabilities` `[batch, time, vocab]` and the new state, under the
      same `state_*` names, out. A server keeps the state of each client
      and feeds it back with the client's next ids.
    `zero_state`: `batch_size` int32 scalar in; the zero state out (all
      zeros: a new client's state).
  The vocabulary (`vocab.json`, characters in id order) is an asset.
  """
  graph = tf.Graph()
  with graph.as_default():
    model = StepModel(config)
    state_in = dict(zip(model.state_names,
                        tf.nest.flatten(model.initial_state)))
    state_out = dict(zip(model.state_names,
                         tf.nest.flatten(model.final_state)))
    zeros = dict(zip(model.state_names, tf.nest.flatten(model.zero_state)))
    step = export.predict_signature(
        dict(state_in, inputs=model.inputs),
        dict(state_out, logits=model.logits,
             probabilities=model.probabilities))
    vocab_asset = tf.constant(vocab_path, name="vocab_path")
    tf.compat.v1.add_to_collection(tf.compat.v1.GraphKeys.ASSET_FILEPATHS,
                                   vocab_asset)
    signatures = {
        "serving_default": step,
        "step": step,
        "zero_state": export.predict_signature(
            {"batch_size": model.batch_size}, zeros),
    }
    saver = tf.compat.v1.train.Saver()
    with tf.compat.v1.Session(graph=graph) as session:
      saver.restore(session, checkpoint)
      return export.export_saved_model(
          export_dir, session, signatures,
          assets_collection=tf.compat.v1.get_collection(
              tf.compat.v1.GraphKeys.ASSET_FILEPATHS))
