"""TF1's `tf.contrib` modules, Keras-free: one module per `tf.contrib.X`."""
