"""A tenant registered on a tenancy income has not announced yet is placed on its home
with no start known (docs/adr/0118). They do not live there on a day another tenancy
of the home was running: that was the household before them (docs/adr/0165, 0184). So
a letter about the home while that household lives there (on_home), and a survey
about work done in the home for it (living_on: a repair's, a communal repair's), are
not theirs. On a day no other tenancy of the home ran they are its household, as
before."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import httpx
from sqlmodel import col, select

from engagement.models import SurveyInvitation
from hearth_contracts import Envelope
from hearth_contracts.events.engagement import SurveyKind
from hearth_kit.db import Database
from hearth_kit.working_days import london_day
from services.engagement.tests.home_events import (
    a_uprn,
    check_due,
    handle,
    registered_ahead,
    repair_completed,
    tenancy_ended,
    tenancy_started,
)
from services.engagement.tests.messages.test_letters_to_a_mover import (
    acknowledged_complaint,
    written,
)
from services.engagement.tests.residents.test_announced_ahead import letters
from services.engagement.tests.surveys.test_block_survey_movers import block_of

LAST_DAY = date(2027, 3, 31)
"""The household before them: their tenancy's last day."""
WHILE_THEY_LIVED_THERE = datetime(2026, 12, 10, 9, tzinfo=UTC)
AFTER_THEY_LEFT = datetime(2027, 4, 6, 9, tzinfo=UTC)


async def invited(db: Database, about_id: uuid.UUID, survey: SurveyKind) -> set[uuid.UUID]:
    async with db.sessionmaker() as session:
        found = await session.execute(
            select(col(SurveyInvitation.resident_id)).where(
                SurveyInvitation.about_id == about_id, SurveyInvitation.survey == survey
            )
        )
    return set(found.scalars().all())


async def test_a_letter_about_the_home_while_the_household_before_them_lives_there_is_not_theirs(
    engagement: httpx.AsyncClient, engagement_database: Database
) -> None:
    """The gas check falls due while the household before them still lives there: the
    letter goes to that household, not to the tenant registered ahead (on_home). Once
    that tenancy has ended, the home's letters are theirs."""
    home, before_them = a_uprn(), uuid.uuid4()
    theirs = tenancy_started(home, date(2019, 9, 2), before_them)
    await handle(engagement_database, theirs)
    newcomer = await registered_ahead(engagement, home)

    await handle(engagement_database, check_due(home, WHILE_THEY_LIVED_THERE))
    assert await letters(engagement, before_them) == ["check_due"]
    assert await letters(engagement, newcomer) == []

    await handle(engagement_database, tenancy_ended(theirs, LAST_DAY))
    await handle(engagement_database, check_due(home, AFTER_THEY_LEFT))
    assert await letters(engagement, before_them) == ["check_due"]
    assert await letters(engagement, newcomer) == ["check_due"]


async def test_a_repair_done_for_the_household_before_them_does_not_ask_them(
    engagement: httpx.AsyncClient, engagement_database: Database
) -> None:
    """A repair completed while the household before them lived there asks that
    household how it went, not the tenant registered ahead (living_on, one home). A
    repair completed after that tenancy ended asks them."""
    home, before_them = a_uprn(), uuid.uuid4()
    theirs = tenancy_started(home, date(2019, 9, 2), before_them)
    await handle(engagement_database, theirs)
    newcomer = await registered_ahead(engagement, home)

    for_them = repair_completed(home, WHILE_THEY_LIVED_THERE, communal=False)
    await handle(engagement_database, Envelope(data=for_them, time=WHILE_THEY_LIVED_THERE))
    assert await invited(engagement_database, for_them.repair_id, SurveyKind.REPAIR) == {
        before_them
    }

    await handle(engagement_database, tenancy_ended(theirs, LAST_DAY))
    after = repair_completed(home, AFTER_THEY_LEFT, communal=False)
    await handle(engagement_database, Envelope(data=after, time=AFTER_THEY_LEFT))
    assert await invited(engagement_database, after.repair_id, SurveyKind.REPAIR) == {newcomer}


async def test_a_communal_repair_done_before_they_moved_in_does_not_ask_them_for_the_flat(
    engagement: httpx.AsyncClient, engagement_database: Database
) -> None:
    """A communal repair completed while the household before them lived in the flat,
    handled after that household left the landlord's homes (a consumer behind): the
    flat's household that day is not asked (a former tenant is not written to at the
    home they left), and nor is the tenant registered ahead, who did not live there yet
    (living_on, a block). One completed after that tenancy ended asks them."""
    flat, before_them = a_uprn(), uuid.uuid4()
    block = await block_of(engagement_database, flat)
    theirs = tenancy_started(flat, date(2019, 9, 2), before_them)
    await handle(engagement_database, theirs)
    newcomer = await registered_ahead(engagement, flat)
    await handle(engagement_database, tenancy_ended(theirs, LAST_DAY))

    before = repair_completed(block, WHILE_THEY_LIVED_THERE, communal=True)
    await handle(engagement_database, Envelope(data=before, time=AFTER_THEY_LEFT))
    assert await invited(engagement_database, before.repair_id, SurveyKind.COMMUNAL_REPAIR) == set()

    after = repair_completed(block, AFTER_THEY_LEFT, communal=True)
    await handle(engagement_database, Envelope(data=after, time=AFTER_THEY_LEFT))
    assert await invited(engagement_database, after.repair_id, SurveyKind.COMMUNAL_REPAIR) == {
        newcomer
    }


async def test_a_letter_to_them_is_not_written_to_the_household_before_them(
    engagement: httpx.AsyncClient, engagement_database: Database
) -> None:
    """A letter to the tenant registered ahead personally (their complaint's
    acknowledgement) went to the home they are placed on while the household before
    them still lived there (docs/adr/0226, amends 0184's last consequence). Engagement
    knows no other home of theirs: with no email or phone held it is a failed message
    saying why, and staff asking to send them one are told so (422 resident_id). Once
    that tenancy has ended, their letters go to the home."""
    home, before_them = a_uprn(), uuid.uuid4()
    theirs = tenancy_started(home, date(2019, 9, 2), before_them)
    await handle(engagement_database, theirs)
    newcomer = str(await registered_ahead(engagement, home))

    await acknowledged_complaint(engagement, home, newcomer)
    assert await written(engagement_database, newcomer) == [
        ("complaint_acknowledged", "failed", "letter", None)
    ]
    refused = await engagement.post(
        f"/v1/residents/{newcomer}/messages", json={"template": "arrears_stage", "values": {}}
    )
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["field"] == "resident_id"

    yesterday = london_day(datetime.now(UTC)) - timedelta(days=1)
    await handle(engagement_database, tenancy_ended(theirs, yesterday))
    await acknowledged_complaint(
        engagement, home, newcomer, summary="The keys we were given do not open the door"
    )
    assert sorted(await written(engagement_database, newcomer), key=str) == [
        ("complaint_acknowledged", "failed", "letter", None),
        ("complaint_acknowledged", "pending", "letter", home),
    ]
