"""AMI events become idempotent rows: a redelivered event has the same key."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from panoramisk.message import Message

from callcenter.ami.client import message_to_dict
from callcenter.ami.events import dedup_key, is_queue_event, to_row
from callcenter.ami.wire import block_to_dict

JOIN = {
    "Event": "QueueCallerJoin",
    "Timestamp": "1764440000.123456",
    "Channel": "Local/general@callers-00000001;2",
    "Uniqueid": "sim1-abc-00000-net",
    "Linkedid": "sim1-abc-00000",
    "Queue": "general",
    "Position": "1",
    "Count": "1",
}
NOW = datetime(2026, 11, 29, tzinfo=UTC).timestamp()


def test_queue_and_agent_events_are_kept_others_skipped() -> None:
    for name in (
        "QueueCallerJoin",
        "QueueCallerAbandon",
        "AgentConnect",
        "AgentComplete",
        "QueueMemberPause",
        "Hangup",
    ):
        assert is_queue_event(name), name
    for name in ("Newexten", "VarSet", "RTCPSent", "DialBegin", "FullyBooted"):
        assert not is_queue_event(name), name


def test_same_event_same_key_any_header_order() -> None:
    reordered = dict(reversed(list(JOIN.items())))
    assert dedup_key(JOIN) == dedup_key(reordered)
    assert dedup_key(JOIN) != dedup_key({**JOIN, "Timestamp": "1764440000.123457"})


def test_row_uses_asterisk_timestamp_and_ids() -> None:
    row = to_row(JOIN, received_at=NOW)
    assert row.event_ts == 1764440000.123456
    assert (row.event, row.queue, row.linkedid) == ("QueueCallerJoin", "general", "sim1-abc-00000")
    assert row.dedup_key == dedup_key(JOIN)
    assert json.loads(row.headers) == JOIN
    no_ts = to_row({k: v for k, v in JOIN.items() if k != "Timestamp"}, received_at=NOW)
    assert no_ts.event_ts == NOW


def test_event_block_parses_like_panoramisk() -> None:
    """The client's fast path gives the same dict as panoramisk's Message would."""
    block = "\r\n".join(
        [
            "Event: BlindTransfer",
            'Result: "Success"',
            "ChanVariable: A=1",
            "ChanVariable: B=2",
            "Extension: 7001",
            "Broken line without separator",
            "Context: agents",
        ]
    )
    assert block_to_dict(block) == message_to_dict(Message.from_line(block))
    assert block_to_dict(block)["ChanVariable"] == "A=1,B=2"
