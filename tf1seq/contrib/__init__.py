"""TF1's `tf.contrib`, Keras-free: a module (or package) per `tf.contrib.X`
that tf1seq covers."""
