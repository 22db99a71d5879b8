"""Asterisk 22 in its chroot: install, render config, start, reload, stop, ask."""

from __future__ import annotations

import contextlib
import re
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from callcenter.centre import Centre, load
from callcenter.config import Settings
from callcenter.stack import chroot, pjdns, procs
from callcenter.stack.errors import StackError
from callcenter.stack.paths import ASTERISK_CONF_IN_CHROOT, StackPaths, in_chroot
from callcenter.stack.render import (
    LOOPBACK,
    RESTART_FILES,
    SIP_PORT,
    http_port,
    render_all,
    render_context,
    write_config,
)
from callcenter.stack.secrets import apply_secrets, ensure_secrets

_VERSION_RE = re.compile(r"Asterisk (\d+\.\d+\.\d+)")
_DPKG_VERSION_RE = re.compile(r"^Version: (?:\d+:)?(\d+\.\d+\.\d+)", re.MULTILINE)


CEL_DIR = "var/log/asterisk/cel-custom"  # cel_custom.conf writes ivr.csv here
PORT_WAIT_S = 90.0  # covers tcp_fin_timeout (60 s) of the old process's closing sockets


def _quiet(_: str) -> None:
    """Default progress callback: say nothing."""


class AsteriskService:
    """The stack's Asterisk: one chroot under the state dir, config in /etc/callcenter."""

    def __init__(self, settings: Settings, *, centre: Centre | None = None) -> None:
        self.settings = settings
        self.paths = StackPaths.of(settings)
        self.root = self.paths.asterisk_root
        self._centre = centre

    # -- install and config -------------------------------------------------
    def installed(self) -> bool:
        """True when the chroot is complete."""
        return chroot.is_installed(self.root)

    def install(self, *, notify: Callable[[str], None] = _quiet) -> bool:
        """Build the chroot if missing; True when it was built now."""
        if self.installed():
            return False
        chroot.install(root=self.root, log=self.paths.asterisk_logs / "install.log", notify=notify)
        return True

    def render(self) -> list[str]:
        """Render the templates into ROOT/etc/callcenter; the file names that changed."""
        secrets = ensure_secrets(self.paths.secrets_file)
        settings = apply_secrets(self.settings, secrets)
        try:
            centre = self._centre or load(settings.conf_dir)
            # a broken ivr.toml: the service would refuse to start (render_context reads it)
            context = render_context(settings=settings, secrets=secrets, centre=centre)
        except ValueError as exc:
            raise StackError(str(exc)) from exc
        files = render_all(context=context, templates_dir=settings.conf_dir)
        return write_config(files=files, dest=self.paths.conf_dir)

    # -- process ------------------------------------------------------------
    def pid(self) -> int | None:
        """Pid of this chroot's running Asterisk, or None."""
        pid = procs.read_pid(self.paths.run_dir / "asterisk.pid")
        if pid is None or not procs.alive(pid) or procs.name_of(pid) != "asterisk":
            return None
        root = procs.root_of(pid)
        if root is not None and root.resolve() != self.root.resolve():
            return None
        return pid

    def is_up(self) -> bool:
        """True when Asterisk runs and answers on its control socket."""
        if self.pid() is None:
            return False
        try:
            self.rx("core show uptime", timeout_s=5)
        except StackError:
            return False
        return True

    def start(self) -> None:
        """Start Asterisk (no-op when running) and wait until it is fully booted."""
        if self.pid() is not None:
            return
        if not self.installed():
            raise StackError(f"Asterisk is not installed in {self.root}: run `callcenter stack up`")
        procs.require_free(self.ports(), wait_s=PORT_WAIT_S)
        self._prepare_run_dirs()
        self._spawn()
        self._wait_booted()

    def _prepare_run_dirs(self) -> None:
        """No systemd: create the run dirs and drop stale pid file and socket."""
        for path in (self.root / "run/asterisk", self.paths.run_dir, self.root / CEL_DIR):
            path.mkdir(parents=True, exist_ok=True)
        for name in ("asterisk.pid", "asterisk.ctl"):
            (self.paths.run_dir / name).unlink(missing_ok=True)

    def _spawn(self) -> None:
        """Run `asterisk -F` in the chroot; it forks and the parent returns."""
        self.paths.asterisk_logs.mkdir(parents=True, exist_ok=True)
        log = self.paths.asterisk_logs / "start.log"
        preload = pjdns.ensure_library(root=self.root, log=log)
        cmd = ["chroot", str(self.root), "/usr/bin/env", f"LD_PRELOAD={preload}"]
        with log.open("a") as err:
            code = subprocess.run(
                [*cmd, "/usr/sbin/asterisk", "-F", "-C", str(ASTERISK_CONF_IN_CHROOT)],
                stdin=subprocess.DEVNULL,
                stdout=err,
                stderr=err,
                start_new_session=True,
                timeout=60,
                check=False,
            ).returncode
        if code != 0:
            raise StackError(f"asterisk did not start (exit {code}); see {log}")

    def _wait_booted(self, *, timeout_s: float = 60) -> None:
        """Poll for the control socket, then `core waitfullybooted`."""
        deadline = time.monotonic() + timeout_s
        ctl = self.paths.run_dir / "asterisk.ctl"
        while not ctl.exists():
            if time.monotonic() > deadline:
                raise StackError(
                    f"asterisk made no control socket in {timeout_s:.0f} s; {self._log_hint()}"
                )
            time.sleep(0.05)
        self.rx("core waitfullybooted", timeout_s=max(deadline - time.monotonic(), 5))

    def _log_hint(self) -> str:
        """Where to look when Asterisk misbehaves."""
        return f"see {in_chroot(self.root, '/var/log/asterisk/messages')}"

    def stop(self, *, timeout_s: float = 15) -> bool:
        """Stop Asterisk (core stop now, then signals); True when it was running."""
        pid = self.pid()
        if pid is None:
            return False
        with contextlib.suppress(StackError):  # the console drops while Asterisk exits
            self.rx("core stop now", timeout_s=timeout_s)
        if not procs.wait_exit(pid, timeout_s=timeout_s):
            procs.terminate(pid, timeout_s=5)
        return True

    def apply_config(self) -> str:
        """Render config, then start, reload or restart as needed; what happened."""
        changed = self.render()
        if self.pid() is None:
            self.start()
            return "started"
        if RESTART_FILES & set(changed):
            self.stop()
            self.start()
            return f"restarted ({', '.join(changed)} changed)"
        if changed:
            (self.root / CEL_DIR).mkdir(parents=True, exist_ok=True)
            self.rx("core reload")
            if "cel_custom.conf" in changed:  # declined at start without its file: load it now
                self.rx("module load cel_custom.so")
            return f"reloaded ({', '.join(changed)} changed)"
        return "running, config unchanged"

    # -- questions ----------------------------------------------------------
    def rx(self, command: str, *, timeout_s: float = 30) -> str:
        """Run one CLI command on the running Asterisk; its output."""
        cmd: list[str | Path] = ["chroot", self.root, "/usr/sbin/asterisk", "-C"]
        return procs.run([*cmd, str(ASTERISK_CONF_IN_CHROOT), "-rx", command], timeout_s=timeout_s)

    def version(self) -> str | None:
        """Running version (e.g. '22.10.1'), else the installed package's, else None."""
        if self.pid() is not None:
            try:
                found = _VERSION_RE.search(self.rx("core show version", timeout_s=5))
            except StackError:
                found = None
            if found:
                return found.group(1)
        return self.installed_version()

    def installed_version(self) -> str | None:
        """Version of the chroot's asterisk package, from dpkg's status file."""
        try:
            status = (self.root / "var/lib/dpkg/status").read_text()
        except OSError:
            return None
        block = status.split("Package: asterisk\n", 1)
        found = _DPKG_VERSION_RE.search(block[1]) if len(block) == 2 else None
        return found.group(1) if found else None

    def ports(self) -> list[tuple[str, int, str]]:
        """(host, port, proto) Asterisk listens on: AMI, HTTP (ARI, WS), SIP."""
        return [
            (LOOPBACK, self.settings.ami_port, "tcp"),
            (LOOPBACK, http_port(self.settings), "tcp"),
            (LOOPBACK, SIP_PORT, "udp"),
        ]

    def status(self) -> dict[str, Any]:
        """State for `stack status`."""
        pid = self.pid()
        up = pid is not None and self.is_up()
        return {
            "state": "up" if up else "down",
            "endpoint": f"{LOOPBACK}:{self.settings.ami_port}",
            "pid": pid,
            "version": self.version(),
            "ami": f"{LOOPBACK}:{self.settings.ami_port}",
            "ari": self.settings.ari_url,
            "sip": f"udp:{LOOPBACK}:{SIP_PORT}",
            "ws": f"ws://{LOOPBACK}:{http_port(self.settings)}/ws",
            "queue_log": str(self.settings.queue_log_file),
            "spool": str(self.settings.spool_path),
            "root": str(self.root),
            "installed": self.installed(),
        }
