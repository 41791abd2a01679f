"""The one-shot report carries the household's details, as a draft's household piece
does (DOMAIN.md: a visit report holds resident and household details confirmed or
corrected). The same rules (a resident of the home visited; a completed visit only) and
the same event: resident-details-confirmed with the visit's tenancy, the household of
the visit's day (ADR 0096), dated visited_at. A completed visit's report holds them: one
without is refused (ADR 0146)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

import httpx

from hearth_kit.db import Database
from services.visits.tests.factories import (
    JUST_VISITED,
    a_household,
    a_repair,
    a_uprn,
    event_names,
    outbox_rows,
)
from services.visits.tests.test_handlers import handle, registered, resident, started


def household(resident_id: uuid.UUID, **overrides: object) -> dict[str, object]:
    return {
        "resident_id": str(resident_id),
        "household_size": 2,
        "corrected": ["language"],
        "vulnerability_consent": True,
        **overrides,
    }


async def booked(visits: httpx.AsyncClient, uprn: str) -> str:
    response = await visits.post(
        "/v1/visits", json={"uprn": uprn, "kind": "full", "scheduled_for": JUST_VISITED}
    )
    assert response.status_code == 201, response.text
    visit_id: str = response.json()["id"]
    return visit_id


async def report(visits: httpx.AsyncClient, visit_id: str, **fields: object) -> httpx.Response:
    """A one-shot report, completed unless `fields` say otherwise; a completed one with the
    household's details (a_household's) unless `fields` give them (ADR 0146)."""
    body: dict[str, object] = {"outcome": "completed", "visited_at": JUST_VISITED, **fields}
    if body["outcome"] == "completed":
        body.setdefault("household", a_household())
    return await visits.post(
        f"/v1/visits/{visit_id}/report", json=body, headers={"Idempotency-Key": str(uuid.uuid4())}
    )


async def test_the_household_confirmed_at_a_one_shot_report_is_kept_and_announced(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    uprn, tenancy_id, tenant = a_uprn(), uuid.uuid4(), uuid.uuid4()
    await handle(visits_database, registered(uprn))
    await handle(visits_database, started(uprn, tenancy_id, date(2026, 6, 1), "secure"))
    await handle(visits_database, resident(uprn, tenancy_id, resident_id=tenant))
    visit_id = await booked(visits, uprn)

    response = await report(visits, visit_id, household=household(tenant))

    assert response.status_code == 201, response.text
    visit = response.json()
    assert visit["household_confirmed"] is True
    assert visit["resident_id"] == str(tenant)
    assert visit["household_size"] == 2
    assert visit["details_corrected"] == ["language"]
    assert visit["vulnerability_consent"] is True
    assert (await visits.get(f"/v1/visits/{visit_id}")).json()["resident_id"] == str(tenant)
    [confirmed] = [
        row["data"]
        for row in await outbox_rows(visits_database, uprn)
        if row["event_type"].endswith("resident-details-confirmed.v1")
    ]
    assert confirmed["resident_id"] == str(tenant)
    assert confirmed["tenancy_id"] == str(tenancy_id)
    assert confirmed["household_size"] == 2
    assert confirmed["corrected"] == ["language"]
    assert confirmed["vulnerability_consent"] is True
    assert datetime.fromisoformat(confirmed["confirmed_at"]) == datetime.fromisoformat(JUST_VISITED)


async def test_a_resident_of_another_home_cannot_confirm_it_in_one_shot(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    here, elsewhere, neighbour = a_uprn(), a_uprn(), uuid.uuid4()
    await handle(visits_database, resident(elsewhere, uuid.uuid4(), resident_id=neighbour))
    visit_id = await booked(visits, here)

    response = await report(visits, visit_id, household=household(neighbour))

    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "household.resident_id"
    assert elsewhere not in response.text  # where the resident lives stays private
    assert (await visits.get(f"/v1/visits/{visit_id}")).json()["status"] == "scheduled"
    assert event_names(await outbox_rows(visits_database, here)) == ["visit-scheduled"]


async def test_household_details_go_with_a_completed_visit_that_confirmed_them(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    uprn = a_uprn()
    visit_id = await booked(visits, uprn)

    no_access = await report(
        visits,
        visit_id,
        outcome="no_access",
        no_access_reason="no_answer",
        household=household(uuid.uuid4()),
    )
    unconfirmed = await report(
        visits, visit_id, household_confirmed=False, household=household(uuid.uuid4())
    )

    assert no_access.status_code == 422, no_access.text
    assert no_access.json()["errors"][0]["field"] == "household"
    assert unconfirmed.status_code == 422, unconfirmed.text
    assert unconfirmed.json()["errors"][0]["field"] == "household_confirmed"
    assert event_names(await outbox_rows(visits_database, uprn)) == ["visit-scheduled"]


async def test_a_completed_visits_report_without_the_household_is_refused_and_records_nothing(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    uprn = a_uprn()
    visit_id = await booked(visits, uprn)

    as_before = {"outcome": "completed", "visited_at": JUST_VISITED, "repairs_found": [a_repair()]}
    key = {"Idempotency-Key": f"report-{visit_id}"}

    left_out = await visits.post(f"/v1/visits/{visit_id}/report", json=as_before, headers=key)
    null = await report(visits, visit_id, household=None, household_confirmed=True)

    for refused in (left_out, null):
        assert refused.status_code == 422, refused.text
        assert refused.json()["errors"][0]["field"] == "household"
    visit = (await visits.get(f"/v1/visits/{visit_id}")).json()
    assert (visit["status"], visit["repairs_found"]) == ("scheduled", [])
    assert event_names(await outbox_rows(visits_database, uprn)) == ["visit-scheduled"]
    # a refused report keeps nothing under its key: the client sends it again, with them
    again = await visits.post(
        f"/v1/visits/{visit_id}/report",
        json=as_before | {"household": a_household()},
        headers=key,
    )
    assert again.status_code == 201, again.text


async def test_a_visit_that_did_not_go_ahead_is_reported_without_the_household(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    uprn = a_uprn()
    no_access, declined = await booked(visits, uprn), await booked(visits, uprn)

    not_in = await report(visits, no_access, outcome="no_access", no_access_reason="no_answer")
    not_wanted = await report(visits, declined, outcome="declined", decline_reason="not_wanted")

    assert not_in.status_code == not_wanted.status_code == 201, (not_in.text, not_wanted.text)
    assert (not_in.json()["resident_id"], not_wanted.json()["resident_id"]) == (None, None)
    assert "resident-details-confirmed" not in event_names(await outbox_rows(visits_database, uprn))
