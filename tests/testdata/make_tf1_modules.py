"""Writes tf1seq/compat/tf1_modules.py: TensorFlow 1.15's public modules.

Run with TensorFlow 1.15 (it walks `tf` and `tf.contrib`):

  /work/tf115/bin/python tests/testdata/make_tf1_modules.py

The migration report uses the list to tell a missing module
(`tf.contrib.legacy_seq2seq`) from a missing function in it
(`tf.contrib.legacy_seq2seq.rnn_decoder`). A module is listed under its
path from `tf` when it is a true submodule of the module it is reached from
(not a module that one merely imports), without implementation packages
(`python`, `ops`, `core`).
"""

import os
import types

import tensorflow as tf

_SKIP = ("python", "ops", "core")
_OUTPUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                       "..", "tf1seq", "compat", "tf1_modules.py")


def _walk(module, path, depth, seen, found):
  if depth > 4:
    return
  parent = module.__name__
  for name in dir(module):
    if name.startswith("_") or name in _SKIP:
      continue
    try:
      value = getattr(module, name)
    except Exception:  # pylint: disable=broad-except
      continue
    if not isinstance(value, types.ModuleType):
      continue
    child = value.__name__
    if not child.startswith("tensorflow"):
      continue
    if depth and not (child.startswith(parent + ".") or "_api" in child):
      continue
    found.add(".".join(path + [name]))
    if id(value) not in seen:
      seen.add(id(value))
      _walk(value, path + [name], depth + 1, seen, found)


def main():
  found = set()
  _walk(tf, [], 0, set(), found)
  lines = ['"""TensorFlow %s\'s public module paths under `tf` (generated).' %
           tf.__version__, "",
           "Written by tests/testdata/make_tf1_modules.py; do not edit.",
           '"""', "", "MODULES = frozenset(["]
  lines.extend('    "%s",' % name for name in sorted(found))
  lines.append("])")
  with open(_OUTPUT, "w") as f:
    f.write("\n".join(lines) + "\n")
  print("%d modules -> %s" % (len(found), os.path.normpath(_OUTPUT)))


if __name__ == "__main__":
  main()
