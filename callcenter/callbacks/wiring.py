"""Builds the callback parts for the app's lifespan (detector, scheduler, dialer)."""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.ami.client import AmiClient
from callcenter.callbacks import rules
from callcenter.callbacks.detector import Detector
from callcenter.callbacks.dialer import DialConfig, Dialer
from callcenter.callbacks.offer import CallbackOffer
from callcenter.callbacks.service import Policy
from callcenter.centre import Centre
from callcenter.config import Settings
from callcenter.live.wallboard import Wallboard
from callcenter.publisher import Publisher
from queue_metrics.engine import MetricsEngine


def policy_of(settings: Settings) -> Policy:
    return Policy(
        window_s=settings.callback_window_s,
        offsets=tuple(rules.parse_offsets(settings.callback_retry_offsets_s)),
        number_pattern=settings.callback_number_pattern,
        short_abandon_s=settings.short_abandon_s,
    )


class Callbacks:
    """Start/stop as one part. Without an outgoing context tasks are tracked, never dialled.

    `dialer_ami` is the dialer's own AMI login (built in main.py): its Originates wait for the
    agent to answer and only UserEvents reach it."""

    def __init__(
        self,
        *,
        settings: Settings,
        sessions: async_sessionmaker[AsyncSession],
        metrics: MetricsEngine,
        hub: Publisher,
        wallboard: Wallboard,
        layout: Centre,
        tz: str,
        dialer_ami: AmiClient | None,
        ami: AmiClient | None = None,
        offer_after_s: dict[str, int] | None = None,
    ) -> None:
        self.policy = policy_of(settings)
        self.dialer: Dialer | None = None
        if settings.callback_out_context and dialer_ami is not None:
            self.dialer = Dialer(
                sessions=sessions,
                ami=dialer_ami,
                metrics=metrics,
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
            on_summary=wallboard.mark,
            interval_s=settings.callback_poll_s,
            soon_s=settings.callback_soon_s,
        )
        # The offer in the queue (key 1: withdrawn, a task at once) rides the service's AMI login.
        self.offer: CallbackOffer | None = None
        if ami is not None and offer_after_s:
            self.offer = CallbackOffer(
                ami=ami, sessions=sessions, policy=self.policy, after_s=offer_after_s,
                on_task=self._due, ivr_app=settings.ari_app,
            )  # fmt: skip
        wallboard.add_section("callbacks", self.detector.board_section)
        wallboard.set_owed(self.detector.owes)

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

    def handle(self, item: object) -> None:
        """AMI events for the callback offer."""
        if self.offer is not None:
            self.offer.handle(item)

    async def stop(self) -> None:
        if self.offer is not None:
            await self.offer.stop()
        await self.detector.stop()
        if self.dialer is not None:
            await self.dialer.stop()
