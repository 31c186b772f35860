"""TF1's tf.contrib.seq2seq, Keras-free."""
