"""Alerts: each rule, the offered-calls guard, incidents, one mail per incident, cool-down."""

from __future__ import annotations

from collections.abc import Sequence
from email.message import EmailMessage
from typing import Any

import pytest

from callcenter.alerts import rules
from callcenter.alerts.incidents import Incident, Incidents
from callcenter.alerts.mailer import Mailer, body, parse_recipients, subject
from callcenter.alerts.service import AlertNotFiring, AlertService, build
from callcenter.config import Settings

SHOP = ("online-shopping", "ซื้อขายออนไลน์", "Online shopping")


def view(
    name: str = SHOP[0],
    *,
    offered: int = 0,
    sl: float | None = None,
    abandon: float | None = None,
    waiting: int = 0,
    longest: float | None = None,
    available: int = 1,
) -> dict[str, Any]:
    """One queue of a Wallboard.snapshot() with the figures the rules read."""
    labels = {SHOP[0]: SHOP[1:], "": ("", "")}.get(name, (name, name))
    return {
        "name": name, "label_th": labels[0], "label_en": labels[1], "waiting": waiting,
        "longest_wait_s": longest, "agents": {"available": available, "on_call": 1},
        "kpi_60m": {"offered": offered, "sl_pct": sl, "abandon_rate_pct": abandon},
    }  # fmt: skip


def snap(*queues: dict[str, Any], centre: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"queues": {q["name"]: q for q in queues}, "centre": centre or view("")}


def fired(snapshot: dict[str, Any], **kw: Any) -> dict[str, rules.Alert]:
    return {a.id: a for a in rules.evaluate(snapshot, rules.default_rules(**kw))}


# --- rules ---------------------------------------------------------------------------


def test_sl_below_target_fires_with_both_languages_and_the_kpi_name() -> None:
    alert = fired(snap(view(offered=10, sl=72.0)))["sl_low:online-shopping"]
    assert alert.text_th == "SL 60 นาที ของ ซื้อขายออนไลน์ 72.0% ต่ำกว่า 90%"
    assert alert.text_en == "Online shopping SL (60 min) 72.0% is below 90%"
    assert (alert.kpi, alert.value, alert.severity) == ("sl_pct", 72.0, "warning")


@pytest.mark.parametrize("sl", [90.0, 100.0, None])
def test_sl_at_or_above_target_or_unknown_is_quiet(sl: float | None) -> None:
    assert not fired(snap(view(offered=10, sl=sl)))


@pytest.mark.parametrize(("offered", "fires"), [(1, False), (4, False), (5, True), (50, True)])
def test_kpi_alerts_wait_for_enough_offered_calls(offered: int, fires: bool) -> None:
    alerts = fired(snap(view(offered=offered, sl=0.0, abandon=100.0)))
    assert ("sl_low:online-shopping" in alerts) is fires
    assert ("abandon_high:online-shopping" in alerts) is fires


def test_offered_guard_is_configurable() -> None:
    assert "sl_low:online-shopping" in fired(snap(view(offered=1, sl=0.0)), min_offered=1)


def test_abandon_rate_above_target_fires() -> None:
    alert = fired(snap(view(offered=20, abandon=10.0)))["abandon_high:online-shopping"]
    assert alert.kpi == "abandon_rate_pct" and alert.value == 10.0
    assert alert.text_en == "Online shopping abandon rate (60 min) 10.0% is above 3%"
    assert "ซื้อขายออนไลน์" in alert.text_th and "10.0%" in alert.text_th
    assert not fired(snap(view(offered=20, abandon=3.0)))


def test_long_wait_fires_per_queue_only() -> None:
    alerts = fired(snap(view(waiting=1, longest=21.4), centre=view("", waiting=1, longest=21.4)))
    assert set(alerts) == {"wait_long:online-shopping"}
    assert alerts["wait_long:online-shopping"].text_en == (
        "Online shopping: a caller has waited 21 s, over 15 s"
    )
    assert not fired(snap(view(waiting=1, longest=15.9)))  # 15 whole seconds: within 15 s
    assert "wait_long:online-shopping" in fired(snap(view(waiting=1, longest=16.0)))


def test_too_few_available_agents_with_callers_waiting_is_critical() -> None:
    alert = fired(snap(view(waiting=2, available=0)))["agents_short:online-shopping"]
    assert alert.severity == "critical" and alert.value == 0
    assert alert.text_en == "Online shopping: 2 callers waiting and no agent available"
    assert alert.text_th == "ซื้อขายออนไลน์: มีผู้โทรรอ 2 สาย แต่ไม่มีเจ้าหน้าที่ว่างเลย"
    short = fired(snap(view(waiting=1, available=1)), min_available=2)
    assert short["agents_short:online-shopping"].text_en == (
        "Online shopping: 1 caller waiting, only 1 agent available (at least 2 needed)"
    )
    assert not fired(snap(view(waiting=0, available=0)))
    assert not fired(snap(view(waiting=2, available=1)))
    assert "agents_short:online-shopping" in fired(
        snap(view(waiting=2, available=1)), min_available=2
    )


def test_centre_scope_has_its_own_id_and_label() -> None:
    alerts = fired(snap(centre=view("", offered=8, sl=50.0)))
    alert = alerts["sl_low:centre"]
    assert (alert.scope, alert.label_th, alert.label_en) == ("centre", "ทั้งศูนย์", "Centre")
    assert alert.text_en == "Centre SL (60 min) 50.0% is below 90%"


def test_thresholds_are_configurable_and_unknown_rules_refused() -> None:
    assert not fired(snap(view(offered=10, sl=72.0)), sl_min_pct=70)
    with pytest.raises(ValueError, match="unknown alert rule"):
        rules.evaluate(snap(view()), [rules.Rule("sl_typo", 1)])


# --- incidents and the service (injected clock, no sleeps) ----------------------------


class FakeBoard:
    def __init__(self) -> None:
        self.alerts: list[dict[str, Any]] = []
        self.view = view()
        self.marks = 0

    def snapshot(self) -> dict[str, Any]:
        return snap(self.view)

    def set_alerts(self, items: list[dict[str, Any]]) -> None:
        self.alerts = items
        self.marks += 1

    def low_sl(self, on: bool) -> None:
        self.view = view(offered=10, sl=40.0 if on else 95.0)


class FakeMailer(Mailer):
    """Real message composition; delivery recorded (or failing) instead of SMTP."""

    def __init__(self) -> None:
        super().__init__(host="x", port=25, sender="cc@test", recipients=["sup@test"])
        self.sent: list[EmailMessage] = []
        self.fail: Exception | None = None
        self.refuse = False

    async def deliver(self, messages: Sequence[EmailMessage]) -> list[bool]:
        if self.fail is not None:
            raise self.fail
        if self.refuse:
            return [False] * len(messages)
        self.sent.extend(messages)
        return [True] * len(messages)


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def parts() -> tuple[AlertService, FakeBoard, FakeMailer, Clock]:
    board, mailer, clock = FakeBoard(), FakeMailer(), Clock()
    rule = rules.Rule(rules.SL_LOW, 90, min_offered=5, centre=False)
    service = AlertService(
        wallboard=board, rules=[rule], mailer=mailer, cooldown_s=900, clock=clock
    )
    return service, board, mailer, clock


Parts = tuple[AlertService, FakeBoard, FakeMailer, Clock]


async def rounds(service: AlertService, clock: Clock, n: int, step: float = 5.0) -> None:
    for _ in range(n):
        await service.evaluate_once()
        clock.now += step


async def test_one_mail_per_incident_however_many_rounds(parts: Parts) -> None:
    service, board, mailer, clock = parts
    board.low_sl(True)
    start = clock.now
    await rounds(service, clock, 5)
    assert len(mailer.sent) == 1
    assert [a["id"] for a in board.alerts] == ["sl_low:online-shopping"]
    assert board.alerts[0]["since"] == start and board.alerts[0]["text_th"]
    assert board.marks == 1  # the alert list changed once


async def test_alert_clears_from_the_board(parts: Parts) -> None:
    service, board, _mailer, clock = parts
    board.low_sl(True)
    await rounds(service, clock, 2)
    board.low_sl(False)
    await rounds(service, clock, 2)
    assert board.alerts == [] and board.marks == 2


async def test_flapping_inside_the_cool_down_sends_no_second_mail(parts: Parts) -> None:
    service, board, mailer, clock = parts
    for _ in range(10):  # fires and clears every round for 100 s
        board.low_sl(True)
        await rounds(service, clock, 1)
        board.low_sl(False)
        await rounds(service, clock, 1)
    assert len(mailer.sent) == 1


async def test_refiring_after_the_cool_down_mails_again(parts: Parts) -> None:
    service, board, mailer, clock = parts
    board.low_sl(True)
    await rounds(service, clock, 1)
    board.low_sl(False)
    await rounds(service, clock, 1, step=901)
    board.low_sl(True)
    await rounds(service, clock, 3)
    assert len(mailer.sent) == 2


async def test_incident_starting_inside_the_cool_down_is_mailed_when_it_ends(
    parts: Parts,
) -> None:
    service, board, mailer, clock = parts
    board.low_sl(True)
    await rounds(service, clock, 1, step=100)
    board.low_sl(False)
    await rounds(service, clock, 1, step=100)
    board.low_sl(True)  # new incident at t+200 s, still inside the 900 s cool-down
    await rounds(service, clock, 1, step=600)
    assert len(mailer.sent) == 1
    await rounds(service, clock, 3, step=100)  # past t+900 s and still firing
    assert len(mailer.sent) == 2


async def test_smtp_failure_is_logged_and_retried_next_round(
    parts: Parts, caplog: pytest.LogCaptureFixture
) -> None:
    service, board, mailer, clock = parts
    board.low_sl(True)
    mailer.fail = ConnectionRefusedError(111, "Connection refused")
    await rounds(service, clock, 2)
    assert mailer.sent == [] and board.alerts  # shown even though the mail failed
    assert "retried next round" in caplog.text
    mailer.fail = None
    await rounds(service, clock, 3)
    assert len(mailer.sent) == 1


async def test_refused_message_stays_due(parts: Parts) -> None:
    service, board, mailer, clock = parts
    board.low_sl(True)
    mailer.refuse = True
    await rounds(service, clock, 2)
    mailer.refuse = False
    await rounds(service, clock, 2)
    assert len(mailer.sent) == 1


async def test_without_recipients_alerts_are_shown_and_nothing_is_mailed() -> None:
    board = FakeBoard()
    board.low_sl(True)
    service = build(settings=Settings(alert_recipients=" , "), wallboard=board)
    await service.evaluate_once()
    assert [a["id"] for a in board.alerts] == ["sl_low:online-shopping"] and service.sent == 0


def test_incidents_keep_their_start_while_firing() -> None:
    incidents = Incidents(cooldown_s=900)
    alert = fired(snap(view(offered=10, sl=40.0)))["sl_low:online-shopping"]
    assert incidents.update([alert], 10.0)[0].since == 10.0
    assert incidents.update([alert], 20.0)[0].since == 10.0
    assert incidents.update([], 30.0) == []
    assert incidents.update([alert], 40.0)[0].since == 40.0


# --- the e-mail ------------------------------------------------------------------------


def test_mail_is_plain_text_thai_and_english_naming_rule_queue_and_kpi() -> None:
    alert = fired(snap(view(offered=10, sl=72.0)))["sl_low:online-shopping"]
    incident = Incident(alert, since=1_700_000_000.0)  # 2023-11-15 05:13:20 Bangkok
    message = FakeMailer().message(incident)
    assert message["Subject"] == subject(incident)
    assert "sl_low" in message["Subject"] and "online-shopping" in message["Subject"]
    assert message["To"] == "sup@test" and message.get_content_type() == "text/plain"
    text = message.get_content()
    assert text == body(incident)
    for part in (alert.text_th, alert.text_en, "sl_pct (kpi-v1.1) = 72", "ซื้อขายออนไลน์"):
        assert part in text
    assert "2023-11-15 05:13:20 (Asia/Bangkok)" in text


def test_recipients_are_comma_separated() -> None:
    assert parse_recipients("a@x, b@y ,,") == ("a@x", "b@y")
    assert parse_recipients("") == ()


async def test_an_extra_check_fires_with_the_board_rules_and_a_failing_one_is_skipped() -> None:
    """The vault's incomplete recordings reach the board and the mail like any rule."""
    board, mailer, clock = FakeBoard(), FakeMailer(), Clock()
    found = {"n": 0}

    async def incomplete(now: float) -> list[rules.Alert]:
        alert = rules.recordings_incomplete(found["n"])
        return [alert] if alert else []

    async def broken(now: float) -> list[rules.Alert]:
        raise ConnectionError("database down")

    service = AlertService(
        wallboard=board, rules=[], mailer=mailer, clock=clock, extra=[broken, incomplete]
    )
    await rounds(service, clock, 2)
    assert board.alerts == [] and mailer.sent == []
    found["n"] = 3
    await rounds(service, clock, 2)
    (item,) = board.alerts
    assert item["id"] == "recordings_incomplete:centre" and item["severity"] == "critical"
    assert "3 recording(s)" in str(item["text_en"]) and "3 ไฟล์" in str(item["text_th"])
    assert len(mailer.sent) == 1


# --- acknowledge and snooze (a supervisor's, audited by the router) --------------------


async def test_acknowledge_marks_the_incident_until_it_ends(parts: Parts) -> None:
    service, board, _, clock = parts
    board.low_sl(True)
    await service.evaluate_once()
    (item,) = board.alerts
    assert item["acknowledged_by"] is None and item["title_en"] == "SL (60 min) below target"
    service.acknowledge(item["id"], by="sup-1", now=clock.now)
    assert board.alerts[0]["acknowledged_by"] == "sup-1"  # shown at once, not next round
    await rounds(service, clock, 3)
    assert board.alerts[0]["acknowledged_by"] == "sup-1"
    board.low_sl(False)
    await rounds(service, clock, 1)
    board.low_sl(True)
    await rounds(service, clock, 1)
    assert board.alerts[0]["acknowledged_by"] is None  # a new incident needs a new look


async def test_snooze_hides_until_its_end_and_not_firing_alerts_are_refused(
    parts: Parts,
) -> None:
    service, board, _, clock = parts
    board.low_sl(True)
    await service.evaluate_once()
    alert_id = board.alerts[0]["id"]
    service.snooze(alert_id, by="sup-1", until=clock.now + 900)
    assert board.alerts[0]["snoozed_until"] == clock.now + 900
    assert board.alerts[0]["snoozed_by"] == "sup-1"
    clock.now += 901
    await service.evaluate_once()
    assert board.alerts[0]["snoozed_until"] is None  # back on the board, still firing
    with pytest.raises(AlertNotFiring):
        service.acknowledge("sl_low:nosuchqueue", by="sup-1", now=clock.now)


def test_a_queue_threshold_replaces_the_configured_one_there_only() -> None:
    other = view("illegal-websites", offered=10, sl=85.0)
    snapshot = snap(view(offered=10, sl=85.0), other)
    own = {(rules.SL_LOW, "online-shopping"): 80.0}
    fired_ids = {a.id for a in rules.evaluate(snapshot, rules.default_rules(), own)}
    assert "sl_low:online-shopping" not in fired_ids  # 85 % is fine against its own 80 %
    assert "sl_low:illegal-websites" in fired_ids  # still the configured 90 %


async def test_history_keeps_incidents_with_their_end_and_acknowledgement(parts: Parts) -> None:
    service, board, _, clock = parts
    board.low_sl(True)
    await service.evaluate_once()
    first = clock.now
    service.acknowledge(board.alerts[0]["id"], by="sup-1", now=clock.now)
    clock.now += 5
    board.low_sl(False)
    await service.evaluate_once()
    (item,) = service.history
    assert (item["since"], item["ended"], item["acknowledged_by"]) == (first, clock.now, "sup-1")
    service.set_threshold(rules.SL_LOW, "online-shopping", 30.0)  # 40 % is fine now
    board.low_sl(True)
    await service.evaluate_once()
    assert board.alerts == [] and len(service.history) == 1
    service.set_threshold(rules.SL_LOW, "online-shopping", None)
    await service.evaluate_once()
    assert len(board.alerts) == 1 and service.history[-1]["ended"] is None
