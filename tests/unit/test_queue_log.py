"""queue_log parsing on lines the real Asterisk 22 wrote, and following the growing file."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from callcenter.reconcile import (
    AttendedTransfer,
    Complete,
    Connect,
    EnterQueue,
    Exit,
    ExitWithKey,
    MalformedLine,
    Pause,
    QueueLogEntry,
    QueueLogTailer,
    Ring,
    TailPosition,
    Transfer,
    Withdraw,
    follow,
    parse_line,
    parse_lines,
    read_file,
)

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "queue_log"
ALL_FIXTURES = sorted(FIXTURES.glob("*.log"))


@pytest.mark.parametrize("path", ALL_FIXTURES, ids=lambda p: p.name)
def test_every_captured_line_parses(path: Path) -> None:
    result = read_file(path)
    assert result.problems == []
    assert len(result.entries) == len(path.read_text().splitlines())


def test_fixtures_cover_every_call_verb() -> None:
    verbs = {e.verb for path in ALL_FIXTURES for e in read_file(path).entries}
    assert verbs >= {
        "ENTERQUEUE", "CONNECT", "COMPLETEAGENT", "COMPLETECALLER", "ABANDON",
        "EXITWITHTIMEOUT", "EXITEMPTY", "EXITWITHKEY", "WITHDRAW", "BLINDTRANSFER",
        "RINGNOANSWER", "RINGCANCELED", "PAUSE", "UNPAUSE", "ADDMEMBER", "REMOVEMEMBER",
        "QUEUESTART", "CONFIGRELOAD",
    }  # fmt: skip


def test_enterqueue_url_callerid_position() -> None:
    e = parse_line(
        "1795983111|sim11-a99e79-00001-net|illegal-websites|NONE|ENTERQUEUE||0860643907|2"
    )
    assert isinstance(e, EnterQueue)
    assert (e.at, e.callid, e.queue, e.agent) == (
        1795983111,
        "sim11-a99e79-00001-net",
        "illegal-websites",
        "NONE",
    )
    assert (e.url, e.caller, e.position) == ("", "0860643907", 2)


def test_connect_holdtime_member_uniqueid_ringtime() -> None:
    line = (
        "1795983188|sim16-64c2af-00002-net|illegal-websites|sim-agent-01|CONNECT|12|1795983187.98|1"
    )
    e = parse_line(line)
    assert isinstance(e, Connect)
    assert (e.agent, e.holdtime, e.member_uniqueid, e.ringtime) == (
        "sim-agent-01",
        12,
        "1795983187.98",
        1,
    )


@pytest.mark.parametrize(
    "line",
    [
        "1795983198|sim16-64c2af-00002-net|illegal-websites|sim-agent-01|COMPLETEAGENT|12|10|2",
        "1795983055|kpi-348a5e2598-net|online-shopping|kpi-agent-01|COMPLETECALLER|12|10|2",
    ],
)
def test_complete_holdtime_calltime_origposition(line: str) -> None:
    e = parse_line(line)
    assert isinstance(e, Complete)
    assert (e.holdtime, e.calltime, e.origposition) == (12, 10, 2)


@pytest.mark.parametrize(
    ("line", "origposition", "waittime"),
    [
        ("1795983220|sim17-b86a97-00000-net|illegal-websites|NONE|ABANDON|1|1|7", 1, 7),
        ("1795983138|sim13-b7b0ab-00001-net|illegal-websites|NONE|EXITWITHTIMEOUT|1|2|3", 2, 3),
        ("1795983151|sim14-e47f89-00000-net|illegal-websites|NONE|EXITEMPTY|1|1|0", 1, 0),
    ],
)
def test_exits_position_origposition_waittime(line: str, origposition: int, waittime: int) -> None:
    e = parse_line(line)
    assert type(e) is Exit
    assert (e.position, e.origposition, e.waittime) == (1, origposition, waittime)


def test_exitwithkey_key_first() -> None:
    e = parse_line("1795982720|kpi-e8c048371f-net|online-shopping|NONE|EXITWITHKEY|9|1|1|1")
    assert isinstance(e, ExitWithKey)
    assert (e.key, e.position, e.origposition, e.waittime) == ("9", 1, 1, 1)


def test_withdraw_info_keeps_pipes() -> None:
    e = parse_line("1795982764|kpi-03fedf8bfc-net|online-shopping|NONE|WITHDRAW|1|1|3|callback")
    assert isinstance(e, Withdraw)
    assert (e.position, e.origposition, e.waittime, e.info) == (1, 1, 3, "callback")
    odd = parse_line("1|c|q|NONE|WITHDRAW|2|3|40|cb|task=7")
    assert isinstance(odd, Withdraw) and odd.info == "cb|task=7"
    assert isinstance(parse_line("1|c|q|NONE|WITHDRAW|2|3|40"), Withdraw)


def test_blindtransfer_extension_context_times() -> None:
    line = (
        "1795982789|kpi-8bec79d8c9-net|online-shopping|kpi-agent-01|BLINDTRANSFER"
        "|illegal-websites|queue-entry|1|2|1"
    )
    e = parse_line(line)
    assert isinstance(e, Transfer)
    assert (e.extension, e.context, e.holdtime, e.calltime, e.origposition) == (
        "illegal-websites",
        "queue-entry",
        1,
        2,
        1,
    )


def test_legacy_transfer_same_layout() -> None:
    e = parse_line("1366720340|1366720340.3|q1|SIP/8007|TRANSFER|200|from-internal|3|40|1")
    assert isinstance(e, Transfer) and (e.extension, e.calltime) == ("200", 40)


@pytest.mark.parametrize(
    ("data", "method", "target"),
    [
        ("BRIDGE|7f0c1a2b-bridge|4|62|2", "BRIDGE", "7f0c1a2b-bridge"),
        ("APP|Voicemail|4|62|2", "APP", "Voicemail"),
        ("LINK|Local/200@x-1;1|Local/200@x-1;2|4|62|2", "LINK", "Local/200@x-1;1|Local/200@x-1;2"),
    ],
)
def test_attendedtransfer_method_target_times(data: str, method: str, target: str) -> None:
    e = parse_line(f"1795990000|1795989000.1|q1|agent-7|ATTENDEDTRANSFER|{data}")
    assert isinstance(e, AttendedTransfer)
    assert (e.method, e.target, e.holdtime, e.calltime, e.origposition) == (
        method,
        target,
        4,
        62,
        2,
    )


@pytest.mark.parametrize(
    ("line", "ms"),
    [
        ("1795982739|kpi-8376fe08b6-net|online-shopping|kpi-agent-01|RINGNOANSWER|15000", 15000),
        ("1795983220|sim17-b86a97-00000-net|illegal-websites|sim-agent-01|RINGCANCELED|7533", 7533),
    ],
)
def test_ring_times_are_milliseconds(line: str, ms: int) -> None:
    e = parse_line(line)
    assert isinstance(e, Ring) and e.ringtime_ms == ms


def test_pause_reason_and_unpause_without_one() -> None:
    pause = parse_line("1795983154|NONE|illegal-websites|sim-agent-01|PAUSE|break")
    assert isinstance(pause, Pause) and pause.reason == "break" and pause.callid == "NONE"
    unpause = parse_line("1795982706|NONE|online-shopping|kpi-agent-01|UNPAUSE|")
    assert isinstance(unpause, Pause) and unpause.reason == ""
    bare = parse_line("1795982706|NONE|NONE|kpi-agent-01|UNPAUSEALL")
    assert isinstance(bare, Pause) and bare.reason == ""


@pytest.mark.parametrize(
    "line",
    [
        "1795983111|MANAGER|illegal-websites|Local/7001@agents/n|ADDMEMBER|",
        "1795982503|NONE|NONE|NONE|QUEUESTART|",
        "1795982620|NONE|NONE|NONE|CONFIGRELOAD|",
        "1795990000|c1|q1|agent-7|AGENTDUMP|",
        "1795990000|c1|q1|NONE|CUSTOMFROMDIALPLAN|a|b",
    ],
)
def test_verbs_without_typed_data_stay_plain(line: str) -> None:
    e = parse_line(line)
    assert type(e) is QueueLogEntry
    assert e.verb == line.split("|")[4]


@pytest.mark.parametrize(
    "line",
    [
        "garbage",
        "1795983111|c|q|NONE",
        "not-a-time|c|q|NONE|ENTERQUEUE||0812|1",
        "1795983111|c|q|NONE|ENTERQUEUE||0812",
        "1795983111|c|q|agent|CONNECT|soon|1.2|1",
        "1795983111|c|q|NONE|ABANDON|1|1|",
        "1795983111|c|q|agent|ATTENDEDTRANSFER|BRIDGE|x|1",
        "1795983111|c|q|NONE||x",
    ],
)
def test_malformed_line_raises(line: str) -> None:
    with pytest.raises(MalformedLine):
        parse_line(line)


def test_malformed_lines_reported_with_number_and_skipped() -> None:
    lines = [
        "1795983151|sim14-e47f89-00000-net|illegal-websites|NONE|ENTERQUEUE||0682661823|1",
        "1795983151|sim14-e47f89-00000-net|illegal-websites|NONE|EXITEMPTY|1|one|0",
        "",
        "\x00\x01 binary junk",
        "1795983151|sim14-e47f89-00000-net|illegal-websites|NONE|EXITEMPTY|1|1|0",
    ]
    result = parse_lines(lines, first_line_no=10)
    assert [e.verb for e in result.entries] == ["ENTERQUEUE", "EXITEMPTY"]
    assert [e.line_no for e in result.entries] == [10, 14]
    assert [p.line_no for p in result.problems] == [11, 13]
    assert "origposition" in result.problems[0].reason


# ---- tailer -------------------------------------------------------------------

ENTER = "1795983129|sim12-fc59cc-00000-net|illegal-websites|NONE|ENTERQUEUE||0836103891|1\n"
CANCEL = "1795983131|sim12-fc59cc-00000-net|illegal-websites|sim-agent-01|RINGCANCELED|1509\n"
ABANDON = "1795983131|sim12-fc59cc-00000-net|illegal-websites|NONE|ABANDON|1|1|1\n"


def append(path: Path, text: str) -> None:
    with path.open("a", encoding="utf-8") as fh:
        fh.write(text)


def verbs(entries: list[QueueLogEntry]) -> list[str]:
    return [e.verb for e in entries]


def test_tailer_reads_only_what_was_appended(tmp_path: Path) -> None:
    log = tmp_path / "queue_log"
    append(log, ENTER)
    tailer = QueueLogTailer(log)
    assert verbs(tailer.read_new().entries) == ["ENTERQUEUE"]
    assert tailer.read_new().empty
    append(log, CANCEL + ABANDON)
    batch = tailer.read_new()
    assert verbs(batch.entries) == ["RINGCANCELED", "ABANDON"]
    assert [e.line_no for e in batch.entries] == [2, 3]
    assert batch.position.offset == log.stat().st_size and batch.position.line_no == 3


def test_tailer_leaves_a_partial_last_line_for_later(tmp_path: Path) -> None:
    log = tmp_path / "queue_log"
    append(log, ENTER + ABANDON[:20])
    tailer = QueueLogTailer(log)
    batch = tailer.read_new()
    assert verbs(batch.entries) == ["ENTERQUEUE"]
    assert batch.position.offset == len(ENTER.encode())
    assert tailer.read_new().empty
    append(log, ABANDON[20:])
    assert verbs(tailer.read_new().entries) == ["ABANDON"]


def test_tailer_starts_again_after_truncation(tmp_path: Path) -> None:
    log = tmp_path / "queue_log"
    append(log, ENTER + CANCEL + ABANDON)
    tailer = QueueLogTailer(log)
    assert len(tailer.read_new().entries) == 3
    log.write_text(ENTER)
    batch = tailer.read_new()
    assert batch.restarted
    assert verbs(batch.entries) == ["ENTERQUEUE"]
    assert batch.position.line_no == 1


def test_tailer_drains_the_rotated_file_then_follows_the_new_one(tmp_path: Path) -> None:
    log = tmp_path / "queue_log"
    append(log, ENTER)
    tailer = QueueLogTailer(log)
    assert len(tailer.read_new().entries) == 1
    append(log, CANCEL)  # written just before the rotation
    log.rename(tmp_path / "queue_log.1")
    append(log, ABANDON)
    drained = tailer.read_new()
    assert verbs(drained.entries) == ["RINGCANCELED"] and not drained.restarted
    batch = tailer.read_new()
    assert batch.restarted
    assert verbs(batch.entries) == ["ABANDON"]
    assert batch.position.inode == log.stat().st_ino
    tailer.close()


def test_saved_position_resumes_and_a_foreign_inode_restarts(tmp_path: Path) -> None:
    log = tmp_path / "queue_log"
    append(log, ENTER + CANCEL)
    first = QueueLogTailer(log)
    first.read_new()
    saved = TailPosition.from_dict(first.position.as_dict())
    first.close()
    append(log, ABANDON)
    resumed = QueueLogTailer(log, position=saved).read_new()
    assert verbs(resumed.entries) == ["ABANDON"] and not resumed.restarted
    assert resumed.entries[0].line_no == 3
    other = TailPosition(inode=saved.inode + 1, offset=saved.offset, line_no=2)
    again = QueueLogTailer(log, position=other).read_new()
    assert again.restarted and len(again.entries) == 3


def test_tailer_waits_for_a_missing_file(tmp_path: Path) -> None:
    log = tmp_path / "queue_log"
    tailer = QueueLogTailer(log)
    assert tailer.read_new().empty
    append(log, ENTER)
    assert verbs(tailer.read_new().entries) == ["ENTERQUEUE"]


def test_tailer_reads_in_bounded_chunks(tmp_path: Path) -> None:
    log = tmp_path / "queue_log"
    append(log, ENTER + CANCEL + ABANDON)
    tailer = QueueLogTailer(log, max_bytes=len(ENTER) + 10)
    batches = [tailer.read_new() for _ in range(3)]
    assert [b.more for b in batches[:2]] == [True, True]
    assert [v for b in batches for v in verbs(b.entries)] == [
        "ENTERQUEUE",
        "RINGCANCELED",
        "ABANDON",
    ]


def test_tailer_reports_bad_lines_with_file_line_numbers(tmp_path: Path) -> None:
    log = tmp_path / "queue_log"
    append(log, ENTER)
    tailer = QueueLogTailer(log)
    tailer.read_new()
    append(log, "1795983131|broken\n" + ABANDON)
    batch = tailer.read_new()
    assert [p.line_no for p in batch.problems] == [2]
    assert verbs(batch.entries) == ["ABANDON"]


async def test_follow_yields_batches_until_stopped(tmp_path: Path) -> None:
    log = tmp_path / "queue_log"
    append(log, ENTER)
    stop = asyncio.Event()
    seen: list[str] = []
    async for batch in follow(QueueLogTailer(log), interval_s=0, stop=stop):
        seen += verbs(batch.entries)
        if len(seen) == 1:
            append(log, ABANDON)
        else:
            stop.set()
    assert seen == ["ENTERQUEUE", "ABANDON"]
