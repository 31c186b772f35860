# A TF1 tutorial's MNIST LSTM script, verbatim but for its imports:
#   import tensorflow as tf
#   from tensorflow.examples.tutorials.mnist import input_data
import tf1seq.compat.v1 as tf
from tf1seq.data import input_data
mnist = input_data.read_data_sets('MNIST_data/', one_hot=True)
lr = 0.001
n_input = 28
n_step = 28
n_digit = 10
n_cell = 128
n_batch = 128
train_times = 100000
x = tf.placeholder(tf.float32, [None, n_step, n_input])
y = tf.placeholder(tf.float32, [None, n_digit])
x_new = tf.reshape(x, [-1, n_input])
cell_in = tf.layers.dense(x_new, n_cell)
cell_in = tf.reshape(cell_in, [-1, n_step, n_cell])
cell = tf.contrib.rnn.BasicLSTMCell(n_cell)
init_state = cell.zero_state(n_batch, dtype=tf.float32)
output, state = tf.nn.dynamic_rnn(
cell, cell_in, initial_state=init_state, time_major=False)
cell_out = tf.layers.dense(state[1], n_digit)
loss = tf.reduce_mean(
tf.nn.softmax_cross_entropy_with_logits(labels=y, logits=cell_out))
train = tf.train.AdamOptimizer(lr).minimize(loss)
acc = tf.reduce_mean(
tf.cast(tf.equal(tf.argmax(y, 1), tf.argmax(cell_out, 1)), tf.float32))
with tf.Session() as sess:
  tf.global_variables_initializer().run()
  for i in range(train_times):
    xs, ys = mnist.train.next_batch(n_batch)
    xs = xs.reshape([n_batch, n_step, n_input])
    sess.run(train, {x: xs, y: ys})
    if i % 200 == 0:
      print(sess.run(acc, {x: xs, y: ys}))
