"""A communal repair's block survey asks the household that lived in each of the block's
homes on the day the repair was completed (DOMAIN.md: "for communal repairs, feedback
from the whole block"; docs/adr/0114): a tenant moving within the landlord's homes,
placed on the new tenancy from its announcement, answers for the home they lived in,
and their letter goes to the home they live in on the day it is written."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import httpx
from sqlalchemy import select

from engagement.handlers import on_properties_registered
from engagement.models import Message, SurveyInvitation
from hearth_contracts import Envelope
from hearth_contracts.events.engagement import SurveyKind
from hearth_contracts.events.income import TenancyEnded, TenancyStartedV2
from hearth_kit.db import Database
from services.engagement.tests.home_events import (
    a_uprn,
    handle,
    registered,
    repair_completed,
    tenancy_ended,
    tenancy_started,
)

ANNOUNCED = datetime(2026, 12, 1, 9, tzinfo=UTC)
COMPLETED = datetime(2026, 12, 10, 9, tzinfo=UTC)
MOVE_IN = date(2027, 4, 1)
AFTER_THE_MOVE = datetime(2027, 4, 2, 9, tzinfo=UTC)


def started(uprn: str, start: date, person: uuid.UUID) -> Envelope[TenancyStartedV2]:
    return tenancy_started(uprn, start, person, at=ANNOUNCED)


def ended(tenancy: Envelope[TenancyStartedV2], last_day: date) -> Envelope[TenancyEnded]:
    return tenancy_ended(
        tenancy, last_day, reason="transfer", at=datetime(2027, 4, 1, 9, tzinfo=UTC)
    )


async def block_of(db: Database, *homes: str) -> str:
    block = a_uprn()
    async with db.sessionmaker() as session, session.begin():
        await on_properties_registered(
            session, [registered(home, block, datetime(2015, 1, 5, tzinfo=UTC)) for home in homes]
        )
    return block


async def asked(db: Database, repair_id: uuid.UUID) -> dict[uuid.UUID, tuple[str, str | None]]:
    """Each resident asked about the repair: the home they answer for, and the home
    their invitation's letter goes to."""
    async with db.sessionmaker() as session:
        invitations = (
            await session.execute(
                select(SurveyInvitation.resident_id, SurveyInvitation.uprn).where(
                    SurveyInvitation.about_id == repair_id,
                    SurveyInvitation.survey == SurveyKind.COMMUNAL_REPAIR,
                )
            )
        ).all()
        letters = dict(
            (
                await session.execute(
                    select(Message.resident_id, Message.uprn).where(Message.source_id == repair_id)
                )
            ).all()
        )
    return {resident: (home, letters.get(resident)) for resident, home in invitations}


async def test_a_tenant_moving_out_of_the_block_is_asked_for_the_home_they_live_in(
    engagement: httpx.AsyncClient, engagement_database: Database
) -> None:
    """Moving to a home outside the block on 1 April: the repair completed in December
    is the old home's, theirs, and the letter goes there, not to the home they have not
    moved into (where another household may still live)."""
    old_home, new_home = a_uprn(), a_uprn()
    block = await block_of(engagement_database, old_home)
    mover = uuid.uuid4()
    await handle(
        engagement_database,
        started(old_home, date(2018, 5, 7), mover),
        started(new_home, MOVE_IN, mover),
    )
    repair = repair_completed(block, COMPLETED, communal=True)
    await handle(engagement_database, Envelope(data=repair, time=COMPLETED))
    assert await asked(engagement_database, repair.repair_id) == {mover: (old_home, old_home)}


async def test_a_tenant_moving_within_the_block_is_asked_once_for_the_home_they_live_in(
    engagement: httpx.AsyncClient, engagement_database: Database
) -> None:
    """Moving from one flat of the block to another: asked for the flat they live in,
    once; the household still living in the flat they move to is asked for that one."""
    old_flat, new_flat = a_uprn(), a_uprn()
    block = await block_of(engagement_database, old_flat, new_flat)
    mover, leaving = uuid.uuid4(), uuid.uuid4()
    await handle(
        engagement_database,
        started(old_flat, date(2018, 5, 7), mover),
        started(new_flat, date(2012, 3, 5), leaving),
        started(new_flat, MOVE_IN, mover),
    )
    repair = repair_completed(block, COMPLETED, communal=True)
    await handle(engagement_database, Envelope(data=repair, time=COMPLETED))
    assert await asked(engagement_database, repair.repair_id) == {
        mover: (old_flat, old_flat),
        leaving: (new_flat, new_flat),
    }


async def test_the_household_there_when_the_repair_was_completed_is_asked_not_the_next(
    engagement: httpx.AsyncClient, engagement_database: Database
) -> None:
    """repair-completed handled after the move (a consumer behind, a dead letter
    replayed): the tenant who lived in the flat on the day of the repair answers for it,
    written to at the home they live in now; the household that moved in after it saw
    none of the work and is not asked."""
    old_home, new_home = a_uprn(), a_uprn()
    block = await block_of(engagement_database, old_home)
    mover, arriving = uuid.uuid4(), uuid.uuid4()
    old_tenancy = started(old_home, date(2018, 5, 7), mover)
    await handle(
        engagement_database,
        old_tenancy,
        started(new_home, MOVE_IN, mover),
        started(old_home, date(2027, 4, 5), arriving),
        ended(old_tenancy, date(2027, 3, 31)),
    )
    repair = repair_completed(block, COMPLETED, communal=True)
    await handle(engagement_database, Envelope(data=repair, time=AFTER_THE_MOVE))
    assert await asked(engagement_database, repair.repair_id) == {mover: (old_home, new_home)}
