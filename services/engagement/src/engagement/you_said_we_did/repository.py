"""All SQL about "you said, we did"."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from engagement.models import Complaint, SurveyResponse, YouSaidWeDid


def add(session: AsyncSession, item: YouSaidWeDid) -> None:
    session.add(item)


async def get(session: AsyncSession, item_id: uuid.UUID) -> YouSaidWeDid | None:
    """One published change by its id (the primary key)."""
    return await session.get(YouSaidWeDid, item_id)


async def complaints_received(
    session: AsyncSession, ids: list[uuid.UUID]
) -> dict[uuid.UUID, datetime]:
    """When each of these complaints that exists was received."""
    if not ids:
        return {}
    rows = await session.execute(
        select(Complaint.id, Complaint.received_at).where(col(Complaint.id).in_(ids))
    )
    return {complaint_id: received_at for complaint_id, received_at in rows.tuples()}


async def responses_given(session: AsyncSession, ids: list[uuid.UUID]) -> dict[uuid.UUID, datetime]:
    """When each of these survey responses that exists was given."""
    if not ids:
        return {}
    rows = await session.execute(
        select(SurveyResponse.id, SurveyResponse.responded_at).where(
            col(SurveyResponse.id).in_(ids)
        )
    )
    return {response_id: responded_at for response_id, responded_at in rows.tuples()}


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
