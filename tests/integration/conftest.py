"""Integration fixtures: the real stack (Asterisk, PostgreSQL, S3), a fresh database, the app."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from callcenter import migrate
from callcenter.ami.client import AmiClient
from callcenter.config import Settings, get_settings
from callcenter.main import create_app
from callcenter.simulate.runner import TRACKED, simulator_ami

CLI = [sys.executable, "-m", "callcenter"]


def cli(
    *args: str, timeout: float = 600, stdin: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the real `callcenter` command line."""
    return subprocess.run(
        [*CLI, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        input=stdin,
        check=False,
        env=env,
    )


@pytest.fixture(scope="session")
def stack_status() -> dict[str, dict[str, object]]:
    """The stack must be up (`make test` runs `callcenter stack up` first)."""
    result = cli("stack", "status", "--json", timeout=60)
    assert result.returncode == 0, result.stderr
    status: dict[str, dict[str, object]] = json.loads(result.stdout)
    down = [name for name, part in status.items() if part.get("state") != "up"]
    if down:
        pytest.fail(f"stack parts down: {down}; run `callcenter stack up` (make test does)")
    return status


@contextmanager
def own_database(base: Settings, prefix: str) -> Iterator[Settings]:
    """`base` with a freshly migrated database of its own, dropped afterwards."""
    url = base.database_url.rsplit("/", 1)[0] + f"/{prefix}_{uuid.uuid4().hex[:10]}"
    own = base.model_copy(update={"database_url": url})
    migrate.prepare(own)
    try:
        yield own
    finally:
        migrate.drop_database(own)


@pytest.fixture(scope="session")
def settings(stack_status: dict[str, dict[str, object]]) -> Iterator[Settings]:
    """Settings of the running stack, with a fresh database of its own."""
    with own_database(get_settings(), "callcenter_test") as test_settings:
        yield test_settings


@pytest.fixture(scope="session")
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    """The service with its lifespan running (AMI consumer, ARI app, writers)."""
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture(scope="session")
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        yield c


@pytest.fixture
async def sim_ami(settings: Settings) -> AsyncIterator[AmiClient]:
    """The simulator's own AMI login (least rights: originate, agent, call)."""
    ami = simulator_ami(settings, event_filter=TRACKED.__contains__)
    await ami.start()
    await ami.wait_connected(15)
    yield ami
    await ami.stop()


@pytest.fixture(scope="session")
def queue_log(settings: Settings) -> Path:
    return settings.queue_log_file


def queue_log_verbs(path: Path, callid: str) -> list[str]:
    """The queue_log verbs Asterisk wrote for one caller channel, in file order."""
    verbs = []
    for line in path.read_text(errors="replace").splitlines():
        parts = line.split("|")
        if len(parts) >= 5 and parts[1] == callid:
            verbs.append(parts[4])
    return verbs
