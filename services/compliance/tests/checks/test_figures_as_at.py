"""The as-at measures of `GET /v1/compliance/figures` (BS01, the overdue bands, due in
30/60/90 days) count the check each home held at the end of `to`, not the checks open
now: a record dated after `to` does not change a past period's figures, and one dated
on or before it does. Its own database (module scope), so the counts are exact."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import update
from sqlmodel import col

from compliance.models import Check
from hearth_kit.db import Database
from services.compliance.tests.factories import a_record, london_today

LONG_AGO = datetime.now(UTC) - timedelta(days=400)


async def a_gas_home_expiring(compliance: httpx.AsyncClient, expires_on: date) -> str:
    uprn = str(random.randint(10**9, 10**12 - 1))
    body = {
        "uprn": uprn,
        "address_line_1": "3 Well Street",
        "town": "London",
        "postcode": "E9 7PX",
        "property_type": "house",
        "heating_fuel": "gas",
        "gas_supply": "live",
        "gas_certificate_expires_on": expires_on.isoformat(),
        "electrical_certificate_expires_on": (london_today() + timedelta(days=700)).isoformat(),
    }
    assert (await compliance.post("/v1/homes", json=body)).status_code == 201
    return uprn


async def a_gas_home_registered_long_ago(
    compliance: httpx.AsyncClient, database: Database, gas_expires_on: date
) -> str:
    """A gas home whose checks the programme has held for 400 days."""
    uprn = await a_gas_home_expiring(compliance, gas_expires_on)
    async with database.sessionmaker() as session, session.begin():
        await session.execute(
            update(Check).where(col(Check.uprn) == uprn).values(created_at=LONG_AGO)
        )
    return uprn


async def measures_as_at(compliance: httpx.AsyncClient, to: date) -> dict[str, Any]:
    response = await compliance.get("/v1/compliance/figures", params={"to": to.isoformat()})
    assert response.status_code == 200, response.text
    body = response.json()
    found = {m["code"]: (m["numerator"], m["denominator"]) for m in body["measures"]}
    found |= {m["code"]: m["numerator"] for m in body["breakdowns"]["overdue_by_age"]}
    return found


async def test_a_record_dated_after_to_leaves_the_past_figures_as_they_were(
    compliance: httpx.AsyncClient, compliance_database: Database
) -> None:
    to = london_today() - timedelta(days=10)
    uprn = await a_gas_home_registered_long_ago(
        compliance, compliance_database, london_today() - timedelta(days=100)
    )
    before = await measures_as_at(compliance, to)
    today_before = await measures_as_at(compliance, london_today())
    recorded = await compliance.post(
        "/v1/gas-safety-records", json=a_record(uprn, london_today() - timedelta(days=5))
    )
    assert recorded.status_code == 201, recorded.text
    assert await measures_as_at(compliance, to) == before
    today = await measures_as_at(compliance, london_today())
    assert today["BS01"] == (today_before["BS01"][0] + 1, today_before["BS01"][1])
    assert today["compliance.overdue"][0] == today_before["compliance.overdue"][0] - 1


async def test_a_home_overdue_at_to_is_counted_out_of_date_then(
    compliance: httpx.AsyncClient, compliance_database: Database
) -> None:
    to = london_today() - timedelta(days=10)
    before = await measures_as_at(compliance, to)
    await a_gas_home_registered_long_ago(
        compliance, compliance_database, london_today() - timedelta(days=100)
    )
    after = await measures_as_at(compliance, to)
    assert after["BS01"] == (before["BS01"][0], before["BS01"][1] + 1)
    band = "compliance.overdue.31_90_days"
    assert after[band] == before[band] + 1


async def test_a_record_dated_on_or_before_to_counts_the_home_in_date_then(
    compliance: httpx.AsyncClient, compliance_database: Database
) -> None:
    to = london_today() - timedelta(days=10)
    uprn = await a_gas_home_registered_long_ago(
        compliance, compliance_database, london_today() - timedelta(days=40)
    )
    bs01_before = (await measures_as_at(compliance, to))["BS01"]
    recorded = await compliance.post(
        "/v1/gas-safety-records", json=a_record(uprn, london_today() - timedelta(days=20))
    )
    assert recorded.status_code == 201, recorded.text
    after = await measures_as_at(compliance, to)
    assert after["BS01"] == (bs01_before[0] + 1, bs01_before[1])


async def test_due_soon_counts_from_to_and_a_home_registered_after_to_is_not_counted(
    compliance: httpx.AsyncClient, compliance_database: Database
) -> None:
    to = london_today() - timedelta(days=30)
    before = await measures_as_at(compliance, to)
    await a_gas_home_registered_long_ago(
        compliance, compliance_database, london_today() - timedelta(days=5)
    )
    registered_today = str(random.randint(10**9, 10**12 - 1))
    body = {
        "uprn": registered_today,
        "address_line_1": "4 Well Street",
        "town": "London",
        "postcode": "E9 7PX",
        "property_type": "house",
        "heating_fuel": "gas",
        "gas_supply": "live",
        "gas_certificate_expires_on": (london_today() - timedelta(days=5)).isoformat(),
    }
    assert (await compliance.post("/v1/homes", json=body)).status_code == 201
    after = await measures_as_at(compliance, to)
    # due 25 days after `to`: in the 30-day count as at `to`, and in date then
    assert after["compliance.due_in_30_days"][0] == before["compliance.due_in_30_days"][0] + 1
    assert after["BS01"] == (before["BS01"][0] + 1, before["BS01"][1] + 1)
