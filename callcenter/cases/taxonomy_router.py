"""`/api/v1/cases/taxonomy`: service lines, categories and agencies (admins edit them)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, status

from callcenter.cases import taxonomy
from callcenter.cases.schemas import (
    AgencyOut,
    CategoryOut,
    ServiceLineIn,
    TaxonomyItemIn,
    TaxonomyItemUpdate,
    TaxonomyOut,
)
from callcenter.db import transaction
from callcenter.services import SessionsDep
from callcenter.users.deps import AdminUser as Admin
from callcenter.users.deps import CurrentUser

router = APIRouter(prefix="/cases/taxonomy", tags=["cases"])  # inside /api/v1
CREATED = status.HTTP_201_CREATED


@router.get("", response_model=TaxonomyOut)
async def get_taxonomy(_: CurrentUser, sessions: SessionsDep, active_only: bool = False) -> Any:
    """Service lines with their categories, and partner agencies (Thai and English labels)."""
    async with sessions() as session:
        return await taxonomy.tree(session=session, active_only=active_only)


@router.post("/service-lines", status_code=CREATED)
async def add_service_line(body: ServiceLineIn, _: Admin, sessions: SessionsDep) -> Any:
    async with transaction(sessions) as session:
        line = await taxonomy.add_service_line(session=session, item=body)
        return {"code": line.code}


@router.patch("/service-lines/{code}")
async def edit_service_line(
    code: str, body: TaxonomyItemUpdate, _: Admin, sessions: SessionsDep
) -> Any:
    async with transaction(sessions) as session:
        await taxonomy.edit(session=session, kind="service_line", key=[code], changes=body)
        return {"code": code}


@router.post("/service-lines/{code}/categories", status_code=CREATED, response_model=CategoryOut)
async def add_category(code: str, body: TaxonomyItemIn, _: Admin, sessions: SessionsDep) -> Any:
    async with transaction(sessions) as session:
        return await taxonomy.add_category(session=session, service_line=code, item=body)


@router.patch("/service-lines/{code}/categories/{category}", response_model=CategoryOut)
async def edit_category(
    code: str, category: str, body: TaxonomyItemUpdate, _: Admin, sessions: SessionsDep
) -> Any:
    async with transaction(sessions) as session:
        return await taxonomy.edit(
            session=session, kind="category", key=[code, category], changes=body
        )


@router.post("/agencies", status_code=CREATED, response_model=AgencyOut)
async def add_agency(body: TaxonomyItemIn, _: Admin, sessions: SessionsDep) -> Any:
    async with transaction(sessions) as session:
        return await taxonomy.add_agency(session=session, item=body)


@router.patch("/agencies/{code}", response_model=AgencyOut)
async def edit_agency(code: str, body: TaxonomyItemUpdate, _: Admin, sessions: SessionsDep) -> Any:
    async with transaction(sessions) as session:
        return await taxonomy.edit(session=session, kind="agency", key=[code], changes=body)
