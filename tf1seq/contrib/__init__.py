"""TF1's tf.contrib namespaces that tf1seq provides, Keras-free."""
