"""A service of its own for IVR tests: its own Stasis app (other services on the shared
Asterisk register `callcenter`), a short menu, short tone prompts in the chroot; and what its
callers heard."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import subprocess
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
from fastapi import FastAPI
from sqlalchemy import text

from ari_app.client import AriEvent
from callcenter import ivrconf
from callcenter.ami.translate import chan_var
from callcenter.config import Settings
from callcenter.main import create_app
from tests.helpers import poll

SHORT_MENU = """
[ivr]
tries = 2
timeout_s = 1.5
[language]
prompt = "language"
timeout_s = 1.5
keys = { "9" = "en" }
[menus.main]
prompt = "main-menu"
"""


TONE_PROMPTS = ("welcome", "language", "main-menu", "invalid", "announce-scam-wave")
# The case-status sub-menu's prompts ("track an existing complaint") and the digits it reads back.
CASE_PROMPTS = (
    "case-enter", "case-unknown", "case-number-is", "case-agent-offer",
    *(ivrconf.status_prompt(s) for s in ivrconf.CASE_STATUSES), *ivrconf.DIGIT_PROMPTS,
)  # fmt: skip


@contextlib.asynccontextmanager
async def ivr_service(
    settings: Settings,
    conf: Path,
    *,
    menu: str = SHORT_MENU,
    prompts: tuple[str, ...] = TONE_PROMPTS,
) -> AsyncIterator[FastAPI]:
    """The service under a Stasis app name of its own ("cc-ivr-…"): calls name it in ARI_APP
    (or the carrier trunk's X-CC-Test-App header). Its menu waits 1.5 s for a key; its prompts
    are short tones of their own in the chroot."""
    tag = uuid.uuid4().hex[:8]
    for name in ("centre.toml", "prompts.toml"):
        shutil.copy(settings.conf_dir / name, conf / name)
    (conf / "ivr.toml").write_text(menu)
    folder = settings.asterisk_root / f"usr/share/asterisk/sounds/cc-ivr-{tag}"
    for prompt in prompts:
        for lang in ("th", "en"):
            (folder / lang).mkdir(parents=True, exist_ok=True)
            tone = [
                "sox", "-n", "-r", "8000", "-c", "1", "-b", "16",
                str(folder / lang / f"{prompt}.wav"), "synth", "0.3", "sine", "440",
            ]  # fmt: skip
            await asyncio.to_thread(subprocess.run, tone, check=True)
    own = settings.model_copy(
        update={"ari_app": f"cc-ivr-{tag}", "conf_dir": conf, "prompts_dir": folder}
    )
    application = create_app(own)
    try:
        async with application.router.lifespan_context(application):
            yield application
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextlib.asynccontextmanager
async def ari_events_of(app: FastAPI) -> AsyncIterator[list[AriEvent]]:
    """Every event the service's Stasis app receives meanwhile."""
    await poll(lambda: app.state.services.ari.connected, timeout_s=20, what="ARI app registered")
    seen: list[AriEvent] = []

    async def keep(event: AriEvent) -> None:
        seen.append(event)

    app.state.services.ari.on_event(keep)
    try:
        yield seen
    finally:
        app.state.services.ari.off_event(keep)


async def joined_queue(app: FastAPI, uniqueid: str) -> str:
    async def joined() -> str | None:
        async with app.state.services.db_engine.connect() as conn:
            row = await conn.execute(
                text(
                    "SELECT queue FROM ami_events WHERE event = 'QueueCallerJoin' "
                    "AND headers->>'Uniqueid' = :u"
                ),
                {"u": uniqueid},
            )
            found = row.scalar()
            return str(found) if found else None

    return await poll(joined, timeout_s=10, what="QueueCallerJoin stored")


async def ami_language(app: FastAPI, uniqueid: str) -> str | None:
    """CC_LANG as the stored QueueCallerJoin of this channel carried it (manager.conf
    channelvars; the AMI client joins several with commas)."""
    async with app.state.services.db_engine.connect() as conn:
        row = await conn.execute(
            text(
                "SELECT headers FROM ami_events WHERE event = 'QueueCallerJoin' "
                "AND headers->>'Uniqueid' = :u"
            ),
            {"u": uniqueid},
        )
        headers = row.scalar()
    return chan_var(headers, "CC_LANG") if headers else None


def prompts_played(events: list[AriEvent], channel_id: str) -> list[str]:
    """The prompts a caller heard, as lang/id, in order."""
    return [
        "/".join(e["playback"]["media_uri"].split("/")[-2:])
        for e in of_channel(events, channel_id, "PlaybackStarted")
    ]


async def language_of(app: FastAPI, channel_id: str) -> str | None:
    try:
        found = await app.state.services.ari.request(
            "GET", f"/channels/{channel_id}/variable", variable="CC_LANG"
        )
    except httpx.HTTPError:
        return None
    return str(found.get("value") or "") or None


def of_channel(
    events: list[AriEvent], channel_id: str, kind: str, *, any_channel: bool = False
) -> list[AriEvent]:
    out = []
    for event in events:
        target = event.get("channel", {}).get("id") or event.get("playback", {}).get(
            "target_uri", ""
        ).removeprefix("channel:")
        if event.get("type") == kind and (any_channel or target == channel_id):
            out.append(event)
    return out
