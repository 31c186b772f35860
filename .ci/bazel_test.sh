#!/usr/bin/env bash
# Runs every Bazel test offline with a venv's Python (which has TensorFlow).
#
#   bash .ci/bazel_test.sh /abs/path/to/venv/bin/python [extra bazel flags]
#
# Needs Bazel 4.2 (Debian: apt-get install -y bazel-bootstrap). Nothing is
# downloaded: WORKSPACE points Bazel's own repositories at third_party/bazel.
# Prints the logs of failed tests (.bazelrc: --test_output=errors) and exits
# non-zero if any test fails or nothing could be built.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ $# -lt 1 ]]; then
  echo "usage: $0 /abs/path/to/venv/bin/python [bazel test flags...]" >&2
  exit 2
fi
python_path="$1"
shift
if [[ "${python_path}" != /* ]]; then
  python_path="${PWD}/${python_path}"
fi
if [[ ! -x "${python_path}" ]]; then
  echo "$0: ${python_path} is not an executable Python" >&2
  exit 2
fi
if ! command -v bazel >/dev/null 2>&1; then
  echo "$0: bazel not found; apt-get install -y bazel-bootstrap" >&2
  exit 2
fi

# Bazel tracks the interpreter's path, not what is installed in it: name the
# installed distributions in the tests' environment, so changing the venv
# reruns the tests instead of reusing cached results.
venv_stamp="$("${python_path}" - <<'EOF'
import hashlib
import importlib.metadata

names = sorted("%s==%s" % (d.metadata["Name"], d.version)
               for d in importlib.metadata.distributions())
print(hashlib.sha256("\n".join(names).encode()).hexdigest()[:16])
EOF
)"

# TF1SEQ_LSTM_KERNEL=0: every sandbox would build tf1seq's C++ LSTM kernels
# anew; pytest's run covers them, Bazel's the loops on TensorFlow ops.
log="$(mktemp)"
trap 'rm -f "${log}"' EXIT
set +e
bazel test //... \
    --python_path="${python_path}" \
    --test_env=TF1SEQ_VENV_STAMP="${venv_stamp}" \
    --test_env=TF1SEQ_LSTM_KERNEL=0 \
    "$@" 2>&1 | tee "${log}"
status="${PIPESTATUS[0]}"
set -e

# One closing line for CI, counted from Bazel's per-target summary.
passed="$(grep -cE '^//[^ ]+ +(\(cached\) )?PASSED' "${log}" || true)"
failed="$(grep -cE '^//[^ ]+ +(\(cached\) )?(FAILED|TIMEOUT|FLAKY|INCOMPLETE|NO STATUS)' "${log}" || true)"
echo "bazel: ${passed} passed, ${failed} failed"

# 0: all passed. 3: some test failed (logs printed above). 4: no test
# targets, which would make CI pass on nothing. Anything else: build error.
case "${status}" in
  0) ;;
  4) echo "$0: bazel found no tests under //..." >&2 ;;
  *) echo "$0: bazel test failed (exit ${status})" >&2 ;;
esac
exit "${status}"
