"""Request bodies the compliance tests share."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime
from typing import Any

import httpx

from hearth_kit.working_days import london_day


def london_today() -> date:
    """Today as the service sees it: the London day now, asked at the moment a test needs
    it. Not `date.today()` (the machine's day: a UTC machine is a day behind London from
    23:00 to midnight in summer time) and not a module constant taken at import (the
    suite can cross midnight between collecting a module and running its tests)."""
    return london_day(datetime.now(UTC))


def a_record(uprn: str, check_date: date, **overrides: object) -> dict[str, object]:
    """A passing gas safety record (CP12) for `uprn`, one combi boiler in the kitchen and
    a working smoke alarm in the hall."""
    return {
        "uprn": uprn,
        "check_date": check_date.isoformat(),
        "engineer_name": "A. Engineer",
        "gas_safe_number": "1234567",
        "certificate_reference": f"CP12-{uprn}-{check_date:%Y%m%d}",
        "appliances": [
            {
                "appliance_type": "combi_boiler",
                "location": "kitchen",
                "outcome": "pass",
                "safe_to_use": True,
            }
        ],
        # a home's record needs its alarm tests (ADR 0110)
        "alarm_tests": [{"kind": "smoke", "location": "hall", "result": "working"}],
        **overrides,
    }


def a_uprn() -> str:
    return str(random.randint(10**9, 10**12 - 1))


async def a_block(compliance: httpx.AsyncClient, *, communal_boiler: bool) -> str:
    """A block registered today (a communal boiler's first gas check is due at once, so
    it is not in date): its UPRN."""
    block = a_uprn()
    created = await compliance.post(
        "/v1/blocks",
        json={"uprn": block, "name": "Hollis House", "communal_boiler": communal_boiler},
    )
    assert created.status_code == 201, created.text
    return block


async def a_flat_in(compliance: httpx.AsyncClient, block: str, **fields: Any) -> str:
    """A flat of the block with no gas of its own (district heating), `fields` over it:
    its UPRN."""
    home = {
        "uprn": a_uprn(),
        "address_line_1": "Flat 1, Hollis House",
        "town": "London",
        "postcode": "E8 1DY",
        "property_type": "flat",
        "heating_fuel": "district",
        "gas_supply": "none",
        "block_id": block,
        **fields,
    }
    response = await compliance.post("/v1/homes", json=home)
    assert response.status_code == 201, response.text
    return str(home["uprn"])
