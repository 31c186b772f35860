"""pytest set-up: the tests are absltest/tf.test files, also run by Bazel.

absltest parses flags in `main`; under pytest nobody does, and
`create_tempdir` reads `--test_tmpdir`, so mark the (default) flags parsed.
"""

from absl import flags
from absl import logging
import pytest


def pytest_configure(config):
  del config  # Unused.
  if not flags.FLAGS.is_parsed():
    flags.FLAGS.mark_as_parsed()
  # INFO, as a program started by app.run logs, and set through the flag so
  # that flagsaver's restores (which reassign every flag) keep it.
  logging.set_verbosity(logging.INFO)


@pytest.fixture(autouse=True, scope="module")
def tf2_behaviour_stays_on(request):
  """Fails a test module that turns TF2 behaviour off for the whole process
  (e.g. by importing `tf1seq.compat.v1`), which would break every module
  run after it; such checks belong in a subprocess."""
  yield
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  if not tf.executing_eagerly():
    pytest.fail("%s left TF2 behaviour off (eager execution disabled) for "
                "the modules after it" % request.module.__name__)
