"""The figures of a period at the end of the calendar: a 422 naming the day, not a 500
from counting the day after it (ADR 0072)."""

from __future__ import annotations

import httpx
import pytest


@pytest.mark.parametrize(
    ("first", "last", "field"),
    [("8999-12-31", "9999-12-31", "to"), ("0001-01-01", "1000-01-01", "from")],
)
async def test_a_period_at_the_calendar_edge_is_refused_naming_the_day(
    repairs: httpx.AsyncClient, first: str, last: str, field: str
) -> None:
    response = await repairs.get("/v1/repairs/figures", params={"from": first, "to": last})
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == [field]
