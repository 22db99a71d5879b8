"""The AMI client against a fake AMI server on loopback: no event dropped when the consumer
is slow (reading pauses instead), and the watchdog still drops a link that stops answering."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest

from callcenter.ami.client import AmiClient
from tests.helpers import poll

EVENT = "Event: QueueCallerJoin\r\nQueue: general\r\nUniqueid: {n}\r\nTimestamp: 1.{n}\r\n\r\n"


class FakeAmi:
    """Answers Login and (unless frozen) Ping; `send_events(n)` streams n events."""

    def __init__(self) -> None:
        self.frozen = False
        self.writers: list[asyncio.StreamWriter] = []
        self.server: asyncio.Server | None = None

    async def start(self) -> int:
        self.server = await asyncio.start_server(self._session, "127.0.0.1", 0)
        return int(self.server.sockets[0].getsockname()[1])

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
