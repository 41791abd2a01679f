"""One household in a home on any day: a tenancy of a home starts after the last day of
the home's previous tenancy. A start on or before it (a date typed wrong) was accepted
once the previous tenancy had ended: both households were charged rent for the days
between, and a recharge raised on one of them went to the new household (the one whose
start was latest, adr/0036) instead of the one living there. Now a 422 naming
start_date, nothing kept or published."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from hearth_kit.db import Database
from services.income.tests.tenancies.test_endpoints import outbox_count, tenancy_count


async def _ended_on_30_june(income: httpx.AsyncClient, start_tenancy: Any) -> dict[str, Any]:
    """A tenancy from 5 January 2026 ended on 30 June 2026: the home's previous one."""
    previous: dict[str, Any] = await start_tenancy(start_date="2026-01-05")
    ended = await income.post(
        f"/v1/tenancies/{previous['id']}/end",
        json={"end_date": "2026-06-30", "reason": "notice_given"},
    )
    assert ended.status_code == 200, ended.text
    return previous


async def _next_tenancy(
    income: httpx.AsyncClient, previous: dict[str, Any], start_date: str
) -> httpx.Response:
    """POST /v1/tenancies for the next household of the previous tenancy's home."""
    return await income.post(
        "/v1/tenancies",
        json={
            "tenancy_reference": f"{previous['tenancy_reference']}-NEXT",
            "uprn": previous["uprn"],
            "tenants": [{"full_name": "Ada Next"}],
            "start_date": start_date,
            "tenancy_type": "secure",
            "weekly_rent_pence": 10_000,
        },
    )


@pytest.mark.parametrize("start_date", ["2026-06-30", "2026-06-01", "2026-01-05", "2025-12-01"])
async def test_a_tenancy_starting_by_the_previous_ones_last_day_is_refused(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any, start_date: str
) -> None:
    previous = await _ended_on_30_june(income, start_tenancy)
    published = await outbox_count(income_database, previous["uprn"])

    refused = await _next_tenancy(income, previous, start_date)

    assert refused.status_code == 422, refused.text
    assert [e["field"] for e in refused.json()["errors"]] == ["start_date"]
    assert "2026-06-30" in refused.json()["detail"]
    assert await tenancy_count(income_database, previous["uprn"]) == 1
    assert await outbox_count(income_database, previous["uprn"]) == published


async def test_a_tenancy_starts_the_day_after_the_previous_ones_last_day(
    income: httpx.AsyncClient, start_tenancy: Any
) -> None:
    previous = await _ended_on_30_june(income, start_tenancy)
    started = await _next_tenancy(income, previous, "2026-07-01")
    assert started.status_code == 201, started.text
