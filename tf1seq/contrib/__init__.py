"""TF1's tf.contrib namespaces, Keras-free."""
