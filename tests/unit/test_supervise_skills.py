"""A supervisor adds or takes away an agent's queue (a skill) from the wallboard's grid."""

from __future__ import annotations

import pytest

from callcenter.errors import InvalidInput
from callcenter.supervise.schemas import AgentActionIn, AgentActionKind
from callcenter.supervise.service import agent_ami_actions

CENTRE = ["online-shopping", "cyber-threats", "digital-law", "general-enquiries"]
REASONS = {"meal"}


def body(action: AgentActionKind, queue: str | None, penalty: int | None = None) -> AgentActionIn:
    return AgentActionIn(interface="PJSIP/agent07", action=action, queue=queue, penalty=penalty)


def test_a_skill_is_added_in_a_queue_of_the_centre_paused_if_the_agent_is() -> None:
    (add,), detail = agent_ami_actions(
        body(AgentActionKind.add_queue, "digital-law", 2), ["online-shopping"], REASONS,
        centre_queues=CENTRE, member_name="agent07", paused=True,
    )  # fmt: skip
    assert add == {
        "Action": "QueueAdd", "Queue": "digital-law", "Interface": "PJSIP/agent07",
        "MemberName": "agent07", "Penalty": "2", "Paused": "true",
        "StateInterface": "PJSIP/agent07",
    }  # fmt: skip
    assert detail == "+digital-law=2"


@pytest.mark.parametrize("queue", [None, "online-shopping", "no-such-queue"])
def test_adding_a_skill_the_agent_has_or_the_centre_lacks_is_refused(queue: str | None) -> None:
    with pytest.raises(InvalidInput) as refused:
        agent_ami_actions(
            body(AgentActionKind.add_queue, queue), ["online-shopping"], REASONS,
            centre_queues=CENTRE,
        )  # fmt: skip
    assert refused.value.details["queues"] == ["cyber-threats", "digital-law", "general-enquiries"]


def test_a_skill_is_taken_away_but_never_the_last_one() -> None:
    (remove,), detail = agent_ami_actions(
        body(AgentActionKind.remove_queue, "cyber-threats"), ["online-shopping", "cyber-threats"],
        REASONS, centre_queues=CENTRE,
    )  # fmt: skip
    assert remove == {
        "Action": "QueueRemove",
        "Queue": "cyber-threats",
        "Interface": "PJSIP/agent07",
    }
    assert detail == "-cyber-threats"
    for queues, queue in (
        (["online-shopping"], "online-shopping"),
        (["online-shopping"], "digital-law"),
    ):
        with pytest.raises(InvalidInput):
            agent_ami_actions(
                body(AgentActionKind.remove_queue, queue), queues, REASONS, centre_queues=CENTRE
            )
