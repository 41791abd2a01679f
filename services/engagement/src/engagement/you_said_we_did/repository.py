"""All SQL about "you said, we did"."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from engagement.models import Complaint, YouSaidWeDid


def add(session: AsyncSession, item: YouSaidWeDid) -> None:
    session.add(item)


async def existing_complaints(session: AsyncSession, ids: list[uuid.UUID]) -> set[uuid.UUID]:
    if not ids:
        return set()
    rows = await session.execute(select(Complaint.id).where(col(Complaint.id).in_(ids)))
    return set(rows.scalars().all())


async def page(
    session: AsyncSession,
    *,
    after: tuple[date, uuid.UUID] | None,
    limit: int,
) -> list[YouSaidWeDid]:
    """Items, latest published first."""
    query = (
        select(YouSaidWeDid)
        .order_by(col(YouSaidWeDid.published_on).desc(), col(YouSaidWeDid.id).desc())
        .limit(limit)
    )
    if after is not None:
        published_on, item_id = after
        query = query.where(
            tuple_(col(YouSaidWeDid.published_on), col(YouSaidWeDid.id)) < (published_on, item_id)
        )
    return list((await session.execute(query)).scalars().all())
