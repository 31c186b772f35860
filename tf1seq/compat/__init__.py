"""Compatibility namespaces: `import tf1seq.compat.v1 as tf`."""
