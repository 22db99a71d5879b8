"""FastAPI application and its lifespan: the only place that builds clients."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import UTC, datetime

from fastapi import FastAPI

from agent_ui import pages
from agent_ui.hub import Hub
from agent_ui.ws import agent_socket, wallboard_socket
from ari_app.client import AriClient
from ari_app.ivr import Ivr
from callcenter import __version__, centre
from callcenter.alerts import service as alert_service
from callcenter.ami.client import AmiClient
from callcenter.ami.consumer import AmiConsumer
from callcenter.ami.events import is_queue_event
from callcenter.ami.store import EventWriter
from callcenter.callbacks.popup import owed_lookup
from callcenter.callbacks.router import router as callbacks_router
from callcenter.callbacks.wiring import Callbacks
from callcenter.calls import service as calls_service
from callcenter.cases.router import router as cases_router
from callcenter.config import Settings, get_settings
from callcenter.db import make_engine, make_sessionmaker
from callcenter.desk.router import router as desk_router
from callcenter.desk.screenpop import ScreenPop, fan_out
from callcenter.errors import install_handlers
from callcenter.health.router import router as health_router
from callcenter.kpi import service as kpi_service
from callcenter.kpi.router import router as kpi_router
from callcenter.live.board import Board
from callcenter.live.pipeline import LivePipeline
from callcenter.live.records import RecordBook, RecordWriter
from callcenter.live.router import router as live_router
from callcenter.reconcile.service import Reconciler
from callcenter.supervise.router import router as supervise_router
from callcenter.users.router import router as users_router
from queue_metrics.engine import Engine
from recordings.router import router as recordings_router
from recordings.storage import make_minio
from recordings.uploader import build_uploader

log = logging.getLogger(__name__)

BOOK_DAYS = 2  # records kept in memory for today's and the last hour's live figures


def _build_ami(
    settings: Settings,
    *,
    event_filter: Callable[[str], bool] = is_queue_event,
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


def _build_ari(settings: Settings, layout: centre.Centre) -> tuple[AriClient, Ivr]:
    ari = AriClient(
        base_url=settings.ari_url,
        user=settings.ari_user,
        password=settings.ari_password.get_secret_value(),
        app=settings.ari_app,
    )
    ivr = Ivr(ari=ari, digits=layout.ivr_digits(), default_queue=layout.default_queue)
    ari.on_event(ivr.handle)
    return ari, ivr


def _dialer_ami(settings: Settings) -> AmiClient | None:
    """The callback dialer's own login (only UserEvents; Originates wait for the agent)."""
    if not settings.callback_out_context:
        return None
    return _build_ami(
        settings,
        event_filter="UserEvent".__eq__,
        action_timeout_s=settings.callback_agent_ring_s + 15.0,
    )


async def _seed_book(app: FastAPI, book: RecordBook) -> None:
    """Today's stored calls, so live figures survive a restart of the service."""
    start = datetime.fromtimestamp(time.time() - BOOK_DAYS * 86400, tz=UTC)
    async with app.state.sessions() as session:
        records = await calls_service.between(session=session, start=start, end=datetime.now(UTC))
    for record in records:
        book.put(record)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    layout = centre.load(settings.conf_dir)
    config = kpi_service.metrics_config(
        layout, sl_threshold_s=settings.sl_threshold_s, short_abandon_s=settings.short_abandon_s
    )
    engine = make_engine(settings.database_url)
    app.state.engine = engine
    app.state.sessions = sessions = make_sessionmaker(engine)
    app.state.s3 = make_minio(settings)

    metrics, book = Engine(config=config), RecordBook()
    await _seed_book(app, book)
    hub = Hub(lambda t: pops.snapshot(t) if t.startswith("agent:") else board.snapshot(t))
    pops = ScreenPop(
        hub=hub, sessions=sessions, layout=layout, callback_lookup=owed_lookup(sessions)
    )
    board = Board(engine=metrics, book=book, config=config, layout=layout, hub=hub)
    events = EventWriter(engine=engine, journal=settings.event_journal)
    records = RecordWriter(sessions=sessions)
    pipeline = LivePipeline(
        engine=metrics, events=events, records=records, book=book, on_changes=board.changed
    )
    ami = _build_ami(settings)
    handle = fan_out(pipeline.handle, pops.handle)  # screen pops ride along the one consumer
    consumer = AmiConsumer(client=ami, handle=handle, tick=pipeline.tick)
    ari, ivr = _build_ari(settings, layout)
    reconciler = Reconciler(
        settings=settings, sessions=sessions, config=config, book=book, board=board
    )
    alerts = alert_service.build(settings=settings, board=board, sessions=sessions)
    callbacks = Callbacks(
        settings=settings, sessions=sessions, engine=metrics, hub=hub, board=board, layout=layout,
        tz=config.tz, dialer_ami=_dialer_ami(settings),
    )  # fmt: skip
    parts = dict(
        layout=layout, metrics_config=config, ami=ami, ari=ari, ivr=ivr, hub=hub, board=board,
        screen_pops=pops, metrics=metrics, book=book,
        event_writer=events, record_writer=records, pipeline=pipeline, reconciler=reconciler,
        alerts=alerts, callbacks=callbacks,
    )  # fmt: skip
    for name, part in parts.items():
        setattr(app.state, name, part)
    async with AsyncExitStack() as stack:
        for part in (events, records, board, consumer, ami, ari, reconciler, alerts, callbacks):
            await part.start()
            stack.push_async_callback(part.stop)
        app.state.uploader = build_uploader(settings=settings, s3=app.state.s3, sessions=sessions)
        if app.state.uploader is not None:
            await app.state.uploader.start()
            stack.push_async_callback(app.state.uploader.stop)
        stack.push_async_callback(engine.dispose)
        stack.push_async_callback(pops.stop)  # its history lookups end before the pool
        yield


def create_app(settings: Settings | None = None) -> FastAPI:
    """The service: API, pages, websockets; background clients start in the lifespan."""
    app = FastAPI(
        title="1212 contact centre",
        version=__version__,
        lifespan=lifespan,
        openapi_url="/openapi.json",
    )
    app.state.settings = settings or get_settings()
    install_handlers(app)
    app.include_router(health_router)
    app.include_router(users_router)
    app.include_router(kpi_router)
    app.include_router(live_router)
    app.include_router(callbacks_router)
    app.include_router(cases_router)
    app.include_router(recordings_router)
    app.include_router(desk_router)
    app.include_router(supervise_router)
    app.include_router(pages.router)
    app.include_router(wallboard_socket())
    app.include_router(agent_socket())
    app.mount("/static", pages.static_files(), name="static")
    return app
