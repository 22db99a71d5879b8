"""Rendering of the Asterisk config, secrets and exports of the local stack (no services)."""

from __future__ import annotations

import configparser
import json
import re
import shlex
import stat
from collections import Counter
from pathlib import Path

import pytest

from callcenter.centre import load, load_file
from callcenter.config import Settings, get_settings
from callcenter.stack.exports import export_lines
from callcenter.stack.paths import in_chroot
from callcenter.stack.procs import ListeningSocket
from callcenter.stack.render import render_all, render_context, write_config
from callcenter.stack.s3 import WeedPorts
from callcenter.stack.secrets import apply_secrets, ensure_secrets

SERVICE_LINES = [
    "online-shopping",
    "illegal-websites",
    "cyber-threats",
    "digital-law",
    "digital-platforms",
]
DEFAULT_QUEUE = "general-enquiries"
CONF_FILES = {
    "asterisk.conf", "modules.conf", "logger.conf", "manager.conf", "http.conf", "ari.conf",
    "pjsip.conf", "rtp.conf", "queues.conf", "extensions.conf", "musiconhold.conf",
    "indications.conf", "cel.conf", "cel_custom.conf",
}  # fmt: skip


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Settings isolated from any real stack: state dir and secrets under tmp_path."""
    for name in ("STATE_DIR", "AMI_SECRET", "ARI_PASSWORD", "S3_ACCESS_KEY", "JWT_SECRET"):
        monkeypatch.delenv(f"CALLCENTER_{name}", raising=False)
    monkeypatch.setenv("CALLCENTER_STATE_DIR", str(tmp_path / "state"))
    return Settings()


@pytest.fixture
def secrets(settings: Settings) -> dict[str, object]:
    return ensure_secrets(settings.state_dir / "secrets.json")


@pytest.fixture
def files(settings: Settings, secrets: dict[str, object]) -> dict[str, str]:
    merged = apply_secrets(settings, secrets)
    return render_all(
        context=render_context(settings=merged, secrets=secrets, centre=load(settings.conf_dir)),
        templates_dir=settings.conf_dir,
    )


def sections(text: str) -> list[tuple[str, dict[str, str]]]:
    """Asterisk config as (section, {key: value}) in order; repeated names kept apart."""
    out: list[tuple[str, dict[str, str]]] = []
    for raw in text.splitlines():
        line = raw.split(";", 1)[0].strip()
        if line.startswith("[") and "]" in line:
            out.append((line[1 : line.index("]")], {}))
        elif "=" in line and out:
            key, _, value = line.partition("=")
            out[-1][1][key.strip()] = value.strip().lstrip(">").strip()
    return out


def test_centre_lists_six_queues_and_forty_agents() -> None:
    centre = load(get_settings().conf_dir)
    assert [q.name for q in centre.queues] == [*SERVICE_LINES, DEFAULT_QUEUE]
    assert [q.digit for q in centre.queues] == ["1", "2", "3", "4", "5", "0"]
    assert centre.default_queue == DEFAULT_QUEUE
    assert centre.queues[0].label_th == "ซื้อขายออนไลน์"
    assert [a.id for a in centre.agents] == [f"agent{n:02d}" for n in range(1, 41)]


def test_skills_spread_eight_primaries_per_line() -> None:
    agents = load(get_settings().conf_dir).agents
    primaries = Counter(q for a in agents for q, p in a.skills.items() if p == 0)
    assert primaries == dict.fromkeys(SERVICE_LINES, 8)
    for agent in agents:
        assert agent.skills[DEFAULT_QUEUE] == 1
        assert sorted(agent.skills.values()) == [0, 1, 2]
        assert set(agent.skills) - {DEFAULT_QUEUE} <= set(SERVICE_LINES)


def test_queue_named_general_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "centre.toml"
    path.write_text('[[queues]]\nname = "general"\ndigit = "0"\nlabel_th = "x"\nlabel_en = "x"\n')
    with pytest.raises(ValueError, match="general"):
        load_file(path)


def test_every_template_renders_without_leftovers(files: dict[str, str]) -> None:
    assert set(files) == CONF_FILES
    for name, text in files.items():
        assert "{{" not in text and "{%" not in text, name


def test_listeners_bind_loopback_only(files: dict[str, str]) -> None:
    manager = dict(sections(files["manager.conf"]))["general"]
    assert (manager["bindaddr"], manager["port"], manager["webenabled"]) == (
        "127.0.0.1",
        "5038",
        "no",
    )
    http = dict(sections(files["http.conf"]))["general"]
    assert (http["bindaddr"], http["bindport"]) == ("127.0.0.1", "8088")
    pjsip = sections(files["pjsip.conf"])
    transport = dict(pjsip)["transport-udp"]
    assert transport["bind"] == "127.0.0.1:5060"
    endpoints = [body for _, body in pjsip if body.get("type") == "endpoint"]
    phones = [e for e in endpoints if e["context"] == "agents-phones"]
    assert len(phones) == 40 and len(endpoints) == 41  # and the carrier trunk
    assert all(e["media_address"] == "127.0.0.1" for e in endpoints)
    assert all(e["bind_rtp_to_media_address"] == "yes" for e in endpoints)
    assert all(e["webrtc"] == "yes" for e in phones)


def test_secrets_reach_the_config(files: dict[str, str], secrets: dict[str, object]) -> None:
    manager = dict(sections(files["manager.conf"]))
    assert manager["callcenter"]["secret"] == secrets["ami_secret"]
    assert manager["callcenter"]["write"] == "agent,originate"
    assert manager["simulator"]["secret"] == secrets["ami_sim_secret"]
    assert manager["simulator"]["permit"] == "127.0.0.1/255.255.255.255"
    assert dict(sections(files["ari.conf"]))["callcenter"]["password"] == secrets["ari_password"]
    auths = [body for _, body in sections(files["pjsip.conf"]) if body.get("type") == "auth"]
    passwords = secrets["sip_passwords"]
    assert isinstance(passwords, dict)
    assert {a["username"]: a["password"] for a in auths} == passwords


def test_queues_have_no_static_members(files: dict[str, str]) -> None:
    parsed = dict(sections(files["queues.conf"]))
    assert parsed["general"]["autofill"] == "yes"
    assert set(parsed) == {"general", *SERVICE_LINES, DEFAULT_QUEUE}
    for name in [*SERVICE_LINES, DEFAULT_QUEUE]:
        queue = parsed[name]
        assert queue["strategy"] == "rrmemory" and queue["context"] == "queue-exit"
        assert queue["leavewhenempty"] == "unavailable,invalid,unknown"
        assert "member" not in queue


def test_dialplan_has_every_context_and_queue(files: dict[str, str]) -> None:
    text = files["extensions.conf"]
    contexts = re.findall(r"^\[([\w-]+)\]", text, flags=re.MULTILINE)
    assert contexts == [
        "general", "globals", "inbound", "from-carrier", "ivr", "queue-entry",
        "callback-confirm", "csat", "csat-end", "say-digits", "record", "record-end",
        "desk-dial", "desk-dial-end",
        "queue-exit", "agents-phones", "callback-agent", "callback-end", "callback-answered",
        "callers", "callerphone", "agents", "demo-customers", "sim-customers",
    ]  # fmt: skip
    for queue in [*SERVICE_LINES, DEFAULT_QUEUE]:
        # the IVR's watchdog ends where waiting in the queue begins
        assert f"exten => {queue},1,Set(TIMEOUT(absolute)=0)" in text
        assert " same => n,Set(__CC_QUEUE=${EXTEN})" in text
        assert f"exten => {queue},1,Set(CALLERID(all)=${{SIM_CALLER}} <${{SIM_CALLER}}>)" in text
    assert f"exten => 0,1,Goto(queue-entry,{DEFAULT_QUEUE},1)" in text
    # A caller held in the Stasis app by a service gone quiet: the absolute timeout (renewed
    # by the service at every step) takes them on to the dialplan IVR.
    inbound = text.split("[inbound]")[1].split("\n[")[0]
    assert "Set(TIMEOUT(absolute)=${IF(" in inbound.split("Stasis(")[0]
    assert re.search(r"exten => T,1,Set\(TIMEOUT\(absolute\)=0\)(.*\n)+ same => n,Goto\(ivr,s,1\)",
                     inbound)  # fmt: skip
    # The caller's own entry time just before each Queue(), on every AMI event of the channel
    # (kpi-v1 section 1), and a recording started once per channel (a moved caller keeps it).
    entries = re.findall(
        r"Set\(CC_ENTERED=\$\{STRFTIME\(,,%s\.%6q\)\}\)[^\n]*\n same => n,Queue\(", text
    )
    assert len(entries) == len([*SERVICE_LINES, DEFAULT_QUEUE])
    # ... and the caller's IVR language (the agent's screen pop shows it).
    assert re.search(
        r"^channelvars = CC_ENTERED,CC_LANG,CC_IVR_APP$", files["manager.conf"], flags=re.MULTILINE
    )
    assert 'exten => s,1,GotoIf($["${CC_REC}" != ""]?running)' in text
    for variable in ("SIM_TICKS", "SIM_DIGIT", "RING", "TALK", "QUEUE_TIMEOUT", "MEMBERINTERFACE"):
        assert "${" + variable + "}" in text or f"{variable})" in text


def test_modules_keep_what_ari_and_chan_rtp_need(files: dict[str, str]) -> None:
    noload = set(re.findall(r"^noload => (\S+)\.so", files["modules.conf"], flags=re.MULTILINE))
    assert {"chan_iax2", "pbx_dundi", "res_hep", "res_xmpp", "res_stun_monitor"} <= noload
    assert not {"res_websocket_client", "res_rtp_multicast", "res_pjsip"} & noload


def test_logger_writes_queue_log_to_file(files: dict[str, str]) -> None:
    parser = configparser.ConfigParser(delimiters=("=", "=>"), inline_comment_prefixes=(";",))
    parser.read_string(files["logger.conf"])
    assert parser["general"]["queue_log"] == "yes"
    assert parser["general"]["queue_log_to_file"] == "yes"


def test_secrets_are_made_once_and_private(tmp_path: Path) -> None:
    path = tmp_path / "secrets.json"
    first = ensure_secrets(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert re.fullmatch(r"[0-9a-f]{64}", str(first["s3_sse_kek"]))
    assert len(first["sip_passwords"]) == 40  # type: ignore[arg-type]
    assert ensure_secrets(path) == first
    data = json.loads(path.read_text())
    del data["jwt_secret"]
    path.write_text(json.dumps(data))
    again = ensure_secrets(path)
    assert again["ami_secret"] == first["ami_secret"] and again["s3_sse_kek"] == first["s3_sse_kek"]
    assert again["jwt_secret"] and again["jwt_secret"] != first["jwt_secret"]


def test_environment_wins_over_the_file(settings: Settings, secrets: dict[str, object]) -> None:
    mine = settings.model_copy(update={"ami_secret": settings.ami_secret.__class__("from-env")})
    merged = apply_secrets(mine, secrets)
    assert merged.ami_secret.get_secret_value() == "from-env"
    assert merged.ari_password.get_secret_value() == secrets["ari_password"]


def test_write_config_reports_only_changes(tmp_path: Path) -> None:
    dest = tmp_path / "etc"
    assert write_config(files={"a.conf": "x", "b.conf": "y"}, dest=dest) == ["a.conf", "b.conf"]
    assert write_config(files={"a.conf": "x", "b.conf": "y"}, dest=dest) == []
    assert write_config(files={"a.conf": "x", "b.conf": "z"}, dest=dest) == ["b.conf"]
    assert stat.S_IMODE((dest / "b.conf").stat().st_mode) == 0o600


def test_exports_cover_every_setting_and_quote(
    settings: Settings, secrets: dict[str, object]
) -> None:
    merged = apply_secrets(settings, secrets).model_copy(update={"ari_app": "it's mine"})
    values = {}
    for line in export_lines(merged):
        word, assignment = shlex.split(line)
        assert word == "export"
        key, _, value = assignment.partition("=")
        values[key] = value
    assert set(values) == {f"CALLCENTER_{name.upper()}" for name in Settings.model_fields}
    assert values["CALLCENTER_ARI_APP"] == "it's mine"
    assert values["CALLCENTER_AMI_SECRET"] == secrets["ami_secret"]
    assert values["CALLCENTER_QUEUE_LOG_PATH"] == str(merged.queue_log_file)
    assert Path(values["CALLCENTER_SPOOL_DIR"]).is_absolute()


def test_in_chroot_follows_absolute_symlinks(tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / "run").mkdir(parents=True)
    (root / "var").mkdir()
    (root / "var/run").symlink_to("/run")
    assert in_chroot(root, "/var/run/asterisk") == root / "run/asterisk"
    assert in_chroot(root, "/etc/callcenter") == root / "etc/callcenter"


def test_loopback_detection() -> None:
    def sock(host: str) -> ListeningSocket:
        return ListeningSocket("udp", host, 5060, "asterisk", 1)

    assert sock("127.0.0.1").loopback and sock("::1").loopback
    wildcard = "0.0.0.0"  # noqa: S104 - the address under test, nothing binds it
    assert not sock(wildcard).loopback and not sock("::").loopback and not sock("*").loopback


def test_weed_ports_avoid_the_rest_of_the_machine() -> None:
    taken = {5038, 8088, 5060, 8000, 8888, 5432, 3306, 6379, 5672, 15672, 25672, 4369, 4222, 1883}
    ports = WeedPorts.for_s3(9000).all()
    assert len(set(ports)) == len(ports)
    assert not taken & set(ports)


def test_up_as_a_normal_user_says_so_without_a_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from callcenter.stack import manager
    from callcenter.stack.cli import app

    monkeypatch.setattr(manager.os, "geteuid", lambda: 1000)
    result = CliRunner().invoke(app, ["up"])
    assert result.exit_code == 1
    assert "must run as root" in result.output
    assert "Traceback" not in result.output


def test_the_service_login_receives_only_the_events_it_uses(files: dict[str, str]) -> None:
    """Asterisk applies the filter (a regex over the event text) before sending."""
    wanted = re.compile(dict(sections(files["manager.conf"]))["callcenter"]["eventfilter"])
    used = [
        "QueueCallerJoin",
        "QueueMemberStatus",
        "AgentConnect",
        "AgentComplete",
        "Hangup",
        "Hold",
        "Unhold",
        "BlindTransfer",
        "AttendedTransfer",
        "UserEvent",
        "Shutdown",
    ]
    unused = [
        "Newchannel",
        "Newstate",
        "Newexten",
        "VarSet",
        "BridgeEnter",
        "DialBegin",
        "MixMonitorStart",
        "LocalBridge",
        "MusicOnHoldStart",
    ]
    assert all(wanted.search(f"Event: {name}\r\nPrivilege: call,all\r\n") for name in used)
    # Answers to our actions: an async Originate's result, QueueStatus's list.
    answer = "Event: OriginateResponse\r\nPrivilege: call,all\r\nActionID: 7\r\nResponse: Failure"
    assert wanted.search(answer)
    assert not any(wanted.search(f"Event: {name}\r\nPrivilege: call,all\r\n") for name in unused)
    assert "eventfilter" not in dict(sections(files["manager.conf"]))["simulator"]


def test_the_carrier_trunk_enters_the_ivr(files: dict[str, str]) -> None:
    """pjsip.conf: an IP-identified endpoint (no auth) with the codecs and RFC 4733 DTMF of
    ivr.toml [trunk]; phones are matched by user name before it. Its context sends the 1212
    number into the IVR and refuses the rest."""
    found = {f"{name}/{body.get('type')}": body for name, body in sections(files["pjsip.conf"])}
    endpoint, identify = found["carrier/endpoint"], found["carrier/identify"]
    assert endpoint["context"] == "from-carrier"
    assert (endpoint["allow"], endpoint["dtmf_mode"]) == ("ulaw,alaw", "rfc4733")
    assert "auth" not in endpoint and "carrier/auth" not in found
    assert (identify["endpoint"], identify["match"]) == ("carrier", "127.0.0.1")
    assert found["global/global"]["endpoint_identifier_order"].startswith("username,ip")
    text = files["extensions.conf"]
    assert re.search(r"^\[from-carrier\]", text, flags=re.MULTILINE)
    carrier = text.split("[from-carrier]", 1)[1].split("\n[", 1)[0]
    assert "exten => 1212,1," in carrier and "Goto(inbound,1212,1)" in carrier
    assert "exten => _[0-9*#+].,1,Hangup(1)" in carrier


def test_waiting_callers_hear_the_offer_and_their_position(files: dict[str, str]) -> None:
    """queues.conf from ivr.toml [queues]: the callback offer every 30 s and position / wait
    every 60 s, from the catalogue's prompts in the caller's language (CHANNEL(language) is set
    from CC_LANG before Queue()); WITHDRAW goes on to the read-back of the number."""
    queues = dict(sections(files["queues.conf"]))
    for name in [*SERVICE_LINES, DEFAULT_QUEUE]:
        q = queues[name]
        assert (q["periodic-announce"], q["periodic-announce-frequency"]) == (
            "callcenter/callback-offer", "30",
        )  # fmt: skip
        assert (q["announce-frequency"], q["announce-position"], q["announce-holdtime"]) == (
            "60", "yes", "yes",
        )  # fmt: skip
        assert q["queue-thereare"] == "callcenter/queue-thereare"
    text = files["extensions.conf"]
    assert text.count('Set(CHANNEL(language)=${IF($["${CC_LANG}" = "en"]?en:th)})') == 6
    assert text.count('GotoIf($["${QUEUESTATUS}" = "WITHDRAW"]?callback-confirm,s,1)') == 6
    assert "UserEvent(CallbackNumber,Queue: ${CC_QUEUE},Number: ${CB_NUM})" in text
    # CSAT: the caller stays on after the agent hangs up only when the IVR asked for it.
    assert text.count('Queue(${EXTEN},r${IF($["${CC_CSAT}" = "1"]?c:)},') == 6
    assert text.count('GotoIf($["${MEMBERINTERFACE}" != ""]?csat,s,1)') == 6
    assert "Set(CHANNEL(hangup_handler_push)=csat-end,s,1)" in text
    manager = dict(sections(files["manager.conf"]))
    service = next(
        body
        for name, body in manager.items()
        if name != "general" and "dtmf" in body.get("read", "")
    )
    assert "DTMFEnd" in service["eventfilter"]


def test_cel_writes_the_ivr_lines_the_recount_reads(files: dict[str, str]) -> None:
    """Asterisk's CEL: APP_START of Stasis and Queue and CHAN_END, as the CSV columns that
    callcenter/ivrcalls/recount.py reads (docs/kpi-v1.md 6c)."""
    from callcenter.ivrcalls.recount import COLUMNS

    cel = files["cel.conf"]
    assert "enable = yes" in cel and "apps = stasis,queue" in cel
    assert "events = APP_START,CHAN_END" in cel
    mapping = next(line for line in files["cel_custom.conf"].splitlines() if "=>" in line)
    name, _, fields = mapping.partition("=>")
    assert name.strip() == "ivr.csv"
    assert fields.count("CSV_QUOTE") == len(COLUMNS)
    assert fields.index("eventtype") < fields.index("uniqueid") < fields.index("userfield")
