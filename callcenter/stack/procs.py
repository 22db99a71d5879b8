"""Processes and sockets: pid files, liveness, stopping with a deadline, `ss`, commands."""

from __future__ import annotations

import contextlib
import errno
import os
import re
import signal
import socket
import subprocess
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from callcenter.stack.errors import StackError

_PID_RE = re.compile(r"\(\"([^\"]*)\",pid=(\d+),")


@dataclass(frozen=True)
class ListeningSocket:
    """One line of `ss -lntup`."""

    proto: str
    host: str
    port: int
    process: str
    pid: int

    @property
    def loopback(self) -> bool:
        """True when only this machine can reach the socket."""
        host = self.host.split("%", 1)[0]
        return host in ("::1", "::ffff:127.0.0.1") or host.startswith("127.")


def read_pid(path: Path) -> int | None:
    """The pid stored in a pid file, or None."""
    try:
        return int(path.read_text().strip())
    except (OSError, ValueError):
        return None


def alive(pid: int) -> bool:
    """True when the process exists and is not a zombie (reaps our own zombies)."""
    with contextlib.suppress(ChildProcessError):
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            return False
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"


def name_of(pid: int) -> str | None:
    """The process's short name (`comm`), or None when it is gone."""
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return None


def root_of(pid: int) -> Path | None:
    """The process's root dir (chroot), or None when it cannot be read."""
    try:
        return Path(os.readlink(f"/proc/{pid}/root"))
    except OSError:
        return None


def wait_exit(pid: int, *, timeout_s: float) -> bool:
    """Wait until the process has exited; True when it did within the deadline."""
    deadline = time.monotonic() + timeout_s
    while alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def terminate(pid: int, *, timeout_s: float, kill_after_s: float = 5.0) -> None:
    """SIGTERM, wait, then SIGKILL; raises StackError if the process survives."""
    for sig, wait_s in ((signal.SIGTERM, timeout_s), (signal.SIGKILL, kill_after_s)):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            return
        except PermissionError as exc:
            raise StackError(f"not allowed to stop pid {pid}: run as root") from exc
        if wait_exit(pid, timeout_s=wait_s):
            return
    raise StackError(f"pid {pid} did not exit after SIGKILL")


def run(
    cmd: Sequence[str | Path],
    *,
    timeout_s: float,
    env: Mapping[str, str] | None = None,
    log: Path | None = None,
) -> str:
    """Run a command; its stdout, or StackError with the end of its output."""
    args = [str(c) for c in cmd]
    try:
        proc = _run_group(args, timeout_s=timeout_s, env=env)
    except FileNotFoundError as exc:
        raise StackError(f"{args[0]} is not installed") from exc
    except subprocess.TimeoutExpired as exc:
        raise StackError(f"`{' '.join(args)}` took longer than {timeout_s:.0f} s") from exc
    if log is not None:
        _append_log(log, args, proc.stdout + proc.stderr)
    if proc.returncode != 0:
        tail = _tail(proc.stderr or proc.stdout)
        raise StackError(f"`{' '.join(args)}` failed (exit {proc.returncode}): {tail}")
    return proc.stdout


def _run_group(
    args: list[str], *, timeout_s: float, env: Mapping[str, str] | None
) -> subprocess.CompletedProcess[str]:
    """Run in a new process group; on timeout or interrupt kill the whole group (apt, dpkg…)."""
    with subprocess.Popen(
        args,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(env) if env is not None else None,
        start_new_session=True,
    ) as proc:
        try:
            out, err = proc.communicate(timeout=timeout_s)
        except BaseException:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            raise
    return subprocess.CompletedProcess(args, proc.returncode, out, err)


def _append_log(log: Path, args: list[str], output: str) -> None:
    """Keep full command output out of the terminal but on disk."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("a") as fh:
        fh.write(f"$ {' '.join(args)}\n{output}\n")


def _tail(text: str, *, lines: int = 5) -> str:
    """The last few lines of some output, on one line."""
    return " | ".join(line for line in text.strip().splitlines()[-lines:]) or "(no output)"


def listening_sockets(pids: Iterable[int] | None = None) -> list[ListeningSocket]:
    """Listening TCP and bound UDP sockets from `ss -lntupH` (of `pids` if given)."""
    wanted = set(pids) if pids is not None else None
    out = run(["ss", "-H", "-lntup"], timeout_s=10)
    found: list[ListeningSocket] = []
    for line in out.splitlines():
        fields = line.split()
        if len(fields) < 7:
            continue
        host, _, port = fields[4].rpartition(":")
        for name, pid in _PID_RE.findall(line):
            if wanted is None or int(pid) in wanted:
                found.append(
                    ListeningSocket(fields[0], host.strip("[]"), _port(port), name, int(pid))
                )
    return found


def exposed_sockets(pid: int) -> list[ListeningSocket]:
    """Sockets of `pid` that other machines could reach (not on loopback)."""
    return [s for s in listening_sockets([pid]) if not s.loopback]


def _port(text: str) -> int:
    """Port number of an `ss` address ('*' means any)."""
    return int(text) if text.isdigit() else 0


def port_free(*, host: str, port: int, proto: str) -> bool:
    """True when we could bind (host, port) ourselves right now."""
    kind = socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, kind) as sock:
        if proto == "tcp":
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                return False
            raise
    return True


def who_listens(*, port: int, proto: str) -> str:
    """'name (pid N)' of whoever holds a port, for error messages."""
    prefix = "tcp" if proto == "tcp" else "udp"
    for sock in listening_sockets():
        if sock.port == port and sock.proto == prefix:
            return f"{sock.process} (pid {sock.pid})"
    return "another process"


def require_free(ports: Iterable[tuple[str, int, str]], *, wait_s: float = 0.0) -> None:
    """Raise StackError naming the holder of the first port still busy after `wait_s`.

    Right after a stop, the old process's closing connections can hold a port for a
    while (orphaned FIN_WAIT sockets): a restart waits for them instead of failing.
    """
    deadline = time.monotonic() + wait_s
    for host, port, proto in ports:
        while not port_free(host=host, port=port, proto=proto):
            if time.monotonic() >= deadline:
                holder = who_listens(port=port, proto=proto)
                raise StackError(f"{proto} port {host}:{port} is already in use by {holder}")
            time.sleep(0.2)
