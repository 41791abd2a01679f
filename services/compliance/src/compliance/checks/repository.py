"""All SQL about the programme's checks and access attempts."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, insert, or_, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from compliance.models import AccessAttempt, CertificateRecord, Check, Home, Subject
from hearth_contracts.events.compliance import CheckType


async def get(
    session: AsyncSession, check_id: uuid.UUID, *, for_update: bool = False
) -> Check | None:
    query = select(Check).where(Check.id == check_id)
    if for_update:
        query = query.with_for_update()
    return (await session.execute(query)).scalars().first()


async def open_for(session: AsyncSession, uprn: str) -> list[Check]:
    query = select(Check).where(Check.uprn == uprn, col(Check.completed_at).is_(None))
    return list((await session.execute(query)).scalars().all())


async def open_for_many(session: AsyncSession, uprns: Sequence[str]) -> dict[str, list[Check]]:
    found: dict[str, list[Check]] = {uprn: [] for uprn in uprns}
    if not uprns:
        return found
    query = select(Check).where(col(Check.uprn).in_(uprns), col(Check.completed_at).is_(None))
    for check in (await session.execute(query)).scalars().all():
        found[check.uprn].append(check)
    return found


async def open_of_type(
    session: AsyncSession, uprn: str, check_type: CheckType, *, for_update: bool = False
) -> Check | None:
    query = select(Check).where(
        Check.uprn == uprn, Check.check_type == check_type, col(Check.completed_at).is_(None)
    )
    if for_update:
        query = query.with_for_update()
    return (await session.execute(query)).scalars().first()


async def for_home(session: AsyncSession, uprn: str) -> list[Check]:
    """Every check of a home, open ones first, then the latest completed."""
    query = (
        select(Check)
        .where(Check.uprn == uprn)
        .order_by(col(Check.completed_at).desc().nulls_first(), col(Check.due_by).desc())
    )
    return list((await session.execute(query)).scalars().all())


def add(session: AsyncSession, check: Check) -> None:
    session.add(check)


async def add_many(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Insert new checks in one statement (the import's batches)."""
    if rows:
        await session.execute(insert(Check), list(rows))


async def withdraw(session: AsyncSession, check_ids: Iterable[uuid.UUID], now: datetime) -> None:
    """Close open checks that are no longer needed (a capped supply): completed without
    a record."""
    ids = list(check_ids)
    if ids:
        await session.execute(
            update(Check)
            .where(col(Check.id).in_(ids), col(Check.completed_at).is_(None))
            .values(completed_at=now)
        )


async def due_to_raise(session: AsyncSession, today: date, limit: int) -> list[Check]:
    """Open checks whose lead time has come and whose check-due is not yet raised,
    locked so another replica's sweep skips them."""
    query = (
        select(Check)
        .where(
            col(Check.completed_at).is_(None),
            col(Check.due_raised_at).is_(None),
            col(Check.due_from) <= today,
        )
        .order_by(col(Check.due_from))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list((await session.execute(query)).scalars().all())


async def expired_to_raise(session: AsyncSession, today: date, limit: int) -> list[Check]:
    """Open checks whose certificate expired (due date reached) not yet raised."""
    query = (
        select(Check)
        .where(
            col(Check.completed_at).is_(None),
            col(Check.expired_raised_at).is_(None),
            col(Check.due_by) <= today,
        )
        .order_by(col(Check.due_by))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list((await session.execute(query)).scalars().all())


async def escalations_to_raise(session: AsyncSession, today: date, limit: int) -> list[Check]:
    query = (
        select(Check)
        .where(
            col(Check.completed_at).is_(None),
            col(Check.escalated_at).is_(None),
            col(Check.escalate_on) <= today,
        )
        .order_by(col(Check.escalate_on))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list((await session.execute(query)).scalars().all())


async def ladder_steps_due(session: AsyncSession, today: date, limit: int) -> list[Check]:
    query = (
        select(Check)
        .where(
            col(Check.completed_at).is_(None),
            col(Check.ladder_next_step_on).is_not(None),
            col(Check.ladder_next_step_on) <= today,
        )
        .order_by(col(Check.ladder_next_step_on))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list((await session.execute(query)).scalars().all())


async def stamp(session: AsyncSession, check_ids: Sequence[uuid.UUID], **values: Any) -> None:
    """Set marker columns on the checks handled by a sweep batch."""
    if check_ids:
        await session.execute(update(Check).where(col(Check.id).in_(check_ids)).values(**values))


def status_filter(status: str, today: date) -> Any:
    """The SQL of a listing status: due (inside the lead time, not yet past its date),
    overdue (past its date), expired (past its date with a certificate that lapsed)."""
    open_ = col(Check.completed_at).is_(None)
    if status == "due":
        return and_(open_, col(Check.due_from) <= today, col(Check.due_by) > today)
    if status == "overdue":
        return and_(open_, col(Check.due_by) <= today)
    return and_(open_, col(Check.due_by) <= today, col(Check.certificate_expires_on).is_not(None))


async def page(
    session: AsyncSession,
    *,
    today: date,
    status: str | None,
    check_type: CheckType | None,
    after: tuple[date, uuid.UUID] | None,
    limit: int,
) -> list[Check]:
    query = select(Check).order_by(col(Check.due_by), col(Check.id)).limit(limit)
    if status is not None:
        query = query.where(status_filter(status, today))
    else:
        query = query.where(col(Check.completed_at).is_(None))
    if check_type is not None:
        query = query.where(Check.check_type == check_type)
    if after is not None:
        due_by, check_id = after
        query = query.where(
            or_(
                col(Check.due_by) > due_by,
                and_(col(Check.due_by) == due_by, col(Check.id) > check_id),
            )
        )
    return list((await session.execute(query)).scalars().all())


async def count_open(session: AsyncSession, today: date) -> tuple[int, int]:
    """(certificates expired, checks overdue) among open checks today: the gauges."""
    query = select(
        func.count().filter(col(Check.certificate_expires_on).is_not(None)),
        func.count(),
    ).where(col(Check.completed_at).is_(None), col(Check.due_by) <= today)
    expired, overdue = (await session.execute(query)).one()
    return int(expired or 0), int(overdue or 0)


def add_attempt(session: AsyncSession, attempt: AccessAttempt) -> None:
    session.add(attempt)


async def attempts_for(session: AsyncSession, check_id: uuid.UUID) -> list[AccessAttempt]:
    query = (
        select(AccessAttempt)
        .where(AccessAttempt.check_id == check_id)
        .order_by(col(AccessAttempt.attempt_number))
    )
    return list((await session.execute(query)).scalars().all())


async def mark_no_access_history(session: AsyncSession, uprn: str) -> None:
    await session.execute(update(Home).where(col(Home.uprn) == uprn).values(no_access_history=True))


async def in_date_share(
    session: AsyncSession, today: date, check_type: CheckType, subject: Subject
) -> tuple[int, int]:
    """(open checks of a type still in date today, open checks of that type)."""
    query = select(
        func.count().filter(col(Check.due_by) > today),
        func.count(),
    ).where(
        col(Check.completed_at).is_(None),
        Check.check_type == check_type,
        Check.subject == subject,
    )
    in_date, total = (await session.execute(query)).one()
    return int(in_date or 0), int(total or 0)


async def overdue_in_bands(
    session: AsyncSession, today: date, bands: Sequence[tuple[int, int | None]]
) -> list[int]:
    """How many open checks are overdue by each band of days (low, high inclusive; high
    None for no limit)."""
    counts = []
    for low, high in bands:
        conditions = [col(Check.due_by) <= today - timedelta(days=low)]
        if high is not None:
            conditions.append(col(Check.due_by) >= today - timedelta(days=high))
        counts.append(func.count().filter(and_(*conditions)))
    query = select(*counts).where(col(Check.completed_at).is_(None))
    return [int(n or 0) for n in (await session.execute(query)).one()]


async def due_within(session: AsyncSession, today: date, days: Sequence[int]) -> list[int]:
    """Open checks whose certificate falls due in the next N days, for each N."""
    query = select(
        *(
            func.count().filter(
                and_(col(Check.due_by) > today, col(Check.due_by) <= today + timedelta(days=n))
            )
            for n in days
        )
    ).where(col(Check.completed_at).is_(None), col(Check.certificate_expires_on).is_not(None))
    return [int(n or 0) for n in (await session.execute(query)).one()]


async def first_time_access(session: AsyncSession, first: date, last: date) -> tuple[int, int]:
    """(checks done in the period with no failed attempt first, checks done in it)."""
    query = select(
        func.count().filter(col(Check.no_access_attempts) == 0),
        func.count(),
    ).where(
        col(Check.record_id).is_not(None),
        col(Check.completed_on) >= first,
        col(Check.completed_on) <= last,
    )
    first_time, done = (await session.execute(query)).one()
    return int(first_time or 0), int(done or 0)


def add_certificate(session: AsyncSession, record: CertificateRecord) -> None:
    session.add(record)
