"""`callcenter stack env` exports the paths nobody set as empty variables; the service must
read them as unset (its shipped files), not as '.' (it failed to start: the chat desk read
the working directory as its FAQ file)."""

from __future__ import annotations

import pytest

from callcenter.config import Settings

PATHS = ("QUEUE_LOG_PATH", "SPOOL_DIR", "PROMPTS_DIR", "CHAT_RICH_MENU", "CHAT_CANNED", "CHAT_FAQ")


def test_empty_path_variables_are_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in PATHS:
        monkeypatch.setenv(f"CALLCENTER_{name}", "")
    settings = Settings()
    assert [getattr(settings, n.lower()) for n in PATHS] == [None] * len(PATHS)


def test_a_set_path_stays(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CALLCENTER_CHAT_FAQ", "/etc/callcenter/faq.toml")
    assert str(Settings().chat_faq) == "/etc/callcenter/faq.toml"
