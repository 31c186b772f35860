"""Writes tests/testdata/training/: TensorFlow 1.15's tf.contrib.training.

Run with TensorFlow 1.15 (it has tf.contrib):

  /work/tf115/bin/python tests/testdata/make_training_fixtures.py

hparams.json: for each scenario (keyword arguments, then calls on the
HParams object), what TF1.15 returned or raised (type and message) at each
call, and the final values, str and repr. parse_values.json: parse_values on
strings, each result or error. bucket.json: the batches
bucket_by_sequence_length produced from a fixed set of sequences.
"""

import json
import os

import numpy as np
import tensorflow as tf

training = tf.contrib.training

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "training")

BASE = {"learning_rate": 0.1, "num_layers": 2, "use_attention": True,
        "cell": "lstm", "units": [128, 64], "rates": [0.5, 0.25],
        "names": ["a", "b"], "flags": [True, False]}

# (name, kwargs, [(method, args...)])
SCENARIOS = [
    ("parse_scalars", BASE, [
        ("parse", "learning_rate=0.3,num_layers=4,use_attention=false"),
        ("parse", "cell=gru"), ("parse", "use_attention=1"),
        ("parse", "use_attention=True"), ("parse", "learning_rate=3"),
        ("parse", "learning_rate=-.5e-3"), ("parse", "num_layers = 7"),
    ]),
    ("parse_lists", BASE, [
        ("parse", "units=[256,256,32]"), ("parse", "rates=[1,0.5]"),
        ("parse", "names=[x,y,z]"), ("parse", "flags=[true,0,1,False]"),
        ("parse", "units[1]=5"), ("parse", "units=[ 1 2 , 3 ]"),
    ]),
    ("parse_errors", BASE, [
        ("parse", "learning_rate=abc"), ("parse", "num_layers=2.5"),
        ("parse", "unknown=3"), ("parse", "num_layers=1,num_layers=2"),
        ("parse", "units[0]=1,units[0]=2"), ("parse", "units=[1,2],units[0]=1"),
        ("parse", "units[0]=[1,2]"), ("parse", "use_attention=maybe"),
        ("parse", "num_layers=[1,2]"), ("parse", "units=3"),
        ("parse", "=3"), ("parse", "units=[1,x]"), ("parse", "cell="),
        ("parse", "num_layers=3,"), ("parse", ""),
    ]),
    ("set_and_override", BASE, [
        ("set_hparam", "learning_rate", 1), ("set_hparam", "num_layers", 3.0),
        ("set_hparam", "num_layers", True), ("set_hparam", "use_attention", 0),
        ("set_hparam", "cell", 5), ("set_hparam", "units", [1, 2, 3]),
        ("set_hparam", "units", 4), ("set_hparam", "num_layers", [1]),
        ("set_hparam", "missing", 1), ("set_hparam", "rates", [1, 2]),
        ("set_hparam", "units", [1.5]),
        ("override_from_dict", {"num_layers": 9, "cell": "rnn"}),
        ("override_from_dict", {"nothing": 9}),
        ("set_from_map", {"num_layers": 11}),
    ]),
    ("json", BASE, [
        ("to_json",), ("to_json_sorted",),
        ("parse_json", '{"num_layers": 5, "units": [1, 2]}'),
        ("parse_json", '{"num_layers": "five"}'),
        ("parse_json", '{"absent": 1}'),
        ("parse_json", "not json"),
    ]),
    ("add_get_del", {"a": 1, "b": None, "c": "x"}, [
        ("add_hparam", "d", 2.5), ("add_hparam", "a", 3),
        ("add_hparam", "values", 3), ("add_hparam", "parse", 1),
        ("add_hparam", "b", 7), ("add_hparam", "e", []),
        ("add_hparam", "f", (1, 2)), ("get", "a"), ("get", "zz"),
        ("get", "zz", 5), ("get", "a", 5), ("get", "a", 5.5),
        ("get", "a", "s"), ("get", "a", [1]), ("get", "f", [1]),
        ("get", "f", 1), ("get", "c", "y"), ("contains", "a"),
        ("contains", "zz"), ("del_hparam", "a"), ("del_hparam", "zz"),
        ("contains", "a"), ("set_hparam", "b", 3), ("set_hparam", "b", "q"),
    ]),
    ("reserved_at_construction", {"values": 1}, []),
    ("empty_list_at_construction", {"x": []}, []),
]


def describe(value):
  return {"value": repr(value)}


def call(hparams, method, args):
  if method == "to_json":
    return hparams.to_json()
  if method == "to_json_sorted":
    return hparams.to_json(indent=2, sort_keys=True)
  if method == "contains":
    return args[0] in hparams
  result = getattr(hparams, method)(*args)
  return "self" if result is hparams else result


def outcome(fn):
  try:
    return describe(fn())
  except Exception as e:  # pylint: disable=broad-except
    return {"error": type(e).__name__, "message": str(e)}


def hparams_table():
  table = []
  for name, kwargs, calls in SCENARIOS:
    entry = {"name": name, "kwargs": kwargs, "calls": [list(c) for c in calls]}
    try:
      hparams = training.HParams(**kwargs)
    except Exception as e:  # pylint: disable=broad-except
      entry["init"] = {"error": type(e).__name__, "message": str(e)}
      table.append(entry)
      continue
    entry["results"] = [
        outcome(lambda c=c: call(hparams, c[0], c[1:])) for c in calls]
    entry["values"] = repr(sorted(hparams.values().items()))
    entry["str"] = str(hparams)
    entry["repr"] = repr(hparams)
    table.append(entry)
  return table


PARSE_VALUES = [
    ("x=5,L=[1,2],arr[1]=3", {"x": "int", "L": "int", "arr": "int"}, False),
    ("x=5,y=2", {"x": "int"}, True),
    ("x=5,y=2", {"x": "int"}, False),
    ("a.b=1.5", {"a.b": "float"}, False),
    ("s=hello,t=[a, b]", {"s": "str", "t": "str"}, False),
    ("b=[true,false]", {"b": "bool"}, False),
    ("x=1;y=2", {"x": "int", "y": "int"}, False),
]
TYPES = {"int": int, "float": float, "str": str, "bool": bool}


def parse_values_table():
  return [{"values": values, "types": types, "ignore_unknown": ignore,
           "result": outcome(lambda v=values, t=types, i=ignore:
                             training.parse_values(
                                 v, {k: TYPES[n] for k, n in t.items()},
                                 ignore_unknown=i))}
          for values, types, ignore in PARSE_VALUES]


LENGTHS = [1, 5, 2, 7, 3, 6, 2, 9, 4, 1, 8, 3, 2]


def bucket_table():
  """Batches of bucket_by_sequence_length over LENGTHS (sequence i = i+1s)."""
  with tf.Graph().as_default():
    data = tf.data.Dataset.from_generator(
        lambda: ([i + 1] * n for i, n in enumerate(LENGTHS)), tf.int32,
        [None])
    sequence = tf.compat.v1.data.make_one_shot_iterator(data).get_next()
    length, (batch,) = training.bucket_by_sequence_length(
        tf.shape(sequence)[0], [sequence], batch_size=2,
        bucket_boundaries=[3, 6], dynamic_pad=True,
        allow_smaller_final_batch=True)
    summaries = sorted(op.name for op in tf.get_default_graph().get_operations()
                       if op.type == "ScalarSummary")
    batches = []
    with tf.compat.v1.train.MonitoredSession() as sess:
      while not sess.should_stop():
        got_length, got_batch = sess.run([length, batch])
        batches.append({"lengths": got_length.tolist(),
                        "batch": got_batch.tolist()})
  return {"lengths": LENGTHS, "batch_size": 2, "bucket_boundaries": [3, 6],
          "batches": sorted(batches, key=lambda b: b["batch"]),
          "summaries": summaries}


def main():
  os.makedirs(OUT, exist_ok=True)
  for file_name, table in (("hparams.json", hparams_table()),
                           ("parse_values.json", parse_values_table()),
                           ("bucket.json", bucket_table())):
    with open(os.path.join(OUT, file_name), "w") as f:
      json.dump(table, f, indent=1)  # Keyword order matters to str().
      f.write("\n")
  print("wrote %s" % OUT)


if __name__ == "__main__":
  main()
