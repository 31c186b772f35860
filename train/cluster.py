"""Runs a trainer on TensorFlow's own parameter-server runtime.

The same trainer runs single-process (no flags) or as one task of a cluster
of parameter servers and workers, TF1 style: `tf.compat.v1.train.Server`
per process, variables placed on the parameter servers by
`replica_device_setter`, `MonitoredTrainingSession(master=server.target,
is_chief=task_index == 0)`; only the chief checkpoints, writes summaries,
metrics and the SavedModel. With `--sync_replicas` the optimizer is wrapped
in `SyncReplicasOptimizer` (one update per step from all workers).

Flags (or the equivalent `TF_CONFIG` environment variable, as
`{"cluster": {"ps": [...], "worker": [...]}, "task": {"type": "worker",
"index": 0}}`):

  --ps_hosts=host:port,...  --worker_hosts=host:port,...
  --job_name=ps|worker      --task_index=N      --sync_replicas

One command per role, e.g. on three machines:

  python -m train.mnist_rnn --ps_hosts=a:2222 --worker_hosts=b:2222,c:2222 \
      --job_name=ps --task_index=0 ...
  python -m train.mnist_rnn ... --job_name=worker --task_index=0   # on b
  python -m train.mnist_rnn ... --job_name=worker --task_index=1   # on c

Usage in a trainer:

  task = cluster.Task.from_flags(FLAGS)
  if task.is_ps:
    task.serve()  # Never returns.
  with tf.Graph().as_default(), tf.compat.v1.device(task.device_setter()):
    ...
    optimizer = task.wrap_optimizer(optimizer)
    hooks += task.hooks(optimizer)
    with tf.compat.v1.train.MonitoredTrainingSession(
        master=task.master, is_chief=task.is_chief, ...):
"""

import json
import os

from absl import app
from absl import flags
from absl import logging
import tensorflow as tf

flags.DEFINE_list("ps_hosts", [], "Parameter servers, host:port,...; empty "
                  "for single-process training.")
flags.DEFINE_list("worker_hosts", [], "Workers, host:port,...")
flags.DEFINE_enum("job_name", None, ["ps", "worker"],
                  "This process's job in the cluster.")
flags.DEFINE_integer("task_index", 0, "This process's index in its job.")
flags.DEFINE_bool("sync_replicas", False,
                  "Aggregate one gradient from every worker per step "
                  "(SyncReplicasOptimizer) instead of asynchronous updates.")


class Task(object):
  """This process's place in the cluster (or a single-process run)."""

  def __init__(self, ps_hosts=(), worker_hosts=(), job_name=None,
               task_index=0, sync_replicas=False):
    """Validates the cluster description.

    Args:
      ps_hosts: parameter server addresses.
      worker_hosts: worker addresses.
      job_name: "ps" or "worker"; None for a single process.
      task_index: index within the job.
      sync_replicas: whether workers update synchronously.

    Raises:
      ValueError: on an incomplete or inconsistent description.
    """
    self.ps_hosts = list(ps_hosts)
    self.worker_hosts = list(worker_hosts)
    self.job_name = job_name
    self.task_index = task_index
    self.sync_replicas = sync_replicas
    distributed = bool(self.ps_hosts or self.worker_hosts or job_name)
    if not distributed:
      if sync_replicas:
        raise ValueError("--sync_replicas needs a cluster (--ps_hosts, "
                         "--worker_hosts, --job_name)")
      return
    if not self.ps_hosts or not self.worker_hosts:
      raise ValueError("a cluster needs both --ps_hosts and --worker_hosts, "
                       "got ps_hosts=%s worker_hosts=%s" %
                       (self.ps_hosts, self.worker_hosts))
    if job_name not in ("ps", "worker"):
      raise ValueError("--job_name must be 'ps' or 'worker' in a cluster, "
                       "got %r" % (job_name,))
    hosts = self.ps_hosts if job_name == "ps" else self.worker_hosts
    if not 0 <= task_index < len(hosts):
      raise ValueError("--task_index=%d is out of range for %d %s task(s)" %
                       (task_index, len(hosts), job_name))
    self._server = None

  @classmethod
  def from_flags(cls, flag_values, environ=None):
    """From the cluster flags, else from `TF_CONFIG`, else single-process.

    Raises:
      ValueError: if TF_CONFIG is not valid JSON of the expected form, or
        the description is inconsistent.
    """
    environ = os.environ if environ is None else environ
    if (flag_values.ps_hosts or flag_values.worker_hosts or
        flag_values.job_name):
      return cls(flag_values.ps_hosts, flag_values.worker_hosts,
                 flag_values.job_name, flag_values.task_index,
                 flag_values.sync_replicas)
    tf_config = environ.get("TF_CONFIG")
    if tf_config:
      try:
        config = json.loads(tf_config)
        spec = config["cluster"]
        task = config["task"]
        return cls(spec.get("ps", []), spec.get("worker", []), task["type"],
                   int(task.get("index", 0)), flag_values.sync_replicas)
      except (ValueError, KeyError, TypeError) as e:
        raise ValueError("TF_CONFIG must be JSON like {\"cluster\": {\"ps\": "
                         "[...], \"worker\": [...]}, \"task\": {\"type\": "
                         "\"worker\", \"index\": 0}}, got %r (%s)" %
                         (tf_config, e)) from None
    return cls(sync_replicas=flag_values.sync_replicas)

  @property
  def is_distributed(self):
    return self.job_name is not None

  @property
  def is_ps(self):
    return self.job_name == "ps"

  @property
  def is_chief(self):
    return not self.is_distributed or (self.job_name == "worker" and
                                       self.task_index == 0)

  @property
  def num_workers(self):
    return len(self.worker_hosts) if self.is_distributed else 1

  @property
  def name(self):
    if not self.is_distributed:
      return "single process"
    return "%s %d" % (self.job_name, self.task_index)

  def cluster_spec(self):
    return tf.compat.v1.train.ClusterSpec({"ps": self.ps_hosts,
                                           "worker": self.worker_hosts})

  def _start_server(self, config=None):
    if self._server is None:
      self._server = tf.compat.v1.train.Server(
          self.cluster_spec(), job_name=self.job_name,
          task_index=self.task_index, config=config)
    return self._server

  def serve(self):
    """Runs this parameter server until the process is ended."""
    self._start_server().join()

  def master(self, config=None):
    """The session target: "" for a single process, else this worker's."""
    if not self.is_distributed:
      return ""
    return self._start_server(config).target

  def device_setter(self):
    """Places variables on the parameter servers (None: single process)."""
    if not self.is_distributed:
      return None
    return tf.compat.v1.train.replica_device_setter(
        worker_device="/job:worker/task:%d" % self.task_index,
        cluster=self.cluster_spec())

  def session_config(self, config):
    """Restricts a worker's session to itself and the parameter servers."""
    if self.is_distributed:
      config.device_filters[:] = ["/job:ps",
                                  "/job:worker/task:%d" % self.task_index]
    return config

  def wrap_optimizer(self, optimizer):
    """`SyncReplicasOptimizer` over all workers with --sync_replicas."""
    if not self.sync_replicas:
      return optimizer
    return tf.compat.v1.train.SyncReplicasOptimizer(
        optimizer, replicas_to_aggregate=self.num_workers,
        total_num_replicas=self.num_workers)

  def hooks(self, optimizer):
    """The session hooks the (wrapped) optimizer needs."""
    if self.sync_replicas:
      return [optimizer.make_session_run_hook(self.is_chief)]
    return []

  def data_seed(self, seed):
    """Each worker shuffles with its own seed, so they read other batches."""
    return seed if not self.is_distributed else seed * 1000 + self.task_index


def start(flag_values):
  """This process's `Task`, from a trainer's `main`; serves if it is a ps.

  Args:
    flag_values: the parsed flags (the cluster flags above).

  Returns:
    The `Task` of a worker or of a single process, or None for a parameter
    server once it stops serving (the launcher ends it first).

  Raises:
    app.UsageError: if the cluster flags or TF_CONFIG are inconsistent.
  """
  try:
    task = Task.from_flags(flag_values)
  except ValueError as e:
    raise app.UsageError(str(e))
  if not task.is_ps:
    return task
  logging.info("parameter server %d serving on %s", task.task_index,
               task.ps_hosts[task.task_index])
  task.serve()  # Until the launcher ends this process.
  return None


_STOP_GRACE_PERIOD_SECS = 5


class _PromptWorkerSessionCreator(tf.compat.v1.train.WorkerSessionCreator):
  """A worker's session creator that polls for the chief every second.

  TensorFlow's waits 30 s between checks that the chief has initialised
  the model, so a worker started with the chief idles for 30 s.
  """

  def _get_session_manager(self):
    if self._session_manager is None:
      self._session_manager = tf.compat.v1.train.SessionManager(
          local_init_op=self._scaffold.local_init_op,
          local_init_feed_dict=self._scaffold.local_init_feed_dict,
          ready_op=self._scaffold.ready_op,
          ready_for_local_init_op=self._scaffold.ready_for_local_init_op,
          graph=tf.compat.v1.get_default_graph(), recovery_wait_secs=1)
    return self._session_manager


def monitored_session(task, checkpoint_dir, scaffold, hooks, config,
                      **chief_kwargs):
  """A `MonitoredTrainingSession` for this task.

  Args:
    task: a `Task`.
    checkpoint_dir: where the chief checkpoints and writes summaries.
    scaffold: a `tf.compat.v1.train.Scaffold`.
    hooks: hooks for every task.
    config: a `ConfigProto`.
    **chief_kwargs: more `MonitoredTrainingSession` arguments (checkpoint
      and summary intervals), used by the chief only.

  Returns:
    The session, to use in a `with` block.
  """
  master = task.master(config)
  # At the end of synchronous training the chief's token queue runner stays
  # blocked once the other workers are gone; TensorFlow would wait 120 s
  # for it before closing.
  grace = _STOP_GRACE_PERIOD_SECS
  if task.is_chief:
    return tf.compat.v1.train.MonitoredTrainingSession(
        master=master, is_chief=True, checkpoint_dir=checkpoint_dir,
        scaffold=scaffold, hooks=hooks, config=config,
        stop_grace_period_secs=grace, **chief_kwargs)
  creator = _PromptWorkerSessionCreator(scaffold=scaffold, master=master,
                                        config=config)
  return tf.compat.v1.train.MonitoredSession(
      session_creator=creator, hooks=hooks, stop_grace_period_secs=grace)
