"""FastAPI application and its lifespan: the only place that builds clients."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from ari_app.client import AriClient
from ari_app.ivr import Ivr
from callcenter import __version__, centre
from callcenter.ami.client import AmiClient
from callcenter.ami.consumer import AmiConsumer
from callcenter.ami.events import is_queue_event
from callcenter.ami.store import EventWriter
from callcenter.config import Settings, get_settings
from callcenter.db import make_engine, make_sessionmaker
from callcenter.errors import install_handlers
from callcenter.health.router import router as health_router
from callcenter.users.router import router as users_router
from recordings.storage import make_minio

log = logging.getLogger(__name__)


def _build_ami(settings: Settings) -> AmiClient:
    return AmiClient(
        host=settings.ami_host,
        port=settings.ami_port,
        username=settings.ami_user,
        secret=settings.ami_secret.get_secret_value(),
        ping_interval_s=settings.ami_ping_interval_s,
        watchdog_timeout_s=settings.ami_watchdog_timeout_s,
        event_filter=is_queue_event,
    )


def _build_ari(settings: Settings) -> tuple[AriClient, Ivr]:
    ari = AriClient(
        base_url=settings.ari_url,
        user=settings.ari_user,
        password=settings.ari_password.get_secret_value(),
        app=settings.ari_app,
    )
    layout = centre.load(settings.conf_dir)
    ivr = Ivr(ari=ari, digits=layout.ivr_digits(), default_queue=layout.default_queue)
    ari.on_event(ivr.handle)
    return ari, ivr


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    engine = make_engine(settings.database_url)
    ami = _build_ami(settings)
    writer = EventWriter(engine=engine)
    consumer = AmiConsumer(client=ami, writer=writer)
    ari, ivr = _build_ari(settings)
    app.state.engine = engine
    app.state.sessions = make_sessionmaker(engine)
    app.state.ami, app.state.ari, app.state.ivr = ami, ari, ivr
    app.state.event_writer = writer
    app.state.s3 = make_minio(settings)
    for part in (writer, consumer, ami, ari):
        await part.start()
    try:
        yield
    finally:
        for part in (ari, ami, consumer, writer):
            await part.stop()
        await engine.dispose()


def create_app(settings: Settings | None = None) -> FastAPI:
    """The service: API, health, websockets; background clients start in the lifespan."""
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
    return app
