"""Benchmarks: one module per measurement, ratios measured side by side."""
