"""ARI over httpx (REST) and websockets (events), supervised: reconnect with backoff."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import random
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

import httpx
from websockets.asyncio.client import connect

from callcenter.background import Background

log = logging.getLogger(__name__)

AriEvent = dict[str, Any]
AriHandler = Callable[[AriEvent], Awaitable[None]]


REGISTERED = "AppRegistered"  # our own event: the websocket is up, the app registered


class AriClient(Background):
    """Registers the Stasis app by holding its events websocket; REST calls through httpx."""

    task_name = "ari-events"

    def __init__(
        self,
        *,
        base_url: str,
        user: str,
        password: str,
        app: str,
        backoff_max_s: float = 5.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.app = app
        self._auth = (user, password)
        self._backoff_max = backoff_max_s
        self.http = httpx.AsyncClient(base_url=self.base_url, auth=self._auth, timeout=5.0)
        self._handlers: list[AriHandler] = []
        self.connected = False
        self.last_error: str | None = None

    def on_event(self, handler: AriHandler) -> None:
        """Every Stasis event is passed to `handler`, in order, one at a time."""
        self._handlers.append(handler)

    def off_event(self, handler: AriHandler) -> None:
        """Stop passing events to `handler` (tests that listen for a while)."""
        if handler in self._handlers:
            self._handlers.remove(handler)

    def events_url(self) -> str:
        parts = urlsplit(self.base_url)
        scheme = "wss" if parts.scheme == "https" else "ws"
        query = urlencode({"app": self.app, "subscribeAll": "false"})
        return urlunsplit((scheme, parts.netloc, parts.path + "/events", query, ""))

    async def _stopped(self) -> None:
        await self.http.aclose()

    async def request(self, method: str, path: str, **params: Any) -> Any:
        """One REST call; raises httpx.HTTPStatusError on a 4xx/5xx answer."""
        response = await self.http.request(method, path, params=params or None)
        response.raise_for_status()
        return response.json() if response.content else None

    async def _run(self) -> None:
        attempt = 0
        token = base64.b64encode(":".join(self._auth).encode()).decode()
        while True:
            try:
                async with connect(
                    self.events_url(),
                    additional_headers={"Authorization": f"Basic {token}"},
                    proxy=None,
                    ping_interval=5,
                    ping_timeout=10,
                    open_timeout=5,
                ) as ws:
                    self.connected, self.last_error, attempt = True, None, 0
                    log.info("ARI app %r registered at %s", self.app, self.base_url)
                    # Handlers may take over what the app held before (a restart, a blip).
                    await self._dispatch({"type": REGISTERED, "application": self.app})
                    async for raw in ws:
                        await self._dispatch(json.loads(raw))
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self.last_error = f"{type(exc).__name__}: {exc}"
                log.warning("ARI events: %s", self.last_error)
            finally:
                self.connected = False
            attempt += 1
            await asyncio.sleep(
                min(self._backoff_max, 0.25 * 2**attempt) * random.uniform(0.8, 1.2)
            )

    async def _dispatch(self, event: AriEvent) -> None:
        for handler in self._handlers:
            try:
                await handler(event)
            except Exception:
                log.exception("ARI handler failed on %s", event.get("type"))
