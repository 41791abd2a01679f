"""All SQL about the per-home projection (home_profile) and the visit history the
programme ranks homes from."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import func, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from hearth_contracts.events.compliance import HeatingFuel
from hearth_contracts.events.income import TenancyType
from hearth_kit.projection import upsert_newer
from visits.models import HomeProfile, Visit, VisitHazardFinding, VisitStatus

DAMP_AND_MOULD = "damp_and_mould"


async def get(session: AsyncSession, uprn: str) -> HomeProfile | None:
    return await session.get(HomeProfile, uprn)


async def save_property(
    session: AsyncSession, *, uprn: str, heating_fuel: HeatingFuel, postcode: str, as_of: datetime
) -> None:
    """Record the asset register's view of a home, unless a later one is already kept."""
    await upsert_newer(
        session,
        HomeProfile,
        key={"uprn": uprn},
        values={"heating_fuel": heating_fuel, "postcode": postcode, "property_as_of": as_of},
        version="property_as_of",
    )


async def save_tenancy(
    session: AsyncSession,
    *,
    uprn: str,
    tenancy_id: uuid.UUID,
    start_date: date,
    tenancy_type: TenancyType,
) -> None:
    """Record a home's tenancy as its current one, unless a later tenancy is kept (the
    tenancy's start date is its version: the home's current tenancy is the one that
    started last)."""
    await upsert_newer(
        session,
        HomeProfile,
        key={"uprn": uprn},
        values={
            "current_tenancy_id": tenancy_id,
            "tenancy_start_date": start_date,
            "tenancy_type": tenancy_type,
        },
        version="tenancy_start_date",
    )


async def end_tenancy(session: AsyncSession, *, uprn: str, tenancy_id: uuid.UUID) -> None:
    """Forget the home's current tenancy if it is the one that ended."""
    await session.execute(
        update(HomeProfile)
        .where(col(HomeProfile.uprn) == uprn, col(HomeProfile.current_tenancy_id) == tenancy_id)
        .values(current_tenancy_id=None, tenancy_start_date=None, tenancy_type=None)
        .execution_options(synchronize_session=False)
    )


async def no_access_visits(session: AsyncSession, uprn: str) -> int:
    count = await session.scalar(
        select(func.count())
        .select_from(Visit)
        .where(col(Visit.uprn) == uprn, col(Visit.status) == VisitStatus.NO_ACCESS)
    )
    return int(count or 0)


async def has_damp_history(session: AsyncSession, uprn: str) -> bool:
    found = await session.scalar(
        select(VisitHazardFinding.id)
        .join(Visit, col(Visit.id) == col(VisitHazardFinding.visit_id))
        .where(col(Visit.uprn) == uprn, col(VisitHazardFinding.hazard_type) == DAMP_AND_MOULD)
        .limit(1)
    )
    return found is not None


async def has_visits(session: AsyncSession, uprn: str) -> bool:
    found = await session.scalar(select(Visit.id).where(col(Visit.uprn) == uprn).limit(1))
    return found is not None
