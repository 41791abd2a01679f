"""A tenancy's start and a rent change may be ahead, by a year at most (ADR 0075's
amendment): further is a year typed wrong (2062 for 2026), refused with a 422 naming the
field, nothing kept. The calendar's own bound (year 8999, ADR 0072) let it through."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest

from hearth_kit.db import Database
from hearth_kit.problems import Unprocessable
from hearth_kit.working_days import london_day
from income.rents.schemas import RentChangeCreate
from income.rents.service import rent_change_service
from income.tenancies.schemas import TenancyCreate
from income.tenancies.service import tenancy_service
from services.income.tests.tenancies.test_endpoints import outbox_count, tenancy_count

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)
"""Midday in London on Tuesday 1 December 2026: a year on is 1 December 2027."""


def new_tenancy(start_date: date) -> TenancyCreate:
    return TenancyCreate.model_validate(
        {
            "tenancy_reference": f"T-{uuid.uuid4().hex[:12].upper()}",
            "uprn": str(10**11 + uuid.uuid4().int % (9 * 10**11)),
            "tenants": [{"full_name": "Sam Okafor", "person_id": str(uuid.uuid4())}],
            "start_date": start_date.isoformat(),
            "tenancy_type": "introductory",
            "weekly_rent_pence": 10_000,
        }
    )


async def test_a_tenancy_starts_at_most_a_year_ahead(income_database: Database) -> None:
    too_far = new_tenancy(date(2027, 12, 2))
    async with income_database.sessionmaker() as session, session.begin():
        with pytest.raises(Unprocessable) as refused:
            await tenancy_service.start(session, too_far, NOW)
        assert refused.value.extensions["field"] == "start_date"
        started = await tenancy_service.start(session, new_tenancy(date(2027, 12, 1)), NOW)
    assert started.start_date == date(2027, 12, 1)
    assert await tenancy_count(income_database, too_far.uprn) == 0


async def test_a_start_a_year_typed_wrong_is_refused_through_the_api(
    income: httpx.AsyncClient, income_database: Database
) -> None:
    body = new_tenancy(london_day(datetime.now(UTC)) + timedelta(days=400))
    response = await income.post("/v1/tenancies", json=body.model_dump(mode="json"))
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == ["start_date"]
    assert await tenancy_count(income_database, body.uprn) == 0
    assert await outbox_count(income_database, body.uprn) == 0


async def test_a_rent_change_is_recorded_at_most_a_year_ahead(
    income_database: Database, start_tenancy: Any
) -> None:
    """The last Monday on or before the same day a year on is within the year; the Monday
    after it is not. From the day the test runs, not NOW: the tenancy is started through
    the API, and rent is charged for its weeks up to today, so a fixed Monday would be
    refused as charged once its week came."""
    now = datetime.now(UTC)
    today = london_day(now)
    try:
        a_year_on = today.replace(year=today.year + 1)
    except ValueError:  # a 29 February's year on is 28 February
        a_year_on = date(today.year + 1, 2, 28)
    within = a_year_on - timedelta(days=a_year_on.weekday())
    beyond = within + timedelta(days=7)
    tenancy_id = uuid.UUID((await start_tenancy(start_date="2025-04-07"))["id"])
    async with income_database.sessionmaker() as session, session.begin():
        with pytest.raises(Unprocessable) as refused:
            await rent_change_service.change(
                session,
                tenancy_id,
                RentChangeCreate(
                    weekly_rent_pence=11_000,
                    weekly_service_charge_pence=0,
                    effective_from=beyond,
                ),
                now,
            )
        assert refused.value.extensions["field"] == "effective_from"
        made = await rent_change_service.change(
            session,
            tenancy_id,
            RentChangeCreate(
                weekly_rent_pence=11_000,
                weekly_service_charge_pence=0,
                effective_from=within,
            ),
            now,
        )
    assert made.effective_from == within


async def test_a_rent_change_a_year_typed_wrong_is_refused_through_the_api(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    tenancy = await start_tenancy(start_date="2025-04-07")
    far = london_day(datetime.now(UTC)) + timedelta(days=400)
    monday = far + timedelta(days=-far.weekday() % 7)
    response = await income.post(
        f"/v1/tenancies/{tenancy['id']}/rent-change",
        json={
            "weekly_rent_pence": 11_000,
            "weekly_service_charge_pence": 0,
            "effective_from": monday.isoformat(),
        },
    )
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == ["effective_from"]
    changes = await income.get(f"/v1/tenancies/{tenancy['id']}/rent-changes")
    assert changes.status_code == 200, changes.text
    assert changes.json()["items"] == []
