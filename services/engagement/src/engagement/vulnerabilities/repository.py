"""All SQL about vulnerabilities and the audit of their reads."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date

from sqlalchemy import Row, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from engagement.models import Resident, Vulnerability, VulnerabilityRead


def add(session: AsyncSession, row: Vulnerability | VulnerabilityRead) -> None:
    session.add(row)


async def current(session: AsyncSession, resident_id: uuid.UUID) -> list[Vulnerability]:
    """The resident's vulnerabilities not removed, oldest first."""
    query = (
        select(Vulnerability)
        .where(Vulnerability.resident_id == resident_id, col(Vulnerability.removed_at).is_(None))
        .order_by(col(Vulnerability.recorded_at), col(Vulnerability.id))
    )
    return list((await session.execute(query)).scalars().all())


async def get(
    session: AsyncSession,
    resident_id: uuid.UUID,
    vulnerability_id: uuid.UUID,
    *,
    for_update: bool = True,
) -> Vulnerability | None:
    """The resident's vulnerability, removed or not; locked unless `for_update` is
    False (a read)."""
    query = select(Vulnerability).where(
        Vulnerability.id == vulnerability_id, Vulnerability.resident_id == resident_id
    )
    if for_update:
        query = query.with_for_update()
    return (await session.execute(query)).scalars().first()


async def reads(
    session: AsyncSession, resident_id: uuid.UUID, limit: int
) -> list[VulnerabilityRead]:
    query = (
        select(VulnerabilityRead)
        .where(VulnerabilityRead.resident_id == resident_id)
        .order_by(col(VulnerabilityRead.read_at).desc())
        .limit(limit)
    )
    return list((await session.execute(query)).scalars().all())


async def reviews_due(
    session: AsyncSession,
    *,
    due_by: date,
    after: tuple[date, uuid.UUID] | None,
    limit: int,
) -> Sequence[Row[tuple[uuid.UUID, uuid.UUID, str | None, date]]]:
    """(vulnerability id, resident id, the resident's uprn, review_on) of every
    vulnerability not removed whose review falls on or before `due_by`, oldest due
    first (review_on, id: ix_vulnerability_review_due), after the cursor's key. Never
    the category or the detail."""
    query = (
        select(
            col(Vulnerability.id),
            col(Vulnerability.resident_id),
            col(Resident.uprn),
            col(Vulnerability.review_on),
        )
        .join(Resident, col(Resident.id) == col(Vulnerability.resident_id))
        .where(col(Vulnerability.removed_at).is_(None), col(Vulnerability.review_on) <= due_by)
        .order_by(col(Vulnerability.review_on), col(Vulnerability.id))
        .limit(limit)
    )
    if after is not None:
        review_on, vulnerability_id = after
        query = query.where(
            tuple_(col(Vulnerability.review_on), col(Vulnerability.id))
            > (review_on, vulnerability_id)
        )
    return (await session.execute(query)).all()
