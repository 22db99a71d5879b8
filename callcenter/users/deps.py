"""FastAPI dependencies: app-wide collaborators, the current user, role checks."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request
from minio import Minio
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.config import Settings
from callcenter.errors import Forbidden, NotAuthenticated
from callcenter.users import security
from callcenter.users import service as user_service
from callcenter.users.models import Role, User
from callcenter.users.ratelimit import LoginLimiter

COOKIE_NAME = "cc_token"


def app_settings(request: Request) -> Settings:
    """The Settings the app factory put at app.state.settings."""
    settings: Settings = request.app.state.settings
    return settings


def app_sessions(request: Request) -> async_sessionmaker[AsyncSession]:
    """The session factory the app factory put at app.state.sessions."""
    sessions: async_sessionmaker[AsyncSession] = request.app.state.sessions
    return sessions


def app_s3(request: Request) -> Minio:
    """The S3 client the lifespan built (app.state.s3)."""
    s3: Minio = request.app.state.s3
    return s3


def login_limiter(request: Request) -> LoginLimiter:
    """The app's login limiter (app.state.login_limiter), made from settings on first use."""
    state = request.app.state
    limiter: LoginLimiter | None = getattr(state, "login_limiter", None)
    if limiter is None:
        limiter = state.login_limiter = LoginLimiter.from_settings(app_settings(request))
    return limiter


def request_token(request: Request) -> str | None:
    """The bearer token (API clients) or else the cc_token cookie (web pages)."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.cookies.get(COOKIE_NAME) or None


async def current_user(
    request: Request,
    settings: Annotated[Settings, Depends(app_settings)],
    sessions: Annotated[async_sessionmaker[AsyncSession], Depends(app_sessions)],
) -> User:
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


# The collaborators and role checks routers declare in their signatures (one place).
SettingsDep = Annotated[Settings, Depends(app_settings)]
SessionsDep = Annotated[async_sessionmaker[AsyncSession], Depends(app_sessions)]
S3Dep = Annotated[Minio, Depends(app_s3)]
AdminUser = Annotated[User, Depends(require_roles(Role.admin))]
SupervisorUser = Annotated[User, Depends(require_roles(Role.supervisor))]
