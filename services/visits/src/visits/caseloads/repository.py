"""All SQL about caseload assignments."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from hearth_kit.projection import upsert_newer
from visits.models import CaseloadAssignment


async def get(session: AsyncSession, tenancy_id: uuid.UUID) -> CaseloadAssignment | None:
    return await session.get(CaseloadAssignment, tenancy_id)


async def place(session: AsyncSession, tenancy_id: uuid.UUID, values: dict[str, Any]) -> None:
    """Hold the tenancy on a caseload unless a later placement is kept (version as_of)."""
    await upsert_newer(
        session, CaseloadAssignment, key={"tenancy_id": tenancy_id}, values=values, version="as_of"
    )


async def release(session: AsyncSession, tenancy_id: uuid.UUID) -> None:
    """The tenancy ended: no caseload holds it any more."""
    await session.execute(
        delete(CaseloadAssignment).where(col(CaseloadAssignment.tenancy_id) == tenancy_id)
    )


async def page(
    session: AsyncSession, *, officer: str, after: uuid.UUID | None, limit: int
) -> list[CaseloadAssignment]:
    query = (
        select(CaseloadAssignment)
        .where(col(CaseloadAssignment.officer) == officer)
        .order_by(col(CaseloadAssignment.tenancy_id))
        .limit(limit)
    )
    if after is not None:
        query = query.where(col(CaseloadAssignment.tenancy_id) > after)
    return list((await session.execute(query)).scalars().all())
