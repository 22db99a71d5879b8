"""The service's pack scheduler, built from the settings (the lifespan starts and stops it)."""

from __future__ import annotations

from datetime import UTC, datetime

from minio import Minio
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from callcenter.config import Settings
from callcenter.db import make_db_engine, make_sessionmaker
from callcenter.reconcile.service import Reconciler
from callcenter.reports.data import Sources
from callcenter.reports.scheduler import PackScheduler
from callcenter.reports.sources import sources
from callcenter.reports.store import PackStore
from queue_metrics.config import MetricsConfig


def now() -> datetime:
    return datetime.now(UTC)


def build(
    *,
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    s3: Minio,
    config: MetricsConfig,
) -> PackScheduler:
    # Its own reconciler, not started: only its completeness check of a period is used.
    reconciler = Reconciler(settings=settings, sessions=sessions, config=config)
    return PackScheduler(
        settings=settings,
        sources=sources(settings, sessions=sessions, reconciler=reconciler, config=config),
        store=PackStore(s3=s3, bucket=settings.report_bucket),
        clock=now,
        job_store_url=settings.sync_database_url if settings.report_schedule else None,
        isolated=lambda: _own_sources(settings, config),
    )


def _own_sources(settings: Settings, config: MetricsConfig) -> tuple[Sources, AsyncEngine]:
    """Sources on an engine of their own (a worker thread's event loop cannot use the
    service's connections)."""
    engine = make_db_engine(settings.database_url)
    sessions = make_sessionmaker(engine)
    reconciler = Reconciler(settings=settings, sessions=sessions, config=config)
    return sources(settings, sessions=sessions, reconciler=reconciler, config=config), engine
