"""TF1's `tf.contrib.lookup` on TensorFlow 2's lookup ops.

TF1.15's `tf.contrib.lookup` re-exported `tensorflow.python.ops.lookup_ops`
(`index_table_from_file`, `HashTable`, `MutableHashTable`, ...), which
TensorFlow 2 still has (the public `tf.compat.v1.lookup` names only part of
it); the deprecated `string_to_index*` and `index_to_string` functions are
written here on top.

Usage:

  table = lookup.index_table_from_file("vocab.txt", num_oov_buckets=1)
  ids = table.lookup(tf.constant(["the", "cat"]))
  words = lookup.index_to_string_table_from_file("vocab.txt").lookup(ids)
  # Then tf.compat.v1.tables_initializer().
"""

import tensorflow as tf
from tensorflow.python.ops import lookup_ops

__all__ = [
    "FastHashSpec", "HashTable", "HasherSpec", "IdTableWithHashBuckets",
    "InitializableLookupTableBase", "KeyValueTensorInitializer",
    "LookupInterface", "MutableDenseHashTable", "MutableHashTable",
    "StrongHashSpec", "TableInitializerBase", "TextFileIdTableInitializer",
    "TextFileIndex", "TextFileInitializer", "TextFileStringTableInitializer",
    "index_table_from_file", "index_table_from_tensor", "index_to_string",
    "index_to_string_table_from_file", "index_to_string_table_from_tensor",
    "string_to_index", "string_to_index_table_from_file",
    "string_to_index_table_from_tensor"]

# TF1.15's tf.contrib.lookup names that lookup_ops defines the same way.
FastHashSpec = lookup_ops.FastHashSpec
HashTable = lookup_ops.HashTable
HasherSpec = lookup_ops.HasherSpec
IdTableWithHashBuckets = lookup_ops.IdTableWithHashBuckets
InitializableLookupTableBase = lookup_ops.InitializableLookupTableBase
KeyValueTensorInitializer = lookup_ops.KeyValueTensorInitializer
LookupInterface = lookup_ops.LookupInterface
MutableDenseHashTable = lookup_ops.DenseHashTable
MutableHashTable = lookup_ops.MutableHashTable
StrongHashSpec = lookup_ops.StrongHashSpec
TableInitializerBase = lookup_ops.TableInitializerBase
TextFileIdTableInitializer = lookup_ops.TextFileIdTableInitializer
TextFileIndex = lookup_ops.TextFileIndex
TextFileInitializer = lookup_ops.TextFileInitializer
TextFileStringTableInitializer = lookup_ops.TextFileStringTableInitializer
index_table_from_file = lookup_ops.index_table_from_file
index_table_from_tensor = lookup_ops.index_table_from_tensor
index_to_string_table_from_file = lookup_ops.index_to_string_table_from_file
index_to_string_table_from_tensor = (
    lookup_ops.index_to_string_table_from_tensor)


def string_to_index_table_from_file(vocabulary_file=None,
                                    num_oov_buckets=0,
                                    vocab_size=None,
                                    default_value=-1,
                                    hasher_spec=FastHashSpec,
                                    name=None):
  """Deprecated alias of `index_table_from_file` for string keys."""
  return index_table_from_file(vocabulary_file, num_oov_buckets, vocab_size,
                               default_value, hasher_spec,
                               key_dtype=tf.string, name=name)


def string_to_index_table_from_tensor(mapping,
                                      num_oov_buckets=0,
                                      default_value=-1,
                                      hasher_spec=FastHashSpec,
                                      name=None):
  """Deprecated alias of `index_table_from_tensor` for string keys.

  Raises:
    ValueError: if `mapping` is not a string tensor.
  """
  with tf.compat.v1.name_scope(name, "string_to_index") as scope:
    mapping = tf.convert_to_tensor(mapping)
  if mapping.dtype.base_dtype != tf.string:
    raise ValueError("string_to_index_table_from_tensor requires string.")
  return index_table_from_tensor(mapping, num_oov_buckets, default_value,
                                 hasher_spec, name=scope)


def string_to_index(tensor, mapping, default_value=-1, name=None):
  """The index of each string of `tensor` in `mapping` (else default_value).

  Needs `tf.compat.v1.tables_initializer()` run first, as in TF1.

  Args:
    tensor: A string tensor.
    mapping: A 1-D string tensor of the words, in index order.
    default_value: The index of strings not in `mapping`.
    name: A name for this op (optional).

  Returns:
    An int64 tensor of the shape of `tensor`.
  """
  with tf.compat.v1.name_scope(name, "string_to_index") as scope:
    table = index_table_from_tensor(mapping, default_value=default_value,
                                    name=scope)
    return table.lookup(tensor)


def index_to_string(tensor, mapping, default_value="UNK", name=None):
  """The string at each int64 index of `tensor` in `mapping` (else default).

  Needs `tf.compat.v1.tables_initializer()` run first, as in TF1.

  Args:
    tensor: An int64 tensor of indices.
    mapping: A 1-D string tensor of the words, in index order.
    default_value: The string of indices out of range.
    name: A name for this op (optional).

  Returns:
    A string tensor of the shape of `tensor`.
  """
  with tf.compat.v1.name_scope(name, "index_to_string") as scope:
    table = index_to_string_table_from_tensor(
        mapping, default_value=default_value, name=scope)
    return table.lookup(tensor)
