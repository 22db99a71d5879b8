"""Real SIP callers (SIPp) through the carrier trunk into a test service's own IVR."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from sqlalchemy import text

from ari_app.client import AriEvent
from callcenter.simulate import sipp
from tests.helpers import poll

SCENARIOS = Path(__file__).resolve().parent.parent / "fixtures" / "sipp"


def keyed_scenario(folder: Path, keys: str, *, gap_ms: int = 400, hold_ms: int = 6000) -> Path:
    """A scenario (keyed-then-hangup.xml) whose caller presses `keys` one after another, each
    `gap_ms` apart (the first a second after the answer), listens `hold_ms`, then hangs up."""
    template = (SCENARIOS / "keyed-then-hangup.xml").read_text()
    presses = []
    for slot, key in enumerate(keys, start=1):
        name = {"*": "star", "#": "pound"}.get(key, key)
        presses.append(
            f'  <nop><action><exec play_pcap_audio="dtmf/{slot}-{name}.pcap"/></action></nop>\n'
            f'  <pause milliseconds="{gap_ms}"/>'
        )
    text = template.replace("<!--KEYS-->", "\n".join(presses)).replace("HOLD_MS", str(hold_ms))
    path = folder / "keyed.xml"
    path.write_text(text)
    return path


async def ivr_row(app: FastAPI, uniqueid: str) -> dict[str, Any]:
    """The stored IVR path (ivr_calls) of a caller channel."""

    async def stored() -> dict[str, Any] | None:
        async with app.state.services.db_engine.connect() as conn:
            row = await conn.execute(
                text("SELECT * FROM ivr_calls WHERE call_id = :u"), {"u": uniqueid}
            )
            found = row.mappings().first()
            return dict(found) if found else None

    return await poll(stored, timeout_s=30, what="IVR path stored")


def caller_number() -> str:
    """A Thai mobile number of its own for one test call."""
    return "08" + str(uuid.uuid4().int)[:8]


async def call(
    app: FastAPI,
    scenario: str,
    workdir: Path,
    *,
    number: str | None = None,
    stasis_app: str | None = None,
) -> tuple[str, sipp.SippResult]:
    """One SIPp call of `scenario` (tests/fixtures/sipp/) to 1212, handed to `app`'s IVR (or
    to `stasis_app`); the caller's number and SIPp's result (every step of the scenario done)."""
    number = number or caller_number()
    result = await sipp.place(
        SCENARIOS / scenario,
        callers=[(number, stasis_app or app.state.settings.ari_app)],
        workdir=workdir,
        timeout_s=120,
    )
    assert result.ok, f"SIPp: {result.stdout}\n{result.errors}"
    return number, result


def stasis_channel(events: list[AriEvent], number: str) -> str:
    """The channel id of the carrier call from `number` the IVR took."""
    for event in events:
        channel = event.get("channel", {})
        if event.get("type") == "StasisStart" and channel.get("caller", {}).get("number") == number:
            assert str(channel.get("name", "")).startswith("PJSIP/carrier-"), channel
            return str(channel["id"])
    raise AssertionError(f"no StasisStart from {number}")


async def stored_call(app: FastAPI, uniqueid: str) -> dict[str, Any]:
    """The stored call record (queue_calls) of a caller channel once it has an outcome."""

    async def ended() -> dict[str, Any] | None:
        await app.state.services.record_writer.flush()
        async with app.state.services.db_engine.connect() as conn:
            row = await conn.execute(
                text(
                    "SELECT queue, caller, outcome, agent, wait_s, talk_s FROM queue_calls "
                    "WHERE call_id = :u AND outcome IS NOT NULL"
                ),
                {"u": uniqueid},
            )
            found = row.mappings().first()
            return dict(found) if found else None

    return await poll(ended, timeout_s=30, what=f"call record of {uniqueid}")


async def ami_events_of(app: FastAPI, uniqueid: str) -> list[str]:
    """The stored AMI events of one call (its linkedid: the caller's channel), in order."""
    async with app.state.services.db_engine.connect() as conn:
        rows = await conn.execute(
            text("SELECT event FROM ami_events WHERE linkedid = :u ORDER BY event_ts, id"),
            {"u": uniqueid},
        )
        return [str(r[0]) for r in rows]


async def callback_task_of(app: FastAPI, number: str) -> dict[str, Any]:
    """The callback task of a caller's number, with the end of their queue call."""
    async with app.state.services.db_engine.connect() as conn:
        row = await conn.execute(
            text(
                "SELECT t.origin, t.queue, t.callable, t.state, t.created_at, t.due_at, "
                "(SELECT max(c.ended_at) FROM queue_calls c WHERE c.caller = t.number) "
                "AS call_ended_at FROM callback_tasks t WHERE t.number = :n"
            ),
            {"n": number},
        )
        found = row.mappings().one()
        return dict(found)


async def confirmed_number(app: FastAPI, uniqueid: str) -> str | None:
    """The number the caller confirmed after the read-back (UserEvent CallbackNumber)."""

    async def stored() -> str | None:
        async with app.state.services.db_engine.connect() as conn:
            row = await conn.execute(
                text(
                    "SELECT headers->>'Number' FROM ami_events WHERE event = 'UserEvent' "
                    "AND headers->>'UserEvent' = 'CallbackNumber' AND uniqueid = :u"
                ),
                {"u": uniqueid},
            )
            return row.scalar()

    return await poll(stored, timeout_s=30, what="UserEvent CallbackNumber stored")


async def csat_of(app: FastAPI, uniqueid: str) -> dict[str, Any]:
    """The stored CSAT answer of a caller channel."""

    async def stored() -> dict[str, Any] | None:
        async with app.state.services.db_engine.connect() as conn:
            row = await conn.execute(
                text("SELECT * FROM csat_responses WHERE call_id = :u"), {"u": uniqueid}
            )
            found = row.mappings().first()
            return dict(found) if found else None

    return await poll(stored, timeout_s=30, what="CSAT answer stored")
