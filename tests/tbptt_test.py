"""Tests of tf1seq.data.tbptt: continuity, exact coverage, the remainder."""

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

from tf1seq.data import tbptt


class LanguageModelBatchesTest(tf.test.TestCase, parameterized.TestCase):

  def test_literal_ids(self):
    # 15 ids, as in TF1's reader_test: inputs 0..13 and targets 1..14 in 2
    # rows of 7; windows of 3 take columns 0-2 and 3-5, column 6 dropped.
    batches = tbptt.language_model_batches(list(range(15)), 2, 3)
    self.assertEqual(batches.num_windows, 2)
    self.assertAllEqual(batches.inputs[0], [[0, 1, 2], [7, 8, 9]])
    self.assertAllEqual(batches.targets[0], [[1, 2, 3], [8, 9, 10]])
    self.assertAllEqual(batches.inputs[1], [[3, 4, 5], [10, 11, 12]])
    self.assertAllEqual(batches.targets[1], [[4, 5, 6], [11, 12, 13]])
    # Dropped from the inputs: 6, 13 and 14 (a target only).
    self.assertEqual(batches.num_dropped, 3)
    self.assertIsNone(batches.weights)

  @parameterized.parameters((1, 1, 2), (2, 3, 7), (3, 4, 100), (4, 5, 21),
                            (5, 2, 57))
  def test_continuity_and_coverage(self, batch_size, num_steps, length):
    ids = np.arange(length) * 10
    batches = tbptt.language_model_batches(ids, batch_size, num_steps)
    self.assertEqual(batches.inputs.shape,
                     (batches.num_windows, batch_size, num_steps))
    # Targets are the next ids.
    self.assertAllEqual(batches.targets, batches.inputs + 10)
    # Row i of window k+1 continues row i of window k.
    for k in range(batches.num_windows - 1):
      self.assertAllEqual(batches.inputs[k + 1][:, 0],
                          batches.inputs[k][:, -1] + 10)
    # Every id is an input at most once; the rest is reported as dropped.
    used = batches.inputs.reshape(-1)
    self.assertEqual(len(np.unique(used)), used.size)
    self.assertEqual(used.size + batches.num_dropped, length)
    # Each row is one contiguous stretch of the stream, rows in order.
    rows = np.concatenate(list(batches.inputs), axis=1)
    self.assertAllEqual(np.diff(rows, axis=1), np.full(
        [batch_size, rows.shape[1] - 1], 10))
    self.assertAllEqual(rows[:, 0], np.arange(batch_size) *
                        batches.stream_length * 10)

  def test_exactly_one_window(self):
    batches = tbptt.language_model_batches(np.arange(2 * 3 + 1), 2, 3)
    self.assertEqual(batches.num_windows, 1)
    self.assertEqual(batches.num_dropped, 1)

  def test_too_short(self):
    with self.assertRaisesRegex(
        ValueError, r"the stream has 6 elements, fewer than batch_size \* "
        r"num_steps \+ 1 = 2 \* 3 \+ 1 = 7"):
      tbptt.language_model_batches(np.arange(6), 2, 3)

  def test_bad_sizes(self):
    with self.assertRaisesRegex(ValueError,
                                r"batch_size must be a positive int, got 0"):
      tbptt.language_model_batches(np.arange(50), 0, 3)
    with self.assertRaisesRegex(ValueError,
                                r"num_steps must be a positive int, got "
                                r"-1"):
      tbptt.language_model_batches(np.arange(50), 2, -1)


class AlignedBatchesTest(tf.test.TestCase):

  def test_series_with_features_and_weights(self):
    # A batch of long series: 2 series of 9 steps of 2 features, as one
    # stream (series after series), windows of 4 steps.
    series = np.arange(2 * 9 * 2).reshape(18, 2)
    weights = np.arange(18, dtype=np.float32)
    batches = tbptt.aligned_batches([series, series + 1, weights], 2, 4)
    self.assertEqual(batches.inputs.shape, (2, 2, 4, 2))
    self.assertAllEqual(batches.inputs[1][0], series[4:8])
    self.assertAllEqual(batches.inputs[0][1], series[9:13])
    self.assertAllEqual(batches.targets, batches.inputs + 1)
    self.assertAllEqual(batches.weights[1][1], [13, 14, 15, 16])
    self.assertEqual(batches.num_dropped, 2)  # Steps 8 and 17.

  def test_windows_of_a_batch_of_series(self):
    series = np.arange(3 * 10).reshape(3, 10)
    cut = tbptt.windows(series, 4)
    self.assertEqual(cut.shape, (2, 3, 4))
    self.assertAllEqual(cut[1], series[:, 4:8])

  def test_lengths_differ(self):
    with self.assertRaisesRegex(ValueError,
                                r"arrays must have the same length, got "
                                r"\[10, 9\]"):
      tbptt.aligned_batches([np.arange(10), np.arange(9)], 2, 2)

  def test_too_short(self):
    with self.assertRaisesRegex(ValueError, r"the arrays have 5 elements, "
                                r"fewer than batch_size \* num_steps = 2 \* "
                                r"3 = 6"):
      tbptt.aligned_batches([np.arange(5)], 2, 3)


if __name__ == "__main__":
  tf.test.main()
