"""Restart with callbacks pending: every task is still dialled after the start, none twice."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from callcenter.config import get_settings
from tests.helpers import poll
from tests.integration.callbacks_helpers import (
    FAST,
    drop,
    events_of,
    my_agents,
    number,
    running,
    task_of,
)
from tests.integration.conftest import own_database

pytestmark = pytest.mark.integration


async def test_pending_callbacks_survive_a_restart_and_are_dialled_once(
    stack_status: dict[str, dict[str, object]], sim_ami: object
) -> None:
    # The first attempt is due 3 s after the drop: the service is down at that moment.
    base = get_settings().model_copy(update={**FAST, "callback_retry_offsets_s": "3,6"})
    callers = [number("0") for _ in range(3)]
    agents = await my_agents(sim_ami)  # type: ignore[arg-type]
    with own_database(base, "callcenter_cbrestart") as settings:
        async with running(settings) as app:
            for caller in callers:
                await drop(app, caller)
            tasks = [
                await poll(lambda c=c: task_of(app, c), timeout_s=15, what="task") for c in callers
            ]
            # The wake-ups are in APScheduler's job store when the service stops.
            await poll(lambda: _jobs(app, len(callers)), timeout_s=10, what="jobs stored")
        latest = max(t.due_at for t in tasks if t.due_at)
        await poll(lambda: datetime.now(UTC) > latest, timeout_s=10, what="due time passed")
        await agents.login(66)
        try:
            async with running(settings) as app:

                async def all_reached() -> bool:
                    found = [await task_of(app, c) for c in callers]
                    return all(t is not None and t.state == "reached" for t in found)

                await poll(all_reached, timeout_s=90, what="every task reached after the restart")
                for caller in callers:
                    task = await task_of(app, caller)
                    assert task is not None and task.attempts == 1
                    kinds = [e.kind for e in await events_of(app, task.id)]
                    assert kinds.count("dialing") == 1 and kinds.count("customer_dialled") == 1
        finally:
            await agents.logout(66)


async def _jobs(app: object, wanted: int) -> bool:
    async with app.state.services.sessions() as session:  # type: ignore[attr-defined]
        return int(await session.scalar(text("SELECT count(*) FROM callback_jobs"))) == wanted
