"""All SQL about tenancies, their tenants and rent accounts."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import date, datetime
from functools import cache
from typing import Any

from sqlalchemy import Row, Select, and_, bindparam, func, inspect, literal, tuple_
from sqlalchemy import select as core_select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from hearth_kit.db import ReadConnection
from income.models import (
    Account,
    AccountKind,
    ArrearsCase,
    Tenancy,
    TenancyStatus,
    Tenant,
    TrialReinstatement,
    TrialSettlement,
)
from income.tenancies.rules import TRIAL_TYPES


async def get(session: AsyncSession, tenancy_id: uuid.UUID) -> Tenancy | None:
    return await session.get(Tenancy, tenancy_id)


async def by_reference(session: AsyncSession, tenancy_reference: str) -> Tenancy | None:
    query = select(Tenancy).where(Tenancy.tenancy_reference == tenancy_reference)
    return (await session.execute(query)).scalars().first()


async def current_of_home(session: AsyncSession, uprn: str) -> Tenancy | None:
    query = select(Tenancy).where(Tenancy.uprn == uprn, Tenancy.status == TenancyStatus.CURRENT)
    return (await session.execute(query)).scalars().first()


async def last_day_of_home(session: AsyncSession, uprn: str) -> date | None:
    """The latest last day (`end_date`) of the home's ended tenancies, or None: none
    has ended (a home never let, or only its current tenancy)."""
    query = select(func.max(Tenancy.end_date)).where(Tenancy.uprn == uprn)
    return (await session.execute(query)).scalar_one()


async def household_of_home_on(session: AsyncSession, uprn: str, day: date) -> Tenancy | None:
    """The tenancy last in the home on `day`: the one in force then (a tenancy starting
    that day is), or, when the home stood empty that day, the one that had ended most
    recently (the former tenant). None when no tenancy of the home had started by then:
    a home never let, or damage from before the first household moved in, which is not
    theirs to pay (adr/0036). A tenancy withdrawn before its first day was never in
    the home (ADR 0111)."""
    started = (
        select(Tenancy)
        .where(
            Tenancy.uprn == uprn,
            col(Tenancy.start_date) <= day,
            Tenancy.status != TenancyStatus.WITHDRAWN,
        )
        .order_by(col(Tenancy.start_date).desc(), col(Tenancy.created_at).desc())
        .limit(1)
    )
    return (await session.execute(started)).scalars().first()


_tenancy = inspect(Tenancy).local_table
_tenant = inspect(Tenant).local_table
_account = inspect(Account).local_table
TENANCY_COLUMNS = (
    "id",
    "tenancy_reference",
    "uprn",
    "start_date",
    "end_date",
    "tenancy_type",
    "weekly_rent_pence",
    "weekly_service_charge_pence",
    "status",
    "end_reason",
    "introductory_ends_on",
    "withdrawn_at",
    "withdrawal_reason",
    "backdated_weeks_charged",
    "balance_brought_forward_pence",
    "balance_brought_forward_as_at",
)
"""The tenancy's columns its public entry shows (schemas.TenancyPublic)."""


@cache
def _page_statement(*, after: bool, uprn: bool, status: bool) -> Select[Any]:
    """A page of tenancies in reference order with their tenants and their rent and
    sundry account ids, in one round trip: the page (a subquery, so the limit counts
    tenancies) outer-joined to its tenants (one row each, in the order named) and to
    each kind of account (at most one of each: uq_account_tenancy_kind). Built once per
    combination of filters."""
    page = (
        core_select(*(_tenancy.c[name] for name in TENANCY_COLUMNS))
        .order_by(_tenancy.c.tenancy_reference)
        .limit(bindparam("limit"))
    )
    if after:
        page = page.where(_tenancy.c.tenancy_reference > bindparam("after"))
    if uprn:
        page = page.where(_tenancy.c.uprn == bindparam("uprn"))
    if status:
        page = page.where(_tenancy.c.status == bindparam("status"))
    tenancies = page.subquery("page")
    rent = _account.alias("rent")
    sundry = _account.alias("sundry")
    return (
        core_select(
            *(tenancies.c[name] for name in TENANCY_COLUMNS),
            _tenant.c.person_id,
            _tenant.c.full_name,
            rent.c.id.label("rent_account_id"),
            sundry.c.id.label("sundry_account_id"),
        )
        .select_from(
            tenancies.outerjoin(_tenant, _tenant.c.tenancy_id == tenancies.c.id)
            .outerjoin(
                rent, and_(rent.c.tenancy_id == tenancies.c.id, rent.c.kind == AccountKind.RENT)
            )
            .outerjoin(
                sundry,
                and_(sundry.c.tenancy_id == tenancies.c.id, sundry.c.kind == AccountKind.SUNDRY),
            )
        )
        .order_by(tenancies.c.tenancy_reference, _tenant.c.position)
    )


async def page_rows(
    connection: ReadConnection,
    *,
    after: str | None,
    limit: int,
    uprn: str | None,
    status: TenancyStatus | None,
) -> list[Row[Any]]:
    """Tenancies in reference order, one row per tenant (TENANCY_COLUMNS, person_id,
    full_name, rent_account_id, sundry_account_id): one statement on a read
    connection, no ORM objects."""
    statement = _page_statement(
        after=after is not None, uprn=uprn is not None, status=status is not None
    )
    values = {"after": after, "limit": limit, "uprn": uprn, "status": status}
    return list((await connection.execute(statement, values)).all())


async def tenants_of(
    session: AsyncSession, tenancy_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[Tenant]]:
    """The tenants of each tenancy, in the order they are named (one query for a page)."""
    found: dict[uuid.UUID, list[Tenant]] = defaultdict(list)
    if not tenancy_ids:
        return found
    query = (
        select(Tenant)
        .where(col(Tenant.tenancy_id).in_(tenancy_ids))
        .order_by(col(Tenant.tenancy_id), col(Tenant.position))
    )
    for tenant in (await session.execute(query)).scalars().all():
        found[tenant.tenancy_id].append(tenant)
    return found


async def add(session: AsyncSession, tenancy: Tenancy, tenants: list[Tenant]) -> None:
    """Insert a tenancy with its tenants. The tables have no ORM relationships, so the
    tenancy is flushed first: the tenants refer to it."""
    session.add(tenancy)
    await session.flush()
    session.add_all(tenants)
    await session.flush()


async def get_for_update(session: AsyncSession, tenancy_id: uuid.UUID) -> Tenancy | None:
    query = select(Tenancy).where(Tenancy.id == tenancy_id).with_for_update()
    return (await session.execute(query)).scalars().first()


async def trials_ended(
    session: AsyncSession, *, by: date, after: tuple[date, uuid.UUID] | None, limit: int
) -> list[tuple[Tenancy, datetime | None, uuid.UUID | None]]:
    """Current introductory and starter tenancies whose trial has ended by `by` (its
    `introductory_ends_on`, the first day off trial, is `by` or earlier), in
    (introductory_ends_on, id) order after `after`, each with when its arrears case's
    notice of seeking possession was served (None: never) and the case's account (None:
    no case). The tenancies are locked,
    those another transaction holds skipped (FOR UPDATE OF tenancy SKIP LOCKED): a
    decision being made on one is left to finish, and two runners never take the same
    one. Only the tenancy is locked, income's first lock: the case is read, not taken."""
    query = (
        select(Tenancy, col(ArrearsCase.nosp_served_at), col(ArrearsCase.account_id))
        .outerjoin(ArrearsCase, col(ArrearsCase.tenancy_id) == col(Tenancy.id))
        .where(
            Tenancy.status == TenancyStatus.CURRENT,
            col(Tenancy.tenancy_type).in_(TRIAL_TYPES),
            col(Tenancy.introductory_ends_on) <= by,
        )
        .order_by(col(Tenancy.introductory_ends_on), col(Tenancy.id))
        .limit(limit)
        .with_for_update(of=Tenancy, skip_locked=True)
    )
    if after is not None:
        query = query.where(
            tuple_(col(Tenancy.introductory_ends_on), col(Tenancy.id))
            > tuple_(literal(after[0]), literal(after[1]))
        )
    return [
        (tenancy, served, account_id)
        for tenancy, served, account_id in (await session.execute(query)).all()
    ]


def add_settlement(session: AsyncSession, settlement: TrialSettlement) -> None:
    session.add(settlement)


async def settlement_of(session: AsyncSession, tenancy_id: uuid.UUID) -> TrialSettlement | None:
    """The trial-end job's settlement of the tenancy's trial, or None (not settled by
    the job, or settled before income kept them: migration 0020)."""
    return await session.get(TrialSettlement, tenancy_id)


async def remove_settlement(session: AsyncSession, settlement: TrialSettlement) -> None:
    """A settlement undone (kept as a `TrialReinstatement`): the job may settle the
    trial again, keeping a new one."""
    await session.delete(settlement)
    await session.flush()


def add_reinstatement(session: AsyncSession, reinstatement: TrialReinstatement) -> None:
    session.add(reinstatement)
