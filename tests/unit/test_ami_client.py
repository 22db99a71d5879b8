"""The AMI client against a fake AMI server on loopback: no event dropped when the consumer
is slow (reading pauses instead), and the watchdog still drops a link that stops answering."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import pytest
from panoramisk.message import Message

from callcenter import background
from callcenter.ami.client import AmiClient
from tests.helpers import poll

EVENT = "Event: QueueCallerJoin\r\nQueue: general\r\nUniqueid: {n}\r\nTimestamp: 1.{n}\r\n\r\n"


class FakeAmi:
    """Answers Login and (unless frozen) Ping; `send_events(n)` streams n events."""

    def __init__(self) -> None:
        self.frozen = False
        self.writers: list[asyncio.StreamWriter] = []
        self.server: asyncio.Server | None = None
        self.port = 0

    async def start(self) -> int:
        self.server = await asyncio.start_server(self._session, "127.0.0.1", 0)
        self.port = int(self.server.sockets[0].getsockname()[1])
        return self.port

    async def stop(self) -> None:
        for writer in self.writers:
            writer.close()
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()

    async def send_events(self, n: int) -> None:
        writer = self.writers[-1]
        for i in range(n):
            writer.write(EVENT.format(n=i).encode())
            if i % 100 == 0:
                await writer.drain()
        await writer.drain()

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.writers.append(writer)
        writer.write(b"Asterisk Call Manager/11.0.0\r\n")
        with contextlib.suppress(asyncio.IncompleteReadError, ConnectionError):
            while True:
                block = (await reader.readuntil(b"\r\n\r\n")).decode()
                headers = dict(line.split(": ", 1) for line in block.split("\r\n") if ": " in line)
                if self.frozen and headers.get("Action") == "Ping":
                    continue  # a half-open link: the socket stays open, nothing answers
                writer.write(
                    f"Response: Success\r\nActionID: {headers['ActionID']}\r\n\r\n".encode()
                )


@pytest.fixture
async def fake() -> AsyncIterator[FakeAmi]:
    server = FakeAmi()
    yield server
    await server.stop()


def client(port: int, *, queue_size: int = 100_000) -> AmiClient:
    return AmiClient(
        host="127.0.0.1",
        port=port,
        username="u",
        secret="s",
        queue_size=queue_size,
        ping_interval_s=0.2,
        watchdog_timeout_s=1.2,
    )


async def test_slow_consumer_pauses_reading_and_loses_nothing(fake: FakeAmi) -> None:
    ami = client(await fake.start(), queue_size=100)
    await ami.start()
    try:
        await ami.wait_connected(5)
        sending = asyncio.create_task(fake.send_events(5000))
        await poll(lambda: ami.reading_paused, timeout_s=5, what="reading paused")
        await asyncio.sleep(2 * 1.2)  # longer than the watchdog: paused by us is not dead
        assert ami.connections == 1 and ami.connected
        got = [await asyncio.wait_for(ami.events.get(), 5) for _ in range(5000)]
        await sending
    finally:
        await ami.stop()
    assert [e["Uniqueid"] for e in got] == [str(i) for i in range(5000)]
    assert ami.dropped_events == 0
    assert ami.events.qsize() == 0 and not ami.reading_paused


async def test_watchdog_drops_a_link_that_stops_answering(fake: FakeAmi) -> None:
    ami = client(await fake.start())
    await ami.start()
    try:
        await ami.wait_connected(5)
        fake.frozen = True
        await poll(lambda: not ami.connected, timeout_s=5, what="watchdog dropping the link")
        fake.frozen = False
        await poll(lambda: ami.connections == 2, timeout_s=10, what="reconnected")
    finally:
        await ami.stop()


async def test_an_action_cancelled_as_its_reply_arrives_is_cancelled(fake: FakeAmi) -> None:
    """The reply and the cancellation land in the same loop turn (a stop() during a ping):
    the caller must see the cancellation, or the client's loop runs on after stop()."""
    ami = client(await fake.start())
    await ami.start()
    try:
        await ami.wait_connected(5)
        session = ami._session
        assert session is not None and session.protocol is not None
        reply: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        session.protocol.send = lambda action, as_list=False: reply
        asking = asyncio.create_task(ami.action({"Action": "Ping"}))
        await asyncio.sleep(0)  # the action now waits for its reply
        reply.set_result(Message({"Response": "Success"}))
        asking.cancel()
        with pytest.raises(asyncio.CancelledError):
            await asking
    finally:
        await ami.stop()


async def test_stop_ends_a_client_pinging_as_fast_as_it_can(fake: FakeAmi) -> None:
    await fake.start()
    for _ in range(20):
        ami = AmiClient(
            host="127.0.0.1", port=fake.port, username="u", secret="s",
            ping_interval_s=0.0, watchdog_timeout_s=1.0,
        )  # fmt: skip
        await ami.start()
        await ami.wait_connected(5)
        # well before a swallowed cancellation would be cancelled again (RECANCEL_AFTER_S)
        async with asyncio.timeout(background.RECANCEL_AFTER_S / 2):
            await ami.stop()
        assert ami._task is None and not ami.connected


async def test_a_task_that_swallows_its_cancellation_is_cancelled_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(background, "RECANCEL_AFTER_S", 0.05)
    cancelled = 0

    class Stubborn(background.Background):
        async def _run(self) -> None:
            nonlocal cancelled
            while True:
                try:
                    await asyncio.Event().wait()
                except asyncio.CancelledError:
                    cancelled += 1
                    if cancelled == 1:
                        continue  # what Python 3.11's wait_for does in a race
                    raise

    part = Stubborn()
    await part.start()
    await asyncio.sleep(0)
    await part.stop()
    assert cancelled == 2
