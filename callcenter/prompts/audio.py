"""sox and espeak-ng: what Asterisk plays is WAV, 8 kHz, mono, 16-bit signed PCM."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from callcenter.errors import AppError

SOX_OUT = ["-r", "8000", "-c", "1", "-b", "16", "-e", "signed-integer"]
VOICES = {"th": "th", "en": "en"}
TIMEOUT_S = 60


class AudioInvalid(AppError):
    status, error_id = 422, "prompt_audio_invalid"


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise AudioInvalid(
            f"{name} is not installed: run scripts/bootstrap.sh / "
            f"ไม่พบโปรแกรม {name}: โปรดรัน scripts/bootstrap.sh"
        )
    return found


def convert(source: Path) -> bytes:
    """A WAV or MP3 file as Asterisk's WAV; AudioInvalid when sox cannot read it."""
    suffix = source.suffix.lower()
    if suffix not in (".wav", ".mp3"):
        raise AudioInvalid(
            f"{source.name}: only WAV or MP3 files / รับเฉพาะไฟล์ WAV หรือ MP3", file=source.name
        )
    with tempfile.TemporaryDirectory(prefix="cc-prompt-") as tmp:
        out = Path(tmp) / "out.wav"
        result = subprocess.run(
            [_tool("sox"), str(source), *SOX_OUT, str(out)],
            capture_output=True, text=True, timeout=TIMEOUT_S, check=False,
        )  # fmt: skip
        if result.returncode != 0 or not out.is_file():
            raise AudioInvalid(
                f"sox cannot read {source.name}: {result.stderr.strip()[:300]} / "
                f"sox อ่านไฟล์ {source.name} ไม่ได้",
                file=source.name,
            )
        return out.read_bytes()


def speak(text: str, language: str) -> bytes:
    """A placeholder: `text` spoken by espeak-ng in `language`, as Asterisk's WAV."""
    with tempfile.TemporaryDirectory(prefix="cc-prompt-") as tmp:
        raw, out = Path(tmp) / "raw.wav", Path(tmp) / "out.wav"
        voice = VOICES.get(language, "en")
        subprocess.run(
            [_tool("espeak-ng"), "-v", voice, "-w", str(raw), text],
            capture_output=True, timeout=TIMEOUT_S, check=True,
        )  # fmt: skip
        subprocess.run(
            [_tool("sox"), str(raw), *SOX_OUT, str(out)],
            capture_output=True, timeout=TIMEOUT_S, check=True,
        )  # fmt: skip
        return out.read_bytes()
