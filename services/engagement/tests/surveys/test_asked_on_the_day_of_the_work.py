"""A survey about a piece of work done in a home (a repair, a gas check, a home visit)
asks the household that lived there on the day the work was done, not the one living
there when the event is handled (a consumer behind, a dead letter replayed): a
household that moved in afterwards saw none of it, and a tenant who has moved within
the landlord's homes since answers for the home they lived in, written to where they
live now (docs/adr/0114)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import httpx
from sqlalchemy import select

from engagement.models import Message, SurveyInvitation
from hearth_contracts import Envelope
from hearth_contracts.events.visits import VisitCompleted
from hearth_kit.db import Database
from services.engagement.tests.home_events import a_uprn, handle, repair_completed
from services.engagement.tests.surveys.test_block_survey_movers import ended, started

DONE = datetime(2026, 12, 10, 9, tzinfo=UTC)
HANDLED = datetime(2027, 4, 3, 9, tzinfo=UTC)


async def a_move(db: Database) -> tuple[str, str, uuid.UUID, uuid.UUID]:
    """A tenant of `old_home` since 2018 moves to `new_home` on 1 April 2027 (their old
    tenancy's last day 31 March); another household moves into `old_home` on 2 April."""
    old_home, new_home = a_uprn(), a_uprn()
    mover, arriving = uuid.uuid4(), uuid.uuid4()
    old_tenancy = started(old_home, date(2018, 5, 7), mover)
    await handle(
        db,
        old_tenancy,
        started(new_home, date(2027, 4, 1), mover),
        started(old_home, date(2027, 4, 2), arriving),
        ended(old_tenancy, date(2027, 3, 31)),
    )
    return old_home, new_home, mover, arriving


async def asked(db: Database, about_id: uuid.UUID) -> dict[uuid.UUID, tuple[str, str | None]]:
    """Each resident asked about the work: the home they answer for, and the home the
    invitation's letter goes to."""
    async with db.sessionmaker() as session:
        invitations = (
            await session.execute(
                select(SurveyInvitation.resident_id, SurveyInvitation.uprn).where(
                    SurveyInvitation.about_id == about_id
                )
            )
        ).all()
        letters = dict(
            (
                await session.execute(
                    select(Message.resident_id, Message.uprn).where(
                        Message.source_id == about_id, Message.template == "survey_invitation"
                    )
                )
            )
            .tuples()
            .all()
        )
    return {resident: (home, letters.get(resident)) for resident, home in invitations}


async def test_a_repair_handled_after_a_move_asks_the_household_there_when_it_was_done(
    engagement: httpx.AsyncClient, engagement_database: Database
) -> None:
    old_home, new_home, mover, _arriving = await a_move(engagement_database)
    repair = repair_completed(old_home, DONE, communal=False)
    await handle(engagement_database, Envelope(data=repair, time=HANDLED))
    assert await asked(engagement_database, repair.repair_id) == {mover: (old_home, new_home)}


async def test_a_visit_handled_after_a_move_asks_the_household_visited(
    engagement: httpx.AsyncClient, engagement_database: Database
) -> None:
    old_home, new_home, mover, _arriving = await a_move(engagement_database)
    visit = VisitCompleted(
        visit_id=uuid.uuid4(),
        uprn=old_home,
        kind="full",
        completed_at=DONE,
        repairs_found=0,
        hazards_found=0,
    )
    await handle(engagement_database, Envelope(data=visit, time=HANDLED))
    assert await asked(engagement_database, visit.visit_id) == {mover: (old_home, new_home)}
