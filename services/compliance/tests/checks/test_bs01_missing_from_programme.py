"""BS01 counts a home the register shows needing a gas check that the programme holds
no check for (the cross-check's home, DOMAIN.md): in its homes needing a check, never
in date, for its required check was not carried out (ADR 0188). BS01 was built from
the programme's cycles alone, so such a home was in neither count and the share was
higher than the homes' gas safety. Deltas of the figures, so other tests' homes do not
matter."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import update
from sqlmodel import col

from compliance.models import Block, Home
from hearth_kit.db import Database
from services.compliance.tests.checks.test_building_safety_counts_homes import building_safety
from services.compliance.tests.checks.test_cross_check_blocks import lose_the_gas_check
from services.compliance.tests.checks.test_figures_as_at import measures_as_at
from services.compliance.tests.checks.test_programme import a_gas_home
from services.compliance.tests.factories import a_block, a_flat_in, london_today


async def test_a_home_needing_gas_missing_from_the_programme_lowers_bs01(
    compliance: httpx.AsyncClient, compliance_database: Database
) -> None:
    in_date = london_today() + timedelta(days=200)
    before = (await building_safety(compliance))["BS01"]
    missing = await a_gas_home(compliance, in_date)
    kept = await a_gas_home(compliance, in_date)
    assert (await building_safety(compliance))["BS01"] == (before[0] + 2, before[1] + 2)

    await lose_the_gas_check(compliance, compliance_database, missing)
    # still a home needing a gas check, now without one carried out: 1 of 2, not 1 of 1
    assert (await building_safety(compliance))["BS01"] == (before[0] + 1, before[1] + 2)
    assert kept  # in date, in the programme


async def test_a_home_without_gas_needing_a_check_is_not_counted(
    compliance: httpx.AsyncClient,
) -> None:
    before = (await building_safety(compliance))["BS01"]
    await a_gas_home(compliance, None, heating_fuel="electric", gas_supply="capped")
    await a_gas_home(compliance, None, heating_fuel="electric", gas_supply="none")
    await a_gas_home(compliance, None, tenure="leasehold")  # the leaseholder's gas
    assert (await building_safety(compliance))["BS01"] == before


async def test_a_capped_home_with_a_landlord_gas_appliance_missing_is_counted(
    compliance: httpx.AsyncClient, compliance_database: Database
) -> None:
    before = (await building_safety(compliance))["BS01"]
    uprn = await a_gas_home(
        compliance,
        london_today() + timedelta(days=200),
        gas_supply="capped",
        appliances=[{"appliance_type": "gas_cooker", "location": "kitchen"}],
    )
    await lose_the_gas_check(compliance, compliance_database, uprn)
    assert (await building_safety(compliance))["BS01"] == (before[0], before[1] + 1)


async def test_a_flat_missing_its_own_check_in_a_communal_block_counts_once(
    compliance: httpx.AsyncClient, compliance_database: Database
) -> None:
    before = (await building_safety(compliance))["BS01"]
    block = await a_block(compliance, communal_boiler=True)
    flat = await a_flat_in(
        compliance,
        block,
        heating_fuel="gas",
        gas_supply="live",
        gas_certificate_expires_on=(london_today() + timedelta(days=200)).isoformat(),
    )
    await lose_the_gas_check(compliance, compliance_database, flat)
    # its block's check and its own missing one: one home, not in date
    assert (await building_safety(compliance))["BS01"] == (before[0], before[1] + 1)


async def test_a_home_registered_after_the_day_is_not_counted_for_it(
    compliance: httpx.AsyncClient, compliance_database: Database
) -> None:
    yesterday = (london_today() - timedelta(days=1)).isoformat()

    async def bs01_yesterday() -> tuple[int, int]:
        response = await compliance.get("/v1/compliance/figures", params={"to": yesterday})
        assert response.status_code == 200, response.text
        [bs01] = [m for m in response.json()["measures"] if m["code"] == "BS01"]
        return bs01["numerator"], bs01["denominator"]

    before = await bs01_yesterday()
    uprn = await a_gas_home(compliance, london_today() + timedelta(days=200))
    await lose_the_gas_check(compliance, compliance_database, uprn)
    assert await bs01_yesterday() == before


async def test_the_homes_of_a_communal_boiler_missing_from_the_programme_are_counted(
    compliance: httpx.AsyncClient, compliance_database: Database
) -> None:
    # A block's communal boiler the cross-check reports (no gas check in the programme):
    # the homes let to tenants in it need that check, not carried out. BS01 read the
    # block's homes from its cycles alone, so they left both counts and BS01 rose.
    before = (await building_safety(compliance))["BS01"]
    block = await a_block(compliance, communal_boiler=True)
    await a_flat_in(compliance, block)
    await a_flat_in(
        compliance,
        block,
        heating_fuel="gas",
        gas_supply="live",
        gas_certificate_expires_on=(london_today() + timedelta(days=200)).isoformat(),
    )
    await a_flat_in(compliance, block, tenure="leasehold")  # not a tenant's home
    assert (await building_safety(compliance))["BS01"] == (before[0], before[1] + 2)

    await lose_the_gas_check(compliance, compliance_database, block)
    # both still need the boiler's check: 0 of 2 (the one with its own in date counted
    # once), not the 1 of 1 of the flat's own check alone
    assert (await building_safety(compliance))["BS01"] == (before[0], before[1] + 2)


async def test_a_communal_boiler_missing_whose_block_changed_since_is_read_by_the_programme(
    compliance: httpx.AsyncClient, compliance_database: Database
) -> None:
    # ADR 0223 for a block: its register changed after the day (a boiler fitted since),
    # so the programme holding no check for it that day is read as none needed then.
    day = london_today() - timedelta(days=10)
    long_ago = datetime.now(UTC) - timedelta(days=400)
    before = (await measures_as_at(compliance, day))["BS01"]
    block = await a_block(compliance, communal_boiler=False)
    flat = await a_flat_in(compliance, block)
    fitted = await compliance.patch(
        f"/v1/blocks/{block}", json={"communal_boiler": True}, headers={"If-Match": '"1"'}
    )
    assert fitted.status_code == 200, fitted.text
    async with compliance_database.sessionmaker() as session, session.begin():
        await session.execute(
            update(Block).where(col(Block.uprn) == block).values(registered_at=long_ago)
        )
        await session.execute(
            update(Home).where(col(Home.uprn) == flat).values(registered_at=long_ago)
        )
    # held no check on `day` (opened today), changed today: not counted for `day`
    assert (await measures_as_at(compliance, day))["BS01"] == before
    async with compliance_database.sessionmaker() as session, session.begin():
        await session.execute(update(Block).where(col(Block.uprn) == block).values(updated_at=None))
    # unchanged since the day: today's register was that day's, a boiler missing then
    assert (await measures_as_at(compliance, day))["BS01"] == (before[0], before[1] + 1)
