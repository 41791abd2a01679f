"""The tenant's copy of a gas safety record over a real broker, through the gateway:
compliance's check-completed makes engagement send the household its copy, engagement's
tenant-copy-sent makes compliance stamp it sent (in time); a new tenancy in a home with
a current record gets its own copy before moving in (tenant-copy-requested), sent to its
tenant and stamped the same way."""

from __future__ import annotations

import os
import random
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest

from gateway.auth import issue_development_token
from hearth_contracts.events.compliance import retest_copy_id
from hearth_kit.working_days import london_day
from services.compliance.tests.factories import a_record
from tests.harness.events import eventually
from tests.harness.infra import DatabaseFactory
from tests.harness.platform import Platform, run_platform

pytestmark = pytest.mark.integration

MESSAGE_SWEEP = "HEARTH_ENGAGEMENT_MESSAGE_SWEEP_SECONDS"


@pytest.fixture(scope="module")
async def platform(kafka: str, databases: DatabaseFactory) -> AsyncIterator[Platform]:
    previous = os.environ.get(MESSAGE_SWEEP)
    os.environ[MESSAGE_SWEEP] = "1"  # the message job every second, not every 30
    try:
        async with run_platform(
            kafka, databases, services=("compliance", "income", "engagement")
        ) as running:
            yield running
    finally:
        if previous is None:
            os.environ.pop(MESSAGE_SWEEP, None)
        else:
            os.environ[MESSAGE_SWEEP] = previous


@pytest.fixture(scope="module")
async def staff(platform: Platform) -> AsyncIterator[httpx.AsyncClient]:
    token = issue_development_token(role="admin", subject="compliance-officer-2")
    async with platform.client("gateway", headers={"Authorization": f"Bearer {token}"}) as client:
        yield client


async def a_gas_home(staff: httpx.AsyncClient) -> str:
    uprn = str(random.randint(10**9, 10**12 - 1))
    home = await staff.post(
        "/v1/homes",
        json={
            "uprn": uprn,
            "address_line_1": "12 Mare Street",
            "town": "London",
            "postcode": "E8 4RP",
            "property_type": "flat",
            "heating_fuel": "gas",
            "gas_supply": "live",
            "gas_certificate_expires_on": (
                london_day(datetime.now(UTC)) + timedelta(days=30)
            ).isoformat(),
        },
    )
    assert home.status_code == 201, home.text
    return uprn


async def a_tenancy(staff: httpx.AsyncClient, uprn: str, start: date) -> dict[str, Any]:
    tenancy = await staff.post(
        "/v1/tenancies",
        json={
            "tenancy_reference": f"T{uprn[-8:]}",
            "uprn": uprn,
            "tenants": [{"full_name": "Grace Mensah"}],
            "start_date": start.isoformat(),
            "tenancy_type": "secure",
            "weekly_rent_pence": 10_500,
        },
    )
    assert tenancy.status_code == 201, tenancy.text
    body: dict[str, Any] = tenancy.json()

    async def resident() -> list[dict[str, Any]]:
        answer = await staff.get("/v1/residents", params={"uprn": uprn})
        items: list[dict[str, Any]] = answer.json().get("items", [])
        return items

    await eventually(resident, timeout=30)
    return body


async def a_gas_record(staff: httpx.AsyncClient, uprn: str, check_date: date) -> dict[str, Any]:
    record = await staff.post(
        "/v1/gas-safety-records",
        json=a_record(uprn, check_date, gas_safe_number="7654321"),
        headers={"Idempotency-Key": f"lgsr-{uprn}"},
    )
    assert record.status_code == 201, record.text
    body: dict[str, Any] = record.json()
    return body


async def copies_of(staff: httpx.AsyncClient, uprn: str) -> list[dict[str, Any]]:
    answer = await staff.get(f"/v1/compliance/homes/{uprn}")
    assert answer.status_code == 200, answer.text
    copies: list[dict[str, Any]] = answer.json()["tenant_copies"]
    return copies


async def test_the_households_copy_is_sent_by_engagement_and_stamped_in_time(
    staff: httpx.AsyncClient,
) -> None:
    uprn = await a_gas_home(staff)
    await a_tenancy(staff, uprn, london_day(datetime.now(UTC)) - timedelta(days=90))
    record = await a_gas_record(staff, uprn, london_day(datetime.now(UTC)))

    async def stamped() -> list[dict[str, Any]]:
        return [c for c in await copies_of(staff, uprn) if c["tenant_copy_sent_at"]]

    [copy] = await eventually(stamped, timeout=60)
    assert copy["id"] == record["check_id"]
    assert copy["tenancy_id"] is None
    assert copy["sent_on_time"] is True
    assert copy["standing"] == "sent_on_time"
    home = (await staff.get(f"/v1/compliance/homes/{uprn}")).json()
    [check] = [c for c in home["checks"] if c["id"] == record["check_id"]]
    assert check["tenant_copy_sent_at"] == copy["tenant_copy_sent_at"]
    assert check["tenant_copy_sent_on_time"] is True
    shown = (await staff.get(f"/v1/gas-safety-records/{record['id']}")).json()
    assert shown["tenant_copy_sent_on_time"] is True


async def test_a_same_day_retest_gets_its_own_copy_sent_and_stamped(
    staff: httpx.AsyncClient,
) -> None:
    """A re-test (a second record the same day, a new certificate reference) is sent to
    the household by engagement as a copy of its own, under the id both services take
    from hearth_contracts, and compliance stamps each record's copy by its own
    tenant-copy-sent."""
    uprn = await a_gas_home(staff)
    await a_tenancy(staff, uprn, london_day(datetime.now(UTC)) - timedelta(days=90))
    today = london_day(datetime.now(UTC))
    first = await a_gas_record(staff, uprn, today)
    retest = await staff.post(
        "/v1/gas-safety-records",
        json=a_record(uprn, today, gas_safe_number="7654321", certificate_reference=f"RT-{uprn}"),
        headers={"Idempotency-Key": f"lgsr-retest-{uprn}"},
    )
    assert retest.status_code == 201, retest.text
    retest_copy = str(retest_copy_id(uuid.UUID(first["check_id"]), f"RT-{uprn}"))

    async def both_stamped() -> list[dict[str, Any]]:
        copies = [c for c in await copies_of(staff, uprn) if c["tenancy_id"] is None]
        return copies if len(copies) == 2 and all(c["tenant_copy_sent_at"] for c in copies) else []

    copies = await eventually(both_stamped, timeout=60)
    assert {(c["id"], c["record_id"]) for c in copies} == {
        (first["check_id"], first["id"]),
        (retest_copy, retest.json()["id"]),
    }
    assert all(c["sent_on_time"] for c in copies)
    for record in (first, retest.json()):
        shown = (await staff.get(f"/v1/gas-safety-records/{record['id']}")).json()
        assert shown["tenant_copy_sent_on_time"] is True


async def test_a_new_tenancy_gets_its_copy_before_moving_in(staff: httpx.AsyncClient) -> None:
    uprn = await a_gas_home(staff)
    record = await a_gas_record(staff, uprn, london_day(datetime.now(UTC)) - timedelta(days=10))
    start = london_day(datetime.now(UTC)) + timedelta(days=7)
    tenancy = await a_tenancy(staff, uprn, start)

    async def stamped() -> list[dict[str, Any]]:
        return [
            c
            for c in await copies_of(staff, uprn)
            if c["tenancy_id"] is not None and c["tenant_copy_sent_at"]
        ]

    [copy] = await eventually(stamped, timeout=60)
    assert copy["tenancy_id"] == tenancy["id"]
    assert copy["record_id"] == record["id"]
    assert copy["copy_by"] == start.isoformat()
    assert copy["sent_on_time"] is True


async def test_a_stock_file_over_1_mib_goes_through_the_gateway_in_one_request(
    staff: httpx.AsyncClient,
) -> None:
    """The import is an upload route: the gateway takes it past its 1 MiB limit (long
    address lines keep the file over 1 MiB with few homes, so the test stays quick)."""
    first = random.randint(10**9, 10**11)
    street = "Flat " + "9" * 190
    town = "Stoke Newington " * 5 + "London"
    lines = [
        "uprn,address_line_1,address_line_2,town,postcode,property_type,heating_fuel,gas_supply"
    ]
    lines += [
        f"{first + n},{n} {street},{'Block ' + 'B' * 190},{town},E8 4RP,flat,electric,none"
        for n in range(2_200)
    ]
    body = ("\n".join(lines) + "\n").encode()
    assert len(body) > 1024 * 1024
    imported = await staff.post(
        "/v1/homes/import", content=body, headers={"Content-Type": "text/csv"}
    )
    assert imported.status_code == 200, imported.text[:500]
    assert imported.json()["registered"] == 2_200
    assert imported.json()["rejected"] == 0
    ordinary = await staff.post(
        "/v1/blocks",
        content=b'{"uprn": "100000000003", "name": "' + b"B" * len(body) + b'"}',
        headers={"Content-Type": "application/json"},
    )
    assert ordinary.status_code == 413
