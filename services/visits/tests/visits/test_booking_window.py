"""The days a visit may be booked for (ADR 0076): no more than 24 months ahead, in the
past no further back than a report may be dated (the report window, 10 years), and a
rebooking after the attempt that got no access. A day outside is a 422 naming
`scheduled_for`, nothing kept or published. The moments are far from each bound (days
or years), so the time of day the test runs at does not matter."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from hearth_kit.db import Database
from services.visits.tests.factories import a_uprn, a_visit, event_names, outbox_rows

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
