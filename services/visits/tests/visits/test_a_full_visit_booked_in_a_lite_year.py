"""A full visit booked in a year the programme offers a lite call is the stock condition
survey when a full visit then would be: none recorded, or the last five years old. The
officer is in the home either way; left as a plain full visit, the survey waited for the
next full visit the programme books, two years on. Fixed past dates: a full visit on
2 June 2025 (not the survey), so a lite call is next, by 2 June 2026."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx

from hearth_kit.db import Database
from services.visits.tests.factories import a_uprn
from services.visits.tests.test_handlers import handle, registered
from services.visits.tests.visits.test_a_full_visit_without_inventory import booked, by_one_shot

FULL_VISIT = "2025-06-02T10:00:00+00:00"
NEXT = "2026-12-10T10:00:00+00:00"


async def test_a_full_visit_booked_when_a_lite_one_is_next_is_the_survey_when_due(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    uprn = a_uprn()
    await handle(
        visits_database, registered(uprn, registered_at=datetime(2019, 1, 7, 9, tzinfo=UTC))
    )
    await by_one_shot(
        visits, await booked(visits, uprn, FULL_VISIT, stock_condition_survey=False), FULL_VISIT
    )
    programme = (await visits.get(f"/v1/programme/homes/{uprn}")).json()
    assert (programme["next_visit_kind"], programme["stock_condition_survey"]) == ("lite", False)

    full = (await visits.get(f"/v1/visits/{await booked(visits, uprn, NEXT)}")).json()
    told = (
        await visits.get(
            f"/v1/visits/{await booked(visits, uprn, NEXT, stock_condition_survey=False)}"
        )
    ).json()
    lite = await visits.post(
        "/v1/visits", json={"uprn": uprn, "kind": "lite", "channel": "phone", "scheduled_for": NEXT}
    )

    assert (full["kind"], full["stock_condition_survey"]) == ("full", True)
    assert told["stock_condition_survey"] is False  # the booking's word stands
    assert lite.json()["stock_condition_survey"] is False
