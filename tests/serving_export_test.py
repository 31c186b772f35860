"""Serving exports: plain graphs, converters as clients, contract, warm-up.

The MNIST row-LSTM and the character LM's stateful `step` signature are
exported from checkpoints of their training graphs (the XLA-compiled fused
LSTM with its custom gradient), and the exports are checked against those
training graphs, against TFLite (built-in ops only) and ONNX Runtime
conversions of themselves, and against TensorFlow Serving's file formats.
"""

import hashlib
import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import tensorflow as tf

from tensorflow.core.protobuf import saved_model_pb2
from tf1seq import rnn
from tf1seq import rnn_cell
from tf1seq import serving_export
from tf1seq import state
from tf1seq import warmup
from tf1seq.data import mnist
from train import char_lm_model
from train import char_lm_serving
from train import mnist_rnn

# Attributes that mark an XLA cluster or function, or a custom gradient.
FORBIDDEN_ATTRS = ("_XlaMustCompile", "_XlaCompile", "_XlaScope",
                   "_XlaSeparateCompiledGradients", "_gradient_op_type")
CHARS = "abcdefgh ."


def forbidden_attrs(graph_def):
  """`[(where, attribute)]` of every forbidden attribute of a GraphDef,
  its nodes, its functions and their nodes; `(where, "op:" + type)` of
  every node that is one of tf1seq's C++ kernels (no server has them)."""
  found = []

  def scan(where, attrs):
    found.extend((where, key) for key in attrs
                 if key in FORBIDDEN_ATTRS or "xla" in key.lower())

  def scan_node(where, node):
    scan(where, node.attr)
    if node.op.startswith("Tf1seq"):
      found.append((where, "op:" + node.op))

  for node in graph_def.node:
    scan_node(node.name, node)
  for function in graph_def.library.function:
    name = function.signature.name
    scan(name, function.attr)
    for node in function.node_def:
      scan_node(name + "/" + node.name, node)
  return found


def saved_model_proto(path):
  saved_model = saved_model_pb2.SavedModel()
  with open(os.path.join(path, "saved_model.pb"), "rb") as f:
    saved_model.ParseFromString(f.read())
  return saved_model


def tf2onnx_convert(saved_model_dir, signature, output, extra_args=()):
  result = subprocess.run(
      [sys.executable, "-m", "tf2onnx.convert", "--saved-model",
       saved_model_dir, "--signature_def", signature, "--opset", "17",
       "--output", output] + list(extra_args), capture_output=True,
      text=True, timeout=300, check=False)
  if result.returncode:
    raise AssertionError(result.stderr[-3000:])
  import onnxruntime  # pylint: disable=g-import-not-at-top
  return onnxruntime.InferenceSession(output,
                                      providers=["CPUExecutionProvider"])


def onnx_run(session, feeds):
  names = [output.name for output in session.get_outputs()]
  return dict(zip(names, session.run(None, feeds)))


class MNISTExportTest(tf.test.TestCase):

  @classmethod
  def setUpClass(cls):
    super().setUpClass()
    cls.root = tf.compat.v1.test.get_temp_dir()
    cls.export_dir = os.path.join(cls.root, "mnist_export")
    cls.config = mnist_rnn.test_config()
    splits = mnist.load("mnist_sample")
    cls.images = splits.test_images[:64].astype(np.float32) / 255.0
    train_images = splits.train_images[:96].astype(np.float32) / 255.0
    train_labels = splits.train_labels[:96].astype(np.int64)
    # The training graph: the fused LSTM under XLA, a few Adam steps.
    with tf.Graph().as_default() as graph:
      tf.compat.v1.set_random_seed(1)
      model = mnist_rnn.MNISTModel(cls.config, steps_per_epoch=3)
      probabilities = tf.nn.softmax(
          graph.get_tensor_by_name("dense_1/BiasAdd:0"))
      cls.training_graph_def = graph.as_graph_def()
      with tf.compat.v1.Session(graph=graph) as session:
        session.run(tf.compat.v1.global_variables_initializer())
        for step in range(3):
          rows = slice(32 * step, 32 * (step + 1))
          session.run(model.train_op, {model.images: train_images[rows],
                                       model.labels: train_labels[rows]})
        cls.expected = session.run(probabilities, {model.images: cls.images})
        cls.checkpoint = tf.compat.v1.train.Saver().save(
            session, os.path.join(cls.root, "mnist", "model.ckpt"))
    cls.path = mnist_rnn.export_model(cls.checkpoint, cls.config,
                                      cls.export_dir)
    cls.loaded = tf.saved_model.load(cls.path)
    cls.predict = cls.loaded.signatures["serving_default"]

  def test_no_xla_function_or_custom_gradient_in_the_export(self):
    # The scan finds both in the training graph ...
    found = {key for _, key in forbidden_attrs(self.training_graph_def)}
    # Its loops: XLA-compiled, or tf1seq's C++ kernels where they built.
    self.assertTrue({"_XlaMustCompile", "op:Tf1seqLstmForward"} & found,
                    found)
    self.assertIn("_gradient_op_type", found)
    # ... and neither anywhere in the SavedModel (nodes and functions).
    saved_model = saved_model_proto(self.path)
    for meta_graph in saved_model.meta_graphs:
      self.assertGreater(len(meta_graph.graph_def.library.function), 0)
      self.assertEqual(forbidden_attrs(meta_graph.graph_def), [])
      ops = {node.op for function in meta_graph.graph_def.library.function
             for node in function.node_def}
      # The 28 rows are unrolled: no loop, no TensorArray.
      self.assertFalse({op for op in ops if "While" in op or
                        "TensorArray" in op or "TensorList" in op}, ops)

  def test_export_equals_the_training_graph(self):
    self.assertEqual(self.path, os.path.join(self.export_dir, "1"))
    out = self.predict(images=tf.constant(self.images))
    self.assertAllClose(out["probabilities"], self.expected, atol=1e-6,
                        rtol=0)
    self.assertAllEqual(out["classes"], self.expected.argmax(1))
    methods = {key: signature.method_name for key, signature in
               saved_model_proto(self.path).meta_graphs[0]
               .signature_def.items()}
    self.assertEqual(methods["serving_default"], "tensorflow/serving/predict")
    self.assertEqual(methods["classify"], "tensorflow/serving/classify")

  def test_tflite_builtins_agree_with_the_saved_model(self):
    converter = tf.lite.TFLiteConverter.from_saved_model(
        self.path, signature_keys=["serving_default"])
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
    interpreter = tf.lite.Interpreter(model_content=converter.convert())
    runner = interpreter.get_signature_runner("serving_default")
    reference = self.predict(images=tf.constant(self.images))
    out = runner(images=self.images)
    self.assertAllClose(out["probabilities"], reference["probabilities"],
                        atol=1e-4, rtol=0)
    self.assertAllEqual(out["classes"], reference["classes"])

  def test_onnx_runtime_agrees_with_the_saved_model(self):
    session = tf2onnx_convert(
        self.path, "serving_default",
        os.path.join(self.create_tempdir().full_path, "mnist.onnx"))
    reference = self.predict(images=tf.constant(self.images))
    for batch in (self.images[:1], self.images):
      out = onnx_run(session, {"images": batch})
      self.assertAllClose(out["probabilities"],
                          reference["probabilities"][:len(batch)],
                          atol=1e-4, rtol=0)
      self.assertAllEqual(out["classes"], reference["classes"][:len(batch)])

  def test_input_contract_is_enforced_at_the_signature(self):
    images = self.images[:2]
    # A uint8 tensor: refused at the signature's boundary, naming the dtypes.
    with self.assertRaisesRegex(tf.errors.InvalidArgumentError,
                                r"input #0\(zero-based\) was expected to be "
                                r"a float tensor but is a uint8 tensor"):
      self.predict(images=tf.constant((images * 255).astype(np.uint8)))
    # A uint8 numpy array is cast by TensorFlow; its 0..255 values are not
    # in the contract's [0, 1].
    with self.assertRaisesRegex(
        tf.errors.InvalidArgumentError,
        r"images must be float32 \[N, 28, 28\] with values in \[0, 1\] "
        r"\(pixels / 255\); got values from\] \[0\] \[to\] \[255\]"):
      self.predict(images=(images * 255).astype(np.uint8))
    # A wrong shape as numpy: the TensorSpec mismatch.
    with self.assertRaisesRegex(
        TypeError, r"Can not cast TensorSpec\(shape=\(2, 28, 27\), "
        r"dtype=tf.float32, name='images'\) to TensorSpec\(shape=\(None, 28, "
        r"28\), dtype=tf.float32, name='images'\)"):
      self.predict(images=images[:, :, :27])
    # As a tensor (what a server feeds): checked before the model runs.
    with self.assertRaisesRegex(
        tf.errors.InvalidArgumentError,
        r"images must be float32 \[N, 28, 28\] with values in \[0, 1\]; got "
        r"shape\] \[2 28 27\]"):
      self.predict(images=tf.constant(images[:, :, :27]))
    # The contract itself passes, also for an empty batch.
    self.assertEqual(self.predict(images=tf.zeros([0, 28, 28]))[
        "classes"].shape, [0])

  def test_warmup_requests_read_back_and_run(self):
    requests = warmup.read_requests(self.path)
    self.assertEqual([r.model_spec.signature_name for r in requests],
                     ["serving_default"] * 2)
    sizes = []
    for request in requests:
      inputs = warmup.request_inputs(request)
      self.assertEqual(sorted(inputs), ["images"])
      self.assertEqual(inputs["images"].dtype, np.float32)
      out = self.predict(**{k: tf.constant(v) for k, v in inputs.items()})
      self.assertEqual(out["probabilities"].shape, [len(inputs["images"]),
                                                    10])
      sizes.append(len(inputs["images"]))
    self.assertEqual(sizes, [1, 128])
    # The file is TF Serving's: a TFRecord of PredictionLog whose
    # predict_log (field 6) holds the request (field 1).
    path = os.path.join(self.path, "assets.extra",
                        "tf_serving_warmup_requests")
    record = next(iter(tf.data.TFRecordDataset(path))).numpy()
    self.assertEqual(record[:1], b"\x32")  # Field 6, length-delimited.

  def test_a_new_version_never_overwrites_an_old_one(self):
    export_dir = self.create_tempdir().full_path
    first = mnist_rnn.export_model(self.checkpoint, self.config, export_dir)
    digest = hashlib.sha256(open(os.path.join(first, "saved_model.pb"),
                                 "rb").read()).hexdigest()
    second = mnist_rnn.export_model(self.checkpoint, self.config, export_dir)
    self.assertEqual([first, second], [os.path.join(export_dir, "1"),
                                       os.path.join(export_dir, "2")])
    with self.assertRaisesRegex(FileExistsError, "nothing was overwritten"):
      serving_export.export_checkpoint(
          export_dir, self.checkpoint,
          {"serving_default": serving_export.Signature(
              lambda images: {"images": images}, [mnist_rnn.IMAGES_SPEC])},
          version=1)
    # Besides the versions, only the dot-file of the last number issued.
    self.assertEqual(sorted(name for name in os.listdir(export_dir)
                            if not name.startswith(".")), ["1", "2"])
    self.assertEqual(hashlib.sha256(open(os.path.join(
        first, "saved_model.pb"), "rb").read()).hexdigest(), digest)

  def test_classify_signature_loads_with_tf1(self):
    example = tf.train.Example(features=tf.train.Features(feature={
        "images": tf.train.Feature(float_list=tf.train.FloatList(
            value=self.images[0].ravel()))}))
    with tf.Graph().as_default(), tf.compat.v1.Session() as session:
      meta = tf.compat.v1.saved_model.loader.load(session, ["serve"],
                                                  self.path)
      classify = meta.signature_def["classify"]
      scores = session.run(classify.outputs["scores"].name,
                           {classify.inputs["inputs"].name:
                            [example.SerializeToString()]})
    self.assertAllClose(scores[0], self.expected[0], atol=1e-6, rtol=0)


class StepExportTest(tf.test.TestCase):

  @classmethod
  def setUpClass(cls):
    super().setUpClass()
    root = tf.compat.v1.test.get_temp_dir()
    cls.config = char_lm_model.test_config(len(CHARS))
    cls.vocab_path = os.path.join(root, "vocab.json")
    with open(cls.vocab_path, "w") as f:
      json.dump(list(CHARS), f)
    rng = np.random.RandomState(3)
    cls.ids = rng.randint(0, len(CHARS), size=[3, 7]).astype(np.int32)
    # The training path's graph (fused LSTM under XLA) over all ids at once.
    with tf.Graph().as_default() as graph:
      tf.compat.v1.set_random_seed(2)
      model = char_lm_serving.StepModel(cls.config)
      with tf.compat.v1.Session(graph=graph) as session:
        # Non-zero biases, so every variable matters.
        session.run(tf.compat.v1.global_variables_initializer())
        for variable in tf.compat.v1.global_variables():
          session.run(variable.assign(rng.uniform(
              -0.5, 0.5, variable.shape.as_list()).astype(np.float32)))
        cls.expected_logits, cls.expected_state = session.run(
            [model.logits, model.final_state], {model.inputs: cls.ids})
        cls.checkpoint = tf.compat.v1.train.Saver().save(
            session, os.path.join(root, "char", "model.ckpt"))
      cls.state_names = state.state_names(model.state_size)
    cls.path = char_lm_serving.export_step_model(
        cls.checkpoint, cls.config, cls.vocab_path,
        os.path.join(root, "char_export"))
    cls.loaded = tf.saved_model.load(cls.path)

  def run_step_by_step(self, step, zero_state):
    """Feeds the ids one at a time with the carried state."""
    carried = zero_state(len(self.ids))
    logits = []
    for t in range(self.ids.shape[1]):
      out = step(self.ids[:, t:t + 1], carried)
      logits.append(out["logits"])
      carried = {name: out[name] for name in self.state_names}
    return np.concatenate(logits, 1), carried

  def saved_model_step(self, ids, carried):
    out = self.loaded.signatures["step"](
        inputs=tf.constant(ids),
        **{k: tf.constant(v) for k, v in carried.items()})
    return {k: v.numpy() for k, v in out.items()}

  def saved_model_zero_state(self, batch_size):
    out = self.loaded.signatures["zero_state"](
        batch_size=tf.constant(batch_size))
    return {k: v.numpy() for k, v in out.items()}

  def test_no_xla_function_or_custom_gradient_in_the_export(self):
    for meta_graph in saved_model_proto(self.path).meta_graphs:
      self.assertEqual(forbidden_attrs(meta_graph.graph_def), [])
    self.assertTrue(os.path.exists(os.path.join(self.path, "assets",
                                                "vocab.json")))

  def test_step_by_step_equals_the_training_graph(self):
    logits, carried = self.run_step_by_step(self.saved_model_step,
                                            self.saved_model_zero_state)
    self.assertAllClose(logits, self.expected_logits, atol=1e-6, rtol=0)
    for name, value in zip(self.state_names,
                           tf.nest.flatten(self.expected_state)):
      self.assertAllClose(carried[name], value, atol=1e-6, rtol=0)
    # The whole sequence in one call, too.
    out = self.saved_model_step(self.ids, self.saved_model_zero_state(3))
    self.assertAllClose(out["logits"], self.expected_logits, atol=1e-6,
                        rtol=0)

  def test_onnx_runtime_step_by_step_agrees_with_the_saved_model(self):
    # ONNX wants distinct input and output names, and the state goes in and
    # out under the same ones: the graph's names (inputs and outputs in the
    # signature's sorted key order), renamed; states out as next_state_*.
    inputs = sorted(["inputs"] + self.state_names)
    outputs = sorted(["logits", "probabilities"] + self.state_names)
    session = tf2onnx_convert(
        self.path, "step",
        os.path.join(self.create_tempdir().full_path, "step.onnx"),
        ["--use-graph-names", "--rename-inputs", ",".join(inputs),
         "--rename-outputs", ",".join(
             "next_" + name if name.startswith("state") else name
             for name in outputs)])
    self.assertEqual([i.name for i in session.get_inputs()], inputs)

    def onnx_step(ids, carried):
      out = onnx_run(session, dict(carried, inputs=ids))
      return {name[len("next_"):] if name.startswith("next_") else name:
              value for name, value in out.items()}

    onnx_logits, onnx_state = self.run_step_by_step(
        onnx_step, self.saved_model_zero_state)
    tf_logits, tf_state = self.run_step_by_step(self.saved_model_step,
                                                self.saved_model_zero_state)
    self.assertAllClose(onnx_logits, tf_logits, atol=1e-4, rtol=0)
    for name in self.state_names:
      self.assertAllClose(onnx_state[name], tf_state[name], atol=1e-4,
                          rtol=0)

  def test_warmup_requests_read_back_and_run(self):
    sizes = []
    for request in warmup.read_requests(self.path):
      self.assertEqual(request.model_spec.signature_name, "step")
      inputs = warmup.request_inputs(request)
      self.assertEqual(sorted(inputs), sorted(["inputs"] + self.state_names))
      out = self.loaded.signatures["step"](
          **{k: tf.constant(v) for k, v in inputs.items()})
      self.assertEqual(out["logits"].shape,
                       [len(inputs["inputs"]), 1, len(CHARS)])
      sizes.append(len(inputs["inputs"]))
    self.assertEqual(sizes, [1, 128])


class ServingRNNTest(tf.test.TestCase):
  """`dynamic_rnn(for_serving=True)` against the training path."""

  def compare(self, cell_fn, time_steps, sequence_length=None):
    rng = np.random.RandomState(5)
    inputs = rng.uniform(-1, 1, [3, 6, 4]).astype(np.float32)
    with tf.Graph().as_default():
      x = tf.compat.v1.placeholder(tf.float32, [None, time_steps, 4])
      with tf.compat.v1.variable_scope(
          "m", initializer=tf.compat.v1.random_uniform_initializer(
              -0.5, 0.5, seed=1)):
        training = rnn.dynamic_rnn(cell_fn(), x, sequence_length,
                                   dtype=tf.float32)
      with tf.compat.v1.variable_scope("m", reuse=True):
        serving = rnn.dynamic_rnn(cell_fn(), x, sequence_length,
                                  dtype=tf.float32, for_serving=True)
      with self.session() as session:
        session.run(tf.compat.v1.global_variables_initializer())
        got, want = session.run([serving, training], {x: inputs})
    for a, b in zip(tf.nest.flatten(got), tf.nest.flatten(want)):
      self.assertAllClose(a, b, atol=1e-6, rtol=0)

  def test_lstm_unrolled_and_looped(self):
    for time_steps in (6, None):
      self.compare(lambda: rnn_cell.BasicLSTMCell(5), time_steps)
      self.compare(lambda: rnn_cell.BasicLSTMCell(5), time_steps,
                   sequence_length=[6, 2, 0])

  def test_stack_of_gru_and_lstm(self):
    for time_steps in (6, None):
      self.compare(lambda: rnn_cell.MultiRNNCell(
          [rnn_cell.GRUCell(5), rnn_cell.LSTMCell(3)]), time_steps,
                   sequence_length=[1, 6, 3])

  def test_input_projection_folds_into_the_first_layer(self):
    rng = np.random.RandomState(6)
    pixels = rng.uniform(0, 1, [3, 6, 7]).astype(np.float32)
    kernel = rng.uniform(-1, 1, [7, 4]).astype(np.float32)
    bias = rng.uniform(-1, 1, [4]).astype(np.float32)
    for time_steps in (6, None):
      with tf.Graph().as_default():
        x = tf.compat.v1.placeholder(tf.float32, [None, time_steps, 7])
        init = tf.compat.v1.random_uniform_initializer(-0.5, 0.5, seed=1)
        cell = lambda: rnn_cell.MultiRNNCell(
            [rnn_cell.BasicLSTMCell(5), rnn_cell.GRUCell(3)])
        with tf.compat.v1.variable_scope("m", initializer=init):
          # Oracle: the projection as its own op, then TF's own dynamic_rnn.
          projected = tf.tensordot(x, kernel, 1) + bias
          want = tf.compat.v1.nn.dynamic_rnn(cell(), projected,
                                             dtype=tf.float32)
        with tf.compat.v1.variable_scope("m", reuse=True):
          training = rnn.dynamic_rnn(cell(), x, dtype=tf.float32,
                                     input_projection=(kernel, bias))
          serving = rnn.dynamic_rnn(cell(), x, dtype=tf.float32,
                                    for_serving=True,
                                    input_projection=(kernel, bias))
        with self.session() as session:
          session.run(tf.compat.v1.global_variables_initializer())
          want, training, serving = session.run([want, training, serving],
                                                {x: pixels})
      for a, b, c in zip(tf.nest.flatten(want), tf.nest.flatten(training),
                         tf.nest.flatten(serving)):
        self.assertAllClose(b, a, atol=1e-6, rtol=0)
        self.assertAllClose(c, a, atol=1e-6, rtol=0)

  def test_serving_graph_has_no_xla_and_no_loop_when_unrolled(self):
    with tf.Graph().as_default() as graph:
      x = tf.compat.v1.placeholder(tf.float32, [None, 6, 4])
      with rnn.serving_graph():
        rnn.dynamic_rnn(rnn_cell.BasicLSTMCell(5), x, dtype=tf.float32)
        self.assertTrue(rnn.serving_enabled())
    self.assertFalse(rnn.serving_enabled())
    graph_def = graph.as_graph_def()
    self.assertEqual(forbidden_attrs(graph_def), [])
    self.assertFalse([n.op for n in graph_def.node if "While" in n.op])

  def test_v1_behaviour(self):
    script = textwrap.dedent("""
        import numpy as np
        import tensorflow as tf
        tf.compat.v1.disable_v2_behavior()
        from tf1seq import rnn, rnn_cell
        x = tf.compat.v1.placeholder(tf.float32, [None, 6, 4])
        y = tf.compat.v1.placeholder(tf.float32, [None, None, 4])
        init = tf.compat.v1.random_uniform_initializer(-0.5, 0.5, seed=1)
        with tf.compat.v1.variable_scope("m", initializer=init):
          _, want = rnn.dynamic_rnn(rnn_cell.BasicLSTMCell(5), x,
                                    dtype=tf.float32)
        with tf.compat.v1.variable_scope("m", reuse=True):
          _, unrolled = rnn.dynamic_rnn(rnn_cell.BasicLSTMCell(5), x,
                                        dtype=tf.float32, for_serving=True)
          _, looped = rnn.dynamic_rnn(rnn_cell.BasicLSTMCell(5), y,
                                      dtype=tf.float32, for_serving=True)
        ops = {n.op for n in tf.compat.v1.get_default_graph().as_graph_def(
            ).node}
        data = np.random.RandomState(0).uniform(-1, 1, [3, 6, 4])
        with tf.compat.v1.Session() as sess:
          sess.run(tf.compat.v1.global_variables_initializer())
          a, b, c = sess.run([want, unrolled, looped], {x: data, y: data})
        print(max(float(np.abs(np.subtract(p, q)).max())
                  for p, q in zip(list(a) + list(a), list(b) + list(c))))
        """)
    result = subprocess.run([sys.executable, "-c", script],
                            capture_output=True, text=True, timeout=300,
                            check=False)
    self.assertEqual(result.returncode, 0, result.stderr[-3000:])
    self.assertLess(float(result.stdout.strip().splitlines()[-1]), 1e-6)


if __name__ == "__main__":
  tf.test.main()
