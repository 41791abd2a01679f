"""All SQL about survey invitations and responses."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, Subquery, and_, exists, func, or_, union
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from engagement.models import (
    Complaint,
    Home,
    HomeTenure,
    Resident,
    SurveyInvitation,
    SurveyResponse,
    Tenancy,
    TenancyEnd,
    TenancyTenant,
)
from engagement.residents.repository import a_household_then, lived_in_then, moved_in_by
from engagement.residents.rules import LEASED_TENURES
from engagement.surveys.rules import Invited
from hearth_contracts.events.engagement import SurveyKind
from hearth_kit.working_days import london_day


async def invite_once(
    session: AsyncSession,
    *,
    resident_id: uuid.UUID,
    uprn: str,
    survey: SurveyKind,
    about_id: uuid.UUID,
    invited_at: datetime,
    done_on: date,
) -> uuid.UUID | None:
    """Record the invitation, with the London day the work was done (`done_on`: whose
    household it asks, docs/adr/0225), unless this resident was invited about this
    already; returns the new invitation's id, or None."""
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
            done_on=done_on,
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
) -> list[tuple[Resident, str]]:
    """One resident of each household in the block's homes (`home.block_id`) that was
    not asked about this piece of work yet, with the home they are asked for, `limit`
    homes at a time in UPRN order after `after_uprn`: one statement a batch. The
    household is the one living in the home on the London day `day` (the day the work
    was completed: docs/adr/0114), as `living_on` gives it, and the one asked is
    the first of its residents in the order residents.repository.on_home lists them
    (registered first); a household with an invitation about this already, to whichever
    resident, is not asked again (the one asked may have moved out since)."""
    living = living_on(day, block_id=block_id, after_uprn=after_uprn)
    ranked = select(
        living.c.uprn,
        living.c.resident_id,
        func.row_number()
        .over(
            partition_by=living.c.uprn,
            order_by=(living.c.registered_at, living.c.resident_id),
        )
        .label("place"),
    ).subquery()
    asked = exists().where(
        col(SurveyInvitation.uprn) == ranked.c.uprn,
        col(SurveyInvitation.survey) == survey,
        col(SurveyInvitation.about_id) == about_id,
    )
    query = (
        select(Resident, ranked.c.uprn)
        .join(ranked, ranked.c.resident_id == col(Resident.id))
        .where(ranked.c.place == 1, ~asked)
        .order_by(ranked.c.uprn)
        .limit(limit)
    )
    return [(resident, uprn) for resident, uprn in (await session.execute(query)).tuples()]


async def residents_on(session: AsyncSession, uprn: str, day: date) -> list[Resident]:
    """The residents who lived in the home on the London day `day` (`living_on`), in the
    order residents.repository.on_home lists them (registered first): who is asked
    about a piece of work done in the home that day (docs/adr/0114)."""
    living = living_on(day, uprn=uprn)
    query = (
        select(Resident)
        .join(living, living.c.resident_id == col(Resident.id))
        .order_by(col(Resident.registered_at), col(Resident.id))
    )
    return list((await session.execute(query)).scalars().all())


def living_on(
    day: date, *, block_id: str | None = None, uprn: str | None = None, after_uprn: str = ""
) -> Subquery:
    """Who lived in each of the block's homes after `after_uprn` (`block_id`), or in the
    one home `uprn`, on the London day `day` (uprn, resident_id, registered_at), as
    residents.repository.on_home reads a home's residents: those placed on the home
    whose tenancy had started by then and has not ended (moved_in_by: with no start
    known, only on a day no other tenancy of the home ran, so the incoming tenant is not
    asked about work done for the household before them: docs/adr/0184), and a tenant
    of a tenancy of the home that had started by then and had not ended before it whose
    own newer tenancy had not started by then (a tenant moving within the landlord's
    homes is on the new tenancy from its announcement). The second reads the tenancy's end
    date, not whether it has ended: the household there when the work was done, though
    it has moved on since, is the one that saw it, and it is written to where it lives
    now. A former tenant who left the landlord's homes is not asked (no letter goes to
    the home they left)."""
    placed: Select[Any] = select(
        col(Resident.uprn).label("uprn"),
        col(Resident.id).label("resident_id"),
        col(Resident.registered_at).label("registered_at"),
    ).where(col(Resident.tenancy_ended_on).is_(None), moved_in_by(Resident, day))
    moved_on: Select[Any] = (
        select(
            col(Tenancy.uprn).label("uprn"),
            col(Resident.id).label("resident_id"),
            col(Resident.registered_at).label("registered_at"),
        )
        .join(TenancyTenant, col(TenancyTenant.tenancy_id) == col(Tenancy.tenancy_id))
        .join(Resident, col(Resident.id) == col(TenancyTenant.resident_id))
        .where(
            col(Tenancy.start_date) <= day,
            ~exists().where(
                col(TenancyEnd.tenancy_id) == col(Tenancy.tenancy_id),
                col(TenancyEnd.end_date) < day,
            ),
            col(Resident.tenancy_id) != col(Tenancy.tenancy_id),
            col(Resident.tenancy_ended_on).is_(None),
            col(Resident.tenancy_started_on) > day,
        )
    )
    if block_id is not None:
        placed = placed.join(Home, col(Home.uprn) == col(Resident.uprn)).where(
            col(Home.block_id) == block_id, col(Resident.uprn) > after_uprn
        )
        moved_on = moved_on.join(Home, col(Home.uprn) == col(Tenancy.uprn)).where(
            col(Home.block_id) == block_id, col(Tenancy.uprn) > after_uprn
        )
    if uprn is not None:
        placed = placed.where(col(Resident.uprn) == uprn)
        moved_on = moved_on.where(col(Tenancy.uprn) == uprn)
    return union(placed, moved_on).subquery()


async def answers_for(
    session: AsyncSession, resident_id: uuid.UUID, uprn: str, responded_at: datetime
) -> bool:
    """Whether the resident answers the perception survey for the home when they gave
    `responded_at` (docs/adr/0134, 0162): they lived in it on that London day
    (residents.repository.lived_in_then: a former tenant on the days of their tenancy,
    not after it; a tenant who moved within the landlord's homes, for the home they
    lived in that day). Or engagement knows no home or tenancy of theirs at all (a
    shared owner income holds no tenancy of) and the home had no household engagement
    knows of then: held on a long lease at that moment (its tenure then shared
    ownership or leasehold: income holds no tenancy of it) and no tenancy of it running
    that day. A home let to tenants, or whose tenure then is not known (counted as let,
    docs/adr/0085), has its household on a tenancy, and someone on none of its
    tenancies is not of it. One statement."""
    day = london_day(responded_at)
    no_home_known = select(col(Resident.id)).where(
        Resident.id == resident_id,
        col(Resident.uprn).is_(None),
        ~exists().where(col(TenancyTenant.resident_id) == resident_id),
    )
    tenure_then = (
        select(col(HomeTenure.tenure))
        .where(col(HomeTenure.uprn) == uprn, col(HomeTenure.effective_from) <= responded_at)
        .order_by(col(HomeTenure.effective_from).desc())
        .limit(1)
        .scalar_subquery()
    )
    no_household_known = and_(
        exists(no_home_known), tenure_then.in_(LEASED_TENURES), ~a_household_then(uprn, day)
    )
    query = select(or_(lived_in_then(resident_id, uprn, day), no_household_known))
    return bool((await session.execute(query)).scalar_one())


async def their_own_complaint(
    session: AsyncSession, complaint_id: uuid.UUID, resident_id: uuid.UUID, uprn: str
) -> bool:
    """Whether the complaint `complaint_id` is the resident's, about the home `uprn`:
    they made it (its `resident_id`), so its survey is theirs to answer and no
    household's answer about it is silenced by theirs (docs/adr/0207). One statement."""
    query = select(
        exists().where(
            col(Complaint.id) == complaint_id,
            col(Complaint.resident_id) == resident_id,
            col(Complaint.uprn) == uprn,
        )
    )
    return bool((await session.execute(query)).scalar_one())


async def invite_many(
    session: AsyncSession,
    *,
    residents: list[tuple[uuid.UUID, str]],
    survey: SurveyKind,
    about_id: uuid.UUID,
    invited_at: datetime,
    done_on: date,
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
                    "done_on": done_on,
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


async def invited_about(
    session: AsyncSession, keys: Iterable[tuple[SurveyKind, uuid.UUID]]
) -> dict[tuple[SurveyKind, uuid.UUID], list[Invited]]:
    """The invitations about each of these pieces of work (survey, about_id) whose day
    of the work is known (`done_on`: those made since migration 0026), by piece of
    work: who was asked for which home about it, and the day (rules.day_of_the_work,
    docs/adr/0225). A thousand pieces of work a statement."""
    wanted = sorted(set(keys), key=lambda key: (key[0].value, str(key[1])))
    invited: dict[tuple[SurveyKind, uuid.UUID], list[Invited]] = {}
    for at in range(0, len(wanted), 1000):
        batch = set(wanted[at : at + 1000])
        rows = await session.execute(
            select(SurveyInvitation).where(
                col(SurveyInvitation.about_id).in_({about_id for _, about_id in batch}),
                col(SurveyInvitation.done_on).is_not(None),
            )
        )
        for row in rows.scalars():
            if (row.survey, row.about_id) in batch and row.done_on is not None:
                invited.setdefault((row.survey, row.about_id), []).append(
                    Invited(row.resident_id, row.uprn, row.done_on, row.invited_at)
                )
    return invited


def add(session: AsyncSession, response: SurveyResponse) -> None:
    session.add(response)


async def get(session: AsyncSession, response_id: uuid.UUID) -> SurveyResponse | None:
    """One response by its id (the primary key)."""
    return await session.get(SurveyResponse, response_id)


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


async def tenancies_of(
    session: AsyncSession, uprns: Iterable[str]
) -> dict[str, list[tuple[uuid.UUID, date, date | None]]]:
    """The tenancies engagement knows of each of these homes (tenancy, start date, end
    date if ended): whose household a response from the home was (rules.household_on).
    A thousand homes a statement, off the tenancy's `uprn` index."""
    wanted = sorted(set(uprns))
    tenancies: dict[str, list[tuple[uuid.UUID, date, date | None]]] = {}
    for at in range(0, len(wanted), 1000):
        rows = await session.execute(
            select(
                col(Tenancy.uprn),
                col(Tenancy.tenancy_id),
                col(Tenancy.start_date),
                col(TenancyEnd.end_date),
            )
            .outerjoin(TenancyEnd, col(TenancyEnd.tenancy_id) == col(Tenancy.tenancy_id))
            .where(col(Tenancy.uprn).in_(wanted[at : at + 1000]))
        )
        for uprn, tenancy_id, start, end in rows.tuples():
            tenancies.setdefault(uprn, []).append((tenancy_id, start, end))
    return tenancies
