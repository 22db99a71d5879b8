"""Wrap-up disposition codes from `asterisk_conf/dispositions.toml` (Thai and English labels).

Read again whenever the file changes (its modification time), so a supervisor's edit needs
no restart; a file that does not validate is refused as a whole with a clear message.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

DISPOSITIONS_FILE = "dispositions.toml"
CODE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
MAX_LABEL = 120


@dataclass(frozen=True)
class Disposition:
    code: str
    label_th: str
    label_en: str


class BadDispositions(ValueError):
    """The file is missing or does not validate (the message says where and why)."""


_cache: dict[Path, tuple[float, list[Disposition]]] = {}


def load(conf_dir: Path) -> list[Disposition]:
    path = conf_dir / DISPOSITIONS_FILE
    try:
        mtime = path.stat().st_mtime
    except OSError as exc:
        raise BadDispositions(f"{path}: cannot read it ({exc.strerror})") from None
    cached = _cache.get(path)
    if cached is not None and cached[0] == mtime:
        return cached[1]
    found = parse(path.read_text(encoding="utf-8"), where=str(path))
    _cache[path] = (mtime, found)
    return found


def parse(text: str, *, where: str = DISPOSITIONS_FILE) -> list[Disposition]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise BadDispositions(f"{where}: not valid TOML ({exc})") from None
    rows = data.get("dispositions")
    if not isinstance(rows, list) or not rows:
        raise BadDispositions(f"{where}: needs at least one [[dispositions]] entry")
    found: list[Disposition] = []
    for n, row in enumerate(rows, 1):
        if not isinstance(row, dict) or set(row) != {"code", "label_th", "label_en"}:
            raise BadDispositions(
                f"{where}: entry {n} must have exactly code, label_th and label_en"
            )
        code, th, en = row["code"], row["label_th"], row["label_en"]
        if not isinstance(code, str) or not CODE.match(code):
            raise BadDispositions(
                f"{where}: entry {n}: code {code!r} must be 1-32 of a-z, 0-9, '-', '_'"
            )
        for name, label in (("label_th", th), ("label_en", en)):
            if not isinstance(label, str) or not label.strip() or len(label) > MAX_LABEL:
                raise BadDispositions(
                    f"{where}: entry {n} ({code}): {name} must be 1-{MAX_LABEL} characters"
                )
        if any(d.code == code for d in found):
            raise BadDispositions(f"{where}: code {code!r} appears twice")
        found.append(Disposition(code, th.strip(), en.strip()))
    return found
