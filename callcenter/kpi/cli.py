"""`callcenter kpi`: kpi-v1.1 figures of a period from the stored calls, checked with queue_log."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import typer
from rich.table import Table

from callcenter import centre
from callcenter.chat import kpi as chat_kpi
from callcenter.chat import sla as chat_sla
from callcenter.cli_support import (
    MOMENTS_HELP,
    TO_HELP,
    TZ_NAME,
    centre_time,
    check_queue,
    database,
    fail,
    iso_datetime,
    print_json,
    print_table,
)
from callcenter.config import Settings, get_settings
from callcenter.errors import InvalidInput
from callcenter.kpi import service as kpi_service
from callcenter.kpi.labels import LABELS, TARGETS, label
from callcenter.reconcile.service import Reconciler

INTERVALS = tuple(kpi_service.INTERVALS)


def kpi_command(
    start: str = typer.Option(..., "--from", help=MOMENTS_HELP),
    end: str = typer.Option(..., "--to", help=TO_HELP),
    queue: str | None = typer.Option(None, help="One queue (default: the whole centre)."),
    interval: str | None = typer.Option(None, help=f"Also per interval: {', '.join(INTERVALS)}."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON (docs/kpi-v1.md field names)."),
) -> None:
    """The kpi-v1.1 figures for [from, to); `complete` says whether queue_log agrees."""
    settings = get_settings()
    try:
        period = (iso_datetime(start, "--from"), iso_datetime(end, "--to", end=True))
        check_queue(queue, centre.load(settings.conf_dir).queue_names)
        if interval is not None and interval not in INTERVALS:
            raise InvalidInput(f"--interval must be one of {', '.join(INTERVALS)}")
        body = asyncio.run(_report(settings, *period, queue=queue, interval=interval))
    except InvalidInput as exc:
        fail(exc.message, code=2)
    except (OSError, ConnectionError) as exc:
        fail(f"cannot read the stored calls: {exc}", code=1)
    if json_out:
        print_json(body)
        return
    labels = {q.name: f"{q.label_th} · {q.label_en}" for q in centre.load(settings.conf_dir).queues}
    title = (
        f"{body['definition']} (docs/kpi-v1.md) · {centre_time(period[0])}"
        f" – {centre_time(period[1])} ({TZ_NAME}) · ข้อมูลครบ · complete: "
        + ("yes · ครบ" if body["complete"] else "no · ไม่ครบ")
    )
    _table(body, queue, labels, title)


async def _report(
    settings: Settings, start: datetime, end: datetime, *, queue: str | None, interval: str | None
) -> dict[str, Any]:
    layout = centre.load(settings.conf_dir)
    kpi_service.check_period(start=start, end=end, queue=queue, layout=layout)
    config = kpi_service.metrics_config(
        layout, sl_threshold_s=settings.sl_threshold_s, short_abandon_s=settings.short_abandon_s
    )
    async with database(settings) as sessions:
        body = await kpi_service.period_report(
            sessions=sessions, config=config, callback_window_s=settings.callback_window_s,
            reconciler=Reconciler(settings=settings, sessions=sessions, config=config),
            start=start, end=end, queue=queue, interval=interval,
        )  # fmt: skip
        if queue is None:  # the chat desk has channels, not queues
            rules = chat_sla.from_settings(settings)
            async with sessions() as session:
                body["chat"] = await chat_kpi.figures(
                    session=session, start=start, end=end, sla=rules, now=datetime.now(UTC)
                )
        return body


def _table(body: dict[str, Any], queue: str | None, labels: dict[str, str], title: str) -> None:
    """What --json holds, as tables: the period's figures (the centre and each queue side by
    side, with the targets), then each interval's main figures."""
    fields = [k for k in body if k not in NOT_FIGURES]
    fields.sort(key=lambda k: ORDER.get(k, len(ORDER)))
    table = Table(title=title)
    table.add_column("ตัวชี้วัด · KPI")
    table.add_column("เป้า · target", justify="right")
    scope = labels.get(queue, queue) if queue else "ทั้งศูนย์ · centre"
    table.add_column(scope, justify="right")
    found = body.get("queues") or {}
    # The IVR's order (centre.toml), as on the wallboard; any other queue after.
    names = [q for q in labels if q in found] + sorted(q for q in found if q not in labels)
    per_queue = {name: found[name] for name in names}
    for name in per_queue:
        table.add_column(labels.get(name, name), justify="right")
    for key in fields:
        row = [label(key), TARGETS.get(key, ""), _value(body.get(key))]
        row += [_value(per_queue[name].get(key, "")) for name in per_queue]
        table.add_row(*row)
    print_table(table)
    agents = body.get("csat_by_agent")
    if agents:
        csat = Table(title="ความพึงพอใจรายเจ้าหน้าที่ · CSAT per agent")
        csat.add_column("เจ้าหน้าที่ · agent")
        for key in CSAT_FIELDS:
            csat.add_column(label(key), justify="right")
        for row in agents:
            csat.add_row(row["agent"], *(_value(row.get(k)) for k in CSAT_FIELDS))
        print_table(csat)
    if body.get("ivr_calls"):
        _ivr_table(body)
    if body.get("chat"):
        _chat_table(body["chat"])
    intervals = body.get("intervals")
    if intervals:
        by = Table(title=f"ช่วงเวลา · intervals ({TZ_NAME})")
        by.add_column("เริ่ม · start")
        for key in INTERVAL_FIELDS:
            by.add_column(label(key), justify="right")
        for row in intervals:
            by.add_row(_start(row["start"]), *(_value(row.get(k)) for k in INTERVAL_FIELDS))
        print_table(by)


NOT_FIGURES = {"queues", "intervals", "definition", "complete", "chat", "csat_by_agent",
               "ivr_definition", "ivr_by_language", "ivr_by_option"}  # fmt: skip
CSAT_FIELDS = ("csat_offered", "csat_responses", "csat_avg", "csat_response_rate_pct",
               "csat_top2_pct")  # fmt: skip
CHANNELS = {"line": "LINE", "facebook": "Messenger", "email": "อีเมล · E-mail"}


LANGUAGES = {"th": "ไทย · Thai", "en": "อังกฤษ · English"}


def _ivr_table(body: dict[str, Any]) -> None:
    """ivr-v1: the routed callers by their language and the main menu's key they chose."""
    table = Table(title=f"IVR ({body['ivr_definition']}, docs/kpi-v1.md §6c)")
    table.add_column("ส่งเข้าคิว · routed")
    table.add_column("สาย · calls", justify="right")
    for code, n in body["ivr_by_language"].items():
        table.add_row(f"ภาษา · language: {LANGUAGES.get(code, code)}", str(n))
    for key, n in body["ivr_by_option"].items():
        shown = "ไม่ได้เลือก · none" if key == "none" else key
        table.add_row(f"ปุ่มเมนูหลัก · main-menu key: {shown}", str(n))
    print_table(table)


def _chat_table(chat: dict[str, Any]) -> None:
    """chat-v1: all channels and each, with the first-reply SLA of each."""
    slas: dict[str, float] = chat["sla_s"]
    around_the_clock: dict[str, bool] = chat.get("sla_24_7", {})
    table = Table(title=f"แชต · chat ({chat['definition']}, docs/kpi-v1.md §10)")
    table.add_column("ตัวชี้วัด · KPI")
    table.add_column("เป้า · target", justify="right")
    table.add_column("ทุกช่องทาง · all channels", justify="right")
    channels = list(chat["channels"])
    for name in channels:
        minutes = round(float(slas[name]) / 60)
        hours = "" if around_the_clock.get(name, True) else " ในเวลาทำการ · business hours"
        table.add_column(f"{CHANNELS.get(name, name)} (SLA {minutes} min{hours})", justify="right")
    for key, text in chat_kpi.LABELS.items():
        row = [text, chat_kpi.TARGETS.get(key, ""), _value(chat["total"].get(key))]
        row += [_value(chat["channels"][name].get(key)) for name in channels]
        table.add_row(*row)
    print_table(table)


ORDER = {name: i for i, name in enumerate(LABELS)}
INTERVAL_FIELDS = ("offered", "answered", "sl_pct", "abandon_rate_pct", "asa_s", "aht_s")


def _value(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


def _start(text: str) -> str:
    """An interval's label: a moment in centre time without seconds' noise; else as is."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return text
    return centre_time(moment)[:16] if moment.tzinfo else text
