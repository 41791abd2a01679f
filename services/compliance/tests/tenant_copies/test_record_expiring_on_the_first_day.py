"""A gas safety record or EICR that expires on a new tenancy's first day is current on
it, so the new tenants are asked a copy of it; one that expired the day before is not.
A certificate is in date through its expiry date (ADR 0221): a check made that day
keeps the anniversary, and the sweep raises certificate-expired the day after. Before
ADR 0221 a certificate was read as lapsing the morning of its expiry date here (and in
the sweep), while the 2-month rule took a check that day as in time."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import httpx

from compliance.checks.rules import add_months
from compliance.checks.service import ProgrammeService
from hearth_kit.db import Database
from services.compliance.tests.factories import london_today
from services.compliance.tests.tenant_copies.test_tenant_copies import (
    a_gas_home,
    a_gas_record,
    handle,
    tenancy_v2,
)


async def an_eicr_until(compliance: httpx.AsyncClient, uprn: str, next_check_by: str) -> None:
    """The home's EICR done 100 days ago, the report asking for the next by `next_check_by`."""
    home = (await compliance.get(f"/v1/compliance/homes/{uprn}")).json()
    [check] = [
        c for c in home["checks"] if c["check_type"] == "electrical" and not c["completed_at"]
    ]
    done_on = london_today() - timedelta(days=100)
    response = await compliance.post(
        f"/v1/compliance/checks/{check['id']}/certificates",
        json={
            "done_on": done_on.isoformat(),
            "certificate_reference": f"EICR-{uprn}",
            "outcome": "satisfactory",
            "next_check_by": next_check_by,
        },
    )
    assert response.status_code == 201, response.text
    assert response.json()["expires_on"] == next_check_by


async def test_records_expiring_on_the_first_day_are_given_to_the_new_tenants(
    compliance: httpx.AsyncClient,
    compliance_database: Database,
    programme: ProgrammeService,
    published: Any,
) -> None:
    asked: dict[int, list[str]] = {}
    for days_before_expiry in (-1, 0, 1):
        uprn = await a_gas_home(compliance)
        # checked 12 months ago: it expires today (at a month's end, a day or so before)
        gas = await a_gas_record(compliance, uprn, add_months(london_today(), -12))
        expires = london_today().fromisoformat(gas["expires_on"])
        await an_eicr_until(compliance, uprn, gas["expires_on"])
        start = expires - timedelta(days=days_before_expiry)
        await handle(compliance_database, programme, tenancy_v2(uprn, start, [uuid.uuid4()]))
        asked[days_before_expiry] = sorted(
            a["check_type"] for a in await published("tenant-copy-requested", uprn)
        )

    assert asked[-1] == []  # both lapsed the day before the first day
    assert asked[0] == ["electrical", "gas_safety"]  # in date through their expiry date
    assert asked[1] == ["electrical", "gas_safety"]
