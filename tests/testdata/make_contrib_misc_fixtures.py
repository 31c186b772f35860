"""Writes tests/testdata/contrib_misc/: TF1.15's contrib framework/data/lookup.

Run with TensorFlow 1.15 (it has tf.contrib):

  /work/tf115/bin/python tests/testdata/make_contrib_misc_fixtures.py

framework.json: the variable lists tf.contrib.framework's functions gave for
the graph `build_graph` makes, and the checkpoint model.ckpt-7 it saved (with
values.npz, the saved values). data.json: what tf.contrib.data's
transformations made of small datasets. lookup.json: tf.contrib.lookup's
table outputs for vocab.txt.
"""

import json
import os

import numpy as np
import tensorflow as tf

contrib = tf.contrib

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "contrib_misc")
VOCAB = ["the", "cat", "sat", "on", "mat"]


def build_graph(framework):
  """Variables in scopes, a model variable, a local one, the global step."""
  step = framework.get_or_create_global_step()
  with tf.variable_scope("encoder"):
    tf.get_variable("kernel", [2, 3])
    tf.get_variable("bias", [3], trainable=False)
  with tf.variable_scope("logits"):
    tf.get_variable("kernel", [3, 4])
    framework.model_variable("weights", [4])
  framework.local_variable(np.zeros([2], np.float32), name="counter")
  return step


def names(variables):
  return [v.op.name for v in variables]


def framework_table():
  framework = contrib.framework
  with tf.Graph().as_default():
    step = build_graph(framework)
    table = {
        "global_step": step.op.name,
        "get_variables": names(framework.get_variables()),
        "get_variables_encoder": names(framework.get_variables("encoder")),
        "get_variables_kernel_suffix": names(
            framework.get_variables(suffix="kernel")),
        "get_variables_to_restore": names(
            framework.get_variables_to_restore()),
        "get_variables_to_restore_exclude": names(
            framework.get_variables_to_restore(exclude=["logits"])),
        "get_variables_to_restore_include": names(
            framework.get_variables_to_restore(include=["encoder/kernel",
                                                        "logits"])),
        "get_model_variables": names(framework.get_model_variables()),
        "get_trainable_variables": names(
            framework.get_trainable_variables()),
        "get_local_variables": names(framework.get_local_variables()),
        "get_variables_by_name": names(
            framework.get_variables_by_name("kernel")),
        "get_variables_by_suffix": names(
            framework.get_variables_by_suffix("bias")),
        "get_unique_variable": framework.get_unique_variable(
            "logits/kernel").op.name,
        "nest_flatten": framework.nest.flatten({"b": [1, (2, 3)], "a": 4}),
        "nest_is_sequence": [framework.nest.is_sequence(x)
                             for x in ([1], (1,), {"a": 1}, 1, "ab")],
    }
    with tf.Session() as sess:
      sess.run(tf.global_variables_initializer())
      sess.run(tf.assign(step, 7))
      values = {v.op.name: sess.run(v) for v in tf.global_variables()}
      tf.train.Saver().save(sess, os.path.join(OUT, "model.ckpt"),
                            global_step=step, write_meta_graph=False,
                            write_state=False)
  np.savez(os.path.join(OUT, "values.npz"),
           **{k.replace("/", "__"): v for k, v in values.items()})
  return table


def run_dataset(dataset):
  element = dataset.make_one_shot_iterator().get_next()
  out = []
  with tf.Session() as sess:
    while True:
      try:
        got = sess.run(element)
      except tf.errors.OutOfRangeError:
        return out
      out.append(tf.contrib.framework.nest.map_structure(
          lambda a: a.tolist(), got))


def data_table():
  data = contrib.data
  cases = {
      "batch_and_drop_remainder": lambda: tf.data.Dataset.range(7).apply(
          data.batch_and_drop_remainder(3)),
      "padded_batch_and_drop_remainder": lambda: tf.data.Dataset.range(
          1, 6).map(lambda n: tf.fill([n], n)).apply(
              data.padded_batch_and_drop_remainder(2, [None])),
      "padded_batch_to_length": lambda: tf.data.Dataset.range(1, 6).map(
          lambda n: (tf.fill([n], n), n)).apply(
              data.padded_batch_and_drop_remainder(
                  2, ([6], []), (tf.constant(-1, tf.int64),
                                 tf.constant(0, tf.int64)))),
      "sliding_window": lambda: tf.data.Dataset.range(6).apply(
          data.sliding_window_batch(3)),
      "sliding_window_shift": lambda: tf.data.Dataset.range(6).apply(
          data.sliding_window_batch(3, window_shift=2)),
      "sliding_window_stride": lambda: tf.data.Dataset.range(6).apply(
          data.sliding_window_batch(2, stride=2, window_stride=2)),
      "sliding_window_tuple": lambda: tf.data.Dataset.range(5).map(
          lambda x: (x, 2 * x)).apply(data.sliding_window_batch(2)),
      "group_by_window": lambda: tf.data.Dataset.range(10).apply(
          data.group_by_window(lambda x: x % 3,
                               lambda key, window: window.batch(2), 2)),
      "bucket_by_sequence_length": lambda: tf.data.Dataset.range(
          1, 9).map(lambda n: tf.fill([n], n)).apply(
              data.bucket_by_sequence_length(
                  lambda x: tf.shape(x)[0], [3, 6], [2, 2, 2])),
      "shuffle_and_repeat_sorted": lambda: tf.data.Dataset.range(5).apply(
          data.shuffle_and_repeat(5, count=2, seed=3)).batch(5),
  }
  table = {}
  for name, make in sorted(cases.items()):
    with tf.Graph().as_default():
      table[name] = run_dataset(make())
  table["shuffle_and_repeat_sorted"] = [
      sorted(b) for b in table["shuffle_and_repeat_sorted"]]
  return table


def lookup_table():
  lookup = contrib.lookup
  vocab_file = os.path.join(OUT, "vocab.txt")
  with open(vocab_file, "w") as f:
    f.write("\n".join(VOCAB) + "\n")
  with tf.Graph().as_default():
    words = tf.constant(["the", "dog", "mat", "cat", "zebra"])
    ids = tf.constant([0, 4, 9, -1], tf.int64)
    fetches = {
        "index_table_from_file": lookup.index_table_from_file(
            vocab_file).lookup(words),
        "index_table_from_file_oov": lookup.index_table_from_file(
            vocab_file, num_oov_buckets=3).lookup(words),
        "index_table_from_tensor": lookup.index_table_from_tensor(
            VOCAB, default_value=-5).lookup(words),
        "index_to_string_table_from_file":
            lookup.index_to_string_table_from_file(vocab_file).lookup(ids),
        "index_to_string_table_from_tensor":
            lookup.index_to_string_table_from_tensor(
                VOCAB, default_value="?").lookup(ids),
        "string_to_index": lookup.string_to_index(words, VOCAB),
        "index_to_string": lookup.index_to_string(ids, VOCAB),
        "hash_table": lookup.HashTable(
            lookup.KeyValueTensorInitializer(VOCAB, list(range(5)),
                                             value_dtype=tf.int64),
            -1).lookup(words),
    }
    with tf.Session() as sess:
      sess.run(tf.tables_initializer())
      got = sess.run(fetches)
  return {k: [x.decode() if isinstance(x, bytes) else int(x) for x in v]
          for k, v in got.items()}


def main():
  os.makedirs(OUT, exist_ok=True)
  for file_name, table in (("framework.json", framework_table()),
                           ("data.json", data_table()),
                           ("lookup.json", lookup_table())):
    with open(os.path.join(OUT, file_name), "w") as f:
      json.dump(table, f, indent=1, sort_keys=True)
      f.write("\n")
  print("wrote %s" % OUT)


if __name__ == "__main__":
  main()
