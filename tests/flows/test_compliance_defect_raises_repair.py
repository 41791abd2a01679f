"""Compliance through the gateway on a real broker and databases: a gas safety record
with an immediately dangerous defect raises an emergency repair in the repairs service
(safety-defect-found over Kafka), and the home's checks show the new expiry; damp and
mould the engineer saw opens an Awaab's Law case there (hazard-found)."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from gateway.auth import issue_development_token
from hearth_kit.working_days import london_day, start_of_london_day
from tests.harness.events import eventually
from tests.harness.infra import DatabaseFactory
from tests.harness.platform import Platform, run_platform

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
async def platform(kafka: str, databases: DatabaseFactory) -> AsyncIterator[Platform]:
    async with run_platform(kafka, databases) as running:
        yield running


@pytest.fixture(scope="module")
async def gateway(platform: Platform) -> AsyncIterator[httpx.AsyncClient]:
    token = issue_development_token(role="staff", subject="compliance-officer-1")
    async with platform.client("gateway", headers={"Authorization": f"Bearer {token}"}) as client:
        yield client


async def test_a_dangerous_gas_defect_raises_an_emergency_repair(
    gateway: httpx.AsyncClient,
) -> None:
    uprn = str(random.randint(10**9, 10**12 - 1))
    expiry = london_day(datetime.now(UTC)) + timedelta(days=30)
    home = await gateway.post(
        "/v1/homes",
        json={
            "uprn": uprn,
            "address_line_1": "7 Sutton Place",
            "town": "London",
            "postcode": "E9 6EH",
            "property_type": "house",
            "heating_fuel": "gas",
            "gas_supply": "live",
            "gas_certificate_expires_on": expiry.isoformat(),
        },
    )
    assert home.status_code == 201, home.text
    record = await gateway.post(
        "/v1/gas-safety-records",
        json={
            "uprn": uprn,
            "check_date": london_day(datetime.now(UTC)).isoformat(),
            "engineer_name": "A. Engineer",
            "gas_safe_number": "7654321",
            "certificate_reference": f"CP12-{uprn}",
            "appliances": [
                {
                    "appliance_type": "gas_fire",
                    "location": "living room",
                    "outcome": "fail",
                    "safe_to_use": False,
                }
            ],
            "defects": [
                {
                    "appliance_index": 0,
                    "location": "living room",
                    "classification": "immediately_dangerous",
                    "description": "Gas fire spilling: disconnected and labelled",
                    "made_safe": True,
                }
            ],
            "alarm_tests": [
                {"kind": "carbon_monoxide", "location": "living room", "result": "working"}
            ],
        },
        headers={"Idempotency-Key": f"lgsr-{uprn}"},
    )
    assert record.status_code == 201, record.text
    assert record.json()["expires_on"] == expiry.replace(year=expiry.year + 1).isoformat()

    async def emergency_repair() -> list[dict[str, Any]]:
        response = await gateway.get("/v1/repairs", params={"uprn": uprn})
        assert response.status_code == 200, response.text
        return [r for r in response.json()["items"] if r["priority"] == "emergency"]

    repairs = await eventually(emergency_repair, timeout=60)
    assert len(repairs) == 1
    checks = await gateway.get(f"/v1/compliance/homes/{uprn}")
    assert checks.status_code == 200, checks.text
    gas = [c for c in checks.json()["checks"] if c["check_type"] == "gas_safety"]
    assert {c["status"] for c in gas} == {"completed", "in_date"}


async def test_damp_and_mould_seen_at_a_gas_check_opens_an_awaab_case_from_the_checks_day(
    gateway: httpx.AsyncClient,
) -> None:
    """Every visit counts: the engineer records the mould with the gas safety record;
    compliance publishes hazard-found and repairs opens the Awaab's Law case over Kafka,
    its clock from the check's day (London), not the upload."""
    uprn = str(random.randint(10**9, 10**12 - 1))
    home = await gateway.post(
        "/v1/homes",
        json={
            "uprn": uprn,
            "address_line_1": "9 Sutton Place",
            "town": "London",
            "postcode": "E9 6EH",
            "property_type": "house",
            "heating_fuel": "gas",
            "gas_supply": "live",
            "gas_certificate_expires_on": (
                london_day(datetime.now(UTC)) + timedelta(days=30)
            ).isoformat(),
        },
    )
    assert home.status_code == 201, home.text
    checked_on = london_day(datetime.now(UTC)) - timedelta(days=1)
    record = await gateway.post(
        "/v1/gas-safety-records",
        json={
            "uprn": uprn,
            "check_date": checked_on.isoformat(),
            "engineer_name": "A. Engineer",
            "gas_safe_number": "7654321",
            "certificate_reference": f"CP12-{uprn}",
            "appliances": [
                {
                    "appliance_type": "combi_boiler",
                    "location": "kitchen",
                    "outcome": "pass",
                    "safe_to_use": True,
                }
            ],
            "hazards": [
                {
                    "hazard_type": "damp_and_mould",
                    "severity": "significant",
                    "location": "back bedroom",
                }
            ],
            "alarm_tests": [
                {"kind": "carbon_monoxide", "location": "kitchen", "result": "working"}
            ],
        },
    )
    assert record.status_code == 201, record.text

    async def awaab_case() -> list[dict[str, Any]]:
        response = await gateway.get("/v1/awaab-cases", params={"uprn": uprn})
        assert response.status_code == 200, response.text
        items: list[dict[str, Any]] = response.json()["items"]
        return items

    [case] = await eventually(awaab_case, timeout=60)
    assert case["source"] == "safety_check"
    assert datetime.fromisoformat(case["became_aware_at"]) == start_of_london_day(checked_on)


async def test_a_smoke_alarm_the_register_shows_missing_raises_one_repair_to_fit_it(
    gateway: httpx.AsyncClient,
) -> None:
    """ADR 0109 across the broker: a let home registered with no smoke alarm on its
    first floor raises one urgent electrical repair in repairs (required-alarm-missing),
    its clock from when the register first showed it missing; the home changed again
    with the alarm still missing raises none, nor does the alarm fitted."""
    uprn = str(random.randint(10**9, 10**12 - 1))
    home = await gateway.post(
        "/v1/homes",
        json={
            "uprn": uprn,
            "address_line_1": "11 Sutton Place",
            "town": "London",
            "postcode": "E9 6EH",
            "property_type": "house",
            "heating_fuel": "electric",
            "gas_supply": "none",
            "storeys_with_living_space": 2,
            "smoke_alarm_storeys": [0],
        },
    )
    assert home.status_code == 201, home.text
    registered_at = datetime.fromisoformat(home.json()["registered_at"])

    async def repairs_at_home() -> list[dict[str, Any]]:
        response = await gateway.get("/v1/repairs", params={"uprn": uprn})
        assert response.status_code == 200, response.text
        items: list[dict[str, Any]] = response.json()["items"]
        return items

    [repair] = await eventually(repairs_at_home, timeout=60)
    assert (repair["priority"], repair["trade"], repair["source"]) == (
        "urgent",
        "electrical",
        "safety_check",
    )
    assert repair["location"] == "storey 1 above the ground floor"
    assert datetime.fromisoformat(repair["reported_at"]) == registered_at

    read = await gateway.get(f"/v1/homes/{uprn}/register")
    assert read.status_code == 200, read.text
    etag = read.headers["ETag"]
    still_missing = await gateway.patch(
        f"/v1/homes/{uprn}",
        json={"address_line_1": "11a Sutton Place"},
        headers={"If-Match": etag},
    )
    assert still_missing.status_code == 200, still_missing.text
    fitted = await gateway.patch(
        f"/v1/homes/{uprn}",
        json={"smoke_alarm_storeys": [0, 1]},
        headers={"If-Match": still_missing.headers["ETag"]},
    )
    assert fitted.status_code == 200, fitted.text
    # a later change reaches repairs after these two (one key, one partition, in order)
    marker = await gateway.patch(
        f"/v1/homes/{uprn}",
        json={"address_line_1": "11 Sutton Place"},
        headers={"If-Match": fitted.headers["ETag"]},
    )
    assert marker.status_code == 200, marker.text

    async def address_reached_repairs() -> bool:
        [shown] = await repairs_at_home()
        return (shown.get("address") or {}).get("address_line_1") == "11 Sutton Place"

    assert await eventually(address_reached_repairs, timeout=60)
    assert [r["id"] for r in await repairs_at_home()] == [repair["id"]]
