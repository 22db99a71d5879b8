"""The shipped rich menu is what LINE's published OpenAPI allows; bad configs say where."""

from __future__ import annotations

from pathlib import Path

import pytest

from callcenter.chat import openapi_check, rich_menu


def test_the_shipped_menu_conforms_to_lines_openapi_and_covers_its_picture() -> None:
    menu = rich_menu.load()
    assert (
        openapi_check.problems(menu.request, openapi_check.request_schema("/v2/bot/richmenu")) == []
    )
    covered = sum(a["bounds"]["width"] * a["bounds"]["height"] for a in menu.request["areas"])
    assert covered == menu.request["size"]["width"] * menu.request["size"]["height"]
    assert menu.image[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (('data = "intake"', 'data = ""'), "areas[0].action.data"),
        (("x = 1667, y = 0", "x = 1800, y = 0"), "areas[2].bounds"),
        (('type = "uri", uri = "https:', 'type = "uri", uri = "javascript:'), "areas[5]"),
        (('chat_bar_text = "เมนู / Menu"', 'chat_bar_text = "a very long chat bar"'), "chat_bar"),
    ],
)
def test_a_broken_menu_is_refused_naming_the_place(
    tmp_path: Path, change: tuple[str, str], where: str
) -> None:
    text = rich_menu.DEFAULT.read_text(encoding="utf-8")
    assert change[0] in text
    (tmp_path / "m.toml").write_text(text.replace(change[0], change[1]), encoding="utf-8")
    (tmp_path / "rich_menu.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    with pytest.raises(rich_menu.RichMenuInvalid, match=where.replace("[", r"\[")):
        rich_menu.load(tmp_path / "m.toml")
