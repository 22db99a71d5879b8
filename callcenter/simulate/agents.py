"""Simulated agents: queue members `Local/7NNN@agents/n`, logged in/paused through AMI."""

from __future__ import annotations

from typing import Any

from callcenter.ami.client import AmiClient, message_to_dict

SIM_PREFIX = "sim-agent-"


def interface(n: int) -> str:
    return f"Local/{7000 + n}@agents/n"


def member_name(n: int) -> str:
    return f"{SIM_PREFIX}{n:02d}"


class SimAgents:
    """Log in, pause, unpause and log out simulated agents of one queue."""

    def __init__(self, *, ami: AmiClient, queue: str) -> None:
        self._ami = ami
        self._queue = queue

    async def members(self) -> dict[str, dict[str, str]]:
        """Simulated members of the queue now: interface → QueueMember headers."""
        response = await self._ami.action(
            {"Action": "QueueStatus", "Queue": self._queue}, as_list=True
        )
        found: dict[str, dict[str, str]] = {}
        for message in response if isinstance(response, list) else [response]:
            event = message_to_dict(message)
            if event.get("Event") == "QueueMember" and event.get("Name", "").startswith(SIM_PREFIX):
                found[event.get("Location") or event.get("StateInterface", "")] = event
        return found

    async def ensure(self, count: int, *, penalty: int = 0) -> list[str]:
        """Exactly agents 1..count logged in (and unpaused); others removed."""
        present = await self.members()
        wanted = {interface(n): n for n in range(1, count + 1)}
        for iface in present:
            if iface not in wanted:
                await self._action("QueueRemove", Interface=iface)
        for iface, n in wanted.items():
            if iface in present:
                await self.unpause(n)
            else:
                await self.login(n, penalty=penalty)
        return [member_name(n) for n in wanted.values()]

    async def login(self, n: int, *, penalty: int = 0) -> None:
        await self._action(
            "QueueAdd", Interface=interface(n), MemberName=member_name(n), Penalty=str(penalty)
        )

    async def pause(self, n: int, *, reason: str = "break") -> None:
        await self._action("QueuePause", Interface=interface(n), Paused="true", Reason=reason)

    async def unpause(self, n: int) -> None:
        await self._action("QueuePause", Interface=interface(n), Paused="false")

    async def logout(self, n: int) -> None:
        await self._action("QueueRemove", Interface=interface(n))

    async def logout_all(self) -> None:
        for iface in await self.members():
            await self._action("QueueRemove", Interface=iface)

    async def _action(self, name: str, **headers: str) -> Any:
        return await self._ami.action({"Action": name, "Queue": self._queue, **headers})
