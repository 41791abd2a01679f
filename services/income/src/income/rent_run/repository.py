"""All SQL of the weekly rent run."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from sqlalchemy import exists, func, insert, or_, true, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from income.models import Account, AccountKind, EntryKind, LedgerEntry, Tenancy, TenancyStatus


def _uncharged_where(week: date) -> list[Any]:
    charged = exists().where(
        col(LedgerEntry.account_id) == col(Account.id),
        col(LedgerEntry.kind) == EntryKind.RENT,
        col(LedgerEntry.charge_week) == week,
    )
    return [
        Account.kind == AccountKind.RENT,
        Tenancy.status == TenancyStatus.CURRENT,
        Tenancy.start_date <= week + timedelta(days=6),
        # A week up to the day a loaded tenancy's balance was brought forward is in
        # that balance: the old system charged it (ADR 0132).
        or_(
            col(Tenancy.balance_brought_forward_as_at).is_(None),
            col(Tenancy.balance_brought_forward_as_at) < week,
        ),
        ~charged,
    ]


async def count_uncharged(session: AsyncSession, week: date) -> int:
    query = (
        select(func.count())
        .select_from(Account)
        .join(Tenancy, col(Tenancy.id) == col(Account.tenancy_id))
        .where(*_uncharged_where(week))
    )
    return int((await session.execute(query)).scalar_one())


async def uncharged(
    session: AsyncSession, week: date, limit: int, *, after: uuid.UUID | None = None
) -> list[tuple[Account, Tenancy]]:
    """Current tenancies' rent accounts with no rent charged for `week` yet (started by
    that week's Sunday, and not loaded with a balance brought forward as at that week
    or later: ADR 0132), locked; rows another runner holds are skipped (FOR UPDATE SKIP
    LOCKED), so two runs at once share the work and never take the same account."""
    query = (
        select(Account, Tenancy)
        .join(Tenancy, col(Tenancy.id) == col(Account.tenancy_id))
        .where(*_uncharged_where(week))
        .where(col(Account.id) > after if after is not None else true())
        .order_by(col(Account.id))
        .limit(limit)
        .with_for_update(of=Account, skip_locked=True)
    )
    return [(account, tenancy) for account, tenancy in (await session.execute(query)).all()]


async def post_charges(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> set[uuid.UUID]:
    """Insert weekly charge entries, skipping any the unique key (account, kind, week)
    already holds; returns the ids actually posted."""
    if not rows:
        return set()
    dialect = session.bind.dialect.name if session.bind is not None else "postgresql"
    statement: Any
    if dialect == "postgresql":
        statement = pg_insert(LedgerEntry).on_conflict_do_nothing()
    elif dialect == "sqlite":
        statement = sqlite_insert(LedgerEntry).on_conflict_do_nothing()
    else:  # pragma: no cover - the two databases income runs on
        statement = insert(LedgerEntry)
    result = await session.execute(statement.values(list(rows)).returning(col(LedgerEntry.id)))
    return {row[0] for row in result.all()}


async def stamp_charged(
    session: AsyncSession, account_ids: Sequence[uuid.UUID], week: date
) -> None:
    """Note `week` as the accounts' latest rent week charged, where it is later than
    the one noted (in the batch's transaction). Only a record: which accounts a week
    still has to charge is read from the ledger (no rent entry for that week), never
    from this marker, so an earlier week left uncharged is never skipped."""
    if account_ids:
        await session.execute(
            update(Account)
            .where(
                col(Account.id).in_(account_ids),
                or_(
                    col(Account.last_charged_week).is_(None), col(Account.last_charged_week) < week
                ),
            )
            .values(last_charged_week=week)
        )
