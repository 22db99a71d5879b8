"""Helpers of the recordings tests: a private SeaweedFS, a recorded simulated call."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import random
import secrets
import struct
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

from fastapi import FastAPI

from callcenter.ami.client import AmiClient
from callcenter.config import Settings
from callcenter.simulate.agents import SimAgents
from callcenter.simulate.runner import TRACKED, simulator_ami
from callcenter.stack.s3 import LOOPBACK, S3Service, WeedPorts
from recordings import service, spool
from recordings.models import Recording, UploadState
from recordings.uploader import Uploader
from tests.helpers import poll

QUEUE = "digital-platforms"
OUR_AGENT = 39  # sim-agent-39: a member number the other tests do not use
ATTEMPTS = 3


@contextmanager
def own_weed(base: Settings, state_dir: Path) -> Iterator[tuple[Settings, S3Service]]:
    """A second `weed mini` of our own (never the shared one), bucket with object lock."""
    state_dir.mkdir(parents=True, exist_ok=True)
    (state_dir / "secrets.json").write_text(json.dumps({"s3_sse_kek": secrets.token_hex(32)}))
    settings = base.model_copy(
        update={"state_dir": state_dir, "s3_endpoint": f"{LOOPBACK}:{WeedPorts.free_s3_port()}"}
    )
    service = S3Service(settings)
    service.start(timeout_s=60)
    try:
        yield settings, service
    finally:
        service.stop()


def ogg_like(size: int) -> bytes:
    """Bytes the spool reads as 60 s of Ogg audio (first page's granule), then noise."""
    return b"OggS\x00\x04" + struct.pack("<q", 8000 * 60) + os.urandom(size - 14)


def new_sub(spool_root: Path) -> Path:
    """A spool subfolder of this test only (other sessions' uploaders scan the top level)."""
    sub = spool_root / f"t{uuid.uuid4().hex[:12]}"
    sub.mkdir(parents=True)
    return sub


@contextmanager
def spool_sub(spool_root: Path) -> Iterator[Path]:
    """`new_sub` for one test, emptied and removed afterwards."""
    sub = new_sub(spool_root)
    try:
        yield sub
    finally:
        for leftover in sub.iterdir():
            leftover.unlink()
        sub.rmdir()


def fake_item(sub: Path, name: str, audio: bytes) -> spool.SpoolItem:
    """A finished spool entry as the dialplan writes it."""
    (sub / f"{name}.ogg").write_bytes(audio)
    meta = sub / f"{name}.meta"
    meta.write_text(f"|file={name}.ogg|kind=queue|uniqueid={name}|linkedid={name[:-4]}"
                    f"|queue=general-enquiries|caller=021234567|started=1795990000"
                    "|agent=sim-agent-09|member=Local/7009@agents/n|ended=1795990060")  # fmt: skip
    (sub / f"{name}.done").touch()
    (item,) = [i for i in spool.finished(sub) if i.uniqueid == name]
    return item


async def recorded_call(
    ami: AmiClient,
    *,
    sub: Path,
    talk_s: int = 3,
    fmt: str = "ogg",
    caller: str | None = None,
    voice_s: int | None = None,
) -> spool.SpoolItem:
    """One answered simulated call recorded into `sub`; its finished spool item.

    Other sessions' tests log simulated agents in and out of the shared queues: a call
    nobody answered leaves a recording without audio, and is placed again. `voice_s`: the
    agent's media stops after that many seconds (the rest of the talk is silent).
    """
    agents = SimAgents(ami=ami, queue=QUEUE)
    for _ in range(ATTEMPTS):
        with contextlib.suppress(Exception):  # already a member: fine
            await agents.login(OUR_AGENT)
        await agents.unpause(OUR_AGENT)
        try:
            item = await _one_call(
                ami, sub=sub, talk_s=talk_s, fmt=fmt, caller=caller, voice_s=voice_s
            )
        finally:
            with contextlib.suppress(Exception):
                await agents.logout(OUR_AGENT)  # never left to answer other tests' calls
        if spool.duration_s(item.audio_path) > 0:
            return item
        item.remove()
    raise AssertionError(f"no answered call in {ATTEMPTS} attempts (queue {QUEUE} busy?)")


async def _one_call(
    ami: AmiClient, *, sub: Path, talk_s: int, fmt: str, caller: str | None, voice_s: int | None
) -> spool.SpoolItem:
    call_id = f"rec-{uuid.uuid4().hex[:10]}"
    caller = caller or f"08{random.randint(10000000, 99999999)}"
    response = await ami.action(
        {
            "Action": "Originate",
            "Channel": f"Local/{QUEUE}@callers",
            "Context": "callerphone", "Exten": "s", "Priority": "1",
            "ChannelId": call_id, "OtherChannelId": f"{call_id}-net",
            "CallerID": f'"{caller}" <{caller}>', "Timeout": "30000", "Async": "true",
            "Variable": [
                f"__SIM_CALLER={caller}", "SIM_TICKS=80", "__RING=1", f"__TALK={talk_s}",
                f"__CC_REC_SUB={sub.name}", f"__CC_REC_FORMAT={fmt}",
                *([f"__SIM_VOICE_S={voice_s}"] if voice_s is not None else []),
            ],
        },
        as_list=True,
    )  # fmt: skip
    last = response[-1] if isinstance(response, list) else response
    assert last.get("Response") in (None, "Success"), last

    def done() -> spool.SpoolItem | None:
        items = [i for i in spool.finished(sub) if i.uniqueid == f"{call_id}-net"]
        return items[0] if items else None

    return await poll(done, timeout_s=60 + talk_s, what=f"recording of {call_id} finished")


async def uploaded_call(
    app: FastAPI, settings: Settings, ami: AmiClient, *, caller: str
) -> tuple[Recording, str]:
    """A real recorded call uploaded into the stack's bucket: its catalogue row and sha256."""
    sub = new_sub(settings.spool_path)
    item = await recorded_call(ami, sub=sub, talk_s=2, caller=caller)
    sha = hashlib.sha256(item.audio_path.read_bytes()).hexdigest()
    uploader = Uploader(
        s3=app.state.services.s3, sessions=app.state.services.sessions, spool_dir=sub,
        bucket=settings.s3_bucket, retention_days=settings.retention_days,
    )  # fmt: skip
    state = await uploader.process(item)
    assert state == UploadState.verified, state
    async with app.state.services.sessions() as session:
        row = await service.by_uniqueid(session=session, uniqueid=item.uniqueid)
    assert row is not None
    sub.rmdir()
    return row, sha


@asynccontextmanager
async def simulator(settings: Settings) -> AsyncIterator[AmiClient]:
    """The simulator's AMI login for a module's fixtures (sim_ami is per test)."""
    ami = simulator_ami(settings, event_filter=TRACKED.__contains__)
    await ami.start()
    await ami.wait_connected(15)
    try:
        yield ami
    finally:
        await ami.stop()
