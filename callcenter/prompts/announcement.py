"""The emergency announcement: a supervisor switches a catalogue prompt on or off; callers hear
it right after the welcome. Every switch is a row of an append-only trail (a database trigger
refuses UPDATE, DELETE and TRUNCATE), and the latest row is the state (it survives a restart)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import BigInteger, DateTime, Identity, Integer, String, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column

from callcenter.db import Base, transaction


class AnnouncementAction(Base):
    """One switch of the emergency announcement, on or off, by whom and why."""

    __tablename__ = "ivr_announcement_actions"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    # No foreign key: the trail outlives accounts.
    user_id: Mapped[int | None] = mapped_column(Integer)
    username: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(8))  # on | off
    prompt_id: Mapped[str] = mapped_column(String(48))  # the prompt switched on (off: the last)
    reason: Mapped[str] = mapped_column(String(255), default="")


class Announcement:
    """What callers hear after the welcome now: a prompt id, or None."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        self.current: str | None = None

    async def load(self) -> None:
        """The state from the trail's latest row (a restarted service keeps announcing)."""
        async with self._sessions() as session:
            last = await _latest(session)
        self.current = last.prompt_id if last is not None and last.action == "on" else None

    async def switch(
        self, *, prompt_id: str | None, user_id: int, username: str, reason: str
    ) -> AnnouncementAction:
        """On with `prompt_id`, or off with None; the audit row."""
        row = AnnouncementAction(
            at=datetime.now(UTC), user_id=user_id, username=username,
            action="off" if prompt_id is None else "on",
            prompt_id=prompt_id or self.current or "", reason=reason,
        )  # fmt: skip
        async with transaction(self._sessions) as session:
            session.add(row)
            await session.flush()
        self.current = prompt_id
        return row

    async def history(self, limit: int = 20) -> list[AnnouncementAction]:
        async with self._sessions() as session:
            rows = await session.scalars(
                select(AnnouncementAction).order_by(AnnouncementAction.id.desc()).limit(limit)
            )
            return list(rows)


async def _latest(session: AsyncSession) -> AnnouncementAction | None:
    found = await session.scalars(
        select(AnnouncementAction).order_by(AnnouncementAction.id.desc()).limit(1)
    )
    return found.first()
