"""A tenancy income announces ahead (recorded up to a year before it starts, published at
once) puts its tenants in the home only from its first London day (docs/adr/0096): until
then the home's letters and survey invitations go to the household living there, not to
the one moving in; and a tenant moving within the landlord's homes is still the old
home's resident until the new tenancy starts."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx

from engagement.handlers import on_properties_registered, on_tenancy_started
from engagement.residents import repository as residents
from hearth_contracts import Envelope
from hearth_contracts.events.income import TenancyStartedV2
from hearth_contracts.events.repairs import (
    AppointmentBooked,
    AppointmentCancelled,
    AppointmentSlot,
    CancellationReason,
)
from hearth_kit.db import Database
from services.engagement.tests.home_events import (
    a_uprn,
    check_due,
    handle,
    registered,
    tenancy_started,
)
from services.engagement.tests.home_events import repair_completed as a_repair_completed

ANNOUNCED = datetime(2026, 12, 1, 9, tzinfo=UTC)
BEFORE = datetime(2026, 12, 10, 9, tzinfo=UTC)
MOVE_IN = date(2027, 4, 1)  # summer time began on 28 March 2027


def started(uprn: str, start: date, person: uuid.UUID) -> Envelope[TenancyStartedV2]:
    return tenancy_started(uprn, start, person, at=ANNOUNCED)


def repair_completed(uprn: str, at: datetime, *, communal: bool = False) -> Envelope[Any]:
    return Envelope(data=a_repair_completed(uprn, at, communal=communal), time=at)


async def letters(client: httpx.AsyncClient, person: uuid.UUID) -> list[str]:
    response = await client.get(f"/v1/residents/{person}/messages")
    assert response.status_code == 200, response.text
    return sorted(m["template"] for m in response.json()["items"])


async def test_the_household_moving_in_gets_the_homes_letters_from_its_first_day(
    engagement: httpx.AsyncClient, engagement_database: Database
) -> None:
    uprn = a_uprn()
    living, arriving = uuid.uuid4(), uuid.uuid4()
    await handle(engagement_database, started(uprn, date(2019, 9, 2), living))
    await handle(engagement_database, started(uprn, MOVE_IN, arriving))

    await handle(engagement_database, check_due(uprn, BEFORE))
    await handle(engagement_database, repair_completed(uprn, BEFORE))
    assert await letters(engagement, living) == ["check_due", "survey_invitation"]
    assert await letters(engagement, arriving) == []

    # 23:30 UTC on 31 March is 00:30 on 1 April in London: the tenancy's first day.
    eve = datetime(2027, 3, 31, 22, 30, tzinfo=UTC)
    first_day = datetime(2027, 3, 31, 23, 30, tzinfo=UTC)
    async with engagement_database.sessionmaker() as session:
        on_the_eve = {r.id for r in await residents.on_home(session, uprn, date(2027, 3, 31))}
        on_the_day = {r.id for r in await residents.on_home(session, uprn, MOVE_IN)}
    assert (on_the_eve, on_the_day) == ({living}, {living, arriving})
    await handle(engagement_database, check_due(uprn, eve))
    assert await letters(engagement, arriving) == []
    await handle(engagement_database, check_due(uprn, first_day))
    assert await letters(engagement, arriving) == ["check_due"]


async def test_a_tenant_moving_homes_is_the_old_homes_resident_until_the_move(
    engagement: httpx.AsyncClient, engagement_database: Database
) -> None:
    old_home, new_home = a_uprn(), a_uprn()
    mover = uuid.uuid4()
    await handle(engagement_database, started(old_home, date(2018, 5, 7), mover))
    await handle(engagement_database, started(new_home, MOVE_IN, mover))

    await handle(engagement_database, check_due(new_home, BEFORE))
    assert await letters(engagement, mover) == []
    await handle(engagement_database, check_due(old_home, BEFORE))
    assert await letters(engagement, mover) == ["check_due"]

    async with engagement_database.sessionmaker() as session:
        after_the_move = await residents.on_home(session, new_home, MOVE_IN)
        old_after = await residents.on_home(session, old_home, MOVE_IN)
    assert ([r.id for r in after_the_move], old_after) == ([mover], [])


async def test_a_block_survey_asks_the_household_living_there(
    engagement: httpx.AsyncClient, engagement_database: Database
) -> None:
    block, living_home, empty_home = a_uprn(), a_uprn(), a_uprn()
    async with engagement_database.sessionmaker() as session, session.begin():
        await on_properties_registered(
            session,
            [
                registered(uprn, block, datetime(2015, 1, 5, 9, tzinfo=UTC))
                for uprn in (living_home, empty_home)
            ],
        )
    living, arriving, arriving_elsewhere = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    for envelope in (
        started(living_home, date(2019, 9, 2), living),
        started(living_home, MOVE_IN, arriving),
        started(empty_home, MOVE_IN, arriving_elsewhere),
    ):
        async with engagement_database.sessionmaker() as session, session.begin():
            await on_tenancy_started(session, envelope)

    await handle(engagement_database, repair_completed(block, BEFORE, communal=True))
    assert await letters(engagement, living) == ["survey_invitation"]
    assert await letters(engagement, arriving) == []
    assert await letters(engagement, arriving_elsewhere) == []


def appointment(uprn: str, day: datetime) -> AppointmentBooked:
    return AppointmentBooked(
        appointment_id=uuid.uuid4(),
        uprn=uprn,
        repair_ids=[uuid.uuid4()],
        slot=AppointmentSlot.AM,
        window_start=day,
        window_end=day + timedelta(hours=4),
        made_at_first_contact=True,
        booked_at=BEFORE,
    )


async def test_an_appointment_is_told_to_the_household_living_there_on_its_day(
    engagement: httpx.AsyncClient, engagement_database: Database
) -> None:
    """Booked before the move for a day after it (8:00 on 1 April is 07:00 UTC, in
    summer time): the household moving in by then is told; one before it is not."""
    uprn = a_uprn()
    living, arriving = uuid.uuid4(), uuid.uuid4()
    await handle(engagement_database, started(uprn, date(2019, 9, 2), living))
    await handle(engagement_database, started(uprn, MOVE_IN, arriving))

    before_the_move = appointment(uprn, datetime(2027, 3, 31, 7, tzinfo=UTC))
    after_the_move = appointment(uprn, datetime(2027, 4, 1, 7, tzinfo=UTC))
    for booked in (before_the_move, after_the_move):
        await handle(engagement_database, Envelope(data=booked, time=BEFORE))
    await handle(
        engagement_database,
        Envelope(
            data=AppointmentCancelled(
                appointment_id=after_the_move.appointment_id,
                uprn=uprn,
                repair_ids=after_the_move.repair_ids,
                window_start=after_the_move.window_start,
                window_end=after_the_move.window_end,
                reason=CancellationReason.RESIDENT_REQUESTED,
                cancelled_at=BEFORE + timedelta(hours=1),
                recorded_at=BEFORE + timedelta(hours=1),
            ),
            time=BEFORE + timedelta(hours=1),
        ),
    )

    assert await letters(engagement, living) == [
        "appointment_booked",
        "appointment_booked",
        "appointment_cancelled",
    ]
    assert await letters(engagement, arriving) == ["appointment_booked", "appointment_cancelled"]
