"""Wrap-up disposition codes: the shipped list validates; broken files are refused whole."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from callcenter.desk import dispositions
from queue_metrics.agents import AgentStates
from queue_metrics.events import MemberAdded

ROOT = Path(__file__).resolve().parents[2]
ONE = '[[dispositions]]\ncode = "{code}"\nlabel_th = "{th}"\nlabel_en = "{en}"\n'


def test_the_shipped_list_has_thai_and_english_labels() -> None:
    codes = dispositions.load(ROOT / "asterisk_conf")
    assert len(codes) >= 5
    assert all(c.label_th and c.label_en and c.label_th != c.label_en for c in codes)
    assert any(c.code == "resolved" for c in codes)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "at least one"),
        (ONE.format(code="Bad Code", th="ก", en="x"), "must be 1-32"),
        (ONE.format(code="ok", th=" ", en="x"), "label_th"),
        (ONE.format(code="ok", th="ก", en="x") * 2, "appears twice"),
        (ONE.format(code="ok", th="ก", en="x") + 'colour = "red"\n', "exactly code"),
        ("[[dispositions]\n", "not valid TOML"),
    ],
)
def test_a_broken_list_is_refused_with_the_reason(text: str, says: str) -> None:
    with pytest.raises(dispositions.BadDispositions, match=says):
        dispositions.parse(text)


def test_an_edited_file_is_read_again(tmp_path: Path) -> None:
    path = tmp_path / dispositions.DISPOSITIONS_FILE
    path.write_text(ONE.format(code="a", th="ก", en="A"), encoding="utf-8")
    assert [c.code for c in dispositions.load(tmp_path)] == ["a"]
    path.write_text(ONE.format(code="b", th="ข", en="B"), encoding="utf-8")
    os.utime(path, (1_000_000_000, 1_000_000_000))  # a different mtime, whatever the clock
    assert [c.code for c in dispositions.load(tmp_path)] == ["b"]


def test_ending_wrap_up_makes_the_agent_available_at_once() -> None:
    agents, iface = AgentStates(), "PJSIP/agent07"
    agents.added(MemberAdded(0.0, "digital-law", iface, "agent07", 1, False, "", 0))
    agents.connected(iface, ("c1", "digital-law"))
    agents.completed(iface, ("c1", "digital-law"), wrapup_until=100.0)
    assert agents.state("digital-law", iface, 10.0) == ("wrap_up", "")
    assert agents.end_wrapup(iface) is True
    assert agents.state("digital-law", iface, 10.0) == ("available", "")
    assert agents.end_wrapup(iface) is False  # nothing left to end


class FakeAmi:
    """Records the actions sent (AmiClient's `action`), answers each with Success."""

    def __init__(self) -> None:
        self.sent: list[dict[str, str]] = []

    async def action(self, action: dict[str, str], **_: object) -> dict[str, str]:
        self.sent.append(action)
        return {"Response": "Success"}


async def test_disposition_ends_asterisks_wrap_up_only_where_a_queue_has_one() -> None:
    from types import SimpleNamespace
    from typing import Any

    from callcenter.centre import AgentDef, Centre, QueueDef
    from callcenter.desk import service
    from queue_metrics.events import MemberPaused

    layout = Centre(
        queues=[QueueDef("digital-law", "4", "ก", "Digital law", wrapuptime=60),
                QueueDef("online-shopping", "1", "ข", "Online shopping")],
        agents=[AgentDef("agent07", "Agent 07", {"digital-law": 2, "online-shopping": 0})],
        default_queue="digital-law",
    )  # fmt: skip
    agents, iface = AgentStates(), "PJSIP/agent07"
    for queue in ("digital-law", "online-shopping"):
        agents.added(MemberAdded(0.0, queue, iface, "agent07", 1, False, "", 0))
    agents.connected(iface, ("c1", "digital-law"))
    agents.completed(iface, ("c1", "digital-law"), wrapup_until=70.0)
    agents.paused(MemberPaused(11.0, "digital-law", iface, "agent07", True, "meal"))
    ami, metrics = FakeAmi(), SimpleNamespace(agents=agents)
    fake: Any = ami
    ended = await service.end_wrapup(
        ami=fake, metrics=metrics, layout=layout, agent=layout.agents[0], now=12.0
    )
    assert ended is True
    assert [(a["Action"], a.get("Queue")) for a in ami.sent] == [
        ("QueueRemove", "digital-law"), ("QueueAdd", "digital-law"), ("QueuePause", "digital-law"),
    ]  # fmt: skip
    assert (ami.sent[1]["Penalty"], ami.sent[2]["Paused"], ami.sent[2]["Reason"]) == (
        "2", "true", "meal",
    )  # fmt: skip
    assert agents.state("online-shopping", iface, 12.0) == ("available", "")
    # Nothing left to end: no action at all.
    ami.sent.clear()
    assert (
        await service.end_wrapup(
            ami=fake, metrics=metrics, layout=layout, agent=layout.agents[0], now=13.0
        )
        is False
    )
    assert ami.sent == []
