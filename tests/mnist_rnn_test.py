"""Tests for train.mnist_rnn: graph, learning, resume, refusal, export."""

import collections
import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import tensorflow as tf

from tf1seq import files
from train import checkpoints
from train import loop
from train import mnist_rnn

Splits = collections.namedtuple(
    "Splits", "train_images train_labels test_images test_labels")


def learnable_splits(num_train=640, num_test=200, seed=0):
  """Images whose class is the index of their one bright row (of 10)."""
  rng = np.random.RandomState(seed)

  def make(n):
    labels = rng.randint(0, 10, size=n).astype(np.uint8)
    images = rng.randint(0, 60, size=(n, 28, 28)).astype(np.uint8)
    for i, label in enumerate(labels):
      images[i, 2 * label + 4, :] = 255
    return images, labels

  train_images, train_labels = make(num_train)
  test_images, test_labels = make(num_test)
  return Splits(train_images, train_labels, test_images, test_labels)


def train_for(model_dir, steps, config=None, splits=None,
              validation_size=64):
  config = config or mnist_rnn.test_config()
  data = mnist_rnn.Data(splits or learnable_splits(),
                        validation_size=validation_size,
                        batch_size=config.batch_size, seed=config.seed)
  return mnist_rnn.train(
      config, data, model_dir, total_steps=steps, eval_every=0,
      log_every=10, save_checkpoint_steps=10, keep_checkpoint_max=3,
      session_config=loop.session_config(1, 1))


class GraphTest(tf.test.TestCase):

  def test_variable_names_and_shapes(self):
    with tf.Graph().as_default():
      mnist_rnn.MNISTModel(mnist_rnn.test_config(), steps_per_epoch=10)
      shapes = {v.op.name: v.shape.as_list()
                for v in tf.compat.v1.trainable_variables()}
    self.assertEqual(shapes, {
        "dense/kernel": [28, 16],
        "dense/bias": [16],
        "rnn/basic_lstm_cell/kernel": [32, 64],
        "rnn/basic_lstm_cell/bias": [64],
        "dense_1/kernel": [16, 10],
        "dense_1/bias": [10],
    })

  def test_two_layers_with_dropout_use_multi_rnn_cell_names(self):
    config = mnist_rnn.test_config()
    config.num_layers = 2
    config.output_keep_prob = 0.5
    with tf.Graph().as_default():
      mnist_rnn.MNISTModel(config, steps_per_epoch=10)
      names = sorted(v.op.name for v in tf.compat.v1.trainable_variables())
    self.assertIn("rnn/multi_rnn_cell/cell_0/basic_lstm_cell/kernel", names)
    self.assertIn("rnn/multi_rnn_cell/cell_1/basic_lstm_cell/kernel", names)

  def test_bidirectional_names_and_numerics_match_numpy(self):
    config = mnist_rnn.test_config()
    config.bidirectional = True
    with tf.Graph().as_default():
      images = tf.compat.v1.placeholder(tf.float32, [None, 28, 28])
      logits = mnist_rnn.build_logits(images, config)
      variables = {v.op.name: v
                   for v in tf.compat.v1.trainable_variables()}
      self.assertEqual(
          {name: v.shape.as_list() for name, v in variables.items()}, {
              "dense/kernel": [28, 16],
              "dense/bias": [16],
              "rnn/fw/basic_lstm_cell/kernel": [32, 64],
              "rnn/fw/basic_lstm_cell/bias": [64],
              "rnn/bw/basic_lstm_cell/kernel": [32, 64],
              "rnn/bw/basic_lstm_cell/bias": [64],
              "dense_1/kernel": [32, 10],
              "dense_1/bias": [10],
          })
      x = np.random.RandomState(0).rand(3, 28, 28).astype(np.float32)
      with self.session() as session:
        session.run(tf.compat.v1.global_variables_initializer())
        # Non-zero biases, so that a swapped or missing bias shows.
        for name in ("rnn/fw/basic_lstm_cell/bias",
                     "rnn/bw/basic_lstm_cell/bias", "dense_1/bias"):
          variables[name].load(
              np.random.RandomState(len(name)).randn(
                  *variables[name].shape.as_list()) * 0.5, session)
        got, values = session.run([logits, variables], {images: x})

    def sigmoid(z):
      return 1 / (1 + np.exp(-z))

    def final_h(rows, prefix):
      kernel = values[prefix + "/kernel"]
      bias = values[prefix + "/bias"]
      c = h = np.zeros((rows.shape[0], 16))
      for t in range(rows.shape[1]):
        gates = np.concatenate([rows[:, t], h], 1) @ kernel + bias
        i, j, f, o = np.split(gates, 4, axis=1)
        c = c * sigmoid(f + 1.0) + sigmoid(i) * np.tanh(j)
        h = np.tanh(c) * sigmoid(o)
      return h

    projected = x @ values["dense/kernel"] + values["dense/bias"]
    features = np.concatenate([
        final_h(projected, "rnn/fw/basic_lstm_cell"),
        final_h(projected[:, ::-1], "rnn/bw/basic_lstm_cell")], 1)
    expected = features @ values["dense_1/kernel"] + values["dense_1/bias"]
    self.assertAllClose(got, expected, atol=1e-5)

  def test_any_batch_size_and_final_h_feeds_classifier(self):
    with tf.Graph().as_default():
      images = tf.compat.v1.placeholder(tf.float32, [None, 28, 28])
      logits = mnist_rnn.build_logits(images, mnist_rnn.test_config())
      graph = tf.compat.v1.get_default_graph()
      h = graph.get_tensor_by_name("dense_1/MatMul:0").op.inputs[0]
      rnn_outputs = graph.get_tensor_by_name("rnn/transpose_1:0")
      with self.session() as session:
        session.run(tf.compat.v1.global_variables_initializer())
        for batch in (1, 7):
          x = np.random.RandomState(batch).rand(batch, 28, 28)
          out, h_value, outputs = session.run(
              [logits, h, rnn_outputs], {images: x})
          self.assertEqual(out.shape, (batch, 10))
          # The tutorial's note: state h equals the last step's output.
          self.assertAllClose(h_value, outputs[:, -1], atol=1e-7)


class DataTest(tf.test.TestCase):

  def test_every_example_once_per_epoch_and_order_reproducible(self):
    splits = learnable_splits(num_train=100)
    data = mnist_rnn.Data(splits, validation_size=10, batch_size=30, seed=3)
    self.assertEqual(data.steps_per_epoch, 3)  # 90 // 30; remainder dropped.
    again = mnist_rnn.Data(splits, validation_size=10, batch_size=30, seed=3)
    for epoch in range(2):
      seen = []
      for index in range(3):
        step = epoch * 3 + index
        images, labels = data.batch(step)
        other_images, _ = again.batch(step)
        self.assertAllEqual(images, other_images)
        seen.extend(map(tuple, images.reshape(30, -1)[:, :50]))
        self.assertEqual(labels.dtype, np.int64)
      self.assertLen(set(seen), 90)
    self.assertAllClose(data.validation[0],
                        splits.train_images[:10] / 255.0)

  def test_validation_size_too_large(self):
    with self.assertRaisesRegex(ValueError, r"--validation_size=100 leaves "
                                r"no training examples \(the training set "
                                r"has 100\)"):
      mnist_rnn.Data(learnable_splits(num_train=100), 100, 10, 0)

  def test_batch_larger_than_train_set(self):
    with self.assertRaisesRegex(ValueError, r"--batch_size=64 is larger than "
                                r"the training set \(40 examples\)"):
      mnist_rnn.Data(learnable_splits(num_train=50), 10, 64, 0)


class TrainTest(tf.test.TestCase):

  def test_learns_resumes_and_refuses_other_graphs(self):
    model_dir = self.create_tempdir().full_path
    first = train_for(model_dir, 120)
    self.assertEqual(first["global_step"], 120)
    history = first["history"]
    # Chance is 0.1. Adam at the test config's rate oscillates near the
    # end (0.72-1.0 between evaluations, by CPU and summation order), so
    # the best evaluation must be near-perfect and the last well learnt.
    self.assertGreater(max(h["validation_accuracy"] for h in history), 0.95)
    self.assertGreater(history[-1]["validation_accuracy"], 0.6)
    self.assertGreater(first["test_accuracy"], 0.6)
    self.assertLess(history[0]["validation_accuracy"], 0.5)
    self.assertTrue(tf.io.gfile.glob(os.path.join(model_dir, "events.*")))

    # Resume: the global step continues from the checkpoint.
    second = train_for(model_dir, 140)
    self.assertEqual(second["global_step"], 140)
    self.assertEqual(second["steps_this_run"], 20)

    # Another --num_units: refused with a message, checkpoint untouched.
    before = sorted(os.listdir(model_dir))
    config = mnist_rnn.test_config()
    config.num_units = 8
    with self.assertRaisesRegex(
        checkpoints.IncompatibleCheckpointError,
        r"dense/kernel has shape \[28, 16\] in the checkpoint, \[28, 8\] in "
        r"this graph.*--num_units"):
      train_for(model_dir, 160, config=config)
    self.assertEqual(sorted(os.listdir(model_dir)), before)
    self.assertEqual(tf.train.latest_checkpoint(model_dir),
                     os.path.join(model_dir, "model.ckpt-140"))


  def test_in_memory_file_system_paths_and_eval_summaries(self):
    # Every path through tf.io.gfile: a gs://-style model_dir works as a
    # local one (TensorFlow's ram:// file system stands in for a bucket).
    model_dir = "ram://mnist_rnn_test/run"
    metrics = train_for(model_dir, 12)
    self.assertEqual(metrics["checkpoint"], model_dir + "/model.ckpt-12")
    resumed = train_for(model_dir, 14)  # Resumes from the ram:// checkpoint.
    self.assertEqual(resumed["steps_this_run"], 2)
    loop.finish(model_dir, resumed, "ram://mnist_rnn_test/export",
                lambda: mnist_rnn.export_model(
                    resumed["checkpoint"], mnist_rnn.test_config(),
                    "ram://mnist_rnn_test/export"))
    self.assertEqual(files.read_json(model_dir + "/metrics.json")["global_step"],
                     14)
    self.assertEqual(resumed["export_path"], "ram://mnist_rnn_test/export/1")
    self.assertTrue(tf.io.gfile.exists(
        "ram://mnist_rnn_test/export/1/saved_model.pb"))
    # Evaluation summaries go to model_dir/eval, with training's tags.
    tags = set()
    for path in tf.io.gfile.glob(model_dir + "/eval/events.out.tfevents.*"):
      for event in tf.compat.v1.train.summary_iterator(path):
        tags.update(value.tag for value in event.summary.value)
    self.assertTrue({"accuracy", "loss", "test_accuracy"} <= tags, tags)

  def test_no_validation_set_trains_on_everything(self):
    # --validation_size=0: every training example is trained on (as the
    # tutorial's protocol); history has no validation figure, not NaN.
    model_dir = self.create_tempdir().full_path
    metrics = train_for(model_dir, 10, validation_size=0)
    self.assertEqual(metrics["global_step"], 10)
    self.assertIsNone(metrics["validation_accuracy"])
    self.assertEqual([h["validation_accuracy"] for h in metrics["history"]],
                     [None])
    self.assertBetween(metrics["test_accuracy"], 0.0, 1.0)
    json.dumps(metrics, allow_nan=False)  # metrics.json stays valid JSON.


class ExportTest(tf.test.TestCase):

  def test_export_loads_in_fresh_process_and_predicts_like_training(self):
    model_dir = self.create_tempdir().full_path
    export_dir = os.path.join(model_dir, "export")
    train_for(model_dir, 20)
    checkpoint = tf.train.latest_checkpoint(model_dir)
    config = mnist_rnn.test_config()
    path = mnist_rnn.export_model(checkpoint, config, export_dir)
    self.assertEqual(path, os.path.join(export_dir, "1"))
    self.assertEqual(mnist_rnn.export_model(checkpoint, config, export_dir),
                     os.path.join(export_dir, "2"))
    self.assertEqual(sorted(name for name in os.listdir(export_dir)
                            if not name.startswith(".")), ["1", "2"])

    images = learnable_splits().test_images[:5].astype(np.float32) / 255.0
    with tf.Graph().as_default():
      model = mnist_rnn.MNISTModel(config, steps_per_epoch=10)
      probabilities = tf.nn.softmax(
          tf.compat.v1.get_default_graph().get_tensor_by_name(
              "dense_1/BiasAdd:0"))
      with self.session() as session:
        tf.compat.v1.train.Saver().restore(session, checkpoint)
        expected = session.run(probabilities, {model.images: images})
    images_file = os.path.join(model_dir, "images.npy")
    np.save(images_file, images)

    script = textwrap.dedent("""
        import json, sys
        import numpy as np
        import tensorflow as tf
        path, images_file = sys.argv[1:]
        images = np.load(images_file)
        loaded = tf.saved_model.load(path)
        out = loaded.signatures["serving_default"](images=tf.constant(images))
        with tf.Graph().as_default(), tf.compat.v1.Session() as sess:
          meta = tf.compat.v1.saved_model.loader.load(sess, ["serve"], path)
          sig = meta.signature_def["serving_default"]
          v1 = sess.run(sig.outputs["probabilities"].name,
                        {sig.inputs["images"].name: images})
          example = tf.train.Example(features=tf.train.Features(feature={
              "images": tf.train.Feature(float_list=tf.train.FloatList(
                  value=images[0].ravel()))}))
          cls = meta.signature_def["classify"]
          scores = sess.run(cls.outputs["scores"].name,
                            {cls.inputs["inputs"].name:
                             [example.SerializeToString()]})
        print(json.dumps({"probabilities": out["probabilities"].numpy().tolist(),
                          "classes": out["classes"].numpy().tolist(),
                          "classes_dtype": out["classes"].dtype.name,
                          "v1": v1.tolist(), "scores": scores.tolist()}))
        """)
    result = subprocess.run([sys.executable, "-c", script, path, images_file],
                            capture_output=True, text=True, timeout=300,
                            check=False)
    self.assertEqual(result.returncode, 0, result.stderr[-3000:])
    loaded = json.loads(result.stdout.strip().splitlines()[-1])
    self.assertAllClose(loaded["probabilities"], expected, atol=1e-6)
    self.assertAllClose(loaded["v1"], expected, atol=1e-6)
    self.assertAllClose(loaded["scores"][0], expected[0], atol=1e-6)
    self.assertEqual(loaded["classes"], expected.argmax(1).tolist())
    self.assertEqual(loaded["classes_dtype"], "int64")

    cli = os.path.join(os.path.dirname(sys.executable), "saved_model_cli")
    shown = subprocess.run([cli, "show", "--all", "--dir", path],
                           capture_output=True, text=True, timeout=300,
                           check=False)
    self.assertEqual(shown.returncode, 0, shown.stderr[-3000:])
    self.assertIn("signature_def['serving_default']", shown.stdout)
    self.assertIn("signature_def['classify']", shown.stdout)
    self.assertRegex(shown.stdout, r"inputs\['images'\] tensor_info:\s+"
                     r"dtype: DT_FLOAT\s+shape: \(-1, 28, 28\)")

  def test_export_never_overwrites_a_version(self):
    from tf1seq import export  # pylint: disable=g-import-not-at-top
    export_dir = self.create_tempdir().full_path
    os.makedirs(os.path.join(export_dir, "3"))
    self.assertEqual(export.next_version(export_dir), 4)
    with tf.Graph().as_default():
      x = tf.compat.v1.placeholder(tf.float32, [None], name="x")
      y = tf.identity(x * 2, name="y")
      signature = {"serving_default": export.predict_signature({"x": x},
                                                               {"y": y})}
      with self.session() as session:
        with self.assertRaisesRegex(FileExistsError, r"3 exists already"):
          export.export_saved_model(export_dir, session, signature, version=3)
        with self.assertRaisesRegex(ValueError, r"'serving_default'"):
          export.export_saved_model(export_dir, session, {})
    self.assertEqual(os.listdir(os.path.join(export_dir, "3")), [])
    self.assertEqual(sorted(os.listdir(export_dir)), ["3"])


if __name__ == "__main__":
  tf.test.main()
