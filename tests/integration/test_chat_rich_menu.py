"""The LINE rich menu from configuration: created through the SDK's MessagingApi, its picture
uploaded through MessagingApiBlob, set as the default, every call checked by the stand-in
(LINE's OpenAPI and rules); its postbacks drive the bot."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from callcenter.chat import rich_menu
from callcenter.chat.standin_line import new_user_id
from callcenter.config import Settings
from callcenter.users.models import Role
from tests.helpers import poll
from tests.integration.chat_support import ChatWorld, chat_world

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
async def world(settings: Settings) -> AsyncIterator[ChatWorld]:
    async for built in chat_world(settings):
        yield built


async def _apply(world: ChatWorld, config: Path) -> httpx.Response:
    """POST /rich-menu with the desk reading `config` for once."""
    before, world.desk.rich_menu_path = world.desk.rich_menu_path, config
    try:
        return await world.client.post(
            "/api/v1/chat/rich-menu", headers=await world.user(Role.admin)
        )
    finally:
        world.desk.rich_menu_path = before


async def test_the_configured_menu_is_created_with_its_picture_and_made_the_default(
    world: ChatWorld,
) -> None:
    admin = await world.user(Role.admin)
    r = await world.client.post("/api/v1/chat/rich-menu", headers=admin)
    assert r.status_code == 201, r.text
    menu_id = r.json()["rich_menu_id"]
    assert world.line.default_rich_menu == menu_id
    made = world.line.rich_menus[menu_id]
    shipped = rich_menu.load()
    assert made["image"] == shipped.image and made["content_type"] == "image/png"
    actions = [a["action"] for a in made["request"]["areas"]]
    assert [a.get("data") for a in actions if a["type"] == "postback"] == [
        "intake", "track", "faq", "admin", "lang=toggle",
    ]  # fmt: skip
    assert actions[-1] == {"type": "uri", "uri": "https://www.1212occ.com", "label": "เว็บไซต์ 1212"}
    assert world.line.refusals == []


async def test_only_admins_apply_it(world: ChatWorld) -> None:
    r = await world.client.post("/api/v1/chat/rich-menu", headers=await world.user(Role.supervisor))
    assert r.status_code == 403


async def test_a_picture_of_the_wrong_size_is_refused_by_line_and_said_so(
    world: ChatWorld, tmp_path: Path
) -> None:
    config = rich_menu.DEFAULT.read_text(encoding="utf-8")  # the same menu at half height
    config = config.replace("height = 843 }", "height = 421 }").replace("y = 843", "y = 421")
    config = config.replace("height = 1686", "height = 843")
    (tmp_path / "menu.toml").write_text(config, encoding="utf-8")
    (tmp_path / "rich_menu.png").write_bytes(rich_menu.load().image)  # 2500×1686, not 843
    r = await _apply(world, tmp_path / "menu.toml")
    assert r.status_code == 502 and r.json()["error_id"] == "chat_platform_unavailable"
    assert world.line.refusals[-1][:2] == ("richmenu-content", 400)


async def test_a_broken_configuration_is_a_422_naming_the_problem(
    world: ChatWorld, tmp_path: Path
) -> None:
    (tmp_path / "menu.toml").write_text('chat_bar_text = "x"\nsize = {width = 100, height = 50}')
    r = await _apply(world, tmp_path / "menu.toml")
    assert r.status_code == 422 and r.json()["error_id"] == "chat_rich_menu_invalid"
    assert "size" in r.json()["message"]


async def test_tapping_talk_to_an_admin_hands_off_and_the_language_area_switches(
    world: ChatWorld,
) -> None:
    user = new_user_id()
    await world.line.send_webhook([world.line.postback_event(user, "lang=toggle")])
    [menu] = (await poll(lambda: world.line.delivered_to(user), timeout_s=10)).pop().messages
    assert menu["text"].startswith("Hello, this is the 1212")
    await world.line.send_webhook([world.line.postback_event(user, "admin")])
    await poll(lambda: len(world.line.delivered_to(user)) == 2, timeout_s=10, what="hand-off")
    told = world.line.delivered_to(user)[-1].messages[-1]["text"]
    assert "An admin has your conversation" in told
