"""The hotline's taxonomy (service lines, categories) and partner agencies: seeded data
(migration 20261129_0006) that admins edit through the API."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.cases.errors import UnknownAgency, UnknownCategory, UnknownServiceLine
from callcenter.cases.models import Agency, Category, ServiceLine
from callcenter.cases.schemas import (
    AgencyOut,
    CategoryOut,
    ServiceLineIn,
    ServiceLineOut,
    TaxonomyItemIn,
    TaxonomyItemUpdate,
    TaxonomyOut,
)
from callcenter.errors import Conflict, NotFound


async def tree(*, session: AsyncSession, active_only: bool = False) -> TaxonomyOut:
    """Service lines with their categories, and the agencies, in display order."""
    lines = (await session.scalars(select(ServiceLine).order_by(ServiceLine.sort))).all()
    cats = (await session.scalars(select(Category).order_by(Category.sort, Category.id))).all()
    agencies = (await session.scalars(select(Agency).order_by(Agency.sort))).all()
    keep = (lambda item: item.active) if active_only else (lambda item: True)
    return TaxonomyOut(
        service_lines=[
            ServiceLineOut(
                code=line.code, queue=line.queue, label_th=line.label_th,
                label_en=line.label_en, active=line.active, sort=line.sort,
                categories=[
                    CategoryOut.model_validate(c)
                    for c in cats if c.service_line == line.code and keep(c)
                ],
            )
            for line in lines if keep(line)
        ],
        agencies=[AgencyOut.model_validate(a) for a in agencies if keep(a)],
    )  # fmt: skip


async def service_line(*, session: AsyncSession, code: str) -> ServiceLine:
    """An active service line; UnknownServiceLine otherwise."""
    line = await session.get(ServiceLine, code)
    if line is None or not line.active:
        known = (await session.scalars(select(ServiceLine.code).where(ServiceLine.active))).all()
        raise UnknownServiceLine(f"unknown service line {code!r}", known=list(known))
    return line


async def category(*, session: AsyncSession, service_line: str, code: str) -> Category:
    """An active category of that service line; UnknownCategory otherwise."""
    stmt = select(Category).where(Category.service_line == service_line, Category.code == code)
    found = (await session.scalars(stmt)).one_or_none()
    if found is None or not found.active:
        known_stmt = select(Category.code).where(
            Category.service_line == service_line, Category.active
        )
        known = (await session.scalars(known_stmt)).all()
        raise UnknownCategory(
            f"{code!r} is not a category of {service_line!r}",
            service_line=service_line,
            known=list(known),
        )
    return found


async def agency(*, session: AsyncSession, code: str) -> Agency:
    """An active agency; UnknownAgency otherwise."""
    found = await session.get(Agency, code)
    if found is None or not found.active:
        raise UnknownAgency(f"unknown agency {code!r}", agency=code)
    return found


async def queues_by_line(*, session: AsyncSession) -> dict[str, str]:
    """Queue name → service line code."""
    rows = (await session.execute(select(ServiceLine.queue, ServiceLine.code))).all()
    return {queue: code for queue, code in rows}


async def add_service_line(*, session: AsyncSession, item: ServiceLineIn) -> ServiceLine:
    if await session.get(ServiceLine, item.code) is not None:
        raise Conflict(f"service line {item.code!r} exists", code=item.code)
    line = ServiceLine(**item.model_dump())
    session.add(line)
    await session.flush()
    return line


async def add_category(
    *, session: AsyncSession, service_line: str, item: TaxonomyItemIn
) -> Category:
    await _line_exists(session, service_line)
    stmt = select(Category).where(Category.service_line == service_line, Category.code == item.code)
    if (await session.scalars(stmt)).first() is not None:
        raise Conflict(f"category {item.code!r} exists in {service_line!r}", code=item.code)
    found = Category(service_line=service_line, **item.model_dump())
    session.add(found)
    await session.flush()
    return found


async def add_agency(*, session: AsyncSession, item: TaxonomyItemIn) -> Agency:
    if await session.get(Agency, item.code) is not None:
        raise Conflict(f"agency {item.code!r} exists", code=item.code)
    found = Agency(**item.model_dump())
    session.add(found)
    await session.flush()
    return found


async def edit(
    *, session: AsyncSession, kind: str, key: Sequence[str], changes: TaxonomyItemUpdate
) -> ServiceLine | Category | Agency:
    """Change labels, order or the active flag (items are deactivated, never deleted)."""
    item = await _find(session, kind, key)
    for name, value in changes.model_dump(exclude_unset=True).items():
        if value is not None:
            setattr(item, name, value)
    await session.flush()
    return item


async def _find(
    session: AsyncSession, kind: str, key: Sequence[str]
) -> ServiceLine | Category | Agency:
    found: ServiceLine | Category | Agency | None
    if kind == "service_line":
        found = await session.get(ServiceLine, key[0])
    elif kind == "agency":
        found = await session.get(Agency, key[0])
    else:
        stmt = select(Category).where(Category.service_line == key[0], Category.code == key[1])
        found = (await session.scalars(stmt)).one_or_none()
    if found is None:
        raise NotFound(f"no {kind.replace('_', ' ')} {'/'.join(key)!r}", kind=kind)
    return found


async def _line_exists(session: AsyncSession, code: str) -> None:
    if await session.get(ServiceLine, code) is None:
        raise NotFound(f"no service line {code!r}", kind="service_line")
