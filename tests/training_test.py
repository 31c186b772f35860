"""Tests for tf1seq.contrib.training against TensorFlow 1.15's behaviour.

Oracles: tests/testdata/training/*.json, written by TensorFlow 1.15's
tf.contrib.training (tests/testdata/make_training_fixtures.py): for HParams
every call's result or error (type and message) and the final values, str and
repr; parse_values' results; and the batches bucket_by_sequence_length made.
"""

import json
import os
import subprocess
import sys

from absl.testing import parameterized
import tensorflow as tf

from tf1seq.contrib import training

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "testdata", "training")
TYPES = {"int": int, "float": float, "str": str, "bool": bool}


def load(name):
  with open(os.path.join(FIXTURES, name)) as f:
    return json.load(f)


def outcome(fn):
  """What TF1.15's fixture records: a value's repr or an error."""
  try:
    return {"value": repr(fn())}
  except Exception as e:  # pylint: disable=broad-except
    return {"error": type(e).__name__, "message": str(e)}


def call(hparams, method, args):
  if method == "to_json":
    return hparams.to_json()
  if method == "to_json_sorted":
    return hparams.to_json(indent=2, sort_keys=True)
  if method == "contains":
    return args[0] in hparams
  if method == "add_hparam" and isinstance(args[1], list):
    args = (args[0], tuple(args[1]))  # The generator passed tuples.
  result = getattr(hparams, method)(*args)
  return "self" if result is hparams else result


class HParamsTest(tf.test.TestCase, parameterized.TestCase):

  @parameterized.named_parameters(
      (entry["name"], entry) for entry in load("hparams.json"))
  def test_matches_tf115(self, entry):
    if "init" in entry:
      self.assertEqual(outcome(lambda: training.HParams(**entry["kwargs"])),
                       entry["init"])
      return
    hparams = training.HParams(**entry["kwargs"])
    for args, want in zip(entry["calls"], entry["results"]):
      got = outcome(lambda a=args: call(hparams, a[0], a[1:]))
      self.assertEqual(got, want, msg="call %s" % args)
    self.assertEqual(repr(sorted(hparams.values().items())), entry["values"])
    self.assertEqual(str(hparams), entry["str"])
    self.assertEqual(repr(hparams), entry["repr"])

  def test_attributes_and_json_round_trip(self):
    hparams = training.HParams(learning_rate=0.1, units=[3, 4], cell="gru")
    self.assertEqual(hparams.learning_rate, 0.1)
    copy = training.HParams(learning_rate=0.0, units=[1], cell="")
    copy.parse_json(hparams.to_json())
    self.assertEqual(copy.values(), hparams.values())
    self.assertIs(hparams.parse("units=[5]"), hparams)
    self.assertEqual(hparams.units, [5])

  def test_type_rules_follow_the_first_value(self):
    hparams = training.HParams(rate=0.5, steps=10, on=False, name="a")
    hparams.set_hparam("rate", 2)
    self.assertIsInstance(hparams.rate, float)
    for name, value in (("steps", 1.5), ("on", 1), ("name", 3),
                        ("steps", "3")):
      with self.assertRaisesRegex(ValueError,
                                  "Could not cast hparam '%s'" % name):
        hparams.set_hparam(name, value)

  def test_unknown_name(self):
    hparams = training.HParams(a=1)
    with self.assertRaisesRegex(ValueError,
                                "Unknown hyperparameter type for b"):
      hparams.parse("b=2")
    with self.assertRaises(KeyError):
      hparams.set_hparam("b", 2)

  def test_hparam_def_is_not_supported(self):
    with self.assertRaisesRegex(NotImplementedError, "parse_json"):
      training.HParams(hparam_def=object())


class ParseValuesTest(tf.test.TestCase, parameterized.TestCase):

  @parameterized.parameters(*load("parse_values.json"))
  def test_matches_tf115(self, values, types, ignore_unknown, result):
    type_map = {name: TYPES[t] for name, t in types.items()}
    self.assertEqual(
        outcome(lambda: training.parse_values(values, type_map,
                                              ignore_unknown=ignore_unknown)),
        result)


def bucket_batches(lengths, **kwargs):
  """Runs bucket_by_sequence_length over sequences i+1 repeated lengths[i]."""
  with tf.Graph().as_default():
    data = tf.data.Dataset.from_generator(
        lambda: ([i + 1] * n for i, n in enumerate(lengths)),
        output_signature=tf.TensorSpec([None], tf.int32))
    sequence = tf.compat.v1.data.make_one_shot_iterator(data).get_next()
    length, (batch,) = training.bucket_by_sequence_length(
        tf.shape(sequence)[0], [sequence], **kwargs)
    summaries = sorted(
        op.name for op in tf.compat.v1.get_default_graph().get_operations()
        if op.type == "ScalarSummary")
    batches = []
    with tf.compat.v1.train.MonitoredSession() as sess:
      while not sess.should_stop():
        got_length, got_batch = sess.run([length, batch])
        batches.append({"lengths": got_length.tolist(),
                        "batch": got_batch.tolist()})
    return {"batches": sorted(batches, key=lambda b: b["batch"]),
            "summaries": summaries}


class BucketBySequenceLengthTest(tf.test.TestCase):

  def test_batches_match_tf115(self):
    fixture = load("bucket.json")
    batches = bucket_batches(
        fixture["lengths"], batch_size=fixture["batch_size"],
        bucket_boundaries=fixture["bucket_boundaries"], dynamic_pad=True,
        allow_smaller_final_batch=True)
    self.assertEqual(batches["batches"], fixture["batches"])
    self.assertEqual(batches["summaries"], fixture["summaries"])

  def test_full_batches_only_and_a_dictionary(self):
    with tf.Graph().as_default():
      lengths = tf.constant([1, 4, 2, 5, 1, 6], tf.int64)
      queue = tf.compat.v1.train.range_input_producer(6, shuffle=False,
                                                      num_epochs=1)
      index = queue.dequeue()
      features = {"id": index, "value": tf.cast(index, tf.float32) * 2}
      length, batch = training.bucket_by_sequence_length(
          tf.cast(tf.gather(lengths, index), tf.int32), features,
          batch_size=2, bucket_boundaries=[3])
      self.assertEqual(sorted(batch), ["id", "value"])
      self.assertEqual(batch["id"].shape.as_list(), [2])
      got = []
      with tf.compat.v1.train.MonitoredSession() as sess:
        while not sess.should_stop():
          got.append(sess.run([length, batch]))
    ids = sorted(sorted(b["id"].tolist()) for _, b in got)
    self.assertEqual(ids, [[0, 2], [1, 3]])  # 4 and 5 wait for a partner.
    for lengths_got, b in got:
      self.assertAllEqual(b["value"], 2 * b["id"])
      self.assertLen(set(lengths_got >= 3), 1)

  def test_keep_input_drops(self):
    with tf.Graph().as_default():
      queue = tf.compat.v1.train.range_input_producer(8, shuffle=False,
                                                      num_epochs=1)
      index = queue.dequeue()
      _, (batch,) = training.bucket_by_sequence_length(
          index, [index], batch_size=2, bucket_boundaries=[4],
          keep_input=tf.equal(index % 2, 0))
      got = []
      with tf.compat.v1.train.MonitoredSession() as sess:
        while not sess.should_stop():
          got.append(sorted(sess.run(batch).tolist()))
    self.assertEqual(sorted(got), [[0, 2], [4, 6]])

  def test_bad_boundaries(self):
    with tf.Graph().as_default():
      x = tf.zeros([3])
      with self.assertRaisesRegex(TypeError, "bucket_boundaries must be a "
                                  "list or tuple, but received: 3"):
        training.bucket_by_sequence_length(3, [x], 2, 3)
      with self.assertRaisesRegex(ValueError, "must not be empty"):
        training.bucket_by_sequence_length(3, [x], 2, [])
      with self.assertRaisesRegex(ValueError, "Buckets must contain "
                                  "sequential increasing lengths, but saw: "
                                  "5 before 5"):
        training.bucket_by_sequence_length(3, [x], 2, [1, 5, 5])
      with self.assertRaisesRegex(TypeError, "bucket boundaries must be "
                                  "integers, but saw: 1.5 and 2"):
        training.bucket_by_sequence_length(3, [x], 2, [1.5, 2])
      with self.assertRaisesRegex(ValueError, "If batch_size is a list it "
                                  "must have num_buckets elements"):
        training.bucket_by_sequence_length(3, [x], [2, 2], [4, 8])
      with self.assertRaisesRegex(ValueError, r"The list bucket_capacities "
                                  r"\(\[1\]\) must have exactly num_buckets "
                                  r"\(2\) elements."):
        training.bucket_by_sequence_length(3, [x], 2, [4],
                                           bucket_capacities=[1])


class CheckpointWaitTest(tf.test.TestCase):

  def test_wait_for_new_checkpoint(self):
    directory = self.create_tempdir().full_path
    self.assertIsNone(training.wait_for_new_checkpoint(
        directory, seconds_to_sleep=0.01, timeout=0.05))
    with tf.Graph().as_default():
      tf.compat.v1.Variable(1.0, name="v")
      with tf.compat.v1.Session() as sess:
        sess.run(tf.compat.v1.global_variables_initializer())
        path = tf.compat.v1.train.Saver().save(
            sess, os.path.join(directory, "model.ckpt"), global_step=3)
    self.assertEqual(training.wait_for_new_checkpoint(directory, timeout=1),
                     path)
    self.assertIsNone(training.wait_for_new_checkpoint(
        directory, path, seconds_to_sleep=0.01, timeout=0.05))


class V1BehaviorTest(tf.test.TestCase):

  def test_bucketing_with_v2_behavior_disabled(self):
    code = (
        "import sys\n"
        "import tensorflow as tf\n"
        "tf.compat.v1.disable_v2_behavior()\n"
        "sys.path.insert(0, %r)\n"
        "import training_test\n"
        "fixture = training_test.load('bucket.json')\n"
        "got = training_test.bucket_batches(\n"
        "    fixture['lengths'], batch_size=fixture['batch_size'],\n"
        "    bucket_boundaries=fixture['bucket_boundaries'],\n"
        "    dynamic_pad=True, allow_smaller_final_batch=True)\n"
        "sys.exit(0 if got['batches'] == fixture['batches'] else 1)\n" %
        HERE)
    root = os.path.dirname(HERE)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [root, os.environ.get("PYTHONPATH", "")]))
    result = subprocess.run([sys.executable, "-c", code], cwd=root, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, timeout=300, check=False)
    if result.returncode != 0:
      self.fail("v1-behavior run failed:\n%s" % result.stderr[-5000:])


if __name__ == "__main__":
  tf.test.main()
