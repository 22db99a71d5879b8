"""The spool contract with the dialplan, durations, claims, masking, QA scores, settings."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from pydantic import ValidationError

from callcenter.config import Settings
from callcenter.privacy import mask_number
from recordings import spool
from recordings.cli import _month
from recordings.errors import EvaluationInvalid
from recordings.qa import weighted_score

META = (
    "|file=abc-net.ogg|kind=queue|uniqueid=abc-net|linkedid=abc|queue=digital-law"
    "|caller=0812345678|started=1795990418|agent=sim-agent-01|member=Local/7001@agents/n"
    "|ended=1795990424"
)


def write_item(folder: Path, *, done: bool = True) -> None:
    (folder / "abc-net.ogg").write_bytes(b"OggS" + bytes(200))
    (folder / "abc-net.meta").write_text(META)
    if done:
        (folder / "abc-net.done").touch()


def test_meta_fields_as_the_dialplan_writes_them() -> None:
    fields = spool.parse_meta(META)
    assert fields["linkedid"] == "abc" and fields["agent"] == "sim-agent-01"
    assert fields["member"] == "Local/7001@agents/n"
    assert spool.parse_meta("|agent=|x") == {"agent": ""}


def test_only_finished_recordings_are_picked_up(tmp_path: Path) -> None:
    write_item(tmp_path, done=False)
    assert spool.finished(tmp_path) == []  # still recording
    (tmp_path / "abc-net.done").touch()
    (item,) = spool.finished(tmp_path)
    assert item.audio_path == tmp_path / "abc-net.ogg"
    assert item.codec == "vorbis" and item.content_type == "audio/ogg"
    assert item.epoch("started") is not None and item.epoch("started").year == 2026  # type: ignore[union-attr]
    item.remove()
    assert list(tmp_path.iterdir()) == []
    assert spool.finished(tmp_path / "missing") == []


def test_a_claimed_item_is_skipped_by_a_second_uploader(tmp_path: Path) -> None:
    write_item(tmp_path)
    (item,) = spool.finished(tmp_path)
    with spool.claim(item) as first, spool.claim(item) as second:
        assert first and not second
    with spool.claim(item) as again:
        assert again


def test_durations_from_ogg_granule_and_wav_header(tmp_path: Path) -> None:
    ogg = tmp_path / "a.ogg"
    page = b"OggS\x00\x04" + struct.pack("<q", 8000 * 90) + bytes(40)
    ogg.write_bytes(b"OggS" + bytes(100_000) + page)
    assert spool.duration_s(ogg) == 90.0
    wav = tmp_path / "a.wav"
    header = b"RIFF" + bytes(24) + struct.pack("<I", 16000) + bytes(12)
    wav.write_bytes(header + bytes(16000 * 3))
    assert spool.duration_s(wav) == 3.0
    assert spool.duration_s(tmp_path / "none.wav") == 0.0


def test_caller_numbers_are_masked_but_the_last_digits() -> None:
    assert mask_number("0812345678") == "******5678"
    assert mask_number("12") == "****"  # short numbers hidden whole, length too
    assert mask_number("") == ""


def test_weighted_score_and_its_refusals() -> None:
    criteria = [{"key": "a", "weight": 1}, {"key": "b", "weight": 3}]
    assert weighted_score(criteria, {"a": 100, "b": 60}) == 70.0
    with pytest.raises(EvaluationInvalid):
        weighted_score(criteria, {"a": 100})
    with pytest.raises(EvaluationInvalid):
        weighted_score(criteria, {"a": 100, "b": 101})


def test_retention_below_180_days_is_refused() -> None:
    with pytest.raises(ValidationError, match="at least 180 days"):
        Settings(retention_days=179)
    assert Settings(retention_days=365).retention_days == 365


def test_disposal_month() -> None:
    start, end = _month("2027-12")
    assert (start.year, start.month, end.year, end.month) == (2027, 12, 2028, 1)


def _written_at(path: Path) -> float:
    """The filesystem's clock when `path` was written: ages are judged on that clock."""
    return path.stat().st_mtime


def test_a_recording_orphaned_by_an_asterisk_crash_is_picked_up_later(tmp_path: Path) -> None:
    write_item(tmp_path, done=False)
    now = max(_written_at(p) for p in tmp_path.iterdir())
    assert spool.finished(tmp_path, orphan_after_s=3600, now=now) == []  # may still be recording
    later = now + 7200
    (item,) = spool.finished(tmp_path, orphan_after_s=3600, now=later)
    assert item.done_path.exists() and item.uniqueid == "abc-net"


def test_a_lone_old_marker_is_cleared_away(tmp_path: Path) -> None:
    (tmp_path / "gone-net.done").touch()
    now = _written_at(tmp_path / "gone-net.done")
    assert spool.finished(tmp_path, now=now) == []
    assert (tmp_path / "gone-net.done").exists()  # fresh: its sidecar may be on its way
    assert spool.finished(tmp_path, now=now + 3600) == []
    assert not (tmp_path / "gone-net.done").exists()
