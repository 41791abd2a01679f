"""All SQL of the income figures."""

from __future__ import annotations

from datetime import date, timedelta

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


async def former_tenant_charges_reversed(
    session: AsyncSession, first: date, last: date
) -> tuple[int, int]:
    """Charges taken off former tenants' accounts by an approved reversal effective in
    the period (ADR 0170): how many, and how much in pence. Such a reversal needs
    income:approve and draws on the approver's write-off limit, as a write-off does, but
    is a correction (its reason a correction's code, not one of DOMAIN.md's write-off
    reasons), so the figures show it beside the write-offs, not among them. Only the
    route's own reversals keep an approver on a tenancy's account (the ledger's at a
    tenancy's end or withdrawal keep none; a held recharge's credit is on a home's
    account with no tenancy)."""
    query = (
        select(func.count(), func.coalesce(func.sum(-col(LedgerEntry.amount_pence)), 0))
        .select_from(LedgerEntry)
        .join(Account, col(Account.id) == col(LedgerEntry.account_id))
        .join(Tenancy, col(Tenancy.id) == col(Account.tenancy_id))
        .where(
            col(LedgerEntry.kind) == EntryKind.REVERSAL,
            LedgerEntry.effective_on >= first,
            LedgerEntry.effective_on <= last,
            col(LedgerEntry.approved_by).is_not(None),
            col(LedgerEntry.amount_pence) < 0,
            Tenancy.status == TenancyStatus.ENDED,
        )
    )
    count, total = (await session.execute(query)).one()
    return int(count), int(total)


async def weekly_rent_roll(session: AsyncSession, week: date) -> int:
    """Current tenancies' rent and service charges for one week, at the rents in force
    in rent week `week` (each tenancy's latest change by then, else its rent at the
    start). Only tenancies begun by the week's last day, as the rent run charges them
    (rent_run.repository): one recorded ahead owes nothing yet, so is no part of the
    roll until its week."""
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
    ).where(
        Tenancy.status == TenancyStatus.CURRENT,
        Tenancy.start_date <= week + timedelta(days=6),
    )
    return int((await session.execute(query)).scalar_one())


async def former_tenant_arrears(session: AsyncSession) -> tuple[int, int]:
    """Ended tenancies still owing: how many, and what they owe in pence. What a former
    tenancy owes is what each of its accounts owes, as their summaries show it: the rent
    account and the sundry account its recharges are invoiced on (ADR 0036, ADR 0171),
    a credit on one paying nothing on the other (a payment is posted to one account)."""
    per_account = (
        select(
            col(Account.tenancy_id).label("tenancy_id"),
            func.sum(LedgerEntry.amount_pence).label("balance"),
        )
        .select_from(LedgerEntry)
        .join(Account, col(Account.id) == col(LedgerEntry.account_id))
        .join(Tenancy, col(Tenancy.id) == col(Account.tenancy_id))
        .where(Tenancy.status == TenancyStatus.ENDED)
        .group_by(col(LedgerEntry.account_id), col(Account.tenancy_id))
        .subquery()
    )
    query = select(
        func.count(func.distinct(per_account.c.tenancy_id)),
        func.coalesce(func.sum(per_account.c.balance), 0),
    ).where(per_account.c.balance > 0)
    count, total = (await session.execute(query)).one()
    return int(count), int(total)
