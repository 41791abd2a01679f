"""All SQL about residents (and the tenancies engagement knows of)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import and_, or_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from engagement.models import Resident, Tenancy
from hearth_kit.projection import upsert_newer


async def get(session: AsyncSession, resident_id: uuid.UUID) -> Resident | None:
    return await session.get(Resident, resident_id)


async def known_tenancy(session: AsyncSession, tenancy_id: uuid.UUID) -> Tenancy | None:
    """The tenancy as income announced it, or None when no tenancy-started arrived yet."""
    return await session.get(Tenancy, tenancy_id)


async def page(
    session: AsyncSession,
    *,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
    uprn: str | None,
    tenancy_id: uuid.UUID | None,
) -> list[Resident]:
    """Residents in the order they were registered."""
    query = select(Resident).order_by(col(Resident.registered_at), col(Resident.id)).limit(limit)
    if after is not None:
        registered_at, resident_id = after
        query = query.where(
            or_(
                col(Resident.registered_at) > registered_at,
                and_(
                    col(Resident.registered_at) == registered_at,
                    col(Resident.id) > resident_id,
                ),
            )
        )
    if uprn is not None:
        query = query.where(Resident.uprn == uprn)
    if tenancy_id is not None:
        query = query.where(Resident.tenancy_id == tenancy_id)
    return list((await session.execute(query)).scalars().all())


def add(session: AsyncSession, resident: Resident) -> None:
    session.add(resident)


async def save_tenancy(
    session: AsyncSession,
    *,
    tenancy_id: uuid.UUID,
    uprn: str,
    tenancy_reference: str,
    start_date: date,
    as_of: datetime,
) -> None:
    """Keep income's view of a tenancy, unless a later one is already kept."""
    await upsert_newer(
        session,
        Tenancy,
        key={"tenancy_id": tenancy_id},
        values={
            "uprn": uprn,
            "tenancy_reference": tenancy_reference,
            "start_date": start_date,
            "as_of": as_of,
        },
        version="as_of",
    )
