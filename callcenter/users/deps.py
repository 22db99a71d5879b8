"""FastAPI dependencies: the current user and role checks (app-wide parts: callcenter.services)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request

from callcenter.errors import Forbidden, NotAuthenticated
from callcenter.services import SessionsDep, SettingsDep
from callcenter.users import security
from callcenter.users import service as user_service
from callcenter.users.models import Role, User

COOKIE_NAME = "cc_token"


def request_token(request: Request) -> str | None:
    """The bearer token (API clients) or else the cc_token cookie (web pages)."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.cookies.get(COOKIE_NAME) or None


async def current_user(request: Request, settings: SettingsDep, sessions: SessionsDep) -> User:
    """The active user the request's token names; NotAuthenticated otherwise."""
    token = request_token(request)
    if token is None:
        raise NotAuthenticated("Log in first.")
    claims = security.decode_token(settings=settings, token=token)
    async with sessions() as session:
        user = await user_service.get(session=session, user_id=claims.user_id)
    if user is None or not user.active:
        raise NotAuthenticated("This account no longer exists or is disabled.")
    return user


CurrentUser = Annotated[User, Depends(current_user)]


def require_roles(*roles: Role | str) -> Callable[..., Awaitable[User]]:
    """A dependency that lets through users with one of `roles` (admins always)."""
    allowed = {Role(r) for r in roles} | {Role.admin}
    names = " or ".join(r.value for r in Role if r in allowed)

    async def dependency(user: CurrentUser) -> User:
        if user.role not in allowed:
            raise Forbidden(
                f"This needs the {names} role.",
                required_roles=[r.value for r in Role if r in allowed],
                role=user.role.value,
            )
        return user

    return dependency


# The role checks routers declare in their signatures.
AdminUser = Annotated[User, Depends(require_roles(Role.admin))]
SupervisorUser = Annotated[User, Depends(require_roles(Role.supervisor))]
