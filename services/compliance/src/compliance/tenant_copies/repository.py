"""All SQL about tenants' copies of safety records."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import delete, func, inspect, literal, or_, tuple_
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from compliance.models import CertificateRecord, GasSafetyRecord, TenantCopy
from compliance.tenant_copies.rules import CopyStanding


async def add_once(session: AsyncSession, copy: TenantCopy) -> bool:
    """Keep the copy unless one with its id is kept already; True when added."""
    insert = pg_insert if session.bind.dialect.name == "postgresql" else sqlite_insert
    values = copy.model_dump()
    statement = (
        insert(TenantCopy)
        .values(values)
        .on_conflict_do_nothing(index_elements=["id"])
        .returning(col(TenantCopy.id))
    )
    return (await session.execute(statement)).first() is not None


async def get(
    session: AsyncSession, copy_id: uuid.UUID, *, for_update: bool = False
) -> TenantCopy | None:
    query = select(TenantCopy).where(col(TenantCopy.id) == copy_id)
    if for_update:
        query = query.with_for_update()
    return (await session.execute(query)).scalars().first()


async def for_uprn(session: AsyncSession, uprn: str) -> list[TenantCopy]:
    """A home's copies, latest deadline first."""
    query = (
        select(TenantCopy)
        .where(col(TenantCopy.uprn) == uprn)
        .order_by(col(TenantCopy.copy_by).desc(), col(TenantCopy.id))
    )
    return list((await session.execute(query)).scalars().all())


async def household_copies_of(
    session: AsyncSession, record_ids: list[uuid.UUID]
) -> list[TenantCopy]:
    """The household's copies (not a new tenancy's) of these records."""
    if not record_ids:
        return []
    query = select(TenantCopy).where(
        col(TenantCopy.record_id).in_(record_ids), col(TenantCopy.tenancy_id).is_(None)
    )
    return list((await session.execute(query)).scalars().all())


async def forget_unsent_of_tenancy(session: AsyncSession, tenancy_id: uuid.UUID) -> int:
    """Forget the new tenancy's copies not sent: owed to nobody (no row, as a record
    made in an empty home owes none); one sent stays, as it went. How many."""
    result = await session.execute(
        delete(TenantCopy).where(
            col(TenantCopy.tenancy_id) == tenancy_id, col(TenantCopy.sent_at).is_(None)
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def unsent_household_copies(session: AsyncSession, uprn: str) -> list[tuple[uuid.UUID, date]]:
    """The home's household copies (not a new tenancy's) not sent, each with the day of
    its record's check (a gas safety record's check_date, a certificate's done_on)."""
    query = (
        select(
            col(TenantCopy.id),
            func.coalesce(col(GasSafetyRecord.check_date), col(CertificateRecord.done_on)),
        )
        .outerjoin(GasSafetyRecord, col(GasSafetyRecord.id) == col(TenantCopy.record_id))
        .outerjoin(CertificateRecord, col(CertificateRecord.id) == col(TenantCopy.record_id))
        .where(
            col(TenantCopy.uprn) == uprn,
            col(TenantCopy.tenancy_id).is_(None),
            col(TenantCopy.sent_at).is_(None),
        )
    )
    return [(copy_id, day) for copy_id, day in (await session.execute(query)).all() if day]


async def forget(session: AsyncSession, copy_ids: list[uuid.UUID]) -> None:
    """Forget these copies: owed to nobody."""
    if copy_ids:
        await session.execute(delete(TenantCopy).where(col(TenantCopy.id).in_(copy_ids)))


async def on_time_share(
    session: AsyncSession, first: date, last: date, today: date
) -> tuple[int, int]:
    """Of the copies whose deadline fell between `first` and `last`: how many went out
    by it, and how many there were, leaving out one still owed on `today`, its deadline
    (the last day in time, London's; overdue_count's reading): not sent yet, and not
    late either until the day ends."""
    query = select(func.count().filter(col(TenantCopy.sent_on_time).is_(True)), func.count()).where(
        col(TenantCopy.copy_by) >= first,
        col(TenantCopy.copy_by) <= last,
        or_(col(TenantCopy.sent_at).is_not(None), col(TenantCopy.copy_by) < today),
    )
    on_time, total = (await session.execute(query)).one()
    return int(on_time), int(total)


async def overdue_count(session: AsyncSession, today: date) -> int:
    """Copies not sent whose deadline has passed."""
    query = select(func.count()).where(
        col(TenantCopy.sent_at).is_(None), col(TenantCopy.copy_by) < today
    )
    return int((await session.execute(query)).scalar_one())


async def page(
    session: AsyncSession,
    *,
    today: date,
    standing: CopyStanding | None,
    uprn: str | None,
    after: tuple[date, uuid.UUID] | None,
    limit: int,
) -> list[TenantCopy]:
    """Copies by deadline, earliest first: those standing as asked on `today`."""
    query = select(TenantCopy).order_by(col(TenantCopy.copy_by), col(TenantCopy.id)).limit(limit)
    sent_at, copy_by = col(TenantCopy.sent_at), col(TenantCopy.copy_by)
    if standing is CopyStanding.OWED:
        query = query.where(sent_at.is_(None), copy_by >= today)
    elif standing is CopyStanding.OVERDUE:
        query = query.where(sent_at.is_(None), copy_by < today)
    elif standing is CopyStanding.SENT_ON_TIME:
        query = query.where(col(TenantCopy.sent_on_time).is_(True))
    elif standing is CopyStanding.SENT_LATE:
        query = query.where(col(TenantCopy.sent_on_time).is_(False))
    if uprn is not None:
        query = query.where(col(TenantCopy.uprn) == uprn)
    if after is not None:
        # A row comparison, which ix_tenant_copy_deadline (or, for copies not sent,
        # ix_tenant_copy_unsent_deadline) seeks to: an OR of the columns is a filter over
        # every copy before the cursor.
        after_day, after_id = after
        copy = inspect(TenantCopy).local_table
        position = (copy.c.copy_by, copy.c.id)
        query = query.where(
            tuple_(*position)
            > tuple_(literal(after_day, position[0].type), literal(after_id, position[1].type))
        )
    return list((await session.execute(query)).scalars().all())
