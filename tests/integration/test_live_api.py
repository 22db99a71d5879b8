"""`GET /api/v1/live`: the live snapshot for supervisors; agents are refused."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from callcenter.users.models import Role
from tests.integration.users_support import token_for

pytestmark = pytest.mark.integration

QUEUES = {
    "online-shopping", "illegal-websites", "cyber-threats", "digital-law", "digital-platforms",
    "general-enquiries",
}  # fmt: skip


async def test_supervisor_sees_every_queue_live_agent_gets_403(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    supervisor = await token_for(app, client, Role.supervisor)
    r = await client.get("/api/v1/live", headers={"Authorization": f"Bearer {supervisor}"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["definition"] == "kpi-v1.1"
    assert set(body["queues"]) >= QUEUES
    for queue in body["queues"].values():
        assert {"waiting", "longest_wait_s", "agents", "kpi", "kpi_60m"} <= set(queue)
        assert "sl_pct" in queue["kpi"]
    assert not caller_fields(body)  # callers' numbers never reach the board (PDPA)

    agent = await token_for(app, client, Role.agent)
    r = await client.get("/api/v1/live", headers={"Authorization": f"Bearer {agent}"})
    assert (r.status_code, r.json()["error_id"]) == (403, "forbidden")


def caller_fields(value: object, path: str = "") -> list[str]:
    """Paths of every key that could carry a caller's number, anywhere in a JSON body."""
    found: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if any(word in key.lower() for word in ("caller", "phone", "number", "cli")):
                found.append(f"{path}.{key}")
            found += caller_fields(item, f"{path}.{key}")
    elif isinstance(value, list):
        for n, item in enumerate(value):
            found += caller_fields(item, f"{path}[{n}]")
    return found
