"""fcr_pct (docs/kpi-v1.md) on seeded cases and calls equals an independent SQL recount,
in GET /api/v1/kpi and in `callcenter kpi --json`."""

from __future__ import annotations

import json
import os
import uuid
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from callcenter.calls.models import QueueCall
from callcenter.cases import service as case_service
from callcenter.cases.models import Status
from callcenter.cases.schemas import CallLinkIn, CaseCreate, CaseUpdate
from callcenter.config import Settings
from callcenter.users import service as user_service
from callcenter.users.models import Role
from tests.integration.conftest import cli
from tests.integration.users_support import person

pytestmark = pytest.mark.integration

BKK = ZoneInfo("Asia/Bangkok")
D0 = datetime(2031, 3, 2, 10, 0, tzinfo=BKK)  # a period no other test writes into
PERIOD = {"from": D0.replace(hour=0).isoformat(), "to": (D0 + timedelta(days=5)).isoformat()}

RECOUNT = """
WITH closed AS (
    SELECT * FROM cases
    WHERE created_at >= :start AND created_at < :end AND status IN ('resolved', 'closed')
      AND (CAST(:line AS text) IS NULL OR service_line = :line)
)
SELECT count(*) AS closed,
       count(*) FILTER (WHERE fcr_flag) AS flagged,
       count(*) FILTER (WHERE
           (SELECT count(*) FROM case_calls k WHERE k.case_id = closed.id) <= 1
           AND NOT EXISTS (
               SELECT 1 FROM cases o
               WHERE o.id <> closed.id AND o.service_line = closed.service_line
                 AND o.caller_phone_norm = closed.caller_phone_norm
                 AND o.created_at > closed.created_at
                 AND o.created_at <= closed.created_at + interval '7 days')
           AND NOT EXISTS (
               SELECT 1 FROM queue_calls q
               JOIN case_service_lines l ON l.queue = q.queue AND l.code = closed.service_line
               WHERE right(regexp_replace(q.caller, '[^0-9]', '', 'g'), 9)
                     = right(closed.caller_phone_norm, 9)
                 AND q.entered_at > closed.created_at
                 AND q.entered_at <= closed.created_at + interval '7 days'
                 AND q.linkedid NOT IN (
                     SELECT linkedid FROM case_calls k WHERE k.case_id = closed.id))
       ) AS fcr
FROM closed
"""


async def _seed(app: FastAPI, user_id: int) -> None:
    tag = uuid.uuid4().int % 10**7
    phone = {n: f"09{tag:07d}{n}" for n in range(1, 8)}

    async with app.state.services.sessions() as session, session.begin():
        user = await user_service.get(session=session, user_id=user_id)
        assert user is not None

        async def case(n: int, line: str, at: datetime, status: Status, *, flag: bool = False,
                       calls: int = 1) -> None:  # fmt: skip
            body = CaseCreate(service_line=line, caller_phone=phone[n], fcr_flag=flag,
                              call=CallLinkIn(linkedid=f"{tag}.{n}.0", queue=line))  # fmt: skip
            made = await case_service.create(session=session, case_in=body, user=user, now=at)
            for k in range(1, calls):
                link = CallLinkIn(linkedid=f"{tag}.{n}.{k}")
                await case_service.link_call(session=session, case=made, call=link, user=user)
            for step in _path(status):
                changes = CaseUpdate(status=step, resolution="ให้คำแนะนำแล้ว")
                await case_service.update(
                    session=session, case=made, changes=changes, user=user, now=at
                )

        def call(n: int, queue: str, at: datetime, linkedid: str, *, intl: bool = False) -> None:
            caller = "66" + phone[n][1:] if intl else phone[n]
            session.add(QueueCall(call_id=linkedid, linkedid=linkedid, queue=queue, entered_at=at,
                                  caller=caller, hold_s=0, wrapup_s=0, source="ami"))  # fmt: skip

        day = timedelta(days=1)
        await case(1, "online-shopping", D0, Status.resolved, flag=True)
        call(1, "online-shopping", D0 + 3 * day, f"{tag}.x1")  # came back: not FCR
        await case(2, "online-shopping", D0, Status.resolved, flag=True)
        await case(2, "online-shopping", D0 + 8 * day, Status.new)  # after 7 days: FCR
        await case(3, "digital-law", D0, Status.resolved)
        call(3, "online-shopping", D0 + day, f"{tag}.x3", intl=True)  # other line: FCR
        await case(4, "cyber-threats", D0, Status.resolved, flag=True, calls=2)  # 2 calls
        await case(5, "illegal-websites", D0, Status.in_progress)  # not closed
        await case(6, "online-shopping", D0 + day, Status.closed, flag=True)
        await case(6, "online-shopping", D0 + 2 * day, Status.new)  # new case in 7 days
        await case(7, "general-enquiries", D0, Status.resolved, flag=True)
        call(7, "general-enquiries", D0 + timedelta(minutes=1), f"{tag}.7.0")  # its own call


def _path(status: Status) -> list[Status]:
    return {
        Status.new: [],
        Status.in_progress: [Status.in_progress],
        Status.resolved: [Status.resolved],
        Status.closed: [Status.resolved, Status.closed],
    }[status]


async def _recount(app: FastAPI, line: str | None) -> dict[str, Any]:
    params = {"start": datetime.fromisoformat(PERIOD["from"]),
              "end": datetime.fromisoformat(PERIOD["to"]), "line": line}  # fmt: skip
    async with app.state.services.sessions() as session:
        closed, flagged, fcr = (await session.execute(text(RECOUNT), params)).one()
    return {
        "cases_closed": closed,
        "fcr_pct": round(100 * fcr / closed, 2) if closed else None,
        "fcr_agent_flagged_pct": round(100 * flagged / closed, 2) if closed else None,
    }


@pytest.fixture(scope="module")
async def seeded(app: FastAPI, client: httpx.AsyncClient) -> dict[str, str]:
    supervisor = await person(app, client, Role.supervisor)
    await _seed(app, supervisor.id)
    return supervisor.headers


async def test_fcr_pct_in_the_api_equals_a_recount(
    app: FastAPI, client: httpx.AsyncClient, seeded: dict[str, str]
) -> None:
    for queue, expected in ((None, (6, 50.0, 83.33)), ("online-shopping", (3, 33.33, 100.0))):
        params = PERIOD | ({"queue": queue} if queue else {})
        r = await client.get("/api/v1/kpi", params=params, headers=seeded)
        assert r.status_code == 200, r.text
        body = r.json()
        got = {k: body[k] for k in ("cases_closed", "fcr_pct", "fcr_agent_flagged_pct")}
        assert got == await _recount(app, queue)
        assert tuple(got.values()) == expected
        assert "sl_pct" in body  # beside the call KPIs, not instead of them


async def test_fcr_pct_in_the_cli_equals_a_recount(
    app: FastAPI, settings: Settings, seeded: dict[str, str]
) -> None:
    env = {**os.environ, "CALLCENTER_DATABASE_URL": settings.database_url}
    result = cli("kpi", "--from", PERIOD["from"], "--to", PERIOD["to"], "--json", env=env)
    assert result.returncode == 0, result.stderr
    body = json.loads(result.stdout)
    got = {k: body[k] for k in ("cases_closed", "fcr_pct", "fcr_agent_flagged_pct")}
    assert got == await _recount(app, None) == {
        "cases_closed": 6, "fcr_pct": 50.0, "fcr_agent_flagged_pct": 83.33,
    }  # fmt: skip
