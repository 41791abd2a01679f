"""All SQL about vulnerabilities and the audit of their reads."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from engagement.models import Vulnerability, VulnerabilityRead


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
    session: AsyncSession, resident_id: uuid.UUID, vulnerability_id: uuid.UUID
) -> Vulnerability | None:
    query = (
        select(Vulnerability)
        .where(Vulnerability.id == vulnerability_id, Vulnerability.resident_id == resident_id)
        .with_for_update()
    )
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
