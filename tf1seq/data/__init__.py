"""Data sets for tf1seq's trainers: MNIST-format IDX files.

  from tf1seq.data import mnist        # load("mnist_sample"), read_idx_*
  from tf1seq.data import input_data   # TF1's read_data_sets for old scripts
"""
