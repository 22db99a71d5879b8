"""Asterisk 22 queue_log lines (`epoch|callid|queue|agent|verb|data...`) as typed entries.

Data layouts follow the `ast_queue_log()` calls of apps/app_queue.c and were checked
against lines this Asterisk wrote (tests/fixtures/queue_log). Durations are whole
seconds except RINGNOANSWER/RINGCANCELED, which are milliseconds.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

FIELD_SEP = "|"
HEADER_FIELDS = 5  # epoch, callid, queue, agent, verb


@dataclass(frozen=True, slots=True, kw_only=True)
class QueueLogEntry:
    """One queue_log line; verbs without a known layout keep only `data`."""

    at: float
    callid: str
    queue: str
    agent: str
    verb: str
    data: tuple[str, ...] = ()
    line_no: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class EnterQueue(QueueLogEntry):
    """ENTERQUEUE url|callerid|position."""

    url: str
    caller: str
    position: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Connect(QueueLogEntry):
    """CONNECT holdtime|bridged-channel-uniqueid|ringtime (agent = member name)."""

    holdtime: int
    member_uniqueid: str
    ringtime: int


@dataclass(frozen=True, slots=True, kw_only=True)
class CallEnd(QueueLogEntry):
    """End of an answered call: holdtime|calltime|origposition (+ transfer target)."""

    holdtime: int
    calltime: int
    origposition: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Complete(CallEnd):
    """COMPLETEAGENT / COMPLETECALLER holdtime|calltime|origposition."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Transfer(CallEnd):
    """BLINDTRANSFER (Asterisk 12+) and legacy TRANSFER: extension|context|hold|call|origpos."""

    extension: str
    context: str


@dataclass(frozen=True, slots=True, kw_only=True)
class AttendedTransfer(CallEnd):
    """ATTENDEDTRANSFER method|target...|holdtime|calltime|origposition.

    method is BRIDGE (target = bridge id), APP (target = application) or LINK
    (target = the two linked channels joined by '|').
    """

    method: str
    target: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Exit(QueueLogEntry):
    """Unanswered exit: ABANDON / EXITWITHTIMEOUT / EXITEMPTY position|origposition|waittime."""

    position: int
    origposition: int
    waittime: int


@dataclass(frozen=True, slots=True, kw_only=True)
class ExitWithKey(Exit):
    """EXITWITHKEY key|position|origposition|waittime."""

    key: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Withdraw(Exit):
    """WITHDRAW position|origposition|waittime|withdrawinfo (info cut to 40 chars)."""

    info: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Ring(QueueLogEntry):
    """RINGNOANSWER / RINGCANCELED ringtime in milliseconds."""

    ringtime_ms: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Pause(QueueLogEntry):
    """PAUSE / UNPAUSE reason (callid NONE); PAUSEALL / UNPAUSEALL (queue NONE)."""

    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class AgentLogin(QueueLogEntry):
    """AGENTLOGIN channel (app_agent_pool agents)."""

    channel: str


@dataclass(frozen=True, slots=True, kw_only=True)
class AgentLogoff(QueueLogEntry):
    """AGENTLOGOFF channel|logintime."""

    channel: str
    logintime: int


@dataclass(frozen=True, slots=True, kw_only=True)
class MemberSetting(QueueLogEntry):
    """PENALTY penalty / RINGINUSE 0|1 (agent = interface)."""

    value: int


@dataclass(frozen=True, slots=True)
class ParseProblem:
    """A line that was skipped, with its 1-based line number and why."""

    line_no: int
    line: str
    reason: str


@dataclass(frozen=True, slots=True)
class ParseResult:
    entries: list[QueueLogEntry]
    problems: list[ParseProblem]


class MalformedLine(ValueError):
    """A line that does not have the layout its verb requires."""


def _to_end(value: str) -> str:
    """Marks the last field of a layout: it takes the rest of the line, '|' included."""
    return value


# Layout of the data fields per verb: (class, [(name, converter)]); int fields are
# required, str fields default to "" when Asterisk left them off. The last field of
# WITHDRAW takes the rest of the line (free text may hold '|').
_Conv = Callable[[str], Any]
_TIMES = (("holdtime", int), ("calltime", int), ("origposition", int))
_EXIT = (("position", int), ("origposition", int), ("waittime", int))
LAYOUTS: dict[str, tuple[type[QueueLogEntry], tuple[tuple[str, _Conv], ...]]] = {
    "ENTERQUEUE": (EnterQueue, (("url", str), ("caller", str), ("position", int))),
    "CONNECT": (Connect, (("holdtime", int), ("member_uniqueid", str), ("ringtime", int))),
    "COMPLETEAGENT": (Complete, _TIMES),
    "COMPLETECALLER": (Complete, _TIMES),
    "BLINDTRANSFER": (Transfer, (("extension", str), ("context", str), *_TIMES)),
    "TRANSFER": (Transfer, (("extension", str), ("context", str), *_TIMES)),
    "ABANDON": (Exit, _EXIT),
    "EXITWITHTIMEOUT": (Exit, _EXIT),
    "EXITEMPTY": (Exit, _EXIT),
    "EXITWITHKEY": (ExitWithKey, (("key", str), *_EXIT)),
    "WITHDRAW": (Withdraw, (*_EXIT, ("info", _to_end))),
    "RINGNOANSWER": (Ring, (("ringtime_ms", int),)),
    "RINGCANCELED": (Ring, (("ringtime_ms", int),)),
    "PAUSE": (Pause, (("reason", str),)),
    "UNPAUSE": (Pause, (("reason", str),)),
    "PAUSEALL": (Pause, (("reason", str),)),
    "UNPAUSEALL": (Pause, (("reason", str),)),
    "AGENTLOGIN": (AgentLogin, (("channel", str),)),
    "AGENTLOGOFF": (AgentLogoff, (("channel", str), ("logintime", int))),
    "PENALTY": (MemberSetting, (("value", int),)),
    "RINGINUSE": (MemberSetting, (("value", int),)),
}
# Known verbs whose data carries nothing to type: QUEUESTART, CONFIGRELOAD, ADDMEMBER,
# REMOVEMEMBER, AGENTDUMP, SYSCOMPAT; they (and custom QueueLog() verbs) stay QueueLogEntry.


def _convert(data: list[str], layout: tuple[tuple[str, _Conv], ...]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for i, (name, conv) in enumerate(layout):
        if conv is _to_end:
            values[name] = FIELD_SEP.join(data[i:])
            continue
        if i >= len(data):
            if conv is int:
                raise MalformedLine(f"{name} missing")
            values[name] = ""
            continue
        try:
            values[name] = conv(data[i].strip())
        except ValueError:
            raise MalformedLine(f"{name} is not a number: {data[i]!r}") from None
    return values


def _attended(data: list[str]) -> dict[str, Any]:
    if len(data) < 4:
        raise MalformedLine("ATTENDEDTRANSFER needs method|target|holdtime|calltime|origposition")
    values = _convert(data[-3:], _TIMES)
    return {"method": data[0], "target": FIELD_SEP.join(data[1:-3]), **values}


def _epoch(text: str) -> float:
    try:
        return float(text) if "." in text else int(text)
    except ValueError:
        raise MalformedLine(f"time is not an epoch: {text!r}") from None


def parse_line(line: str, *, line_no: int = 0) -> QueueLogEntry:
    """One line (no newline) → its entry; raises MalformedLine."""
    parts = line.rstrip("\r\n").split(FIELD_SEP)
    if len(parts) < HEADER_FIELDS or not parts[4]:
        raise MalformedLine(f"expected at least {HEADER_FIELDS} '|'-separated fields")
    at, callid, queue, agent, verb = _epoch(parts[0]), *parts[1:HEADER_FIELDS]
    data = parts[HEADER_FIELDS:]
    common: dict[str, Any] = {
        "at": at,
        "callid": callid,
        "queue": queue,
        "agent": agent,
        "verb": verb,
        "data": tuple(data),
        "line_no": line_no,
    }
    if verb == "ATTENDEDTRANSFER":
        return AttendedTransfer(**common, **_attended(data))
    cls, layout = LAYOUTS.get(verb, (QueueLogEntry, ()))
    return cls(**common, **_convert(data, layout))


def parse_lines(lines: Iterable[str], *, first_line_no: int = 1) -> ParseResult:
    """Parse lines; malformed ones are logged, reported with their number and skipped."""
    entries: list[QueueLogEntry] = []
    problems: list[ParseProblem] = []
    for line_no, line in enumerate(lines, start=first_line_no):
        text = line.rstrip("\r\n")
        if not text.strip():
            continue
        try:
            entries.append(parse_line(text, line_no=line_no))
        except MalformedLine as exc:
            log.warning("queue_log line %d skipped (%s): %r", line_no, exc, text)
            problems.append(ParseProblem(line_no=line_no, line=text, reason=str(exc)))
    return ParseResult(entries=entries, problems=problems)


def read_file(path: Path) -> ParseResult:
    """Parse a whole queue_log file (bytes that are not UTF-8 are replaced)."""
    with path.open(encoding="utf-8", errors="replace", newline="\n") as fh:
        return parse_lines(fh)
