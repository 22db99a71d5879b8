"""HTTP endpoints: login/logout/me under /api/v1/auth, user admin under /api/v1/users."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response, status
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.db import transaction
from callcenter.errors import SIGNED_IN, InvalidCredentials, TooManyAttempts, errors
from callcenter.services import LayoutDep, SessionsDep, SettingsDep, login_limiter
from callcenter.users import security
from callcenter.users import service as user_service
from callcenter.users.deps import COOKIE_NAME, AdminUser, CurrentUser
from callcenter.users.models import User
from callcenter.users.ratelimit import LoginLimiter, login_keys
from callcenter.users.schemas import LoginRequest, TokenOut, UserCreate, UserOut

router = APIRouter(prefix="/api/v1", responses=errors(*SIGNED_IN, 400, 409, 413))


@router.post("/auth/login", response_model=TokenOut, tags=["auth"], responses=errors(429))
async def login(
    body: LoginRequest,
    request: Request,
    response: Response,
    settings: SettingsDep,
    sessions: SessionsDep,
    limiter: Annotated[LoginLimiter, Depends(login_limiter)],
) -> Any:
    """Exchange username and password for a token (body) and a cc_token cookie."""
    security.require_secret(settings)  # fail before touching the database, not after
    client_ip = request.client.host if request.client else None
    keys = login_keys(username=body.username, client_ip=client_ip)
    wait = limiter.retry_after(keys)
    if wait is not None:
        return _too_many_attempts(wait)
    user = await _authenticate_counted(limiter=limiter, keys=keys, sessions=sessions, body=body)
    token = security.issue_token(settings=settings, user_id=user.id, role=user.role.value)
    _set_token_cookie(response, request=request, token=token, max_age=settings.token_ttl_s)
    return TokenOut(
        access_token=token,
        expires_in=settings.token_ttl_s,
        role=user.role,
        username=user.username,
    )


@router.post("/auth/logout", status_code=status.HTTP_204_NO_CONTENT, tags=["auth"])
async def logout(request: Request, response: Response) -> None:
    """Forget the cc_token cookie (a bearer token stays valid until it expires)."""
    response.delete_cookie(
        COOKIE_NAME, path="/", httponly=True, samesite="strict", secure=_https(request)
    )


@router.get("/auth/me", response_model=UserOut, tags=["auth"])
async def me(user: CurrentUser) -> User:
    """The logged-in user."""
    return user


@router.get("/users", response_model=list[UserOut], tags=["users"])
async def list_users(_: AdminUser, sessions: SessionsDep) -> Any:
    """Every user (admin only)."""
    async with sessions() as session:
        return await user_service.get_all(session=session)


@router.post("/users", response_model=UserOut, status_code=status.HTTP_201_CREATED, tags=["users"])
async def create_user(
    body: UserCreate, _: AdminUser, sessions: SessionsDep, layout: LayoutDep
) -> User:
    """Add a user (admin only); 409 when the username or agent is taken."""
    known = [a.id for a in layout.agents]
    async with transaction(sessions) as session:
        return await user_service.create(session=session, user_in=body, known_agents=known)


async def _authenticate_counted(
    *,
    limiter: LoginLimiter,
    keys: list[str],
    sessions: async_sessionmaker[AsyncSession],
    body: LoginRequest,
) -> User:
    # Counted before the slow hash check, so parallel guesses already see each other.
    stamp = limiter.record_failure(keys)
    try:
        async with transaction(sessions) as session:
            user = await user_service.authenticate(
                session=session, username=body.username, password=body.password
            )
    except InvalidCredentials:
        raise
    except BaseException:
        limiter.forgive(keys, stamp)  # not the caller's fault (e.g. the database is down)
        raise
    limiter.reset(keys[:1])  # only the username: one good login must not clear an address
    limiter.forgive(keys[1:], stamp)
    return user


def _https(request: Request) -> bool:
    return request.url.scheme == "https"


def _set_token_cookie(response: Response, *, request: Request, token: str, max_age: int) -> None:
    # HttpOnly keeps the token from page scripts; Strict keeps other sites from riding it (CSRF).
    response.set_cookie(
        COOKIE_NAME,
        token,
        max_age=max_age,
        path="/",
        httponly=True,
        samesite="strict",
        secure=_https(request),
    )


def _too_many_attempts(wait_s: int) -> JSONResponse:
    # errors.install_handlers cannot add headers, and Retry-After is the point of this answer.
    error = TooManyAttempts(
        f"Too many failed logins; try again in {wait_s} seconds.", retry_after_s=wait_s
    )
    return JSONResponse(
        error.body(), status_code=error.status, headers={"Retry-After": str(wait_s)}
    )
