"""Who sees a caller's personal data (PDPA): everyone else gets it masked."""

from __future__ import annotations

import re

from callcenter.privacy import mask_number
from callcenter.users.models import Role, User

# Fields of a case (and of its audit trail) that hold the caller's personal data.
PERSONAL_FIELDS = ("caller_name", "caller_phone", "caller_email", "caller_national_id")

_DIGITS = re.compile(r"\D")


def normalise_phone(phone: str) -> str:
    """Digits only, Thai national form: '+66 81-234-5678' → '0812345678'."""
    digits = _DIGITS.sub("", phone)
    if digits.startswith("66") and len(digits) == 11:
        return "0" + digits[2:]
    return digits


def owns(user: User, *, assigned_user_id: int | None, created_by_user_id: int | None) -> bool:
    """The case is the user's own: assigned to them, or they opened it."""
    return user.id in (assigned_user_id, created_by_user_id)


def sees_personal_data(user: User, *, own: bool) -> bool:
    """Supervisors and admins always; agents on their own cases; QA never."""
    if user.role in (Role.supervisor, Role.admin):
        return True
    return user.role == Role.agent and own


def mask(field: str, value: str | None) -> str | None:
    """The value of a personal field as a role without the right to it sees it."""
    if not value:
        return value
    if field == "caller_email":
        local, _, domain = value.partition("@")
        return f"{local[:1]}***@{domain}" if domain else "***"
    if field in ("caller_phone", "caller_national_id"):
        return mask_number(value)
    return value[:1] + "***"


def may_search_personal_data(user: User, *, agents_read_all: bool) -> bool:
    """Searching by name, phone or free text answers with a count, and a count confirms a
    caller's data as surely as the data itself: only for users who see the personal data of
    every case their search can reach (supervisors, admins; agents limited to their own)."""
    if user.role in (Role.supervisor, Role.admin):
        return True
    return user.role == Role.agent and not agents_read_all
