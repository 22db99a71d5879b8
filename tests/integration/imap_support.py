"""A real IMAP server for the e-mail channel's tests: a private Debian dovecot instance.

Its own config in a temp dir, listening on 127.0.0.1 on a free port, one user from a
passwd-file, maildir in the temp dir; no system service. Run by a normal user, every
dovecot process runs as that user; run by root, dovecot refuses root for its login and
mail processes, so those run as the package's unprivileged `dovenull` / `dovecot` users.
Test mail is delivered through IMAP APPEND.
"""

from __future__ import annotations

import contextlib
import grp
import imaplib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.helpers import free_port

DOVECOT = "/usr/sbin/dovecot"
USER, PASSWORD = "complaints@1212.test", "imap-test-password"


@dataclass(frozen=True)
class Dovecot:
    port: int
    user: str = USER
    password: str = PASSWORD
    host: str = "127.0.0.1"

    def login(self) -> imaplib.IMAP4:
        conn = imaplib.IMAP4(self.host, self.port, timeout=10)
        conn.login(self.user, self.password)
        conn.select("INBOX")
        return conn

    def append(self, raw: bytes) -> None:
        """Deliver `raw` into the inbox, unseen."""
        conn = self.login()
        try:
            status, data = conn.append("INBOX", None, None, raw)
            assert status == "OK", data
        finally:
            conn.logout()

    def flags(self) -> list[str]:
        """The FLAGS of every mail in the inbox, in order."""
        conn = self.login()
        try:
            _, data = conn.uid("SEARCH", "ALL")
            uids = (data[0] or b"").split()
            found = []
            for uid in uids:
                _, fetched = conn.uid("FETCH", uid, "(FLAGS)")
                found.append(str(fetched[0]))
            return found
        finally:
            conn.logout()

    def unsee_all(self) -> None:
        """Take \\Seen off every mail (as if the desk crashed before flagging them)."""
        conn = self.login()
        try:
            conn.uid("STORE", "1:*", "-FLAGS", "(\\Seen)")
        finally:
            conn.logout()


def _config(root: Path, port: int) -> str:
    me = pwd.getpwuid(os.geteuid())
    if os.geteuid() == 0:
        login_user, internal = "dovenull", pwd.getpwnam("dovecot")
    else:
        login_user, internal = me.pw_name, me
    mail_uid, mail_gid = internal.pw_uid, internal.pw_gid
    for sub in ("mail", "home"):
        (root / sub).mkdir()
        os.chown(root / sub, mail_uid, mail_gid)
    (root / "users").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n")
    return f"""
base_dir = {root}/run
state_dir = {root}/state
instance_name = cc-test-{port}
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_login_user = {login_user}
default_internal_user = {internal.pw_name}
default_internal_group = {grp.getgrgid(internal.pw_gid).gr_name}
first_valid_uid = {mail_uid}
mail_location = maildir:{root}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users
}}
userdb {{
  driver = static
  args = uid={mail_uid} gid={mail_gid} home={root}/home/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
"""


@contextlib.contextmanager
def running_dovecot() -> Iterator[Dovecot]:
    """A private dovecot on 127.0.0.1 until the block ends."""
    root = Path(tempfile.mkdtemp(prefix="cc-dovecot-"))
    os.chmod(root, 0o711)  # noqa: S103 (the mail and login users only walk through it)
    port = free_port()
    conf = root / "dovecot.conf"
    conf.write_text(_config(root, port))
    proc = subprocess.Popen(
        [DOVECOT, "-F", "-c", str(conf)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        deadline = time.monotonic() + 15
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
                break
            if proc.poll() is not None or time.monotonic() > deadline:
                log = (root / "dovecot.log").read_text() if (root / "dovecot.log").exists() else ""
                raise RuntimeError(f"dovecot did not start on {port}: {log}")
            time.sleep(0.05)  # the server's start-up, bounded by the deadline above
        yield Dovecot(port)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(root, ignore_errors=True)
