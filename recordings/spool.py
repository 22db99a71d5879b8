"""The MixMonitor spool: finished recordings (a `.done` marker) and their `.meta` sidecars.

The dialplan's [record] subroutine writes `<uid>.meta` (`|key=value` fields) when the
recording starts, appends the agent at hang-up, and touches `<uid>.done` when MixMonitor
has closed the file. A finished recording therefore survives any restart of the service:
the next scan finds it again.
"""

from __future__ import annotations

import contextlib
import fcntl
import struct
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

CONTENT_TYPES = {"ogg": "audio/ogg", "wav": "audio/wav", "WAV": "audio/wav", "wav49": "audio/wav"}
CODECS = {"ogg": "vorbis", "wav": "pcm16", "WAV": "gsm"}
LONE_MARKER_S = 600.0
TAIL_BYTES = 65536  # an Ogg page is at most ~64 kB: the last one starts in here


@dataclass(frozen=True)
class SpoolItem:
    """One finished recording in the spool."""

    meta_path: Path
    fields: dict[str, str]

    @property
    def uniqueid(self) -> str:
        return self.fields.get("uniqueid") or self.meta_path.stem

    @property
    def audio_path(self) -> Path:
        return self.meta_path.with_name(self.fields.get("file", f"{self.uniqueid}.wav"))

    @property
    def done_path(self) -> Path:
        return self.meta_path.with_suffix(".done")

    @property
    def extension(self) -> str:
        return self.audio_path.suffix.lstrip(".")

    @property
    def codec(self) -> str:
        return CODECS.get(self.extension, self.extension)

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES.get(self.extension, "application/octet-stream")

    def epoch(self, name: str) -> datetime | None:
        value = self.fields.get(name, "")
        return datetime.fromtimestamp(int(value), tz=UTC) if value.isdigit() else None

    def remove(self) -> None:
        """Delete the audio and both markers (only after the stored copy was verified)."""
        for path in (self.audio_path, self.meta_path, self.done_path):
            path.unlink(missing_ok=True)


def parse_meta(text: str) -> dict[str, str]:
    """`|a=1|b=2|agent=x` → {"a": "1", ...}; later fields win (the hang-up handler's)."""
    fields: dict[str, str] = {}
    for part in text.strip().split("|"):
        key, sep, value = part.partition("=")
        if sep and key:
            fields[key.strip()] = value.strip()
    return fields


def finished(
    spool: Path, *, orphan_after_s: float | None = None, now: float | None = None
) -> list[SpoolItem]:
    """Finished recordings in `spool` (not its subfolders), oldest first.

    With `orphan_after_s`: a recording whose audio has not grown for that long but has no
    `.done` (Asterisk died mid-call, so MixMonitor never ran its command) gets its marker now.
    Ages are file times against `now` (the filesystem's clock: the wall clock by default).
    """
    if not spool.is_dir():
        return []
    now = time.time() if now is None else now
    if orphan_after_s is not None:
        _mark_orphans(spool, older_than=now - orphan_after_s)
    items = []
    for done in sorted(spool.glob("*.done"), key=_mtime):
        meta = done.with_suffix(".meta")
        try:
            items.append(SpoolItem(meta_path=meta, fields=parse_meta(meta.read_text())))
        except OSError:
            _drop_if_lone(done, now=now)
    return items


def _drop_if_lone(done: Path, *, now: float) -> None:
    """A marker left without its sidecar and audio (another uploader's leftovers) goes."""
    stem = done.with_suffix("")
    if any(p.suffix != ".done" for p in done.parent.glob(f"{stem.name}.*")):
        return
    if _mtime(done) < now - LONE_MARKER_S:
        done.unlink(missing_ok=True)


def _mark_orphans(spool: Path, *, older_than: float) -> None:
    for meta in spool.glob("*.meta"):
        done = meta.with_suffix(".done")
        if done.exists():
            continue
        audio = meta.with_name(parse_meta(_read(meta)).get("file", meta.stem + ".wav"))
        if max(_mtime(meta), _mtime(audio)) < older_than:
            done.touch()


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:
        return ""


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


@contextlib.contextmanager
def claim(item: SpoolItem) -> Iterator[bool]:
    """An exclusive lock on the item's marker (other uploaders skip it); False if taken.

    flock dies with its process, so a killed uploader never leaves a stale claim.
    """
    try:
        handle = item.done_path.open("rb")
    except OSError:
        yield False
        return
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            yield False
            return
        yield item.done_path.exists()


def duration_s(path: Path) -> float:
    """Seconds of audio: Ogg from the last page's granule position, WAV from its header."""
    try:
        with path.open("rb") as f:
            head = f.read(64)
            size = f.seek(0, 2)
            f.seek(max(0, size - TAIL_BYTES))
            tail = f.read()
    except OSError:
        return 0.0
    return _duration(head, size, tail)


def duration_of(data: bytes) -> float:
    """duration_s of a recording already read into memory."""
    return _duration(data[:64], len(data), data[-TAIL_BYTES:])


def _duration(head: bytes, size: int, tail: bytes) -> float:
    if head[:4] == b"OggS":
        last = tail.rfind(b"OggS")
        if last < 0 or last + 14 > len(tail):
            return 0.0
        granule = struct.unpack_from("<q", tail, last + 6)[0]
        return max(granule, 0) / 8000.0
    if head[:4] == b"RIFF" and len(head) >= 44:
        byte_rate = struct.unpack_from("<I", head, 28)[0]
        return (size - 44) / byte_rate if byte_rate else 0.0
    return 0.0
