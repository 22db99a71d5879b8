"""Callbacks through the real Asterisk: drop → task → free agent rung → caller dialled → reached."""

from __future__ import annotations

import asyncio
import io
import itertools
import json
import os
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from callcenter.ami.client import AmiClient
from callcenter.calls.models import QueueCall
from callcenter.config import Settings, get_settings
from callcenter.simulate.agents import interface
from callcenter.users.models import Role
from tests.helpers import poll
from tests.integration.callbacks_helpers import (
    FAST,
    OTHER_QUEUE,
    QUEUE,
    drop,
    events_of,
    my_agents,
    number,
    period,
    place_call,
    running,
    task_of,
)
from tests.integration.conftest import cli, own_database
from tests.integration.users_support import token_for

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def cb_settings(stack_status: dict[str, dict[str, object]]) -> Iterator[Settings]:
    with own_database(get_settings().model_copy(update=FAST), "callcenter_cb") as own:
        yield own


@pytest.fixture(scope="module")
async def cb_app(cb_settings: Settings) -> AsyncIterator[FastAPI]:
    async with running(cb_settings) as app:
        yield app


@pytest.fixture(scope="module")
async def cb_client(cb_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=cb_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        yield c


def capture_pops(app: FastAPI) -> list[tuple[str, dict[str, Any]]]:
    """Record what the dialer pushes to agents' screens."""
    seen: list[tuple[str, dict[str, Any]]] = []
    dialer = app.state.services.callbacks.dialer
    original = dialer._publish

    def publish(topic: str, data: dict[str, Any]) -> Any:
        seen.append((topic, data))
        return original(topic, data)

    dialer._publish = publish
    return seen


async def test_abandoned_call_is_called_back_and_reached(
    cb_app: FastAPI, cb_client: httpx.AsyncClient, sim_ami: AmiClient
) -> None:
    agents = await my_agents(sim_ami)
    await agents.login(61)
    await agents.pause(61, reason="break")  # nobody answers: the caller abandons
    pops = capture_pops(cb_app)
    caller = number("0")
    await place_call(sim_ami, caller=caller, queue=QUEUE, patience_s=3)
    task = await poll(lambda: task_of(cb_app, caller), timeout_s=30, what="task for the drop")
    assert task.state == "pending" and task.callable

    await agents.unpause(61)  # a free agent: the callback goes out
    try:
        task = await poll(
            lambda: _in_state(cb_app, caller, "reached"), timeout_s=60, what="callback reached"
        )
    finally:
        await agents.logout(61)
    assert task.first_dial_at is not None and task.reached_at is not None
    assert task.dropped_at <= task.first_dial_at <= task.reached_at
    kinds = [e.kind for e in await events_of(cb_app, task.id)]
    assert kinds[:4] == ["created", "dialing", "customer_dialled", "reached"], kinds
    (topic, pop), *_ = [p for p in pops if p[1]["number"] == caller]
    assert topic == "agent:cb-agent-61"
    assert caller in pop["text_en"] and "queue" in pop["text_en"] and "คิว" in pop["text_th"]

    token = await token_for(cb_app, cb_client, Role.supervisor)
    auth = {"Authorization": f"Bearer {token}"}
    body = (await cb_client.get("/api/v1/kpi", params=period(), headers=auth)).json()
    assert body["callbacks_attempted_30m"] >= 1 and body["callbacks_reached_30m"] >= 1
    assert body["callbacks_owed"] >= body["callbacks_reached_30m"]
    listed = (await cb_client.get("/api/v1/callbacks?status=reached", headers=auth)).json()
    assert caller in [t["number"] for t in listed["callbacks"]]


async def test_no_answer_is_retried_then_fails_and_withheld_is_never_dialled(
    cb_app: FastAPI, cb_client: httpx.AsyncClient, sim_ami: AmiClient
) -> None:
    agents = await my_agents(sim_ami)
    await agents.login(62)
    caller = number("7")  # rings, never answers
    try:
        await drop(cb_app, caller)
        await drop(cb_app, "anonymous")
        task = await poll(
            lambda: _in_state(cb_app, caller, "failed"), timeout_s=90, what="callback failed"
        )
    finally:
        await agents.logout(62)
    assert task.attempts == 3 and task.outcome == "no_answer" and task.reached_at is None
    events = await events_of(cb_app, task.id)
    tries = [e for e in events if e.kind == "no_answer"]
    assert [e.attempt for e in tries] == [1, 2, 3]
    assert all(e.at <= task.deadline_at for e in tries)
    withheld = await task_of(cb_app, "anonymous")
    assert withheld is not None and withheld.state == "not_callable" and withheld.attempts == 0
    assert "dialing" not in [e.kind for e in await events_of(cb_app, withheld.id)]
    token = await token_for(cb_app, cb_client, Role.supervisor)
    body = (
        await cb_client.get(
            "/api/v1/kpi", params=period(), headers={"Authorization": f"Bearer {token}"}
        )
    ).json()
    assert body["callbacks_not_callable"] >= 1


async def test_caller_answered_on_their_own_cancels_without_dialling(
    cb_app: FastAPI, sim_ami: AmiClient
) -> None:
    agents = await my_agents(sim_ami)
    other = await my_agents(sim_ami, OTHER_QUEUE)
    await agents.login(63)
    await agents.pause(63, reason="break")  # the callback cannot go out yet
    caller = number("0")
    try:
        await drop(cb_app, caller)
        await poll(lambda: task_of(cb_app, caller), timeout_s=15, what="task")
        owed = await owed_flag_on_pop(cb_app, caller)  # an agent's phone rings for this caller
        assert owed["number"] == caller and owed["state"] == "pending"
        await other.login(64)  # the caller rings again, another line answers
        await place_call(sim_ami, caller=caller, queue=OTHER_QUEUE, patience_s=20)
        task = await poll(
            lambda: _in_state(cb_app, caller, "cancelled"), timeout_s=40, what="cancelled"
        )
    finally:
        await other.logout(64)
        await agents.logout(63)
    assert task.outcome == "cancelled_caller_reached" and task.attempts == 0
    assert "dialing" not in [e.kind for e in await events_of(cb_app, task.id)]


async def owed_flag_on_pop(app: FastAPI, caller: str) -> dict[str, Any]:
    """What the ringing agent's desk gets: the call pop, then its history with the callback
    flag (the service's own ScreenPop, hub and database)."""
    sub = app.state.services.hub.subscribe("agent:agent05")
    try:
        app.state.services.screen_pops.handle({
            "Event": "AgentCalled", "Queue": QUEUE, "MemberName": "agent05",
            "CallerIDNum": caller, "Uniqueid": f"{caller}-net", "Linkedid": f"{caller}-net",
        })  # fmt: skip
        async with asyncio.timeout(15):
            while True:
                frame = await sub.next_frame()
                assert frame is not None
                for message in json.loads(frame):
                    history = message["data"].get("call", {}).get("history") or {}
                    if history.get("callback"):
                        return dict(history["callback"])
    finally:
        app.state.services.hub.unsubscribe(sub)


async def test_one_free_agent_five_due_tasks_one_dial_at_a_time(
    cb_app: FastAPI, sim_ami: AmiClient
) -> None:
    agents = await my_agents(sim_ami)
    callers = [number("0") for _ in range(5)]
    for caller in callers:
        await drop(cb_app, caller)
    await poll(lambda: _all(cb_app, callers, "pending"), timeout_s=15, what="5 pending")
    cb_app.state.services.callbacks.dialer.max_in_flight = 0
    await agents.login(65)
    try:
        await poll(lambda: _all(cb_app, callers, "reached"), timeout_s=120, what="5 reached")
    finally:
        await agents.logout(65)
    spans = []
    for caller in callers:
        task = await task_of(cb_app, caller)
        assert task is not None
        events = await events_of(cb_app, task.id)
        start = next(e.at for e in events if e.kind == "dialing")
        spans.append((start, next(e.at for e in events if e.kind == "reached")))
    spans.sort()
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(spans)), spans
    assert cb_app.state.services.callbacks.dialer.max_in_flight == 1


async def test_cancel_needs_a_reason_and_a_supervisor(
    cb_app: FastAPI, cb_client: httpx.AsyncClient, sim_ami: AmiClient
) -> None:
    await my_agents(sim_ami)  # none of ours free: the task waits
    caller = number("0")
    await drop(cb_app, caller)
    task = await poll(lambda: task_of(cb_app, caller), timeout_s=15, what="task")
    sup = {"Authorization": f"Bearer {await token_for(cb_app, cb_client, Role.supervisor)}"}
    agent = {"Authorization": f"Bearer {await token_for(cb_app, cb_client, Role.agent)}"}
    url = f"/api/v1/callbacks/{task.id}/cancel"
    assert (await cb_client.post(url, json={"reason": "x"}, headers=agent)).status_code == 403
    bad = await cb_client.post(url, json={"reason": ""}, headers=sup)
    assert bad.status_code == 422 and bad.json()["error_id"] == "validation_failed"
    missing = await cb_client.post(
        "/api/v1/callbacks/999999/cancel", json={"reason": "x"}, headers=sup
    )
    assert missing.json()["error_id"] == "not_found"
    ok = await cb_client.post(url, json={"reason": "duplicate report"}, headers=sup)
    assert ok.status_code == 200 and ok.json()["state"] == "cancelled"
    again = await cb_client.post(url, json={"reason": "again"}, headers=sup)
    assert again.status_code == 409 and again.json()["error_id"] == "conflict"
    status = await cb_client.get("/api/v1/callbacks?status=bogus", headers=sup)
    assert status.status_code == 422 and status.json()["error_id"] == "invalid_input"
    board = cb_app.state.services.wallboard.snapshot()
    assert {"open", "oldest_age_s", "deadline_soon"} <= set(board["callbacks"])


async def test_a_callback_given_to_one_agent_is_dialled_by_that_agent_only(
    cb_app: FastAPI, cb_client: httpx.AsyncClient, sim_ami: AmiClient
) -> None:
    """A supervisor assigns a waiting callback (with a reason): a free agent earlier in the
    dialer's order is passed over, and the task goes out when the chosen agent is free."""
    agents = await my_agents(sim_ami)
    for n in (68, 69):
        await agents.login(n)
        await agents.pause(n)
    caller = number("0")
    await drop(cb_app, caller)
    task = await poll(lambda: task_of(cb_app, caller), timeout_s=15, what="task")
    sup = {"Authorization": f"Bearer {await token_for(cb_app, cb_client, Role.supervisor)}"}
    url = f"/api/v1/callbacks/{task.id}/assign"
    nobody = await cb_client.post(url, json={"agent": "cb-agent-60", "reason": "x"}, headers=sup)
    assert nobody.status_code == 422 and nobody.json()["error_id"] == "invalid_input"
    assert "cb-agent-69" in nobody.json()["details"]["agents"]
    given = await cb_client.post(
        url, json={"agent": "cb-agent-69", "reason": "speaks the caller's dialect"}, headers=sup
    )
    assert given.status_code == 200 and given.json()["assigned_to"] == "cb-agent-69"
    dialer = cb_app.state.services.callbacks.dialer
    try:
        await agents.unpause(68)  # free, and first in order: not the one it was given to
        engine = cb_app.state.services.metrics.agents

        def passed_over() -> str:
            """Why the task waits, once cb-agent-68 is free in the live engine."""
            free = engine.centre_state(interface(68), time.time())[0] == "available"
            why = dialer.waiting.get(task.id, "")
            return why if free and why.startswith("assigned to") else ""

        why = await poll(passed_over, timeout_s=30, what="the task passing a free agent over")
        assert why == "assigned to cb-agent-69: paused", why
        assert (await task_of(cb_app, caller)).state == "pending"  # type: ignore[union-attr]
        await agents.unpause(69)
        reached = await poll(
            lambda: _in_state(cb_app, caller, "reached"), timeout_s=60, what="callback reached"
        )
    finally:
        for n in (68, 69):
            await agents.logout(n)
    assert reached.agent == "cb-agent-69"
    steps = [(e.kind, e.detail) for e in await events_of(cb_app, task.id)]
    assert [kind for kind, _ in steps[:3]] == ["created", "assigned", "dialing"], steps
    assert steps[1][1].endswith(": cb-agent-69: speaks the caller's dialect"), steps
    assert steps[2][1] == "cb-agent-69", steps


async def _in_state(app: FastAPI, caller: str, state: str) -> Any:
    task = await task_of(app, caller)
    return task if task is not None and task.state == state else None


async def _all(app: FastAPI, callers: list[str], state: str) -> bool:
    return all([await _in_state(app, c, state) for c in callers])


async def test_cli_lists_callbacks_and_kpi_has_callback_fields(
    cb_app: FastAPI, cb_settings: Settings
) -> None:
    caller = number("0")
    await drop(cb_app, "anonymous")
    await drop(cb_app, caller)
    await poll(lambda: task_of(cb_app, caller), timeout_s=15, what="task")
    env = {**os.environ, "CALLCENTER_DATABASE_URL": cb_settings.database_url}
    listed = await asyncio.to_thread(cli, "callbacks", "--json", env=env)
    assert listed.returncode == 0, listed.stderr
    tasks = json.loads(listed.stdout)["callbacks"]
    assert caller in [t["number"] for t in tasks]
    assert all("events" in t and "deadline_at" in t for t in tasks)
    only = await asyncio.to_thread(cli, "callbacks", "--status", "not_callable", "--json", env=env)
    assert {t["state"] for t in json.loads(only.stdout)["callbacks"]} == {"not_callable"}
    bad = await asyncio.to_thread(cli, "callbacks", "--status", "nope", env=env)
    assert bad.returncode == 2 and "unknown status" in bad.stderr
    p = period()
    kpi = await asyncio.to_thread(
        cli, "kpi", "--from", p["from"], "--to", p["to"], "--json", env=env
    )
    assert kpi.returncode == 0, kpi.stderr
    body = json.loads(kpi.stdout)
    for field in (
        "callbacks_owed", "callbacks_attempted_30m", "callbacks_reached_30m",
        "callback_attempt_pct", "callback_reached_pct", "callback_first_attempt_p50_s",
        "callback_first_attempt_p90_s", "callbacks_not_callable",
        "callbacks_cancelled_caller_reached", "callback_drops_joined",
    ):  # fmt: skip
        assert field in body
    assert body["callbacks_not_callable"] >= 1


async def test_answered_call_cut_by_a_network_fault_is_called_back(
    cb_app: FastAPI, sim_ami: AmiClient
) -> None:
    agents = await my_agents(sim_ami)
    await agents.login(67)
    caller = number("0")
    try:
        call_id = await place_call(sim_ami, caller=caller, queue=QUEUE, patience_s=20, talk_s=30)
        await poll(lambda: _answered(cb_app, call_id), timeout_s=30, what="call answered")
        # The network drops the caller mid-call (Q.850 cause 38, network out of order).
        await sim_ami.action({"Action": "Hangup", "Channel": call_id, "Cause": "38"})
        try:
            task = await poll(
                lambda: _in_state(cb_app, caller, "reached"), timeout_s=60, what="reached"
            )
        except AssertionError as late:  # seen once in six clean-clone runs: say where it stopped
            trail = await _trail(cb_app, caller)
            raise AssertionError(
                f"cut call not called back: {trail}; dialer: {_dialer_view(cb_app, 67)}"
            ) from late
    finally:
        await agents.logout(67)
    (created, *_) = await events_of(cb_app, task.id)
    assert created.kind == "created" and created.detail == f"cut {call_id}"


def _dialer_view(app: FastAPI, n: int) -> str:
    """What the dialer knows of agent `n` (a failure message's second half)."""
    dialer = app.state.services.callbacks.dialer
    agents = app.state.services.metrics.agents
    iface = interface(n)
    phone = agents.phones.get(iface)
    return (
        f"state {agents.state(QUEUE, iface, time.time())}, phone {phone},"
        f" busy {sorted(dialer._busy_agents)}, cooldown {dialer._cooldown},"
        f" due {sorted(dialer._due)}, waiting {dialer.waiting},"
        f" ami connected {dialer._ami.connected},"
        f" tasks {[(t.get_name(), t.done(), _where(t)) for t in dialer._tasks]}"
    )


def _where(task: asyncio.Task[Any]) -> str:
    out = io.StringIO()
    task.print_stack(file=out)
    return out.getvalue()


async def _trail(app: FastAPI, caller: str) -> str:
    """The caller's task and its steps, for a failure message."""
    task = await task_of(app, caller)
    if task is None:
        return "no task (the cut was not detected)"
    steps = [(e.kind, e.state, e.detail) for e in await events_of(app, task.id)]
    return f"task {task.id} {task.state}/{task.outcome}, attempts {task.attempts}: {steps}"


async def _answered(app: FastAPI, call_id: str) -> bool:
    async with app.state.services.sessions() as session:
        found = await session.scalar(
            select(QueueCall.id).where(
                QueueCall.call_id == call_id, QueueCall.answered_at.is_not(None)
            )
        )
        return found is not None
