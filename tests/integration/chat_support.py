"""The chat tests' world: a database of their own, the app, the desk on a fake clock, and
the LINE stand-in served on loopback with the same clock."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from agent_ui.hub import Hub
from callcenter import centre, services
from callcenter.chat.desk import ChatDesk
from callcenter.chat.standin_facebook import StandinMessenger
from callcenter.chat.standin_facebook import serve_standin as serve_messenger
from callcenter.chat.standin_line import StandinLine, new_user_id, serve_standin
from callcenter.config import Settings
from callcenter.db import make_db_engine, make_sessionmaker
from callcenter.main import create_app
from callcenter.users import security
from callcenter.users import service as user_service
from callcenter.users.models import Role
from callcenter.users.ratelimit import LoginLimiter
from callcenter.users.schemas import UserCreate
from recordings.storage import make_minio
from tests.helpers import poll
from tests.integration.browser import serve
from tests.integration.conftest import own_database

PASSWORD = "chat-test-password"
FB_VERIFY_TOKEN = "verify-" + secrets.token_hex(8)


class FakeClock:
    """Now, moved on by the test (the desk and the stand-in read the same one)."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@dataclass
class ChatWorld:
    app: FastAPI
    client: httpx.AsyncClient
    desk: ChatDesk
    line: StandinLine
    messenger: StandinMessenger
    clock: FakeClock
    sessions: async_sessionmaker[AsyncSession]
    settings: Settings

    async def user(self, role: Role) -> dict[str, str]:
        """Authorization headers of a fresh user of `role`."""
        _, user_id = await self.account(role)
        token = security.issue_token(settings=self.settings, user_id=user_id, role=role.value)
        return {"Authorization": f"Bearer {token}"}

    async def handed_off(self, text: str = "แอดมิน") -> tuple[str, int]:
        """A LINE customer who asked for an admin (the bot told them the reply time):
        (their LINE id, the conversation's id)."""
        user = new_user_id()
        await self.line.send_webhook([self.line.text_event(user, text)])
        await poll(lambda: self.line.delivered_to(user), timeout_s=10, what="the hand-off")
        supervisor = await self.user(Role.supervisor)
        r = await self.client.get("/api/v1/chat/conversations?state=waiting", headers=supervisor)
        [conv] = [c for c in r.json() if c["customer_id"] == user]
        return user, int(conv["id"])

    async def account(self, role: Role) -> tuple[str, int]:
        """A fresh user of `role` (password PASSWORD): (username, id)."""
        name = f"{role.value}-{uuid.uuid4().hex[:8]}"
        async with self.sessions() as session, session.begin():
            user = await user_service.create(
                session=session, user_in=UserCreate(username=name, password=PASSWORD, role=role)
            )
            return name, user.id


async def chat_world(
    base: Settings, extra: dict[str, Any] | None = None
) -> AsyncIterator[ChatWorld]:
    """Everything the chat tests need, torn down after them (`extra`: more settings)."""
    clock = FakeClock()
    secret, token = secrets.token_hex(16), secrets.token_urlsafe(32)
    line = StandinLine(channel_secret=secret, access_token=token, clock=clock)
    fb_secret, fb_token = secrets.token_hex(16), secrets.token_urlsafe(32)
    messenger = StandinMessenger(app_secret=fb_secret, page_token=fb_token, clock=clock)
    with own_database(base, "chat_test") as own:
        async with serve_standin(line), serve_messenger(messenger):
            chat_settings = own.model_copy(
                update={
                    "line_channel_secret": SecretStr(secret),
                    "line_channel_access_token": SecretStr(token),
                    "line_api_url": line.url, "line_data_api_url": line.url, "chat_poll_s": 0.1,
                    "chat_send_backoff_s": 5.0,
                    "chat_send_attempts": 3, "fb_app_secret": SecretStr(fb_secret),
                    "fb_verify_token": SecretStr(FB_VERIFY_TOKEN),
                    "fb_page_access_token": SecretStr(fb_token), "fb_graph_url": messenger.url,
                    **(extra or {}),
                }
            )  # fmt: skip
            db_engine = make_db_engine(chat_settings.database_url)
            sessions = make_sessionmaker(db_engine)
            hub = Hub(lambda _topic: {})  # the inbox pages' live changes
            s3 = make_minio(chat_settings)
            desk = ChatDesk(
                settings=chat_settings, sessions=sessions, clock=clock, publisher=hub, s3=s3
            )
            app = create_app(chat_settings)  # routers only: the lifespan's AMI etc. stay off
            app.dependency_overrides[services.sessions] = lambda: sessions
            app.dependency_overrides[services.chat] = lambda: desk
            app.dependency_overrides[services.s3] = lambda: s3  # case attachments
            limiter, layout = LoginLimiter.from_settings(chat_settings), centre.load(own.conf_dir)
            app.dependency_overrides[services.login_limiter] = lambda: limiter  # pages sign in
            app.dependency_overrides[services.layout] = lambda: layout
            app.dependency_overrides[services.hub] = lambda: hub
            await desk.start()
            try:
                async with serve(app) as url, httpx.AsyncClient(base_url=url) as client:
                    line.desk_url = f"{url}/webhooks/line"
                    desk.public_url = url  # where LINE would fetch broadcast images
                    messenger.desk_url = f"{url}/webhooks/facebook"
                    yield ChatWorld(
                        app, client, desk, line, messenger, clock, sessions, chat_settings
                    )
            finally:
                await desk.stop()
                await db_engine.dispose()
