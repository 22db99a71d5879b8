"""Alert e-mail through a real SMTP server, after a real overload scenario through Asterisk.

One agent, six callers at once, 18 s talk and 16 s patience: five callers abandon after
16 s, so the queue's SL of the last 60 minutes falls far below 90 % with 6 calls offered.
Exactly one e-mail must arrive for that incident, and further rounds while it still
fires must send no second one.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from callcenter.alerts import rules
from callcenter.alerts.mailer import Mailer
from callcenter.alerts.service import AlertService
from callcenter.ami.client import AmiClient
from callcenter.config import Settings
from tests.helpers import free_port, poll
from tests.integration.conftest import own_database
from tests.integration.scenario_support import Service, run, spec
from tests.integration.smtp_support import Sink, running_sink, text

pytestmark = pytest.mark.integration

QUEUE = "digital-platforms"
RECIPIENT = "supervisor@alerts.test"
SL_ID = f"sl_low:{QUEUE}"


@pytest.fixture
def smtp_sink() -> Iterator[Sink]:
    with running_sink() as sink:
        yield sink


@pytest.fixture
def mail_settings(settings: Settings, smtp_sink: Sink, tmp_path: Path) -> Iterator[Settings]:
    """Own database, alerts mailed to the sink twice a second, only this test's calls counted.

    The reconciler would fill the last hour's calls of every test from the shared queue_log
    into the live figures; an empty queue_log of its own leaves only what AMI shows now.
    """
    base = settings.model_copy(
        update={
            "smtp_host": "127.0.0.1", "smtp_port": smtp_sink.port, "alert_recipients": RECIPIENT,
            "alert_interval_s": 0.5, "smtp_timeout_s": 5.0,
            "queue_log_path": tmp_path / "queue_log",
        }
    )  # fmt: skip
    with own_database(base, "callcenter_alerts") as own:
        yield own


async def test_low_service_level_mails_once_per_incident(
    mail_settings: Settings, smtp_sink: Sink, sim_ami: AmiClient
) -> None:
    service = await Service(mail_settings).start()
    alerts, board = service.app.state.services.alerts, service.app.state.services.wallboard
    try:
        assert SL_ID not in [i.alert.id for i in await alerts.evaluate_once()]
        await run(sim_ami, spec(QUEUE, 6, 1, rate=None, patience=16, ring=1, talk=18, seed=5))
        mails = await poll(lambda: smtp_sink.about(SL_ID), timeout_s=20, what="the SL e-mail")
        assert SL_ID in [a["id"] for a in board.alerts]

        # Still firing (the last 60 minutes hold the calls): more rounds, no second mail.
        firing = await alerts.evaluate_once()
        assert SL_ID in [i.alert.id for i in firing]
        rounds = alerts.rounds
        await poll(lambda: alerts.rounds >= rounds + 3, timeout_s=10, what="3 more rounds")
        assert len(smtp_sink.about(SL_ID)) == 1, [m["Subject"] for _, m in smtp_sink.messages]
    finally:
        await service.stop()

    to, mail = mails[0]
    body = text(mail)
    assert to == [RECIPIENT] and mail["To"] == RECIPIENT
    assert "sl_low" in mail["Subject"] and QUEUE in mail["Subject"]
    assert "Digital platforms SL (60 min)" in body and "is below 90%" in body
    assert "SL 60 นาที ของ แพลตฟอร์มดิจิทัล" in body and "ต่ำกว่า 90%" in body
    assert "sl_pct (kpi-v1.1)" in body
    ids = [
        line for _, m in smtp_sink.messages for line in text(m).splitlines() if "Alert id" in line
    ]
    assert len(ids) == len(set(ids)), ids  # one mail per incident, whatever the rule


class LowSlBoard:
    """A board whose online-shopping SL of the last 60 minutes is 40 %."""

    def __init__(self) -> None:
        self.alerts: list[dict[str, Any]] = []

    def snapshot(self) -> dict[str, Any]:
        kpi = {"offered": 10, "sl_pct": 40.0, "abandon_rate_pct": 0.0}
        view = {"name": "online-shopping", "label_th": "ซื้อขายออนไลน์", "kpi_60m": kpi}
        return {"queues": {"online-shopping": view}, "centre": None}

    def set_alerts(self, items: list[dict[str, Any]]) -> None:
        self.alerts = items


async def test_smtp_down_is_retried_next_round_without_breaking_the_loop() -> None:
    port = free_port()  # nothing listens there yet: connection refused
    mailer = Mailer(host="127.0.0.1", port=port, sender="cc@alerts.test", recipients=[RECIPIENT])
    board = LowSlBoard()
    service = AlertService(wallboard=board, rules=rules.default_rules(), mailer=mailer)
    await service.evaluate_once()
    assert [a["id"] for a in board.alerts] == ["sl_low:online-shopping"] and service.sent == 0
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        await service.evaluate_once()
        await service.evaluate_once()
    finally:
        controller.stop()
    assert service.sent == 1 and len(sink.about("sl_low:online-shopping")) == 1
