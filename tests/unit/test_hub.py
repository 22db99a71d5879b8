"""Websocket hub: snapshot first, ordered changes, slow clients coalesced then dropped, auth."""

from __future__ import annotations

import asyncio
import itertools
import json
import socket
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

import pytest
import uvicorn
from fastapi import FastAPI
from pydantic import SecretStr
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from agent_ui import hub as hub_module
from agent_ui import ws as ws_module
from agent_ui.hub import Hub, Subscription
from agent_ui.ws import agent_socket, wallboard_socket
from agent_ui.ws_server import UVICORN_WS
from callcenter import services
from callcenter.config import Settings
from callcenter.users.models import Role
from callcenter.users.security import issue_token
from tests.helpers import poll

SECRET = "unit-test-secret-that-is-at-least-32-bytes-long"
SETTINGS = Settings(jwt_secret=SecretStr(SECRET), token_ttl_s=3600)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Board:
    """A stand-in for the AMI consumer: applies events to state, then publishes the change."""

    def __init__(self, **hub_options: Any) -> None:
        self.state: dict[str, dict[str, int]] = {}
        self.hub = Hub(self.snapshot, **hub_options)

    def snapshot(self, topic: str) -> dict[str, int]:
        return dict(self.state.get(topic, {"last": -1}))

    def apply(self, topic: str, n: int, pad: str = "") -> int:
        self.state[topic] = {"last": n}
        return self.hub.publish(topic, {"last": n, "pad": pad} if pad else {"last": n})


async def frames(sub: Subscription, count: int) -> list[dict[str, Any]]:
    """Read `count` frames and flatten them into messages."""
    messages: list[dict[str, Any]] = []
    for _ in range(count):
        frame = await sub.next_frame()
        assert frame is not None
        messages += json.loads(frame)
    return messages


def assert_continuous(messages: list[dict[str, Any]]) -> None:
    """Snapshot first; every change follows the previous message's seq by one."""
    assert messages[0]["type"] == "snapshot"
    for before, after in itertools.pairwise(messages):
        if after["type"] == "change":
            assert after["seq"] == before["seq"] + 1, (before, after)
        else:
            assert after["seq"] >= before["seq"]


# --- the hub, no I/O -----------------------------------------------------------------------


async def test_snapshot_first_then_changes_in_order() -> None:
    board = Board()
    board.apply("wallboard", 0)
    sub = board.hub.subscribe("wallboard")
    for n in (1, 2, 3, 4):
        board.apply("wallboard", n)
    messages = await frames(sub, 1)
    # The snapshot is taken when the client is ready, so it already holds 1..4 and stands at seq 5.
    assert messages == [{"type": "snapshot", "topic": "wallboard", "seq": 5, "data": {"last": 4}}]
    board.apply("wallboard", 5)
    board.apply("wallboard", 6)
    messages = await frames(sub, 1)
    assert [(m["type"], m["seq"], m["data"]["last"]) for m in messages] == [
        ("change", 6, 5),
        ("change", 7, 6),
    ]


async def test_seq_is_per_topic_and_monotonic() -> None:
    board = Board()
    seqs = [board.apply(topic, n) for n in range(5) for topic in ("wallboard", "agent:1")]
    assert seqs == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    sub = board.hub.subscribe("wallboard")
    snapshot = (await frames(sub, 1))[0]
    assert snapshot["seq"] == board.hub.seq("wallboard") == 5
    for n in range(100):
        board.apply("wallboard", n)
    assert_continuous([snapshot, *await frames(sub, 1)])


async def test_backlog_goes_out_in_frames_of_max_batch() -> None:
    board = Board(max_batch=2)
    sub = board.hub.subscribe("wallboard")
    await frames(sub, 1)
    for n in range(5):
        board.apply("wallboard", n)
    assert sub.backlog == 5
    sizes = [len(json.loads(await sub.next_frame() or "[]")) for _ in range(3)]
    assert sizes == [2, 2, 1] and sub.backlog == 0


async def test_agent_topic_reaches_only_that_agent() -> None:
    board = Board()
    one, two, wall = (board.hub.subscribe(t) for t in ("agent:1", "agent:2", "wallboard"))
    assert (await frames(one, 1))[0]["topic"] == "agent:1"
    assert (await frames(two, 1))[0]["topic"] == "agent:2"
    await frames(wall, 1)
    board.apply("agent:1", 42)
    assert [m["data"] for m in await frames(one, 1)] == [{"last": 42}]
    assert two.backlog == 0 and wall.backlog == 0
    assert board.hub.stats.delivered == 1


async def test_each_change_is_encoded_once(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[object] = []

    def counting(message: Any) -> str:
        calls.append(message)
        return json.dumps(message)

    monkeypatch.setattr(hub_module, "encode", counting)
    board = Board()
    subs = [board.hub.subscribe("wallboard") for _ in range(50)]
    for sub in subs:
        await frames(sub, 1)
    calls.clear()
    board.apply("wallboard", 1)
    assert len({await sub.next_frame() for sub in subs}) == 1
    assert len(calls) == 1


async def test_stuck_client_never_slows_publish_is_coalesced_then_dropped() -> None:
    clock = FakeClock()
    board = Board(queue_size=256, max_resyncs=3, resync_window_s=1.0, clock=clock)
    stuck = board.hub.subscribe("wallboard")
    await frames(stuck, 1)  # it took its snapshot, then stopped reading
    fast = board.hub.subscribe("wallboard")
    received: list[dict[str, Any]] = []

    async def read_all() -> None:
        while (frame := await fast.next_frame()) is not None:
            received.extend(json.loads(frame))

    reader = asyncio.create_task(read_all())
    for n in range(100_000):
        clock.now += 0.001  # a millisecond between events
        board.apply("wallboard", n)
        assert stuck.backlog <= 256  # the stuck reader's memory stays bounded throughout
        if n % 100 == 99:
            await asyncio.sleep(0)  # the consumer awaits its input queue now and then
    await poll(lambda: received and received[-1]["data"] == {"last": 99_999}, timeout_s=5)
    reader.cancel()
    assert_continuous(received)
    assert board.hub.stats.coalesced == 1 and board.hub.stats.dropped_clients == 1
    assert stuck.dropped and await stuck.next_frame() is None
    assert board.hub.subscribers("wallboard") == 1


async def test_client_that_keeps_falling_behind_is_dropped_after_the_limit() -> None:
    board = Board(queue_size=10, max_resyncs=3, resync_window_s=60.0, clock=FakeClock())
    sub = board.hub.subscribe("wallboard")
    await frames(sub, 1)
    for resync in range(1, 4):
        for n in range(11):
            board.apply("wallboard", n)
        snapshot = (await frames(sub, 1))[0]
        assert board.hub.stats.coalesced == resync
        assert snapshot == {
            "type": "snapshot",
            "topic": "wallboard",
            "seq": board.hub.seq("wallboard"),
            "data": {"last": 10},
        }
    for n in range(11):
        board.apply("wallboard", n)
    assert await sub.next_frame() is None
    assert sub.dropped and board.hub.stats.dropped_clients == 1


async def test_client_that_catches_up_starts_afresh() -> None:
    board = Board(queue_size=10, max_resyncs=1, resync_window_s=60.0, clock=FakeClock())
    sub = board.hub.subscribe("wallboard")
    for _ in range(5):
        await frames(sub, 1)
        idle = asyncio.create_task(sub.next_frame())
        await asyncio.sleep(0)  # let it find the queue empty: it has caught up
        for n in range(11):
            board.apply("wallboard", n)  # overflow: the wake-up brings the snapshot
        assert json.loads(await idle or "[]")[0]["type"] == "snapshot"
        board.apply("wallboard", 99)
    assert not sub.dropped and board.hub.stats.coalesced == 5


async def test_resync_sends_every_subscriber_a_fresh_snapshot() -> None:
    board = Board()
    sub = board.hub.subscribe("wallboard")
    await frames(sub, 1)
    board.apply("wallboard", 1)
    board.state["wallboard"] = {"last": 500}  # rebuilt after an AMI reconnect
    seq = board.hub.resync("wallboard")
    assert await frames(sub, 1) == [
        {"type": "snapshot", "topic": "wallboard", "seq": seq, "data": {"last": 500}}
    ]
    assert board.hub.stats.coalesced == 0


async def test_sender_without_a_task_gets_a_burst_of_changes_as_one_frame() -> None:
    board = Board()
    sub = board.hub.subscribe("wallboard")
    readies: list[int] = []
    sub.on_ready = lambda: readies.append(board.hub.seq("wallboard"))
    assert json.loads(sub.take() or "[]")[0]["type"] == "snapshot"
    assert sub.take() is None  # caught up: on_ready will say when there is more
    for n in (1, 2, 3):
        board.apply("wallboard", n)  # one consumer tick: publish() never calls a sender
    assert readies == []
    await poll(lambda: readies, timeout_s=5, interval_s=0.001)
    assert readies == [3]
    frame = json.loads(sub.take() or "[]")
    assert [(m["seq"], m["data"]["last"]) for m in frame] == [(1, 1), (2, 2), (3, 3)]
    assert sub.take() is None and readies == [3]


# --- the websocket route, served by uvicorn on 127.0.0.1 -------------------------------------


def make_app(board: Board, sessions: object = None) -> FastAPI:
    app = FastAPI()
    app.state.settings = SETTINGS
    app.dependency_overrides[services.hub] = lambda: board.hub
    if sessions is not None:
        app.dependency_overrides[services.sessions_if_any] = lambda: sessions
    app.include_router(wallboard_socket())
    app.include_router(agent_socket())
    return app


WS_OPTIONS = {
    "fanout": UVICORN_WS,
    "fanout-deflate": UVICORN_WS | {"ws_per_message_deflate": True},
    "asgi": {},
}


@pytest.fixture(params=list(WS_OPTIONS))
def ws_options(request: pytest.FixtureRequest) -> dict[str, Any]:
    """uvicorn as `callcenter serve` runs it (frames sent through FanOutProtocol's extension,
    from the hub's wake-up), the same with per-message deflate (the clients compress), and plain
    uvicorn (a task per client, every frame through the ASGI send)."""
    return WS_OPTIONS[request.param]


@asynccontextmanager
async def serve(app: FastAPI, options: dict[str, Any]) -> AsyncIterator[str]:
    """Serve `app` on a random 127.0.0.1 port with uvicorn `options`; yields the ws:// base URL."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(
        app,
        lifespan="off",
        log_level="warning",
        ws_ping_interval=None,
        timeout_graceful_shutdown=2,
        **options,
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        await poll(lambda: server.started, timeout_s=10, interval_s=0.01, what="server up")
        yield f"ws://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 10)


def token(role: str = "supervisor", user_id: int = 7, age_s: float = 0) -> str:
    return issue_token(settings=SETTINGS, user_id=user_id, role=role, now=time.time() - age_s)


async def receive(ws: ClientConnection) -> list[dict[str, Any]]:
    """One frame's messages, within a deadline."""
    return list(json.loads(await asyncio.wait_for(ws.recv(), 5)))


async def close_code(ws: ClientConnection) -> tuple[int, str]:
    """Read until the server closes; its close code and reason."""
    with pytest.raises(ConnectionClosed) as closed:
        async with asyncio.timeout(10):
            while True:
                await ws.recv()
    assert closed.value.rcvd is not None
    return closed.value.rcvd.code, closed.value.rcvd.reason


async def test_websocket_gets_snapshot_then_changes(ws_options: dict[str, Any]) -> None:
    board = Board()
    board.apply("wallboard", 0)
    async with serve(make_app(board), ws_options) as base:
        headers = {"Cookie": f"cc_token={token()}"}
        async with connect(f"{base}/ws/wallboard", additional_headers=headers) as ws:
            snapshot = await receive(ws)
            assert snapshot == [
                {"type": "snapshot", "topic": "wallboard", "seq": 1, "data": {"last": 0}}
            ]
            for n in range(1, 6):
                board.apply("wallboard", n)
            messages = snapshot
            while messages[-1]["data"]["last"] != 5:
                messages += await receive(ws)
            assert_continuous(messages)
            assert [m["data"]["last"] for m in messages] == [0, 1, 2, 3, 4, 5]
        await poll(lambda: board.hub.subscribers("wallboard") == 0, timeout_s=5, interval_s=0.01)


@pytest.mark.parametrize(
    ("query", "code", "reason"),
    [
        ("", 4401, "Log in first."),
        ("?token=garbage", 4401, "The access token is invalid; log in again."),
        (f"?token={token(age_s=7200)}", 4401, "Your session has expired; log in again."),
        (f"?token={token(role='agent')}", 4403, "This needs the admin or supervisor role."),
    ],
)
async def test_websocket_refuses_bad_tokens(
    query: str, code: int, reason: str, ws_options: dict[str, Any]
) -> None:
    board = Board()
    async with (
        serve(make_app(board), ws_options) as base,
        connect(f"{base}/ws/wallboard{query}") as ws,
    ):
        assert await close_code(ws) == (code, reason)
    assert board.hub.subscribers("wallboard") == 0


async def test_websocket_is_closed_when_the_token_expires(ws_options: dict[str, Any]) -> None:
    board = Board()
    nearly_expired = token(age_s=SETTINGS.token_ttl_s - 1.5)
    url = f"/ws/wallboard?token={nearly_expired}"
    async with serve(make_app(board), ws_options) as base, connect(base + url) as ws:
        assert (await receive(ws))[0]["type"] == "snapshot"
        assert await close_code(ws) == (4401, "Your session has expired; log in again.")


class FakeSessions:
    """Stands in for the session factory: `async with sessions() as s: await s.get(User, id)`."""

    def __init__(self, users: dict[int, SimpleNamespace]) -> None:
        self.users = users

    def __call__(self) -> FakeSessions:
        return self

    async def __aenter__(self) -> FakeSessions:
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None

    async def get(self, _model: object, user_id: int) -> SimpleNamespace | None:
        return self.users.get(user_id)


async def test_with_a_database_the_current_role_counts_not_the_token(
    ws_options: dict[str, Any],
) -> None:
    sessions = FakeSessions(
        {
            1: SimpleNamespace(role=Role.agent, active=True, agent_id=None),  # demoted
            2: SimpleNamespace(role=Role.supervisor, active=False, agent_id=None),  # disabled
            3: SimpleNamespace(role=Role.admin, active=True, agent_id=None),
        }
    )
    board = Board()
    async with serve(make_app(board, sessions), ws_options) as base:
        url = f"{base}/ws/wallboard?token="
        async with connect(url + token(user_id=1)) as ws:
            assert (await close_code(ws))[0] == 4403
        async with connect(url + token(user_id=2)) as ws:
            assert (await close_code(ws))[0] == 4401
        async with connect(url + token(user_id=3, role="agent")) as ws:
            assert (await receive(ws))[0]["type"] == "snapshot"


async def test_agent_socket_streams_only_that_agents_topic(ws_options: dict[str, Any]) -> None:
    sessions = FakeSessions(
        {
            1: SimpleNamespace(role=Role.agent, active=True, agent_id="agent07"),
            2: SimpleNamespace(role=Role.agent, active=True, agent_id="agent08"),
            3: SimpleNamespace(role=Role.agent, active=True, agent_id=None),
        }
    )
    board = Board()
    async with serve(make_app(board, sessions), ws_options) as base:
        url = f"{base}/ws/agent?token="
        async with connect(url + token("agent", 3)) as three:  # no agent: like the desk's 403
            assert (await close_code(three))[0] == 4403
        async with (
            connect(url + token("agent", 1)) as one,
            connect(url + token("agent", 2)) as two,
        ):
            assert (await receive(one))[0]["topic"] == "agent:agent07"
            assert (await receive(two))[0]["topic"] == "agent:agent08"
            board.apply("agent:agent08", 5)
            board.apply("agent:agent07", 6)
            assert [(m["topic"], m["data"]) for m in await receive(one)] == [
                ("agent:agent07", {"last": 6})
            ]
            assert [(m["topic"], m["data"]) for m in await receive(two)] == [
                ("agent:agent08", {"last": 5})
            ]


async def stuck_connect(url: str) -> ClientConnection:
    """A client that stops reading: tiny receive buffer, no compression to hide the backlog."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.setblocking(False)
    await asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", urlsplit(url).port))
    return await connect(url, sock=sock, max_queue=1, compression=None)


async def test_stuck_websocket_is_dropped_while_others_keep_up(
    monkeypatch: pytest.MonkeyPatch, ws_options: dict[str, Any]
) -> None:
    monkeypatch.setattr(ws_module, "CLOSE_TIMEOUT_S", 60.0)
    clock = FakeClock()
    board = Board(queue_size=256, max_resyncs=3, resync_window_s=1.0, clock=clock)
    async with serve(make_app(board), ws_options) as base:
        url = f"{base}/ws/wallboard?token={token()}"
        stuck = await stuck_connect(url)
        async with connect(url) as fast:
            received: list[dict[str, Any]] = await receive(fast)

            async def read_all() -> None:
                while True:
                    received.extend(json.loads(await fast.recv()))

            reader = asyncio.create_task(read_all())
            for n in range(100_000):
                clock.now += 0.001
                board.apply("wallboard", n, pad="x" * 200)  # 25 MB: more than socket buffers hold
                if n % 100 == 99:
                    await asyncio.sleep(0)
            await poll(lambda: received[-1]["data"]["last"] == 99_999, timeout_s=20)
            reader.cancel()
        assert_continuous(received)
        assert board.hub.stats.coalesced >= 1 and board.hub.stats.dropped_clients == 1
        assert await close_code(stuck) == (1013, "Too slow: reconnect for a fresh snapshot.")
        await stuck.close()


async def test_websocket_that_pauses_reading_gets_every_change_in_order_after(
    ws_options: dict[str, Any],
) -> None:
    board = Board(queue_size=50_000, max_batch=256)  # a long backlog: slow, not stuck
    async with serve(make_app(board), ws_options) as base:
        paused = await stuck_connect(f"{base}/ws/wallboard?token={token()}")
        for n in range(20_000):
            board.apply("wallboard", n, pad="x" * 1000)  # 20 MB: more than socket buffers hold
            if n % 100 == 99:
                await asyncio.sleep(0)
        received: list[dict[str, Any]] = []
        while not received or received[-1]["data"]["last"] != 19_999:
            received += await receive(paused)  # reading again
        await paused.close()
    assert_continuous(received)
    assert [m["type"] for m in received].count("snapshot") == 1
    assert board.hub.stats.coalesced == 0 and board.hub.stats.dropped_clients == 0
