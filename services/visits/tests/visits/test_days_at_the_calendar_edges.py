"""Moments and days at the ends of the calendar: a clear 422 naming the field, nothing
kept, never a 500 (ADR 0072). A visit scheduled for 9999-12-31 looked for programme
dates a window either side of its day, beyond the calendar; the figures of a period at
its end counted the day after."""

from __future__ import annotations

import httpx
import pytest

from services.visits.tests.factories import a_uprn, a_visit


@pytest.mark.parametrize(
    "scheduled_for",
    [
        "9999-12-31T23:59:59Z",
        "9999-12-31T10:00:00+14:00",
        "0001-01-01T00:00:00Z",
        "0001-01-01T23:00:00+14:00",
    ],
)
async def test_a_visit_scheduled_outside_years_1000_to_8999_is_refused_naming_scheduled_for(
    visits: httpx.AsyncClient, scheduled_for: str
) -> None:
    uprn = a_uprn()
    response = await visits.post("/v1/visits", json=a_visit(uprn, scheduled_for=scheduled_for))
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == ["scheduled_for"]
    listed = await visits.get("/v1/visits", params={"uprn": uprn})
    assert listed.json()["items"] == []


@pytest.mark.parametrize(
    ("first", "last", "field"),
    [("8999-12-31", "9999-12-31", "to"), ("0001-01-01", "1000-01-01", "from")],
)
async def test_figures_of_a_period_at_the_calendar_edges_are_refused_naming_the_day(
    visits: httpx.AsyncClient, first: str, last: str, field: str
) -> None:
    response = await visits.get("/v1/visits/figures", params={"from": first, "to": last})
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == [field]
