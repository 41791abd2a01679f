"""All SQL about arrangements."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from income.models import Arrangement, ArrangementStatus


async def add(session: AsyncSession, arrangement: Arrangement) -> None:
    session.add(arrangement)
    await session.flush()


async def active_of(session: AsyncSession, account_id: uuid.UUID) -> Arrangement | None:
    query = select(Arrangement).where(
        Arrangement.account_id == account_id, Arrangement.status == ArrangementStatus.ACTIVE
    )
    return (await session.execute(query)).scalars().first()


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
