"""Smoke tests of the benchmark harness: helpers on given numbers, tiny runs.

No timing is asserted: the numbers only have to exist and be positive.
"""

import collections
import json
import os

import numpy as np
import tensorflow as tf

from benchmarks import common
from benchmarks import mnist_epoch
from benchmarks import rnn_throughput
from tf1seq import files
from train import mnist_rnn

Splits = collections.namedtuple(
    "Splits", "train_images train_labels test_images test_labels")


def given_row(train, infer, latency):
  return {"train": train, "infer": infer, "latency": latency}


class StatisticsTest(tf.test.TestCase):

  def test_median_and_spread(self):
    self.assertEqual(common.median([3.0, 1.0, 2.0]), 2.0)
    self.assertEqual(common.median([4.0, 1.0, 2.0, 3.0]), 2.5)
    self.assertAllClose(common.spread([1.0, 2.0, 3.0]), 1.0)
    self.assertEqual(common.spread([5.0]), 0.0)

  def test_paired_ratios(self):
    self.assertAllClose(common.paired_ratios([2.0, 6.0], [1.0, 3.0]),
                        [2.0, 2.0])
    # Times: the baseline's over this one's, so > 1 is faster too.
    self.assertAllClose(common.paired_ratios(
        [1.0, 4.0], [2.0, 2.0], higher_is_better=False), [2.0, 0.5])

  def test_paired_ratios_need_equal_lengths(self):
    with self.assertRaisesRegex(ValueError, r"got 1 and 2"):
      common.paired_ratios([1.0], [1.0, 2.0])

  def test_summarize(self):
    baseline = given_row([100.0, 200.0, 300.0], [10.0, 10.0, 10.0],
                         [0.002, 0.004, 0.002])
    faster = given_row([200.0, 400.0, 600.0], [30.0, 20.0, 40.0],
                       [0.001, 0.001, 0.002])
    row = common.summarize(faster, baseline)
    self.assertEqual(row["train_examples_per_sec"]["median"], 400.0)
    self.assertAllClose(row["train_examples_per_sec"]["spread"], 1.0)
    self.assertEqual(row["train_examples_per_sec"]["ratio"], 2.0)
    self.assertEqual(row["train_examples_per_sec"]["ratio_spread"], 0.0)
    self.assertEqual(row["infer_examples_per_sec"]["ratio"], 3.0)
    self.assertAllClose(row["latency_ms"]["samples"], [1.0, 1.0, 2.0])
    self.assertAllClose(row["latency_ms"]["ratios"], [2.0, 4.0, 1.0])
    self.assertEqual(row["latency_ms"]["ratio"], 2.0)
    self.assertNotIn("ratio", common.summarize(faster)["latency_ms"])


class TableTest(tf.test.TestCase):

  def test_format_table(self):
    baseline = given_row([100.0, 100.0], [1000.0, 1000.0], [0.002, 0.002])
    row = common.summarize(
        given_row([150.0, 250.0], [500.0, 500.0], [0.001, 0.001]), baseline)
    row.update(peak_rss_mb=900.0, peak_rss_ratio=1.5)
    base = common.summarize(baseline, baseline)
    base.update(peak_rss_mb=600.0, peak_rss_ratio=1.0)
    text = common.format_table("title line", [
        ("base", base), ("fast one", row),
        ("torch", {"error": "not installed (pip install torch)"})])
    lines = text.splitlines()
    self.assertEqual(lines[0], "title line")
    self.assertEqual(lines[1].split(), [
        "variant", "train", "ex/s", "x", "base", "infer", "ex/s", "b128",
        "x", "base", "latency", "ms", "b1", "x", "base", "peak", "RSS",
        "MB", "x", "base"])
    self.assertEqual(lines[3].split(), [
        "base", "100", "±0%", "1.00", "±0%", "1000", "±0%", "1.00", "±0%",
        "2.00", "±0%", "1.00", "±0%", "600", "1.00"])
    self.assertEqual(lines[4].split(), [
        "fast", "one", "200", "±25%", "2.00", "±25%", "500", "±0%", "0.50",
        "±0%", "1.00", "±0%", "2.00", "±0%", "900", "1.50"])
    self.assertEqual(lines[5].split(None, 1),
                     ["torch", "not installed (pip install torch)"])
    widths = {len(line) for line in lines[1:5]}
    self.assertLen(widths, 1)  # Columns line up.


class DataTest(tf.test.TestCase):

  def test_make_batch_is_seeded(self):
    shape = common.SHAPES["tiny_lm"]
    inputs, labels = common.make_batch(shape, 3, seed=5)
    self.assertEqual(inputs.shape, (3, 5))
    self.assertEqual(inputs.dtype, np.int32)
    self.assertEqual(labels.shape, (3, 5))
    self.assertAllEqual(inputs, common.make_batch(shape, 3, seed=5)[0])
    images, classes = common.make_batch(common.SHAPES["tiny"], 2, seed=1)
    self.assertEqual(images.shape, (2, 5, 3))
    self.assertEqual(classes.shape, (2,))

  def test_describe(self):
    self.assertEqual(
        common.SHAPES["mnist"].describe(),
        "batch 128, 28 steps, 28 features -> dense 128, LSTM 128, "
        "softmax 10 on the final h")
    self.assertEqual(
        common.SHAPES["char_lm"].describe(),
        "batch 64, 100 steps, ids < 100 -> embedding 64, 2 x LSTM 256, "
        "softmax 100 at every step")


class FreshMeasureTest(tf.test.TestCase):

  def test_one_runner_alive_at_a_time_in_rotating_order(self):
    events = []
    alive = set()

    class FakeRunner(object):

      def __init__(self, name):
        self.name = name
        self.assertion = len(alive) == 0  # Nobody else alive.
        alive.add(name)
        events.append(("start", name, self.assertion))

      def warm_up(self, count):
        del count

      def train(self, count):
        return count * 0.01

      def infer(self, count):
        return count * 0.02

      def latency(self, count):
        return [0.001] * count

      def close(self):
        alive.discard(self.name)
        events.append(("end", self.name, True))

    samples = common.measure(
        {name: (lambda n=name: FakeRunner(n)) for name in ("a", "b", "c")},
        common.SHAPES["tiny"], repeats=3, steps=2, fresh=True)
    self.assertTrue(all(ok for _, _, ok in events))
    starts = [name for kind, name, _ in events if kind == "start"]
    self.assertEqual(starts, ["a", "b", "c", "b", "c", "a", "c", "a", "b"])
    self.assertLen(samples["a"]["train"], 3)
    self.assertAllClose(samples["a"]["latency"], [0.001] * 3)


class QuickRunTest(tf.test.TestCase):

  def test_tiny_graphs_build_alike(self):
    for shape_name in ("tiny", "tiny_lm"):
      names = [rnn_throughput.GraphRunner(
          variant, common.SHAPES[shape_name], threads=1, seed=0)
               .variable_names
               for variant in ("tf_legacy", "tf1seq_reference")]
      self.assertEqual(names[0], names[1])
    self.assertIn("rnn/multi_rnn_cell/cell_1/basic_lstm_cell/kernel:0",
                  names[0])

  def test_quick_run(self):
    out = os.path.join(self.create_tempdir().full_path, "out.json")
    results = rnn_throughput.run(
        ["tiny"], ["tf1seq_reference", "tf_legacy", "tf_block_lstm", "torch"],
        repeats=2,
        steps=1, warm_up=1, threads=1, memory=True, memory_steps=1,
        torch_python="/nonexistent/python")
    files.write_json_atomically(out, results, sort_keys=False)
    with open(out) as f:
      loaded = json.load(f)
    self.assertEqual(os.listdir(os.path.dirname(out)), ["out.json"])
    shape = loaded["shapes"]["tiny"]
    self.assertEqual(shape["baseline"], "tf_legacy")
    self.assertEqual(list(shape["rows"]),
                     ["tf_legacy", "tf1seq_reference", "tf_block_lstm",
                      "torch"])
    self.assertStartsWith(shape["rows"]["torch"]["status"], "not installed")
    for variant in ("tf_legacy", "tf1seq_reference", "tf_block_lstm"):
      row = shape["rows"][variant]
      self.assertEqual(row["status"], "ok")
      for key in ("train_examples_per_sec", "infer_examples_per_sec",
                  "latency_ms"):
        self.assertLen(row[key]["samples"], 2)
        self.assertGreater(row[key]["median"], 0)
        self.assertIn("ratio", row[key])
      self.assertGreater(row["peak_rss_mb"], 0)
      self.assertIn("peak_rss_ratio", row)
    self.assertEqual(
        shape["rows"]["tf_legacy"]["train_examples_per_sec"]["ratios"],
        [1.0, 1.0])
    self.assertEqual(loaded["config"]["repeats"], 2)
    table = rnn_throughput.format_results(loaded).splitlines()
    self.assertStartsWith(table[0], "tiny: batch 4, 5 steps")
    self.assertStartsWith(table[4], "tf_legacy ")
    self.assertStartsWith(table[5], "tf1seq_reference ")
    self.assertStartsWith(table[6], "tf_block_lstm ")
    self.assertIn("not installed", table[7])
    self.assertNotIn("x PyTorch", "\n".join(table))  # PyTorch did not run.

  def test_ratios_to_pytorch(self):
    samples = {"train": [100., 200., 300.], "infer": [10., 10., 10.],
               "latency": [0.002, 0.002, 0.004]}
    torch = {"train": [50., 100., 100.], "infer": [20., 20., 20.],
             "latency": [0.001, 0.004, 0.004]}
    self.assertEqual(common.ratios_to(samples, torch),
                     {"train": 2.0, "infer": 0.5, "latency": 1.0})
    row = {"label": "x", "status": "ok", "x_torch": {
        "train": 2.0, "infer": 0.5, "latency": 1.25}}
    row.update(common.summarize(samples))
    text = rnn_throughput.format_results({
        "config": {"repeats": 3, "threads": 2},
        "shapes": {"mnist": {"description": "d", "steps": 1,
                             "baseline": "tf_legacy",
                             "rows": {"tf1seq_fast": row}}}})
    self.assertIn("\nx PyTorch (median of per-round ratios to torch, > 1: "
                  "faster):\n  tf1seq_fast            train 2.00  infer 0.50"
                  "  latency 1.25", text)


class MNISTEpochTest(tf.test.TestCase):

  def test_same_graph_and_batches(self):
    rng = np.random.RandomState(0)
    splits = Splits(rng.randint(0, 255, (40, 28, 28)).astype(np.uint8),
                    rng.randint(0, 10, 40).astype(np.uint8),
                    rng.randint(0, 255, (8, 28, 28)).astype(np.uint8),
                    rng.randint(0, 10, 8).astype(np.uint8))
    config = mnist_rnn.Config(num_units=4, batch_size=8)
    data = mnist_rnn.Data(splits, 8, config.batch_size, config.seed)
    results = mnist_epoch.time_epoch(mnist_epoch.VARIANTS, data, config,
                                     steps=3, chunk_steps=2, threads=1)
    results = mnist_epoch.summarize_epoch(results, config.batch_size, 3)
    self.assertEqual(results["tf_legacy"]["variables"][2],
                     ("rnn/basic_lstm_cell/kernel:0", [8, 16]))
    for value in results.values():
      self.assertLen(value["chunk_seconds"], 2)  # Steps 0-1 and 2.
      self.assertGreater(value["examples_per_sec"], 0)
    self.assertEqual(results["tf_legacy"]["ratio"], 1.0)
    text = mnist_epoch.format_results(dict(
        dataset="given", steps=3, batch_size=8, chunk_steps=2, threads=1,
        graphs=results))
    self.assertLen(text.splitlines(), 6)

  def test_summarize_epoch(self):
    results = mnist_epoch.summarize_epoch({
        "tf_legacy": {"chunk_seconds": [2.0, 4.0], "last_chunk_loss": 1.0},
        "tf1seq": {"chunk_seconds": [1.0, 1.0], "last_chunk_loss": 1.0},
    }, batch_size=10, steps=6)
    self.assertEqual(results["tf1seq"]["epoch_seconds"], 2.0)
    self.assertEqual(results["tf1seq"]["examples_per_sec"], 30.0)
    self.assertEqual(results["tf1seq"]["ratio"], 3.0)
    self.assertEqual(results["tf1seq"]["chunk_ratio_median"], 3.0)
    self.assertAllClose(results["tf1seq"]["chunk_ratio_spread"], 2.0 / 3)


if __name__ == "__main__":
  tf.test.main()
