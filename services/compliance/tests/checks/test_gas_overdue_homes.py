"""compliance.gas_overdue_homes and its breakdown gas_overdue_homes_by_age: the homes
with a required gas check overdue, and by how long (their longest). DOMAIN.md's headline
figures are BS01, overdue homes and by how long, and first-time access; the figures
counted overdue checks of every type (a block's fire risk and asbestos checks, EICRs,
alarm checks) and a home with two late gas checks twice, so no figure said how many
homes were without a gas check in date, nor for how long."""

from __future__ import annotations

from datetime import timedelta

import httpx

from services.compliance.tests.checks.test_programme import a_gas_home
from services.compliance.tests.factories import a_block, a_flat_in, london_today

BANDS = ("0_30_days", "31_90_days", "91_180_days", "over_180_days")


async def figures(compliance: httpx.AsyncClient) -> tuple[int, dict[str, int], tuple[int, int]]:
    response = await compliance.get("/v1/compliance/figures")
    assert response.status_code == 200, response.text
    body = response.json()
    measures = {m["code"]: m for m in body["measures"]}
    bands = {
        m["code"].rsplit(".", 1)[-1]: m["numerator"]
        for m in body["breakdowns"]["gas_overdue_homes_by_age"]
    }
    bs01 = (measures["BS01"]["numerator"], measures["BS01"]["denominator"])
    return measures["compliance.gas_overdue_homes"]["numerator"], bands, bs01


async def test_homes_with_a_gas_check_overdue_are_counted_once_by_their_longest(
    compliance: httpx.AsyncClient,
) -> None:
    total, bands, (in_date, homes) = await figures(compliance)
    today = london_today()
    await a_gas_home(compliance, today - timedelta(days=40))  # 40 days overdue
    await a_gas_home(compliance, today + timedelta(days=200))  # in date
    block = await a_block(compliance, communal_boiler=True)  # its first check due today
    await a_flat_in(compliance, block)  # no gas of its own: the block's overdue 0 days
    await a_flat_in(  # its own 100 days overdue and the block's: once, by the longer
        compliance,
        block,
        heating_fuel="gas",
        gas_supply="live",
        gas_certificate_expires_on=(today - timedelta(days=100)).isoformat(),
    )
    after_total, after_bands, (after_in_date, after_homes) = await figures(compliance)
    assert after_total - total == 3
    assert {band: after_bands[band] - bands[band] for band in BANDS} == {
        "0_30_days": 1,
        "31_90_days": 1,
        "91_180_days": 1,
        "over_180_days": 0,
    }
    # BS01's homes not in date, the same homes
    assert (after_homes - after_in_date) - (homes - in_date) == 3
