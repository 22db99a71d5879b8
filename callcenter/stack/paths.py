"""Where the local stack keeps its files, and paths inside the Asterisk chroot."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from callcenter.config import SECRETS_FILE, Settings

CONF_DIR_IN_CHROOT = PurePosixPath("/etc/callcenter")
ASTERISK_CONF_IN_CHROOT = CONF_DIR_IN_CHROOT / "asterisk.conf"
RUN_DIR_IN_CHROOT = PurePosixPath("/var/run/asterisk")


@dataclass(frozen=True)
class StackPaths:
    """Every file and folder the stack owns under the state dir."""

    state_dir: Path
    asterisk_root: Path

    @classmethod
    def of(cls, settings: Settings) -> StackPaths:
        """Paths for these settings (absolute)."""
        state = settings.state_dir.expanduser().resolve()
        return cls(state_dir=state, asterisk_root=state / "asterisk" / "root")

    @property
    def secrets_file(self) -> Path:
        """Generated secrets (mode 0600)."""
        return self.state_dir / SECRETS_FILE

    @property
    def asterisk_staging(self) -> Path:
        """Where a new chroot is built before it is renamed into place."""
        return self.asterisk_root.with_name(self.asterisk_root.name + ".partial")

    @property
    def asterisk_logs(self) -> Path:
        """Install and start logs of the stack itself (not Asterisk's own logs)."""
        return self.state_dir / "asterisk"

    @property
    def conf_dir(self) -> Path:
        """The rendered config dir (astetcdir), seen from the host."""
        return in_chroot(self.asterisk_root, CONF_DIR_IN_CHROOT)

    @property
    def run_dir(self) -> Path:
        """Asterisk's run dir (pid file, control socket), seen from the host."""
        return in_chroot(self.asterisk_root, RUN_DIR_IN_CHROOT)

    @property
    def s3_dir(self) -> Path:
        """SeaweedFS: data, log, pid file."""
        return self.state_dir / "s3"

    @property
    def postgres_marker(self) -> Path:
        """Present only when the stack started the PostgreSQL cluster itself."""
        return self.state_dir / "postgres.started"


def in_chroot(root: Path, path: PurePosixPath | str, *, _depth: int = 0) -> Path:
    """Host path of `path` inside `root`, following symlinks as the chroot would."""
    if _depth > 40:
        raise OSError(f"too many symlinks under {root}: {path}")
    current = root
    parts = PurePosixPath(path).parts[1:]
    for index, part in enumerate(parts):
        candidate = current / part
        if candidate.is_symlink():
            target = PurePosixPath(os.readlink(candidate))
            rest = PurePosixPath(*parts[index + 1 :]) if index + 1 < len(parts) else None
            base = target if target.is_absolute() else _relative(current, root) / target
            full = base / rest if rest else base
            return in_chroot(root, PurePosixPath("/", *_normalise(full)), _depth=_depth + 1)
        current = candidate
    return current


def _relative(current: Path, root: Path) -> PurePosixPath:
    """`current` as an absolute path inside the chroot."""
    return PurePosixPath("/") / PurePosixPath(current.relative_to(root).as_posix())


def _normalise(path: PurePosixPath) -> list[str]:
    """Resolve `..` and `.` without touching the host file system."""
    out: list[str] = []
    for part in path.parts[1:]:
        if part == "..":
            if out:
                out.pop()
        elif part not in (".", ""):
            out.append(part)
    return out
