"""All SQL about survey invitations and responses."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from engagement.models import SurveyInvitation, SurveyResponse
from hearth_contracts.events.engagement import SurveyKind


async def invite_once(
    session: AsyncSession,
    *,
    resident_id: uuid.UUID,
    uprn: str,
    survey: SurveyKind,
    about_id: uuid.UUID,
    invited_at: datetime,
) -> uuid.UUID | None:
    """Record the invitation unless this resident was invited about this already;
    returns the new invitation's id, or None."""
    insert = pg_insert if session.bind.dialect.name == "postgresql" else sqlite_insert
    invitation_id = uuid.uuid4()
    statement = (
        insert(SurveyInvitation)
        .values(
            id=invitation_id,
            resident_id=resident_id,
            uprn=uprn,
            survey=survey,
            about_id=about_id,
            invited_at=invited_at,
        )
        .on_conflict_do_nothing(index_elements=["resident_id", "survey", "about_id"])
        .returning(col(SurveyInvitation.id))
    )
    return (await session.execute(statement)).scalar_one_or_none()


def add(session: AsyncSession, response: SurveyResponse) -> None:
    session.add(response)


async def responses(
    session: AsyncSession, survey: SurveyKind, start: datetime, end: datetime
) -> list[SurveyResponse]:
    """Responses to a survey in [start, end)."""
    query = select(SurveyResponse).where(
        SurveyResponse.survey == survey,
        col(SurveyResponse.responded_at) >= start,
        col(SurveyResponse.responded_at) < end,
    )
    return list((await session.execute(query)).scalars().all())


async def existing_ids(session: AsyncSession, ids: list[uuid.UUID]) -> set[uuid.UUID]:
    if not ids:
        return set()
    rows = await session.execute(select(SurveyResponse.id).where(col(SurveyResponse.id).in_(ids)))
    return set(rows.scalars().all())
