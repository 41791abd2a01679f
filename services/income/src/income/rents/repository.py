"""All SQL about rent changes and the rent in force for a week."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from income.models import EntryKind, LedgerEntry, RentChange, Tenancy


async def add(session: AsyncSession, change: RentChange) -> None:
    session.add(change)
    await session.flush()


async def of_week(
    session: AsyncSession, tenancy_id: uuid.UUID, effective_from: date
) -> RentChange | None:
    query = select(RentChange).where(
        RentChange.tenancy_id == tenancy_id, RentChange.effective_from == effective_from
    )
    return (await session.execute(query)).scalars().first()


async def page_of_tenancy(
    session: AsyncSession, tenancy_id: uuid.UUID, *, after: date | None, limit: int
) -> Sequence[RentChange]:
    """A tenancy's rent changes by `effective_from` (unique per tenancy), after the
    cursor's week."""
    query = select(RentChange).where(RentChange.tenancy_id == tenancy_id)
    if after is not None:
        query = query.where(RentChange.effective_from > after)
    query = query.order_by(col(RentChange.effective_from)).limit(limit)
    return (await session.execute(query)).scalars().all()


async def remove(session: AsyncSession, change: RentChange) -> None:
    """Withdraw a change (only one for a week not yet charged: the service checks)."""
    await session.delete(change)
    await session.flush()


async def changes_by(
    session: AsyncSession, tenancy_ids: Sequence[uuid.UUID], week: date
) -> dict[uuid.UUID, RentChange]:
    """Each tenancy's latest rent change in force by rent week `week` (from that week
    or before), one query for a batch; a tenancy without one is left out."""
    if not tenancy_ids:
        return {}
    query = (
        select(RentChange)
        .where(col(RentChange.tenancy_id).in_(tenancy_ids), RentChange.effective_from <= week)
        .order_by(col(RentChange.tenancy_id), col(RentChange.effective_from).desc())
    )
    found: dict[uuid.UUID, RentChange] = {}
    for change in (await session.execute(query)).scalars().all():
        found.setdefault(change.tenancy_id, change)
    return found


async def rent_in_force(session: AsyncSession, tenancy: Tenancy, week: date) -> tuple[int, int]:
    """The weekly rent and service charge in force for rent week `week`."""
    change = (await changes_by(session, [tenancy.id], week)).get(tenancy.id)
    if change is None:
        return tenancy.weekly_rent_pence, tenancy.weekly_service_charge_pence
    return change.weekly_rent_pence, change.weekly_service_charge_pence


async def charged_from(session: AsyncSession, account_id: uuid.UUID, week: date) -> date | None:
    """The latest rent week from `week` on that the account has a rent charge for."""
    query = (
        select(col(LedgerEntry.charge_week))
        .where(
            LedgerEntry.account_id == account_id,
            LedgerEntry.kind == EntryKind.RENT,
            col(LedgerEntry.charge_week) >= week,
        )
        .order_by(col(LedgerEntry.charge_week).desc())
        .limit(1)
    )
    return (await session.execute(query)).scalars().first()
