"""The Sources of a pack from the settings (the CLI and the service build them the same way)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter import centre
from callcenter.centre import Centre
from callcenter.chat import sla as chat_sla
from callcenter.config import Settings
from callcenter.kpi import service as kpi_service
from callcenter.reports.data import Sources
from callcenter.staffing.forecast import Rules
from queue_metrics import intervals
from queue_metrics.config import MetricsConfig


def staffing_rules(settings: Settings) -> Rules:
    return Rules(
        interval_min=60,  # the daily pack's intervals are hours
        weeks=settings.staffing_weeks,
        target_s=float(settings.sl_threshold_s),
        service_level=settings.staffing_service_level_pct / 100.0,
        shrinkage=settings.staffing_shrinkage,
        default_aht_s=settings.staffing_default_aht_s,
    )


def sources(
    settings: Settings,
    *,
    sessions: async_sessionmaker[AsyncSession],
    reconciler: kpi_service.Completeness,
    layout: Centre | None = None,
    config: MetricsConfig | None = None,
) -> Sources:
    if layout is None:
        layout = centre.load(settings.conf_dir)
    if config is None:
        config = kpi_service.metrics_config(
            layout, sl_threshold_s=settings.sl_threshold_s,
            short_abandon_s=settings.short_abandon_s,
        )  # fmt: skip
    return Sources(
        sessions=sessions,
        reconciler=reconciler,
        config=config,
        callback_window_s=settings.callback_window_s,
        tz=intervals.zone(config.tz),
        staffing=staffing_rules(settings),
        centre_name={"th": settings.report_centre_name_th, "en": settings.report_centre_name_en},
        chat_sla=chat_sla.from_settings(settings),
        queue_labels={q.name: (q.label_th, q.label_en) for q in layout.queues},
    )
