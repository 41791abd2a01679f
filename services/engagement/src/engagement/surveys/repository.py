"""All SQL about survey invitations and responses."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import exists, func, or_
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlmodel import col, select

from engagement.models import Home, Resident, SurveyInvitation, SurveyResponse
from engagement.residents.repository import moved_in_by
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


async def households_to_ask(
    session: AsyncSession,
    *,
    block_id: str,
    survey: SurveyKind,
    about_id: uuid.UUID,
    after_uprn: str,
    limit: int,
    day: date,
) -> list[Resident]:
    """One resident of each household in the block's homes (`home.block_id`) that was
    not asked about this piece of work yet, `limit` homes at a time in UPRN order after
    `after_uprn`: one statement a batch. The one asked is the first of the home's
    residents on the London day `day` (tenancy started by then and not ended: not a
    household whose tenancy was announced ahead, residents.repository.moved_in_by), in
    the order residents.repository.on_home lists them (registered first); a household
    with an invitation about this already, to whichever resident, is not asked again
    (the one asked may have moved out since)."""
    first = aliased(Resident)
    first_of_home = (
        select(first.id)
        .where(
            first.uprn == Resident.uprn,
            col(first.tenancy_ended_on).is_(None),
            moved_in_by(first, day),
        )
        .order_by(col(first.registered_at), col(first.id))
        .limit(1)
        .scalar_subquery()
    )
    asked = exists().where(
        col(SurveyInvitation.uprn) == Resident.uprn,
        col(SurveyInvitation.survey) == survey,
        col(SurveyInvitation.about_id) == about_id,
    )
    query = (
        select(Resident)
        .join(Home, col(Home.uprn) == Resident.uprn)
        .where(
            Home.block_id == block_id,
            col(Resident.uprn) > after_uprn,
            col(Resident.tenancy_ended_on).is_(None),
            moved_in_by(Resident, day),
            Resident.id == first_of_home,
            ~asked,
        )
        .order_by(col(Resident.uprn))
        .limit(limit)
    )
    return list((await session.execute(query)).scalars().all())


async def invite_many(
    session: AsyncSession,
    *,
    residents: list[tuple[uuid.UUID, str]],
    survey: SurveyKind,
    about_id: uuid.UUID,
    invited_at: datetime,
) -> dict[uuid.UUID, uuid.UUID]:
    """invite_once for many (resident id, home) in one statement: the new invitations'
    ids by resident, leaving out those invited about this already."""
    if not residents:
        return {}
    insert = pg_insert if session.bind.dialect.name == "postgresql" else sqlite_insert
    statement = (
        insert(SurveyInvitation)
        .values(
            [
                {
                    "id": uuid.uuid4(),
                    "resident_id": resident_id,
                    "uprn": uprn,
                    "survey": survey,
                    "about_id": about_id,
                    "invited_at": invited_at,
                }
                for resident_id, uprn in residents
            ]
        )
        .on_conflict_do_nothing(index_elements=["resident_id", "survey", "about_id"])
        .returning(col(SurveyInvitation.resident_id), col(SurveyInvitation.id))
    )
    return {resident_id: id_ for resident_id, id_ in (await session.execute(statement)).all()}


async def first_invited_at(
    session: AsyncSession,
    *,
    survey: SurveyKind,
    about_id: uuid.UUID,
    resident_id: uuid.UUID | None,
    uprn: str,
) -> datetime | None:
    """When the resident, or anyone in the home, was first invited to this survey about
    this piece of work (a communal repair asks one resident of a household, and another
    may answer); None when neither was."""
    invited = [col(SurveyInvitation.uprn) == uprn]
    if resident_id is not None:
        invited.append(col(SurveyInvitation.resident_id) == resident_id)
    query = select(func.min(col(SurveyInvitation.invited_at))).where(
        col(SurveyInvitation.survey) == survey,
        col(SurveyInvitation.about_id) == about_id,
        or_(*invited),
    )
    first: datetime | None = (await session.execute(query)).scalar_one()
    return first


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
