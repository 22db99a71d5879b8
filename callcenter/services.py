"""The parts the lifespan builds, in one typed container, and the FastAPI dependencies that
reach them. Routers, pages and websockets declare what they need in their signatures and
never read `app.state` themselves.

`app.state` holds two things: `settings` (given to `create_app`, there before the lifespan
runs; tests swap it) and `services` (built by the lifespan in callcenter.main). Tests that
serve a router without the lifespan override the narrow dependencies below
(`app.dependency_overrides[sessions] = …`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends
from minio import Minio
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from starlette.requests import HTTPConnection

from callcenter.centre import Centre
from callcenter.config import Settings
from queue_metrics.config import MetricsConfig

if TYPE_CHECKING:
    # Types only: these modules' routers import this one for its dependencies, so a runtime
    # import would be a cycle (import-linter skips type-checking imports).
    from agent_ui.hub import Hub
    from ari_app.client import AriClient
    from ari_app.ivr import Ivr
    from callcenter.alerts.service import AlertService
    from callcenter.ami.client import AmiClient
    from callcenter.ami.store import EventWriter
    from callcenter.callbacks.wiring import Callbacks
    from callcenter.chat.board import ChatBoard
    from callcenter.chat.desk import ChatDesk
    from callcenter.csat.service import CsatRecorder
    from callcenter.desk.screenpop import ScreenPop
    from callcenter.ivrcalls.service import IvrRecorder
    from callcenter.live.pipeline import LivePipeline
    from callcenter.live.records import RecordBook, RecordWriter
    from callcenter.live.wallboard import Wallboard
    from callcenter.prompts.announcement import Announcement
    from callcenter.reconcile.service import Reconciler
    from callcenter.reports.scheduler import PackScheduler
    from callcenter.social.poller import SocialPoller
    from callcenter.social.publishing import Publishing
    from callcenter.staffing.board import StaffingBoard
    from callcenter.users.ratelimit import LoginLimiter
    from queue_metrics.engine import MetricsEngine
    from recordings.uploader import Uploader


@dataclass(kw_only=True)
class Services:
    """Everything the service runs, built once per process by the lifespan."""

    layout: Centre
    metrics_config: MetricsConfig
    db_engine: AsyncEngine  # SQLAlchemy's: the connection pool
    sessions: async_sessionmaker[AsyncSession]
    s3: Minio
    login_limiter: LoginLimiter
    ami: AmiClient
    ari: AriClient
    ivr: Ivr
    ivr_calls: IvrRecorder
    announcement: Announcement  # the IVR's emergency announcement (on/off, audited)
    hub: Hub
    metrics: MetricsEngine  # queue_metrics' live KPI engine
    book: RecordBook
    wallboard: Wallboard
    screen_pops: ScreenPop
    event_writer: EventWriter
    record_writer: RecordWriter
    pipeline: LivePipeline
    reconciler: Reconciler
    alerts: AlertService
    callbacks: Callbacks
    uploader: Uploader | None  # None when no spool directory is configured
    chat: ChatDesk
    csat: CsatRecorder  # post-call satisfaction answers (AMI UserEvent CsatResult)
    social_poller: SocialPoller | None = None  # None unless social_poll_s > 0
    social_publishing: Publishing | None = None  # the content calendar goes out on time
    reports: PackScheduler | None = None  # report packs: built when due, listed, rebuilt
    staffing: StaffingBoard | None = None  # the wallboard's staffing line (Erlang C)
    chat_board: ChatBoard | None = None  # the wallboard's chat line (chat-v1 today)


def app_settings(conn: HTTPConnection) -> Settings:
    settings: Settings = conn.app.state.settings
    return settings


def services(conn: HTTPConnection) -> Services:
    built: Services = conn.app.state.services
    return built


ServicesDep = Annotated[Services, Depends(services)]


def sessions(parts: ServicesDep) -> async_sessionmaker[AsyncSession]:
    return parts.sessions


def s3(parts: ServicesDep) -> Minio:
    return parts.s3


def layout(parts: ServicesDep) -> Centre:
    return parts.layout


def login_limiter(parts: ServicesDep) -> LoginLimiter:
    return parts.login_limiter


def hub(parts: ServicesDep) -> Hub:
    return parts.hub


def chat(parts: ServicesDep) -> ChatDesk:
    return parts.chat


def sessions_if_any(conn: HTTPConnection) -> async_sessionmaker[AsyncSession] | None:
    """The session factory, or None for an app served without the lifespan (the hub's own
    tests and benchmark): websockets then trust the role in the signed token."""
    parts: Services | None = getattr(conn.app.state, "services", None)
    return None if parts is None else parts.sessions


SettingsDep = Annotated[Settings, Depends(app_settings)]
SessionsDep = Annotated[async_sessionmaker[AsyncSession], Depends(sessions)]
S3Dep = Annotated[Minio, Depends(s3)]
LayoutDep = Annotated[Centre, Depends(layout)]
SessionsIfAnyDep = Annotated[async_sessionmaker[AsyncSession] | None, Depends(sessions_if_any)]
