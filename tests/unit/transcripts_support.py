"""Recorded AMI transcripts and their queue_log: load, replay, recount (files only)."""

from __future__ import annotations

import json
from pathlib import Path

from callcenter.ami.translate import queue_status_snapshot, translate
from queue_metrics.changes import Change
from queue_metrics.config import MetricsConfig
from queue_metrics.engine import MetricsEngine
from queue_metrics.records import CallRecord, Outcome

FIXTURES = Path(__file__).parents[1] / "fixtures" / "ami"
QUEUE, QUEUE2 = "online-shopping", "illegal-websites"
CONFIG = MetricsConfig(queues=(QUEUE, QUEUE2))
NAMES = sorted(p.stem for p in FIXTURES.glob("*.jsonl"))

# queue_log verb → (outcome, index of the wait among the data fields)
EXITS = {
    "ABANDON": (Outcome.abandoned, 2),
    "EXITWITHTIMEOUT": (Outcome.timeout, 2),
    "EXITEMPTY": (Outcome.no_agents, 2),
    "EXITWITHKEY": (Outcome.key_exit, 3),
    "WITHDRAW": (Outcome.withdrawn, 2),
}
TALK_AT = {"COMPLETEAGENT": 1, "COMPLETECALLER": 1, "BLINDTRANSFER": 3, "ATTENDEDTRANSFER": 3}


def load(name: str) -> list[dict[str, str]]:
    return [json.loads(line) for line in (FIXTURES / f"{name}.jsonl").read_text().splitlines()]


def queue_log(name: str) -> list[str]:
    return (FIXTURES / f"{name}.queue_log").read_text().splitlines()


def replay(engine: MetricsEngine, lines: list[dict[str, str]]) -> list[Change]:
    """Feed AMI lines in order; a QueueStatus reply (ActionID ... Complete) becomes a snapshot."""
    changes: list[Change] = []
    reply: list[dict[str, str]] = []
    last_ts = 0.0
    for headers in lines:
        if "ActionID" in headers:  # replies carry no Timestamp: use the last event's
            reply.append(headers)
            if headers.get("Event") == "QueueStatusComplete":
                changes += engine.apply(queue_status_snapshot(reply, ts=last_ts))
                reply = []
            continue
        last_ts = float(headers.get("Timestamp", last_ts))
        for event in translate(headers):
            changes += engine.apply(event)
    return changes


def recount(lines: list[str], config: MetricsConfig = CONFIG) -> list[CallRecord]:
    """Queue calls rebuilt from queue_log alone (callid stands in for linkedid)."""
    open_: dict[tuple[str, str], CallRecord] = {}
    done: list[CallRecord] = []
    for line in lines:
        ts, callid, queue, agent, verb, *data = line.split("|")
        key = (callid, queue)
        if verb == "ENTERQUEUE":
            open_[key] = CallRecord(callid, callid, queue, float(ts), caller=data[1])
        elif verb == "CONNECT":
            wrapup = config.wrapup_for(queue)
            open_[key] = open_[key].with_(
                outcome=Outcome.answered, wait_s=int(data[0]), agent=agent, wrapup_s=wrapup
            )
        elif verb in TALK_AT:
            done.append(open_.pop(key).with_(talk_s=int(data[TALK_AT[verb]])))
        elif verb in EXITS:
            outcome, at = EXITS[verb]
            done.append(open_.pop(key).with_(outcome=outcome, wait_s=int(data[at])))
    return done
