"""Tests for tf1seq.contrib.framework, .data and .lookup against TF1.15.

Oracle: tests/testdata/contrib_misc/, written by TensorFlow 1.15's
tf.contrib.framework, tf.contrib.data and tf.contrib.lookup
(tests/testdata/make_contrib_misc_fixtures.py): variable lists, a
checkpoint, dataset outputs and table lookups. The module runs once more in
a subprocess after `tf.compat.v1.disable_v2_behavior()`.
"""

import json
import os

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

import tf1_behaviour

from tf1seq.contrib import data
from tf1seq.contrib import framework
from tf1seq.contrib import lookup

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "testdata", "contrib_misc")


def load(name):
  with open(os.path.join(FIXTURES, name)) as f:
    return json.load(f)


def build_graph():
  """The graph of the fixture generator's `build_graph`."""
  step = framework.get_or_create_global_step()
  with tf.compat.v1.variable_scope("encoder"):
    tf.compat.v1.get_variable("kernel", [2, 3])
    tf.compat.v1.get_variable("bias", [3], trainable=False)
  with tf.compat.v1.variable_scope("logits"):
    tf.compat.v1.get_variable("kernel", [3, 4])
    framework.model_variable("weights", [4])
  framework.local_variable(np.zeros([2], np.float32), name="counter")
  return step


def names(variables):
  return [v.op.name for v in variables]


class FrameworkTest(tf.test.TestCase):

  def test_variable_lists_match_tf115(self):
    want = load("framework.json")
    with tf.Graph().as_default():
      step = build_graph()
      got = {
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
              framework.get_variables_to_restore(
                  include=["encoder/kernel", "logits"])),
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
    self.assertEqual(got, want)

  def test_assign_from_checkpoint_fn_restores_tf115_checkpoint(self):
    values = np.load(os.path.join(FIXTURES, "values.npz"))
    checkpoint = os.path.join(FIXTURES, "model.ckpt-7")
    with tf.Graph().as_default():
      build_graph()
      init_fn = framework.assign_from_checkpoint_fn(
          checkpoint, framework.get_variables_to_restore(exclude=["logits"]))
      with tf.compat.v1.Session() as sess:
        sess.run(tf.compat.v1.global_variables_initializer())
        init_fn(sess)
        restored = {v.op.name: sess.run(v)
                    for v in tf.compat.v1.global_variables()}
    self.assertEqual(restored["global_step"], 7)
    for name in ("encoder/kernel", "encoder/bias"):
      self.assertAllClose(restored[name], values[name.replace("/", "__")],
                          atol=0)
    self.assertNotAllClose(restored["logits/kernel"],
                           values["logits__kernel"])
    self.assertEqual(
        sorted(n for n, _ in framework.list_variables(checkpoint)),
        sorted(k.replace("__", "/") for k in values.files))

  def test_arg_scope(self):
    @framework.add_arg_scope
    def scaled(x, scale=1, offset=0):
      return x * scale + offset

    with framework.arg_scope([scaled], scale=3):
      self.assertEqual(scaled(2), 6)
      self.assertEqual(scaled(2, offset=1), 7)
      with framework.arg_scope([scaled], offset=10):
        self.assertEqual(scaled(1), 13)
    self.assertEqual(scaled(2), 2)
    self.assertTrue(framework.has_arg_scope(scaled))
    self.assertEqual(list(framework.arg_scoped_arguments(scaled)),
                     ["scale", "offset"])

  def test_local_and_global_variable_collections(self):
    with tf.Graph().as_default():
      local = framework.local_variable([1.0], name="local")
      global_ = framework.global_variable([2.0], name="global")
      self.assertEqual(tf.compat.v1.local_variables(), [local])
      self.assertEqual(tf.compat.v1.global_variables(), [global_])
      self.assertEqual(tf.compat.v1.trainable_variables(), [])

  def test_name_scope_and_missing_name(self):
    with tf.Graph().as_default():
      with tf.compat.v1.name_scope("outer"):
        with tf.compat.v1.name_scope("inner"):
          self.assertEqual(framework.get_name_scope(), "outer/inner")
    with self.assertRaisesRegex(AttributeError, "no_such_function"):
      framework.no_such_function  # pylint: disable=pointless-statement


def run_dataset(dataset):
  element = tf.compat.v1.data.make_one_shot_iterator(dataset).get_next()
  out = []
  with tf.compat.v1.Session() as sess:
    while True:
      try:
        got = sess.run(element)
      except tf.errors.OutOfRangeError:
        return out
      out.append(tf.nest.map_structure(lambda a: a.tolist(), got))


DATA_CASES = {
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
    "bucket_by_sequence_length": lambda: tf.data.Dataset.range(1, 9).map(
        lambda n: tf.fill([n], n)).apply(data.bucket_by_sequence_length(
            lambda x: tf.shape(x)[0], [3, 6], [2, 2, 2])),
    "shuffle_and_repeat_sorted": lambda: tf.data.Dataset.range(5).apply(
        data.shuffle_and_repeat(5, count=2, seed=3)).batch(5),
}


class DataTest(tf.test.TestCase, parameterized.TestCase):

  @parameterized.parameters(*sorted(DATA_CASES))
  def test_matches_tf115(self, name):
    with tf.Graph().as_default():
      got = run_dataset(DATA_CASES[name]())
    if name == "shuffle_and_repeat_sorted":
      got = [sorted(batch) for batch in got]  # Shuffles differ in order.
    self.assertEqual(json.loads(json.dumps(got)), load("data.json")[name])

  def test_sliding_window_stride_and_shift_conflict(self):
    with self.assertRaisesRegex(ValueError, "Cannot specify both `stride` "
                                "and `window_shift`"):
      data.sliding_window_batch(2, stride=1, window_shift=1)

  def test_sloppy_interleave_yields_everything(self):
    with tf.Graph().as_default():
      got = run_dataset(tf.data.Dataset.range(3).apply(
          data.sloppy_interleave(
              lambda x: tf.data.Dataset.from_tensors(x).repeat(2), 2)))
    self.assertEqual(sorted(got), [0, 0, 1, 1, 2, 2])

  def test_experimental_names_exist(self):
    found = data.experimental_names()
    self.assertContainsSubset(["group_by_window", "shuffle_and_repeat",
                               "bucket_by_sequence_length", "unbatch"],
                              found)


class LookupTest(tf.test.TestCase):

  def test_tables_match_tf115(self):
    vocab = ["the", "cat", "sat", "on", "mat"]
    vocab_file = os.path.join(FIXTURES, "vocab.txt")
    with tf.Graph().as_default():
      words = tf.constant(["the", "dog", "mat", "cat", "zebra"])
      ids = tf.constant([0, 4, 9, -1], tf.int64)
      fetches = {
          "index_table_from_file": lookup.index_table_from_file(
              vocab_file).lookup(words),
          "index_table_from_file_oov": lookup.index_table_from_file(
              vocab_file, num_oov_buckets=3).lookup(words),
          "index_table_from_tensor": lookup.index_table_from_tensor(
              vocab, default_value=-5).lookup(words),
          "index_to_string_table_from_file":
              lookup.index_to_string_table_from_file(vocab_file).lookup(ids),
          "index_to_string_table_from_tensor":
              lookup.index_to_string_table_from_tensor(
                  vocab, default_value="?").lookup(ids),
          "string_to_index": lookup.string_to_index(words, vocab),
          "index_to_string": lookup.index_to_string(ids, vocab),
          "hash_table": lookup.HashTable(
              lookup.KeyValueTensorInitializer(vocab, list(range(5)),
                                               value_dtype=tf.int64),
              -1).lookup(words),
      }
      with tf.compat.v1.Session() as sess:
        sess.run(tf.compat.v1.tables_initializer())
        got = sess.run(fetches)
    got = {k: [x.decode() if isinstance(x, bytes) else int(x) for x in v]
           for k, v in got.items()}
    self.assertEqual(got, load("lookup.json"))

  def test_string_table_needs_strings(self):
    with tf.Graph().as_default():
      with self.assertRaisesRegex(ValueError, "requires string"):
        lookup.string_to_index_table_from_tensor([1, 2])


class V1BehaviorTest(tf.test.TestCase):

  def test_all_tests_pass_with_v2_behavior_disabled(self):
    tf1_behaviour.rerun(self, "contrib_misc_test", min_tests=15)


if __name__ == "__main__":
  tf.test.main()
