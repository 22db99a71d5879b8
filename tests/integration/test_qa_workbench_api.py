"""The QA workbench's API: paging with a true total, lists and names from the centre's layout."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from callcenter.config import Settings
from callcenter.users.models import Role
from tests.integration.qa_support import catalogue_rows, headers_for, unique_agent

pytestmark = pytest.mark.integration


async def test_the_catalogue_pages_with_a_true_total(
    app: FastAPI, client: httpx.AsyncClient, settings: Settings
) -> None:
    agent = unique_agent()
    rows = await catalogue_rows(app, n=120, agent=agent)
    qa = await headers_for(app, settings, Role.qa)
    seen: list[int] = []
    for offset in (0, 50, 100):
        page = await client.get(
            "/api/v1/recordings",
            params={"agent": agent, "limit": 50, "offset": offset},
            headers=qa,
        )
        assert page.status_code == 200, page.text
        assert page.headers["X-Total-Count"] == "120"  # not the 100-row page it was capped at
        seen += [r["id"] for r in page.json()]
    assert len(seen) == 120 and set(seen) == {r.id for r in rows}  # every row, once
    assert seen[0] == rows[0].id  # newest first

    none = await client.get(
        "/api/v1/recordings", params={"agent": agent, "offset": 500}, headers=qa
    )
    assert none.json() == [] and none.headers["X-Total-Count"] == "120"


async def test_rows_and_lists_name_queues_and_agents(
    app: FastAPI, client: httpx.AsyncClient, settings: Settings
) -> None:
    agent = unique_agent()
    await catalogue_rows(app, n=1, agent=agent, queue="online-shopping")
    qa = await headers_for(app, settings, Role.qa)
    listed = await client.get("/api/v1/recordings", params={"agent": agent}, headers=qa)
    (out,) = listed.json()
    assert out["queue"] == "online-shopping"  # the id stays for filters and links
    assert out["queue_label_th"] == "ซื้อขายออนไลน์"
    assert out["queue_label_en"] == "Online shopping"
    number = agent.rsplit("-", 1)[1]
    assert out["agent_name"] == f"Sim agent {number} · เจ้าหน้าที่จำลอง {number}"

    choices = await client.get("/api/v1/qa/choices", headers=qa)
    assert choices.status_code == 200, choices.text
    body = choices.json()
    assert body["time_zone"] == "Asia/Bangkok"
    queues = [q["name"] for q in body["queues"]]
    assert queues[:2] == ["online-shopping", "illegal-websites"]  # the IVR's order
    assert {"label_th", "label_en"} <= body["queues"][0].keys()
    agents = {a["id"]: a["name"] for a in body["agents"]}
    assert agents["agent01"] == "Agent 01"  # from asterisk_conf/centre.toml
    assert agents[agent] == out["agent_name"]  # and every agent the catalogue holds

    agent_headers = await headers_for(app, settings, Role.agent)
    assert (await client.get("/api/v1/qa/choices", headers=agent_headers)).status_code == 403
