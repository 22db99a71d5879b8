"""`callcenter serve` under cProfile, recording only between SIGUSR1 and SIGUSR2.

SIGUSR2 stops recording and writes the profile to $CPU_BENCH_PROFILE, so start-up and
shut-down do not hide the work done while calls run. Run by benchmarks/controller_cpu.py.
"""

import cProfile
import os
import signal
from typing import Any

import _root  # noqa: F401  (before any project import: see _root.py)

from callcenter.cli import main

profile = cProfile.Profile()


def _stop(*_: Any) -> None:
    profile.disable()
    profile.dump_stats(os.environ["CPU_BENCH_PROFILE"])


signal.signal(signal.SIGUSR1, lambda *_: profile.enable())
signal.signal(signal.SIGUSR2, _stop)
main()
