"""PDPA: how a caller's number looks to a role that does not need it, on every screen.

One rule for recordings, cases and anything else that shows numbers: the last four
characters stay (enough to tell two callers apart on the phone), the rest is hidden;
a number of four characters or fewer is hidden whole, its length included. Which roles
need the whole number is each domain's decision (recordings: supervisors and admins,
QA judges the agent; cases: the agents working them and supervisors).
"""

from __future__ import annotations

VISIBLE = 4
HIDDEN_WHOLE = "****"


def mask_number(value: str) -> str:
    """'0812345678' → '******5678'; '' stays ''; '1234' → '****'."""
    if not value:
        return value
    if len(value) <= VISIBLE:
        return HIDDEN_WHOLE
    return "*" * (len(value) - VISIBLE) + value[-VISIBLE:]
