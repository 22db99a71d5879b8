"""A tiny LD_PRELOAD library that keeps pjproject from creating its own DNS resolver.

res_pjsip always creates pjproject's resolver when the system has a nameserver, and
glibc falls back to 127.0.0.1 when resolv.conf lists none. That resolver binds UDP
0.0.0.0:<random> and [::]:<random> for the life of Asterisk. Refusing
`pjsip_endpt_create_resolver` makes res_pjsip log "resorting to system resolution"
and use Asterisk's own DNS (glibc, connected sockets per query) instead.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path, PurePosixPath

from callcenter.stack import procs
from callcenter.stack.errors import StackError
from callcenter.stack.paths import in_chroot

LIB_IN_CHROOT = PurePosixPath("/usr/local/lib/callcenter/nopjdns.so")
SOURCE = """\
/* Built by `callcenter stack up`: see callcenter/stack/pjdns.py. */
int pjsip_endpt_create_resolver(void *endpt, void **p_resv)
{
    (void)endpt;
    if (p_resv)
        *p_resv = 0;
    return 70012; /* PJ_ENOTSUP */
}
"""


def ensure_library(*, root: Path, log: Path) -> PurePosixPath:
    """Build the library into the chroot unless it is current; its path inside the chroot."""
    target = in_chroot(root, LIB_IN_CHROOT)
    stamp = target.with_name(target.name + ".sha256")
    digest = hashlib.sha256(SOURCE.encode()).hexdigest()
    if target.is_file() and stamp.is_file() and stamp.read_text() == digest:
        return LIB_IN_CHROOT
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "nopjdns.c"
        source.write_text(SOURCE)
        # -nostdlib: the library calls nothing, so no libc development files are needed.
        cmd: list[str | Path] = [
            _compiler(log=log),
            "-shared",
            "-fPIC",
            "-O2",
            "-nostdlib",
            "-o",
            target,
            source,
        ]
        procs.run(cmd, timeout_s=120, log=log)
    stamp.write_text(digest)
    return LIB_IN_CHROOT


def _compiler(*, log: Path) -> str:
    """The host's C compiler; apt-get install gcc when there is none."""
    found = shutil.which("gcc") or shutil.which("cc")
    if found:
        return found
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    cmd = ["apt-get", "-o", "DPkg::Lock::Timeout=600", "install", "-y", "--no-install-recommends"]
    procs.run([*cmd, "gcc"], timeout_s=900, env=env, log=log)
    found = shutil.which("gcc")
    if not found:
        raise StackError("no C compiler after `apt-get install gcc`")
    return found
