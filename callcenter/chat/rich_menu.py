"""The LINE rich menu from configuration: picture + areas → postback or link actions.

`load` reads the TOML (data/rich_menu.toml ships the default; `chat_rich_menu` names
another) into LINE's rich menu object and the picture; `apply` creates the menu through the
SDK's MessagingApi, uploads the picture through MessagingApiBlob and makes it the default for
every friend. The postbacks are the bot's words (bot.py): intake, track, faq, admin, lang=…
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

DEFAULT = Path(__file__).parent / "data" / "rich_menu.toml"
IMAGE_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}
IMAGE_MAX_BYTES = 1024 * 1024


class RichMenuInvalid(ValueError):
    """The configuration is not a rich menu LINE would take (the message says where)."""


@dataclass(frozen=True)
class RichMenu:
    request: dict[str, Any]  # LINE's RichMenuRequest
    image: bytes
    content_type: str


class RichMenuApi(Protocol):
    async def create_rich_menu(self, menu: dict[str, Any]) -> str: ...

    async def set_rich_menu_image(self, menu_id: str, data: bytes, content_type: str) -> None: ...

    async def set_default_rich_menu(self, menu_id: str) -> None: ...


def _action(raw: Any, where: str) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise RichMenuInvalid(f"{where}.action: a table is needed")
    kind = raw.get("type")
    label = str(raw.get("label", ""))[:20] or None
    if kind == "postback":
        data = str(raw.get("data", ""))
        if not 1 <= len(data) <= 300:
            raise RichMenuInvalid(f"{where}.action.data: 1 to 300 characters")
        action = {"type": "postback", "data": data}
        if raw.get("display_text"):
            action["displayText"] = str(raw["display_text"])[:300]
    elif kind == "uri":
        uri = str(raw.get("uri", ""))
        if not uri.startswith(("https://", "http://", "tel:", "line://")):
            raise RichMenuInvalid(f"{where}.action.uri: an http(s), tel: or line:// address")
        action = {"type": "uri", "uri": uri}
    elif kind == "message":
        action = {"type": "message", "text": str(raw.get("text", ""))[:300]}
    else:
        raise RichMenuInvalid(f"{where}.action.type: postback, uri or message")
    if label:
        action["label"] = label
    return action


def load(path: Path = DEFAULT) -> RichMenu:
    """The rich menu of the TOML at `path`, checked the way LINE checks it."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise RichMenuInvalid(f"{path}: {exc}") from exc
    size = raw.get("size") or {}
    width, height = int(size.get("width", 0)), int(size.get("height", 0))
    if not 800 <= width <= 2500 or height < 250 or width / height < 1.45:
        raise RichMenuInvalid("size: width 800–2500, height ≥ 250, width/height ≥ 1.45")
    areas = raw.get("areas") or []
    if not 1 <= len(areas) <= 20:
        raise RichMenuInvalid("areas: 1 to 20")
    out_areas = []
    for i, area in enumerate(areas):
        b = area.get("bounds") or {}
        x, y, w, h = (int(b.get(k, -1)) for k in ("x", "y", "width", "height"))
        if x < 0 or y < 0 or w < 1 or h < 1 or x + w > width or y + h > height:
            raise RichMenuInvalid(f"areas[{i}].bounds: inside the {width}×{height} picture")
        out_areas.append({
            "bounds": {"x": x, "y": y, "width": w, "height": h},
            "action": _action(area.get("action"), f"areas[{i}]"),
        })  # fmt: skip
    chat_bar = str(raw.get("chat_bar_text", "Menu"))
    if not 1 <= len(chat_bar) <= 14:
        raise RichMenuInvalid("chat_bar_text: 1 to 14 characters")
    image_path = path.parent / str(raw.get("image", ""))
    content_type = IMAGE_TYPES.get(image_path.suffix.lower())
    if content_type is None or not image_path.is_file():
        raise RichMenuInvalid(f"image: a PNG or JPEG file next to {path.name}")
    image = image_path.read_bytes()
    if len(image) > IMAGE_MAX_BYTES:
        raise RichMenuInvalid("image: at most 1 MB")
    request = {
        "size": {"width": width, "height": height}, "selected": bool(raw.get("selected", True)),
        "name": str(raw.get("name", "menu"))[:300], "chatBarText": chat_bar, "areas": out_areas,
    }  # fmt: skip
    return RichMenu(request, image, content_type)


async def apply(api: RichMenuApi, menu: RichMenu) -> str:
    """Create the menu, upload its picture, make it every friend's default; its id."""
    menu_id = await api.create_rich_menu(menu.request)
    await api.set_rich_menu_image(menu_id, menu.image, menu.content_type)
    await api.set_default_rich_menu(menu_id)
    return menu_id
