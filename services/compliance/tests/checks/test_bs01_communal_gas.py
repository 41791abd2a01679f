"""BS01 is the share of homes needing gas safety checks for which every required check
is in date (DOMAIN.md). A home in a block whose communal boiler is in the gas programme
needs that boiler's check as well as any of its own: it counts in BS01 (once) and is in
date only when all of them are (ADR 0088). Deltas of the figures, so other tests' homes
do not matter."""

from __future__ import annotations

from typing import Any

import httpx

from services.compliance.tests.checks.test_building_safety_counts_homes import building_safety
from services.compliance.tests.factories import a_block, a_flat_in
from tests.harness.days import days_from_today


def own_gas_in_date() -> dict[str, Any]:
    return {
        "heating_fuel": "gas",
        "gas_supply": "live",
        "gas_certificate_expires_on": days_from_today(200).isoformat(),
    }


async def test_homes_served_by_a_communal_boiler_need_its_gas_check(
    compliance: httpx.AsyncClient,
) -> None:
    before = (await building_safety(compliance))["BS01"]
    block = await a_block(compliance, communal_boiler=True)
    await a_flat_in(compliance, block)
    await a_flat_in(compliance, block)
    await a_flat_in(compliance, block, tenure="leasehold")  # not a tenant's home
    # 2 homes let to tenants need the boiler's check, which is not done: 0 of 2
    assert (await building_safety(compliance))["BS01"] == (before[0], before[1] + 2)


async def test_a_home_with_its_own_check_in_date_is_not_in_date_while_the_boilers_is_not(
    compliance: httpx.AsyncClient,
) -> None:
    before = (await building_safety(compliance))["BS01"]
    block = await a_block(compliance, communal_boiler=True)
    await a_flat_in(compliance, block, **own_gas_in_date())
    # one home (counted once, with two required checks), not every check in date
    assert (await building_safety(compliance))["BS01"] == (before[0], before[1] + 1)


async def test_a_home_with_its_own_check_in_date_in_a_block_without_gas_is_in_date(
    compliance: httpx.AsyncClient,
) -> None:
    before = (await building_safety(compliance))["BS01"]
    block = await a_block(compliance, communal_boiler=False)
    await a_flat_in(compliance, block, **own_gas_in_date())
    await a_flat_in(compliance, block)  # no gas: needs no gas check
    assert (await building_safety(compliance))["BS01"] == (before[0] + 1, before[1] + 1)
