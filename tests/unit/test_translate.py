"""AMI header dicts (as recorded from Asterisk 22) → domain events; the rest is skipped."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from callcenter.ami.translate import NOTHING, TABLE, queue_status_snapshot, translate
from queue_metrics.events import (
    AgentRingNoAnswer,
    AgentRung,
    CallAnswered,
    CallerAbandonReported,
    CallerJoined,
    CallerLeftUnanswered,
    CallHeld,
    CallTransferred,
    CallUnheld,
    ChannelHungUp,
    MemberAdded,
    MemberPaused,
    MemberRemoved,
    MemberStatus,
    SnapshotEntry,
    SnapshotMember,
    TalkEnded,
)
from queue_metrics.records import Outcome

FIXTURES = Path(__file__).parents[1] / "fixtures" / "ami"
Q = "online-shopping"
AGENT = "Local/7901@agents/n"


def first(name: str, event: str, **match: str) -> dict[str, str]:
    for line in (FIXTURES / f"{name}.jsonl").read_text().splitlines():
        headers = json.loads(line)
        if headers.get("Event") == event and all(headers.get(k) == v for k, v in match.items()):
            return headers
    raise LookupError(f"{event} {match} not in {name}")


def one(headers: dict[str, str]) -> object:
    (event,) = translate(headers)
    return event


def test_caller_joined() -> None:
    h = first("answered", "QueueCallerJoin")
    assert one(h) == CallerJoined(
        float(h["Timestamp"]), h["Uniqueid"], h["Linkedid"], Q, "0812345678", 1
    )
    assert h["Uniqueid"].endswith("-net")  # the caller channel inside the queue


def test_a_busy_managers_late_join_keeps_the_callers_own_entry_time() -> None:
    """Under load the manager wrote QueueCallerJoin 12 s after queue_log's ENTERQUEUE (stasis
    queues at their high-water mark): the entry time is the dialplan's CC_ENTERED, set in the
    call's thread, so the live record and queue_log's name the same entry."""
    h = dict(first("answered", "QueueCallerJoin"))
    stamp = float(h["Timestamp"])
    h["ChanVariable"] = f"CC_ENTERED={stamp - 12.25:.6f}"
    event = one(h)
    assert isinstance(event, CallerJoined)
    assert event.ts == stamp and event.entry_time == pytest.approx(stamp - 12.25)
    several = {**h, "ChanVariable": ["OTHER=1", f"CC_ENTERED={stamp - 3:.6f}"]}
    assert one(several).entry_time == pytest.approx(stamp - 3)  # type: ignore[attr-defined]
    # Two channelvars arrive as one header joined by the AMI client (seen on Asterisk 22 with
    # channelvars = CC_ENTERED,CC_LANG): each variable is still read on its own.
    for joined in (f"CC_ENTERED={stamp - 4:.6f},CC_LANG=en", f"CC_LANG=,CC_ENTERED={stamp - 4}"):
        assert one({**h, "ChanVariable": joined}).entry_time == pytest.approx(stamp - 4)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "value",
    ["", "soon", "nan", "+1 hour", "{later}", "{much_earlier}"],
)
def test_a_missing_or_implausible_entry_time_falls_back_to_the_events(value: str) -> None:
    h = dict(first("answered", "QueueCallerJoin"))
    stamp = float(h["Timestamp"])
    value = value.format(later=stamp + 5, much_earlier=stamp - 3600)
    h["ChanVariable"] = f"CC_ENTERED={value}"
    event = one(h)
    assert isinstance(event, CallerJoined) and event.entry_time == stamp


def test_agent_rung_and_ring_no_answer() -> None:
    rung = one(first("ring_no_answer", "AgentCalled"))
    assert isinstance(rung, AgentRung) and (rung.interface, rung.member) == (AGENT, "kpi-agent-01")
    rna = one(first("ring_no_answer", "AgentRingNoAnswer"))
    assert isinstance(rna, AgentRingNoAnswer) and rna.ring_ms == 15000


def test_answered_has_holdtime_as_wait_and_agent_leg() -> None:
    h = first("ring_no_answer", "AgentConnect")
    event = one(h)
    assert isinstance(event, CallAnswered)
    assert (event.wait_s, event.ring_s, event.member) == (17, 1, "kpi-agent-02")
    assert event.agent_channel_id == h["DestUniqueid"] and event.linkedid == h["Linkedid"]


@pytest.mark.parametrize(
    ("name", "reason", "talk"), [("answered", "agent", 5), ("caller_hangs_up", "caller", 3)]
)
def test_talk_ended(name: str, reason: str, talk: int) -> None:
    event = one(first(name, "AgentComplete"))
    assert isinstance(event, TalkEnded) and (event.reason, event.talk_s) == (reason, talk)


def test_transfer_talk_end_and_target() -> None:
    event = one(first("transfer", "AgentComplete"))
    assert isinstance(event, TalkEnded) and event.reason == "transfer"
    h = first("transfer", "BlindTransfer")
    moved = one(h)
    assert isinstance(moved, CallTransferred)
    assert moved.target == "illegal-websites@queue-entry"
    assert moved.channel_ids == (h["TransfererUniqueid"], h["TransfereeUniqueid"])


def test_abandon_report_carries_wait() -> None:
    event = one(first("abandoned_paused", "QueueCallerAbandon"))
    assert isinstance(event, CallerAbandonReported) and event.wait_s == 7


@pytest.mark.parametrize(
    ("name", "status", "outcome"),
    [
        ("timeout", "TIMEOUT", Outcome.timeout),
        ("no_agents", "LEAVEEMPTY", Outcome.no_agents),
        ("key_exit", "EXITWITHKEY", Outcome.key_exit),
        ("withdrawn", "WITHDRAW", Outcome.withdrawn),
    ],
)
def test_queue_outcome_user_event(name: str, status: str, outcome: Outcome) -> None:
    event = one(first(name, "UserEvent"))
    assert isinstance(event, CallerLeftUnanswered)
    assert (event.status, event.outcome, event.queue) == (status, outcome, Q)
    assert event.key == ("9" if status == "EXITWITHKEY" else "")


def test_other_user_events_and_continue_are_skipped() -> None:
    h = first("timeout", "UserEvent")
    assert translate({**h, "UserEvent": "SomethingElse"}) == []
    assert translate({**h, "Status": "CONTINUE"}) == []
    assert translate({**h, "Status": ""}) == []


def test_hangup_hold_unhold() -> None:
    h = first("answered", "Hangup")
    assert one(h) == ChannelHungUp(float(h["Timestamp"]), h["Uniqueid"], h["Linkedid"])
    unhold = first("transfer", "Unhold")
    assert isinstance(one(unhold), CallUnheld)
    assert isinstance(one({**unhold, "Event": "Hold"}), CallHeld)


def test_member_events() -> None:
    added = one(first("abandoned_paused", "QueueMemberAdded"))
    assert isinstance(added, MemberAdded) and (added.interface, added.status) == (AGENT, 1)
    paused = one(first("abandoned_paused", "QueueMemberPause", Paused="1"))
    assert isinstance(paused, MemberPaused) and (paused.paused, paused.reason) == (True, "lunch")
    unpaused = one(first("abandoned_paused", "QueueMemberPause", Paused="0"))
    assert isinstance(unpaused, MemberPaused) and not unpaused.paused
    status = one(first("answered", "QueueMemberStatus"))
    assert isinstance(status, MemberStatus) and status.status == 2  # a Local agent ringing
    assert isinstance(one(first("answered", "QueueMemberRemoved")), MemberRemoved)


def test_unknown_and_malformed_events_are_skipped() -> None:
    assert translate(first("answered", "Newchannel")) is NOTHING
    assert translate({}) is NOTHING
    join = first("answered", "QueueCallerJoin")
    assert translate({k: v for k, v in join.items() if k != "Uniqueid"}) is NOTHING
    assert translate({**join, "Position": "x"}) is NOTHING
    failed = {**first("transfer", "BlindTransfer"), "Result": "Fail"}
    assert translate(failed) is NOTHING


def test_every_recorded_event_translates_or_is_skipped() -> None:
    for path in FIXTURES.glob("*.jsonl"):
        for line in path.read_text().splitlines():
            headers = json.loads(line)
            events = translate(headers)
            assert (len(events) == 1) == (headers.get("Event") in TABLE), headers


def test_queue_status_reply_becomes_a_snapshot() -> None:
    lines = [json.loads(x) for x in (FIXTURES / "abandoned_paused.jsonl").read_text().splitlines()]
    ids = list(dict.fromkeys(h["ActionID"] for h in lines if "ActionID" in h))
    reply = [h for h in lines if h.get("ActionID") == ids[1]]
    snap = queue_status_snapshot(reply, ts=100.0)
    assert snap.ts == 100.0 and snap.queues == (Q, "illegal-websites")
    assert {m.reason for m in snap.members} == {"lunch", "training"}
    assert all(isinstance(m, SnapshotMember) and m.paused for m in snap.members)
    (entry,) = snap.entries
    assert isinstance(entry, SnapshotEntry) and entry.wait_s == 3 and entry.caller == "0812345678"
    assert entry.call_id.endswith("-net")
