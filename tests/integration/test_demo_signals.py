"""`callcenter demo` stopped by SIGHUP (its terminal closed) cleans up like Ctrl-C: its agents
are logged out and its calls hung up, nothing is left ringing in the shared Asterisk."""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import Iterator

import pytest

from callcenter import centre
from callcenter.ami.client import AmiClient
from callcenter.config import Settings
from tests.helpers import poll
from tests.integration.conftest import CLI, own_database

pytestmark = pytest.mark.integration


@pytest.fixture
def demo_settings(settings: Settings) -> Iterator[Settings]:
    with own_database(settings, "callcenter_demohup") as own:
        yield own


async def demo_members(ami: AmiClient, ids: set[str]) -> set[str]:
    """Demo agents (by member name) logged in to any queue now."""
    reply = await ami.action({"Action": "QueueStatus"}, as_list=True)
    return {str(m.get("Name")) for m in reply if m.get("Event") == "QueueMember"} & ids


@pytest.mark.parametrize("stop", [signal.SIGHUP, signal.SIGTERM], ids=["HUP", "TERM"])
async def test_a_stopped_demo_leaves_no_agent_or_call_behind(
    demo_settings: Settings, sim_ami: AmiClient, stop: signal.Signals
) -> None:
    ids = {a.id for a in centre.load(demo_settings.conf_dir).agents} - {"agent01"}
    env = {**os.environ, "CALLCENTER_DATABASE_URL": demo_settings.database_url}
    proc = await asyncio.create_subprocess_exec(
        *CLI, "demo", "--day", "120", "--report", "5",
        env=env, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        await poll(
            lambda: _logged_in_or_exited(proc, sim_ami, ids), timeout_s=60, interval_s=1,
            what="the demo's agents logged in",
        )  # fmt: skip
        assert proc.returncode is None, "the demo exited before it was stopped"
        proc.send_signal(stop)
        async with asyncio.timeout(90):
            _, raw = await proc.communicate()
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.communicate()
    err = raw.decode()
    assert proc.returncode == 0, err[-2000:]
    assert "demo stopped: its calls hung up, its agents logged out" in err, err[-2000:]
    assert await demo_members(sim_ami, ids) == set()


async def _logged_in_or_exited(
    proc: asyncio.subprocess.Process, ami: AmiClient, ids: set[str]
) -> bool:
    return proc.returncode is not None or len(await demo_members(ami, ids)) >= 30
