"""The IVR menu walk of one caller, without I/O: keys and time-outs in, steps out.

`ari_app.ivr` plays what a step says, starts the step's timer once the prompts have played,
and continues the channel to the queue of a `Route`. Prompt files are chosen by
`PromptFiles` (the caller's language, else the other one, never silence).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from callcenter.ivrconf import LANGUAGES, IvrConfig, status_prompt

log = logging.getLogger(__name__)

LANGUAGE_STAGE = ""  # the stage right after the welcome, before any menu
LAST_RESORT = "sound:beep"  # no recording in any language: a tone, not silence


@dataclass(frozen=True)
class Play:
    """Play these prompts in `language`, then wait `timeout_s` for a key."""

    prompts: tuple[str, ...]
    language: str
    timeout_s: float


@dataclass(frozen=True)
class Route:
    """Leave the IVR for this queue, with the caller's language; `fallback` after N misses."""

    queue: str
    language: str
    fallback: bool = False


@dataclass(frozen=True)
class Hangup:
    """End the call (the line is closed and the caller heard so)."""


@dataclass(frozen=True)
class Listen:
    """The caller is keying a number: stop the prompts, wait `timeout_s` for the next key."""

    timeout_s: float


@dataclass(frozen=True)
class Lookup:
    """Look the case up (`MenuWalk.found` with its status, or `lookup_failed`)."""

    number: str


@dataclass(frozen=True)
class CallerPath:
    """How a caller left the IVR (ivr-v1): `outcome` routed | hung_up | closed; `option` the
    main menu's key they chose (None: none); `tries` the plays of the menu they were in;
    `fallback` routed to the fallback queue after the tries; `case_lookups` case numbers keyed
    in the case-status sub-menu."""

    outcome: str
    queue: str | None
    language: str
    option: str | None
    tries: int
    fallback: bool
    case_lookups: int


Step = Play | Route | Hangup | Listen | Lookup
CLOSED_STAGE = "closed"  # the closed message is playing
CASE_ENTRY = "case:number"  # keying a case number (menu ids have no ':')
CASE_HEARD = "case:status"  # the status was said; the agent offer is open


class MenuWalk:
    """Where one caller is in the menu: its stage, its language, the tries spent."""

    def __init__(self, config: IvrConfig) -> None:
        self.config = config
        self.language = config.default_language
        self.stage = LANGUAGE_STAGE
        self.tries = 0
        self.done = False
        self.option: str | None = None  # the main menu's key the caller chose
        self.fallback = False
        self.case_lookups = 0
        self.digits = ""  # the case number being keyed
        self.routed_to: str | None = None
        self._back = config.start  # where a case-status caller goes back to

    def start(self, announcement: str | None = None, *, now: datetime | None = None) -> Play:
        """The welcome, the emergency announcement when one is on, the language choice; out
        of opening hours, the welcome and the closed message."""
        c = self.config
        if not c.hours.open_at(now or datetime.now(UTC)):
            self.stage = CLOSED_STAGE
            return Play(prompts=(c.welcome, c.hours.closed_prompt), language=self.language,
                        timeout_s=0.5)  # fmt: skip
        extra = (announcement,) if announcement else ()
        return Play(
            prompts=(c.welcome, *extra, c.language_prompt),
            language=self.language,
            timeout_s=c.language_timeout_s,
        )

    def key(self, digit: str) -> Step | None:
        """A key the caller pressed; None when it changes nothing (ignored)."""
        if self.done:
            return None
        c = self.config
        if self.stage == CLOSED_STAGE:
            return None
        if self.stage == LANGUAGE_STAGE:
            chosen = c.language_keys.get(digit)
            if chosen is not None:
                self.language = chosen
                return self._enter(c.start)
            # A caller who knows the menu need not wait for it: the key counts there.
            if digit in c.menus[c.start].options:
                self.stage = c.start
                return self._act(digit)
            return None
        if self.stage == CASE_ENTRY:
            return self._case_key(digit)
        if self.stage == CASE_HEARD:
            return self._after_status(digit)
        return self._act(digit)

    def timeout(self) -> Step | None:
        """No key in time after the prompts."""
        if self.done:
            return None
        if self.stage == CLOSED_STAGE:
            self.done = True
            return Hangup()
        if self.stage == LANGUAGE_STAGE:
            return self._enter(self.config.start)
        if self.stage == CASE_ENTRY:
            return Lookup(number=self.digits) if self.digits else self._case_miss()
        if self.stage == CASE_HEARD:
            return self._after_status(None)
        return self._miss()

    def path(self, *, hung_up: bool = False) -> CallerPath:
        """The caller's path so far, as stored when they leave (`hung_up`: they are gone)."""
        outcome = "routed" if self.routed_to else "closed" if self.stage == CLOSED_STAGE else ""
        return CallerPath(
            outcome="hung_up" if hung_up and not outcome else outcome or "in_ivr",
            queue=self.routed_to, language=self.language, option=self.option,
            tries=self.tries, fallback=self.fallback, case_lookups=self.case_lookups,
        )  # fmt: skip

    def userfield(self) -> str:
        """The path as the channel's CHANNEL(userfield) carries it into Asterisk's CEL
        (asterisk_conf/cel.conf), read back by callcenter.ivrcalls.recount."""
        out = "closed" if self.stage == CLOSED_STAGE else "routed" if self.routed_to else ""
        return (
            f"lang={self.language};opt={self.option or ''};tries={self.tries};"
            f"fb={int(self.fallback)};cases={self.case_lookups};out={out}"
        )

    # -- the case-status sub-menu ------------------------------------------------------------
    def found(self, status: str | None) -> Step:
        """The case of the number keyed has `status` (None: no such case)."""
        cs = self.config.case_status
        number, self.digits = self.digits, ""
        self.case_lookups += 1
        if status is None:
            if self.tries >= self.config.tries:
                return self._route_fallback()
            self.tries += 1
            return self._play(cs.unknown, cs.prompt, timeout_s=cs.timeout_s)
        self.stage = CASE_HEARD
        said = tuple(f"digit-{d}" for d in number)
        return self._play(cs.intro, *said, status_prompt(status), cs.offer)

    def lookup_failed(self) -> Step:
        """The case could not be looked up (the service's database away): an agent helps."""
        self.digits = ""
        self.case_lookups += 1
        return self._route(self.config.case_status.agent_queue)

    def _case_key(self, digit: str) -> Step | None:
        if digit == "#":
            return Lookup(number=self.digits) if self.digits else self._case_miss()
        if not digit.isdigit():
            return None
        self.digits += digit
        if len(self.digits) >= self.config.case_status.max_digits:
            return Lookup(number=self.digits)
        return Listen(timeout_s=self.config.case_status.timeout_s)

    def _case_miss(self) -> Step:
        cs = self.config.case_status
        if self.tries >= self.config.tries:
            return self._route_fallback()
        self.tries += 1
        return self._play(self.config.invalid, cs.prompt, timeout_s=cs.timeout_s)

    def _after_status(self, digit: str | None) -> Step:
        cs = self.config.case_status
        if digit == cs.agent_key:
            return self._route(cs.agent_queue)
        if cs.after == "fallback":
            return self._route(self.config.fallback_queue)
        return self._enter(self._back)

    def _play(self, *prompts: str, timeout_s: float | None = None) -> Play:
        return Play(
            prompts=prompts, language=self.language,
            timeout_s=self.config.timeout_s if timeout_s is None else timeout_s,
        )  # fmt: skip

    # -- menus ---------------------------------------------------------------------------------
    def _act(self, digit: str) -> Step:
        action = self.config.menus[self.stage].options.get(digit)
        if action is None:
            return self._miss()
        if self.stage == self.config.start and self.option is None:
            self.option = digit
        if action.kind == "menu":
            return self._enter(action.target)
        if action.kind == "case":
            self._back = self.stage
            self.stage, self.tries, self.digits = CASE_ENTRY, 1, ""
            cs = self.config.case_status
            return self._play(cs.prompt, timeout_s=cs.timeout_s)
        return self._route(action.target)

    def _route(self, queue: str, *, fallback: bool = False) -> Route:
        self.done, self.routed_to, self.fallback = True, queue, fallback
        return Route(queue=queue, language=self.language, fallback=fallback)

    def _route_fallback(self) -> Route:
        return self._route(self.config.fallback_queue, fallback=True)

    def _enter(self, menu_id: str) -> Play:
        self.stage, self.tries = menu_id, 1
        return self._menu_prompt()

    def _menu_prompt(self, *, again: bool = False) -> Play:
        menu = self.config.menus[self.stage]
        prompts = (self.config.invalid, menu.prompt) if again else (menu.prompt,)
        return Play(prompts=prompts, language=self.language, timeout_s=self.config.timeout_s)

    def _miss(self) -> Step:
        """A wrong key or no key: the menu again, until the tries are spent."""
        if self.tries >= self.config.tries:
            return self._route_fallback()
        self.tries += 1
        return self._menu_prompt(again=True)


class PromptFiles:
    """Which recording plays a prompt: `<root>/<lang>/<id>.wav`, seen by Asterisk as
    `sound:<folder>/<lang>/<id>` (`root` is a folder directly under Asterisk's sounds dir)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.prefix = root.name

    def has(self, prompt_id: str, language: str) -> bool:
        return (self.root / language / f"{prompt_id}.wav").is_file()

    def media(self, prompt_id: str, language: str) -> str:
        """The media URI to play; a missing recording falls back to the other language (logged),
        and with none at all to a tone (logged as an error)."""
        order = [language, *(lang for lang in LANGUAGES if lang != language)]
        for lang in order:
            if self.has(prompt_id, lang):
                if lang != language:
                    log.warning(
                        "prompt %r has no %s recording: playing the %s one", prompt_id, language,
                        lang,
                    )  # fmt: skip
                return f"sound:{self.prefix}/{lang}/{prompt_id}"
        log.error("prompt %r has no recording in any language under %s", prompt_id, self.root)
        return LAST_RESORT
