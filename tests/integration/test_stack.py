"""`callcenter stack`: the real Asterisk, SeaweedFS and PostgreSQL, as a user would see them."""

from __future__ import annotations

import asyncio
import json
import random
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from panoramisk import Manager

from callcenter.config import Settings, get_settings
from callcenter.stack.manager import StackManager
from callcenter.stack.procs import listening_sockets
from recordings.storage import bucket_has_object_lock, make_minio
from tests.helpers import poll

pytestmark = pytest.mark.integration

CLI = str(Path(sys.executable).parent / "callcenter")
QUEUE = "digital-platforms"
REC_SUB = "itstack"  # spool subfolder for this file's recordings


def cli(*args: str, timeout_s: float = 900) -> subprocess.CompletedProcess[str]:
    """Run `callcenter stack …` the way a user does."""
    return subprocess.run(
        [CLI, "stack", *args], capture_output=True, text=True, timeout=timeout_s, check=False
    )


def status() -> dict[str, dict[str, Any]]:
    """`stack status --json`, parsed."""
    done = cli("status", "--json", timeout_s=60)
    assert done.returncode == 0, done.stderr
    report: dict[str, dict[str, Any]] = json.loads(done.stdout)
    return report


@pytest.fixture(scope="module")
def stack() -> Iterator[dict[str, dict[str, Any]]]:
    """The stack is up (installed on first use) for every test here."""
    done = cli("up")
    assert done.returncode == 0, done.stderr
    yield status()


@pytest.fixture(scope="module")
def settings(stack: dict[str, dict[str, Any]]) -> Settings:
    """Settings with the generated secrets filled in."""
    return StackManager(get_settings()).settings


def test_status_shows_all_three_up(stack: dict[str, dict[str, Any]], settings: Settings) -> None:
    assert {name: info["state"] for name, info in stack.items()} == {
        "postgres": "up",
        "s3": "up",
        "asterisk": "up",
    }
    asterisk, s3 = stack["asterisk"], stack["s3"]
    assert isinstance(asterisk["pid"], int) and isinstance(s3["pid"], int)
    assert re.fullmatch(r"22\.\d+\.\d+", asterisk["version"])
    assert asterisk["ami"] == "127.0.0.1:5038"
    assert asterisk["ari"] == "http://127.0.0.1:8088/ari"
    assert asterisk["queue_log"] == str(settings.queue_log_file)
    assert asterisk["spool"] == str(settings.spool_path)
    assert Path(asterisk["queue_log"]).is_absolute() and Path(asterisk["spool"]).is_dir()
    assert s3["bucket"] == settings.s3_bucket and s3["object_lock"] is True


def test_every_socket_of_asterisk_and_weed_is_on_loopback(
    stack: dict[str, dict[str, Any]],
) -> None:
    pids = {stack["asterisk"]["pid"], stack["s3"]["pid"]}
    sockets = listening_sockets(pids)
    exposed = [s for s in sockets if not s.loopback]
    assert exposed == []
    ports = {(s.proto, s.port) for s in sockets}
    assert {("tcp", 5038), ("tcp", 8088), ("udp", 5060), ("tcp", 9000)} <= ports


def test_second_up_takes_seconds(stack: dict[str, dict[str, Any]]) -> None:
    started = time.monotonic()
    done = cli("up")
    elapsed = time.monotonic() - started
    assert done.returncode == 0, done.stderr
    assert "config unchanged" in done.stderr
    assert elapsed < 15


async def test_ami_login_works_with_the_generated_secret(settings: Settings) -> None:
    manager = Manager(
        host="127.0.0.1",
        port=settings.ami_port,
        username=settings.ami_user,
        secret=settings.ami_secret.get_secret_value(),
        ping_delay=0,
    )
    await asyncio.wait_for(manager.connect(), 10)
    try:
        reply = await asyncio.wait_for(manager.send_action({"Action": "Ping"}), 10)
        assert reply.get("Response") == "Success"
    finally:
        manager.close()


def test_ami_refuses_a_wrong_secret(settings: Settings) -> None:
    with socket.create_connection(("127.0.0.1", settings.ami_port), timeout=5) as sock:
        sock.recv(100)
        sock.sendall(b"Action: Login\r\nUsername: callcenter\r\nSecret: wrong\r\n\r\n")
        assert b"Authentication failed" in sock.recv(500)


def test_ari_answers_with_basic_auth(settings: Settings) -> None:
    url = f"{settings.ari_url}/asterisk/info"
    auth = (settings.ari_user, settings.ari_password.get_secret_value())
    answer = httpx.get(url, auth=auth, timeout=10)
    assert answer.status_code == 200
    assert answer.json()["system"]["version"].startswith("22.")
    assert httpx.get(url, auth=(settings.ari_user, "wrong"), timeout=10).status_code == 401


def test_bucket_has_object_lock(settings: Settings) -> None:
    client = make_minio(settings)
    assert client.bucket_exists(settings.s3_bucket)
    assert client.get_object_lock_config(settings.s3_bucket) is not None
    assert bucket_has_object_lock(client, settings.s3_bucket)
    assert not bucket_has_object_lock(client, "no-such-bucket")


def test_env_configures_a_shell(settings: Settings) -> None:
    names = ["AMI_SECRET", "S3_SECRET_KEY", "STATE_DIR", "QUEUE_LOG_PATH", "SPOOL_DIR", "ARI_URL"]
    script = f'eval "$({CLI} stack env)"; ' + " ".join(
        f'printf "%s\\n" "$CALLCENTER_{n}";' for n in names
    )
    done = subprocess.run(["bash", "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout.splitlines() == [
        settings.ami_secret.get_secret_value(),
        settings.s3_secret_key.get_secret_value(),
        str(settings.state_dir),
        str(settings.queue_log_file),
        str(settings.spool_path),
        settings.ari_url,
    ]


# -- one real call each way, through the Local-channel recipe the simulator uses ----------


async def simulated_call(
    settings: Settings, *, ticks: int, ring: int, talk: int, last: str
) -> tuple[str, list[str]]:
    """Add a sim agent, originate one caller, wait for `last`; (uniqueid, caller's events)."""
    caller = f"09{random.randrange(10**8):08d}"
    member = f"Local/{random.randrange(7100, 7999)}@agents/n"
    events: list[tuple[str, str]] = []
    done = asyncio.Event()

    def on_event(_: Manager, message: Any) -> None:
        if message.get("CallerIDNum") == caller and message.get("Queue") == QUEUE:
            events.append((message.get("Event"), message.get("Uniqueid")))
            if message.get("Event") == last:
                done.set()

    manager = Manager(
        host="127.0.0.1",
        port=settings.ami_port,
        username=settings.ami_sim_user,
        secret=settings.ami_sim_secret.get_secret_value(),
        ping_delay=0,
    )
    manager.register_event("*", on_event)
    await asyncio.wait_for(manager.connect(), 10)
    try:
        add = {"Action": "QueueAdd", "Queue": QUEUE, "Interface": member, "MemberName": "it-stack"}
        # panoramisk takes "Added interface to queue" for a list that never ends: as_list=False.
        reply = await asyncio.wait_for(manager.send_action(add, as_list=False), 10)
        assert reply.get("Response") == "Success", reply
        await asyncio.wait_for(
            manager.send_action(
                {
                    "Action": "Originate",
                    "Channel": f"Local/{QUEUE}@callers",
                    "Context": "callerphone",
                    "Exten": "s",
                    "Priority": "1",
                    "Async": "true",
                    "Variable": [
                        f"__SIM_CALLER={caller}",
                        f"SIM_TICKS={ticks}",
                        f"__RING={ring}",
                        f"__TALK={talk}",
                        f"__CC_REC_SUB={REC_SUB}",  # out of any running uploader's way
                    ],
                }
            ),
            10,
        )
        await asyncio.wait_for(done.wait(), 40)
    finally:
        remove = {"Action": "QueueRemove", "Queue": QUEUE, "Interface": member}
        await asyncio.wait_for(manager.send_action(remove, as_list=False), 10)
        manager.close()
    return events[0][1], [name for name, _ in events]


def queue_log_events(settings: Settings, uniqueid: str, *, until: str) -> list[str]:
    """Event column of the queue_log lines of one call, once `until` is written."""
    deadline = time.monotonic() + 10
    while True:
        lines = [ln.split("|") for ln in settings.queue_log_file.read_text().splitlines()]
        found = [f[4] for f in lines if len(f) > 4 and f[1] == uniqueid]
        if any(e.startswith(until) for e in found) or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


async def test_answered_call_is_queued_connected_and_completed(settings: Settings) -> None:
    (settings.spool_path / REC_SUB).mkdir(exist_ok=True)
    uniqueid, events = await simulated_call(
        settings, ticks=200, ring=1, talk=1, last="AgentComplete"
    )
    assert events[0] == "QueueCallerJoin"
    assert (
        events.index("AgentCalled") < events.index("AgentConnect") < events.index("AgentComplete")
    )
    logged = queue_log_events(settings, uniqueid, until="COMPLETE")
    assert logged[0] == "ENTERQUEUE" and "CONNECT" in logged
    assert logged[-1] in ("COMPLETEAGENT", "COMPLETECALLER")
    recording = settings.spool_path / REC_SUB / f"{uniqueid}.ogg"
    closed = recording.with_suffix(".done")  # MixMonitor's post-command: the file is complete
    await poll(closed.exists, timeout_s=10, what=f"{closed.name} written")
    assert recording.stat().st_size > 0
    for leftover in recording.parent.glob(f"{uniqueid}.*"):
        leftover.unlink()


async def test_caller_who_gives_up_is_an_abandon(settings: Settings) -> None:
    uniqueid, events = await simulated_call(
        settings, ticks=4, ring=30, talk=1, last="QueueCallerLeave"
    )
    assert events[0] == "QueueCallerJoin"
    assert "QueueCallerAbandon" in events and "AgentConnect" not in events
    logged = queue_log_events(settings, uniqueid, until="ABANDON")
    assert logged[0] == "ENTERQUEUE" and logged[-1] == "ABANDON"


# -- last: stop and start again (other integration tests share this stack) -------------------


def test_down_then_up_restores_the_stack(stack: dict[str, dict[str, Any]]) -> None:
    try:
        done = cli("down", timeout_s=120)
        assert done.returncode == 0, done.stderr
        stopped = status()
        assert stopped["asterisk"]["state"] == "down" and stopped["asterisk"]["pid"] is None
        assert stopped["s3"]["state"] == "down" and stopped["s3"]["pid"] is None
        assert stopped["postgres"]["state"] == "up"  # never stopped when the stack did not start it
    finally:
        again = cli("up")
    assert again.returncode == 0, again.stderr
    assert {info["state"] for info in status().values()} == {"up"}
