"""The project's database: roles, creation, migrations and the service role's rights.

Three roles, so that the service cannot undo its own audit trail:
- a superuser (`database_admin_url`, set-up only): creates the two roles below and the
  database, and hands existing objects to the owner;
- the owner (`database_owner`): owns every table and runs the Alembic migrations;
- the service role (the user in `database_url`): reads and writes rows, nothing else. It
  cannot ALTER, DROP or TRUNCATE a table, disable a trigger or set
  `session_replication_role` (both need ownership or a superuser), and it may only
  INSERT and SELECT the audit trails.
Without an admin URL (an external database) the service URL does everything, as before.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
from alembic import command
from alembic.config import Config
from psycopg import sql
from sqlalchemy.engine import URL, make_url

from callcenter.config import Settings, get_settings

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


@dataclass(frozen=True)
class Access:
    """Who connects for what, from the settings."""

    url: URL  # the service role's (psycopg driver)
    owner: str
    owner_password: str
    admin: URL | None  # a superuser's, or None

    @classmethod
    def of(cls, target: Settings | str) -> Access:
        """From settings, or from a database URL with the other settings read now."""
        settings = target if isinstance(target, Settings) else _settings_for(target)
        admin = settings.database_admin_url.strip()
        return cls(
            url=make_url(settings.sync_database_url),
            owner=settings.database_owner,
            owner_password=settings.database_owner_password.get_secret_value(),
            admin=make_url(admin) if admin else None,
        )

    @property
    def database(self) -> str:
        if not self.url.database:
            raise ValueError("the database URL names no database")
        return self.url.database

    @property
    def service_role(self) -> str:
        return self.url.username or ""

    @property
    def roles_managed(self) -> bool:
        """The admin sets up two distinct roles (else the service URL does it all)."""
        return (
            self.admin is not None
            and bool(self.service_role)
            and self.service_role != self.owner
            and self.service_role != self.admin.username
        )

    def owner_url(self) -> URL:
        if not self.roles_managed:
            return self.url
        return self.url.set(username=self.owner, password=self.owner_password or None)


def _settings_for(database_url: str) -> Settings:
    url = database_url.replace("+psycopg", "+asyncpg")
    return get_settings().model_copy(update={"database_url": url})


def _dsn(url: URL, database: str) -> str:
    return url.set(drivername="postgresql", database=database).render_as_string(hide_password=False)


@contextmanager
def _connect(url: URL, database: str) -> Iterator[psycopg.Connection]:
    with psycopg.connect(_dsn(url, database), autocommit=True) as conn:
        yield conn


def alembic_config(sync_url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", sync_url.replace("%", "%%"))
    return cfg


def ensure_roles(access: Access) -> None:
    """The owner and service roles exist, can log in with their passwords, have no powers."""
    assert access.admin is not None
    with _connect(access.admin, access.admin.database or "postgres") as conn:
        for role, password in (
            (access.owner, access.owner_password),
            (access.service_role, access.url.password or ""),
        ):
            found = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone()
            verb = "ALTER" if found else "CREATE"
            conn.execute(
                sql.SQL(
                    "{} ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION"
                    " NOBYPASSRLS PASSWORD {}"
                ).format(
                    sql.SQL(verb),
                    sql.Identifier(role),
                    sql.Literal(password) if password else sql.NULL,
                )
            )


def ensure_database(settings: Settings | str) -> bool:
    """Roles (when managed) and the database, owned by the owner; True when created now."""
    access = Access.of(settings)
    name = access.database
    if not access.roles_managed:
        with _connect(access.admin or access.url, "postgres") as conn:
            return _create(conn, name, owner=None)
    ensure_roles(access)
    assert access.admin is not None
    with _connect(access.admin, access.admin.database or "postgres") as conn:
        created = _create(conn, name, owner=access.owner)
        conn.execute(
            sql.SQL("ALTER DATABASE {} OWNER TO {}").format(
                sql.Identifier(name), sql.Identifier(access.owner)
            )
        )
        conn.execute(sql.SQL("REVOKE ALL ON DATABASE {} FROM PUBLIC").format(sql.Identifier(name)))
    with _connect(access.admin, name) as conn:
        _hand_over(conn, access.owner)
    return created


def _create(conn: psycopg.Connection, name: str, *, owner: str | None) -> bool:
    found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
    if found:
        return False
    statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
    if owner:
        statement += sql.SQL(" OWNER {}").format(sql.Identifier(owner))
    conn.execute(statement)
    return True


def _hand_over(conn: psycopg.Connection, owner: str) -> None:
    """The public schema and every object in it belong to the owner (older installs made
    them as the superuser)."""
    conn.execute(sql.SQL("ALTER SCHEMA public OWNER TO {}").format(sql.Identifier(owner)))
    conn.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
    rows = conn.execute(
        "SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S')"
        " AND pg_get_userbyid(c.relowner) <> %s"
        # a serial's sequence follows its table
        " AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid"
        " AND d.classid = 'pg_class'::regclass AND d.deptype IN ('a', 'i'))"
        " ORDER BY c.relkind = 'S'",
        (owner,),
    ).fetchall()
    for relname, relkind in rows:
        kind = {"v": "VIEW", "m": "MATERIALIZED VIEW", "S": "SEQUENCE"}.get(relkind, "TABLE")
        conn.execute(
            sql.SQL("ALTER {} {} OWNER TO {}").format(
                sql.SQL(kind), sql.Identifier(relname), sql.Identifier(owner)
            )
        )
    functions = conn.execute(
        "SELECT p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n"
        " ON n.oid = p.pronamespace WHERE n.nspname = 'public'"
        " AND pg_get_userbyid(p.proowner) <> %s",
        (owner,),
    ).fetchall()
    for (signature,) in functions:
        conn.execute(
            sql.SQL("ALTER FUNCTION {} OWNER TO {}").format(
                sql.SQL(signature), sql.Identifier(owner)
            )
        )


def upgrade(settings: Settings | str, revision: str = "heads") -> None:
    """Migrate as the owner, then give the service role its rows' rights (and no more)."""
    access = Access.of(settings)
    owner_url = access.owner_url().render_as_string(hide_password=False)
    command.upgrade(alembic_config(owner_url), revision)
    if access.roles_managed:
        grant(access)


def grant(access: Access) -> None:
    """Rows in, rows out; audit trails and the migration record are read-and-append only."""
    role = sql.Identifier(access.service_role)
    with _connect(access.owner_url(), access.database) as conn:
        for statement in (
            "GRANT CONNECT, TEMPORARY ON DATABASE {db} TO {role}",
            "GRANT USAGE ON SCHEMA public TO {role}",
            "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}",
            "GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {role}",
            "GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO {role}",
            "REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON alembic_version FROM {role}",
        ):
            conn.execute(sql.SQL(statement).format(db=sql.Identifier(access.database), role=role))
        # every append-only trail: what its guard triggers refuse, the service role
        # is not even granted (pg_trigger.tgtype bits: 8 DELETE, 16 UPDATE, 32 TRUNCATE)
        refused: dict[str, set[str]] = {}
        for table, bits in conn.execute(
            "SELECT c.relname, t.tgtype FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
            " JOIN pg_proc p ON p.oid = t.tgfoid JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = 'public'"
            " AND (p.proname = 'refuse_change' OR p.proname LIKE '%append_only')"
        ).fetchall():
            for bit, verb in ((8, "DELETE"), (16, "UPDATE"), (32, "TRUNCATE")):
                if bits & bit:
                    refused.setdefault(table, set()).add(verb)
        for table, verbs in sorted(refused.items()):
            conn.execute(
                sql.SQL("REVOKE {} ON {} FROM {}").format(
                    sql.SQL(", ").join(sql.SQL(v) for v in sorted(verbs)),
                    sql.Identifier(table),
                    role,
                )
            )


def drop_database(settings: Settings | str) -> None:
    access = Access.of(settings)
    with _connect(access.admin or access.url, "postgres") as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(access.database)
            )
        )


def prepare(settings: Settings | str) -> bool:
    """ensure_database + upgrade: the database ready for the service; True when created."""
    created = ensure_database(settings)
    upgrade(settings)
    return created
