"""A visit is booked with the tenancy of its London day as visits knew it then (ADR
0096). When that tenancy is withdrawn after the booking (the let fell through, ADR 0111),
or ends before the visit's day, its household is not the one the officer will meet: the
briefing listed the open concerns of a tenancy nobody there holds (none) and only the
customer actions promised since its first day, and the report put what it found on it.
Both are now of the tenancy of the visit's day as visits knows it now, as for a visit
booked naming none (ADR 0210); one whose tenancy still held the home that day keeps it
(ADR 0228)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx

from hearth_contracts import Envelope
from hearth_contracts.events.income import TenancyWithdrawn
from hearth_kit.db import Database
from hearth_kit.working_days import london_day
from services.visits.tests.factories import JUST_VISITED, a_completed_report, a_uprn
from services.visits.tests.test_handlers import handle, handlers, registered, resident, started
from services.visits.tests.visits.test_the_visits_tenancy import book, ended_on
from tests.harness.locks import until_done_or_waiting

TODAY = london_day(datetime.now(UTC))


def withdrawn(uprn: str, tenancy_id: uuid.UUID, start: date) -> Envelope[Any]:
    return Envelope(
        data=TenancyWithdrawn(
            tenancy_id=tenancy_id, uprn=uprn, start_date=start, withdrawn_at=datetime.now(UTC)
        )
    )


def at_noon(day: date) -> str:
    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC).isoformat()


async def raised_at_a_visit(
    visits: httpx.AsyncClient, uprn: str, visited_at: str, concern: str
) -> tuple[str, str]:
    """A visit to the household living there, reported with a concern and a customer
    action: their ids."""
    visit = await book(visits, uprn, visited_at)
    report = await visits.post(
        f"/v1/visits/{visit['id']}/report",
        json=a_completed_report(
            visited_at,
            tenancy_concerns=[{"concern": concern}],
            customer_actions=[{"description": "Chase the adaptations referral"}],
        ),
    )
    assert report.status_code == 201, report.text
    [raised] = report.json()["tenancy_concerns"]
    [action] = report.json()["customer_actions"]
    return raised["id"], action["id"]


async def test_a_visit_whose_tenancy_was_withdrawn_is_briefed_on_the_household_there(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    uprn, living_there, falls_through = a_uprn(), uuid.uuid4(), uuid.uuid4()
    tenant = uuid.uuid4()
    await handle(visits_database, registered(uprn))
    await handle(visits_database, started(uprn, living_there, date(2025, 6, 2), "secure"))
    await handle(visits_database, resident(uprn, living_there, resident_id=tenant))
    concern_id, action_id = await raised_at_a_visit(visits, uprn, JUST_VISITED, "safeguarding")
    # a re-let recorded ahead; the next visit, booked for after it starts, is with it
    moves_in = TODAY + timedelta(days=10)
    await handle(visits_database, started(uprn, falls_through, moves_in))
    visit = await book(visits, uprn, at_noon(TODAY + timedelta(days=20)))
    assert visit["tenancy_id"] == str(falls_through)

    await handle(visits_database, withdrawn(uprn, falls_through, moves_in))

    briefing = (await visits.get(f"/v1/visits/{visit['id']}/briefing")).json()
    assert [r["resident_id"] for r in briefing["residents"]] == [str(tenant)]
    assert [c["concern_id"] for c in briefing["tenancy_concerns_open"]] == [concern_id]
    assert [a["id"] for a in briefing["customer_actions_outstanding"]] == [action_id]
    # and its report (the officer went early) deals with what the briefing listed, on
    # the tenancy of the household there
    report = await visits.post(
        f"/v1/visits/{visit['id']}/report",
        json=a_completed_report(
            JUST_VISITED,
            concerns_dealt_with=[{"concern_id": concern_id}],
            actions_closed=[{"action_id": action_id}],
        ),
    )
    assert report.status_code == 201, report.text
    assert report.json()["tenancy_id"] == str(living_there)


async def test_a_visit_whose_tenancy_ended_before_its_day_is_briefed_on_the_next(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    uprn, left, next_household = a_uprn(), uuid.uuid4(), uuid.uuid4()
    await handle(visits_database, registered(uprn))
    await handle(visits_database, started(uprn, left, date(2025, 6, 2), "secure"))
    visit = await book(visits, uprn, at_noon(TODAY - timedelta(days=5)))  # after the fact
    assert visit["tenancy_id"] == str(left)
    # income then records the household had left, and the next moved in, before that day
    await handle(visits_database, ended_on(uprn, left, TODAY - timedelta(days=25)))
    await handle(visits_database, started(uprn, next_household, TODAY - timedelta(days=20)))
    concern_id, _ = await raised_at_a_visit(
        visits, uprn, at_noon(TODAY - timedelta(days=10)), "hoarding"
    )

    briefing = (await visits.get(f"/v1/visits/{visit['id']}/briefing")).json()
    assert [c["concern_id"] for c in briefing["tenancy_concerns_open"]] == [concern_id]
    report = await visits.post(
        f"/v1/visits/{visit['id']}/report",
        json=a_completed_report(
            at_noon(TODAY - timedelta(days=5)), concerns_dealt_with=[{"concern_id": concern_id}]
        ),
    )
    assert report.status_code == 201, report.text
    assert report.json()["tenancy_id"] == str(next_household)


async def test_a_visit_whose_tenancy_ended_after_its_day_keeps_it(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    """The household visited then (ADR 0096): ended since, it is still the visit's."""
    uprn, visited, next_household = a_uprn(), uuid.uuid4(), uuid.uuid4()
    await handle(visits_database, registered(uprn))
    await handle(visits_database, started(uprn, visited, date(2025, 6, 2), "secure"))
    visit = await book(visits, uprn, at_noon(TODAY - timedelta(days=10)))
    await handle(visits_database, ended_on(uprn, visited, TODAY - timedelta(days=8)))
    await handle(visits_database, started(uprn, next_household, TODAY - timedelta(days=7)))
    report = await visits.post(
        f"/v1/visits/{visit['id']}/report",
        json=a_completed_report(at_noon(TODAY - timedelta(days=10))),
    )
    assert report.status_code == 201, report.text
    assert report.json()["tenancy_id"] == str(visited)


async def test_a_visit_booked_after_the_fact_is_briefed_on_the_residents_of_its_day(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    """The residents living there on the visit's day (ADR 0096), whose details its report
    confirms: not none because their tenancy has ended since, nor the next household."""
    uprn, visited, next_household = a_uprn(), uuid.uuid4(), uuid.uuid4()
    tenant, newcomer = uuid.uuid4(), uuid.uuid4()
    await handle(visits_database, registered(uprn))
    await handle(visits_database, started(uprn, visited, date(2025, 6, 2), "secure"))
    await handle(visits_database, resident(uprn, visited, resident_id=tenant))
    visit = await book(visits, uprn, at_noon(TODAY - timedelta(days=10)))
    await handle(visits_database, ended_on(uprn, visited, TODAY - timedelta(days=8)))
    await handle(visits_database, started(uprn, next_household, TODAY - timedelta(days=7)))
    await handle(visits_database, resident(uprn, next_household, resident_id=newcomer))

    briefing = (await visits.get(f"/v1/visits/{visit['id']}/briefing")).json()

    assert [r["resident_id"] for r in briefing["residents"]] == [str(tenant)]


async def test_on_a_changeover_day_the_briefing_lists_the_visits_household_alone(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    """On the day one household leaves (its tenancy's last day) and the next moves in,
    both tenancies held the home: the briefing lists the residents of the household the
    visit is with, as its concerns and actions are, not the other's (their needs and
    vulnerability flag are not this visit's to know, and the household piece names one of
    the residents listed). Booked with the outgoing tenancy, before the next was heard of,
    it keeps it (ADR 0228); booked after, it is with the household that started last (ADR
    0096)."""
    uprn, leaving, moving_in = a_uprn(), uuid.uuid4(), uuid.uuid4()
    tenant, newcomer = uuid.uuid4(), uuid.uuid4()
    changeover = TODAY - timedelta(days=10)
    await handle(visits_database, registered(uprn))
    await handle(visits_database, started(uprn, leaving, date(2025, 6, 2), "secure"))
    await handle(visits_database, resident(uprn, leaving, resident_id=tenant))
    with_the_outgoing = await book(visits, uprn, at_noon(changeover))
    assert with_the_outgoing["tenancy_id"] == str(leaving)
    await handle(visits_database, ended_on(uprn, leaving, changeover))
    await handle(visits_database, started(uprn, moving_in, changeover))
    await handle(visits_database, resident(uprn, moving_in, resident_id=newcomer))
    with_the_incoming = await book(visits, uprn, at_noon(changeover))
    assert with_the_incoming["tenancy_id"] == str(moving_in)

    for visit, household in ((with_the_outgoing, tenant), (with_the_incoming, newcomer)):
        briefing = (await visits.get(f"/v1/visits/{visit['id']}/briefing")).json()
        assert [r["resident_id"] for r in briefing["residents"]] == [str(household)]


async def test_a_report_meeting_the_end_of_its_tenancy_before_its_day_names_the_next(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    """tenancy-ended handled while the report is recorded: the report read the booked
    tenancy's end unlocked (not ended: kept), then held it for its caseload and found it
    ended, so it named a household that had left before the visit's day, whichever way
    round the two came: the concern raised went on no caseload and the customer action
    promised to the household there lapsed at once. The report holds the tenancy before
    it reads its end, so it waits for tenancy-ended and names the next household, as if
    the end had come first (ADR 0228). On SQLite, which serialises writers, the end
    is handled first."""
    uprn, left, next_household = a_uprn(), uuid.uuid4(), uuid.uuid4()
    await handle(visits_database, registered(uprn))
    await handle(visits_database, started(uprn, left, date(2025, 6, 2), "secure"))
    visited_at = at_noon(TODAY - timedelta(days=5))
    visit = await book(visits, uprn, visited_at)  # after the fact
    assert visit["tenancy_id"] == str(left)
    await handle(visits_database, started(uprn, next_household, TODAY - timedelta(days=20)))
    report = a_completed_report(
        visited_at,
        tenancy_concerns=[{"concern": "hoarding"}],
        customer_actions=[{"description": "Chase the adaptations referral"}],
    )
    the_end = ended_on(uprn, left, TODAY - timedelta(days=25))
    if visits_database.is_postgresql:
        async with visits_database.sessionmaker() as ending, ending.begin():
            await handlers.apply(ending, [the_end])
            reported = asyncio.create_task(
                visits.post(f"/v1/visits/{visit['id']}/report", json=report)
            )
            await until_done_or_waiting(reported, visits_database)
        response = await reported
    else:
        await handle(visits_database, the_end)
        response = await visits.post(f"/v1/visits/{visit['id']}/report", json=report)

    assert response.status_code == 201, response.text
    assert response.json()["tenancy_id"] == str(next_household)
    [action] = response.json()["customer_actions"]
    assert action["status"] == "open"
