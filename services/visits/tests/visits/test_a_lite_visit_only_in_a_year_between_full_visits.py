"""A lite visit, by phone or video, is offered every other year (DOMAIN.md; ADR 0131): it
is booked only where the programme's next visit for the visit's day is lite. A home never
given a full visit, or whose full visit has fallen due, is owed an officer in the home;
before, `kind: lite` was booked there as anywhere, the household was called instead of
visited and the programme counted a visit made. Refused naming `kind`, nothing kept or
published; the full visit is booked. Fixed past dates: the programme is worked out for
the visit's own day."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx

from hearth_kit.db import Database
from services.visits.tests.factories import a_uprn, outbox_rows
from services.visits.tests.test_handlers import handle, registered
from services.visits.tests.visits.test_a_full_visit_without_inventory import booked, by_one_shot


async def lite(visits: httpx.AsyncClient, uprn: str, at: str) -> httpx.Response:
    return await visits.post(
        "/v1/visits", json={"uprn": uprn, "kind": "lite", "channel": "phone", "scheduled_for": at}
    )


async def a_home(db: Database) -> str:
    uprn = a_uprn()
    await handle(db, registered(uprn, registered_at=datetime(2019, 1, 7, 9, tzinfo=UTC)))
    return uprn


async def test_a_home_never_given_a_full_visit_is_not_booked_a_lite_one(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    uprn = await a_home(visits_database)
    refused = await lite(visits, uprn, "2026-03-02T10:00:00+00:00")
    assert refused.status_code == 422, refused.text
    assert refused.json()["field"] == "kind"
    assert await outbox_rows(visits_database, uprn) == []
    assert (await visits.get("/v1/visits", params={"uprn": uprn})).json()["items"] == []
    await booked(visits, uprn, "2026-03-02T10:00:00+00:00")  # the full visit it is owed


async def test_a_lite_visit_in_the_year_after_a_full_one_and_not_once_the_full_is_due(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    uprn = await a_home(visits_database)
    await by_one_shot(
        visits,
        await booked(visits, uprn, "2024-06-03T10:00:00+00:00", stock_condition_survey=False),
        "2024-06-03T10:00:00+00:00",
    )
    # the year between full visits: a lite call is offered
    offered = await lite(visits, uprn, "2025-06-09T10:00:00+00:00")
    assert offered.status_code == 201, offered.text
    await by_one_shot(visits, offered.json()["id"], "2025-06-09T10:00:00+00:00")
    # two years on from the full visit, it is due again: an officer in the home
    before = await outbox_rows(visits_database, uprn)
    refused = await lite(visits, uprn, "2026-06-08T10:00:00+00:00")
    assert refused.status_code == 422, refused.text
    assert refused.json()["field"] == "kind"
    assert await outbox_rows(visits_database, uprn) == before
    programme = (await visits.get(f"/v1/programme/homes/{uprn}")).json()
    assert programme["next_visit_kind"] == "full"
