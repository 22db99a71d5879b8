"""A place's name (an X place, a feed's location) to one of Thailand's 77 provinces."""

from __future__ import annotations

import json
import re
from functools import cache
from importlib import resources


def _key(name: str) -> str:
    return re.sub(r"[^a-z\u0e00-\u0e7f]", "", name.lower())


@cache
def _names() -> dict[str, str]:
    """Every known spelling (English without spaces, Thai) -> the province's English name."""
    raw = resources.files("callcenter.social").joinpath("data/provinces.json").read_text()
    data = json.loads(raw)
    names = {}
    for row in data["provinces"]:
        names[_key(row["en"])] = names[_key(row["th"])] = row["en"]
    for alias, province in data["aliases"].items():
        names[_key(alias)] = province
    return names


def provinces() -> list[str]:
    return sorted(set(_names().values()))


@cache
def thai_names() -> dict[str, str]:
    """English province name -> its Thai name."""
    raw = resources.files("callcenter.social").joinpath("data/provinces.json").read_text()
    return {row["en"]: row["th"] for row in json.loads(raw)["provinces"]}


def province(*place_names: str | None) -> str | None:
    """The first province any of the names is, or contains as a comma-separated part."""
    names = _names()
    for name in place_names:
        for part in (name or "").split(","):
            found = names.get(_key(part))
            if found:
                return found
    return None
