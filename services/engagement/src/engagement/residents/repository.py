"""All SQL about residents (and the tenancies engagement knows of)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import and_, func, or_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from engagement.models import Home, Resident, Tenancy
from hearth_kit.projection import upsert_newer, upsert_newer_many


async def get(
    session: AsyncSession, resident_id: uuid.UUID, *, for_update: bool = False
) -> Resident | None:
    query = select(Resident).where(Resident.id == resident_id)
    if for_update:
        query = query.with_for_update()
    return (await session.execute(query)).scalars().first()


async def on_home(session: AsyncSession, uprn: str) -> list[Resident]:
    """The residents of a home."""
    query = select(Resident).where(Resident.uprn == uprn).order_by(col(Resident.registered_at))
    return list((await session.execute(query)).scalars().all())


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


async def save_homes(session: AsyncSession, homes: list[tuple[str, datetime]]) -> None:
    """Keep the homes in the asset register (one statement for a run of events)."""
    await upsert_newer_many(
        session,
        Home,
        key=["uprn"],
        rows=[{"uprn": uprn, "as_of": as_of} for uprn, as_of in homes],
        version="as_of",
    )


async def homes_count(session: AsyncSession) -> int:
    """How many homes engagement knows of (CH01's denominator)."""
    return int((await session.execute(select(func.count()).select_from(Home))).scalar_one())


async def on_tenancy(session: AsyncSession, tenancy_id: uuid.UUID) -> list[Resident]:
    """The residents on a tenancy."""
    query = (
        select(Resident)
        .where(Resident.tenancy_id == tenancy_id)
        .order_by(col(Resident.registered_at))
    )
    return list((await session.execute(query)).scalars().all())
