"""FastAPI application and its lifespan: the only place that builds clients."""

from __future__ import annotations

import gc
import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from agent_ui import pages
from agent_ui.hub import Hub
from agent_ui.ws import agent_socket, chat_socket, wallboard_socket
from ari_app.client import AriClient
from ari_app.ivr import Ivr
from ari_app.menu import PromptFiles
from callcenter import __version__, centre, ivrconf
from callcenter.alerts import service as alert_service
from callcenter.alerts.router import router as alerts_router
from callcenter.ami.client import AmiClient
from callcenter.ami.consumer import AmiConsumer
from callcenter.ami.events import is_queue_event, is_service_event
from callcenter.ami.store import EventWriter
from callcenter.callbacks.popup import owed_lookup
from callcenter.callbacks.router import router as callbacks_router
from callcenter.callbacks.wiring import Callbacks
from callcenter.calls import service as calls_service
from callcenter.cases import service as case_service
from callcenter.cases.router import router as cases_router
from callcenter.chat.board import ChatBoard
from callcenter.chat.desk import ChatDesk
from callcenter.chat.line_client import Outcome as LineOutcome
from callcenter.chat.router import public as chat_public
from callcenter.chat.router import router as chat_router
from callcenter.chat.router import webhooks as chat_webhooks
from callcenter.config import Settings, get_settings
from callcenter.csat.service import CsatRecorder
from callcenter.db import make_db_engine, make_sessionmaker
from callcenter.desk import service as desk_service
from callcenter.desk.router import router as desk_router
from callcenter.desk.screenpop import ScreenPop, fan_out
from callcenter.errors import install_handlers
from callcenter.guards import Guards, page_policy
from callcenter.health.router import router as health_router
from callcenter.ivrcalls.service import IvrRecorder
from callcenter.kpi import service as kpi_service
from callcenter.kpi.router import router as kpi_router
from callcenter.live.pipeline import LivePipeline
from callcenter.live.records import RecordBook, RecordWriter
from callcenter.live.router import router as live_router
from callcenter.live.wallboard import TOPIC as WALLBOARD_TOPIC
from callcenter.live.wallboard import Wallboard
from callcenter.prompts.announcement import Announcement
from callcenter.prompts.router import MAX_UPLOAD_BYTES as PROMPT_UPLOAD_MAX
from callcenter.prompts.router import announcement_router
from callcenter.prompts.router import router as prompts_router
from callcenter.reconcile.service import Reconciler
from callcenter.reports import sources as report_sources
from callcenter.reports import wiring as report_wiring
from callcenter.reports.overdue import OverduePacks
from callcenter.reports.router import router as reports_router
from callcenter.services import Services
from callcenter.social import poller as social_poller
from callcenter.social import publishing as social_publishing
from callcenter.social import spikes as social_spikes
from callcenter.social.calendar_router import digests as social_digests_router
from callcenter.social.calendar_router import reports as social_reports_router
from callcenter.social.calendar_router import router as social_calendar_router
from callcenter.social.line_broadcast import BroadcastError
from callcenter.social.router import router as social_router
from callcenter.staffing.board import StaffingBoard
from callcenter.supervise.router import router as supervise_router
from callcenter.users.ratelimit import LoginLimiter
from callcenter.users.router import router as users_router
from queue_metrics.engine import MetricsEngine
from recordings.router import router as recordings_router
from recordings.storage import make_minio
from recordings.uploader import build_uploader

log = logging.getLogger(__name__)

BOOK_DAYS = 2  # records kept in memory for today's and the last hour's live figures


def _build_ami(
    settings: Settings,
    *,
    event_filter: Callable[[str], bool] = is_service_event,
    action_timeout_s: float = 10.0,
) -> AmiClient:
    return AmiClient(
        host=settings.ami_host,
        port=settings.ami_port,
        username=settings.ami_user,
        secret=settings.ami_secret.get_secret_value(),
        ping_interval_s=settings.ami_ping_interval_s,
        watchdog_timeout_s=settings.ami_watchdog_timeout_s,
        event_filter=event_filter,
        action_timeout_s=action_timeout_s,
    )


def _case_status(sessions: async_sessionmaker[AsyncSession]) -> Callable[[str], Any]:
    """The IVR's case-status look-up (read-only): a keyed case number → its status or None."""

    async def status(digits: str) -> str | None:
        async with sessions() as session:
            return await case_service.status_by_keyed_number(session=session, digits=digits)

    return status


def _build_ari(
    settings: Settings,
    layout: centre.Centre,
    announcement: Announcement,
    sessions: async_sessionmaker[AsyncSession],
    recorder: IvrRecorder,
) -> tuple[AriClient, Ivr]:
    ari = AriClient(
        base_url=settings.ari_url,
        user=settings.ari_user,
        password=settings.ari_password.get_secret_value(),
        app=settings.ari_app,
    )
    menu = ivrconf.load(settings.conf_dir, layout)  # a broken menu stops the start, named
    ivr = Ivr(
        ari=ari,
        config=menu,
        prompts=PromptFiles(settings.prompts_path),
        announcement=lambda: announcement.current,
        case_status=_case_status(sessions),
        on_leave=recorder.record,
    )
    ari.on_event(ivr.handle)
    return ari, ivr


def _figures_only(handle: Callable[[Any], None]) -> Callable[[Any], None]:
    """The live pipeline (stored, counted) gets the figures' events, not the callers' keys."""

    def only(item: Any) -> None:
        if not isinstance(item, dict) or is_queue_event(item.get("Event", "")):
            handle(item)

    return only


def _dialer_ami(settings: Settings) -> AmiClient | None:
    """The callback dialer's own login (only UserEvents; Originates wait for the agent)."""
    if not settings.callback_out_context:
        return None
    return _build_ami(
        settings,
        event_filter="UserEvent".__eq__,
        action_timeout_s=settings.callback_agent_ring_s + 15.0,
    )


async def _seed_book(sessions: async_sessionmaker[AsyncSession], book: RecordBook) -> None:
    """Today's stored calls, so live figures survive a restart of the service."""
    start = datetime.fromtimestamp(time.time() - BOOK_DAYS * 86400, tz=UTC)
    async with sessions() as session:
        records = await calls_service.between(session=session, start=start, end=datetime.now(UTC))
    for record in records:
        book.put(record)


def _snapshot(topic: str, pops: ScreenPop, wallboard: Wallboard) -> dict[str, Any]:
    """A new subscriber's first frame: its agent's pops, the board, or nothing (never the
    board for a topic that is not the board's)."""
    if topic.startswith("agent:"):
        return pops.snapshot(topic)
    return wallboard.snapshot(topic) if topic == WALLBOARD_TOPIC else {}


class ChatLineBroadcaster:
    """The social desk's LINE posts and digests through the chat desk's LINE client: one
    official account, one client (social.line_broadcast.LineBroadcaster)."""

    def __init__(self, desk: ChatDesk) -> None:
        self._desk = desk

    async def broadcast(self, text: str, image_url: str | None, *, retry_key: str) -> str:
        result = await self._desk.line_broadcast(text, image_url, retry_key=retry_key)
        if result.outcome is not LineOutcome.delivered:
            raise BroadcastError(f"LINE broadcast: {result.outcome.value} {result.detail}")
        return result.detail or "accepted"


def _social_line(settings: Settings, chat: ChatDesk) -> ChatLineBroadcaster | None:
    """The chat desk's LINE when it has an account (else the social desk's own, if set)."""
    return (
        ChatLineBroadcaster(chat) if settings.line_channel_access_token.get_secret_value() else None
    )


async def _build(settings: Settings) -> Services:
    """Every part of the service, wired; nothing started yet."""
    layout = centre.load(settings.conf_dir)
    config = kpi_service.metrics_config(
        layout, sl_threshold_s=settings.sl_threshold_s, short_abandon_s=settings.short_abandon_s
    )
    db_engine = make_db_engine(settings.database_url)
    sessions, s3 = make_sessionmaker(db_engine), make_minio(settings)
    metrics, book = MetricsEngine(config=config), RecordBook()
    await _seed_book(sessions, book)
    hub = Hub(lambda t: _snapshot(t, pops, wallboard))
    pops = ScreenPop(
        hub=hub, sessions=sessions, layout=layout, callback_lookup=owed_lookup(sessions)
    )
    wallboard = Wallboard(metrics=metrics, book=book, config=config, layout=layout, hub=hub)
    events = EventWriter(db_engine=db_engine, journal=settings.event_journal)
    records = RecordWriter(sessions=sessions)
    pipeline = LivePipeline(
        metrics=metrics, events=events, records=records, book=book, on_changes=wallboard.changed
    )
    announcement = Announcement(sessions)
    await announcement.load()
    ivr_calls = IvrRecorder(sessions)
    ari, ivr = _build_ari(settings, layout, announcement, sessions, ivr_calls)
    ami = _build_ami(settings)
    staffing = StaffingBoard(
        sessions=sessions, config=config,
        rules=replace(report_sources.staffing_rules(settings), interval_min=15),
    )  # fmt: skip
    wallboard.add_section("staffing", staffing.section)
    csat = CsatRecorder(sessions, on_change=wallboard.mark)
    wallboard.add_section("csat", csat.board_section)
    chat = ChatDesk(settings=settings, sessions=sessions, publisher=hub, s3=s3)
    chat_board = ChatBoard(sessions=sessions, sla=chat.sla, tz=config.tz)
    wallboard.add_section("chat", chat_board.section)
    return Services(
        layout=layout, metrics_config=config, db_engine=db_engine, sessions=sessions, s3=s3,
        login_limiter=LoginLimiter.from_settings(settings), ami=ami, ari=ari,
        ivr=ivr, ivr_calls=ivr_calls, announcement=announcement, hub=hub, metrics=metrics,
        book=book,
        wallboard=wallboard, screen_pops=pops,
        event_writer=events, record_writer=records, pipeline=pipeline,
        reconciler=Reconciler(
            settings=settings, sessions=sessions, config=config, book=book, wallboard=wallboard
        ),
        alerts=alert_service.build(
            settings=settings, wallboard=wallboard, sessions=sessions,
            extra=[
                *social_spikes.checks(settings=settings, sessions=sessions),
                OverduePacks(sessions),
            ],
        ),
        callbacks=Callbacks(
            settings=settings, sessions=sessions, metrics=metrics, hub=hub, wallboard=wallboard,
            layout=layout, tz=config.tz, dialer_ami=_dialer_ami(settings), ami=ami,
            offer_after_s={q: ivr.config.in_queue(q).callback_after_s for q in layout.queue_names},
        ),
        uploader=build_uploader(settings=settings, s3=s3, sessions=sessions),
        chat=chat,
        social_poller=social_poller.build(settings=settings, sessions=sessions),
        social_publishing=social_publishing.build(
            settings=settings, sessions=sessions, s3=s3, line=_social_line(settings, chat)
        ),
        staffing=staffing,
        csat=csat,
        chat_board=chat_board,
        reports=report_wiring.build(settings=settings, sessions=sessions, s3=s3, config=config),
    )  # fmt: skip


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    parts = app.state.services = await _build(app.state.settings)
    # Screen pops ride along the one AMI consumer, next to the live pipeline.
    handle = fan_out(
        _figures_only(parts.pipeline.handle), parts.screen_pops.handle, parts.callbacks.handle,
        parts.csat.handle,
    )  # fmt: skip
    consumer = AmiConsumer(client=parts.ami, handle=handle, tick=parts.pipeline.tick)
    async with AsyncExitStack() as stack:
        for part in (
            parts.event_writer, parts.record_writer, parts.wallboard, consumer, parts.ami,
            parts.ari, parts.reconciler, parts.alerts, parts.callbacks, parts.uploader, parts.chat,
            parts.social_poller, parts.social_publishing, parts.reports, parts.staffing,
            parts.csat, parts.ivr_calls,
            parts.chat_board,
        ):  # fmt: skip
            if part is not None:
                await part.start()
                stack.push_async_callback(part.stop)
        stack.push_async_callback(parts.db_engine.dispose)
        stack.push_async_callback(parts.screen_pops.stop)  # its history lookups end before the pool
        # What startup built lives as long as the service: full collections need not scan it
        # (one that did stalled every wallboard for 180 ms in benchmarks/wallboard.py).
        gc.freeze()
        yield


def create_app(settings: Settings | None = None) -> FastAPI:
    """The service: API, pages, websockets; background clients start in the lifespan."""
    app = FastAPI(
        title="1212 contact centre",
        version=__version__,
        lifespan=lifespan,
        openapi_url="/openapi.json",
        # FastAPI's own pages load Swagger UI and ReDoc from a CDN with an inline script:
        # /docs is served by agent_ui.pages from files installed with the package instead.
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings or get_settings()
    install_handlers(app)
    # Pages talk to this origin, and the desk's softphone to Asterisk's SIP websocket.
    csp = page_policy(connect=desk_service.ws_url(app.state.settings))
    upload_max = app.state.settings.case_attachment_max_bytes
    proxies = app.state.settings.trusted_proxies
    app.add_middleware(
        Guards, upload_max=upload_max, asset_max=app.state.settings.social_asset_max_bytes,
        prompt_max=PROMPT_UPLOAD_MAX, csp=csp, trusted_proxies=proxies,
    )  # fmt: skip
    app.include_router(health_router)
    app.include_router(users_router)
    app.include_router(kpi_router)
    app.include_router(prompts_router)
    app.include_router(announcement_router)
    app.include_router(live_router)
    app.include_router(callbacks_router)
    app.include_router(cases_router)
    app.include_router(chat_router)
    app.include_router(chat_webhooks)
    app.include_router(chat_public)
    app.include_router(recordings_router)
    app.include_router(desk_router)
    app.include_router(supervise_router)
    app.include_router(alerts_router)
    app.include_router(social_router)
    app.include_router(social_calendar_router)
    app.include_router(social_digests_router)
    app.include_router(social_reports_router)
    app.include_router(reports_router)
    app.include_router(pages.router)
    app.include_router(wallboard_socket())
    app.include_router(agent_socket())
    app.include_router(chat_socket())
    app.mount("/static", pages.static_files(), name="static")
    app.mount("/docs-assets", pages.swagger_files(), name="docs-assets")
    return app
