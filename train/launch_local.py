r"""Launches a trainer as a local parameter-server cluster, for testing.

Starts `--num_ps` parameter servers and `--num_workers` workers of the
trainer on free 127.0.0.1 ports, each a process of its own running
`python -m <trainer> <trainer flags> --ps_hosts=... --worker_hosts=...
--job_name=... --task_index=...`, streams their logs prefixed with `[ps0]`,
`[worker1]`, ..., waits for the workers, then ends the parameter servers
(which otherwise serve forever). Exits non-zero if any worker fails or the
run exceeds `--timeout`; no process is left behind.

  python -m train.launch_local --num_ps=1 --num_workers=2 -- \
      --dataset=mnist_sample --model_dir=/tmp/dist --train_steps=300 \
      [--sync_replicas]
"""

import os
import signal
import socket
import subprocess
import sys
import threading
import time

from absl import app
from absl import flags
from absl import logging

FLAGS = flags.FLAGS

# The trainers' package: `train` in a clone, `tf1seq_train` when installed.
_PACKAGE = __name__.rpartition(".")[0] or "train"
flags.DEFINE_string("trainer", _PACKAGE + ".mnist_rnn",
                    "Trainer module to run.")
flags.DEFINE_integer("num_ps", 1, "Parameter servers.")
flags.DEFINE_integer("num_workers", 2, "Workers.")
flags.DEFINE_integer("timeout", 1800, "Seconds before everything is ended.")
flags.register_validator("num_ps", lambda n: n >= 1,
                         message="--num_ps must be >= 1.")
flags.register_validator("num_workers", lambda n: n >= 1,
                         message="--num_workers must be >= 1.")
flags.register_validator("timeout", lambda n: n > 0,
                         message="--timeout must be positive.")


def free_ports(count):
  """`count` distinct free TCP ports on 127.0.0.1."""
  sockets = []
  try:
    for _ in range(count):
      s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
      s.bind(("127.0.0.1", 0))
      sockets.append(s)
    return [s.getsockname()[1] for s in sockets]
  finally:
    for s in sockets:
      s.close()


def task_command(trainer, trainer_args, ps_hosts, worker_hosts, job_name,
                 task_index, sync_replicas):
  """The command line of one task."""
  command = [sys.executable, "-m", trainer] + list(trainer_args) + [
      "--ps_hosts=" + ",".join(ps_hosts),
      "--worker_hosts=" + ",".join(worker_hosts),
      "--job_name=" + job_name, "--task_index=%d" % task_index]
  if sync_replicas:
    command.append("--sync_replicas")
  return command


def _stream(prefix, pipe, out):
  for line in iter(pipe.readline, ""):
    out.write("[%s] %s" % (prefix, line))
    out.flush()
  pipe.close()


def _end(process):
  """Ends a process group: SIGTERM, then SIGKILL after 10 s."""
  if process.poll() is not None:
    return
  try:
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=10)
  except (ProcessLookupError, subprocess.TimeoutExpired):
    try:
      os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
      pass
    process.wait()


def launch(trainer, trainer_args, num_ps, num_workers, sync_replicas=False,
           timeout=1800, out=sys.stdout):
  """Runs the cluster to completion; returns the workers' exit codes.

  Args:
    trainer: module name, e.g. "train.mnist_rnn".
    trainer_args: flags passed to every task.
    num_ps: parameter servers.
    num_workers: workers.
    sync_replicas: pass --sync_replicas.
    timeout: seconds before every process is ended.
    out: where the prefixed logs go.

  Returns:
    The workers' exit codes, in task order (negative: ended by that
    signal, e.g. on timeout). A failed worker does not stop the others: in
    asynchronous training the rest carry on without it.
  """
  ports = free_ports(num_ps + num_workers)
  ps_hosts = ["127.0.0.1:%d" % p for p in ports[:num_ps]]
  worker_hosts = ["127.0.0.1:%d" % p for p in ports[num_ps:]]
  processes = {}
  threads = []
  for job_name, count in (("ps", num_ps), ("worker", num_workers)):
    for index in range(count):
      command = task_command(trainer, trainer_args, ps_hosts, worker_hosts,
                             job_name, index, sync_replicas)
      process = subprocess.Popen(
          command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
          text=True, start_new_session=True)
      name = "%s%d" % (job_name, index)
      processes[name] = process
      thread = threading.Thread(target=_stream,
                                args=(name, process.stdout, out),
                                daemon=True)
      thread.start()
      threads.append(thread)
  workers = [processes["worker%d" % i] for i in range(num_workers)]
  deadline = time.time() + timeout
  try:
    while any(w.poll() is None for w in workers):
      if time.time() > deadline:
        out.write("[launch_local] timeout after %d s: ending all tasks\n" %
                  timeout)
        break
      time.sleep(0.5)
  finally:
    for process in processes.values():
      _end(process)
    for thread in threads:
      thread.join(timeout=5)
  return [w.returncode for w in workers]


def main(argv):
  trainer_args = argv[1:]
  # Trainer flags, --sync_replicas among them, come after `--`.
  codes = launch(FLAGS.trainer, trainer_args, FLAGS.num_ps, FLAGS.num_workers,
                 timeout=FLAGS.timeout)
  logging.info("worker exit codes: %s", codes)
  if any(code != 0 for code in codes):
    sys.exit(1)


def run():
  """The `tf1seq-launch-local` command."""
  app.run(main)


if __name__ == "__main__":
  run()
