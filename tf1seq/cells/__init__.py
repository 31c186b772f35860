"""TF1's RNN cells, Keras-free: base, simple, LSTM, block, Keras-layout and
wrapper cells (`tf1seq.rnn_cell` re-exports TF1's names)."""
