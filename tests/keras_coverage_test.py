"""TF1 graph code's `tf.keras.initializers` under tf1seq; Keras 3 untouched.

Each case runs in a fresh interpreter: `import tf1seq.compat.v1` and
`tf1seq.patch()` change process-wide state.
"""

import subprocess
import sys
import textwrap

import tensorflow as tf


def run_python(source):
  result = subprocess.run([sys.executable, "-c", textwrap.dedent(source)],
                          capture_output=True, text=True, timeout=300)
  if result.returncode:
    raise AssertionError(result.stderr[-3000:])
  return result.stdout.strip().splitlines()


class KerasInitializersTest(tf.test.TestCase):

  def test_initializers_in_graph_code(self):
    lines = run_python("""
        import numpy as np
        import tf1seq.compat.v1 as tf
        init = tf.keras.initializers.glorot_uniform(seed=1)
        w = tf.get_variable("w", [300, 100], initializer=init)
        z = tf.get_variable("z", [3], initializer=tf.keras.initializers.Zeros())
        with tf.Session() as session:
          session.run(tf.global_variables_initializer())
          w, z = session.run([w, z])
        limit = np.sqrt(6.0 / 400)
        print(bool(np.abs(w).max() <= limit), bool(np.abs(w).max() > 0.9 *
              limit), z.tolist())
        print(tf.keras.initializers.GlorotUniform is
              tf.initializers.glorot_uniform)
        try:
          tf.keras.layers.Dense
        except AttributeError as e:
          print(e)
        try:
          tf.keras.initializers.nonexistent
        except AttributeError as e:
          print(e)
        """)
    self.assertEqual(lines[0], "True True [0.0, 0.0, 0.0]")
    self.assertEqual(lines[1], "True")
    self.assertStartsWith(lines[2], "tf.keras.layers is not provided in TF1 "
                          "code under tf1seq: TensorFlow >= 2.16's tf.keras "
                          "is Keras 3")
    self.assertIn("Use tf.layers", lines[2])
    self.assertRegex(lines[3], r"^tf\.keras\.initializers\.nonexistent is "
                     r"not covered by tf1seq; its tf\.keras\.initializers "
                     r"has: .*GlorotUniform, .*glorot_uniform, ")

  def test_patch_keeps_keras_3_at_tf_keras(self):
    lines = run_python("""
        import tensorflow as tf
        import tf1seq
        with tf1seq.patch():
          print(tf.compat.v1.keras.initializers.glorot_normal is
                tf.compat.v1.initializers.glorot_normal)
          print(type(tf.keras.layers.Dense(2)).__module__.split(".")[0])
        print(tf.compat.v1.keras.initializers.glorot_normal is
              tf.compat.v1.initializers.glorot_normal)
        """)
    self.assertEqual(lines, ["True", "keras", "False"])


if __name__ == "__main__":
  tf.test.main()
