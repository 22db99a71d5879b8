"""LINE webhook acknowledgement: the chat desk vs a bare endpoint that only checks the signature.

Two servers, each in its own process on 127.0.0.1: the real desk (`create_app` with the
chat router, a ChatDesk with its processor and sender, a fresh PostgreSQL database
created and dropped here, the LINE stand-in answering the bot's replies) and a bare
FastAPI endpoint that verifies X-Line-Signature and answers 200. This process sends
RATE signed webhooks a second (one text message each, open loop: a slow answer does not
slow the sending) to both for SECONDS, interleaved, and measures each acknowledgement.
Then it waits until the desk has stored and applied every event and checks each was
stored exactly once. The events carry no reply token (the stand-in that would have issued
one runs in the desk's process), so every bot answer goes out by push. Prints p50/p99 of
both, their ratio (goal ≤ 2) and the counts.

    .venv/bin/python benchmarks/chat.py [--rate 200] [--seconds 60]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import secrets
import socket
import statistics
import time
from typing import Any

import _root  # noqa: F401  (before any project import: see _root.py)
import httpx
from fastapi import FastAPI, HTTPException, Request
from pydantic import SecretStr
from sqlalchemy import func, select

from callcenter import migrate
from callcenter.chat.models import Message, WebhookEvent
from callcenter.chat.signature import line_signature, line_valid
from callcenter.chat.standin_line import StandinLine, new_event_id, new_user_id
from callcenter.config import Settings, get_settings
from callcenter.db import make_db_engine, make_sessionmaker

# Generated in main() and handed to the servers (a spawned process imports this anew).
SECRET, TOKEN = secrets.token_hex(16), secrets.token_urlsafe(32)


def _serve(app: Any, port: int) -> None:
    import uvicorn

    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")


def _bare(port: int, secret: str) -> None:
    """A FastAPI endpoint that checks the signature and answers: the floor to compare with."""
    app = FastAPI()

    @app.post("/webhooks/line")
    async def webhook(request: Request) -> dict[str, Any]:
        if not line_valid(secret, await request.body(), request.headers.get("x-line-signature")):
            raise HTTPException(401)
        return {}

    _serve(app, port)


def _desk(settings_json: str, port: int, secret: str, token: str) -> None:
    """The service's chat desk with a LINE stand-in, in this process."""
    from callcenter import services
    from callcenter.chat.desk import ChatDesk
    from callcenter.chat.standin_line import LoopServer, serve_standin
    from callcenter.main import create_app

    async def main() -> None:
        import uvicorn

        line = StandinLine(channel_secret=secret, access_token=token)
        async with serve_standin(line):
            settings = Settings.model_validate_json(settings_json).model_copy(
                update={
                    "line_channel_secret": SecretStr(secret),
                    "line_channel_access_token": SecretStr(token), "line_api_url": line.url,
                }
            )  # fmt: skip
            sessions = make_sessionmaker(make_db_engine(settings.database_url))
            desk = ChatDesk(settings=settings, sessions=sessions)
            app = create_app(settings)
            app.dependency_overrides[services.sessions] = lambda: sessions
            app.dependency_overrides[services.chat] = lambda: desk
            await desk.start()
            config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                    lifespan="off")  # fmt: skip
            await LoopServer(config).serve()

    asyncio.run(main())


def _body(user: str) -> bytes:
    event = {
        "type": "message", "mode": "active", "timestamp": int(time.time() * 1000),
        "source": {"type": "user", "userId": user}, "webhookEventId": new_event_id(),
        "deliveryContext": {"isRedelivery": False},  # no replyToken: the bot answers by push
        "message": {"id": str(secrets.randbelow(10**18)), "type": "text", "text": "สวัสดีค่ะ",
                    "quoteToken": "q"},
    }  # fmt: skip
    return json.dumps({"destination": "U" + "0" * 32, "events": [event]}).encode()


async def _post(client: httpx.AsyncClient, url: str, body: bytes, out: list[float]) -> None:
    headers = {"Content-Type": "application/json", "X-Line-Signature": line_signature(SECRET, body)}
    start = time.perf_counter()
    r = await client.post(url, content=body, headers=headers)
    out.append(time.perf_counter() - start)
    if r.status_code != 200:
        raise RuntimeError(f"{url} answered {r.status_code}: {r.text}")


async def _load(rate: int, seconds: float, desk: str, bare: str) -> tuple[list[float], list[float]]:
    desk_s: list[float] = []
    bare_s: list[float] = []
    users = [new_user_id() for _ in range(500)]
    limits = httpx.Limits(max_connections=400, max_keepalive_connections=400)
    async with httpx.AsyncClient(limits=limits, timeout=30) as client:
        tasks, start, n = [], time.perf_counter(), int(rate * seconds)
        for i in range(n):
            await asyncio.sleep(max(0.0, start + i / rate - time.perf_counter()))
            body = _body(users[i % len(users)])
            tasks.append(asyncio.create_task(_post(client, desk, body, desk_s)))
            tasks.append(asyncio.create_task(_post(client, bare, body, bare_s)))
        await asyncio.gather(*tasks)
    return desk_s, bare_s


def _p(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1] * 1000


async def _stored(settings: Settings, expected: int, timeout_s: float) -> tuple[int, int, int]:
    """(events stored, distinct event ids, inbound messages) once all are applied."""
    engine = make_db_engine(settings.database_url)
    sessions = make_sessionmaker(engine)
    deadline = time.monotonic() + timeout_s
    try:
        while True:
            async with sessions() as session:
                stored = await session.scalar(select(func.count()).select_from(WebhookEvent))
                distinct = await session.scalar(
                    select(func.count(func.distinct(WebhookEvent.event_id)))
                )
                pending = await session.scalar(
                    select(func.count()).where(WebhookEvent.processed_at.is_(None))
                )
                inbound = await session.scalar(
                    select(func.count()).where(Message.direction == "inbound")
                )
            if (stored == expected and not pending) or time.monotonic() > deadline:
                return int(stored or 0), int(distinct or 0), int(inbound or 0)
            await asyncio.sleep(0.5)
    finally:
        await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rate", type=int, default=200, help="webhooks a second, to each server")
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args()
    base = get_settings()
    url = base.database_url.rsplit("/", 1)[0] + f"/chat_bench_{secrets.token_hex(4)}"
    settings = base.model_copy(update={"database_url": url})
    migrate.ensure_database(settings.sync_database_url)
    migrate.upgrade(settings.sync_database_url)
    desk_port, bare_port = _free_port(), _free_port()
    ctx = multiprocessing.get_context("spawn")
    procs = [
        ctx.Process(
            target=_desk, args=(settings.model_dump_json(), desk_port, SECRET, TOKEN), daemon=True
        ),
        ctx.Process(target=_bare, args=(bare_port, SECRET), daemon=True),
    ]
    try:
        for proc in procs:
            proc.start()
        asyncio.run(_wait_up([desk_port, bare_port]))
        desk_s, bare_s = asyncio.run(
            _load(args.rate, args.seconds, f"http://127.0.0.1:{desk_port}/webhooks/line",
                  f"http://127.0.0.1:{bare_port}/webhooks/line")
        )  # fmt: skip
        sent = len(desk_s)
        stored, distinct, inbound = asyncio.run(_stored(settings, sent, timeout_s=120))
    finally:
        for proc in procs:
            proc.terminate()
            proc.join(10)
        migrate.drop_database(settings.sync_database_url)
    print(f"{sent} signed webhooks to each server at {args.rate}/s for {args.seconds:g} s")
    print(f"ack desk  p50 {_p(desk_s, 50):7.1f} ms  p99 {_p(desk_s, 99):7.1f} ms")
    print(f"ack bare  p50 {_p(bare_s, 50):7.1f} ms  p99 {_p(bare_s, 99):7.1f} ms")
    print(f"ratio     p50 {_p(desk_s, 50) / _p(bare_s, 50):7.2f}     p99 "
          f"{_p(desk_s, 99) / _p(bare_s, 99):7.2f}   (goal ≤ 2)")  # fmt: skip
    once = stored == distinct == inbound == sent
    print(f"stored {stored} events ({distinct} distinct), {inbound} messages: "
          f"{'each exactly once' if once else 'MISMATCH'}")  # fmt: skip


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _wait_up(ports: list[int]) -> None:
    deadline = time.monotonic() + 60
    async with httpx.AsyncClient() as client:
        for port in ports:
            while True:
                try:
                    await client.get(f"http://127.0.0.1:{port}/openapi.json")
                    break
                except httpx.HTTPError:
                    if time.monotonic() > deadline:
                        raise
                    await asyncio.sleep(0.2)


if __name__ == "__main__":
    main()
