"""Bad command-line input: a clear message and a non-zero exit, never a traceback."""

from __future__ import annotations

import subprocess
import sys

import pytest


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "callcenter", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--calls", "-1"], "--calls must be 1 or more"),
        (["--queue", "no-such-queue"], "unknown queue 'no-such-queue'"),
        (["--talk", "forever"], "--talk 'forever'"),
    ],
)
def test_bad_input_clear_message_no_traceback(args: list[str], message: str) -> None:
    result = cli("simulate", *args)
    assert result.returncode != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
