"""All SQL about the per-home projection (home_profile) and the visit history the
programme ranks homes from."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from hearth_contracts.events.compliance import HeatingFuel
from hearth_contracts.events.income import TenancyType
from hearth_kit.projection import upsert_newer_many
from visits.models import HomeProfile, Visit, VisitHazardFinding, VisitStatus

DAMP_AND_MOULD = "damp_and_mould"


async def get(session: AsyncSession, uprn: str) -> HomeProfile | None:
    return await session.get(HomeProfile, uprn)


@dataclass(frozen=True, slots=True)
class RegisterEntry:
    """The asset register's view of a home as of a moment (the event's own time)."""

    uprn: str
    heating_fuel: HeatingFuel
    postcode: str
    as_of: datetime


@dataclass(frozen=True, slots=True)
class CurrentTenancy:
    """A tenancy that started at a home: its start date is its version (the home's
    current tenancy is the one that started last)."""

    uprn: str
    tenancy_id: uuid.UUID
    start_date: date
    tenancy_type: TenancyType


async def save_properties(session: AsyncSession, entries: Iterable[RegisterEntry]) -> None:
    """Record the asset register's view of each home, in the order given, unless a later
    one is already kept: one statement for them all."""
    await upsert_newer_many(
        session,
        HomeProfile,
        key=["uprn"],
        rows=[
            {
                "uprn": entry.uprn,
                "heating_fuel": entry.heating_fuel,
                "postcode": entry.postcode,
                "property_as_of": entry.as_of,
            }
            for entry in entries
        ],
        version="property_as_of",
    )


async def save_tenancies(session: AsyncSession, tenancies: Iterable[CurrentTenancy]) -> None:
    """Record each home's tenancy as its current one, in the order given, unless a
    tenancy that started later is kept: one statement for them all."""
    await upsert_newer_many(
        session,
        HomeProfile,
        key=["uprn"],
        rows=[
            {
                "uprn": tenancy.uprn,
                "current_tenancy_id": tenancy.tenancy_id,
                "tenancy_start_date": tenancy.start_date,
                "tenancy_type": tenancy.tenancy_type,
            }
            for tenancy in tenancies
        ],
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
