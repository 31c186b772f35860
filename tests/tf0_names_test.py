"""Tests for tf1seq.compat.tf0_names: TensorFlow 0.x's names on TF 2.

Each old name is checked against the TensorFlow function it became (values),
the summary ops against the Summary protos they write, `_linear` against
numpy and its TF 0.x variable names; `patch()` installs them all and
`unpatch()` takes them away again. tests/legacy_scripts/tf0_running_sum.py,
a TF 0.12-style program of our own, runs unmodified under `tf1seq.run`,
learns, and writes its summaries.
"""

import importlib
import os
import re
import subprocess
import sys
import textwrap

import numpy as np
import tensorflow as tf

import tf1seq
from tf1seq.compat import coverage
from tf1seq.compat import tf0_names

V1 = tf.compat.v1


class Tf0NamesTest(tf.test.TestCase):

  def _run(self, fetches, feed=None, init=False):
    with V1.Session() as sess:
      if init:
        sess.run(V1.global_variables_initializer())
      return sess.run(fetches, feed)

  def test_concat_takes_both_argument_orders(self):
    with tf.Graph().as_default():
      a = tf.constant([[1., 2.]])
      b = tf.constant([[3.]])
      expected = np.array([[1., 2., 3.]])
      for result in (tf0_names.concat(1, [a, b]),
                     tf0_names.concat([a, b], 1),
                     tf0_names.concat(1, values=[a, b]),
                     tf0_names.concat(concat_dim=1, values=[a, b]),
                     tf0_names.concat(values=[a, b], axis=1)):
        self.assertAllEqual(self._run(result), expected)
      self.assertEqual(tf0_names.concat(0, [a, a], "joined").op.name,
                       "joined")

  def test_split_takes_both_argument_orders(self):
    with tf.Graph().as_default():
      x = tf.reshape(tf.range(12.), [2, 6])
      expected = np.split(np.arange(12.).reshape(2, 6), 3, axis=1)
      for parts in (tf0_names.split(1, 3, x),
                    tf0_names.split(x, 3, 1),
                    tf0_names.split(x, 3, axis=1),
                    tf0_names.split(split_dim=1, num_split=3, value=x),
                    tf0_names.split(1, 3, value=x)):
        self.assertLen(parts, 3)
        for part, want in zip(self._run(parts), expected):
          self.assertAllEqual(part, want)
      sizes = tf0_names.split(x, [2, 4], 1)  # TF1's size list stays.
      self.assertEqual([p.shape.as_list() for p in sizes], [[2, 2], [2, 4]])

  def test_cross_entropy_takes_tf0_positional_order(self):
    with tf.Graph().as_default():
      logits = tf.constant([[2., 0.5, -1.], [0.1, 0.2, 0.3]])
      labels = tf.constant([0, 2])
      dense = tf.one_hot(labels, 3)
      nn = tf0_names.nn(None)
      pairs = [
          (nn["sparse_softmax_cross_entropy_with_logits"](logits, labels),
           V1.nn.sparse_softmax_cross_entropy_with_logits(
               labels=labels, logits=logits)),
          (nn["softmax_cross_entropy_with_logits"](logits, dense),
           V1.nn.softmax_cross_entropy_with_logits_v2(
               labels=dense, logits=logits)),
          (nn["sigmoid_cross_entropy_with_logits"](logits, dense),
           V1.nn.sigmoid_cross_entropy_with_logits(
               labels=dense, logits=logits)),
          (nn["sigmoid_cross_entropy_with_logits"](logits=logits,
                                                   targets=dense),
           V1.nn.sigmoid_cross_entropy_with_logits(
               labels=dense, logits=logits)),
          (nn["sparse_softmax_cross_entropy_with_logits"](
              labels=labels, logits=logits),
           V1.nn.sparse_softmax_cross_entropy_with_logits(
               labels=labels, logits=logits))]
      for got, want in self._run(pairs):
        self.assertAllClose(got, want, atol=1e-7)
      with self.assertRaisesRegex(TypeError, r"at most 3 positional .*"
                                  r"logits, labels, name"):
        nn["sparse_softmax_cross_entropy_with_logits"](logits, labels, "a",
                                                        "b")

  def test_renamed_functions_compute_what_they_became(self):
    top = tf0_names.top_level()
    with tf.Graph().as_default():
      a = tf.constant([[1., -2.], [3., 4.]])
      b = tf.constant([[0.5, 1.], [2., -1.]])
      x = np.random.RandomState(0).rand(3, 2, 4).astype(np.float32)
      y = np.random.RandomState(1).rand(3, 5, 4).astype(np.float32)
      results = self._run({
          "mul": top["mul"](a, b), "sub": top["sub"](a, b),
          "neg": top["neg"](a), "inv": top["inv"](b),
          "pack": top["pack"]([a, b], axis=1),
          "unpack": top["unpack"](a),
          "select": top["select"](a > 0, a, b),
          "complex_abs": top["complex_abs"](tf.complex(a, b)),
          "listdiff": top["listdiff"]([1, 2, 3, 4], [2, 4])[0],
          "batch_matmul": top["batch_matmul"](x, y, adj_y=True),
          "batch_matmul_adj_x": top["batch_matmul"](
              np.transpose(x, [0, 2, 1]), y, adj_x=True, adj_y=True)})
    an, bn = np.array([[1., -2.], [3., 4.]]), np.array([[.5, 1.], [2., -1.]])
    self.assertAllClose(results["mul"], an * bn)
    self.assertAllClose(results["sub"], an - bn)
    self.assertAllClose(results["neg"], -an)
    self.assertAllClose(results["inv"], 1 / bn)
    self.assertAllClose(results["pack"], np.stack([an, bn], axis=1))
    self.assertAllClose(results["unpack"], list(an))
    self.assertAllClose(results["select"], np.where(an > 0, an, bn))
    self.assertAllClose(results["complex_abs"], np.abs(an + 1j * bn))
    self.assertAllEqual(results["listdiff"], [1, 3])
    want = np.einsum("btu,bsu->bts", x, y)
    self.assertAllClose(results["batch_matmul"], want, atol=1e-6)
    self.assertAllClose(results["batch_matmul_adj_x"], want, atol=1e-6)

  def test_summary_ops_keep_tf0_tags_and_collections(self):
    with tf.Graph().as_default():
      scalar = tf0_names.scalar_summary("loss (raw)", tf.constant(2.5))
      several = tf0_names.scalar_summary(["a b", "c"], tf.constant([1., 2.]))
      histogram = tf0_names.histogram_summary("weights/w", [1., 2., 2.])
      image = tf0_names.image_summary("pics", tf.zeros([4, 2, 2, 1]),
                                      max_images=2)
      audio = tf0_names.audio_summary("sound", tf.zeros([1, 8]), 8000.,
                                      collections=["mine"])
      self.assertEqual(V1.get_collection(V1.GraphKeys.SUMMARIES),
                       [scalar, several, histogram, image])
      self.assertEqual(V1.get_collection("mine"), [audio])
      merged = tf0_names.top_level()["merge_all_summaries"]()
      serialized = self._run(merged)
    summary = V1.Summary.FromString(serialized)
    values = {v.tag: v for v in summary.value}
    self.assertEqual(sorted(values), ["a b", "c", "loss (raw)", "pics/image/0",
                                      "pics/image/1", "weights/w"])
    self.assertEqual(values["loss (raw)"].simple_value, 2.5)
    self.assertEqual(values["c"].simple_value, 2.)
    self.assertEqual(values["weights/w"].histo.num, 3)
    self.assertEqual(values["weights/w"].histo.max, 2.)

  def test_summary_writer_takes_a_graph_def(self):
    logdir = self.create_tempdir().full_path
    with tf.Graph().as_default() as graph:
      tf.constant(1., name="one")
      writer = tf0_names.SummaryWriter(logdir, graph.as_graph_def())
      writer.close()
    events = list(tf.compat.v1.train.summary_iterator(
        os.path.join(logdir, os.listdir(logdir)[0])))
    graph_def = V1.GraphDef.FromString(
        [e for e in events if e.graph_def][0].graph_def)
    self.assertEqual([n.name for n in graph_def.node], ["one"])
    self.assertTrue(issubclass(tf0_names.SummaryWriter,
                               V1.summary.FileWriter))

  def test_linear_has_tf0_variables_and_values(self):
    with tf.Graph().as_default():
      a = tf.constant(np.random.RandomState(0).rand(3, 2), tf.float32)
      b = tf.constant(np.random.RandomState(1).rand(3, 4), tf.float32)
      out = tf0_names.linear([a, b], 5, True, bias_start=0.25)
      with V1.variable_scope("proj"):
        no_bias = tf0_names.linear(a, 5, False, scope="lin")
      names = [v.op.name for v in V1.global_variables()]
      values = self._run([out, no_bias] + V1.global_variables(), init=True)
      with self.assertRaisesRegex(ValueError, "is expecting 2D"):
        tf0_names.linear(tf.zeros([3]), 2, True)
      with self.assertRaisesRegex(ValueError, "must be specified"):
        tf0_names.linear([], 2, True)
    self.assertEqual(names, ["Linear/Matrix", "Linear/Bias",
                             "proj/lin/Matrix"])
    got, got_no_bias, matrix, bias, lin_matrix = values
    self.assertEqual(matrix.shape, (6, 5))
    self.assertAllEqual(bias, np.full(5, 0.25))
    inputs = np.concatenate([np.random.RandomState(0).rand(3, 2),
                             np.random.RandomState(1).rand(3, 4)], 1)
    self.assertAllClose(got, inputs @ matrix + bias, atol=1e-6)
    self.assertAllClose(got_no_bias,
                        np.random.RandomState(0).rand(3, 2) @ lin_matrix,
                        atol=1e-6)

  def test_nn_names(self):
    seq2seq = coverage.nn_tf0_names("x.nn")["seq2seq"]
    self.assertIs(seq2seq.sequence_loss_by_example,
                  coverage.CONTRIB_LEGACY_SEQ2SEQ["sequence_loss_by_example"])
    with self.assertRaisesRegex(AttributeError, r"attention_decoder"):
      seq2seq.no_such_function  # pylint: disable=pointless-statement
    self.assertIs(tf0_names.nn(None)["rnn"], V1.nn.static_rnn)


class Tf0PatchTest(tf.test.TestCase):

  def test_patch_installs_and_unpatch_removes(self):
    cfo = importlib.import_module("tensorflow.python.ops.control_flow_ops")
    nest = importlib.import_module("tensorflow.python.util.nest")
    for module, name in ((V1, "scalar_summary"), (V1.nn, "rnn"),
                         (V1.train, "SummaryWriter"), (cfo, "while_loop"),
                         (nest, "is_sequence")):
      self.assertFalse(hasattr(module, name), name)
    original_concat = V1.concat
    with tf1seq.patch():
      self.assertIs(V1.scalar_summary, tf0_names.scalar_summary)
      self.assertIs(V1.concat, tf0_names.concat)
      self.assertIs(V1.nn.rnn, V1.nn.static_rnn)
      linear = getattr(V1.nn.rnn_cell, "_linear")
      self.assertIs(linear, tf0_names.linear)
      self.assertIs(V1.train.SummaryWriter, tf0_names.SummaryWriter)
      self.assertIs(V1.image.per_image_whitening,
                    V1.image.per_image_standardization)
      self.assertIs(cfo.while_loop, V1.while_loop)
      self.assertIs(cfo.cond, V1.cond)
      self.assertIs(nest.is_sequence, nest.is_nested)
      self.assertIs(V1.contrib.signal.stft, tf.signal.stft)
      with self.assertRaisesRegex(AttributeError,
                                  r"tf\.contrib\.signal\.nope .*tf\.signal"):
        V1.contrib.signal.nope  # pylint: disable=pointless-statement
    self.assertIs(V1.concat, original_concat)
    for module, name in ((V1, "scalar_summary"), (V1.nn, "rnn"),
                         (V1.train, "SummaryWriter"), (cfo, "while_loop"),
                         (nest, "is_sequence")):
      self.assertFalse(hasattr(module, name), name)

  def test_import_line_port_has_the_names(self):
    source = """
        import numpy as np
        import tf1seq.compat.v1 as tf
        from tf1seq.compat import tf0_names
        print(tf.scalar_summary is tf0_names.scalar_summary,
              tf.train.SummaryWriter is tf0_names.SummaryWriter,
              tf.nn.rnn is tf.nn.static_rnn,
              tf.nn.seq2seq.rnn_decoder is
              tf.contrib.legacy_seq2seq.rnn_decoder,
              tf.train.AdamOptimizer is tf.compat.v1.train.AdamOptimizer)
        with tf.Session() as sess:
          print(sess.run(tf.concat(1, [tf.ones([1, 1]), tf.zeros([1, 1])])))
        """
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(source)], capture_output=True,
        text=True, timeout=300, check=False)
    self.assertEqual(result.returncode, 0, result.stderr[-3000:])
    self.assertEqual(result.stdout.split("\n")[:2],
                     ["True True True True True", "[[1. 0.]]"])


class Tf0ScriptTest(tf.test.TestCase):

  def test_tf0_program_runs_unmodified_and_learns(self):
    workdir = self.create_tempdir().full_path
    logdir = os.path.join(workdir, "logs")
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                          "legacy_scripts", "tf0_running_sum.py")
    root = os.path.dirname(os.path.dirname(os.path.dirname(script)))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [root, os.environ.get("PYTHONPATH", "")]))
    with open(os.path.join(workdir, "stderr.txt"), "w+") as stderr:
      result = subprocess.run(
          [sys.executable, "-m", "tf1seq.run", "--report", script,
           "--train_steps=400", "--logdir=" + logdir],
          cwd=workdir, env=env, stdout=subprocess.PIPE, stderr=stderr,
          text=True, timeout=600, check=False)
      stderr.seek(0)
      self.assertEqual(result.returncode, 0,
                       result.stdout[-2000:] + stderr.read()[-4000:])
    out = result.stdout
    self.assertRegex(out, r"(?m)^Summary: (\d+) symbols, \1 covered, 0 not "
                     r"covered\.$")
    for symbol in ("tf.nn.rnn", "tf.nn.seq2seq.sequence_loss_by_example",
                   "tf.scalar_summary", "tf.train.SummaryWriter",
                   "tensorflow.python.ops.control_flow_ops.while_loop"):
      self.assertRegex(out, r"\n  %s +(tf1seq|TensorFlow) +line" %
                       re.escape(symbol))
    values = dict(re.findall(r"(?m)^(\w+) ([-\d.e+]+)$", out))
    self.assertGreaterEqual(float(values["accuracy"]), 0.95)
    self.assertLess(float(values["gram_max_error"]), 1e-4)
    self.assertEqual(values["steps_counted"], "10")
    losses = [float(x) for x in re.findall(r"(?m)^step \d+ loss ([\d.]+)$",
                                           out)]
    self.assertLen(losses, 4)
    self.assertLess(losses[-1], losses[0])
    tags, graphs = set(), 0
    for name in os.listdir(logdir):
      for event in tf.compat.v1.train.summary_iterator(
          os.path.join(logdir, name)):
        graphs += bool(event.graph_def)
        tags.update(v.tag for v in event.summary.value)
    self.assertEqual(graphs, 1)
    self.assertEqual(tags, {"loss", "accuracy", "output_norms"})


if __name__ == "__main__":
  tf.test.main()
