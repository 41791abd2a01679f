"""The figures for a landlord's reporting year, 1 April 2024 to 31 March 2025, count
London days: the year starts at 23:00 UTC on 31 March 2024 (British Summer Time began
that morning) and ends at 23:00 UTC on 31 March 2025 (it began on the 30th). CH01 counts
complaints by when they were received, CH02 by when they were answered, TP01 to TP12
perception responses by when they were given. Fixed past dates."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator

import httpx
import pytest

from tests.harness.infra import DatabaseFactory
from tests.harness.service import migrated_database, service_api

BEFORE_THE_YEAR = "2024-03-31T22:59:59+00:00"  # 23:59:59 on 31 March 2024 in London
FIRST_MOMENT = "2024-03-31T23:00:00+00:00"  # midnight starting 1 April 2024 in London
LAST_MOMENT = "2025-03-31T22:59:59+00:00"  # 23:59:59 on 31 March 2025 in London
AFTER_THE_YEAR = "2025-03-31T23:00:00+00:00"  # midnight starting 1 April 2025 in London


@pytest.fixture(scope="module")
async def fresh(databases: DatabaseFactory) -> AsyncIterator[httpx.AsyncClient]:
    """Figures count everything in the database, so this module has its own."""
    url = await migrated_database(databases, "engagement")
    async with service_api("engagement", url) as client:
        yield client


async def received(client: httpx.AsyncClient, received_at: str) -> str:
    created = await client.post(
        "/v1/complaints",
        json={
            "uprn": str(random.randint(10**9, 10**12 - 1)),
            "category": "repairs",
            "medium": "phone",
            "summary": "The boiler was left unrepaired for three weeks",
            "received_at": received_at,
        },
    )
    assert created.status_code == 201, created.text
    complaint_id: str = created.json()["id"]
    return complaint_id


async def answered(client: httpx.AsyncClient, responded_at: str) -> None:
    complaint_id = await received(client, "2025-03-20T10:00:00+00:00")
    acknowledged = await client.post(
        f"/v1/complaints/{complaint_id}/acknowledge",
        json={"acknowledged_at": "2025-03-21T10:00:00+00:00", "handler": "Hana One"},
    )
    assert acknowledged.status_code == 200, acknowledged.text
    response = await client.post(
        f"/v1/complaints/{complaint_id}/respond", json={"responded_at": responded_at}
    )
    assert response.status_code == 200, response.text


async def perception(client: httpx.AsyncClient, responded_at: str, rating: str) -> None:
    response = await client.post(
        "/v1/surveys/responses",
        json={
            "survey": "perception",
            "uprn": str(random.randint(10**9, 10**12 - 1)),
            "answers": [{"question": "tp01_overall", "rating": rating}],
            "responded_at": responded_at,
        },
    )
    assert response.status_code == 201, response.text


async def test_the_reporting_year_is_counted_in_london_days(fresh: httpx.AsyncClient) -> None:
    await received(fresh, BEFORE_THE_YEAR)
    await received(fresh, FIRST_MOMENT)
    await received(fresh, "2024-03-31T23:30:00+00:00")  # 00:30 on 1 April 2024 in London
    await answered(fresh, LAST_MOMENT)  # received 20 March 2025: in CH01 and CH02
    await answered(fresh, AFTER_THE_YEAR)  # received 20 March 2025: in CH01 only
    await received(fresh, AFTER_THE_YEAR)
    await perception(fresh, BEFORE_THE_YEAR, "very_dissatisfied")
    await perception(fresh, FIRST_MOMENT, "very_satisfied")
    await perception(fresh, LAST_MOMENT, "fairly_dissatisfied")
    await perception(fresh, AFTER_THE_YEAR, "very_satisfied")
    figures = await fresh.get(
        "/v1/engagement/figures", params={"from": "2024-04-01", "to": "2025-03-31"}
    )
    assert figures.status_code == 200, figures.text
    measures = {m["code"]: m for m in figures.json()["measures"]}
    assert measures["CH01.1"]["numerator"] == 4
    assert (measures["CH02.1"]["numerator"], measures["CH02.1"]["denominator"]) == (1, 1)
    assert (measures["TP01"]["numerator"], measures["TP01"]["denominator"]) == (1, 2)
