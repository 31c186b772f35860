"""The flags every trainer shares, defined once with each trainer's defaults.

A trainer calls `define(...)` from its own `define_flags()` (under
`__main__`, or in its console-script entry point), so importing a trainer
defines nothing and two trainers can be imported into one process.

Usage:

  def define_flags():
    common_flags.define(num_units=256, num_layers=2, batch_size=64,
                        learning_rate=0.002, cells=common_flags.CELLS)
    flags.DEFINE_integer("num_steps", 100, "...")
"""

from absl import app
from absl import flags

from . import cells

# The flags `Config.from_flags` of every trainer reads the same way.
SHARED = ("model_dir", "export_dir", "force_export", "cell", "num_units",
          "num_layers", "batch_size", "learning_rate", "learning_rate_decay",
          "output_keep_prob", "epochs", "train_steps", "eval_every",
          "log_every", "save_checkpoint_steps", "keep_checkpoint_max",
          "seed", "xla", "intra_op_threads", "inter_op_threads")


def _positive(name):
  flags.register_validator(name, lambda n: n is not None and n > 0,
                           message="--%s must be positive." % name)


def _non_negative(name):
  flags.register_validator(name, lambda n: n is not None and n >= 0,
                           message="--%s must be >= 0." % name)


def define(num_units, num_layers, batch_size, learning_rate,
           learning_rate_decay, cell_names, log_every):
  """Defines the shared flags with this trainer's defaults.

  Args:
    num_units, num_layers, batch_size, learning_rate, learning_rate_decay,
      log_every: the defaults.
    cell_names: the `--cell` choices (keys of `cells.CELLS`).
  """
  flags.DEFINE_string("model_dir", None,
                      "Checkpoints, summaries (evaluation's in model_dir/"
                      "eval) and metrics.json; a run resumes from the latest "
                      "checkpoint here. Any tf.io.gfile path.")
  flags.DEFINE_string("export_dir", None,
                      "If set, a SavedModel is exported to "
                      "export_dir/<version>/ at the end, unless the newest "
                      "version there holds the final checkpoint already. "
                      "Version numbers are never reused.")
  flags.DEFINE_boolean("force_export", False,
                       "Export a new version even if the newest one in "
                       "--export_dir holds the final checkpoint already.")
  flags.DEFINE_enum("cell", "basic_lstm", list(cell_names or cells.CELLS),
                    "Recurrent cell.")
  flags.DEFINE_integer("num_units", num_units, "Units per layer.")
  flags.DEFINE_integer("num_layers", num_layers, "Stacked recurrent layers.")
  flags.DEFINE_integer("batch_size", batch_size, "Examples per step.")
  flags.DEFINE_float("learning_rate", learning_rate, "Initial learning rate.")
  flags.DEFINE_float("learning_rate_decay", learning_rate_decay,
                     "Learning-rate factor per epoch (1.0: constant).")
  flags.DEFINE_float("output_keep_prob", 1.0,
                     "Keep probability of dropout on each layer's output "
                     "during training (1.0: none).")
  flags.DEFINE_integer("epochs", 1, "Epochs to train, if --train_steps is 0.")
  flags.DEFINE_integer("train_steps", 0,
                       "Total training steps (overrides --epochs if > 0).")
  flags.DEFINE_integer("eval_every", 0, "Evaluate every this many steps "
                       "(0: at the end of every epoch).")
  flags.DEFINE_integer("log_every", log_every, "Log and write summaries "
                       "every this many steps.")
  flags.DEFINE_integer("save_checkpoint_steps", 500,
                       "Checkpoint every this many steps (and at the end).")
  flags.DEFINE_integer("keep_checkpoint_max", 5, "Checkpoints to keep.")
  flags.DEFINE_integer("seed", 1, "Seed of initialisation, data order and "
                       "sampling.")
  flags.DEFINE_boolean("xla", True,
                       "Compile the LSTM time loops with XLA where tf1seq's "
                       "C++ loop kernels are not used (no compiler, or "
                       "TF1SEQ_LSTM_KERNEL=0); --noxla runs them as plain "
                       "graph ops. Same values either way.")
  flags.DEFINE_integer("intra_op_threads", 0,
                       "Threads inside one op (0: TensorFlow decides).")
  flags.DEFINE_integer("inter_op_threads", 0,
                       "Ops run in parallel (0: TensorFlow decides).")
  for name in ("batch_size", "num_units", "num_layers", "log_every",
               "save_checkpoint_steps", "keep_checkpoint_max", "epochs"):
    _positive(name)
  for name in ("train_steps", "eval_every", "intra_op_threads",
               "inter_op_threads"):
    _non_negative(name)
  flags.register_validator("learning_rate", lambda x: x > 0,
                           message="--learning_rate must be positive.")
  flags.register_validator("learning_rate_decay", lambda x: 0 < x <= 1,
                           message="--learning_rate_decay must be in (0, 1].")
  flags.register_validator("output_keep_prob", lambda x: 0 < x <= 1,
                           message="--output_keep_prob must be in (0, 1].")


def positive(name):
  """Registers `--name must be positive` for a trainer's own flag."""
  _positive(name)


def non_negative(name):
  """Registers `--name must be >= 0` for a trainer's own flag."""
  _non_negative(name)


def values(flag_values, names):
  """`{name: value}` of the named flags, for metrics.json."""
  return {name: flag_values[name].value for name in names}


def run(define_flags, main):
  """A trainer's command: its flags, `--model_dir` required, `main`."""
  define_flags()
  flags.mark_flag_as_required("model_dir")
  app.run(main)
