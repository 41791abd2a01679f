"""A visit is with the household of its own day: the tenancy that held the home on the
visit's London day, never one income has announced to start later (income records a
tenancy up to a year ahead) nor, for a visit booked after the fact, the tenancy that
holds the home now. What the visit raises (a tenancy concern, a referral) goes on that
tenancy's caseload and in its events (ADR 0096)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import httpx

from hearth_contracts import Envelope
from hearth_contracts.events.income import TenancyEnded
from hearth_kit.db import Database
from hearth_kit.working_days import london_day
from services.visits.tests.caseloads.test_caseloads import caseload_of
from services.visits.tests.factories import JUST_VISITED, a_completed_report, a_uprn, outbox_rows
from services.visits.tests.test_handlers import handle, registered, resident, started


def ended_on(uprn: str, tenancy_id: uuid.UUID, last_day: date) -> Envelope[TenancyEnded]:
    return Envelope(
        data=TenancyEnded(
            tenancy_id=tenancy_id,
            uprn=uprn,
            end_date=last_day,
            reason="notice_given",
            closing_balance_pence=0,
        )
    )


async def book(visits: httpx.AsyncClient, uprn: str, scheduled_for: str) -> dict[str, object]:
    response = await visits.post(
        "/v1/visits", json={"uprn": uprn, "kind": "full", "scheduled_for": scheduled_for}
    )
    assert response.status_code == 201, response.text
    visit: dict[str, object] = response.json()
    return visit


async def test_a_tenancy_announced_ahead_is_not_the_household_visited_before_it_starts(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    uprn, living_there, moving_in = a_uprn(), uuid.uuid4(), uuid.uuid4()
    today = london_day(datetime.now(UTC))
    await handle(visits_database, registered(uprn))
    await handle(visits_database, started(uprn, living_there, date(2026, 6, 1), "secure"))
    await handle(visits_database, started(uprn, moving_in, today + timedelta(days=30)))
    tenant, incoming = uuid.uuid4(), uuid.uuid4()
    await handle(visits_database, resident(uprn, living_there, resident_id=tenant))
    await handle(visits_database, resident(uprn, moving_in, resident_id=incoming))

    visit = await book(visits, uprn, JUST_VISITED)

    assert visit["tenancy_id"] == str(living_there)
    # the officer is briefed on the household living there, not the one moving in
    briefing = (await visits.get(f"/v1/visits/{visit['id']}/briefing")).json()
    assert [r["resident_id"] for r in briefing["residents"]] == [str(tenant)]
    report = await visits.post(
        f"/v1/visits/{visit['id']}/report",
        json=a_completed_report(JUST_VISITED, tenancy_concerns=[{"concern": "hoarding"}]),
    )
    assert report.status_code == 201, report.text
    [raised] = [
        row["data"]
        for row in await outbox_rows(visits_database, uprn)
        if row["event_type"].endswith("tenancy-concern-raised.v1")
    ]
    assert raised["tenancy_id"] == str(living_there)
    # the concern is the household's who live there, not the incoming one's
    assert [
        c["concern"]
        for c in (await caseload_of(visits, "officer-e8"))[str(living_there)]["concerns_open"]
    ] == ["hoarding"]
    assert (await caseload_of(visits, "officer-intro"))[str(moving_in)]["concerns_open"] == []


async def test_a_visit_booked_after_the_fact_is_with_the_tenancy_of_its_london_day(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    """The earlier tenancy's last day is 31 March 2026, after the clocks went forward
    (29 March): 22:30 UTC that day is still the 31st in London, 23:30 UTC is 1 April,
    the next tenancy's first day."""
    uprn, earlier, later = a_uprn(), uuid.uuid4(), uuid.uuid4()
    await handle(visits_database, registered(uprn))
    await handle(visits_database, started(uprn, earlier, date(2020, 1, 6), "secure"))
    await handle(visits_database, ended_on(uprn, earlier, date(2026, 3, 31)))
    await handle(visits_database, started(uprn, later, date(2026, 4, 1), "secure"))

    assert (await book(visits, uprn, "2026-03-15T10:00:00+00:00"))["tenancy_id"] == str(earlier)
    assert (await book(visits, uprn, "2026-03-31T22:30:00+00:00"))["tenancy_id"] == str(earlier)
    assert (await book(visits, uprn, "2026-03-31T23:30:00+00:00"))["tenancy_id"] == str(later)
    assert (await book(visits, uprn, JUST_VISITED))["tenancy_id"] == str(later)
    # before the home's first tenancy known: no household to put anything on
    assert (await book(visits, uprn, "2019-12-20T10:00:00+00:00"))["tenancy_id"] is None
