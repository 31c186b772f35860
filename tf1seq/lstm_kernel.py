"""tf1seq's LSTM time-loop kernels: two C++ ops, built on first use.

`tf1seq/kernels/lstm_sequence.cc` defines `Tf1seqLstmForward` and
`Tf1seqLstmBackward`, the forward and backward time loops of
`tf1seq.fused_lstm` (float32): each shards the batch over TensorFlow's
worker threads and runs every step's recurrent GEMM and gate arithmetic
without TensorFlow's per-op overhead. `ops()` compiles the source against
the installed TensorFlow (`tf.sysconfig`'s flags, the C++ compiler `$CXX`
or `c++`) into tf1seq's cache directory (`$TF1SEQ_CACHE_DIR`, else
`~/.cache/tf1seq/kernels`), once per source, TensorFlow version and CPU,
and loads it; when there is no compiler or the build fails it logs why
once and returns None, and `tf1seq.fused_lstm` keeps its pure TensorFlow
loops (XLA-compiled). `TF1SEQ_LSTM_KERNEL=0` never builds or uses the ops.

Nothing is built at install time, so `pip install` needs no compiler; the
first graph that uses the kernels waits for the build (about 20 seconds),
later processes load the cached library. A graph saved with the kernels
(`.meta` files) imports only where they are loaded (`load_if_built()`);
tf1seq's serving exports never contain them.

Usage:

  from tf1seq import lstm_kernel
  ops = lstm_kernel.ops()  # None: not available here
  if ops is not None:
    outputs, c, h, gates, cs = ops.tf1seq_lstm_forward(
        projected, c, h, recurrent_kernel, mask)
"""

import hashlib
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading

from absl import logging
import tensorflow as tf

from tf1seq import files

ENV = "TF1SEQ_LSTM_KERNEL"
SOURCE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "kernels",
                      "lstm_sequence.cc")
BUILD_TIMEOUT_SECONDS = 600

_LOCK = threading.Lock()
_RESULT = []  # [ops module or None] once tried.


def enabled():
  """False when the environment variable TF1SEQ_LSTM_KERNEL is 0."""
  return os.environ.get(ENV, "1").strip().lower() not in ("0", "false", "no",
                                                          "off")


def _cpu_flags():
  """The CPU's feature flags (the build uses -march=native)."""
  try:
    with open("/proc/cpuinfo") as f:
      for line in f:
        if line.startswith("flags"):
          return line
  except OSError:
    pass
  return platform.processor()


def compiler():
  """The C++ compiler's path, or None."""
  return shutil.which(os.environ.get("CXX", "c++")) or shutil.which("g++")


def _flags():
  return (["-std=c++17", "-shared", "-fPIC", "-O3", "-march=native"] +
          tf.sysconfig.get_compile_flags() + tf.sysconfig.get_link_flags())


def build_command(output):
  """The compiler command that builds the library into `output`."""
  return [compiler() or "c++", SOURCE, "-o", output] + _flags()


def library_path():
  """Where the built library for this source, TensorFlow and CPU goes."""
  with open(SOURCE, "rb") as f:
    key = hashlib.sha256(f.read())
  for part in (tf.__version__, sys.version, _cpu_flags(),
               compiler() or "", " ".join(_flags())):
    key.update(part.encode())
  return os.path.join(files.default_cache_dir(), "kernels",
                      "lstm_sequence-%s.so" % key.hexdigest()[:16])


def build(path):
  """Compiles the kernels into `path` (atomically); raises on failure."""
  if compiler() is None:
    raise RuntimeError("no C++ compiler (set $CXX or install g++)")
  directory = os.path.dirname(path)
  os.makedirs(directory, exist_ok=True)
  handle, temporary = tempfile.mkstemp(dir=directory, suffix=".so.tmp")
  os.close(handle)
  try:
    result = subprocess.run(build_command(temporary), capture_output=True,
                            text=True, timeout=BUILD_TIMEOUT_SECONDS,
                            check=False)
    if result.returncode != 0:
      raise RuntimeError("building %s failed:\n%s" % (
          SOURCE, result.stderr[-3000:]))
    os.replace(temporary, path)
  finally:
    if os.path.exists(temporary):
      os.remove(temporary)


def ops():
  """The loaded kernel ops module, or None where they are not available."""
  if not enabled():
    return None
  with _LOCK:
    if not _RESULT:
      _RESULT.append(_load())
    return _RESULT[0]


def load_if_built():
  """Loads the kernels if they are already built (never builds).

  So that a graph saved with them (a `.meta` file of `tf.train.Saver`)
  imports with `tf.compat.v1.train.import_meta_graph`: TensorFlow must know
  their ops. `tf1seq.patch()` (so `tf1seq.run`) and `tf1seq.compat.v1`
  call it.
  """
  try:
    built = enabled() and os.path.exists(library_path())
  except OSError:
    return
  if built:
    ops()


def _load():
  try:
    path = library_path()
    if not os.path.exists(path):
      logging.info("building tf1seq's LSTM kernels into %s", path)
      build(path)
    return tf.load_op_library(path)
  except (OSError, RuntimeError, subprocess.SubprocessError,
          tf.errors.NotFoundError) as e:
    logging.warning("tf1seq's LSTM kernels are not available (%s); the "
                    "LSTM runs on TensorFlow ops instead.", e)
    return None
