"""Alembic environment: runs migrations over psycopg 3 (synchronous)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool

from callcenter.models import metadata

config = context.config


def run_migrations_online() -> None:
    url = config.get_main_option("sqlalchemy.url")
    assert url
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=metadata, compare_type=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations_online()
