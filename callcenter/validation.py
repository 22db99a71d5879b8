"""Input types shared by every schema and query: what PostgreSQL and Python can hold.

A value outside these ranges used to reach asyncpg or datetime arithmetic and came back
as a 500; declared here, it is a 422 (`validation_failed`) before any handler runs, and
the OpenAPI document states the bounds.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Annotated, Any

from annotated_types import Interval
from pydantic import AfterValidator, BaseModel, BeforeValidator, StringConstraints, field_validator

INT4_MIN, INT4_MAX = -(2**31), 2**31 - 1
INT8_MIN, INT8_MAX = -(2**63), 2**63 - 1
# Period arithmetic (a day or a year either side) must stay inside Python's datetime.
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(9998, 1, 1, tzinfo=UTC)

Int4 = Annotated[int, Interval(ge=INT4_MIN, le=INT4_MAX)]
Int8 = Annotated[int, Interval(ge=INT8_MIN, le=INT8_MAX)]
Id4 = Annotated[int, Interval(ge=0, le=INT4_MAX)]  # a key of an `integer` identity column
Id8 = Annotated[int, Interval(ge=0, le=INT8_MAX)]  # a key of a `bigint` identity column
Offset = Annotated[int, Interval(ge=0, le=INT8_MAX)]


def no_nul(value: str) -> str:
    """PostgreSQL text cannot hold U+0000."""
    if "\x00" in value:
        raise ValueError("text may not contain the NUL character (U+0000)")
    return value


def in_range(value: datetime) -> datetime:
    """A moment PostgreSQL and the period arithmetic can hold (naive ones are taken as UTC)."""
    try:
        utc = value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    except OverflowError:
        raise ValueError("the date is outside the years 1900–9997") from None
    if not EARLIEST <= utc < LATEST:
        raise ValueError("the date is outside the years 1900–9997")
    return value


def tidy(value: object) -> object:
    """Trimmed, inner runs of white space made one space."""
    return " ".join(value.split()) if isinstance(value, str) else value


def label(value: str) -> str:
    """A label people read: printable characters only, and at least one letter."""
    if not value.isprintable():
        raise ValueError("a label may not contain control or invisible characters")
    if not any(ch.isalpha() for ch in value):
        raise ValueError("a label needs at least one letter (Thai or English)")
    return value


# Names of things shown in menus (service lines, categories, agencies): `□±?` or `0 · 0` are not.
Label = Annotated[
    str, BeforeValidator(tidy), StringConstraints(min_length=1, max_length=255),
    AfterValidator(label),
]  # fmt: skip
Moment = Annotated[datetime, AfterValidator(in_range)]


def _check(value: Any) -> Any:
    """Raise ValueError for what no column or computation here can hold; nested ones too."""
    if isinstance(value, str):
        no_nul(value)
    elif isinstance(value, bool):
        pass
    elif isinstance(value, int) and not INT8_MIN <= value <= INT8_MAX:
        raise ValueError("the number is outside the 64-bit integer range")
    elif isinstance(value, float) and not math.isfinite(value):
        raise ValueError("the number must be finite")
    elif isinstance(value, datetime):
        in_range(value)
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            _check(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            _check(key)
            _check(item)
    return value


class InputModel(BaseModel):
    """Base of every request body: each field, nested ones included, passes `_check`.

    Text without NUL, integers inside bigint, finite numbers, dates inside `in_range`;
    columns narrower than that (integer, varchar(n)) say so on their own field.
    """

    @field_validator("*", mode="after")
    @classmethod
    def _storable(cls, value: Any) -> Any:
        return _check(value)
