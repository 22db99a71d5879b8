"""The service's database role reads and writes rows and nothing more; it needs its password.

Another user of this machine must not reach the data without a secret, and the service itself
(or whoever holds its password) must not be able to switch off the audit trails' triggers.
"""

from __future__ import annotations

import os
import shutil
import subprocess

import psycopg
import pytest
from sqlalchemy.engine import make_url

from callcenter import migrate
from callcenter.config import Settings

pytestmark = pytest.mark.integration


def _service_dsn(settings: Settings) -> str:
    url = make_url(settings.sync_database_url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


@pytest.mark.parametrize(
    "statement",
    [
        "ALTER TABLE audit_log DISABLE TRIGGER ALL",
        "ALTER TABLE callback_events DISABLE TRIGGER USER",
        "SET session_replication_role = replica",
        "DELETE FROM audit_log",
        "UPDATE case_audit SET new = NULL",
        "TRUNCATE callback_events",
        "DROP TABLE cases CASCADE",
        "CREATE TABLE sneaky (id int)",
        "UPDATE alembic_version SET version_num = 'x'",
    ],
)
def test_the_service_role_cannot_undo_the_audit_trail(settings: Settings, statement: str) -> None:
    assert migrate.Access.of(settings).roles_managed, "the stack must give the service a role"
    with (
        psycopg.connect(_service_dsn(settings), autocommit=True) as conn,
        pytest.raises(psycopg.errors.InsufficientPrivilege),
    ):
        conn.execute(statement)


def test_the_service_role_has_no_powers_and_writes_rows(settings: Settings) -> None:
    with psycopg.connect(_service_dsn(settings), autocommit=True) as conn:
        row = conn.execute(
            "SELECT rolsuper, rolcreaterole, rolcreatedb, rolbypassrls FROM pg_roles"
            " WHERE rolname = current_user"
        ).fetchone()
        assert row == (False, False, False, False)
        # what it is for: rows in and out (inside a transaction rolled back)
        with conn.transaction(force_rollback=True):
            conn.execute(
                "INSERT INTO supervisor_actions (at, username, agent_id, mode, phone,"
                " agent_state, outcome, detail) VALUES (now(), 'sup', 'agent01', 'listen',"
                " 'PJSIP/sup', 'on_call', 'started', '')"
            )
            assert conn.execute("SELECT count(*) FROM supervisor_actions").fetchone()[0] >= 1


def _as_nobody(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["runuser", "-u", "nobody", "--", *args],
        capture_output=True, text=True, timeout=30, env=env, cwd="/",
    )  # fmt: skip


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("runuser"), reason="needs root")
@pytest.mark.skipif(not shutil.which("psql"), reason="needs psql")
def test_another_local_user_needs_the_password(settings: Settings) -> None:
    url = make_url(settings.sync_database_url)
    base = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PGCONNECT_TIMEOUT": "5"}
    for host in ("127.0.0.1", "/var/run/postgresql"):
        if host.startswith("/") and not os.path.isdir(host):
            continue
        for role in (url.username, settings.database_owner):
            args = ["psql", "-w", "-h", host, "-U", str(role), "-d", str(url.database)]
            refused = _as_nobody([*args, "-c", "SELECT count(*) FROM cases"], base)
            assert refused.returncode != 0, (host, role, refused.stdout)
            assert "password" in refused.stderr, refused.stderr
    # the same command with the secret works: the refusal was about the password
    env = {**base, "PGPASSWORD": str(url.password)}
    args = ["psql", "-w", "-h", "127.0.0.1", "-U", str(url.username), "-d", str(url.database)]
    allowed = _as_nobody([*args, "-tAc", "SELECT count(*) FROM cases"], env)
    assert allowed.returncode == 0, allowed.stderr
