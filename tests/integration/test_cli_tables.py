"""The command line as an operator reads it, on a database of its own with stored calls,
recordings and callbacks shifted to now: `kpi` tables carry what --json carries (per queue,
per interval, Thai/English names, targets); `recordings`/`callbacks` tables are whole
(not cut at 80 columns), in Bangkok time to the second, never the word None; an unknown
queue is the same clear error for `kpi` and `recordings`; `users list` / `users passwd` /
`users demo-logins` (usable passwords whatever the database already held)."""

from __future__ import annotations

import json
import os
import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from callcenter.callbacks.models import CallbackTask
from callcenter.calls import service as calls_service
from callcenter.cli_support import centre_time, database
from callcenter.config import Settings
from callcenter.errors import InvalidCredentials
from callcenter.users import service as user_service
from callcenter.users.models import Role
from callcenter.users.schemas import UserCreate
from queue_metrics.records import CallRecord, Outcome
from recordings.models import Recording
from tests.integration.conftest import cli, own_database

pytestmark = pytest.mark.integration

NOW = datetime.now(UTC).replace(microsecond=0)
START = NOW - timedelta(minutes=50)  # all inside [START, NOW): no Bangkok-midnight edge


@pytest.fixture(scope="module")
def db(settings: Settings) -> Iterator[Settings]:
    with own_database(settings, "callcenter_cli") as own:
        yield own


def env(settings: Settings) -> dict[str, str]:
    return {**os.environ, "CALLCENTER_DATABASE_URL": settings.database_url}


def run(settings: Settings, *args: str, stdin: str | None = None) -> Any:
    result = cli(*args, env=env(settings), stdin=stdin, timeout=120)
    assert "Traceback" not in result.stderr, result.stderr
    return result


def call(n: int, queue: str, outcome: Outcome, wait: int, minute: int) -> CallRecord:
    at = (START + timedelta(minutes=minute)).timestamp()
    answered = outcome is Outcome.answered
    return CallRecord(
        call_id=f"cli-{n}", linkedid=f"cli-{n}", queue=queue, entered_at=at, caller="0812345678",
        outcome=outcome, wait_s=wait, ended_at=at + wait + (30 if answered else 0),
        agent="agent07" if answered else None, answered_at=at + wait if answered else None,
        talk_s=30 if answered else None,
    )  # fmt: skip


@pytest.fixture(scope="module")
async def stored(db: Settings) -> Settings:
    records = [
        call(1, "online-shopping", Outcome.answered, 5, 1),
        call(2, "online-shopping", Outcome.answered, 40, 20),
        call(3, "digital-law", Outcome.abandoned, 30, 21),
        call(4, "digital-law", Outcome.answered, 3, 40),
    ]
    long_key = "recordings/2026/12/07/" + "x" * 60 + ".wav"
    async with database(db) as sessions, sessions() as session, session.begin():
        await calls_service.upsert(session=session, records=records, source="ami")
        session.add(
            Recording(
                uniqueid="cli-1",
                linkedid="cli-1",
                queue="online-shopping",
                agent="agent07",
                caller="0812345678",
                started_at=START + timedelta(minutes=1, microseconds=987654),
                ended_at=None,
                duration_s=35.0,
                codec="wav",
                size_bytes=1,
                sha256="0" * 64,
                bucket="recordings",
                object_key=long_key,
                upload_state="stored",
            )
        )
        session.add(
            CallbackTask(
                number="0869123450",
                callable=True,
                queue="digital-law",
                state="pending",
                outcome=None,
                dropped_at=START + timedelta(minutes=21, microseconds=5),
                deadline_at=START + timedelta(minutes=51),
                attempts=0,
                drops=1,
                agent=None,
            )
        )
    return db


def period() -> list[str]:
    return ["--from", START.isoformat(), "--to", (NOW + timedelta(seconds=1)).isoformat()]


def rows_of(table: str) -> dict[str, list[str]]:
    """A rich table's body rows: first cell → the other cells."""
    found = {}
    for line in table.splitlines():
        if line.startswith("│"):
            cells = [c.strip() for c in line.strip("│").split("│")]
            found[cells[0]] = cells[1:]
    return found


async def test_kpi_table_holds_the_per_queue_and_interval_figures_of_json(stored: Settings) -> None:
    body = json.loads(run(stored, "kpi", *period(), "--interval", "15m", "--json").stdout)
    result = run(stored, "kpi", *period(), "--interval", "15m")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "kpi-v1.1" in out and "Asia/Bangkok" in out
    header = next(line for line in out.splitlines() if line.startswith("┃"))
    assert "ซื้อขายออนไลน์ · Online shopping" in header and "กฎหมายดิจิทัล · Digital law" in header
    # the IVR's order: online-shopping is the first queue of centre.toml
    assert header.index("Online shopping") < header.index("Digital law")
    rows = rows_of(out)
    sl = rows["ระดับบริการ SL % · Service level %"]
    assert sl[0] == "≥ 90"
    assert sl[1] == f"{body['sl_pct']:.1f}"  # the centre
    heads = [h.strip() for h in header.strip("┃").split("┃")]
    shop = heads.index("ซื้อขายออนไลน์ · Online shopping") - 1
    law = heads.index("กฎหมายดิจิทัล · Digital law") - 1
    assert sl[shop] == f"{body['queues']['online-shopping']['sl_pct']:.1f}" == "50.0"
    offered = rows["สายเข้า · Offered"]
    assert offered[law] == str(body["queues"]["digital-law"]["offered"]) == "2"
    assert rows["อัตราสายหลุด % · Abandon rate %"][0] == "≤ 3"
    # one row per interval of --json, with its figures
    intervals = [i for i in body["intervals"] if i["offered"]]
    assert len(intervals) >= 2
    interval_rows = [r for r in rows if re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", r)]
    assert len(interval_rows) == len(body["intervals"])
    assert sum(int(rows[r][0]) for r in interval_rows) == body["offered"] == 4
    assert "None" not in out and "_pct" not in out


async def test_recordings_and_callbacks_tables_are_whole_in_centre_time(stored: Settings) -> None:
    # yesterday: START may be before Bangkok's midnight when the test runs just after it
    recs = run(stored, "recordings", "--from", "yesterday", "--to", "now")
    assert recs.returncode == 0, recs.stderr
    started = centre_time(START + timedelta(minutes=1))
    assert started in recs.stdout, recs.stdout
    assert "987654" not in recs.stdout and "None" not in recs.stdout and "…" not in recs.stdout
    assert "0812345678" in recs.stdout and max(map(len, recs.stdout.splitlines())) > 80
    cbs = run(stored, "callbacks")
    assert cbs.returncode == 0, cbs.stderr
    assert centre_time(START + timedelta(minutes=21)) in cbs.stdout
    assert "None" not in cbs.stdout and "…" not in cbs.stdout and "+00:00" not in cbs.stdout
    assert "0869123450" in cbs.stdout


async def test_an_unknown_queue_is_the_same_clear_error_for_kpi_and_recordings(
    stored: Settings,
) -> None:
    kpi = run(stored, "kpi", *period(), "--queue", "nosuchqueue")
    recs = run(stored, "recordings", "--queue", "nosuchqueue")
    assert kpi.returncode == recs.returncode == 2
    assert kpi.stderr == recs.stderr
    assert "unknown queue 'nosuchqueue'" in recs.stderr and "online-shopping" in recs.stderr
    assert recs.stdout == ""


async def login(settings: Settings, username: str, password: str) -> int:
    """What POST /api/v1/auth/login would answer (its check: user_service.authenticate)."""
    async with database(settings) as sessions, sessions() as session:
        try:
            await user_service.authenticate(session=session, username=username, password=password)
        except InvalidCredentials:
            return 401
    return 200


async def test_users_list_passwd_and_demo_logins_on_a_database_with_users(db: Settings) -> None:
    tag = uuid.uuid4().hex[:6]
    # A database that already has the demo's names, one with another password and disabled,
    # and agent01 linked to somebody else's login.
    async with database(db) as sessions, sessions() as session, session.begin():
        for name, role, agent in (
            ("supervisor", Role.supervisor, None),
            (f"bob-{tag}", Role.agent, "agent01"),
        ):
            user_in = UserCreate(username=name, password="Old-pass-4711", role=role, agent_id=agent)
            user = await user_service.create(session=session, user_in=user_in)
            user.active = name != "supervisor"
    first = run(db, "users", "demo-logins", "--json")
    assert first.returncode == 0, first.stderr
    made = {row["username"]: row for row in json.loads(first.stdout)}
    assert set(made) == {"supervisor", "qa01", "agent01"}
    assert f"bob-{tag}" in made["agent01"]["note"]
    for name, row in made.items():
        assert await login(db, name, row["password"]) == 200, name
    again = json.loads(run(db, "users", "demo-logins", "--json").stdout)  # a second run
    for row in again:
        assert await login(db, row["username"], row["password"]) == 200
        assert await login(db, row["username"], made[row["username"]]["password"]) == 401
    listing = run(db, "users", "list")
    rows = rows_of(listing.stdout)
    assert rows["agent01"][0] == "agent" and rows["agent01"][1].startswith("agent01 (")
    assert rows[f"bob-{tag}"][1] == "–"
    assert "None" not in listing.stdout
    # users passwd: the policy applies; a good password works at once.
    weak = run(db, "users", "passwd", "qa01", "--password-stdin", stdin="password\n")
    assert weak.returncode == 2 and "common" in weak.stderr
    good = run(db, "users", "passwd", "qa01", "--password-stdin", stdin="Quiet-lake-2026\n")
    assert good.returncode == 0, good.stderr
    assert await login(db, "qa01", "Quiet-lake-2026") == 200
    made_up = run(db, "users", "passwd", "supervisor", "--generate")
    password = made_up.stdout.split("password: ")[1].strip()
    assert await login(db, "supervisor", password) == 200
    nobody = run(db, "users", "passwd", "nosuchuser", "--generate")
    assert nobody.returncode == 1 and "no user nosuchuser" in nobody.stderr
