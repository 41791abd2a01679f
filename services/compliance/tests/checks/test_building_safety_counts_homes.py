"""BS02 to BS05 are shares of homes, as the regulator defines them (DOMAIN.md: BS01's
share of homes, "the same" for fire, asbestos, water and lifts): a block's check counts
once for each home let to tenants in it, so a 40-flat block out of date weighs more than
a 2-flat one in date. Deltas of the figures, so other tests' homes do not matter."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

import httpx

from services.compliance.tests.factories import london_today


def a_uprn() -> str:
    return str(random.randint(10**9, 10**12 - 1))


async def a_block_with_homes(
    compliance: httpx.AsyncClient, homes: int, *, leasehold: int = 0
) -> str:
    block = a_uprn()
    created = await compliance.post(
        "/v1/blocks", json={"uprn": block, "name": "Hollis House", "has_lift": True}
    )
    assert created.status_code == 201, created.text
    for n in range(homes + leasehold):
        home = {
            "uprn": a_uprn(),
            "address_line_1": f"Flat {n + 1}, Hollis House",
            "town": "London",
            "postcode": "E8 1DY",
            "property_type": "flat",
            "heating_fuel": "electric",
            "gas_supply": "none",
            "block_id": block,
            **({"tenure": "leasehold"} if n >= homes else {}),
        }
        response = await compliance.post("/v1/homes", json=home)
        assert response.status_code == 201, response.text
    return block


async def building_safety(compliance: httpx.AsyncClient) -> dict[str, tuple[int, int]]:
    response = await compliance.get("/v1/compliance/figures")
    assert response.status_code == 200, response.text
    return {
        m["code"]: (m["numerator"], m["denominator"])
        for m in response.json()["measures"]
        if m["code"].startswith("BS")
    }


async def fire_risk_assessment_done(compliance: httpx.AsyncClient, block: str) -> None:
    body: dict[str, Any] = (await compliance.get(f"/v1/compliance/homes/{block}")).json()
    check = next(
        c
        for c in body["checks"]
        if c["check_type"] == "fire_risk_assessment" and c["completed_at"] is None
    )
    response = await compliance.post(
        f"/v1/compliance/checks/{check['id']}/certificates",
        json={
            "done_on": (london_today() - timedelta(days=1)).isoformat(),
            "certificate_reference": f"FRA-{block}",
            "outcome": "satisfactory",
        },
    )
    assert response.status_code == 201, response.text


async def test_a_blocks_checks_count_once_for_each_home_let_to_tenants_in_it(
    compliance: httpx.AsyncClient,
) -> None:
    before = await building_safety(compliance)
    due_today = await a_block_with_homes(compliance, 3, leasehold=1)
    in_date = await a_block_with_homes(compliance, 1)
    await fire_risk_assessment_done(compliance, in_date)
    assert due_today != in_date
    after = await building_safety(compliance)
    # 4 homes let to tenants need a fire risk assessment, 1 of them has one in date
    # (per block this was 1 of 2; the leasehold flat is not a tenant's home).
    assert after["BS02"] == (before["BS02"][0] + 1, before["BS02"][1] + 4)
    # Both blocks have a lift, neither checked yet: 0 of 4 homes.
    assert after["BS05"] == (before["BS05"][0], before["BS05"][1] + 4)


async def test_a_block_with_no_homes_let_to_tenants_counts_in_no_share(
    compliance: httpx.AsyncClient,
) -> None:
    before = await building_safety(compliance)
    await a_block_with_homes(compliance, 0, leasehold=2)
    await a_block_with_homes(compliance, 0)
    assert await building_safety(compliance) == before
