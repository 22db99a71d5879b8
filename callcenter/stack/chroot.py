"""Build the Debian sid chroot that holds Asterisk 22 (debootstrap + apt, never half-done)."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

from callcenter.stack import procs
from callcenter.stack.errors import StackError

MIRROR = "http://deb.debian.org/debian"
SUITE = "sid"
PACKAGES = ("asterisk", "asterisk-modules", "asterisk-core-sounds-en-gsm")
MARKER = ".callcenter-chroot"
APT_CONF = 'Acquire::Check-Valid-Until "false";\nAPT::Install-Recommends "false";\n'
CHROOT_ENV = {
    "PATH": "/usr/sbin:/usr/bin:/sbin:/bin",
    "DEBIAN_FRONTEND": "noninteractive",
    "LANG": "C.UTF-8",
    "HOME": "/root",
}

Notify = Callable[[str], None]


def is_installed(root: Path) -> bool:
    """True when a finished chroot is in place (the marker is written last)."""
    return (root / MARKER).is_file() and (root / "usr/sbin/asterisk").is_file()


def install(*, root: Path, log: Path, notify: Notify) -> None:
    """Build the chroot next to `root` and rename it into place when complete."""
    staging = root.with_name(root.name + ".partial")
    discard(staging)
    ensure_debootstrap(log=log, notify=notify)
    notify(f"debootstrap {SUITE} (about 30 s)")
    procs.run(["debootstrap", "--variant=minbase", SUITE, staging, MIRROR], timeout_s=900, log=log)
    _prepare_apt(staging)
    with _mounted(staging):
        _apt_install(staging, log=log, notify=notify)
    # Empty: pjproject would otherwise open wildcard UDP sockets for its resolver.
    (staging / "etc/resolv.conf").write_text("")
    (staging / MARKER).write_text("asterisk chroot built by `callcenter stack up`\n")
    discard(root)
    staging.rename(root)


def ensure_debootstrap(*, log: Path, notify: Notify) -> None:
    """apt-get install debootstrap on the host when it is missing."""
    if shutil.which("debootstrap"):
        return
    notify("installing debootstrap on the host")
    cmd = ["apt-get", "-o", "DPkg::Lock::Timeout=600", "install", "-y", "debootstrap"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    try:
        procs.run(cmd, timeout_s=900, env=env, log=log)
    except StackError:
        procs.run(["apt-get", "update"], timeout_s=900, env=env, log=log)
        procs.run(cmd, timeout_s=900, env=env, log=log)


def _prepare_apt(root: Path) -> None:
    """Accept an expired sid Release file, start no services, resolve names for the install."""
    (root / "etc/apt/apt.conf.d/99callcenter").write_text(APT_CONF)
    policy = root / "usr/sbin/policy-rc.d"
    policy.write_text("#!/bin/sh\nexit 101\n")
    policy.chmod(0o755)
    resolv = root / "etc/resolv.conf"
    resolv.unlink(missing_ok=True)
    shutil.copyfile("/etc/resolv.conf", resolv)


def _apt_install(root: Path, *, log: Path, notify: Notify) -> None:
    """apt-get update, install Asterisk without recommends, clean the cache."""
    notify("apt-get update in the chroot")
    _chroot_run(root, ["apt-get", "update"], log=log)
    notify("apt-get install asterisk (about 15 s)")
    _chroot_run(root, ["apt-get", "install", "-y", "--no-install-recommends", *PACKAGES], log=log)
    _chroot_run(root, ["apt-get", "clean"], log=log)


def _chroot_run(root: Path, cmd: list[str], *, log: Path) -> None:
    """Run a command inside the chroot with a clean environment."""
    procs.run(["chroot", root, *cmd], timeout_s=1800, env=CHROOT_ENV, log=log)


@contextlib.contextmanager
def _mounted(root: Path) -> Iterator[None]:
    """/proc and /dev/pts inside the chroot while apt runs; always unmounted after."""
    try:
        procs.run(["mount", "-t", "proc", "proc", root / "proc"], timeout_s=30)
        procs.run(["mount", "--bind", "/dev/pts", root / "dev/pts"], timeout_s=30)
        yield
    finally:
        unmount_all(root)


def mounts_under(path: Path) -> list[Path]:
    """Mount points at or below `path`, deepest first."""
    prefix = str(path.resolve())
    found = []
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        point = _unescape(line.split()[4])
        if point == prefix or point.startswith(prefix + "/"):
            found.append(Path(point))
    return sorted(found, key=lambda p: len(p.parts), reverse=True)


def _unescape(field: str) -> str:
    """Decode mountinfo's octal escapes (\\040 for a space)."""
    return field.encode().decode("unicode_escape")


def unmount_all(path: Path) -> None:
    """Unmount everything below `path` (lazily if busy); raise if something stays."""
    for point in mounts_under(path):
        if subprocess.run(["umount", str(point)], capture_output=True, check=False).returncode:
            subprocess.run(["umount", "-l", str(point)], capture_output=True, check=False)
    left = mounts_under(path)
    if left:
        raise StackError(f"could not unmount {', '.join(map(str, left))}")


def discard(path: Path) -> None:
    """Remove a (partial) chroot safely: unmount first, never recurse into a mount."""
    if not path.exists() and not path.is_symlink():
        return
    unmount_all(path)
    shutil.rmtree(path)
