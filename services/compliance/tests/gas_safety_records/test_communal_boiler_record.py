"""A block's communal boiler is in the gas programme (rules.checks_for_block): its gas
safety record is taken by POST /v1/gas-safety-records at the block's UPRN, as a home's
is, with the 2-month rule and the next cycle a year on. Before, that route answered 422
"No home with UPRN" and the certificate route sends every gas check to it, so a
communal boiler's check could never be completed: it stayed overdue, escalated, and
every flat in the block out of BS01 (ADR 0088) whatever the engineer did."""

from __future__ import annotations

from typing import Any

import httpx

from compliance.checks.rules import add_months
from services.compliance.tests.conftest import Published
from services.compliance.tests.factories import (
    a_block,
    a_flat_in,
    a_record,
    a_uprn,
    london_today,
)


async def gas_checks(compliance: httpx.AsyncClient, uprn: str) -> list[dict[str, Any]]:
    body = (await compliance.get(f"/v1/compliance/homes/{uprn}")).json()
    return [c for c in body["checks"] if c["check_type"] == "gas_safety"]


async def bs01(compliance: httpx.AsyncClient) -> tuple[int, int]:
    response = await compliance.get("/v1/compliance/figures")
    assert response.status_code == 200, response.text
    measure = next(m for m in response.json()["measures"] if m["code"] == "BS01")
    return measure["numerator"], measure["denominator"]


async def test_a_communal_boilers_record_completes_the_blocks_gas_check(
    compliance: httpx.AsyncClient, published: Published
) -> None:
    block = await a_block(compliance, communal_boiler=True)
    await a_flat_in(compliance, block)
    (first,) = await gas_checks(compliance, block)
    assert first["status"] == "overdue"  # a first check, due at once
    before = await bs01(compliance)
    today = london_today()

    recorded = await compliance.post(
        "/v1/gas-safety-records",
        json=a_record(
            block,
            today,
            appliances=[
                {
                    "appliance_type": "communal_boiler",
                    "location": "plant room",
                    "outcome": "pass",
                    "safe_to_use": True,
                }
            ],
        ),
    )

    assert recorded.status_code == 201, recorded.text
    assert recorded.json()["check_id"] == first["id"]
    assert recorded.json()["expires_on"] == add_months(today, 12).isoformat()
    checks = {c["id"]: c for c in await gas_checks(compliance, block)}
    assert checks[first["id"]]["status"] == "completed"
    (following,) = [c for c in checks.values() if c["completed_at"] is None]
    assert following["due_by"] == add_months(today, 12).isoformat()
    assert following["status"] == "in_date"
    (completed,) = await published("check-completed", block)
    assert completed["next_due_by"] == add_months(today, 12).isoformat()
    # the flat's one required gas check, its block's boiler's, is now in date
    assert await bs01(compliance) == (before[0] + 1, before[1])
    # no household lives at a block's UPRN: no copy owed to one
    copies = (await compliance.get(f"/v1/compliance/homes/{block}")).json()["tenant_copies"]
    assert copies == []


async def test_a_block_without_a_communal_boiler_keeps_the_record_and_opens_no_cycle(
    compliance: httpx.AsyncClient, published: Published
) -> None:
    block = await a_block(compliance, communal_boiler=False)

    recorded = await compliance.post("/v1/gas-safety-records", json=a_record(block, london_today()))

    assert recorded.status_code == 201, recorded.text
    assert [c["completed_at"] is not None for c in await gas_checks(compliance, block)] == [True]
    (completed,) = await published("check-completed", block)
    assert completed["next_due_by"] is None


async def test_an_unregistered_uprn_is_still_refused_naming_it(
    compliance: httpx.AsyncClient,
) -> None:
    response = await compliance.post(
        "/v1/gas-safety-records", json=a_record(a_uprn(), london_today())
    )

    assert response.status_code == 422, response.text
    assert response.json()["field"] == "uprn"
