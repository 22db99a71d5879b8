"""IVR prompts end to end: render placeholders, upload a recording (CLI, sox, S3), list what is
missing (CLI and API), and hear them: the played file is read from ARI's PlaybackStarted, and
the files Asterisk played for the CLI's and the API's (the prompts page's) uploads are those
uploads."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from ari_app.client import AriEvent
from callcenter import centre
from callcenter.ami.client import AmiClient
from callcenter.config import Settings
from callcenter.main import create_app
from callcenter.prompts import store
from callcenter.prompts.service import THAI_SAY_NAMES, link_thai_digits, thai_say_prompt
from callcenter.simulate.agents import SimAgents
from callcenter.simulate.runner import Simulation, network_id
from callcenter.simulate.spec import Distribution, RunSpec, plan
from callcenter.stack.asterisk import AsteriskService
from callcenter.users.models import Role
from recordings.storage import make_minio
from tests.helpers import poll
from tests.integration.conftest import cli
from tests.integration.users_support import token_for

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def prompt_settings(settings: Settings) -> Iterator[Settings]:
    """A prompts folder of its own in the chroot's sounds dir and a bucket of its own: the
    shared stack's prompts stay as they are."""
    tag = uuid.uuid4().hex[:8]
    folder = settings.asterisk_root / f"usr/share/asterisk/sounds/cc-test-{tag}"
    own = settings.model_copy(
        update={
            "prompts_dir": folder,
            "prompts_bucket": f"cc-prompts-test-{tag}",
            "ari_app": f"cc-prompts-{tag}",
        }
    )
    s3 = make_minio(own)
    s3.make_bucket(own.prompts_bucket)
    try:
        yield own
    finally:
        for obj in s3.list_objects(own.prompts_bucket, recursive=True):
            s3.remove_object(own.prompts_bucket, str(obj.object_name))
        s3.remove_bucket(own.prompts_bucket)
        shutil.rmtree(folder, ignore_errors=True)
        # Its render linked sounds/th/digits to this folder: back to the stack's own prompts
        # (links into a folder gone would leave Thai callers' numbers in English).
        link_thai_digits(settings.prompts_path)


def _cli(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "CALLCENTER_PROMPTS_DIR": str(settings.prompts_dir),
        "CALLCENTER_PROMPTS_BUCKET": settings.prompts_bucket,
    }
    return cli("prompts", *args, env=env, timeout=300)


@pytest.fixture(scope="module")
async def prompts_app(prompt_settings: Settings) -> AsyncIterator[FastAPI]:
    rendered = await asyncio.to_thread(_cli, prompt_settings, "render")
    assert rendered.returncode == 0, rendered.stderr
    application = create_app(prompt_settings)
    async with application.router.lifespan_context(application):
        await poll(
            lambda: application.state.services.ari.connected, timeout_s=20, what="ARI registered"
        )
        yield application


async def test_missing_list_upload_and_play(
    prompts_app: FastAPI, prompt_settings: Settings, sim_ami: AmiClient, tmp_path: Path
) -> None:
    settings, folder = prompt_settings, prompt_settings.prompts_path
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["th/welcome"]["source"] == "placeholder"  # spoken by espeak-ng at render
    missing = await asyncio.to_thread(_cli, settings, "list", "--missing", "--json")
    assert missing.returncode == 0, missing.stderr
    assert "welcome" in json.loads(missing.stdout)["th"]

    # An admin uploads a Thai welcome as MP3 (stereo, 44.1 kHz): sox converts it.
    mp3 = tmp_path / "welcome.mp3"
    tone = ["sox", "-n", "-r", "44100", "-c", "2", str(mp3), "synth", "1", "sine", "523"]
    await asyncio.to_thread(subprocess.run, tone, check=True)
    uploaded = await asyncio.to_thread(
        _cli, settings, "upload", "welcome", "--lang", "th", str(mp3)
    )
    assert uploaded.returncode == 0, uploaded.stderr
    refused = await asyncio.to_thread(
        _cli, settings, "upload", "no-such-prompt", "--lang", "th", str(mp3)
    )
    assert refused.returncode == 2 and "no prompt 'no-such-prompt'" in refused.stderr
    listing = await asyncio.to_thread(_cli, settings, "list", "--json")
    states = {(r["id"], r["language"]): r["state"] for r in json.loads(listing.stdout)}
    assert states[("welcome", "th")] == "recording"
    assert states[("welcome", "en")] == "placeholder"

    transport = httpx.ASGITransport(app=prompts_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        token = await token_for(prompts_app, client, Role.supervisor)
        r = await client.get("/api/v1/prompts", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 200, r.text
        assert "welcome" not in r.json()["missing"]["th"]
        assert "welcome" in r.json()["missing"]["en"]
        agent = await token_for(prompts_app, client, Role.agent)
        r = await client.get("/api/v1/prompts", headers={"Authorization": f"Bearer {agent}"})
        assert r.status_code == 403

        # An admin uploads the Thai "language" prompt over HTTP as the prompts page does (a WAV
        # at 16 kHz): callers hear it second, after the welcome.
        wav = tmp_path / "language.wav"
        tone = ["sox", "-n", "-r", "16000", "-c", "1", str(wav), "synth", "0.5", "sine", "660"]
        await asyncio.to_thread(subprocess.run, tone, check=True)
        admin = await token_for(prompts_app, client, Role.admin)
        url = "/api/v1/prompts/language/th"
        as_admin = {"Authorization": f"Bearer {admin}", "content-type": "audio/wav"}
        r = await client.put(url, content=wav.read_bytes(), headers=as_admin)
        assert r.status_code == 200, r.text
        as_sup = {"Authorization": f"Bearer {token}", "content-type": "audio/wav"}
        r = await client.put(url, content=wav.read_bytes(), headers=as_sup)
        assert r.status_code == 403
        r = await client.put(
            url, content=b"hello", headers={**as_admin, "content-type": "text/plain"}
        )
        assert r.status_code == 422 and r.json()["error_id"] == "invalid_input"
        r = await client.put(url, content=b"not audio at all", headers=as_admin)
        assert r.status_code == 422 and r.json()["error_id"] == "prompt_audio_invalid"
        r = await client.get("/api/v1/prompts", headers={"Authorization": f"Bearer {token}"})
        assert "language" not in r.json()["missing"]["th"]
        played = folder / "th" / "language.wav"
        info = await asyncio.to_thread(
            subprocess.run, ["soxi", "-r", str(played)], capture_output=True, text=True
        )
        assert info.stdout.strip() == "8000"  # converted to what Asterisk plays

    # The English main menu has no recording now: the Thai one plays instead (never silence).
    (folder / "en" / "main-menu.wav").unlink()

    seen: list[AriEvent] = []

    async def keep(event: AriEvent) -> None:
        seen.append(event)

    prompts_app.state.services.ari.on_event(keep)
    try:
        uid = await _call_pressing(prompts_app, sim_ami, settings, keys="9ww3")
    finally:
        prompts_app.state.services.ari.off_event(keep)
    played = [
        e["playback"]["media_uri"]
        for e in seen
        if e.get("type") == "PlaybackStarted" and e["playback"]["target_uri"] == f"channel:{uid}"
    ]
    media = f"sound:{folder.name}"
    assert played[:3] == [f"{media}/th/welcome", f"{media}/th/language", f"{media}/th/main-menu"]
    finished = {
        e["playback"]["media_uri"]: e["playback"]["state"]
        for e in seen
        if e.get("type") == "PlaybackFinished" and e["playback"]["target_uri"] == f"channel:{uid}"
    }
    for prompt in ("welcome", "language"):  # Asterisk says "failed" for a file it cannot play
        assert finished[f"{media}/th/{prompt}"] != "failed", finished
    # The files behind those media URIs are the uploads (CLI and HTTP, as S3 holds them).
    s3 = make_minio(settings)
    for prompt in ("welcome", "language"):
        stored = await asyncio.to_thread(store.get, s3, settings, prompt, "th")
        assert stored is not None and (folder / "th" / f"{prompt}.wav").read_bytes() == stored


async def _call_pressing(app: FastAPI, sim_ami: AmiClient, settings: Settings, keys: str) -> str:
    layout = centre.load(settings.conf_dir)
    spec = RunSpec(
        calls=1,
        rate=None,
        queue="cyber-threats",
        agents=1,
        patience=Distribution.parse("25", name="patience"),
        ring=Distribution.parse("0", name="ring"),
        talk=Distribution.parse("1", name="talk"),
        seed=5,
        entry="ivr",
    )
    assert layout.ivr_digits()["3"] == "cyber-threats"
    calls = plan(spec, run_id=f"prm-{uuid.uuid4().hex[:8]}")
    sim = Simulation(
        ami=sim_ami,
        spec=spec,
        calls=calls,
        ivr_digits={keys: "cyber-threats"},
        variables=[f"ARI_APP={app.state.settings.ari_app}"],
    )
    await sim.run()
    await sim.agents.logout_all()
    (state,) = sim.states
    assert state.entered and state.answered, state.as_dict()
    return network_id(state.plan.call_id)


async def test_a_thai_callers_position_is_said_with_the_thai_number_recordings(
    prompts_app: FastAPI, prompt_settings: Settings, sim_ami: AmiClient
) -> None:
    """After the render every file Asterisk's Thai `say` plays (say.c: digits/0-20, the tens,
    21 ... 91, roi, pan, muan, san, larn, lop) is in sounds/th/digits, a placeholder of the
    catalogue (marked so). Two Thai callers wait in a queue whose only agent is on a break: the
    second hears its position, and Asterisk's log says the number came from those Thai files,
    not from its English recordings: Asterisk names the format it plays, `slin` for the
    catalogue's WAV, `gsm` for the English sounds it ships (asterisk-core-sounds-en-gsm)."""
    digits = prompt_settings.prompts_path.parent / "th" / "digits"
    manifest = json.loads((prompt_settings.prompts_path / "manifest.json").read_text())
    for name in THAI_SAY_NAMES:
        assert (digits / f"{name}.wav").is_file(), name  # the link resolves
        assert manifest[f"th/{thai_say_prompt(name)}"]["source"] == "placeholder", name
    asterisk = AsteriskService(prompt_settings)
    log_name = f"cc-say-{uuid.uuid4().hex[:8]}.log"
    log_file = prompt_settings.asterisk_root / "var/log/asterisk" / log_name
    queue = "digital-law"
    agents = SimAgents(ami=sim_ami, queue=queue)
    await agents.ensure(1)
    await agents.pause(1)  # callers wait: position announcements on entry
    await asyncio.to_thread(asterisk.rx, f"logger add channel {log_name} verbose(3)")
    ids = [uuid.uuid4().hex[:16] for _ in range(2)]
    try:
        for call_id in ids:
            response = await sim_ami.action(
                {
                    "Action": "Originate", "Channel": f"Local/{queue}@callers",
                    "Context": "callerphone", "Exten": "s", "Priority": "1",
                    "ChannelId": call_id, "OtherChannelId": network_id(call_id),
                    "Timeout": "30000", "Async": "true",
                    "Variable": ["SIM_CALLER=0812345678", "SIM_TICKS=40"],  # 10 s, then gone
                },
                as_list=True,
            )  # fmt: skip
            assert response[-1].get("Response") in (None, "Success"), response
        second = await prompts_app.state.services.ari.request(
            "GET", f"/channels/{network_id(ids[1])}"
        )
        name = str(second["name"])  # Local/digital-law@callers-...;2: the one in the queue

        def said() -> list[str]:
            lines = log_file.read_text(errors="replace").splitlines() if log_file.exists() else []
            return [line for line in lines if f"<{name}> Playing 'digits/" in line]

        heard = await poll(lambda: said() or None, timeout_s=15, what="the position said")
    finally:
        await asyncio.to_thread(asterisk.rx, f"logger remove channel {log_name}")
        log_file.unlink(missing_ok=True)
        await agents.logout_all()
    assert all(".slin' (language 'th')" in line for line in heard), heard
