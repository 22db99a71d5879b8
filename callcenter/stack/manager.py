"""`stack up | down | status`: the steps, in order, over the three services."""

from __future__ import annotations

import contextlib
import fcntl
import os
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from callcenter.config import Settings
from callcenter.errors import AppError
from callcenter.prompts import service as prompt_service
from callcenter.stack import procs
from callcenter.stack.asterisk import AsteriskService
from callcenter.stack.errors import StackError
from callcenter.stack.paths import StackPaths
from callcenter.stack.postgres import PostgresService
from callcenter.stack.s3 import S3Service
from callcenter.stack.secrets import apply_secrets, ensure_secrets, load_secrets
from recordings.storage import make_minio

Notify = Callable[[str], None]


@dataclass(frozen=True)
class Step:
    """One visible unit of work: a label and a function that returns a short result."""

    label: str
    run: Callable[[Notify], str]
    required: bool = False  # when it fails, later steps are skipped


class StackManager:
    """Wires the services for one set of settings (secrets from the state dir filled in)."""

    def __init__(self, settings: Settings) -> None:
        self.base = settings
        self.paths = StackPaths.of(settings)
        self.settings = apply_secrets(settings, load_secrets(self.paths.secrets_file))

    def postgres(self) -> PostgresService:
        """The database service."""
        return PostgresService(self.settings)

    def s3(self) -> S3Service:
        """The S3 service."""
        return S3Service(self.settings)

    def asterisk(self) -> AsteriskService:
        """The Asterisk service."""
        return AsteriskService(self.settings)

    @contextlib.contextmanager
    def locked(self, *, on_wait: Notify) -> Iterator[None]:
        """One `up`/`down` at a time per state dir (a second one waits for the first)."""
        self.paths.state_dir.mkdir(parents=True, exist_ok=True)
        with (self.paths.state_dir / "stack.lock").open("w") as fh:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                on_wait("another `callcenter stack up/down` is running: waiting for it")
                fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    # -- up -----------------------------------------------------------------
    def up_steps(self) -> list[Step]:
        """Secrets, then PostgreSQL, S3 and Asterisk (each reported on its own)."""
        return [
            Step("secrets", self._secrets, required=True),
            Step("postgres", self._postgres),
            Step("s3", self._s3),
            Step("asterisk", self._asterisk),
            Step("prompts", self._prompts),
        ]

    def _secrets(self, _notify: Notify) -> str:
        """Generate missing secrets and reload settings with them."""
        existed = self.paths.secrets_file.is_file()
        data = ensure_secrets(self.paths.secrets_file)
        self.settings = apply_secrets(self.base, data)
        return f"{'kept' if existed else 'generated'} {self.paths.secrets_file}"

    def _postgres(self, notify: Notify) -> str:
        """Server up, database created and migrated."""
        service = self.postgres()
        notify("checking the server")
        how = service.start()
        notify("migrating")
        return f"{how}; {service.migrate()}"

    def _s3(self, _notify: Notify) -> str:
        """weed running (or an external S3 answering) and the locked bucket present."""
        service = self.s3()
        how = service.start()
        _check_loopback("weed", service.pid())
        return how

    def _asterisk(self, notify: Notify) -> str:
        """Chroot installed, config rendered, Asterisk running with it."""
        service = self.asterisk()
        installed = service.install(notify=notify)
        notify("rendering config and starting")
        how = service.apply_config()
        _check_loopback("asterisk", service.pid())
        return f"{'installed, ' if installed else ''}{how}, Asterisk {service.version()}"

    def _prompts(self, _notify: Notify) -> str:
        """The IVR prompts in the chroot's sounds folder: uploads from S3, else placeholders."""
        try:
            counts = prompt_service.render_all(self.settings, make_minio(self.settings))
        except (AppError, ValueError, OSError, subprocess.SubprocessError) as exc:
            raise StackError(f"IVR prompts not rendered: {exc}") from exc
        return ", ".join(f"{k}={v}" for k, v in counts.items())

    # -- down ---------------------------------------------------------------
    def down_steps(self) -> list[Step]:
        """Stop what the stack started: Asterisk, weed, and a cluster it started."""
        return [
            Step("asterisk", lambda _n: _said(self.asterisk().stop(), "stopped")),
            Step("s3", lambda _n: _said(self.s3().stop(), "stopped")),
            Step("postgres", lambda _n: _said(self.postgres().stop(), "stopped", "left running")),
        ]

    # -- status -------------------------------------------------------------
    def status(self) -> dict[str, dict[str, Any]]:
        """{"postgres": …, "s3": …, "asterisk": …}, each with state, endpoint and pid."""
        return {
            "postgres": self.postgres().status(),
            "s3": self.s3().status(),
            "asterisk": self.asterisk().status(),
        }


def _said(done: bool, yes: str, no: str = "was not running") -> str:
    """A one-word result for a stop step."""
    return yes if done else no


def _check_loopback(name: str, pid: int | None) -> None:
    """Fail when a process the stack runs listens beyond 127.0.0.1/::1."""
    if pid is None:
        return
    exposed = procs.exposed_sockets(pid)
    if exposed:
        where = ", ".join(f"{s.proto} {s.host}:{s.port}" for s in exposed)
        raise StackError(f"{name} (pid {pid}) listens beyond loopback: {where}")


def require_root(action: str) -> None:
    """`stack up`/`down` run as root (debootstrap, chroot, mount, signals)."""
    if os.geteuid() != 0:
        raise StackError(f"`callcenter stack {action}` must run as root (sudo): it builds a chroot")
