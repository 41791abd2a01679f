"""All SQL about repair requests and the homes they are at."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from hearth_kit.projection import upsert_newer_many
from repairs.models import KnownHome, RepairRequest, RepairStatus


async def get(session: AsyncSession, repair_id: uuid.UUID) -> RepairRequest | None:
    return await session.get(RepairRequest, repair_id)


async def by_finding(session: AsyncSession, finding_id: uuid.UUID) -> RepairRequest | None:
    query = select(RepairRequest).where(RepairRequest.finding_id == finding_id)
    return (await session.execute(query)).scalars().first()


async def by_safety_defect(session: AsyncSession, defect_id: uuid.UUID) -> RepairRequest | None:
    query = select(RepairRequest).where(RepairRequest.safety_defect_id == defect_id)
    return (await session.execute(query)).scalars().first()


async def count_overdue(session: AsyncSession, now: datetime) -> dict[str, int]:
    """Open repairs past their target, by priority."""
    query = (
        select(RepairRequest.priority, func.count())
        .where(RepairRequest.status == RepairStatus.OPEN, RepairRequest.target_at < now)
        .group_by(RepairRequest.priority)
    )
    return {str(priority): int(n) for priority, n in (await session.execute(query)).all()}


async def page(
    session: AsyncSession,
    *,
    uprn: str | None,
    status: RepairStatus | None,
    appointment_request_id: uuid.UUID | None = None,
    after: uuid.UUID | None,
    limit: int,
) -> list[RepairRequest]:
    query = select(RepairRequest).order_by(col(RepairRequest.id)).limit(limit)
    if uprn is not None:
        query = query.where(RepairRequest.uprn == uprn)
    if status is not None:
        query = query.where(RepairRequest.status == status)
    if appointment_request_id is not None:
        query = query.where(RepairRequest.appointment_request_id == appointment_request_id)
    if after is not None:
        query = query.where(col(RepairRequest.id) > after)
    return list((await session.execute(query)).scalars().all())


def add(session: AsyncSession, repair: RepairRequest) -> None:
    session.add(repair)


async def known_homes(session: AsyncSession, uprns: set[str]) -> dict[str, KnownHome]:
    """The homes (from the asset register's events) among `uprns`, by UPRN."""
    if not uprns:
        return {}
    query = select(KnownHome).where(col(KnownHome.uprn).in_(uprns))
    return {home.uprn: home for home in (await session.execute(query)).scalars().all()}


@dataclass(frozen=True, slots=True)
class RegisterEntry:
    """The asset register's address of a home as of a moment (the event's own time)."""

    uprn: str
    address_line_1: str
    address_line_2: str | None
    town: str
    postcode: str
    as_of: datetime


async def save_homes(session: AsyncSession, entries: Iterable[RegisterEntry]) -> None:
    """Keep the asset register's address of each home, in the order given, unless a
    later one is already kept: one statement for them all."""
    await upsert_newer_many(
        session,
        KnownHome,
        key=["uprn"],
        rows=[
            {
                "uprn": entry.uprn,
                "address_line_1": entry.address_line_1,
                "address_line_2": entry.address_line_2,
                "town": entry.town,
                "postcode": entry.postcode,
                "as_of": entry.as_of,
            }
            for entry in entries
        ],
        version="as_of",
    )
