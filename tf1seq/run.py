"""`python -m tf1seq.run SCRIPT [ARGS...]`: runs a TF1 script unmodified.

The implementation is `tf1seq.compat.running`; this module is the command
(also installed as `tf1seq-run`).

Usage:

  python -m tf1seq.run train.py --data_path=data
  python -m tf1seq.run --report-only --recursive train.py
"""

import sys

from tf1seq.compat import running

if __name__ == "__main__":
  sys.exit(running.main())
