"""The days a visit may be booked for (ADR 0076): no more than 24 months ahead, in the
past no further back than a report may be dated (the report window, 10 years), and a
rebooking after the attempt that got no access. A day outside is a 422 naming
`scheduled_for`, nothing kept or published; the rebooked visit's report (one-shot or a
draft) cannot say the officer was there before that attempt either. The moments are far
from each bound (hours, days or years), so the time of day the test runs at does not
matter."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from hearth_kit.db import Database
from services.visits.tests.factories import a_household, a_uprn, a_visit, event_names, outbox_rows
from services.visits.tests.reports.test_drafts import complete_draft, piece, save, submit

NOW = datetime.now(UTC)


def moment(**delta: float) -> str:
    return (NOW + timedelta(**delta)).isoformat()


@pytest.mark.parametrize(
    "scheduled_for",
    [
        pytest.param(moment(days=800), id="over-24-months-ahead"),
        pytest.param(moment(days=365 * 100), id="a-century-on"),
        pytest.param(moment(days=-365 * 11), id="further-back-than-a-report"),
    ],
)
async def test_a_visit_booked_outside_its_window_is_refused_naming_scheduled_for(
    visits: httpx.AsyncClient, visits_database: Database, scheduled_for: str
) -> None:
    uprn = a_uprn()
    response = await visits.post("/v1/visits", json=a_visit(uprn, scheduled_for=scheduled_for))
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["field"] == "scheduled_for"
    assert (await visits.get("/v1/visits", params={"uprn": uprn})).json()["items"] == []
    assert await outbox_rows(visits_database, uprn) == []


@pytest.mark.parametrize(
    "scheduled_for",
    [
        pytest.param(moment(days=700), id="23-months-ahead"),
        pytest.param(moment(days=-365 * 9), id="made-9-years-ago"),
    ],
)
async def test_a_visit_booked_inside_its_window_is_kept(
    visits: httpx.AsyncClient, scheduled_for: str
) -> None:
    response = await visits.post("/v1/visits", json=a_visit(a_uprn(), scheduled_for=scheduled_for))
    assert response.status_code == 201, response.text


async def test_a_rebooking_is_for_after_the_attempt_that_got_no_access(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    uprn = a_uprn()
    first = await visits.post("/v1/visits", json=a_visit(uprn, scheduled_for=moment(days=-3)))
    assert first.status_code == 201, first.text
    first_id = first.json()["id"]
    reported = await visits.post(
        f"/v1/visits/{first_id}/report",
        json={
            "outcome": "no_access",
            "no_access_reason": "no_answer",
            "visited_at": moment(days=-2),
        },
    )
    assert reported.status_code == 201, reported.text

    before = await visits.post(
        "/v1/visits",
        json=a_visit(uprn, scheduled_for=moment(days=-3), rebooked_from_visit_id=first_id),
    )
    assert before.status_code == 422, before.text
    assert before.json()["field"] == "scheduled_for"
    assert event_names(await outbox_rows(visits_database, uprn)) == [
        "visit-scheduled",
        "visit-no-access",
    ]

    after = await visits.post(
        "/v1/visits",
        json=a_visit(uprn, scheduled_for=moment(days=7), rebooked_from_visit_id=first_id),
    )
    assert after.status_code == 201, after.text
    assert after.json()["attempt_number"] == 2


async def a_rebooking(visits: httpx.AsyncClient, uprn: str) -> str:
    """A visit that got no access two days ago, rebooked for a week on: the rebooking."""
    first = await visits.post("/v1/visits", json=a_visit(uprn, scheduled_for=moment(days=-3)))
    no_access = {"outcome": "no_access", "no_access_reason": "no_answer"}
    reported = await visits.post(
        f"/v1/visits/{first.json()['id']}/report", json=no_access | {"visited_at": moment(days=-2)}
    )
    assert reported.status_code == 201, reported.text
    rebooked = await visits.post(
        "/v1/visits",
        json=a_visit(uprn, scheduled_for=moment(days=7), rebooked_from_visit_id=first.json()["id"]),
    )
    assert rebooked.status_code == 201, rebooked.text
    rebooking_id: str = rebooked.json()["id"]
    return rebooking_id


async def test_a_rebooked_visit_is_reported_after_the_attempt_it_follows(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    """The household brought the visit forward (reported before its booked day): fine;
    dated before the attempt that got no access: a 422 naming visited_at, nothing kept."""
    uprn = a_uprn()
    visit_id = await a_rebooking(visits, uprn)
    report = {"outcome": "completed", "household_confirmed": True, "household": a_household()}
    before = await visits.post(
        f"/v1/visits/{visit_id}/report", json=report | {"visited_at": moment(days=-2, hours=-1)}
    )
    assert before.status_code == 422, before.text
    assert before.json()["field"] == "visited_at"
    assert (await visits.get(f"/v1/visits/{visit_id}")).json()["status"] == "scheduled"
    after = await visits.post(
        f"/v1/visits/{visit_id}/report", json=report | {"visited_at": moment(hours=-1)}
    )
    assert after.status_code == 201, after.text


async def test_a_rebooked_visits_draft_is_dated_after_the_attempt_it_follows(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    uprn = a_uprn()
    visit_id = await a_rebooking(visits, uprn)
    pieces = [p for p in complete_draft() if p["section"] != "visit"]
    early = piece("visit", "visit", 1, {"visited_at": moment(days=-2, hours=-1)})
    assert (await save(visits, visit_id, [*pieces, early])).status_code == 200
    refused = await submit(visits, visit_id, "early-" + visit_id)
    assert refused.status_code == 422, refused.text
    assert refused.json()["field"] == "draft.visit.visited_at"
    assert "visit-completed" not in event_names(await outbox_rows(visits_database, uprn))
    later = piece("visit", "visit", 2, {"visited_at": moment(hours=-1)})
    assert (await save(visits, visit_id, [later])).status_code == 200
    accepted = await submit(visits, visit_id, "later-" + visit_id)
    assert accepted.status_code == 201, accepted.text
