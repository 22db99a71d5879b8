"""Audit trails can only grow: no UPDATE, DELETE or TRUNCATE, whoever connects as the app.

The service's role is not granted them (permission denied); the triggers refuse them to
any role that is (`... is append-only`)."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

pytestmark = pytest.mark.integration

AUDIT_TABLES = (
    "audit_log",
    "qa_evaluations",
    "case_audit",
    "supervisor_actions",
    "callback_events",
    "social_audit",
    "alert_actions",
    "supervisor_agent_actions",
    "ivr_announcement_actions",
)


@pytest.mark.parametrize("table", AUDIT_TABLES)
async def test_an_audit_trail_cannot_be_truncated(app: FastAPI, table: str) -> None:
    async with app.state.services.sessions() as session:
        with pytest.raises(DBAPIError, match=f"{table} is append-only|permission denied"):
            await session.execute(text(f"TRUNCATE {table} CASCADE"))


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE supervisor_actions SET outcome = 'x'",
        "DELETE FROM supervisor_actions",
        "UPDATE callback_events SET detail = 'x'",
        "DELETE FROM callback_events",
        "UPDATE alert_actions SET action = 'x'",
        "DELETE FROM supervisor_agent_actions",
    ],
)
async def test_supervisor_actions_and_callback_events_refuse_changes(
    app: FastAPI, statement: str
) -> None:
    table = statement.split()[2 if statement.startswith("DELETE") else 1]
    async with app.state.services.sessions() as session:
        await session.execute(text(_one_row[table]))
        with pytest.raises(DBAPIError, match=f"{table} is append-only|permission denied"):
            await session.execute(text(statement))
        await session.rollback()


# a row in each table, inside the test's own transaction (rolled back afterwards)
_one_row = {
    "supervisor_actions": (
        "INSERT INTO supervisor_actions (at, username, agent_id, mode, phone, agent_state,"
        " outcome, detail) VALUES (now(), 'sup', 'agent01', 'listen', 'PJSIP/sup',"
        " 'on_call', 'started', '')"
    ),
    "alert_actions": (
        "INSERT INTO alert_actions (at, username, alert_id, action, text_en)"
        " VALUES (now(), 'sup', 'sl_low:centre', 'acknowledge', '')"
    ),
    "supervisor_agent_actions": (
        "INSERT INTO supervisor_agent_actions (at, username, interface, agent, action, detail,"
        " agent_state, outcome, error) VALUES (now(), 'sup', 'PJSIP/agent01', 'agent01',"
        " 'pause', 'meal', 'available', 'done', '')"
    ),
    "callback_events": (
        "WITH task AS (INSERT INTO callback_tasks (number, callable, queue, state, dropped_at,"
        " deadline_at, attempts, drops) VALUES ('audit-test', false, 'test', 'not_callable',"
        " now(), now(), 0, 1) RETURNING id)"
        " INSERT INTO callback_events (task_id, at, kind) SELECT id, now(), 'test' FROM task"
    ),
}
