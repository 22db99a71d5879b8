"""Render the catalogue into the folder Asterisk plays from, and say what is still missing.

`<dest>/<lang>/<id>.wav` is the uploaded recording when there is one, else a placeholder spoken
from the prompt's text; `<dest>/manifest.json` says which (placeholders are marked there and
in every listing: they stand in for tests and the demo only).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from callcenter.ivrconf import LANGUAGES, Catalogue

MANIFEST = "manifest.json"
UPLOAD, PLACEHOLDER, NONE = "recording", "placeholder", "none"

Fetch = Callable[[str, str], bytes | None]  # (prompt id, language) → an uploaded recording
Speak = Callable[[str, str], bytes]  # (text, language) → a placeholder


@dataclass(frozen=True)
class PromptState:
    id: str
    language: str
    state: str  # UPLOAD | PLACEHOLDER | NONE
    text: str

    def as_dict(self) -> dict[str, str]:
        return {"id": self.id, "language": self.language, "state": self.state, "text": self.text}


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def read_manifest(dest: Path) -> dict[str, dict[str, Any]]:
    try:
        data = json.loads((dest / MANIFEST).read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write(path: Path, data: bytes) -> None:
    """Atomically: Asterisk never opens a half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)


def render(
    catalogue: Catalogue,
    dest: Path,
    *,
    uploaded: set[tuple[str, str]],
    fetch: Fetch,
    speak: Speak,
    only: tuple[str, str] | None = None,
) -> dict[str, int]:
    """Write every prompt (or `only` one) per language; counts of what was written or kept."""
    manifest = read_manifest(dest)
    counts = {"recordings": 0, "placeholders_made": 0, "placeholders_kept": 0, "none": 0}
    for prompt in catalogue.prompts.values():
        for language in LANGUAGES:
            if only is not None and only != (prompt.id, language):
                continue
            name = f"{language}/{prompt.id}"
            path = dest / language / f"{prompt.id}.wav"
            text = prompt.text.get(language, "")
            if (prompt.id, language) in uploaded and (data := fetch(prompt.id, language)):
                _write(path, data)
                manifest[name] = {"source": UPLOAD}
                counts["recordings"] += 1
            elif text:
                entry = manifest.get(name, {})
                if (
                    path.is_file()
                    and entry.get("source") == PLACEHOLDER
                    and entry.get("text") == _digest(text)
                ):
                    counts["placeholders_kept"] += 1
                    continue
                _write(path, speak(text, language))
                manifest[name] = {"source": PLACEHOLDER, "text": _digest(text)}
                counts["placeholders_made"] += 1
            else:
                path.unlink(missing_ok=True)  # at play time: the other language (logged)
                manifest.pop(name, None)
                counts["none"] += 1
    _write(dest / MANIFEST, json.dumps(manifest, indent=1, sort_keys=True).encode())
    return counts


def states(
    catalogue: Catalogue, *, uploaded: set[tuple[str, str]], dest: Path
) -> list[PromptState]:
    """Each prompt per language: an uploaded recording, a placeholder, or nothing to play."""
    manifest = read_manifest(dest)
    out = []
    for prompt in sorted(catalogue.prompts.values(), key=lambda p: p.id):
        for language in LANGUAGES:
            if (prompt.id, language) in uploaded:
                state = UPLOAD
            elif (
                manifest.get(f"{language}/{prompt.id}", {}).get("source") == PLACEHOLDER
                and (dest / language / f"{prompt.id}.wav").is_file()
            ):
                state = PLACEHOLDER
            else:
                state = NONE
            out.append(PromptState(prompt.id, language, state, prompt.text.get(language, "")))
    return out


def missing(rows: list[PromptState]) -> dict[str, list[str]]:
    """Per language, the prompts with no uploaded recording (placeholders count as missing)."""
    out: dict[str, list[str]] = {language: [] for language in LANGUAGES}
    for row in rows:
        if row.state != UPLOAD:
            out[row.language].append(row.id)
    return out
