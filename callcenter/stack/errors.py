"""The one error the local stack raises: a message meant for the person at the terminal."""

from __future__ import annotations


class StackError(Exception):
    """A stack step failed; the message says what happened and what to do."""
