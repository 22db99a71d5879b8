"""The IVR menu from configuration: checks at start, the walk of one caller, prompt fallback."""

from __future__ import annotations

import asyncio
import logging
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from ari_app.ivr import Ivr, IvrExit
from ari_app.menu import (
    LAST_RESORT,
    Hangup,
    Listen,
    Lookup,
    MenuWalk,
    Play,
    PromptFiles,
    Route,
)
from callcenter import centre, ivrconf
from tests.helpers import poll

CONF = Path(__file__).resolve().parents[2] / "asterisk_conf"


@pytest.fixture
def layout() -> centre.Centre:
    return centre.load(CONF)


@pytest.fixture
def config(layout: centre.Centre) -> ivrconf.IvrConfig:
    return ivrconf.load(CONF, layout)


def _conf_dir(tmp_path: Path, ivr_toml: str) -> Path:
    for name in ("centre.toml", "prompts.toml"):
        shutil.copy(CONF / name, tmp_path / name)
    (tmp_path / "ivr.toml").write_text(ivr_toml, encoding="utf-8")
    return tmp_path


def test_shipped_menu_has_the_service_lines_and_english_key(config: ivrconf.IvrConfig) -> None:
    main = config.menus["main"]
    assert {k: a.target for k, a in main.options.items()} == {
        "1": "online-shopping",
        "2": "illegal-websites",
        "3": "cyber-threats",
        "4": "digital-law",
        "5": "digital-platforms",
        "8": "status",  # track an existing complaint: the case-status sub-menu
        "0": "general-enquiries",
    }
    assert main.options["8"].kind == "case"
    assert config.default_language == "th"
    assert config.language_keys == {"9": "en"}
    assert config.fallback_queue == "general-enquiries"
    for prompt in config.prompt_ids:
        assert all(config.catalogue.prompts[prompt].text.values()), prompt


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('[ivr]\ntries = 0\n[menus.main]\nprompt = "main-menu"\n', "tries must be"),
        ('[ivr]\ndefault_language = "fr"\n[menus.main]\nprompt = "main-menu"\n', "default_lang"),
        ('[ivr]\nfallback_queue = "nope"\n[menus.main]\nprompt = "main-menu"\n', "'nope' is not"),
        ('[menus.main]\nprompt = "main-menu"\noptions = { "1" = "queue:x" }\n', "key 1 is already"),
        (
            '[menus.main]\nprompt = "main-menu"\noptions = { "7" = "queue:x" }\n',
            "'x' is not a queue",
        ),
        ('[menus.main]\nprompt = "main-menu"\noptions = { "7" = "menu:x" }\n', "no menu 'x'"),
        ('[menus.main]\nprompt = "main-menu"\noptions = { "7" = "dial:1" }\n', "is not 'queue:"),
        ('[menus.main]\nprompt = "main-menu"\noptions = { "ab" = "menu:main" }\n', "not a phone"),
        ('[menus.main]\nprompt = "nowhere"\n', "['nowhere'] are not in the catalogue"),
        ('[language]\nkeys = { "9" = "de" }\n[menus.main]\nprompt = "main-menu"\n', "'de'"),
        ('[language]\nkeys = { "1" = "en" }\n[menus.main]\nprompt = "main-menu"\n', "both a lang"),
        ('[ivr]\ntimeout_s = -1\n[menus.main]\nprompt = "main-menu"\n', "positive number"),
        ('[ivr]\nwatchdog_s = 5\n[menus.main]\nprompt = "main-menu"\n', "from 10 to 600"),
        ("[ivr]\n", "no [menus.main]"),
        ("[ivr\n", "cannot read"),
    ],
)
def test_a_bad_menu_is_refused_at_start_with_its_reason(
    tmp_path: Path, layout: centre.Centre, toml: str, message: str
) -> None:
    with pytest.raises(ValueError, match=r"ivr\.toml") as err:
        ivrconf.load(_conf_dir(tmp_path, toml), layout)
    assert message in str(err.value)


def test_a_bad_catalogue_is_refused(tmp_path: Path, layout: centre.Centre) -> None:
    _conf_dir(tmp_path, (CONF / "ivr.toml").read_text())
    (tmp_path / "prompts.toml").write_text('[[prompts]]\nid = "Bad Id"\nth = "x"\n')
    with pytest.raises(ValueError, match=r"bad id 'Bad Id'"):
        ivrconf.load(tmp_path, layout)
    (tmp_path / "prompts.toml").write_text('[[prompts]]\nid = "a"\nth = ""\n')
    with pytest.raises(ValueError, match="no text"):
        ivrconf.load(tmp_path, layout)


def test_thai_caller_keys_a_service_line(config: ivrconf.IvrConfig) -> None:
    walk = MenuWalk(config)
    first = walk.start()
    assert first.prompts == ("welcome", "language") and first.language == "th"
    menu = walk.timeout()  # no language key: Thai
    assert menu == Play(prompts=("main-menu",), language="th", timeout_s=5.0)
    assert walk.key("3") == Route(queue="cyber-threats", language="th")
    assert walk.key("1") is None  # routed already: later keys change nothing


def test_english_key_switches_the_menu_language(config: ivrconf.IvrConfig) -> None:
    walk = MenuWalk(config)
    walk.start()
    assert walk.key("9") == Play(prompts=("main-menu",), language="en", timeout_s=5.0)
    assert walk.key("5") == Route(queue="digital-platforms", language="en")


def test_a_service_key_during_the_welcome_counts(config: ivrconf.IvrConfig) -> None:
    walk = MenuWalk(config)
    walk.start()
    assert walk.key("#") is None
    assert walk.key("2") == Route(queue="illegal-websites", language="th")


def test_no_input_repeats_then_falls_through_to_general(config: ivrconf.IvrConfig) -> None:
    walk = MenuWalk(config)
    walk.start()
    walk.timeout()
    again = Play(prompts=("invalid", "main-menu"), language="th", timeout_s=5.0)
    assert walk.timeout() == again
    assert walk.key("7") == again  # a wrong key is a try too
    assert walk.timeout() == Route(queue="general-enquiries", language="th", fallback=True)


def test_sub_menu_resets_the_tries(tmp_path: Path, layout: centre.Centre) -> None:
    toml = (
        '[ivr]\ntries = 2\n[menus.main]\nprompt = "main-menu"\noptions = { "8" = "menu:more" }\n'
        '[menus.more]\nprompt = "invalid"\n'
        'options = { "1" = "queue:digital-law", "*" = "menu:main" }\n'
    )
    walk = MenuWalk(ivrconf.load(_conf_dir(tmp_path, toml), layout))
    walk.start()
    walk.timeout()
    walk.timeout()  # second try on main
    assert walk.key("8") == Play(prompts=("invalid",), language="th", timeout_s=5.0)
    assert walk.key("*") == Play(prompts=("main-menu",), language="th", timeout_s=5.0)
    walk.key("8")
    assert walk.key("1") == Route(queue="digital-law", language="th")


def test_missing_recording_plays_the_other_language_and_is_logged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    tmp_path = tmp_path / "callcenter"
    (tmp_path / "th").mkdir(parents=True)
    (tmp_path / "en").mkdir()
    (tmp_path / "th" / "welcome.wav").write_bytes(b"RIFF")
    (tmp_path / "en" / "welcome.wav").write_bytes(b"RIFF")
    (tmp_path / "th" / "main-menu.wav").write_bytes(b"RIFF")
    files = PromptFiles(tmp_path)
    assert files.media("welcome", "en") == "sound:callcenter/en/welcome"
    with caplog.at_level(logging.WARNING, logger="ari_app.menu"):
        assert files.media("main-menu", "en") == "sound:callcenter/th/main-menu"
        assert files.media("invalid", "th") == LAST_RESORT
    assert "'main-menu' has no en recording" in caplog.text
    assert "'invalid' has no recording in any language" in caplog.text


class FakeAri:
    """Records the REST calls the IVR makes."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, dict[str, Any]]] = []

    async def request(self, method: str, path: str, **params: Any) -> Any:
        self.calls.append((method, path, params))
        return {}


async def test_the_stasis_app_plays_routes_and_keeps_the_language(
    tmp_path: Path, config: ivrconf.IvrConfig
) -> None:
    ari = FakeAri()
    tmp_path = tmp_path / "callcenter"
    ivr = Ivr(ari=ari, config=config, prompts=PromptFiles(tmp_path))  # type: ignore[arg-type]
    chan = {"id": "c1"}
    await ivr.handle({"type": "StasisStart", "args": ["ivr"], "channel": chan})
    played = [p["media"] for _, path, p in ari.calls if "/play/" in path]
    assert played == [LAST_RESORT, LAST_RESORT]  # no recordings at all: a tone, not silence
    # The watchdog is renewed and the caller's path goes on the channel (CEL records it)
    # before the prompts start: a channel request made while a prompt plays waits for its end,
    # and a key with it.
    assert ari.calls[:2] == [
        ("POST", "/channels/c1/variable", {"variable": "TIMEOUT(absolute)", "value": "45"}),
        ("POST", "/channels/c1/variable",
         {"variable": "CHANNEL(userfield)", "value": "lang=th;opt=;tries=0;fb=0;cases=0;out="}),
    ]  # fmt: skip
    assert all("/play/" in path for _, path, _ in ari.calls[2:])
    (tmp_path / "en").mkdir(parents=True)
    (tmp_path / "en" / "main-menu.wav").write_bytes(b"RIFF")
    ari.calls.clear()
    await ivr.handle({"type": "ChannelDtmfReceived", "digit": "9", "channel": chan})
    assert [m for m, _, _ in ari.calls] == ["DELETE", "DELETE", "POST", "POST", "POST"]
    assert ari.calls[-3][2]["variable"] == "TIMEOUT(absolute)"  # renewed at every step
    assert ari.calls[-2][2]["value"] == "lang=en;opt=;tries=1;fb=0;cases=0;out="
    assert ari.calls[-1][2] == {"media": "sound:callcenter/en/main-menu"}
    ari.calls.clear()
    await ivr.handle({"type": "ChannelDtmfReceived", "digit": "1", "channel": chan})
    # prompts stopped, then the path, the call's linkedid (to join its queue calls), the
    # language, and on to the queue
    assert ari.calls[-4:] == [
        ("GET", "/channels/c1/variable", {"variable": "CHANNEL(linkedid)"}),
        ("POST", "/channels/c1/variable", {"variable": "__CC_LANG", "value": "en"}),
        # the shipped queues ask for CSAT after the call: the dialplan's Queue option c
        ("POST", "/channels/c1/variable", {"variable": "CC_CSAT", "value": "1"}),
        (
            "POST",
            "/channels/c1/continue",
            {"context": "queue-entry", "extension": "online-shopping", "priority": 1},
        ),
    ]
    await ivr.handle({"type": "StasisEnd", "channel": chan})
    assert ivr.waiting == 0


async def test_no_key_after_the_prompts_ends_in_the_fallback_queue(
    tmp_path: Path, layout: centre.Centre
) -> None:
    toml = (
        "[ivr]\ntries = 1\ntimeout_s = 0.05\n[language]\ntimeout_s = 0.05\n"
        '[menus.main]\nprompt = "main-menu"\n'
    )
    ari = FakeAri()
    config = ivrconf.load(_conf_dir(tmp_path, toml), layout)
    ivr = Ivr(ari=ari, config=config, prompts=PromptFiles(tmp_path))  # type: ignore[arg-type]
    chan = {"id": "c2"}
    await ivr.handle({"type": "StasisStart", "args": ["ivr"], "channel": chan})

    async def finish_playbacks() -> None:
        for method, path, _ in list(ari.calls):
            if method == "POST" and "/play/" in path:
                playback = path.rsplit("/", 1)[1]
                await ivr.handle({"type": "PlaybackFinished", "playback": {"id": playback}})

    async def continued() -> bool:
        await finish_playbacks()
        return any(path.endswith("/continue") for _, path, _ in ari.calls)

    for _ in range(200):
        if await continued():
            break
        await asyncio.sleep(0.02)
    assert ari.calls[-1][2]["extension"] == "general-enquiries"


def test_an_announcement_on_plays_after_the_welcome(config: ivrconf.IvrConfig) -> None:
    walk = MenuWalk(config)
    assert walk.start("announce-scam-wave").prompts == (
        "welcome",
        "announce-scam-wave",
        "language",
    )
    assert MenuWalk(config).start(None).prompts == ("welcome", "language")


class SlowAri(FakeAri):
    async def request(self, method: str, path: str, **params: Any) -> Any:
        await asyncio.sleep(0.02)
        return await super().request(method, path, **params)


async def test_a_key_during_the_timers_step_waits_for_it_and_routes_once(
    tmp_path: Path, layout: centre.Centre
) -> None:
    toml = (
        "[ivr]\ntries = 3\ntimeout_s = 5\n[language]\ntimeout_s = 0.01\n"
        '[menus.main]\nprompt = "main-menu"\n'
    )
    ari = SlowAri()
    config = ivrconf.load(_conf_dir(tmp_path, toml), layout)
    ivr = Ivr(ari=ari, config=config, prompts=PromptFiles(tmp_path / "x"))  # type: ignore[arg-type]
    chan = {"id": "c3"}
    await ivr.handle({"type": "StasisStart", "args": ["ivr"], "channel": chan})
    last = next(p for m, p, _ in reversed(ari.calls) if "/play/" in p).rsplit("/", 1)[1]
    await ivr.handle({"type": "PlaybackFinished", "playback": {"id": last}})
    # The language wait (0.01 s) ends; while its step queues the menu prompt, a key comes.
    for _ in range(100):
        if any(m == "DELETE" for m, _, _ in ari.calls):
            break
        await asyncio.sleep(0.005)
    await ivr.handle({"type": "ChannelDtmfReceived", "digit": "1", "channel": chan})
    routes = [p for m, path, p in ari.calls if path.endswith("/continue")]
    assert routes == [{"context": "queue-entry", "extension": "online-shopping", "priority": 1}]
    after = ari.calls[[path for _, path, _ in ari.calls].index("/channels/c3/continue") + 1 :]
    assert not any("/play/" in path for _, path, _ in after)  # nothing played after the route
    await ivr.handle({"type": "StasisEnd", "channel": chan})


HOURS = (
    '[hours]\nmon = ["08:30-12:00", "13:00-16:30"]\nsat = "00:00-24:00"\n'
    'closed_dates = ["2026-12-07"]\n[menus.main]\nprompt = "main-menu"\n'
)


def _bangkok(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=ivrconf.CENTRE_TZ)


def test_opening_hours_in_bangkok_time(tmp_path: Path, layout: centre.Centre) -> None:
    hours = ivrconf.load(_conf_dir(tmp_path, HOURS), layout).hours
    assert hours.open_at(_bangkok("2026-12-14T08:30:00"))  # a Monday
    assert not hours.open_at(_bangkok("2026-12-14T12:30:00"))  # lunch
    assert not hours.open_at(_bangkok("2026-12-14T16:30:00"))  # the end is not open
    assert not hours.open_at(_bangkok("2026-12-07T10:00:00"))  # a Monday, but a holiday
    assert hours.open_at(_bangkok("2026-12-12T23:59:59"))  # Saturday, all day
    assert not hours.open_at(_bangkok("2026-12-13T10:00:00"))  # Sunday: not listed
    # 02:00 UTC on Monday is 09:00 in Bangkok: open.
    assert hours.open_at(datetime(2026, 12, 14, 2, 0, tzinfo=UTC))
    shipped = ivrconf.load(CONF, layout).hours
    assert shipped.always and shipped.open_at(_bangkok("2026-12-13T03:00:00"))  # 1212: 24/7


@pytest.mark.parametrize(
    ("hours", "message"),
    [
        ('mon = "8:30-16:30"', "is not HH:MM-HH:MM"),
        ('mon = "16:30-08:30"', "ends before it starts"),
        ('mon = "08:30-25:00"', "hour must be"),
        ('monday = "08:30-16:30"', "unknown keys ['monday']"),
        ('closed_dates = ["31/12/2026"]', "is not YYYY-MM-DD"),
        ('mon = "08:30-16:30"\nclosed_prompt = "nope"', "['nope'] are not in the catalogue"),
    ],
)
def test_bad_opening_hours_are_refused(
    tmp_path: Path, layout: centre.Centre, hours: str, message: str
) -> None:
    toml = f'[hours]\n{hours}\n[menus.main]\nprompt = "main-menu"\n'
    with pytest.raises(ValueError) as err:
        ivrconf.load(_conf_dir(tmp_path, toml), layout)
    assert message in str(err.value)


def test_closed_line_says_so_and_ends_the_call(tmp_path: Path, layout: centre.Centre) -> None:
    config = ivrconf.load(_conf_dir(tmp_path, HOURS), layout)
    walk = MenuWalk(config)
    closed = walk.start(now=_bangkok("2026-12-13T10:00:00"))
    assert closed.prompts == ("welcome", "closed")
    assert walk.key("1") is None  # no menu while closed
    assert walk.timeout() == Hangup()
    open_walk = MenuWalk(config)
    assert open_walk.start(now=_bangkok("2026-12-14T09:00:00")).prompts == ("welcome", "language")


async def test_the_stasis_app_hangs_up_after_the_closed_message(
    tmp_path: Path, layout: centre.Centre
) -> None:
    ari = FakeAri()
    config = ivrconf.load(_conf_dir(tmp_path, HOURS), layout)
    sunday = _bangkok("2026-12-13T10:00:00")
    ivr = Ivr(
        ari=ari,  # type: ignore[arg-type]
        config=config,
        prompts=PromptFiles(tmp_path / "x"),
        clock=lambda: sunday,
    )
    chan = {"id": "c4"}
    await ivr.handle({"type": "StasisStart", "args": ["ivr"], "channel": chan})
    plays = [path for m, path, _ in ari.calls if "/play/" in path]
    assert len(plays) == 2
    await ivr.handle({"type": "PlaybackFinished", "playback": {"id": plays[-1].rsplit("/", 1)[1]}})

    async def hung_up() -> bool:
        return ("DELETE", "/channels/c4", {}) in ari.calls

    await poll(hung_up, timeout_s=5, what="the call ended")
    assert not any(path.endswith("/continue") for _, path, _ in ari.calls)


def test_a_conf_dir_with_only_its_centre_runs_the_shipped_menu(
    tmp_path: Path, layout: centre.Centre
) -> None:
    shutil.copy(CONF / "centre.toml", tmp_path / "centre.toml")
    config = ivrconf.load(tmp_path, layout)
    assert config.menus["main"].options["1"].target == "online-shopping"
    assert "welcome" in config.catalogue.prompts


def test_the_carrier_trunk_defaults_to_loopback_with_rfc4733(config: ivrconf.IvrConfig) -> None:
    trunk = config.trunk
    assert (trunk.name, trunk.match, trunk.dtmf_mode, trunk.numbers) == (
        "carrier", ("127.0.0.1",), "rfc4733", ("1212",),
    )  # fmt: skip
    assert "ulaw" in trunk.codecs


@pytest.mark.parametrize(
    ("trunk", "message"),
    [
        ('codecs = ["mp3"]', "codecs ['mp3'] unknown"),
        ('dtmf_mode = "loud"', "dtmf_mode 'loud'"),
        ('numbers = ["12 12"]', "number '12 12'"),
        ("match = []", "match must be a non-empty list"),
        ('match = ["a b"]', "match 'a b'"),
        ('name = "agent01"', "not an agent's id"),
        ("port = 5060", "unknown keys ['port']"),
    ],
)
def test_a_bad_trunk_is_refused(
    tmp_path: Path, layout: centre.Centre, trunk: str, message: str
) -> None:
    toml = f'[trunk]\n{trunk}\n[menus.main]\nprompt = "main-menu"\n'
    with pytest.raises(ValueError, match=r"\[trunk\]") as err:
        ivrconf.load(_conf_dir(tmp_path, toml), layout)
    assert message in str(err.value)


def test_queue_prompts_default_for_every_queue_and_per_queue(
    tmp_path: Path, layout: centre.Centre
) -> None:
    toml = (
        "[queues]\ncallback_after_s = 45\n[queues.digital-law]\ncallback_after_s = 0\n"
        'announce_every_s = 0\n[menus.main]\nprompt = "main-menu"\n'
    )
    config = ivrconf.load(_conf_dir(tmp_path, toml), layout)
    assert config.in_queue("online-shopping") == ivrconf.QueuePrompts(45, 60)
    assert config.in_queue("digital-law") == ivrconf.QueuePrompts(0, 0)


@pytest.mark.parametrize(
    ("queues", "message"),
    [
        ("[queues]\ncallback_after_s = -1", "whole seconds from 0 to 3600"),
        ("[queues]\nevery = 3", "unknown keys ['every']"),
        ("[queues.nowhere]\ncallback_after_s = 3", "not a queue of centre.toml"),
        ("[queues.digital-law]\ncallback_after_s = 1.5", "whole seconds"),
    ],
)
def test_bad_queue_prompts_are_refused(
    tmp_path: Path, layout: centre.Centre, queues: str, message: str
) -> None:
    toml = f'{queues}\n[menus.main]\nprompt = "main-menu"\n'
    with pytest.raises(ValueError, match=r"\[queues") as err:
        ivrconf.load(_conf_dir(tmp_path, toml), layout)
    assert message in str(err.value)


async def test_callers_left_in_the_app_by_a_dead_service_go_on_in_the_dialplan_ivr(
    tmp_path: Path, config: ivrconf.IvrConfig
) -> None:
    """Killed mid-menu, the service left callers in its Stasis app (Asterisk holds them in
    silence); when it registers again they continue in the dialplan IVR, its own are kept."""

    class HeldAri(FakeAri):
        async def request(self, method: str, path: str, **params: Any) -> Any:
            await super().request(method, path, **params)
            return {"channel_ids": ["mine", "orphan"]} if method == "GET" else {}

    ari = HeldAri()
    ivr = Ivr(ari=ari, config=config, prompts=PromptFiles(tmp_path))  # type: ignore[arg-type]
    await ivr.handle({"type": "StasisStart", "args": ["ivr"], "channel": {"id": "mine"}})
    ari.calls.clear()
    await ivr.handle({"type": "AppRegistered", "application": "callcenter"})
    assert ari.calls == [
        ("GET", "/applications/callcenter", {}),
        ("POST", "/channels/orphan/continue", {"context": "ivr", "extension": "s", "priority": 1}),
    ]
    assert ivr.rescued_total == 1 and ivr.waiting == 1


# -- track an existing complaint (ivr.toml [case_status], key 8 of the shipped main menu) ------


def _to_case_entry(config: ivrconf.IvrConfig) -> MenuWalk:
    walk = MenuWalk(config)
    walk.start()
    assert walk.key("8") == Play(prompts=("case-enter",), language="th", timeout_s=8.0)
    return walk


def test_a_known_case_is_read_back_digit_by_digit_with_its_status(
    config: ivrconf.IvrConfig,
) -> None:
    walk = _to_case_entry(config)
    assert walk.key("4") == Listen(timeout_s=8.0)  # keying: prompts stop, the next key awaited
    assert walk.key("2") == Listen(timeout_s=8.0)
    assert walk.key("#") == Lookup(number="42")
    assert walk.found("in_progress") == Play(
        prompts=("case-number-is", "digit-4", "digit-2", "case-status-in-progress",
                 "case-agent-offer"),
        language="th", timeout_s=5.0,
    )  # fmt: skip
    assert walk.key("0") == Route(queue="general-enquiries", language="th")
    path = walk.path()
    assert (path.outcome, path.option, path.case_lookups, path.fallback) == (
        "routed",
        "8",
        1,
        False,
    )
    assert walk.userfield() == "lang=th;opt=8;tries=1;fb=0;cases=1;out=routed"


def test_after_the_status_no_key_goes_back_to_the_main_menu(config: ivrconf.IvrConfig) -> None:
    walk = _to_case_entry(config)
    walk.key("7")
    assert walk.timeout() == Lookup(number="7"), "no # after the digits: looked up anyway"
    walk.found("resolved")
    assert walk.timeout() == Play(prompts=("main-menu",), language="th", timeout_s=5.0)
    assert walk.key("3") == Route(queue="cyber-threats", language="th")
    assert walk.path().option == "8", "the first choice of the main menu is kept"


def test_an_unknown_number_is_said_and_keyed_again_then_the_fallback(
    tmp_path: Path, layout: centre.Centre
) -> None:
    toml = (
        '[ivr]\ntries = 2\n[menus.main]\nprompt = "main-menu"\noptions = { "7" = "case-status" }\n'
        '[case_status]\nafter = "fallback"\ntimeout_s = 4\n'
    )
    walk = MenuWalk(ivrconf.load(_conf_dir(tmp_path, toml), layout))
    walk.start()
    walk.key("7")
    walk.key("5")
    assert walk.key("#") == Lookup(number="5")
    unknown = Play(prompts=("case-unknown", "case-enter"), language="th", timeout_s=4.0)
    assert walk.found(None) == unknown
    assert walk.key("#") == Route(queue="general-enquiries", language="th", fallback=True)
    assert walk.path().case_lookups == 1


def test_after_the_status_can_send_to_the_fallback_queue(
    tmp_path: Path, layout: centre.Centre
) -> None:
    toml = (
        '[menus.main]\nprompt = "main-menu"\noptions = { "7" = "case-status" }\n'
        '[case_status]\nafter = "fallback"\nagent_key = "1"\nagent_queue = "digital-law"\n'
    )
    walk = MenuWalk(ivrconf.load(_conf_dir(tmp_path, toml), layout))
    walk.start()
    walk.key("7")
    walk.key("1")
    walk.key("#")
    walk.found("new")
    assert walk.key("5") == Route(queue="general-enquiries", language="th")
    again = MenuWalk(walk.config)
    again.start()
    again.key("7")
    again.key("1")
    again.key("#")
    again.found("new")
    assert again.key("1") == Route(queue="digital-law", language="th")


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ('after = "queue"', "after must be"),
        ('agent_queue = "nowhere"', "agent_queue 'nowhere' is not a queue"),
        ('agent_key = "#"', "agent_key"),
        ("max_digits = 2", "max_digits"),
        ("colour = 1", "unknown keys"),
    ],
)
def test_a_bad_case_status_section_is_refused(
    tmp_path: Path, layout: centre.Centre, section: str, message: str
) -> None:
    toml = f'[menus.main]\nprompt = "main-menu"\n[case_status]\n{section}\n'
    with pytest.raises(ValueError, match=message):
        ivrconf.load(_conf_dir(tmp_path, toml), layout)


async def test_the_stasis_app_looks_the_case_up_and_stores_the_path(
    tmp_path: Path, config: ivrconf.IvrConfig
) -> None:
    ari = FakeAri()
    asked: list[str] = []
    left: list[IvrExit] = []

    async def status(number: str) -> str | None:
        asked.append(number)
        return "referred" if number == "121220261208000001" else None

    ivr = Ivr(
        ari=ari, config=config, prompts=PromptFiles(tmp_path / "callcenter"),  # type: ignore[arg-type]
        case_status=status, on_leave=left.append,
    )  # fmt: skip
    chan = {"id": "c9", "caller": {"number": "0812345678"}}
    await ivr.handle({"type": "StasisStart", "args": ["ivr"], "channel": chan})
    for digit in "8121220261208000001#":
        await ivr.handle({"type": "ChannelDtmfReceived", "digit": digit, "channel": chan})
    assert asked == ["121220261208000001"]
    plays = [p["media"] for _, path, p in ari.calls if "/play/" in path]
    assert plays[-3:] == [LAST_RESORT] * 3  # no recordings here: tones, never silence
    marks = [p["value"] for _, _, p in ari.calls if p.get("variable") == "CHANNEL(userfield)"]
    assert marks[-1] == "lang=th;opt=8;tries=1;fb=0;cases=1;out="
    await ivr.handle({"type": "ChannelDtmfReceived", "digit": "0", "channel": chan})
    await ivr.handle({"type": "StasisEnd", "channel": chan})
    (gone,) = left
    assert (gone.call_id, gone.caller, gone.path.outcome, gone.path.queue) == (
        "c9", "0812345678", "routed", "general-enquiries",
    )  # fmt: skip


async def test_a_caller_who_hangs_up_in_the_menu_is_stored_as_a_hang_up(
    tmp_path: Path, config: ivrconf.IvrConfig
) -> None:
    left: list[IvrExit] = []
    ivr = Ivr(
        ari=FakeAri(), config=config, prompts=PromptFiles(tmp_path),  # type: ignore[arg-type]
        on_leave=left.append,
    )  # fmt: skip
    chan = {"id": "c10"}
    await ivr.handle({"type": "StasisStart", "args": ["ivr"], "channel": chan})
    await ivr.handle({"type": "ChannelDtmfReceived", "digit": "9", "channel": chan})
    await ivr.handle({"type": "StasisEnd", "channel": chan})
    (gone,) = left
    assert (gone.path.outcome, gone.path.language, gone.path.queue) == ("hung_up", "en", None)


async def test_a_failed_case_look_up_sends_the_caller_to_an_agent(
    tmp_path: Path, config: ivrconf.IvrConfig
) -> None:
    ari = FakeAri()

    async def broken(_: str) -> str | None:
        raise ConnectionError("database away")

    ivr = Ivr(
        ari=ari, config=config, prompts=PromptFiles(tmp_path),  # type: ignore[arg-type]
        case_status=broken,
    )  # fmt: skip
    chan = {"id": "c11"}
    await ivr.handle({"type": "StasisStart", "args": ["ivr"], "channel": chan})
    for digit in "812#":
        await ivr.handle({"type": "ChannelDtmfReceived", "digit": digit, "channel": chan})
    assert ari.calls[-1][2]["extension"] == "general-enquiries"
