"""Screen pops: a queue call ringing or connected to an agent, pushed to that agent only.

Fed by the single AMI consumer next to the live pipeline (main.py fans each
event out to both). `handle` is synchronous and cheap: the call's basic pop
(number, queue) is published at once on `agent:<member name>`; the caller's
history (previous queue calls and cases) follows from the database in a task.
Only members named like centre agents (agentNN) get pops: never a broadcast.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.ami.translate import chan_var
from callcenter.calls.models import QueueCall
from callcenter.cases import service as case_service
from callcenter.centre import Centre
from callcenter.publisher import Publisher

log = logging.getLogger(__name__)

AGENT_MEMBER = re.compile(r"^agent[0-9]{2,3}$")
STAGES = {
    "AgentCalled": "ringing",
    "AgentConnect": "connected",
    "AgentRingNoAnswer": "missed",
    "AgentComplete": "ended",
}
HISTORY_DAYS = 90
HISTORY_LIMIT = 10
KEEP_CALLS = 8  # per agent: the snapshot a reconnecting page gets
HISTORY_CALLS = 256  # calls whose caller history is kept for the next agent rung
# (linkedid, caller number) → {"dropped_at": epoch, ...} when the call is a callback, else None.
CallbackLookup = Callable[[str, str], Awaitable[Mapping[str, Any] | None]]


def topic(agent_id: str) -> str:
    return f"agent:{agent_id}"


class ScreenPop:
    """Publishes call pops and the caller's history to the answering agent's own topic."""

    def __init__(
        self,
        *,
        hub: Publisher,
        sessions: async_sessionmaker[AsyncSession],
        layout: Centre,
        callback_lookup: CallbackLookup | None = None,
    ) -> None:
        self._hub, self._sessions = hub, sessions
        self._labels = {q.name: (q.label_th, q.label_en) for q in layout.queues}
        self._callback_lookup = callback_lookup
        self._calls: dict[str, OrderedDict[str, dict[str, Any]]] = {}
        self._histories: OrderedDict[str, asyncio.Future[dict[str, Any]]] = OrderedDict()
        self._tasks: set[asyncio.Task[None]] = set()

    def snapshot(self, name: str) -> dict[str, Any]:
        """The agent's recent calls (with history once loaded), newest last."""
        agent = name.removeprefix("agent:")
        return {"kind": "calls", "calls": list(self._calls.get(agent, {}).values())}

    def handle(self, item: object) -> None:
        """Every AMI event (and resync snapshot) the consumer sees; only Agent* matter."""
        if not isinstance(item, dict):
            return
        stage = STAGES.get(item.get("Event", ""))
        agent = item.get("MemberName", "")
        if stage is None or not AGENT_MEMBER.match(agent):
            return
        pop = self._pop(item, stage)
        calls = self._calls.setdefault(agent, OrderedDict())
        known = calls.get(pop["call_id"])
        if known is not None:
            known.update(pop)
            pop = known
        else:
            calls[pop["call_id"]] = pop
            while len(calls) > KEEP_CALLS:
                calls.popitem(last=False)
        self._hub.publish(topic(agent), {"kind": "call", "call": dict(pop)})
        if stage == "ringing" and "history" not in pop:
            self._spawn(self._history(agent, pop))

    def _pop(self, h: Mapping[str, str], stage: str) -> dict[str, Any]:
        queue = h.get("Queue", "")
        th, en = self._labels.get(queue, (queue, queue))
        ts = _float(h.get("Timestamp")) or time.time()
        pop: dict[str, Any] = {
            "call_id": h.get("Linkedid") or h.get("Uniqueid", ""),
            "uniqueid": h.get("Uniqueid", ""),
            "stage": stage,
            "at": ts,
            "caller": h.get("CallerIDNum", ""),
            "caller_name": h.get("CallerIDName", ""),
            "queue": queue,
            "queue_th": th,
            "queue_en": en,
        }
        language = chan_var(h, "CC_LANG")  # chosen in the IVR; absent on a later event: kept
        if language:
            pop["language"] = language
        return pop

    def _spawn(self, coro: Awaitable[None]) -> None:
        task: asyncio.Task[None] = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _history(self, agent: str, pop: dict[str, Any]) -> None:
        try:
            history = dict(await asyncio.shield(self._history_of(pop)))
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("screen pop history for %s failed", agent)
            history = {"contacts": [], "cases": [], "callback": None, "error": True}
        pop["history"] = history
        self._hub.publish(topic(agent), {"kind": "call", "call": dict(pop)})

    def _history_of(self, pop: Mapping[str, Any]) -> asyncio.Future[dict[str, Any]]:
        """One database lookup per call: a queue rings agent after agent (rrmemory), and
        every agent rung for the same call gets the history the first one caused."""
        key = pop["call_id"]
        loading = self._histories.get(key)
        if loading is None or (
            loading.done() and (loading.cancelled() or loading.exception() is not None)
        ):
            loading = asyncio.ensure_future(self._load_history(pop))
            self._histories[key] = loading
            while len(self._histories) > HISTORY_CALLS:
                self._histories.popitem(last=False)
        return loading

    async def _load_history(self, pop: Mapping[str, Any]) -> dict[str, Any]:
        history = await self.history(caller=pop["caller"], exclude_call=pop["uniqueid"])
        if self._callback_lookup is not None:
            history["callback"] = await self._callback_lookup(pop["call_id"], pop["caller"])
        return history

    async def history(self, *, caller: str, exclude_call: str = "") -> dict[str, Any]:
        """The caller's previous queue calls (90 days) and cases, newest first."""
        if not caller or not any(c.isdigit() for c in caller):
            return {"contacts": [], "cases": [], "callback": None}
        since = datetime.now(UTC) - timedelta(days=HISTORY_DAYS)
        async with self._sessions() as session:
            rows = await session.scalars(
                select(QueueCall)
                .where(QueueCall.caller == caller, QueueCall.entered_at >= since)
                .where(QueueCall.call_id != exclude_call)
                .order_by(QueueCall.entered_at.desc())
                .limit(HISTORY_LIMIT)
            )
            contacts = [self._contact(r) for r in rows]
            cases = await case_service.for_caller(
                session=session, phone=caller, limit=HISTORY_LIMIT
            )
            case_rows = [_case(c) for c in cases]
        return {"contacts": contacts, "cases": case_rows, "callback": None}

    def _contact(self, row: QueueCall) -> dict[str, Any]:
        th, en = self._labels.get(row.queue, (row.queue, row.queue))
        return {
            "at": row.entered_at.timestamp(),
            "queue": row.queue,
            "queue_th": th,
            "queue_en": en,
            "outcome": row.outcome,
            "agent": row.agent,
            "talk_s": row.talk_s,
        }

    async def stop(self) -> None:
        pending = list(self._tasks) + [f for f in self._histories.values() if not f.done()]
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)


def _case(case: Any) -> dict[str, Any]:
    return {
        "id": case.id,
        "number": case.number,
        "status": case.status,
        "service_line": case.service_line,
        "created_at": case.created_at.timestamp(),
    }


def _float(raw: str | None) -> float | None:
    try:
        return float(raw) if raw else None
    except ValueError:
        return None


def fan_out(*handlers: Callable[[Any], None]) -> Callable[[Any], None]:
    """One consumer callback calling each handler in turn; a failing extra never stops the rest."""
    first, rest = handlers[0], handlers[1:]

    def handle(item: Any) -> None:
        for extra in rest:
            try:
                extra(item)
            except Exception:
                log.exception("AMI event subscriber failed")
        first(item)

    return handle
