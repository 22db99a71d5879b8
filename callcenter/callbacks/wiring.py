"""Builds the callback parts for the app's lifespan (detector, scheduler, dialer)."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.ami.client import AmiClient
from callcenter.callbacks import rules
from callcenter.callbacks.detector import Detector
from callcenter.callbacks.dialer import DialConfig, Dialer
from callcenter.callbacks.service import Policy
from callcenter.centre import Centre
from callcenter.config import Settings
from queue_metrics.engine import Engine


def policy_of(settings: Settings) -> Policy:
    return Policy(
        window_s=settings.callback_window_s,
        offsets=tuple(rules.parse_offsets(settings.callback_retry_offsets_s)),
        number_pattern=settings.callback_number_pattern,
        short_abandon_s=settings.short_abandon_s,
    )


class Callbacks:
    """Start/stop as one part. Without an outgoing context tasks are tracked, never dialled."""

    def __init__(
        self,
        *,
        settings: Settings,
        sessions: async_sessionmaker[AsyncSession],
        engine: Engine,
        hub: Any,
        board: Any,
        layout: Centre,
        tz: str,
    ) -> None:
        self.policy = policy_of(settings)
        self.dialer: Dialer | None = None
        if settings.callback_out_context:
            self.dialer = Dialer(
                sessions=sessions,
                ami=_dialer_ami(settings),
                engine=engine,
                publish=hub.publish,
                policy=self.policy,
                scheduler_url=settings.sync_database_url,
                key=hashlib.sha256(settings.database_url.encode()).hexdigest()[:12],
                config=DialConfig(
                    out_context=settings.callback_out_context,
                    agent_ring_s=settings.callback_agent_ring_s,
                    customer_ring_s=settings.callback_customer_ring_s,
                    member_pattern=settings.callback_member_pattern,
                    tz=tz,
                    labels={q.name: (q.label_th, q.label_en) for q in layout.queues},
                ),
            )
        self.detector = Detector(
            sessions=sessions,
            policy=self.policy,
            on_due=self._due,
            on_closed=self._closed,
            on_summary=board.mark,
            interval_s=settings.callback_poll_s,
            soon_s=settings.callback_soon_s,
        )
        board.extras["callbacks"] = self.detector.board_section

    async def _due(self, task_id: int, when: datetime) -> None:
        if self.dialer is not None:
            await self.dialer.scheduler.at(task_id, when)

    async def _closed(self, task_id: int) -> None:
        if self.dialer is not None:
            await self.dialer.scheduler.forget(task_id)

    async def start(self) -> None:
        if self.dialer is not None:
            await self.dialer.start()
        await self.detector.start()

    async def stop(self) -> None:
        await self.detector.stop()
        if self.dialer is not None:
            await self.dialer.stop()


def _dialer_ami(settings: Settings) -> AmiClient:
    """The dialer's own AMI login: its Originates wait for the agent, its events are its own."""
    return AmiClient(
        host=settings.ami_host,
        port=settings.ami_port,
        username=settings.ami_user,
        secret=settings.ami_secret.get_secret_value(),
        ping_interval_s=settings.ami_ping_interval_s,
        watchdog_timeout_s=settings.ami_watchdog_timeout_s,
        action_timeout_s=settings.callback_agent_ring_s + 15.0,
        event_filter="UserEvent".__eq__,
    )
