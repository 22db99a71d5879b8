"""User rules: create, look up, authenticate. Callers own the transaction."""

from __future__ import annotations

import asyncio
from collections.abc import Collection, Sequence
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.errors import Conflict, InvalidCredentials, InvalidInput
from callcenter.users import passwords, security
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


async def set_password(*, session: AsyncSession, user: User, password: str) -> None:
    """A new password under the policy (InvalidInput says why one is refused)."""
    why = passwords.problem(username=user.username, password=password)
    if why is None and len(password) > security.MAX_PASSWORD_LENGTH:
        why = f"a password has at most {security.MAX_PASSWORD_LENGTH} characters"
    if why is not None:
        raise InvalidInput(why)
    user.password_hash = await asyncio.to_thread(security.hash_password, password)


async def ensure_login(
    *, session: AsyncSession, user_in: UserCreate, known_agents: Collection[str] | None = None
) -> tuple[User, str | None]:
    """The login `user_in` describes, whatever the database held: created, or else given
    this password, role and agent and made active (a demo login that must work). When the
    agent was linked to another login, the link moves here; that login's name is returned."""
    user = await get_by_username(session=session, username=user_in.username)
    if user is None and not user_in.agent_id:
        return await create(session=session, user_in=user_in, known_agents=known_agents), None
    moved: str | None = None
    if user_in.agent_id:
        holder = await get_by_agent(session=session, agent_id=user_in.agent_id)
        if holder is not None and holder.username != user_in.username:
            holder.agent_id, moved = None, holder.username
            await session.flush()
    if user is None:
        return await create(session=session, user_in=user_in, known_agents=known_agents), moved
    await set_password(session=session, user=user, password=user_in.password)
    user.role, user.active, user.agent_id = user_in.role, True, user_in.agent_id
    await session.flush()
    return user, moved
