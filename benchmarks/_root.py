"""Imported first by every benchmark script: the project root goes ahead of benchmarks/.

A script run as `python benchmarks/x.py` has benchmarks/ as sys.path[0], where
benchmarks/recordings.py would shadow the `recordings` package.
"""

import sys
from pathlib import Path

ROOT = str(Path(__file__).resolve().parent.parent)
HERE = str(Path(__file__).resolve().parent)
sys.path[:] = [ROOT] + [p for p in sys.path if p not in (ROOT, HERE)] + [HERE]
