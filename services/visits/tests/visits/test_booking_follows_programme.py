"""A booking with no kind takes the kind the programme ranks the home for: the same next
visit GET /v1/programme/homes/{uprn} shows. Fixed past dates."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import httpx

from hearth_contracts.events.compliance import NoAccessStep
from hearth_kit.db import Database
from services.visits.tests.factories import a_completed_report, a_uprn
from services.visits.tests.test_handlers import escalated, handle, registered


async def test_a_booking_without_kind_is_full_while_an_officer_visit_for_access_is_open(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    """A full visit on 3 November 2025 makes the next one a lite call by 3 November 2026;
    compliance's housing officer visit step on 10 January 2026 asks for an officer in
    person, so the programme ranks the home for a full visit, and a booking for
    2 February 2026 that gives no kind is that full visit in the home (not a lite call
    refused for want of a channel). The full visit of 2025, booked as the stock condition
    survey (none recorded) and reported one-shot, recorded no room inventory, so it was
    not the survey (ADR 0098): the officer's full visit is."""
    uprn = a_uprn()
    await handle(
        visits_database, registered(uprn, registered_at=datetime(2025, 1, 6, 9, tzinfo=UTC))
    )
    went = "2025-11-03T10:00:00+00:00"
    full = await visits.post(
        "/v1/visits", json={"uprn": uprn, "kind": "full", "scheduled_for": went}
    )
    assert full.status_code == 201, full.text
    reported = await visits.post(
        f"/v1/visits/{full.json()['id']}/report", json=a_completed_report(went)
    )
    assert reported.status_code == 201, reported.text
    asked_at = datetime(2026, 1, 10, 11, tzinfo=UTC)
    await handle(
        visits_database,
        escalated(uprn, uuid.uuid4(), NoAccessStep.HOUSING_OFFICER_VISIT, asked_at),
    )
    priority = (await visits.get(f"/v1/programme/homes/{uprn}")).json()
    assert priority["next_visit_kind"] == "full"

    booked = await visits.post(
        "/v1/visits", json={"uprn": uprn, "scheduled_for": "2026-02-02T10:00:00+00:00"}
    )

    assert booked.status_code == 201, booked.text
    assert (booked.json()["kind"], booked.json()["channel"]) == ("full", "in_home")
    assert booked.json()["stock_condition_survey"] is True


async def test_a_booking_without_kind_is_lite_when_the_officer_visit_was_made_before_it(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    """The officer visit asked for on 10 January 2026 was made by a full visit on
    12 January 2026: the next visit is the lite call again, which must say its channel."""
    uprn = a_uprn()
    await handle(
        visits_database, registered(uprn, registered_at=datetime(2025, 1, 6, 9, tzinfo=UTC))
    )
    await handle(
        visits_database,
        escalated(
            uprn,
            uuid.uuid4(),
            NoAccessStep.HOUSING_OFFICER_VISIT,
            datetime(2026, 1, 10, 11, tzinfo=UTC),
        ),
    )
    went = "2026-01-12T10:00:00+00:00"
    full = await visits.post("/v1/visits", json={"uprn": uprn, "scheduled_for": went})
    assert (full.status_code, full.json()["kind"]) == (201, "full"), full.text
    reported = await visits.post(
        f"/v1/visits/{full.json()['id']}/report", json=a_completed_report(went)
    )
    assert reported.status_code == 201, reported.text

    booked = await visits.post(
        "/v1/visits", json={"uprn": uprn, "scheduled_for": "2026-02-02T10:00:00+00:00"}
    )

    assert booked.status_code == 422, booked.text
    assert booked.json()["errors"][0]["field"] == "channel"
