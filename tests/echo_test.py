"""train.echo: the echo tutorial's parameter counts, predictions, Keras' trajectory."""

from absl.testing import parameterized
import keras
import numpy as np
import tensorflow as tf

from train import echo

# The echo tutorial's summaries: LSTM 140; Dense 6, Dense 30, TimeDistributed 6.
SEED_COUNTS = {"one_to_one": [("lstm", 140), ("dense", 6)],
               "many_to_one": [("lstm", 140), ("dense", 30)],
               "many_to_many": [("lstm", 140), ("time_distributed", 6)]}


class EchoTest(tf.test.TestCase, parameterized.TestCase):

  @parameterized.parameters(*echo.FRAMINGS)
  def test_parameter_counts_are_the_seeds(self, framing):
    x, _ = echo.framing_data(framing, 5)
    with tf.Graph().as_default():
      echo.build_model(framing, tf.constant(x), 5)
      summary = echo.parameter_summary(tf.compat.v1.trainable_variables())
    self.assertEqual([(layer, count) for layer, _, count in summary],
                     SEED_COUNTS[framing])
    self.assertEqual(summary[0][1], [
        ("lstm/keras_lstm_cell/kernel", [1, 20]),
        ("lstm/keras_lstm_cell/recurrent_kernel", [5, 20]),
        ("lstm/keras_lstm_cell/bias", [20])])

  def test_data(self):
    x, y = echo.framing_data("many_to_many", 5)
    self.assertAllClose(x.reshape(-1), [0., 0.2, 0.4, 0.6, 0.8])
    self.assertEqual(x.shape, (1, 5, 1))
    self.assertEqual(y.shape, (1, 5, 1))
    self.assertEqual(echo.framing_data("one_to_one", 5)[0].shape, (5, 1, 1))
    with self.assertRaisesRegex(ValueError, "framing must be one of"):
      echo.framing_data("one_to_many", 5)

  @parameterized.parameters(*echo.FRAMINGS)
  def test_seed_run_echoes_the_sequence(self, framing):
    result = echo.run_framing(framing, echo.Config())
    self.assertAllClose(np.round(result.predictions, 1),
                        [0., 0.2, 0.4, 0.6, 0.8])
    self.assertIn("0.0  (", echo.format_result(result))

  def test_training_follows_keras(self):
    # From Keras' initial weights, 30 Adam steps give Keras' predictions.
    keras.utils.set_random_seed(1)
    x, y = echo.framing_data("many_to_many", 5)
    model = keras.Sequential([
        keras.Input((5, 1)), keras.layers.LSTM(5, return_sequences=True),
        keras.layers.TimeDistributed(keras.layers.Dense(1))])
    model.compile(loss="mean_squared_error", optimizer="adam")
    initial = model.get_weights()
    model.fit(x, y, epochs=30, batch_size=1, verbose=0)
    with tf.Graph().as_default():
      predictions = echo.build_model("many_to_many", tf.constant(x), 5)
      loss = tf.reduce_mean(tf.square(predictions - y))
      train_op = tf.compat.v1.train.AdamOptimizer(
          0.001, epsilon=echo.KERAS_ADAM_EPSILON).minimize(loss)
      with self.session() as session:
        session.run(tf.compat.v1.global_variables_initializer())
        for variable, value in zip(tf.compat.v1.trainable_variables(),
                                   initial):
          variable.load(value, session)
        for _ in range(30):
          session.run(train_op)
        ours = session.run(predictions)
    self.assertAllClose(ours, model.predict(x, verbose=0), atol=1e-5)


if __name__ == "__main__":
  tf.test.main()
