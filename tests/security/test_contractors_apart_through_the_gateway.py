"""Contractor isolation through the gateway, on a real compliance service and database
(repairs' is tests/flows/test_repairs_contractor_flow.py): a contractor reaches only the
checks assigned to it and the records it made, by id, by UPRN filter and by
Idempotency-Key, whatever it guesses; and the staff routes that would show the rest
refuse its token at the gateway and again at the service."""

from __future__ import annotations

import random
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest

from gateway.auth import issue_development_token
from services.compliance.tests.factories import a_record, london_today
from tests.harness.infra import DatabaseFactory
from tests.harness.platform import Platform, run_platform
from tests.harness.tokens import InternalTokenAuth

pytestmark = pytest.mark.integration


def bearer(role: str, contractor_id: str | None = None) -> dict[str, str]:
    subject = f"{contractor_id}-app" if contractor_id else "compliance-officer-1"
    token = issue_development_token(role=role, subject=subject, contractor_id=contractor_id)
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="module")
async def platform(kafka: str, databases: DatabaseFactory) -> AsyncIterator[Platform]:
    async with run_platform(kafka, databases, services=("compliance",)) as running:
        yield running


async def a_gas_check_assigned_to_gasco(
    api: httpx.AsyncClient, staff: dict[str, str], uprn: str, address: str
) -> dict[str, Any]:
    """A gas home registered through the gateway, its gas check (due in 20 days)
    assigned to the contractor gasco: the check as staff see it."""
    home = await api.post(
        "/v1/homes",
        headers=staff,
        json={
            "uprn": uprn,
            "address_line_1": address,
            "town": "London",
            "postcode": "E9 7PX",
            "property_type": "flat",
            "heating_fuel": "gas",
            "gas_supply": "live",
            "gas_certificate_expires_on": (london_today() + timedelta(days=20)).isoformat(),
        },
    )
    assert home.status_code == 201, home.text
    checks = (await api.get(f"/v1/compliance/homes/{uprn}", headers=staff)).json()["checks"]
    gas: dict[str, Any] = next(c for c in checks if c["check_type"] == "gas_safety")
    assigned = await api.put(
        f"/v1/compliance/checks/{gas['id']}/contractor",
        headers={**staff, "If-Match": f'"{gas["version"]}"'},
        json={"contractor_id": "gasco"},
    )
    assert assigned.status_code == 200, assigned.text
    return gas


async def test_a_contractor_reaches_nothing_of_anothers_through_the_gateway_or_directly(
    platform: Platform,
) -> None:
    uprn = str(random.randint(10**9, 10**12 - 1))
    staff = bearer("compliance_manager")
    gasco, rogue = bearer("contractor", "gasco"), bearer("contractor", "rogue")
    async with platform.client("gateway") as api:
        gas = await a_gas_check_assigned_to_gasco(api, staff, uprn, "3 Well Street")
        key = {"Idempotency-Key": f"lgsr-{uuid.uuid4()}"}
        body = a_record(uprn, london_today())
        made = await api.post(
            "/v1/contractor/gas-safety-records", headers={**gasco, **key}, json=body
        )
        assert made.status_code == 201, made.text
        record = f"/v1/contractor/gas-safety-records/{made.json()['id']}"
        gas_check = f"/v1/contractor/compliance/checks/{gas['id']}"

        assert (await api.get(record, headers=gasco)).status_code == 200
        assert (await api.get(record, headers=rogue)).status_code == 404
        assert (await api.get(gas_check, headers=rogue)).status_code == 404
        by_uprn = {"uprn": uprn}
        listed = await api.get("/v1/contractor/gas-safety-records", params=by_uprn, headers=rogue)
        assert listed.json()["items"] == []
        checks_listed = await api.get("/v1/contractor/compliance/checks", headers=rogue)
        assert uprn not in {c["uprn"] for c in checks_listed.json()["items"]}
        # The same key and body from another contractor is its own request, never gasco's
        # stored answer: refused (the home's check is not assigned to it).
        replayed = await api.post(
            "/v1/contractor/gas-safety-records", headers={**rogue, **key}, json=body
        )
        assert replayed.status_code == 422, replayed.text
        assert "Idempotent-Replayed" not in replayed.headers
        for staff_route in (f"/v1/compliance/homes/{uprn}", f"/v1/homes/{uprn}/register"):
            refused = await api.get(staff_route, headers=rogue)
            assert refused.status_code == 403, staff_route

    async with httpx.AsyncClient(
        base_url=platform.service("compliance").url,
        auth=InternalTokenAuth("compliance", scopes={"contractor"}, contractor_id="rogue"),
    ) as direct:
        assert (await direct.get(record)).status_code == 404
        listed = await direct.get("/v1/contractor/gas-safety-records", params={"uprn": uprn})
        assert listed.json()["items"] == []
        assert (await direct.get(f"/v1/compliance/homes/{uprn}")).status_code == 403
        assert (
            await direct.get("/v1/gas-safety-records", params={"uprn": uprn})
        ).status_code == 403


async def test_a_contractor_records_at_the_staff_path_issue_7_names_under_its_own_rules(
    platform: Platform,
) -> None:
    """Issue 7 names `POST /v1/gas-safety-records` for a contractor's engineer too. There
    the gateway passes a contractor's token to compliance's contractor route: its own
    check is recorded (Location at its own URL), another's is the contractor route's 422
    naming `uprn`, and the staff routes around it still refuse the token."""
    uprn = str(random.randint(10**9, 10**12 - 1))
    staff = bearer("compliance_manager")
    gasco, rogue = bearer("contractor", "gasco"), bearer("contractor", "rogue")
    async with platform.client("gateway") as api:
        await a_gas_check_assigned_to_gasco(api, staff, uprn, "5 Well Street")
        body = a_record(uprn, london_today())

        refused = await api.post(
            "/v1/gas-safety-records",
            headers={**rogue, "Idempotency-Key": f"lgsr-{uuid.uuid4()}"},
            json=body,
        )
        assert refused.status_code == 422, refused.text
        assert refused.json()["errors"][0]["field"] == "uprn"

        made = await api.post(
            "/v1/gas-safety-records",
            headers={**gasco, "Idempotency-Key": f"lgsr-{uuid.uuid4()}"},
            json=body,
        )
        assert made.status_code == 201, made.text
        record = f"/v1/contractor/gas-safety-records/{made.json()['id']}"
        assert made.headers["Location"].endswith(record)
        assert (await api.get(record, headers=gasco)).status_code == 200
        assert (await api.get(record, headers=rogue)).status_code == 404
        for staff_read in ("/v1/gas-safety-records", f"/v1/gas-safety-records/{made.json()['id']}"):
            assert (await api.get(staff_read, headers=gasco)).status_code == 403, staff_read
