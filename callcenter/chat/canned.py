"""Canned answers for the admin inbox, from configuration (data/canned.toml by default)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

DEFAULT = Path(__file__).parent / "data" / "canned.toml"


@dataclass(frozen=True)
class Canned:
    id: str
    title: dict[str, str]
    text: dict[str, str]


def load(path: Path = DEFAULT) -> dict[str, Canned]:
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    return {
        c["id"]: Canned(
            c["id"], {"th": c["title_th"], "en": c["title_en"]},
            {"th": c["text_th"], "en": c["text_en"]},
        )
        for c in raw.get("canned", [])
    }  # fmt: skip
