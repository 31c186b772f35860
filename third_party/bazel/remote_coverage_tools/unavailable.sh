#!/bin/sh
# Stands in for Bazel's downloaded coverage tools, which offline builds lack.
echo "remote_coverage_tools is an offline stub (third_party/bazel): 'bazel coverage' is not supported here." >&2
exit 1
