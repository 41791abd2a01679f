"""All SQL of the income figures."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from income.models import Account, AccountKind, EntryKind, LedgerEntry, Tenancy, TenancyStatus


async def entry_total(
    session: AsyncSession, kinds: tuple[EntryKind, ...], first: date, last: date
) -> tuple[int, int]:
    """How many entries of these kinds were effective in the period, and their sum."""
    query = select(func.count(), func.coalesce(func.sum(LedgerEntry.amount_pence), 0)).where(
        col(LedgerEntry.kind).in_(kinds),
        LedgerEntry.effective_on >= first,
        LedgerEntry.effective_on <= last,
    )
    count, total = (await session.execute(query)).one()
    return int(count), int(total)


async def weekly_rent_roll(session: AsyncSession) -> int:
    """Current tenancies' rent and service charges for one week."""
    query = select(
        func.coalesce(func.sum(Tenancy.weekly_rent_pence + Tenancy.weekly_service_charge_pence), 0)
    ).where(Tenancy.status == TenancyStatus.CURRENT)
    return int((await session.execute(query)).scalar_one())


async def former_tenant_arrears(session: AsyncSession) -> tuple[int, int]:
    """Ended tenancies' rent accounts still owing: how many, and what they owe."""
    per_account = (
        select(func.sum(LedgerEntry.amount_pence).label("balance"))
        .join(Account, col(Account.id) == col(LedgerEntry.account_id))
        .join(Tenancy, col(Tenancy.id) == col(Account.tenancy_id))
        .where(Account.kind == AccountKind.RENT, Tenancy.status == TenancyStatus.ENDED)
        .group_by(col(LedgerEntry.account_id))
        .subquery()
    )
    query = select(func.count(), func.coalesce(func.sum(per_account.c.balance), 0)).where(
        per_account.c.balance > 0
    )
    count, total = (await session.execute(query)).one()
    return int(count), int(total)
