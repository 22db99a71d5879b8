"""SQLAlchemy's engine (`db_engine`), session factory and metadata (with constraint names)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import MetaData, event, text
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# A connection idle longer than this is pinged before use; a fresher one is trusted unless the
# driver already saw it close (pool_pre_ping's round trip on every checkout was most of a
# short session's CPU).
IDLE_PING_S = 30.0
# No statement of the service waits on a row or table lock longer than this: it fails with
# an error that is logged and retried, instead of holding its caller (and its connection)
# silently.
LOCK_TIMEOUT = "15s"


def make_db_engine(url: str) -> AsyncEngine:
    engine = create_async_engine(
        url,
        pool_size=5,
        max_overflow=5,
        connect_args={
            "server_settings": {"lock_timeout": LOCK_TIMEOUT, "application_name": "callcenter"}
        },
    )
    event.listen(engine.sync_engine, "checkout", _checkout)
    event.listen(engine.sync_engine, "checkin", _checkin)
    return engine


def _checkin(dbapi_connection: Any, record: Any) -> None:
    record.info["idle_since"] = time.monotonic()


def _checkout(dbapi_connection: Any, record: Any, proxy: Any) -> None:
    """Replace a connection the driver knows is closed; ping one idle over IDLE_PING_S."""
    raw = getattr(dbapi_connection, "_connection", None)
    if raw is not None and raw.is_closed():
        raise DisconnectionError("the server closed this connection")
    since = record.info.get("idle_since")
    if since is not None and time.monotonic() - since > IDLE_PING_S:
        try:
            dbapi_connection.ping()
        except Exception as exc:  # the pool replaces it and tries again
            raise DisconnectionError(f"ping failed: {exc}") from exc


def make_sessionmaker(db_engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(db_engine, expire_on_commit=False)


@asynccontextmanager
async def transaction(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """One unit of work: commit on success, roll back on error."""
    async with sessions() as session, session.begin():
        yield session


async def plan_for_these_values(session: AsyncSession) -> None:
    """Plan the rest of this transaction's statements for their own parameter values, with
    room to sort and hash a period's calls in memory (a report's few large queries).

    asyncpg prepares every statement; after five runs PostgreSQL may keep one generic plan
    for any values. A period's query over a day and over a year want different plans: the
    generic plan of the case KPIs scanned a week of queue calls once per case (37 s for a
    year instead of 0.34 s, benchmarks/reports.py). With the default 4 MB the year's sums
    were sorted on disk (0.41 s) instead of hashed (0.13 s); and compiling them with JIT
    cost more than it saved (0.75 s of 8.6 s for a year's case KPIs)."""
    await session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
    await session.execute(text("SET LOCAL work_mem = '64MB'"))
    await session.execute(text("SET LOCAL jit = off"))
