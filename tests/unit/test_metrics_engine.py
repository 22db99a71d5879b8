"""The live engine: agent states, wrap-up, hold, resync and lost events, on real and made events."""

from __future__ import annotations

from queue_metrics import kpi
from queue_metrics.changes import Change
from queue_metrics.config import MetricsConfig
from queue_metrics.engine import MetricsEngine
from queue_metrics.events import (
    CallAnswered,
    CallerAbandonReported,
    CallerJoined,
    CallerLeftUnanswered,
    CallHeld,
    CallUnheld,
    ChannelHungUp,
    MemberAdded,
    MemberPaused,
    QueueSnapshot,
    SnapshotEntry,
    TalkEnded,
)
from queue_metrics.records import Outcome
from tests.unit.transcripts_support import (
    CONFIG,
    QUEUE,
    QUEUE2,
    load,
    queue_log,
    recount,
    replay,
)

T0 = 1_795_982_000.0
AGENT = "Local/7901@agents/n"


def agent_states(changes: list[Change], interface: str, queue: str | None = QUEUE) -> list[str]:
    return [
        c.data["state"]
        for c in changes
        if c.kind == "agent_state" and c.key == interface and c.queue == queue
    ]


def until_snapshot(lines: list[dict[str, str]], n: int) -> list[dict[str, str]]:
    """The transcript up to the end of its n-th QueueStatus reply (0 = the first)."""
    ends = [i for i, h in enumerate(lines) if h.get("Event") == "QueueStatusComplete"]
    return lines[: ends[n] + 1]


def reply(lines: list[dict[str, str]], n: int) -> list[dict[str, str]]:
    """The n-th QueueStatus reply of the transcript, alone."""
    ids = list(dict.fromkeys(h["ActionID"] for h in lines if "ActionID" in h))
    return [h for h in lines if h.get("ActionID") == ids[n]]


def test_agent_goes_ringing_on_call_available_logged_out() -> None:
    changes = replay(MetricsEngine(config=CONFIG), load("answered"))
    states = agent_states(changes, AGENT)
    assert states == ["available", "ringing", "on_call", "available", "logged_out"]
    assert agent_states(changes, AGENT, None) == states  # centre view of a one-queue agent


def test_ring_no_answer_agent_is_never_shown_on_call() -> None:
    changes = replay(MetricsEngine(config=CONFIG), load("ring_no_answer"))
    assert agent_states(changes, AGENT) == ["available", "ringing", "available", "logged_out"]
    second = agent_states(changes, "Local/7902@agents/n")
    assert second == ["available", "ringing", "on_call", "available", "logged_out"]


def test_paused_reasons_and_current_wait_mid_call() -> None:
    engine = MetricsEngine(config=CONFIG)
    replay(engine, until_snapshot(load("abandoned_paused"), 1))
    (call,) = engine.calls.open.values()
    now = call.record.entered_at + 4.25
    view = engine.snapshot(now)["queues"][QUEUE]
    assert view["agents_by_state"]["paused"] == 2
    assert view["paused_reasons"] == {"lunch": 1, "training": 1}
    assert view["calls_waiting"] == 1 and view["longest_wait_s"] == 4.2
    assert view["waiting"][0]["wait_s"] == 4.2 and view["waiting"][0]["caller"] == "0812345678"
    centre = engine.snapshot(now)["centre"]
    assert centre["calls_waiting"] == 1 and centre["paused_reasons"] == {"lunch": 1, "training": 1}


def test_resync_rebuilds_a_caller_whose_join_was_lost() -> None:
    lines = [h for h in load("abandoned_paused") if h.get("Event") != "QueueCallerJoin"]
    engine = MetricsEngine(config=CONFIG)
    replay(engine, lines)
    (record,) = engine.finished
    assert record.outcome is Outcome.abandoned and record.wait_s == 7
    assert record.linkedid  # learnt from the abandon, for the centre's dedup
    audit = recount(queue_log("abandoned_paused"))
    assert kpi.compute(engine.finished, config=CONFIG) == kpi.compute(audit, config=CONFIG)


def test_repeated_resyncs_neither_duplicate_nor_lose_records() -> None:
    lines = load("abandoned_paused")
    first = until_snapshot(lines, 1)
    engine = MetricsEngine(config=CONFIG)
    replay(engine, first + reply(lines, 1) + lines[len(first) :] + reply(lines, 0))
    assert len(engine.finished) == 1 and not engine.unresolved and not engine.calls.open


def test_resync_turns_a_vanished_waiting_caller_into_unresolved() -> None:
    engine = MetricsEngine(config=CONFIG)
    engine.apply(CallerJoined(T0, "c1", "l1", QUEUE, "0811111111", 1))
    changes = engine.apply(QueueSnapshot(T0 + 30, (QUEUE,), (), ()))
    assert [c.kind for c in changes] == ["call_unresolved", "resynced"]
    assert [r.call_id for r in engine.unresolved] == ["c1"] and not engine.finished
    assert kpi.compute(engine.records(), config=CONFIG)["centre"]["offered"] == 0


def test_resync_adds_waiting_callers_with_entry_from_their_wait() -> None:
    engine = MetricsEngine(config=CONFIG)
    entry = SnapshotEntry(QUEUE, "c2", "0822222222", 1, 12)
    changes = engine.apply(QueueSnapshot(T0, (QUEUE,), (), (entry,)))
    assert changes[0].kind == "call_waiting" and changes[0].data["entered_at"] == T0 - 12
    assert engine.snapshot(T0 + 3)["queues"][QUEUE]["longest_wait_s"] == 15.0


def test_wrapup_is_charged_and_shown_until_it_runs_out() -> None:
    config = MetricsConfig(queues=(QUEUE, QUEUE2), wrapup_s={QUEUE: 10})
    engine = MetricsEngine(config=config)
    replay(engine, [h for h in load("answered") if h.get("Event") != "QueueMemberRemoved"])
    (record,) = engine.finished
    assert record.wrapup_s == 10
    assert kpi.compute(engine.finished, config=config)["queues"][QUEUE]["aht_s"] == 15.0
    end = record.ended_at or 0.0
    assert engine.snapshot(end + 9)["queues"][QUEUE]["agents"][0]["state"] == "wrap_up"
    assert agent_states(engine.tick(end + 9), AGENT) == []
    assert agent_states(engine.tick(end + 10), AGENT) == ["available"]


def test_member_wrapuptime_wins_over_the_queue_setting() -> None:
    engine = MetricsEngine(config=MetricsConfig(wrapup_s={QUEUE: 10}))
    engine.apply(MemberAdded(T0, QUEUE, AGENT, "a1", 1, False, "", 20))
    talk(engine, "c1", at=T0 + 1)
    assert engine.finished[0].wrapup_s == 20


def talk(
    engine: MetricsEngine, call_id: str, *, at: float, held: tuple[float, float] | None = None
) -> list[Change]:
    engine.apply(CallerJoined(at, call_id, call_id, QUEUE, "0811111111", 1))
    engine.apply(CallAnswered(at + 2, call_id, call_id, QUEUE, AGENT, "a1", "leg-" + call_id, 2, 2))
    if held:
        engine.apply(CallHeld(at + held[0], "leg-" + call_id, call_id))
        engine.apply(CallUnheld(at + held[1], "leg-" + call_id, call_id))
    return engine.apply(TalkEnded(at + 62, call_id, call_id, QUEUE, AGENT, "a1", 2, 60, "agent"))


def test_hold_is_charged_to_the_call_and_reported_beside_aht() -> None:
    engine = MetricsEngine()
    talk(engine, "c1", at=T0, held=(10.0, 17.4))
    engine.apply(CallHeld(T0 + 100, "leg-c1", "c1"))  # after the call: nothing to charge
    assert engine.finished[0].hold_s == 7
    centre = kpi.compute(engine.finished, config=CONFIG)["centre"]
    # kpi-v1.1: the 60 s of talk already include the 7 s on hold (kpi-v1 said 67).
    assert (centre["aht_s"], centre["avg_hold_s"]) == (60.0, 7.0)


def test_hold_still_on_when_the_talk_ends_counts_to_the_end() -> None:
    engine = MetricsEngine()
    engine.apply(CallerJoined(T0, "c2", "c2", QUEUE, "", 1))
    engine.apply(CallAnswered(T0 + 2, "c2", "c2", QUEUE, AGENT, "a1", "leg", 2, 2))
    engine.apply(CallHeld(T0 + 52, "c2", "c2"))  # the caller's channel put on hold
    engine.apply(TalkEnded(T0 + 62, "c2", "c2", QUEUE, AGENT, "a1", 2, 60, "caller"))
    engine.apply(CallUnheld(T0 + 63, "c2", "c2"))
    assert engine.finished[0].hold_s == 10


def test_join_refusal_counts_as_no_agents() -> None:
    engine = MetricsEngine()
    left = CallerLeftUnanswered(T0, "c1", "c1", QUEUE, Outcome.no_agents, "JOINEMPTY")
    (change,) = engine.apply(left)
    assert change.kind == "call_finished" and change.data["outcome"] == "no_agents"
    assert engine.finished[0].wait_s == 0


def test_a_join_the_busy_manager_wrote_late_counts_from_the_callers_entry() -> None:
    """The manager wrote QueueCallerJoin 12 s late; the dialplan's CC_ENTERED says when the
    caller entered: the record (matched with queue_log's ENTERQUEUE) and the wait on the
    wallboard start there, not at the late event."""
    engine = MetricsEngine()
    engine.apply(CallerJoined(T0 + 12, "c1", "c1", QUEUE, "", 1, entered_at=T0))
    (waiting,) = engine.snapshot(T0 + 14)["queues"][QUEUE]["waiting"]
    assert waiting["wait_s"] == 14.0
    engine.apply(CallAnswered(T0 + 20, "c1", "c1", QUEUE, AGENT, "a1", "leg", 20, 2))
    engine.apply(TalkEnded(T0 + 50, "c1", "c1", QUEUE, AGENT, "a1", 20, 30, "caller"))
    (record,) = engine.finished
    assert record.entered_at == T0 and (record.wait_s, record.talk_s) == (20, 30)


def test_abandon_whose_end_is_lost_is_unresolved_after_a_minute() -> None:
    engine = MetricsEngine()
    engine.apply(CallerJoined(T0, "c1", "c1", QUEUE, "", 1))
    engine.apply(CallerAbandonReported(T0 + 5, "c1", "c1", QUEUE, 5, 1))
    assert engine.tick(T0 + 60) == [] and engine.calls.open
    assert [c.kind for c in engine.tick(T0 + 66)] == ["call_unresolved"]
    assert engine.unresolved[0].outcome is None


def test_talk_whose_completion_is_lost_is_unresolved_after_the_hangup() -> None:
    engine = MetricsEngine()
    engine.apply(CallerJoined(T0, "c1", "c1", QUEUE, "", 1))
    engine.apply(CallAnswered(T0 + 2, "c1", "c1", QUEUE, AGENT, "a1", "leg", 2, 2))
    engine.apply(ChannelHungUp(T0 + 30, "c1", "c1"))
    assert engine.calls.open  # AgentComplete may still be on its way
    engine.tick(T0 + 91)
    assert engine.unresolved[0].outcome is Outcome.answered and not engine.calls.open


def test_an_agent_whose_caller_hung_up_is_free_without_agentcomplete() -> None:
    """A call cut within a second of its answer (CONNECT and COMPLETECALLER in the same
    second in queue_log) once left its agent on_call for the minute until the record went
    unresolved, so the dropped caller's callback found no free agent in its window."""
    engine = MetricsEngine()
    engine.apply(MemberAdded(T0, QUEUE, AGENT, "a1", 1, False, "", 0))
    engine.apply(CallerJoined(T0, "c1", "c1", QUEUE, "", 1))
    engine.apply(CallAnswered(T0 + 1, "c1", "c1", QUEUE, AGENT, "a1", "leg", 1, 1))
    assert engine.agents.state(QUEUE, AGENT, T0 + 1)[0] == "on_call"
    changes = engine.apply(ChannelHungUp(T0 + 1.2, "c1", "c1"))
    assert agent_states(changes, AGENT)[-1:] == ["available"]  # the wallboard sees it at once
    assert engine.agents.state(QUEUE, AGENT, T0 + 2)[0] == "available"
    assert engine.calls.open  # the record still waits for AgentComplete (or the minute)
    # a late AgentComplete still closes the record and starts the queue's wrap-up
    engine.apply(TalkEnded(T0 + 1.3, "c1", "c1", QUEUE, AGENT, "a1", 1, 0, "caller"))
    assert not engine.calls.open and engine.finished[-1].outcome is Outcome.answered


def test_completion_of_a_call_answered_during_an_outage_is_rebuilt() -> None:
    engine = MetricsEngine()
    engine.apply(TalkEnded(T0 + 100, "c1", "l1", QUEUE, AGENT, "a1", 7, 60, "caller"))
    (record,) = engine.finished
    assert record.entered_at == T0 + 33 and record.wait_s == 7 and record.talk_s == 60


def test_centre_state_is_the_most_engaged_across_queues() -> None:
    engine = MetricsEngine()
    engine.apply(MemberAdded(T0, QUEUE, AGENT, "a1", 1, False, "", 0))
    engine.apply(MemberAdded(T0, QUEUE2, AGENT, "a1", 1, False, "", 0))
    changes = engine.apply(MemberPaused(T0 + 1, QUEUE, AGENT, "a1", True, "lunch"))
    assert agent_states(changes, AGENT) == ["paused"]
    assert agent_states(changes, AGENT, None) == []  # still available in QUEUE2
    centre = engine.snapshot(T0 + 2)["centre"]
    assert centre["agents_by_state"]["available"] == 1 and centre["paused_reasons"] == {}
    changes = engine.apply(MemberPaused(T0 + 3, QUEUE2, AGENT, "a1", True, "lunch"))
    assert agent_states(changes, AGENT, None) == ["paused"]


def test_transfer_keeps_its_target_and_the_caller_counts_once() -> None:
    engine = MetricsEngine(config=CONFIG)
    replay(engine, load("transfer"))
    first, second = engine.finished
    assert first.ended_by == "transfer" and first.transferred_to == f"{QUEUE2}@queue-entry"
    assert second.queue == QUEUE2 and second.linkedid == first.linkedid
    result = kpi.compute(engine.finished, config=CONFIG)
    assert result["centre"]["offered"] == 1 and result["centre"]["aht_s"] == 7.0
    assert result["queues"][QUEUE]["offered"] == result["queues"][QUEUE2]["offered"] == 1


def test_take_records_hands_each_finished_call_over_once() -> None:
    """What the service stores: the answered call at connect, its final figures once."""
    from callcenter.ami.translate import translate

    engine = MetricsEngine(config=CONFIG)
    stored = []
    for headers in load("answered"):
        for event in translate(headers):
            stored += engine.take_records(engine.apply(event))
    assert [r.outcome for r in stored] == [Outcome.answered, Outcome.answered]
    assert stored[0].talk_s is None and stored[1].talk_s is not None
    assert engine.take_records([]) == []  # nothing handed over twice
