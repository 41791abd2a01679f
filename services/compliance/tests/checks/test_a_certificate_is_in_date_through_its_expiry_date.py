"""A certificate expiring on day D is in date through D, everywhere (ADR 0221). A gas
check made on D keeps the anniversary (the 2-month rule's window ends with D), so the
home had a valid certificate on D: no certificate-expired is raised at D's midnight,
the check is due (not overdue) on D, it is on no overdue list, and BS01 as at D counts
the home in date. Before, the sweep, the lists and the figures read D as the first day
without a certificate, and a home checked on D had a certificate-expired event and an
overdue entry for that day. The boundary: a check on D - 1 and on D keep the
anniversary and raise nothing; one on D + 1 is late (certificate-expired at D + 1's
midnight, overdue 1 day, not in date) and runs 12 months from itself. Its own database
(module scope), so the figures' counts are exact."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import httpx
import pytest

from compliance.checks.rules import add_months
from compliance.checks.service import ProgrammeService
from hearth_kit.db import Database
from hearth_kit.working_days import start_of_london_day
from services.compliance.tests.checks.test_figures_as_at import (
    a_gas_home_expiring,
    measures_as_at,
)
from services.compliance.tests.conftest import Published
from services.compliance.tests.factories import a_record, london_today


async def gas_check(compliance: httpx.AsyncClient, uprn: str) -> dict[str, Any]:
    home = (await compliance.get(f"/v1/compliance/homes/{uprn}")).json()
    [check] = [
        c for c in home["checks"] if c["check_type"] == "gas_safety" and not c["completed_at"]
    ]
    return check


async def listed(compliance: httpx.AsyncClient, status: str) -> set[str]:
    response = await compliance.get(
        "/v1/compliance/checks", params={"status": status, "type": "gas", "limit": 100}
    )
    assert response.status_code == 200, response.text
    return {c["uprn"] for c in response.json()["items"]}


async def sweep_at_midnight(database: Database, programme: ProgrammeService, day: date) -> None:
    async with database.sessionmaker() as session, session.begin():
        await programme.sweep(session, start_of_london_day(day))


@pytest.mark.parametrize(
    ("checked_days_after_expiry", "late"),
    [(-1, False), (0, False), (1, True)],
    ids=["checked-the-day-before", "checked-on-the-expiry-date", "checked-the-day-after"],
)
async def test_a_certificate_is_in_date_through_its_expiry_date(
    compliance: httpx.AsyncClient,
    compliance_database: Database,
    programme: ProgrammeService,
    published: Published,
    checked_days_after_expiry: int,
    late: bool,
) -> None:
    today = london_today()  # the day of the check
    expiry = today - timedelta(days=checked_days_after_expiry)
    bs01_before = (await measures_as_at(compliance, today))["BS01"]
    uprn = await a_gas_home_expiring(compliance, expiry)

    # today's midnight: the day after the expiry date for a late check, else not
    await sweep_at_midnight(compliance_database, programme, today)
    expired = await published("certificate-expired", uprn)
    check = await gas_check(compliance, uprn)
    measures = await measures_as_at(compliance, today)
    if late:
        assert [e["expired_on"] for e in expired] == [expiry.isoformat()]
        assert (check["status"], check["days_overdue"]) == ("overdue", 1)
        assert uprn in await listed(compliance, "overdue")
        assert uprn in await listed(compliance, "expired")
        assert measures["BS01"] == (bs01_before[0], bs01_before[1] + 1)
    else:
        assert expired == []
        assert (check["status"], check["days_overdue"]) == ("due", 0)
        assert uprn in await listed(compliance, "due")
        assert uprn not in await listed(compliance, "overdue")
        assert uprn not in await listed(compliance, "expired")
        assert measures["BS01"] == (bs01_before[0] + 1, bs01_before[1] + 1)

    recorded = await compliance.post("/v1/gas-safety-records", json=a_record(uprn, today))
    assert recorded.status_code == 201, recorded.text
    # the 2-month rule: in the window (its last day included) keeps the anniversary
    kept = today if late else expiry
    assert recorded.json()["expires_on"] == add_months(kept, 12).isoformat()
    await sweep_at_midnight(compliance_database, programme, today + timedelta(days=1))
    assert len(await published("certificate-expired", uprn)) == (1 if late else 0)
    assert (await measures_as_at(compliance, today))["BS01"][0] == bs01_before[0] + 1
