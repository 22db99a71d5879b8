"""The prompt catalogue: rendering (uploads win, placeholders marked), what is missing, sox."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from callcenter.ivrconf import Catalogue, Prompt, load_catalogue
from callcenter.prompts import audio, catalogue
from callcenter.prompts.service import THAI_SAY_NAMES, link_thai_digits, thai_say_prompt

CONF = Path(__file__).resolve().parents[2] / "asterisk_conf"


def _book() -> Catalogue:
    return Catalogue(
        prompts={
            "welcome": Prompt(id="welcome", text={"th": "สวัสดี", "en": "Hello"}),
            "menu": Prompt(id="menu", text={"th": "กด 1", "en": ""}),
        }
    )


def _speak_log(spoken: list[tuple[str, str]]) -> catalogue.Speak:
    def speak(text: str, language: str) -> bytes:
        spoken.append((text, language))
        return f"placeholder {language} {text}".encode()

    return speak


def test_render_uses_uploads_then_placeholders_and_marks_them(tmp_path: Path) -> None:
    spoken: list[tuple[str, str]] = []
    counts = catalogue.render(
        _book(),
        tmp_path,
        uploaded={("welcome", "th")},
        fetch=lambda pid, lang: b"RIFF real " + pid.encode(),
        speak=_speak_log(spoken),
    )
    assert (tmp_path / "th/welcome.wav").read_bytes() == b"RIFF real welcome"
    assert (tmp_path / "en/welcome.wav").read_bytes() == b"placeholder en Hello"
    assert not (tmp_path / "en/menu.wav").exists()  # no English text: played in Thai instead
    assert counts == {"recordings": 1, "placeholders_made": 2, "placeholders_kept": 0, "none": 1}
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["th/welcome"] == {"source": "recording"}
    assert manifest["en/welcome"]["source"] == "placeholder"

    rows = catalogue.states(_book(), uploaded={("welcome", "th")}, dest=tmp_path)
    assert [(r.id, r.language, r.state) for r in rows] == [
        ("menu", "th", "placeholder"),
        ("menu", "en", "none"),
        ("welcome", "th", "recording"),
        ("welcome", "en", "placeholder"),
    ]
    assert catalogue.missing(rows) == {"th": ["menu"], "en": ["menu", "welcome"]}

    # Again: unchanged placeholders are kept, not spoken again.
    spoken.clear()
    counts = catalogue.render(
        _book(), tmp_path, uploaded=set(), fetch=lambda p, lang: None, speak=_speak_log(spoken)
    )
    assert spoken == [("สวัสดี", "th")]  # the upload is gone from S3: its placeholder back
    assert counts["placeholders_kept"] == 2


def test_changed_text_makes_a_new_placeholder(tmp_path: Path) -> None:
    spoken: list[tuple[str, str]] = []
    catalogue.render(_book(), tmp_path, uploaded=set(), fetch=lambda p, lang: None,
                     speak=_speak_log(spoken))  # fmt: skip
    changed = Catalogue(prompts={"menu": Prompt(id="menu", text={"th": "กด 2", "en": ""})})
    spoken.clear()
    catalogue.render(changed, tmp_path, uploaded=set(), fetch=lambda p, lang: None,
                     speak=_speak_log(spoken))  # fmt: skip
    assert spoken == [("กด 2", "th")]


def test_shipped_catalogue_has_both_languages_for_every_prompt() -> None:
    book = load_catalogue(CONF / "prompts.toml")
    for prompt in book.prompts.values():
        assert prompt.text["th"] and prompt.text["en"], prompt.id


needs_tools = pytest.mark.skipif(
    not (shutil.which("sox") and shutil.which("espeak-ng")),
    reason="sox and espeak-ng come with scripts/bootstrap.sh",
)


def _info(wav: Path) -> str:
    return subprocess.run(["soxi", str(wav)], capture_output=True, text=True, check=True).stdout


@needs_tools
def test_placeholder_and_conversion_give_what_asterisk_plays(tmp_path: Path) -> None:
    spoken = tmp_path / "th.wav"
    spoken.write_bytes(audio.speak("สวัสดีค่ะ", "th"))
    info = _info(spoken)
    assert "Sample Rate    : 8000" in info and "Channels       : 1" in info, info
    stereo = tmp_path / "upload.mp3"
    subprocess.run(
        ["sox", "-n", "-r", "44100", "-c", "2", str(stereo), "synth", "0.5", "sine", "440"],
        check=True,
    )
    out = tmp_path / "out.wav"
    out.write_bytes(audio.convert(stereo))
    info = _info(out)
    assert "Sample Rate    : 8000" in info and "Precision      : 16-bit" in info, info


@needs_tools
def test_conversion_refuses_what_is_not_audio(tmp_path: Path) -> None:
    bad = tmp_path / "notes.wav"
    bad.write_text("not audio")
    with pytest.raises(audio.AudioInvalid, match=r"sox cannot read notes\.wav"):
        audio.convert(bad)
    with pytest.raises(audio.AudioInvalid, match="only WAV or MP3"):
        audio.convert(tmp_path / "x.ogg")


def test_thai_digits_for_asterisks_say_link_to_the_catalogue(tmp_path: Path) -> None:
    """Position announcements say numbers from sounds/th/digits/<n>: the catalogue's digits."""
    prompts = tmp_path / "sounds" / "callcenter"
    (prompts / "th").mkdir(parents=True)
    for n in range(10):
        (prompts / "th" / f"digit-{n}.wav").write_bytes(b"RIFF" + bytes([n]))
    (tmp_path / "sounds" / "th" / "digits").mkdir(parents=True)
    (tmp_path / "sounds" / "th" / "digits" / "0.wav").write_bytes(b"real")  # a recording kept
    made = link_thai_digits(prompts)
    assert len(made) == len(THAI_SAY_NAMES) - 1
    digits = tmp_path / "sounds" / "th" / "digits"
    # Numbers from 10 up: the catalogue's say-<name> (Thai), as say.c names them.
    assert (digits / "21.wav").readlink() == Path("..", "..", "callcenter", "th", "say-21.wav")
    assert (digits / "roi.wav").readlink().name == "say-roi.wav"
    assert (digits / "7.wav").read_bytes() == b"RIFF\x07"
    assert (digits / "0.wav").read_bytes() == b"real"
    assert link_thai_digits(prompts) and (digits / "3.wav").read_bytes() == b"RIFF\x03"


def test_every_file_of_asterisks_thai_say_has_a_thai_placeholder_in_the_catalogue() -> None:
    """say.c's Thai numbers: 0-20, 21/31/.../91, the tens, roi, pan, muan, san, larn, lop."""
    book = load_catalogue(CONF / "prompts.toml")
    assert {"11", "21", "91", "30", "roi", "pan", "larn", "lop"} <= set(THAI_SAY_NAMES)
    for name in THAI_SAY_NAMES:
        assert book.prompts[thai_say_prompt(name)].text["th"], name
