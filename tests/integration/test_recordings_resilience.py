"""Nothing is lost: S3 down during a call, and the service SIGKILLed with files in the spool."""

from __future__ import annotations

import asyncio
import os
import shlex
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from callcenter.ami.client import AmiClient
from callcenter.config import Settings
from callcenter.db import make_db_engine, make_sessionmaker
from callcenter.stack.s3 import S3Service
from recordings import service, spool
from recordings.models import UploadState
from recordings.storage import make_minio
from recordings.uploader import Uploader
from tests.helpers import free_port, poll
from tests.integration.conftest import cli, own_database
from tests.integration.recordings_support import (
    fake_item,
    ogg_like,
    own_weed,
    recorded_call,
    spool_sub,
)

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def weed(
    settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Settings, S3Service]]:
    with own_weed(settings, tmp_path_factory.mktemp("weed")) as pair:
        yield pair


@pytest.fixture
def sub(settings: Settings) -> Iterator[Path]:
    with spool_sub(settings.spool_path) as path:
        yield path


async def test_s3_down_during_a_call_then_back_without_a_restart(
    app: FastAPI, sim_ami: AmiClient, weed: tuple[Settings, S3Service], sub: Path
) -> None:
    s3_settings, s3 = weed
    uploader = Uploader(
        s3=make_minio(s3_settings), sessions=app.state.services.sessions, spool_dir=sub,
        bucket=s3_settings.s3_bucket, retention_days=180, scan_s=0.2,
    )  # fmt: skip
    await uploader.start()
    try:
        call = asyncio.create_task(recorded_call(sim_ami, sub=sub, talk_s=5))
        await asyncio.to_thread(s3.stop)  # the store goes away while the call is running
        item = await call
        await poll(lambda: uploader.failures >= 2, timeout_s=30, what="upload retried")
        assert item.audio_path.exists()  # nothing deleted while the store is away

        await asyncio.to_thread(s3.start, timeout_s=60)

        async def verified() -> bool:
            async with app.state.services.sessions() as session:
                row = await service.by_uniqueid(session=session, uniqueid=item.uniqueid)
            return row is not None and row.upload_state == UploadState.verified

        await poll(verified, timeout_s=60, what="recording verified after S3 came back")
        assert not item.audio_path.exists()
    finally:
        await uploader.stop()
        if s3.pid() is None:
            await asyncio.to_thread(s3.start, timeout_s=60)


def stack_env() -> dict[str, str]:
    result = cli("stack", "env", timeout=60)
    assert result.returncode == 0, result.stderr
    env = dict(os.environ)
    for line in result.stdout.splitlines():
        if line.startswith("export "):
            key, _, value = line[len("export ") :].partition("=")
            env[key] = shlex.split(value)[0] if value else ""
    return env


async def test_service_killed_with_files_in_the_spool_uploads_them_after_start(
    settings: Settings, weed: tuple[Settings, S3Service], sub: Path
) -> None:
    s3_settings, s3 = weed
    items = [fake_item(sub, f"{sub.name}-{n}-net", ogg_like(20_000)) for n in range(3)]
    with own_database(settings, "callcenter_rec_kill") as own:
        port = free_port()
        env = stack_env() | {
            "CALLCENTER_DATABASE_URL": own.database_url,
            "CALLCENTER_SPOOL_DIR": str(sub),
            "CALLCENTER_S3_ENDPOINT": s3_settings.s3_endpoint,
            "CALLCENTER_RECORDINGS_SCAN_S": "0.2",
        }
        command = [sys.executable, "-m", "callcenter", "serve", "--port", str(port)]
        await asyncio.to_thread(s3.stop)  # the files cannot leave before the kill
        first = await serve(command, env)
        try:
            await wait_serving(port)
            first.send_signal(signal.SIGKILL)  # no shutdown, no flush: a crash
            await asyncio.wait_for(first.wait(), timeout=10)
        finally:
            if first.returncode is None:
                first.kill()
        assert all(i.audio_path.exists() for i in items)
        await asyncio.to_thread(s3.start, timeout_s=60)

        second = await serve(command, env)
        try:
            await poll(
                lambda: all_verified(own, items), timeout_s=90, what="uploaded after restart"
            )
        finally:
            second.terminate()
            await asyncio.wait_for(second.wait(), timeout=30)
        assert not any(i.audio_path.exists() for i in items)


async def serve(command: list[str], env: dict[str, str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        *command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


async def wait_serving(port: int) -> None:
    async def up() -> bool:
        try:
            async with httpx.AsyncClient() as client:
                await client.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
        except httpx.HTTPError:
            return False
        return True

    await poll(up, timeout_s=60, what="service serving")


async def all_verified(own: Settings, items: list[spool.SpoolItem]) -> bool:
    engine = make_db_engine(own.database_url)
    try:
        async with make_sessionmaker(engine)() as session:
            rows = [await service.by_uniqueid(session=session, uniqueid=i.uniqueid) for i in items]
    finally:
        await engine.dispose()
    return all(r is not None and r.upload_state == UploadState.verified for r in rows)
