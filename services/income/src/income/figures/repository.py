"""All SQL of the income figures."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlmodel import col, select

from income.models import (
    Account,
    AccountKind,
    EntryKind,
    LedgerEntry,
    RentChange,
    Tenancy,
    TenancyStatus,
)


async def entry_total(
    session: AsyncSession,
    kinds: tuple[EntryKind, ...],
    first: date,
    last: date,
    *,
    account_kind: AccountKind | None = None,
) -> tuple[int, int]:
    """Entries of these kinds effective in the period, net of reversals: how many were
    not reversed, and their sum with whatever reversed them counted (a returned
    payment counts nothing; a charge partly reversed at tenancy end counts what
    stays). Only accounts of `account_kind` when given (rent: not sundry accounts)."""
    reversal = aliased(LedgerEntry)
    query = (
        select(
            func.count() - func.count(col(reversal.id)),
            func.coalesce(
                func.sum(LedgerEntry.amount_pence + func.coalesce(reversal.amount_pence, 0)), 0
            ),
        )
        .select_from(LedgerEntry)
        .outerjoin(reversal, col(reversal.reverses_entry_id) == col(LedgerEntry.id))
        .where(
            col(LedgerEntry.kind).in_(kinds),
            LedgerEntry.effective_on >= first,
            LedgerEntry.effective_on <= last,
        )
    )
    if account_kind is not None:
        query = query.join(Account, col(Account.id) == col(LedgerEntry.account_id)).where(
            Account.kind == account_kind
        )
    count, total = (await session.execute(query)).one()
    return int(count), int(total)


async def weekly_rent_roll(session: AsyncSession, week: date) -> int:
    """Current tenancies' rent and service charges for one week, at the rents in force
    in rent week `week` (each tenancy's latest change by then, else its rent at the
    start)."""
    changed = (
        select(RentChange.weekly_rent_pence + RentChange.weekly_service_charge_pence)
        .where(RentChange.tenancy_id == Tenancy.id, RentChange.effective_from <= week)
        .order_by(col(RentChange.effective_from).desc())
        .limit(1)
        .correlate(Tenancy)
        .scalar_subquery()
    )
    query = select(
        func.coalesce(
            func.sum(
                func.coalesce(
                    changed, Tenancy.weekly_rent_pence + Tenancy.weekly_service_charge_pence
                )
            ),
            0,
        )
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
