"""Through the gateway on real income, engagement and compliance (Kafka between them):
a tenancy recorded ahead is withdrawn before its first day (ADR 0111), and what its
tenancy-started did is undone: engagement's resident no longer lives in the home, and
compliance's first-day alarm check is withdrawn. The home is free: the next household
starts before the withdrawn one would have, and its own alarm check is raised."""

from __future__ import annotations

import random
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from gateway.auth import issue_development_token
from hearth_kit.working_days import london_day
from tests.flows.test_gateway_households import start_tenancy
from tests.harness.events import eventually
from tests.harness.infra import DatabaseFactory
from tests.harness.platform import Platform, run_platform

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
async def platform(kafka: str, databases: DatabaseFactory) -> AsyncIterator[Platform]:
    services = ("income", "engagement", "compliance")
    async with run_platform(kafka, databases, services=services) as running:
        yield running


async def open_alarm_checks(staff: httpx.AsyncClient, uprn: str) -> list[dict[str, Any]]:
    response = await staff.get(f"/v1/compliance/homes/{uprn}")
    if response.status_code != 200:
        return []
    return [
        check
        for check in response.json()["checks"]
        if check["check_type"] == "smoke_co_alarms" and check["completed_at"] is None
    ]


async def test_a_tenancy_withdrawn_before_its_first_day_is_undone_downstream(
    platform: Platform,
) -> None:
    token = issue_development_token(role="staff", subject="lettings-officer-1")
    async with platform.client("gateway", headers={"Authorization": f"Bearer {token}"}) as staff:
        uprn = str(random.randint(10**9, 10**12 - 1))
        home = await staff.post(
            "/v1/homes",
            json={
                "uprn": uprn,
                "address_line_1": "2 Mare Street",
                "town": "London",
                "postcode": "E8 4RP",
                "property_type": "flat",
                "heating_fuel": "electric",
                "gas_supply": "none",
            },
        )
        assert home.status_code == 201, home.text
        today = london_day(datetime.now(UTC))
        offered_to, next_household = str(uuid.uuid4()), str(uuid.uuid4())
        offer = await start_tenancy(
            staff, uprn, offered_to, today + timedelta(days=30), "introductory"
        )

        async def announced() -> bool:
            resident = await staff.get(f"/v1/residents/{offered_to}")
            return (
                resident.status_code == 200
                and resident.json()["tenancy_id"] == offer["id"]
                and len(await open_alarm_checks(staff, uprn)) == 1
            )

        assert await eventually(announced, timeout=30)

        withdrawn = await staff.post(
            f"/v1/tenancies/{offer['id']}/withdrawal",
            headers={"Idempotency-Key": f"withdraw-{offer['id']}"},
        )
        assert withdrawn.status_code == 200, withdrawn.text
        assert withdrawn.json()["status"] == "withdrawn"

        async def undone() -> bool:
            resident = (await staff.get(f"/v1/residents/{offered_to}")).json()
            return bool(resident["tenancy_ended_on"]) and not await open_alarm_checks(staff, uprn)

        assert await eventually(undone, timeout=30)

        sooner = today + timedelta(days=10)
        nxt = await start_tenancy(staff, uprn, next_household, sooner, "introductory")

        async def next_one_raised() -> bool:
            resident = await staff.get(f"/v1/residents/{next_household}")
            return resident.status_code == 200 and len(await open_alarm_checks(staff, uprn)) == 1

        assert await eventually(next_one_raised, timeout=30)
        assert (await staff.get(f"/v1/residents/{next_household}")).json()["tenancy_id"] == nxt[
            "id"
        ]
