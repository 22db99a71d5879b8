"""The minimum password policy: long enough, not the user name, not a well-known password."""

from __future__ import annotations

from functools import cache
from importlib import resources

from callcenter.users.security import MIN_PASSWORD_LENGTH


@cache
def common_passwords() -> frozenset[str]:
    """The shipped list (callcenter/users/common_passwords.txt), lower-cased."""
    text = resources.files("callcenter.users").joinpath("common_passwords.txt").read_text("utf-8")
    lines = (line.strip().casefold() for line in text.splitlines())
    return frozenset(line for line in lines if line and not line.startswith("#"))


def problem(*, username: str, password: str) -> str | None:
    """Why this password is refused (Thai and English), or None when it may be used."""
    folded, name = password.casefold(), username.strip().casefold()
    if len(password) < MIN_PASSWORD_LENGTH:
        return (
            f"a password has at least {MIN_PASSWORD_LENGTH} characters / "
            f"รหัสผ่านต้องมีอย่างน้อย {MIN_PASSWORD_LENGTH} ตัวอักษร"
        )
    if name and (name in folded or folded in name):
        return "the password may not contain the user name / รหัสผ่านต้องไม่มีชื่อผู้ใช้อยู่ในนั้น"
    if folded in common_passwords() or len(set(folded)) <= 2:
        return (
            "this password is too common; choose another / รหัสผ่านนี้ถูกใช้กันทั่วไปและเดาง่าย โปรดเลือกรหัสอื่น"
        )
    return None
