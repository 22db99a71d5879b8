"""User rules: create, look up, authenticate. Callers own the transaction."""

from __future__ import annotations

import asyncio
from collections.abc import Collection, Sequence
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.errors import Conflict, InvalidCredentials, InvalidInput
from callcenter.users import security
from callcenter.users.models import User
from callcenter.users.schemas import UserCreate

BAD_LOGIN_MESSAGE = "Unknown username or wrong password."


async def get(*, session: AsyncSession, user_id: int) -> User | None:
    """The user with this id, if any."""
    return await session.get(User, user_id)


async def get_by_username(*, session: AsyncSession, username: str) -> User | None:
    """The user with this username (case-insensitive input), if any."""
    stmt = select(User).where(User.username == username.strip().lower())
    return (await session.execute(stmt)).scalar_one_or_none()


async def get_by_agent(*, session: AsyncSession, agent_id: str) -> User | None:
    """The login that works as centre agent `agent_id`, if any."""
    return (
        await session.execute(select(User).where(User.agent_id == agent_id))
    ).scalar_one_or_none()


async def get_all(*, session: AsyncSession) -> Sequence[User]:
    """Every user, by username."""
    return (await session.execute(select(User).order_by(User.username))).scalars().all()


async def create(
    *, session: AsyncSession, user_in: UserCreate, known_agents: Collection[str] | None = None
) -> User:
    """Add a user; Conflict when the username or agent is taken, InvalidInput if no such agent."""
    if user_in.agent_id and known_agents is not None and user_in.agent_id not in known_agents:
        raise InvalidInput(
            f"There is no agent {user_in.agent_id} in the centre's layout (centre.toml).",
            agent_id=user_in.agent_id,
        )
    if await get_by_username(session=session, username=user_in.username) is not None:
        raise _taken(user_in.username)
    if user_in.agent_id and await get_by_agent(session=session, agent_id=user_in.agent_id):
        raise Conflict(f"Agent {user_in.agent_id} already has a login.", agent_id=user_in.agent_id)
    password_hash = await asyncio.to_thread(security.hash_password, user_in.password)
    user = User(
        username=user_in.username,
        display_name=user_in.display_name or user_in.username,
        role=user_in.role,
        password_hash=password_hash,
        agent_id=user_in.agent_id,
    )
    try:
        async with session.begin_nested():
            session.add(user)
    except IntegrityError:  # lost a race with a concurrent create
        raise _taken(user_in.username) from None
    await session.refresh(user)
    return user


async def authenticate(*, session: AsyncSession, username: str, password: str) -> User:
    """The active user whose password matches; InvalidCredentials otherwise (same message)."""
    user = await get_by_username(session=session, username=username)
    if user is None:
        await asyncio.to_thread(security.burn_dummy_verify, password)
        raise InvalidCredentials(BAD_LOGIN_MESSAGE)
    ok, new_hash = await asyncio.to_thread(security.verify_password, user.password_hash, password)
    if not ok or not user.active:
        raise InvalidCredentials(BAD_LOGIN_MESSAGE)
    if new_hash is not None:
        user.password_hash = new_hash
    user.last_login_at = datetime.now(UTC)
    return user


def _taken(username: str) -> Conflict:
    return Conflict(f"The username {username!r} is already taken.", username=username)
