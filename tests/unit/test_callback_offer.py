"""The callback offer in the queue (callcenter/callbacks/offer.py): which keys withdraw whom."""

from __future__ import annotations

from typing import Any

from callcenter.ami.events import is_queue_event, is_service_event, manager_event_filter
from callcenter.callbacks.offer import CallbackOffer
from callcenter.callbacks.service import Policy

POLICY = Policy(window_s=1800, offsets=(0,), number_pattern=r"0\d{9}", short_abandon_s=5)


class FakeAmi:
    """Records actions; answers like Asterisk when the caller is no longer in the queue."""

    def __init__(self) -> None:
        self.actions: list[dict[str, Any]] = []

    async def action(self, action: dict[str, Any], **_: Any) -> dict[str, str]:
        self.actions.append(action)
        return {"Response": "Error", "Message": "Unable to find caller"}


def _offer(now: list[float], ivr_app: str | None = None) -> tuple[CallbackOffer, FakeAmi]:
    ami = FakeAmi()
    offer = CallbackOffer(
        ami=ami,  # type: ignore[arg-type]
        sessions=None,  # type: ignore[arg-type]
        policy=POLICY,
        after_s={"online-shopping": 30, "digital-law": 0},
        clock=lambda: now[0],
        ivr_app=ivr_app,
    )
    return offer, ami


def _join(queue: str = "online-shopping") -> dict[str, str]:
    return {
        "Event": "QueueCallerJoin", "Queue": queue, "Uniqueid": "u1",
        "Channel": "PJSIP/carrier-00000001", "CallerIDNum": "0812345678",
    }  # fmt: skip


def _key(digit: str) -> dict[str, str]:
    return {"Event": "DTMFEnd", "Uniqueid": "u1", "Digit": digit, "Direction": "Received"}


async def test_key_1_after_the_offer_withdraws_the_caller_for_a_callback() -> None:
    now = [100.0]
    offer, ami = _offer(now)
    offer.handle(_join())
    now[0] += 10
    offer.handle(_key("1"))  # before the offer was made: a stray key
    now[0] += 20
    offer.handle(_key("2"))  # another key: nothing
    await offer.drain()
    assert ami.actions == []
    offer.handle(_key("1"))
    offer.handle(_key("1"))  # a second press while the first is on its way: once
    await offer.drain()
    assert ami.actions == [
        {
            "Action": "QueueWithdrawCaller", "Queue": "online-shopping",
            "Caller": "PJSIP/carrier-00000001", "WithdrawInfo": "callback",
        }
    ]  # fmt: skip
    assert offer.requested == 0, "Asterisk said no (answered meanwhile): no task"


async def test_no_offer_in_a_queue_without_one_nor_after_leaving() -> None:
    now = [0.0]
    offer, ami = _offer(now)
    offer.handle(_join("digital-law"))
    now[0] += 100
    offer.handle(_key("1"))
    offer.handle(_join())
    offer.handle({"Event": "QueueCallerLeave", "Uniqueid": "u1", "Queue": "online-shopping"})
    offer.handle(_key("1"))
    offer.handle({"Event": "DTMFEnd", "Uniqueid": "u1", "Digit": "1", "Direction": "Sent"})
    await offer.drain()
    assert ami.actions == []


async def test_a_caller_another_services_menu_sent_is_left_to_that_service() -> None:
    """Two services on one Asterisk both hear the key: only the one whose menu (Stasis app,
    CC_IVR_APP on the channel) sent the caller withdraws them and owes the callback."""
    now = [0.0]
    offer, ami = _offer(now, ivr_app="callcenter")
    offer.handle(_join() | {"ChanVariable": "CC_IVR_APP=cc-ivr-test1"})
    now[0] += 40
    offer.handle(_key("1"))
    await offer.drain()
    assert ami.actions == []
    offer.handle(_join() | {"ChanVariable": "CC_IVR_APP=callcenter"})
    now[0] += 40
    offer.handle(_key("1"))
    await offer.drain()
    assert [a["Action"] for a in ami.actions] == ["QueueWithdrawCaller"]


def test_keys_reach_the_service_but_are_never_stored() -> None:
    assert is_service_event("DTMFEnd") and not is_queue_event("DTMFEnd")
    assert "DTMFEnd" in manager_event_filter()
