"""TF1's `tf.contrib` modules that tf1seq provides, Keras-free."""
