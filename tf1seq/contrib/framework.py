"""TF1's `tf.contrib.framework`: nest, global step, arg scopes, variables.

What TF1 programs used of `tf.contrib.framework`, each from where it lives
on TensorFlow 2:

  nest                      TensorFlow's nest, with TF1's names (is_sequence)
  get_or_create_global_step, get_global_step, create_global_step,
  assert_global_step        tf.compat.v1.train
  local_variable, global_variable   here, on tf.compat.v1.Variable
  load_checkpoint, list_variables, load_variable, init_from_checkpoint
                            tf.train / tf.compat.v1.train
  arg_scope, add_arg_scope, get_variables, get_variables_to_restore,
  assign_from_checkpoint_fn, model_variable, ...  (`SLIM_NAMES`)
                            tf_slim, the maintained copy of TF1's code. It
                            is imported at first use of one of them (it
                            imports Keras, which tf1seq otherwise avoids),
                            and shares its arg scopes with
                            tf.contrib.layers (also tf_slim).

Usage:

  from tf1seq.contrib import framework
  step = framework.get_or_create_global_step()
  with framework.arg_scope([tf_slim.fully_connected], activation_fn=None):
    ...
  init_fn = framework.assign_from_checkpoint_fn(
      path, framework.get_variables_to_restore(exclude=["logits"]))
"""

import importlib
import types

import tensorflow as tf
from tensorflow.python.util import nest as _tf_nest

# TF1.15's tf.contrib.framework.nest names.
_NEST_NAMES = (
    "assert_same_structure", "assert_shallow_structure", "flatten",
    "flatten_dict_items", "flatten_up_to", "flatten_with_joined_string_paths",
    "flatten_with_tuple_paths", "flatten_with_tuple_paths_up_to",
    "get_traverse_shallow_structure", "is_nested", "is_sequence_or_composite",
    "map_structure", "map_structure_up_to", "map_structure_with_paths",
    "map_structure_with_tuple_paths", "map_structure_with_tuple_paths_up_to",
    "pack_sequence_as", "yield_flat_paths")

nest = types.ModuleType(
    __name__ + ".nest", "TF1's tf.contrib.framework.nest: TensorFlow's nest.")
for _name in _NEST_NAMES:
  setattr(nest, _name, getattr(_tf_nest, _name))
nest.is_sequence = _tf_nest.is_nested  # TF1's name for is_nested.
del _name

get_or_create_global_step = tf.compat.v1.train.get_or_create_global_step
get_global_step = tf.compat.v1.train.get_global_step
create_global_step = tf.compat.v1.train.create_global_step
assert_global_step = tf.compat.v1.train.assert_global_step
load_checkpoint = tf.train.load_checkpoint
list_variables = tf.train.list_variables
load_variable = tf.train.load_variable
init_from_checkpoint = tf.compat.v1.train.init_from_checkpoint
is_tensor = tf.is_tensor
py_func = tf.compat.v1.py_func
sort = tf.sort
argsort = tf.argsort
TensorSpec = tf.TensorSpec
smart_cond = tf.__internal__.smart_cond.smart_cond


def get_name_scope():
  """The current name scope of the default graph ('' at the top)."""
  return tf.compat.v1.get_default_graph().get_name_scope()


def local_variable(initial_value, validate_shape=True, name=None,
                   use_resource=None):
  """A non-trainable variable in the LOCAL_VARIABLES collection only.

  (tf_slim's version calls an API TensorFlow 2.21 no longer has.)

  Args:
    initial_value: See `tf.compat.v1.Variable`.
    validate_shape: See `tf.compat.v1.Variable`.
    name: See `tf.compat.v1.Variable`.
    use_resource: If `True` use a ResourceVariable instead of a Variable.

  Returns:
    New variable.
  """
  return tf.compat.v1.Variable(
      initial_value, trainable=False,
      collections=[tf.compat.v1.GraphKeys.LOCAL_VARIABLES],
      validate_shape=validate_shape, use_resource=use_resource, name=name)


def global_variable(initial_value, validate_shape=True, name=None,
                    use_resource=None):
  """A non-trainable variable in the GLOBAL_VARIABLES collection only.

  Args:
    initial_value: See `tf.compat.v1.Variable`.
    validate_shape: See `tf.compat.v1.Variable`.
    name: See `tf.compat.v1.Variable`.
    use_resource: If `True` use a ResourceVariable instead of a Variable.

  Returns:
    New variable.
  """
  return tf.compat.v1.Variable(
      initial_value, trainable=False,
      collections=[tf.compat.v1.GraphKeys.GLOBAL_VARIABLES],
      validate_shape=validate_shape, use_resource=use_resource, name=name)


# The names that come from tf_slim, imported when one is first used.
SLIM_NAMES = (
    "VariableDeviceChooser", "add_arg_scope", "add_model_variable",
    "arg_scope", "arg_scoped_arguments", "assert_or_get_global_step",
    "assign_from_checkpoint", "assign_from_checkpoint_fn",
    "assign_from_values", "assign_from_values_fn", "current_arg_scope",
    "filter_variables", "get_local_variables", "get_model_variables",
    "get_trainable_variables", "get_unique_variable",
    "get_variable_full_name", "get_variables", "get_variables_by_name",
    "get_variables_by_suffix", "get_variables_to_restore", "has_arg_scope",
    "model_variable", "variable")

# The names this module provides itself.
OWN_NAMES = (
    "nest", "get_or_create_global_step", "get_global_step",
    "create_global_step", "assert_global_step", "load_checkpoint",
    "list_variables", "load_variable", "init_from_checkpoint", "is_tensor",
    "py_func", "sort", "argsort", "TensorSpec", "smart_cond",
    "get_name_scope", "local_variable", "global_variable")


__all__ = list(OWN_NAMES + SLIM_NAMES)


def __getattr__(name):  # Only called for names not defined above.
  if name in SLIM_NAMES:
    value = getattr(importlib.import_module("tf_slim"), name)
    globals()[name] = value
    return value
  raise AttributeError("module %r has no attribute %r" % (__name__, name))


def __dir__():
  return sorted(set(globals()) | set(SLIM_NAMES))
