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

from callcenter.ivrconf import LANGUAGES, IvrConfig

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


Step = Play | Route | Hangup
CLOSED_STAGE = "closed"  # the closed message is playing


class MenuWalk:
    """Where one caller is in the menu: its stage, its language, the tries spent."""

    def __init__(self, config: IvrConfig) -> None:
        self.config = config
        self.language = config.default_language
        self.stage = LANGUAGE_STAGE
        self.tries = 0
        self.done = False

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
        return self._miss()

    def _act(self, digit: str) -> Step:
        action = self.config.menus[self.stage].options.get(digit)
        if action is None:
            return self._miss()
        if action.kind == "menu":
            return self._enter(action.target)
        self.done = True
        return Route(queue=action.target, language=self.language)

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
            self.done = True
            return Route(queue=self.config.fallback_queue, language=self.language, fallback=True)
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
