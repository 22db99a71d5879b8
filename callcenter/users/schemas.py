"""Request and response bodies of the users and auth endpoints."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from callcenter.users import passwords
from callcenter.users.models import AGENT_ID_PATTERN, USERNAME_PATTERN, Role
from callcenter.users.security import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from callcenter.validation import InputModel

_USERNAME_RE = re.compile(USERNAME_PATTERN)
_AGENT_ID_RE = re.compile(AGENT_ID_PATTERN)


def _normalise_username(value: object) -> object:
    return value.strip().lower() if isinstance(value, str) else value


class LoginRequest(InputModel):
    # No format rules here: a malformed name is just an unknown user (401, not 422).
    username: str = Field(max_length=256)
    password: str = Field(max_length=MAX_PASSWORD_LENGTH)

    _username = field_validator("username", mode="before")(_normalise_username)


class TokenOut(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 (a scheme name, not a secret)
    expires_in: int
    role: Role
    username: str


class UserCreate(InputModel):
    username: str = Field(description="3–64 characters of a-z 0-9 . _ -")
    display_name: str = Field(default="", max_length=128)
    role: Role
    password: str = Field(min_length=MIN_PASSWORD_LENGTH, max_length=MAX_PASSWORD_LENGTH)
    agent_id: str | None = Field(
        default=None, description="The centre agent this login works as, e.g. agent07"
    )

    _username = field_validator("username", mode="before")(_normalise_username)
    _agent_id = field_validator("agent_id", mode="before")(_normalise_username)

    @field_validator("agent_id")
    @classmethod
    def _check_agent_id(cls, value: str | None) -> str | None:
        if value is not None and not _AGENT_ID_RE.fullmatch(value):
            raise ValueError("an agent id is 'agent' and 2–3 digits, e.g. agent07")
        return value

    @field_validator("username")
    @classmethod
    def _check_username(cls, value: str) -> str:
        if not _USERNAME_RE.fullmatch(value):
            raise ValueError("a username is 3–64 characters of a-z, 0-9, '.', '_' or '-'")
        return value

    @model_validator(mode="after")
    def _password_policy(self) -> UserCreate:
        why = passwords.problem(username=self.username, password=self.password)
        if why is not None:
            raise ValueError(why)
        return self

    @field_validator("display_name", mode="before")
    @classmethod
    def _strip_display_name(cls, value: object) -> object:
        return value.strip() if isinstance(value, str) else value


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    username: str
    display_name: str
    role: Role
    active: bool
    created_at: datetime
    last_login_at: datetime | None
    agent_id: str | None = None
