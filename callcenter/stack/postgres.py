"""PostgreSQL: use the server in database_url, start the local cluster or install it; migrate."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy.engine import make_url

from callcenter.config import Settings
from callcenter.stack import procs
from callcenter.stack.errors import StackError
from callcenter.stack.paths import StackPaths

HBA_MARK = "# callcenter: its roles sign in with a password, never trust (callcenter stack up)"
HBA_END = "# callcenter: end"
LOCAL_HOSTS = {None, "", "127.0.0.1", "localhost", "::1"}
APT_ENV = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}


class PostgresService:
    """The database server the service uses; the stack starts it only when it is local."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.paths = StackPaths.of(settings)
        self.url = make_url(settings.sync_database_url)

    def endpoint(self) -> str:
        """host:port of the server."""
        return f"{self.url.host or 'localhost'}:{self.url.port or 5432}"

    def _dsn(self) -> str:
        """libpq DSN of the maintenance database `postgres` (as the admin when there is one:
        the service's role may not exist yet)."""
        admin = self.settings.database_admin_url.strip()
        base = make_url(admin) if admin else self.url
        url = base.set(drivername="postgresql", database="postgres")
        return url.render_as_string(hide_password=False)

    def is_up(self) -> bool:
        """True when the server accepts a connection now."""
        try:
            with psycopg.connect(self._dsn(), connect_timeout=3):
                return True
        except psycopg.Error:
            return False

    def start(self) -> str:
        """Make the server answer: it already does, start the cluster, or install it."""
        if self.is_up():
            return "running"
        if self.url.host not in LOCAL_HOSTS:
            raise StackError(
                f"PostgreSQL at {self.endpoint()} does not answer (not local: not started)"
            )
        how = "started"
        if not self._clusters():
            self._apt_install()
            how = "installed and started"
        version, name = self._pick_cluster()
        procs.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", version, name, "start"], timeout_s=120
        )
        self.paths.state_dir.mkdir(parents=True, exist_ok=True)
        self.paths.postgres_marker.write_text(f"{version} {name}\n")
        self._wait_up()
        return f"{how} cluster {version}/{name}"

    def _clusters(self) -> list[list[str]]:
        """`pg_lsclusters` rows (version, name, port, status, owner, data dir, log)."""
        try:
            out = procs.run(["pg_lsclusters", "--no-header"], timeout_s=30)
        except StackError:
            return []
        return [line.split() for line in out.splitlines() if line.strip()]

    def _pick_cluster(self) -> tuple[str, str]:
        """The cluster on the URL's port (else the first one)."""
        rows = self._clusters()
        if not rows:
            raise StackError("no PostgreSQL cluster found after installing postgresql")
        port = str(self.url.port or 5432)
        row = next((r for r in rows if r[2] == port), rows[0])
        return row[0], row[1]

    def _apt_install(self) -> None:
        """apt-get install postgresql (Debian creates and configures the main cluster)."""
        cmd = ["apt-get", "-o", "DPkg::Lock::Timeout=600", "install", "-y", "postgresql"]
        try:
            procs.run(cmd, timeout_s=900, env=APT_ENV)
        except StackError:
            procs.run(["apt-get", "update"], timeout_s=900, env=APT_ENV)
            procs.run(cmd, timeout_s=900, env=APT_ENV)

    def _wait_up(self, *, timeout_s: float = 30) -> None:
        """Poll until the server accepts connections."""
        deadline = time.monotonic() + timeout_s
        while not self.is_up():
            if time.monotonic() > deadline:
                raise StackError(
                    f"PostgreSQL at {self.endpoint()} did not answer in {timeout_s:.0f} s"
                )
            time.sleep(0.2)

    def migrate(self) -> str:
        """Create the database if missing and apply every migration."""
        from callcenter import migrate  # Alembic is slow to import; only `up` needs it

        try:
            created = migrate.prepare(self.settings)
            hba = self.require_passwords()
        except Exception as exc:  # any driver or Alembic failure ends up as one message
            raise StackError(f"migrating {self.url.database}: {exc}") from exc
        return f"database {self.url.database} {'created and ' if created else ''}migrated{hba}"

    def require_passwords(self) -> str:
        """The project's roles sign in with their passwords (scram), whatever else the
        server trusts: pg_hba.conf gets its lines first, and the server reloads.

        Only for a local server the admin URL reaches (the file is on this machine)."""
        from callcenter import migrate

        access = migrate.Access.of(self.settings)
        if not access.roles_managed or self.url.host not in LOCAL_HOSTS:
            return ""
        assert access.admin is not None
        roles = f"{access.service_role},{access.owner}"
        lines = [
            HBA_MARK,
            f"local   all  {roles}  scram-sha-256",
            f"host    all  {roles}  127.0.0.1/32  scram-sha-256",
            f"host    all  {roles}  ::1/128  scram-sha-256",
            HBA_END,
        ]
        dsn = access.admin.set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(dsn, autocommit=True, connect_timeout=5) as conn:
            row = conn.execute("SHOW hba_file").fetchone()
            path = Path(str(row[0])) if row else None
            if path is None or not path.is_file():
                return ""
            text = path.read_text()
            kept = _without_block(text)
            wanted = "\n".join(lines) + "\n" + kept
            if wanted != text:
                path.write_text(wanted)
                conn.execute("SELECT pg_reload_conf()")
        return "; its roles need their passwords (pg_hba.conf)"

    def managed(self) -> tuple[str, str] | None:
        """(version, name) of the cluster the stack started itself, else None."""
        try:
            version, name = self.paths.postgres_marker.read_text().split()[:2]
        except (OSError, ValueError):
            return None
        return version, name

    def pid(self) -> int | None:
        """Postmaster pid when the stack started the cluster (it owns it), else None."""
        cluster = self.managed()
        if cluster is None:
            return None
        row = next((r for r in self._clusters() if (r[0], r[1]) == cluster), None)
        pid = procs.read_pid(Path(row[5]) / "postmaster.pid") if row and len(row) > 5 else None
        return pid if pid is not None and procs.alive(pid) else None

    def stop(self) -> bool:
        """Stop the cluster only if the stack started it; True when it did."""
        cluster = self.managed()
        if cluster is None:
            return False
        procs.run(["pg_ctlcluster", "--skip-systemctl-redirect", *cluster, "stop"], timeout_s=120)
        self.paths.postgres_marker.unlink(missing_ok=True)
        return True

    def status(self) -> dict[str, Any]:
        """State for `stack status`."""
        return {
            "state": "up" if self.is_up() else "down",
            "endpoint": self.endpoint(),
            "pid": self.pid(),
            "database": self.url.database,
            "managed": self.managed() is not None,
        }


def _without_block(text: str) -> str:
    """pg_hba.conf without the lines this project put first."""
    if HBA_MARK not in text or HBA_END not in text:
        return text
    head, _, rest = text.partition(HBA_MARK)
    _, _, tail = rest.partition(HBA_END)
    return head + tail.lstrip("\n")
