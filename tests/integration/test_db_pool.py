"""A pooled connection the server has closed is replaced, not handed to the next request;
a wait on a lock ends with an error instead of holding its caller forever."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from callcenter.config import Settings
from callcenter.db import make_db_engine, make_sessionmaker
from tests.helpers import poll

pytestmark = pytest.mark.integration


async def test_a_connection_the_server_closed_is_replaced(settings: Settings) -> None:
    engine = make_db_engine(settings.database_url)
    sessions = make_sessionmaker(engine)
    try:
        async with sessions() as session:
            first = (await session.execute(text("SELECT pg_backend_pid()"))).scalar_one()
            raw = (await (await session.connection()).get_raw_connection()).driver_connection
        # an administrator (or a restart) ends that backend while it waits in the pool
        admin = make_db_engine(settings.database_url)  # another pool: another connection
        try:
            async with admin.connect() as other:
                await other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
        finally:
            await admin.dispose()
        await poll(lambda: raw.is_closed(), timeout_s=10, what="the driver saw the close")
        async with sessions() as session:
            second = (await session.execute(text("SELECT pg_backend_pid()"))).scalar_one()
        assert second != first
    finally:
        await engine.dispose()


async def test_a_lock_wait_ends_with_an_error(settings: Settings) -> None:
    engine = make_db_engine(settings.database_url)
    try:
        async with engine.connect() as holder, engine.connect() as waiter:
            timeout = (await waiter.execute(text("SHOW lock_timeout"))).scalar_one()
            assert timeout == "15s"
            await waiter.execute(text("SET lock_timeout = '300ms'"))  # the same rule, faster
            await holder.execute(text("LOCK TABLE callback_tasks IN ACCESS EXCLUSIVE MODE"))
            with pytest.raises(DBAPIError, match="lock timeout"):
                await waiter.execute(text("SELECT count(*) FROM callback_tasks"))
    finally:
        await engine.dispose()
