"""Create the project's database if missing and bring its schema to the newest revision."""

from __future__ import annotations

from pathlib import Path

import psycopg
from alembic import command
from alembic.config import Config
from psycopg import sql
from sqlalchemy.engine import make_url

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(sync_url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", sync_url.replace("%", "%%"))
    return cfg


def _libpq_dsn(sync_url: str, database: str) -> str:
    url = make_url(sync_url).set(drivername="postgresql", database=database)
    return url.render_as_string(hide_password=False)


def ensure_database(sync_url: str) -> bool:
    """Create the database named in the URL; True when it was created now."""
    name = make_url(sync_url).database
    if not name:
        raise ValueError("the database URL names no database")
    with psycopg.connect(_libpq_dsn(sync_url, "postgres"), autocommit=True) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if found:
            return False
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return True


def drop_database(sync_url: str) -> None:
    name = make_url(sync_url).database
    if not name:
        raise ValueError("the database URL names no database")
    with psycopg.connect(_libpq_dsn(sync_url, "postgres"), autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def upgrade(sync_url: str, revision: str = "heads") -> None:
    command.upgrade(alembic_config(sync_url), revision)
