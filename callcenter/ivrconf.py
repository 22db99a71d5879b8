"""The IVR menu (`asterisk_conf/ivr.toml`) and the prompt catalogue (`prompts.toml`), checked.

Loaded at the service's start: a broken file raises ValueError naming the file and the problem,
so the service does not start with a menu that would strand callers.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from callcenter.centre import Centre

IVR_FILE = "ivr.toml"
PROMPTS_FILE = "prompts.toml"
LANGUAGES = ("th", "en")
DIGITS = frozenset("0123456789*#")
PROMPT_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,47}$")
MENU_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,31}$")


@dataclass(frozen=True)
class Prompt:
    """One catalogue entry: its id and its text per language."""

    id: str
    text: dict[str, str]


@dataclass(frozen=True)
class Catalogue:
    prompts: dict[str, Prompt]

    @property
    def ids(self) -> list[str]:
        return sorted(self.prompts)


@dataclass(frozen=True)
class Action:
    """What a key does: go to a queue, or to another menu."""

    kind: str  # "queue" | "menu" | "case" (the case-status sub-menu: [case_status])
    target: str

    @classmethod
    def parse(cls, raw: object, *, where: str) -> Action:
        if raw == CASE_STATUS_ACTION:
            return cls(kind="case", target="status")
        kind, _, target = str(raw).partition(":")
        if kind not in ("queue", "menu") or not target:
            raise ValueError(
                f"{where}: {raw!r} is not 'queue:<name>', 'menu:<id>' or '{CASE_STATUS_ACTION}'"
            )
        return cls(kind=kind, target=target)


CASE_STATUS_ACTION = "case-status"
# The statuses of callcenter/cases (Status), each with its prompt `case-status-<status>`.
CASE_STATUSES = ("new", "in_progress", "referred", "waiting_for_caller", "resolved", "closed")
DIGIT_PROMPTS = tuple(f"digit-{d}" for d in range(10))


def status_prompt(status: str) -> str:
    return "case-status-" + status.replace("_", "-")


@dataclass(frozen=True)
class CaseStatusMenu:
    """ "Track an existing complaint" ([case_status]): the caller keys the case number and #;
    they hear the number back digit by digit and the case's status (no personal data), then
    `agent_key` sends them to `agent_queue`; another key or none goes `after`: "menu" (the
    main menu again) or "fallback" (the fallback queue). An unknown number is said so and
    the caller keys again, as many tries as the menu."""

    prompt: str = "case-enter"
    unknown: str = "case-unknown"
    intro: str = "case-number-is"
    offer: str = "case-agent-offer"
    agent_key: str = "0"
    agent_queue: str = ""
    after: str = "menu"
    timeout_s: float = 8.0
    max_digits: int = 20

    @property
    def prompt_ids(self) -> set[str]:
        ids = {self.prompt, self.unknown, self.intro, self.offer, *DIGIT_PROMPTS}
        return ids | {status_prompt(s) for s in CASE_STATUSES}


@dataclass(frozen=True)
class Menu:
    id: str
    prompt: str
    options: dict[str, Action]


DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
CENTRE_TZ = ZoneInfo("Asia/Bangkok")
_RANGE = re.compile(r"^(\d{2}):(\d{2})-(\d{2}):(\d{2})$")
_END_OF_DAY = time(23, 59, 59, 999999)  # "24:00" as a range's end
OPEN_AFTER_DAYS = 3 * 366  # Hours.open_after gives up (ValueError) past this many days


@dataclass(frozen=True)
class Hours:
    """When the line answers, in the centre's time (Asia/Bangkok). No days: always (24/7)."""

    days: dict[int, list[tuple[time, time]]] = field(default_factory=dict)  # weekday → ranges
    closed_dates: frozenset[date] = frozenset()
    closed_prompt: str = "closed"

    @property
    def always(self) -> bool:
        return not self.days and not self.closed_dates

    def open_at(self, moment: datetime) -> bool:
        if self.always:
            return True
        local = moment.astimezone(CENTRE_TZ)
        if local.date() in self.closed_dates:
            return False
        if not self.days:
            return True
        now = local.time()
        return any(start <= now < end for start, end in self.days.get(local.weekday(), []))

    def open_after(self, start: datetime, seconds: float) -> datetime:
        """The moment `seconds` of open time have passed since `start` (UTC): the clock runs
        only while `open_at` is true (24/7: plain addition). Asia/Bangkok keeps no summer
        time, so an open hour is always 3600 s."""
        if self.always:
            return start + timedelta(seconds=seconds)
        left = timedelta(seconds=seconds)
        start = start.astimezone(UTC)
        day = start.astimezone(CENTRE_TZ).date()
        for _ in range(OPEN_AFTER_DAYS):
            for opens, closes in self.spans(day):
                opens = max(opens, start)
                if closes <= opens:
                    continue
                if closes - opens >= left:
                    return opens + left
                left -= closes - opens
            day += timedelta(days=1)
        raise ValueError(f"no open hours within {OPEN_AFTER_DAYS} days of {start.isoformat()}")

    def spans(self, day: date) -> list[tuple[datetime, datetime]]:
        """The open spans of one local day (UTC, in order, overlaps merged; 24:00 is the
        next midnight)."""
        if day in self.closed_dates:
            return []
        ranges = self.days.get(day.weekday(), []) if self.days else [(time(0), _END_OF_DAY)]
        midnight = datetime.combine(day, time(0), tzinfo=CENTRE_TZ)
        merged: list[tuple[datetime, datetime]] = []
        for begin, end in sorted(ranges):
            a = datetime.combine(day, begin, tzinfo=CENTRE_TZ).astimezone(UTC)
            b = (
                (midnight + timedelta(days=1)).astimezone(UTC)
                if end == _END_OF_DAY
                else datetime.combine(day, end, tzinfo=CENTRE_TZ).astimezone(UTC)
            )
            if merged and a <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], b))
            else:
                merged.append((a, b))
        return merged


CODECS = frozenset({"ulaw", "alaw", "g722", "gsm", "opus", "g729"})
DTMF_MODES = frozenset({"rfc4733", "inband", "info", "auto"})
_NUMBER = re.compile(r"^[0-9+*#]{1,32}$")
_HOST = re.compile(r"^[0-9A-Za-z.:-]+(/[0-9.]+)?$")


@dataclass(frozen=True)
class Trunk:
    """The carrier trunk that delivers 1212 calls (pjsip.conf): an endpoint without
    registration or password, known by the carrier's source address (`match`); calls to one
    of `numbers` enter the IVR. Loopback by default (SIPp in the tests and the benchmark)."""

    name: str = "carrier"
    match: tuple[str, ...] = ("127.0.0.1",)
    codecs: tuple[str, ...] = ("ulaw", "alaw")
    dtmf_mode: str = "rfc4733"
    numbers: tuple[str, ...] = ("1212",)


@dataclass(frozen=True)
class QueuePrompts:
    """What a caller waiting in one queue hears (queues.conf, rendered by `stack up`):
    `callback_after_s`: the callback offer ("press 1 to be called back") after that many seconds
    of waiting and again every as many (0: no offer); `announce_every_s`: position and expected
    wait on entry and every that many seconds (0: never); `csat`: the caller stays on after the
    agent hangs up and rates the call (set on the channel by the service's IVR)."""

    callback_after_s: int = 30
    announce_every_s: int = 60
    csat: bool = False


QUEUE_PROMPT_KEYS = ("callback_after_s", "announce_every_s", "csat")


@dataclass(frozen=True)
class IvrConfig:
    default_language: str
    tries: int
    timeout_s: float
    fallback_queue: str
    welcome: str
    invalid: str
    language_prompt: str
    language_timeout_s: float
    language_keys: dict[str, str]
    menus: dict[str, Menu]
    start: str = "main"
    catalogue: Catalogue = field(default_factory=lambda: Catalogue(prompts={}))
    hours: Hours = field(default_factory=Hours)
    trunk: Trunk = field(default_factory=Trunk)
    queues: dict[str, QueuePrompts] = field(default_factory=dict)
    case_status: CaseStatusMenu = field(default_factory=CaseStatusMenu)
    # A caller in the menu whose service goes quiet this long (killed, hung) leaves the Stasis
    # app for the dialplan IVR: TIMEOUT(absolute), renewed by the service at every step.
    watchdog_s: float = 45.0

    @property
    def has_case_status(self) -> bool:
        """A menu option leads to the case-status sub-menu."""
        return any(a.kind == "case" for m in self.menus.values() for a in m.options.values())

    def in_queue(self, queue: str) -> QueuePrompts:
        return self.queues.get(queue, QueuePrompts())

    @property
    def prompt_ids(self) -> set[str]:
        """Every prompt the menu may play."""
        ids = {self.welcome, self.invalid, self.language_prompt}
        if not self.hours.always:
            ids.add(self.hours.closed_prompt)
        if self.has_case_status:
            ids |= self.case_status.prompt_ids
        return ids | {m.prompt for m in self.menus.values()}


# The shipped files: a config dir that has only its own centre.toml (a test's, a deployment
# that predates the IVR menu) runs the shipped menu and catalogue.
SHIPPED = Path(__file__).resolve().parent.parent / "asterisk_conf"


def _file(conf_dir: Path, name: str) -> Path:
    own = conf_dir / name
    return own if own.exists() or not (SHIPPED / name).exists() else SHIPPED / name


def catalogue_file(conf_dir: Path) -> Path:
    return _file(conf_dir, PROMPTS_FILE)


def load(conf_dir: Path, centre: Centre) -> IvrConfig:
    """The checked menu of `conf_dir`, with its prompt catalogue (the shipped ones when
    `conf_dir` has none)."""
    catalogue = load_catalogue(_file(conf_dir, PROMPTS_FILE))
    path = _file(conf_dir, IVR_FILE)
    return parse(_read(path), centre=centre, catalogue=catalogue, where=str(path))


def load_catalogue(path: Path) -> Catalogue:
    return parse_catalogue(_read(path), where=str(path))


def _read(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ValueError(f"cannot read {path}: {exc}") from exc


def parse_catalogue(data: dict[str, Any], *, where: str) -> Catalogue:
    prompts: dict[str, Prompt] = {}
    for index, raw in enumerate(data.get("prompts", [])):
        pid = str(raw.get("id", ""))
        if not PROMPT_ID.match(pid):
            raise ValueError(f"{where}: prompt #{index + 1} has a bad id {pid!r} (a-z, 0-9, -)")
        if pid in prompts:
            raise ValueError(f"{where}: prompt {pid!r} is listed twice")
        unknown = set(raw) - {"id", *LANGUAGES}
        if unknown:
            raise ValueError(f"{where}: prompt {pid!r} has unknown keys {sorted(unknown)}")
        text = {lang: str(raw.get(lang, "")).strip() for lang in LANGUAGES}
        if not any(text.values()):
            raise ValueError(f"{where}: prompt {pid!r} has no text in any language")
        prompts[pid] = Prompt(id=pid, text=text)
    if not prompts:
        raise ValueError(f"{where}: no prompts")
    return Catalogue(prompts=prompts)


def _number(section: dict[str, Any], key: str, default: float, *, where: str) -> float:
    value = section.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise ValueError(f"{where}: {key} must be a positive number (got {value!r})")
    return float(value)


WATCHDOG_RANGE_S = (10, 600)


def _watchdog(ivr: dict[str, Any], *, where: str) -> float:
    value = _number(ivr, "watchdog_s", 45.0, where=where)
    low, high = WATCHDOG_RANGE_S
    if not low <= value <= high:
        raise ValueError(
            f"{where}: watchdog_s must be from {low} to {high} seconds, longer than any one step "
            f"of the menu (its prompts and the wait for a key) (got {value!r})"
        )
    return value


def _keys(raw: object, *, where: str) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise ValueError(f"{where}: must be a table of key = value")
    for key in raw:
        if key not in DIGITS:
            raise ValueError(f"{where}: {key!r} is not a phone key (0-9, *, #)")
    return raw


def parse(data: dict[str, Any], *, centre: Centre, catalogue: Catalogue, where: str) -> IvrConfig:
    """Check the menu against the centre's queues and the catalogue."""
    ivr, lang = data.get("ivr", {}), data.get("language", {})
    default_language = str(ivr.get("default_language", "th"))
    if default_language not in LANGUAGES:
        raise ValueError(f"{where}: default_language must be one of {LANGUAGES}")
    tries = ivr.get("tries", 3)
    if not isinstance(tries, int) or isinstance(tries, bool) or not 1 <= tries <= 9:
        raise ValueError(f"{where}: tries must be a whole number from 1 to 9 (got {tries!r})")
    fallback = str(ivr.get("fallback_queue") or centre.default_queue)
    if fallback not in centre.queue_names:
        raise ValueError(f"{where}: fallback_queue {fallback!r} is not a queue of centre.toml")
    language_keys = {
        k: str(v) for k, v in _keys(lang.get("keys", {}), where=f"{where} [language] keys").items()
    }
    for key, code in language_keys.items():
        if code not in LANGUAGES:
            raise ValueError(f"{where}: [language] key {key} names unknown language {code!r}")
    menus = _menus(data.get("menus", {}), centre=centre, where=where)
    start = str(ivr.get("start", "main"))
    if start not in menus:
        raise ValueError(f"{where}: no [menus.{start}] to start with")
    clash = set(language_keys) & set(menus[start].options)
    if clash:
        raise ValueError(f"{where}: keys {sorted(clash)} are both a language and a menu option")
    config = IvrConfig(
        default_language=default_language,
        tries=tries,
        timeout_s=_number(ivr, "timeout_s", 5.0, where=f"{where} [ivr]"),
        watchdog_s=_watchdog(ivr, where=f"{where} [ivr]"),
        fallback_queue=fallback,
        welcome=str(ivr.get("welcome", "welcome")),
        invalid=str(ivr.get("invalid", "invalid")),
        language_prompt=str(lang.get("prompt", "language")),
        language_timeout_s=_number(lang, "timeout_s", 3.0, where=f"{where} [language]"),
        language_keys=language_keys,
        menus=menus,
        start=start,
        catalogue=catalogue,
        hours=parse_hours(data.get("hours", {}), where=f"{where} [hours]"),
        trunk=_trunk(data.get("trunk", {}), centre=centre, where=f"{where} [trunk]"),
        queues=_queues(data.get("queues", {}), centre=centre, where=f"{where} [queues]"),
        case_status=_case_status(
            data.get("case_status", {}),
            fallback=fallback,
            centre=centre,
            where=f"{where} [case_status]",
        ),
    )
    missing = sorted(config.prompt_ids - set(catalogue.prompts))
    if missing:
        raise ValueError(f"{where}: prompts {missing} are not in the catalogue ({PROMPTS_FILE})")
    return config


def _menus(raw: object, *, centre: Centre, where: str) -> dict[str, Menu]:
    if not isinstance(raw, dict) or "main" not in raw:
        raise ValueError(f"{where}: no [menus.main]")
    menus: dict[str, Menu] = {}
    for menu_id, section in raw.items():
        here = f"{where} [menus.{menu_id}]"
        if not MENU_ID.match(menu_id):
            raise ValueError(f"{here}: bad menu id (a-z, 0-9, -)")
        options = {
            key: Action.parse(value, where=f"{here} option {key}")
            for key, value in _keys(section.get("options", {}), where=f"{here} options").items()
        }
        if menu_id == "main":
            # The service lines are centre.toml's digits, as in the dialplan fallback IVR.
            for queue in centre.queues:
                if queue.digit in options:
                    raise ValueError(
                        f"{here}: key {queue.digit} is already {queue.name!r} in centre.toml"
                    )
                options[queue.digit] = Action(kind="queue", target=queue.name)
        if not options:
            raise ValueError(f"{here}: no options")
        menus[menu_id] = Menu(id=menu_id, prompt=str(section.get("prompt", "")), options=options)
    for menu in menus.values():
        for key, action in menu.options.items():
            if action.kind == "queue" and action.target not in centre.queue_names:
                raise ValueError(
                    f"{where} [menus.{menu.id}] key {key}: {action.target!r} is not a queue"
                )
            if action.kind == "menu" and action.target not in menus:
                raise ValueError(f"{where} [menus.{menu.id}] key {key}: no menu {action.target!r}")
    return menus


def parse_hours(raw: object, *, where: str, prompt: bool = True) -> Hours:
    """[hours]: mon = "08:30-16:30" (or a list of ranges), closed_dates = ["2026-12-31"]
    (and, for the IVR, closed_prompt; `prompt=False`: refused). Also the chat desk's SLA
    hours (callcenter/chat/sla.py)."""
    if not isinstance(raw, dict):
        raise ValueError(f"{where}: must be a table")
    unknown = set(raw) - {*DAYS, "closed_dates", *(["closed_prompt"] if prompt else [])}
    if unknown:
        raise ValueError(f"{where}: unknown keys {sorted(unknown)} (days are {', '.join(DAYS)})")
    days: dict[int, list[tuple[time, time]]] = {}
    for index, day in enumerate(DAYS):
        if day not in raw:
            continue
        ranges = raw[day] if isinstance(raw[day], list) else [raw[day]]
        for text in ranges:
            found = _RANGE.match(str(text))
            if found is None:
                raise ValueError(f"{where}: {day} = {text!r} is not HH:MM-HH:MM")
            h1, m1, h2, m2 = (int(g) for g in found.groups())
            end = _END_OF_DAY if (h2, m2) == (24, 0) else None
            try:
                start, end = time(h1, m1), end or time(h2, m2)
            except ValueError as exc:
                raise ValueError(f"{where}: {day} = {text!r}: {exc}") from exc
            if not start < end:
                raise ValueError(f"{where}: {day} = {text!r} ends before it starts")
            days.setdefault(index, []).append((start, end))
    closed: set[date] = set()
    dates = raw.get("closed_dates", [])
    if not isinstance(dates, list):
        raise ValueError(f"{where}: closed_dates must be a list of dates (YYYY-MM-DD)")
    for value in dates:
        try:
            closed.add(value if isinstance(value, date) else date.fromisoformat(str(value)))
        except ValueError as exc:
            raise ValueError(f"{where}: closed_dates {value!r} is not YYYY-MM-DD") from exc
    return Hours(
        days=days,
        closed_dates=frozenset(closed),
        closed_prompt=str(raw.get("closed_prompt", "closed")),
    )


def _strings(
    raw: dict[str, Any], key: str, default: tuple[str, ...], *, where: str
) -> tuple[str, ...]:
    value = raw.get(key, list(default))
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise ValueError(f"{where}: {key} must be a non-empty list of strings")
    return tuple(value)


def _trunk(raw: object, *, centre: Centre, where: str) -> Trunk:
    """[trunk]: name, match (source addresses), codecs, dtmf_mode, numbers."""
    if not isinstance(raw, dict):
        raise ValueError(f"{where}: must be a table")
    default = Trunk()
    unknown = set(raw) - {"name", "match", "codecs", "dtmf_mode", "numbers"}
    if unknown:
        raise ValueError(f"{where}: unknown keys {sorted(unknown)}")
    name = str(raw.get("name", default.name))
    if not MENU_ID.match(name) or name in {a.id for a in centre.agents}:
        raise ValueError(f"{where}: name {name!r} must be a-z, 0-9, - and not an agent's id")
    match = _strings(raw, "match", default.match, where=where)
    for host in match:
        if not _HOST.match(host):
            raise ValueError(f"{where}: match {host!r} is not an address, network or host name")
    codecs = _strings(raw, "codecs", default.codecs, where=where)
    bad = sorted(set(codecs) - CODECS)
    if bad:
        raise ValueError(f"{where}: codecs {bad} unknown (one of {sorted(CODECS)})")
    dtmf = str(raw.get("dtmf_mode", default.dtmf_mode))
    if dtmf not in DTMF_MODES:
        raise ValueError(f"{where}: dtmf_mode {dtmf!r} is not one of {sorted(DTMF_MODES)}")
    numbers = _strings(raw, "numbers", default.numbers, where=where)
    for number in numbers:
        if not _NUMBER.match(number):
            raise ValueError(f"{where}: number {number!r} is not digits (0-9 + * #)")
    return Trunk(name=name, match=match, codecs=codecs, dtmf_mode=dtmf, numbers=numbers)


def _seconds(raw: dict[str, Any], key: str, default: Any, *, where: str) -> Any:
    value = raw.get(key, default)
    if key == "csat":
        if not isinstance(value, bool):
            raise ValueError(f"{where}: csat must be true or false (got {value!r})")
        return value
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 3600:
        raise ValueError(f"{where}: {key} must be whole seconds from 0 to 3600 (got {value!r})")
    return value


def _queues(raw: object, *, centre: Centre, where: str) -> dict[str, QueuePrompts]:
    """[queues]: defaults for every queue; [queues.<name>]: one queue's own values."""
    if not isinstance(raw, dict):
        raise ValueError(f"{where}: must be a table")
    tables = {k: v for k, v in raw.items() if isinstance(v, dict)}
    defaults = {k: v for k, v in raw.items() if not isinstance(v, dict)}
    unknown = set(defaults) - set(QUEUE_PROMPT_KEYS)
    if unknown:
        known = ", ".join(QUEUE_PROMPT_KEYS)
        raise ValueError(f"{where}: unknown keys {sorted(unknown)} ({known})")
    base = QueuePrompts(
        **{k: _seconds(defaults, k, getattr(QueuePrompts(), k), where=where) for k in defaults}
    )
    out: dict[str, QueuePrompts] = {}
    for name in tables:
        if name not in centre.queue_names:
            raise ValueError(f"{where}: [queues.{name}] is not a queue of centre.toml")
    for name in centre.queue_names:
        own = tables.get(name, {})
        here = f"{where} [queues.{name}]"
        bad = set(own) - set(QUEUE_PROMPT_KEYS)
        if bad:
            raise ValueError(f"{here}: unknown keys {sorted(bad)}")
        out[name] = QueuePrompts(
            **{k: _seconds(own, k, getattr(base, k), where=here) for k in QUEUE_PROMPT_KEYS}
        )
    return out


def _case_status(raw: object, *, fallback: str, centre: Centre, where: str) -> CaseStatusMenu:
    """[case_status]: the prompts, agent_key, agent_queue (default: the fallback queue), after
    ("menu" | "fallback"), timeout_s (for the first key and between keys), max_digits."""
    if not isinstance(raw, dict):
        raise ValueError(f"{where}: must be a table")
    default = CaseStatusMenu()
    known = {"prompt", "unknown", "intro", "offer", "agent_key", "agent_queue", "after",
             "timeout_s", "max_digits"}  # fmt: skip
    unknown = set(raw) - known
    if unknown:
        raise ValueError(f"{where}: unknown keys {sorted(unknown)}")
    agent_key = str(raw.get("agent_key", default.agent_key))
    if agent_key not in DIGITS - {"#"}:
        raise ValueError(f"{where}: agent_key {agent_key!r} is not a phone key (0-9, *)")
    queue = str(raw.get("agent_queue") or fallback)
    if queue not in centre.queue_names:
        raise ValueError(f"{where}: agent_queue {queue!r} is not a queue of centre.toml")
    after = str(raw.get("after", default.after))
    if after not in ("menu", "fallback"):
        raise ValueError(f'{where}: after must be "menu" or "fallback" (got {after!r})')
    max_digits = raw.get("max_digits", default.max_digits)
    if isinstance(max_digits, bool) or not isinstance(max_digits, int) or not 4 <= max_digits <= 32:
        raise ValueError(f"{where}: max_digits must be a whole number from 4 to 32")
    return CaseStatusMenu(
        prompt=str(raw.get("prompt", default.prompt)),
        unknown=str(raw.get("unknown", default.unknown)),
        intro=str(raw.get("intro", default.intro)),
        offer=str(raw.get("offer", default.offer)),
        agent_key=agent_key,
        agent_queue=queue,
        after=after,
        timeout_s=_number(raw, "timeout_s", default.timeout_s, where=where),
        max_digits=max_digits,
    )
