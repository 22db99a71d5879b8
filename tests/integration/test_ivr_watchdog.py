"""A caller in the IVR whose service goes quiet (killed, hung) is not held in silence: the
channel's absolute timeout, renewed by the service at every step, takes them out of the Stasis
app to the dialplan IVR (extensions.conf [inbound] T)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import uuid
from typing import Any

import httpx
import pytest
import websockets

from callcenter.config import Settings
from tests.helpers import poll

pytestmark = pytest.mark.integration


async def test_a_caller_held_by_a_silent_service_moves_on_to_the_dialplan_ivr(
    stack_status: dict[str, Any], settings: Settings
) -> None:
    """A Stasis app that registers and then does nothing stands for the hung service. The
    caller's channel leaves it when the watchdog fires (3 s here: CC_WATCHDOG_S, 45 s by
    default) and is in the dialplan IVR's menu, not in silence and not hung up."""
    app = f"cc-ivr-quiet{uuid.uuid4().hex[:6]}"
    auth = (settings.ari_user, settings.ari_password.get_secret_value())
    events: list[dict[str, Any]] = []
    base = settings.ari_url.replace("http", "ws", 1)
    url = f"{base}/events?app={app}&api_key={auth[0]}:{auth[1]}"

    async def listen(ws: Any) -> None:
        async for raw in ws:
            events.append(json.loads(raw))

    async with websockets.connect(url) as ws, httpx.AsyncClient(auth=auth, timeout=10) as http:
        reader = asyncio.create_task(listen(ws))
        try:
            made = await http.post(
                f"{settings.ari_url}/channels",
                params={"endpoint": "Local/1212@inbound", "app": app, "appArgs": "caller"},
                json={"variables": {"ARI_APP": app, "CC_WATCHDOG_S": "3"}},
            )
            assert made.status_code == 200, made.text
            started = time.monotonic()

            def in_ivr_app() -> dict[str, Any] | None:
                return next((e for e in events if e.get("type") == "StasisStart"
                             and e.get("args") == ["ivr"]), None)  # fmt: skip

            entered = await poll(in_ivr_app, timeout_s=15, what="the caller in the IVR app")
            caller = entered["channel"]["id"]

            def left() -> bool:
                return any(e.get("type") == "StasisEnd" and e["channel"]["id"] == caller
                           for e in events)  # fmt: skip

            await poll(left, timeout_s=30, what="the watchdog taking the caller out")
            assert time.monotonic() - started >= 2.5  # not before the watchdog's time

            async def in_dialplan_ivr() -> bool:
                found = await http.get(f"{settings.ari_url}/channels/{caller}")
                return found.status_code == 200 and found.json()["dialplan"]["context"] == "ivr"

            await poll(in_dialplan_ivr, timeout_s=10, what="the caller in the dialplan IVR")
        finally:
            reader.cancel()
            for channel in (await http.get(f"{settings.ari_url}/channels")).json():
                if channel["name"].startswith("Local/1212@inbound") and app in json.dumps(channel):
                    with contextlib.suppress(httpx.HTTPError):
                        await http.delete(f"{settings.ari_url}/channels/{channel['id']}")
