"""A new tenancy's smoke and CO alarm check is for its own first day, even when the
check of an earlier tenancy's first day was never made (ADR 0161). Before, the home's
open alarm check was reused with the earlier tenancy's dates: the new household's first
day was never asked for, the check stayed overdue from the old day, and a test made in
the void before the new tenancy began completed it, the register showing the new
tenancy's alarms checked when nobody had. Now the earlier, unmade check is withdrawn
(check-withdrawn: it can no longer be made on its day) and the new tenancy's opened."""

from __future__ import annotations

from datetime import timedelta

import httpx

from compliance.checks.service import ProgrammeService
from hearth_kit.db import Database
from services.compliance.tests.checks.test_alarm_check_of_a_tenancy_to_come import (
    a_tenancy_from,
    alarm_checks,
)
from services.compliance.tests.checks.test_programme import a_gas_home
from services.compliance.tests.conftest import Published
from services.compliance.tests.factories import london_today


async def test_a_new_tenancy_gets_its_own_first_day_alarm_check(
    compliance: httpx.AsyncClient,
    compliance_database: Database,
    programme: ProgrammeService,
    published: Published,
) -> None:
    today = london_today()
    uprn = await a_gas_home(compliance, today + timedelta(days=200))
    await a_tenancy_from(compliance_database, programme, uprn, today - timedelta(days=30))
    [missed] = await alarm_checks(compliance, uprn)
    assert missed["status"] == "overdue"

    # the household moves out; the next tenancy starts in three days
    await a_tenancy_from(compliance_database, programme, uprn, today + timedelta(days=3))

    checks = {c["id"]: c for c in await alarm_checks(compliance, uprn)}
    assert checks[missed["id"]]["status"] == "withdrawn"
    [new] = [c for c in checks.values() if c["completed_at"] is None]
    assert new["due_from"] == (today + timedelta(days=3)).isoformat()
    assert new["due_by"] == (today + timedelta(days=4)).isoformat()
    assert [w["check_id"] for w in await published("check-withdrawn", uprn)] == [missed["id"]]
    # a test in the void is not the new tenancy's first-day check
    void_test = await compliance.post(
        f"/v1/compliance/checks/{new['id']}/certificates",
        json={
            "done_on": today.isoformat(),
            "certificate_reference": f"ALARM-{uprn}",
            "outcome": "satisfactory",
        },
    )
    assert void_test.status_code == 422, void_test.text
    assert [e["field"] for e in void_test.json()["errors"]] == ["done_on"]


async def test_the_same_tenancys_check_is_not_raised_again(
    compliance: httpx.AsyncClient, compliance_database: Database, programme: ProgrammeService
) -> None:
    today = london_today()
    uprn = await a_gas_home(compliance, today + timedelta(days=200))
    tenancy = await a_tenancy_from(compliance_database, programme, uprn, today)
    [first] = await alarm_checks(compliance, uprn)

    await a_tenancy_from(compliance_database, programme, uprn, today, tenancy_id=tenancy)

    assert [c["id"] for c in await alarm_checks(compliance, uprn)] == [first["id"]]
