"""A visit's no access is the household's no-access history only when the household did
not let the officer in: a full visit, nobody answered or was in, entry refused on the day,
or the appointment cancelled late. A lite call that went unanswered lets nobody in or
out; unsafe to enter is the officer's call; other says nothing about whose side it was.
Compliance holds the same visits against a household, and no others."""

from __future__ import annotations

import uuid
from datetime import date

import httpx

from hearth_kit.db import Database
from services.visits.tests.factories import a_uprn, visited_in_full
from services.visits.tests.test_handlers import handle, registered, started

AT = "2026-10-05T10:00:00+00:00"


async def no_access(visits: httpx.AsyncClient, uprn: str, reason: str, **booking: str) -> None:
    booked = await visits.post(
        "/v1/visits", json={"uprn": uprn, "kind": "full", "scheduled_for": AT, **booking}
    )
    assert booked.status_code == 201, booked.text
    reported = await visits.post(
        f"/v1/visits/{booked.json()['id']}/report",
        json={"outcome": "no_access", "no_access_reason": reason, "visited_at": AT},
    )
    assert reported.status_code == 201, reported.text


async def no_access_visits(visits: httpx.AsyncClient, uprn: str) -> int:
    priority = (await visits.get(f"/v1/programme/homes/{uprn}")).json()
    counted: int = priority["factors"]["no_access_visits"]
    return counted


async def test_only_the_household_not_letting_the_officer_in_is_no_access_history(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    uprn = a_uprn()
    await handle(visits_database, registered(uprn))
    await handle(visits_database, started(uprn, uuid.uuid4(), date(2015, 2, 2), "secure"))
    await visited_in_full(visits, uprn)  # a lite visit is offered after a full one
    await no_access(visits, uprn, "no_answer", kind="lite", channel="phone")
    await no_access(visits, uprn, "unsafe_to_enter")
    await no_access(visits, uprn, "other")

    assert await no_access_visits(visits, uprn) == 0

    for reason in ("no_answer", "resident_away", "entry_refused_on_the_day"):
        await no_access(visits, uprn, reason)
    assert await no_access_visits(visits, uprn) == 3
