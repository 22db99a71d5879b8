"""Follow Asterisk's growing queue_log from a persistable position, across rotation."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import BinaryIO

from callcenter.background import wait_event
from callcenter.reconcile.queue_log import ParseProblem, QueueLogEntry, parse_lines

DEFAULT_MAX_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class TailPosition:
    """Where reading stopped: just after the last complete line of the file with this inode."""

    inode: int = 0
    offset: int = 0
    line_no: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"inode": self.inode, "offset": self.offset, "line_no": self.line_no}

    @classmethod
    def from_dict(cls, data: dict[str, int]) -> TailPosition:
        return cls(int(data["inode"]), int(data["offset"]), int(data.get("line_no", 0)))


@dataclass(frozen=True, slots=True)
class TailBatch:
    """What one read found; `restarted` = the file was rotated/truncated and read again from 0,
    `truncated` = it was the same file, cut short (its lines are other lines now)."""

    entries: list[QueueLogEntry] = field(default_factory=list)
    problems: list[ParseProblem] = field(default_factory=list)
    position: TailPosition = TailPosition()
    restarted: bool = False
    more: bool = False  # stopped at max_bytes: call read_new again
    truncated: bool = False

    @property
    def empty(self) -> bool:
        return not (self.entries or self.problems or self.restarted)


class QueueLogTailer:
    """Reads complete new lines on each `read_new()`; one reader at a time (run it in a thread).

    A partial last line is left for the next read. A new inode at the path (rotation)
    is taken up after the old file is drained; a file shorter than the position
    (truncation) is read again from 0. Limit: a copytruncate that grows the file past
    the old offset before the next read cannot be seen.
    """

    def __init__(
        self,
        path: Path,
        *,
        position: TailPosition | None = None,
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> None:
        self._path = path
        self._position = position or TailPosition()
        self._max_bytes = max_bytes
        self._fh: BinaryIO | None = None

    @property
    def position(self) -> TailPosition:
        return self._position

    def read_new(self) -> TailBatch:
        """Entries of the complete lines written since the last read."""
        restarted = False
        if self._fh is not None and self._replaced():
            drained = self._read_chunk(restarted=False)
            if not drained.empty or drained.more:
                return drained
            self.close()
            self._position = TailPosition()
            restarted = True
        if self._fh is None:
            try:
                restarted = self._open() or restarted
            except FileNotFoundError:
                return TailBatch(position=self._position, restarted=restarted)
        assert self._fh is not None
        if os.fstat(self._fh.fileno()).st_size < self._position.offset:
            self._position = TailPosition(inode=self._position.inode)
            return self._read_chunk(restarted=True, truncated=True)
        return self._read_chunk(restarted=restarted)

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None

    def _open(self) -> bool:
        """Open the path; True when the saved position belonged to another file."""
        self._fh = self._path.open("rb")
        inode = os.fstat(self._fh.fileno()).st_ino
        if self._position.inode in (0, inode):
            self._position = replace(self._position, inode=inode)
            return False
        self._position = TailPosition(inode=inode)
        return True

    def _replaced(self) -> bool:
        assert self._fh is not None
        try:
            current = self._path.stat().st_ino
        except FileNotFoundError:
            return False  # moved away, not yet recreated: keep reading the old file
        return current != os.fstat(self._fh.fileno()).st_ino

    def _read_chunk(self, *, restarted: bool, truncated: bool = False) -> TailBatch:
        assert self._fh is not None
        pos = self._position
        self._fh.seek(pos.offset)
        data = self._fh.read(self._max_bytes)
        more = len(data) == self._max_bytes
        cut = data.rfind(b"\n") + 1
        if cut == 0 and more:
            cut = len(data)  # a "line" longer than max_bytes: consume it as malformed
        if cut == 0:
            return TailBatch(position=pos, restarted=restarted, truncated=truncated)
        lines = data[:cut].decode("utf-8", errors="replace").split("\n")
        if lines[-1] == "":
            lines.pop()
        parsed = parse_lines(lines, first_line_no=pos.line_no + 1)
        self._position = replace(pos, offset=pos.offset + cut, line_no=pos.line_no + len(lines))
        return TailBatch(
            parsed.entries, parsed.problems, self._position, restarted, more, truncated
        )


async def follow(
    tailer: QueueLogTailer, *, interval_s: float = 1.0, stop: asyncio.Event | None = None
) -> AsyncIterator[TailBatch]:
    """Yield every non-empty batch, polling every `interval_s` in a worker thread until `stop`."""
    stop = stop or asyncio.Event()
    while not stop.is_set():
        batch = await asyncio.to_thread(tailer.read_new)
        if not batch.empty:
            yield batch
        if batch.more:
            continue
        await wait_event(stop, interval_s)
