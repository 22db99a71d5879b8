"""Helpers of the QA workbench tests: catalogue rows without audio, users of a role."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime, timedelta

from fastapi import FastAPI

from callcenter.config import Settings
from callcenter.users import security
from callcenter.users import service as user_service
from callcenter.users.models import Role
from callcenter.users.schemas import UserCreate
from recordings import service
from recordings.models import Recording, UploadState

PASSWORD = "qa-workbench-pass-1"


def unique_agent() -> str:
    """A simulated agent's member name no other test uses (its rows are this test's)."""
    return f"sim-agent-{uuid.uuid4().int % 900 + 9100}"


async def catalogue_rows(
    app: FastAPI,
    *,
    n: int,
    agent: str,
    queue: str = "online-shopping",
    newest: datetime | None = None,
    duration_s: float = 95.0,
) -> list[Recording]:
    """`n` verified catalogue rows of `agent`, one a minute back from `newest` (now)."""
    top = newest or datetime.now(UTC)
    rows = []
    for i in range(n):
        name = uuid.uuid4().hex
        rows.append(
            Recording(
                uniqueid=name, linkedid=name, kind="queue", queue=queue, agent=agent,
                member=f"Local/{agent}@agents/n", caller="0812345678",
                started_at=top - timedelta(minutes=i),
                ended_at=top - timedelta(minutes=i) + timedelta(seconds=duration_s),
                duration_s=duration_s, codec="vorbis", size_bytes=1000,
                sha256=hashlib.sha256(name.encode()).hexdigest(), bucket="recordings",
                object_key=f"test/{name}.ogg", upload_state=UploadState.verified.value,
            )
        )  # fmt: skip
    async with app.state.services.sessions() as session, session.begin():
        await service.add_all(session=session, rows=rows)
    return rows


async def add_user(app: FastAPI, role: Role, *, username: str | None = None) -> str:
    """A login of `role` (an agent named as their calls' member, e.g. sim-agent-9123)."""
    username = username or f"{role.value}-qa-{uuid.uuid4().hex[:6]}"
    async with app.state.services.sessions() as session, session.begin():
        user_in = UserCreate(username=username, password=PASSWORD, role=role)
        await user_service.create(session=session, user_in=user_in)
    return username


async def headers_for(
    app: FastAPI, settings: Settings, role: Role, *, username: str | None = None
) -> dict[str, str]:
    username = await add_user(app, role, username=username)
    async with app.state.services.sessions() as session:
        user = await user_service.get_by_username(session=session, username=username)
    assert user is not None
    token = security.issue_token(settings=settings, user_id=user.id, role=role.value)
    return {"Authorization": f"Bearer {token}", "User-Agent": f"pytest-{role.value}"}
