"""pytest set-up: the tests are absltest/tf.test files, also run by Bazel.

absltest parses flags in `main`; under pytest nobody does, and
`create_tempdir` reads `--test_tmpdir`, so mark the (default) flags parsed.
"""

from absl import flags


def pytest_configure(config):
  del config  # Unused.
  if not flags.FLAGS.is_parsed():
    flags.FLAGS.mark_as_parsed()
