"""RNN cells: TF1's tf.nn.rnn_cell and tf.contrib.rnn cells, Keras-free."""
