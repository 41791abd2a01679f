"""All SQL about arrangements."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import Row, bindparam, func, inspect, or_, tuple_
from sqlalchemy import select as core_select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from hearth_kit.db import ReadConnection
from income.accounts.repository import week_charges_net
from income.models import (
    Arrangement,
    ArrangementReview,
    ArrangementStatus,
    LedgerEntry,
    Tenancy,
)


async def add(session: AsyncSession, arrangement: Arrangement) -> None:
    session.add(arrangement)
    await session.flush()


async def active_of(session: AsyncSession, account_id: uuid.UUID) -> Arrangement | None:
    query = select(Arrangement).where(
        Arrangement.account_id == account_id, Arrangement.status == ArrangementStatus.ACTIVE
    )
    return (await session.execute(query)).scalars().first()


async def held_since(
    session: AsyncSession, account_id: uuid.UUID, since: datetime
) -> list[tuple[datetime, datetime | None]]:
    """When each arrangement on the account that held its ladder at or after `since` was
    made and ended (None: live), oldest first: the ladder's 3-month windows leave those
    days out (ADR 0219)."""
    query = (
        select(Arrangement.made_at, Arrangement.ended_at)
        .where(
            Arrangement.account_id == account_id,
            or_(col(Arrangement.ended_at).is_(None), col(Arrangement.ended_at) >= since),
        )
        .order_by(col(Arrangement.made_at))
    )
    return [(made_at, ended_at) for made_at, ended_at in (await session.execute(query)).all()]


async def latest_of(session: AsyncSession, account_id: uuid.UUID) -> Arrangement | None:
    query = (
        select(Arrangement)
        .where(Arrangement.account_id == account_id)
        .order_by(col(Arrangement.made_at).desc())
        .limit(1)
    )
    return (await session.execute(query)).scalars().first()


async def counts_made_between(
    session: AsyncSession, start: datetime, end: datetime
) -> dict[ArrangementStatus, int]:
    """Arrangements made in a period, by where they stand now."""
    query = (
        select(Arrangement.status, func.count())
        .where(Arrangement.made_at >= start, Arrangement.made_at < end)
        .group_by(col(Arrangement.status))
    )
    return {status: int(n) for status, n in (await session.execute(query)).all()}


async def get(session: AsyncSession, arrangement_id: uuid.UUID) -> Arrangement | None:
    return await session.get(Arrangement, arrangement_id)


async def get_for_update(session: AsyncSession, arrangement_id: uuid.UUID) -> Arrangement | None:
    """The arrangement, locked, as committed now (populate_existing: a copy read earlier
    in the session, before another transaction changed it, is refreshed)."""
    query = (
        select(Arrangement)
        .where(Arrangement.id == arrangement_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return (await session.execute(query)).scalars().first()


async def latest_review_of(
    session: AsyncSession, arrangement_id: uuid.UUID
) -> ArrangementReview | None:
    query = (
        select(ArrangementReview)
        .where(ArrangementReview.arrangement_id == arrangement_id)
        .order_by(col(ArrangementReview.reviewed_at).desc())
        .limit(1)
    )
    return (await session.execute(query)).scalars().first()


async def add_review(session: AsyncSession, review: ArrangementReview) -> None:
    session.add(review)
    await session.flush()


_arrangement = inspect(Arrangement).local_table
_tenancy = inspect(Tenancy).local_table
_entry = inspect(LedgerEntry).local_table


def _reviews_due_statement(*, after: bool) -> Any:
    query = (
        core_select(
            _arrangement.c.id,
            _arrangement.c.account_id,
            _arrangement.c.tenancy_id,
            _tenancy.c.uprn,
            _arrangement.c.review_on,
            _arrangement.c.instalment_pence,
            _arrangement.c.frequency,
            core_select(func.coalesce(func.sum(_entry.c.amount_pence), 0))
            .where(
                _entry.c.account_id == _arrangement.c.account_id,
                _entry.c.effective_on <= bindparam("today"),
            )
            .scalar_subquery()
            .label("balance_pence"),
            week_charges_net(
                _arrangement.c.account_id, bindparam("week"), bindparam("today")
            ).label("week_charges_pence"),
        )
        .select_from(_arrangement.join(_tenancy, _tenancy.c.id == _arrangement.c.tenancy_id))
        .where(
            _arrangement.c.status == ArrangementStatus.ACTIVE.value,
            _arrangement.c.review_on <= bindparam("due_by"),
        )
        .order_by(_arrangement.c.review_on, _arrangement.c.id)
        .limit(bindparam("limit"))
    )
    if after:
        query = query.where(
            tuple_(_arrangement.c.review_on, _arrangement.c.id)
            > tuple_(
                # typed as the columns: SQLite binds a UUID or a day only through them
                bindparam("after_review_on", type_=_arrangement.c.review_on.type),
                bindparam("after_id", type_=_arrangement.c.id.type),
            )
        )
    return query


_REVIEWS_DUE = {after: _reviews_due_statement(after=after) for after in (False, True)}
"""Built once each (first page, later pages): compiled SQL reused by every call."""


async def reviews_due_rows(
    connection: ReadConnection,
    *,
    due_by: date,
    today: date,
    week: date,
    after: tuple[date, uuid.UUID] | None,
    limit: int,
) -> list[Row[Any]]:
    """Live arrangements whose review falls on or before `due_by`, oldest due first
    (then by id), after the cursor's (review_on, id): each with its home, its account's
    balance by `today` and the charges posted for rent week `week` (arrears now, as the
    summary works them out). One statement on a read connection, no ORM objects; the
    partial index ix_arrangement_review_due is its order."""
    values: dict[str, Any] = {"due_by": due_by, "today": today, "week": week, "limit": limit}
    if after is not None:
        values["after_review_on"], values["after_id"] = after
    result = await connection.execute(_REVIEWS_DUE[after is not None], values)
    return list(result.all())
