"""Reruns a test module in a fresh interpreter with TF1 behaviour on.

`tf.compat.v1.disable_v2_behavior()` is process-wide, so a module's tests
run once as they are and once more, in a subprocess, after it (shapes of
`Dimension` objects, v1 control flow), as TF1 programs run.

Usage (in the test module):

  class Tf1BehaviourTest(tf.test.TestCase):
    def test_all_tests_pass_with_v2_behaviour_disabled(self):
      tf1_behaviour.rerun(self, "crf_test", min_tests=20)
"""

import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ENV = "TF1SEQ_TF1_BEHAVIOUR"


def active():
  """Whether this process is such a rerun."""
  return os.environ.get(ENV) == "1"


def rerun(test_case, module_name, min_tests, names=None, timeout=600):
  """Runs `module_name`'s tests with TF1 behaviour; fails `test_case` if any
  fails or fewer than `min_tests` ran (skipped when already a rerun).

  `names`: the module's test classes to run (default all of them).
  """
  if active():
    test_case.skipTest("already running with v2 behaviour disabled")
  root = os.path.dirname(HERE)
  code = (
      "import sys, unittest\n"
      "import tensorflow as tf\n"
      "tf.compat.v1.disable_v2_behavior()\n"
      "sys.path.insert(0, %r)\n"
      "import %s as module\n"
      "names = %r\n"
      "loader = unittest.defaultTestLoader\n"
      "suite = (loader.loadTestsFromNames(names, module) if names else\n"
      "         loader.loadTestsFromModule(module))\n"
      "result = unittest.TextTestRunner(verbosity=1).run(suite)\n"
      "print('ran %%d tests' %% result.testsRun, file=sys.stderr)\n"
      "sys.exit(0 if result.wasSuccessful() and result.testsRun >= %d "
      "else 1)\n" % (HERE, module_name, list(names or ()), min_tests))
  env = dict(os.environ, PYTHONPATH=os.pathsep.join(
      [root, os.environ.get("PYTHONPATH", "")]))
  env[ENV] = "1"
  result = subprocess.run([sys.executable, "-c", code], cwd=root, env=env,
                          capture_output=True, text=True, timeout=timeout,
                          check=False)
  if result.returncode != 0:
    test_case.fail("v1-behaviour run failed:\n%s" % result.stderr[-5000:])
