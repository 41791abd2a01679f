"""Days at the ends of the calendar: a clear 422 naming the field, nothing kept, never a
500 (ADR 0072). A tenancy starting 9999-12-01 ended its trial in year 10000, and the
figures of a period at either end counted a rent year Python has no date for."""

from __future__ import annotations

import uuid

import httpx
import pytest

from hearth_kit.db import Database
from services.income.tests.tenancies.test_endpoints import outbox_count, tenancy_count


@pytest.mark.parametrize("start_date", ["9999-12-01", "9999-12-31", "0001-01-01", "0999-12-31"])
async def test_a_tenancy_starting_outside_years_1000_to_8999_is_refused_naming_start_date(
    income: httpx.AsyncClient, income_database: Database, start_date: str
) -> None:
    uprn = str(10**11 + uuid.uuid4().int % (9 * 10**11))
    response = await income.post(
        "/v1/tenancies",
        json={
            "tenancy_reference": f"T-{uuid.uuid4().hex[:12].upper()}",
            "uprn": uprn,
            "tenants": [{"full_name": "Sam Okafor", "person_id": str(uuid.uuid4())}],
            "start_date": start_date,
            "tenancy_type": "introductory",
            "weekly_rent_pence": 10_000,
        },
    )
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == ["start_date"]
    assert start_date not in response.text
    assert await tenancy_count(income_database, uprn) == 0
    assert await outbox_count(income_database, uprn) == 0


@pytest.mark.parametrize(
    ("first", "last", "field"),
    [("0001-01-01", "1000-01-01", "from"), ("8999-12-31", "9999-01-01", "to")],
)
async def test_figures_of_a_period_at_the_calendar_edges_are_refused_naming_the_day(
    income: httpx.AsyncClient, first: str, last: str, field: str
) -> None:
    response = await income.get("/v1/income/figures", params={"from": first, "to": last})
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == [field]
