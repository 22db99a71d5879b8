"""Case search: number, name, phone, service line, category, status, dates, free text."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.cases import privacy, search
from callcenter.cases.models import Case, Category, Status
from callcenter.users.models import Role, User


@dataclass(frozen=True)
class Filters:
    q: str | None = None
    number: str | None = None
    name: str | None = None
    phone: str | None = None
    service_line: str | None = None
    category: str | None = None
    statuses: Sequence[Status] = field(default_factory=tuple)
    start: datetime | None = None
    end: datetime | None = None
    assigned_user_id: int | None = None
    # Follow-ups due by this moment (cases not yet resolved or closed), soonest first.
    follow_up_due: datetime | None = None
    limit: int = 50
    offset: int = 0


def _contains(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _where(stmt: Select[Case], f: Filters, pieces: list[search.Piece]) -> Select[Case]:
    if pieces:
        stmt = stmt.where(search.matches(Case.search_doc, pieces))
    if f.number:
        stmt = stmt.where(Case.number.ilike(_contains(f.number.strip()), escape="\\"))
    if f.name:
        stmt = stmt.where(Case.caller_name.ilike(_contains(f.name.strip()), escape="\\"))
    if f.phone:
        stmt = stmt.where(Case.caller_phone_norm == privacy.normalise_phone(f.phone))
    if f.service_line:
        stmt = stmt.where(Case.service_line == f.service_line)
    if f.category:
        cats = select(Category.id).where(Category.code == f.category)
        stmt = stmt.where(Case.category_id.in_(cats))
    if f.statuses:
        stmt = stmt.where(Case.status.in_([s.value for s in f.statuses]))
    if f.start:
        stmt = stmt.where(Case.created_at >= f.start)
    if f.end:
        stmt = stmt.where(Case.created_at < f.end)
    if f.assigned_user_id is not None:
        stmt = stmt.where(Case.assigned_user_id == f.assigned_user_id)
    if f.follow_up_due is not None:
        stmt = stmt.where(Case.follow_up_at <= f.follow_up_due)
        stmt = stmt.where(Case.status.not_in([Status.resolved.value, Status.closed.value]))
    return stmt


async def run(
    *, session: AsyncSession, filters: Filters, user: User, agents_read_all: bool
) -> tuple[int, Sequence[Case]]:
    """(total matches, one page newest first); agents see only their own unless configured."""
    # the query's words, cut once (off the loop: the first cut loads PyThaiNLP's dictionary)
    pieces = await asyncio.to_thread(search.parse, filters.q) if filters.q else []
    stmt = _where(select(Case).where(Case.voided_at.is_(None)), filters, pieces)
    if user.role == Role.agent and not agents_read_all:
        stmt = stmt.where(or_(Case.assigned_user_id == user.id, Case.created_by_user_id == user.id))
    total = (await session.execute(select(func.count()).select_from(stmt.subquery()))).scalar_one()
    order: list[ColumnElement[Any]] = [Case.created_at.desc(), Case.id.desc()]
    if filters.follow_up_due is not None:
        order.insert(0, Case.follow_up_at.asc())  # the longest overdue first
    if pieces:
        order.insert(0, search.exact(Case.search_doc, pieces).desc())  # phrase matches first
    page = stmt.order_by(*order)
    rows = await session.scalars(page.limit(filters.limit).offset(filters.offset))
    return int(total), list(rows.all())
