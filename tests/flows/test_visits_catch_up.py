"""The visits service's projections catch up after it was down: what compliance,
income and engagement published meanwhile reaches the programme once it is back, and
an ended tenancy stays ended."""

from __future__ import annotations

import random
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from gateway.auth import issue_development_token
from hearth_kit.db import Database
from hearth_kit.working_days import london_day
from tests.harness.events import eventually
from tests.harness.infra import DatabaseFactory
from tests.harness.platform import Platform, run_platform, start_service, stop
from visits.models import TenancyRecord

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
async def platform(kafka: str, databases: DatabaseFactory) -> AsyncIterator[Platform]:
    async with run_platform(
        kafka, databases, services=("compliance", "income", "engagement", "visits")
    ) as running:
        yield running


def a_uprn() -> str:
    return str(random.randint(10**9, 10**12 - 1))


async def test_the_programme_catches_up_after_visits_was_down(
    platform: Platform,
) -> None:
    token = issue_development_token(role="staff", subject="officer-1")
    auth = {"Authorization": f"Bearer {token}"}
    visits = platform.service("visits")
    await stop(visits)
    uprn, ended_uprn = a_uprn(), a_uprn()
    async with platform.client("gateway", headers=auth) as gateway:
        for home in (uprn, ended_uprn):
            response = await gateway.post(
                "/v1/homes",
                json={
                    "uprn": home,
                    "address_line_1": "9 Fulford Road",
                    "town": "York",
                    "postcode": "YO10 4EH",
                    "property_type": "house",
                    "heating_fuel": "electric",
                    "gas_supply": "none",
                },
            )
            assert response.status_code == 201, response.text
        tenancies: dict[str, Any] = {}
        for home in (uprn, ended_uprn):
            tenancy = await gateway.post(
                "/v1/tenancies",
                json={
                    "tenancy_reference": f"T{home[-8:]}",
                    "uprn": home,
                    "tenants": [{"full_name": "Wilf Pocock"}],
                    "start_date": str(london_day(datetime.now(UTC)) - timedelta(days=20)),
                    "tenancy_type": "introductory",
                    "weekly_rent_pence": 9_900,
                },
            )
            assert tenancy.status_code == 201, tenancy.text
            tenancies[home] = tenancy.json()
    async with platform.client("income") as income:
        ended = await income.post(
            f"/v1/tenancies/{tenancies[ended_uprn]['id']}/end",
            json={"end_date": str(london_day(datetime.now(UTC))), "reason": "notice_given"},
        )
        assert ended.status_code == 200, ended.text
    back = await start_service("visits", platform.kafka, platform.namespace, visits.database_url)
    platform.apps["visits"] = back
    async with platform.client("visits") as client:

        async def ranked() -> dict[str, Any] | None:
            response = await client.get(f"/v1/programme/homes/{uprn}")
            if response.status_code != 200:
                return None
            body: dict[str, Any] = response.json()
            factors = {r["factor"] for r in body["reasons"]}
            wanted = {"no_annual_gas_visit", "new_or_introductory_tenancy"}
            return body if wanted <= factors else None

        home = await eventually(ranked, timeout=60)
        assert home["factors"]["no_annual_gas_visit"] is True
        ended_id = uuid.UUID(tenancies[ended_uprn]["id"])
        db = Database(back.database_url)
        try:

            async def ended_kept() -> TenancyRecord | None:
                async with db.sessionmaker() as session:
                    record = await session.get(TenancyRecord, ended_id)
                return record if record is not None and record.ended_on is not None else None

            assert await eventually(ended_kept, timeout=60)
        finally:
            await db.dispose()
        ended_programme = (await client.get(f"/v1/programme/homes/{ended_uprn}")).json()
        assert ended_programme["factors"]["new_or_introductory_tenancy"] is False
