"""The callback offer in the queue: "press 1 to be called back instead of waiting".

Asterisk plays the offer to a caller who has waited `callback_after_s` (ivr.toml [queues];
queues.conf periodic-announce, in the caller's language). Their key 1 reaches the service as an
AMI DTMFEnd; the service withdraws them (`QueueWithdrawCaller`: queue_log says WITHDRAW, the
call counts as `withdrawn`, not as an abandon) and creates the callback task at once (due now,
the usual 30-minute window, dialled by the callback dialer). The dialplan after Queue()
(QUEUESTATUS=WITHDRAW, [callback-confirm]) reads the number back, lets the caller key another
and says it in a UserEvent CallbackNumber, which changes the task's number.

DTMF events are never stored (a keyed phone number is personal data): only this part sees them.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ari_app.ivr import IVR_APP_VAR
from callcenter.ami.client import AmiClient
from callcenter.ami.translate import chan_var
from callcenter.callbacks import service as cb_service
from callcenter.db import transaction

log = logging.getLogger(__name__)

OFFER_KEY = "1"
WITHDRAW_INFO = "callback"
EARLY_S = 1.0  # a key this much before the offer's time still counts (the prompt's first words)
DTMF_EVENT = "DTMFEnd"

OnTask = Callable[[int, datetime], Awaitable[None]]


@dataclass
class _Waiting:
    queue: str
    channel: str
    number: str
    joined: float  # monotonic
    asked: bool = False


class CallbackOffer:
    """Follows callers waiting in queues with an offer; acts on their key 1."""

    def __init__(
        self,
        *,
        ami: AmiClient,
        sessions: async_sessionmaker[AsyncSession],
        policy: cb_service.Policy,
        after_s: dict[str, int],
        on_task: OnTask | None = None,
        clock: Callable[[], float] = time.monotonic,
        ivr_app: str | None = None,
    ) -> None:
        self._ami, self._sessions, self._policy = ami, sessions, policy
        # This service's Stasis app: callers another service's menu sent are that one's to
        # withdraw (two services on one Asterisk both hear the key; the tests run so).
        self._ivr_app = ivr_app
        self._after = {queue: s for queue, s in after_s.items() if s > 0}
        self._on_task, self._clock = on_task, clock
        self._waiting: dict[str, _Waiting] = {}  # Uniqueid → caller in a queue with an offer
        self._tasks: dict[str, int] = {}  # Uniqueid → callback task, until the confirmation
        self._running: set[asyncio.Task[None]] = set()
        self.requested = 0

    def handle(self, item: Any) -> None:
        """Every AMI event the consumer sees (sync: work is spawned)."""
        if not isinstance(item, dict):
            return
        kind, uid = item.get("Event", ""), item.get("Uniqueid", "")
        if kind == "QueueCallerJoin" and item.get("Queue") in self._after:
            menu = chan_var(item, IVR_APP_VAR)
            if menu and self._ivr_app and menu != self._ivr_app:
                return
            self._waiting[uid] = _Waiting(
                queue=item["Queue"], channel=item.get("Channel", ""),
                number=item.get("CallerIDNum", ""), joined=self._clock(),
            )  # fmt: skip
        elif kind in ("QueueCallerLeave", "QueueCallerAbandon"):
            self._waiting.pop(uid, None)
        elif kind == "Hangup":
            self._waiting.pop(uid, None)
            self._tasks.pop(uid, None)
        elif kind == DTMF_EVENT and item.get("Direction", "Received") == "Received":
            self._key(uid, item.get("Digit", ""))
        elif kind == "UserEvent" and item.get("UserEvent") == "CallbackNumber":
            task_id = self._tasks.pop(uid, None)
            if task_id is not None:
                self._spawn(self._confirmed(task_id, item.get("Number", "")))

    def _key(self, uid: str, digit: str) -> None:
        waiting = self._waiting.get(uid)
        if waiting is None or waiting.asked or digit != OFFER_KEY:
            return
        if self._clock() - waiting.joined < self._after[waiting.queue] - EARLY_S:
            return  # the offer has not been made yet: a stray key
        waiting.asked = True
        self._spawn(self._withdraw(uid, waiting))

    def _spawn(self, work: Awaitable[None]) -> None:
        task: asyncio.Task[None] = asyncio.ensure_future(work)
        self._running.add(task)
        task.add_done_callback(self._running.discard)

    async def _withdraw(self, uid: str, waiting: _Waiting) -> None:
        try:
            reply = await self._ami.action(
                {
                    "Action": "QueueWithdrawCaller",
                    "Queue": waiting.queue,
                    "Caller": waiting.channel,
                    "WithdrawInfo": WITHDRAW_INFO,
                }
            )
        except Exception as exc:
            log.warning("callback offer: withdrawing %s failed: %r", uid, exc)
            waiting.asked = False
            return
        if reply.get("Response") != "Success":
            # Answered or gone meanwhile: nothing is owed.
            log.info("callback offer: %s not withdrawn: %s", uid, reply.get("Message"))
            return
        async with transaction(self._sessions) as session:
            task = await cb_service.record_request(
                session=session, number=waiting.number, queue=waiting.queue, call_id=uid,
                policy=self._policy, at=datetime.now(UTC),
            )  # fmt: skip
            task_id, due, state = task.id, task.due_at, task.state
        self.requested += 1
        self._tasks[uid] = task_id
        if self._on_task is not None and state == "pending" and due is not None:
            await self._on_task(task_id, due)

    async def _confirmed(self, task_id: int, number: str) -> None:
        digits = "".join(c for c in number if c.isdigit())
        if not digits:
            return
        async with transaction(self._sessions) as session:
            await cb_service.change_number(
                session=session, task_id=task_id, number=digits, policy=self._policy
            )

    async def drain(self) -> None:
        """Wait for the withdrawals and number changes under way."""
        while self._running:
            await asyncio.gather(*self._running, return_exceptions=True)

    async def stop(self) -> None:
        for task in list(self._running):
            task.cancel()
        await asyncio.gather(*self._running, return_exceptions=True)
