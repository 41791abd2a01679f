"""A new tenancy's smoke and CO alarm check is for its own first day, even when the
check of an earlier tenancy's first day was never made (ADR 0161). Before, the home's
open alarm check was reused with the earlier tenancy's dates: the new household's first
day was never asked for, the check stayed overdue from the old day, and a test made in
the void before the new tenancy began completed it, the register showing the new
tenancy's alarms checked when nobody had. Now the earlier, unmade check is withdrawn
(check-withdrawn: it can no longer be made on its day) and the new tenancy's opened,
when the new tenancy begins (ADR 0175): announced ahead, the earlier check stays open
for the household still there, whose late test is recorded against it, until the new
tenancy's first day, when the sweep replaces it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from compliance.checks.service import ProgrammeService
from hearth_kit.db import Database
from services.compliance.tests.checks.test_alarm_check_of_a_tenancy_to_come import (
    ALARMS,
    a_tenancy_from,
    alarm_checks,
)
from services.compliance.tests.checks.test_programme import a_gas_home
from services.compliance.tests.conftest import Published
from services.compliance.tests.factories import a_record, london_today


async def sweep_on(compliance_database: Database, programme: ProgrammeService, days: int) -> None:
    """The daily sweep run `days` from now, until it has nothing left to do."""
    async with compliance_database.sessionmaker() as session, session.begin():
        while await programme.sweep(session, datetime.now(UTC) + timedelta(days=days)):
            pass


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
    # announced ahead: the earlier check stays open until the new tenancy begins
    assert [c["id"] for c in await alarm_checks(compliance, uprn)] == [missed["id"]]
    assert await published("check-withdrawn", uprn) == []
    await sweep_on(compliance_database, programme, days=3)

    checks = {c["id"]: c for c in await alarm_checks(compliance, uprn)}
    assert checks[missed["id"]]["status"] == "withdrawn"
    [new] = [c for c in checks.values() if c["completed_at"] is None]
    assert new["due_from"] == (today + timedelta(days=3)).isoformat()
    assert new["due_by"] == (today + timedelta(days=3)).isoformat()
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


async def test_a_tenancy_announced_once_begun_replaces_the_earlier_check_at_once(
    compliance: httpx.AsyncClient,
    compliance_database: Database,
    programme: ProgrammeService,
    published: Published,
) -> None:
    today = london_today()
    uprn = await a_gas_home(compliance, today + timedelta(days=200))
    await a_tenancy_from(compliance_database, programme, uprn, today - timedelta(days=30))
    [missed] = await alarm_checks(compliance, uprn)

    await a_tenancy_from(compliance_database, programme, uprn, today - timedelta(days=2))

    checks = {c["id"]: c for c in await alarm_checks(compliance, uprn)}
    assert checks[missed["id"]]["status"] == "withdrawn"
    [new] = [c for c in checks.values() if c["completed_at"] is None]
    assert new["due_from"] == (today - timedelta(days=2)).isoformat()
    assert [w["check_id"] for w in await published("check-withdrawn", uprn)] == [missed["id"]]


async def test_the_household_still_there_has_its_late_alarm_test_recorded(
    compliance: httpx.AsyncClient,
    compliance_database: Database,
    programme: ProgrammeService,
    published: Published,
) -> None:
    """The next tenancy is announced a month ahead; the household there has its alarms
    tested late, at today's gas visit. Before ADR 0175 its check was withdrawn at the
    announcement and the test was no check's."""
    today = london_today()
    uprn = await a_gas_home(compliance, today + timedelta(days=200))
    await a_tenancy_from(compliance_database, programme, uprn, today - timedelta(days=30))
    [missed] = await alarm_checks(compliance, uprn)
    await a_tenancy_from(compliance_database, programme, uprn, today + timedelta(days=30))

    record = await compliance.post(
        "/v1/gas-safety-records", json=a_record(uprn, today, alarm_tests=ALARMS)
    )

    assert record.status_code == 201, record.text
    checks = {c["id"]: c for c in await alarm_checks(compliance, uprn)}
    assert checks[missed["id"]]["record_id"] == record.json()["id"]
    assert checks[missed["id"]]["status"] != "withdrawn"
    assert await published("check-withdrawn", uprn) == []
    # the new tenancy's own check, opened now as on its announcement: due on its day
    [new] = [c for c in checks.values() if c["completed_at"] is None]
    assert new["due_from"] == (today + timedelta(days=30)).isoformat()
    assert new["due_by"] == (today + timedelta(days=30)).isoformat()


async def test_an_alarm_certificate_for_the_household_still_there_is_taken(
    compliance: httpx.AsyncClient, compliance_database: Database, programme: ProgrammeService
) -> None:
    today = london_today()
    uprn = await a_gas_home(compliance, today + timedelta(days=200))
    await a_tenancy_from(compliance_database, programme, uprn, today - timedelta(days=30))
    [missed] = await alarm_checks(compliance, uprn)
    await a_tenancy_from(compliance_database, programme, uprn, today + timedelta(days=30))

    late_test = await compliance.post(
        f"/v1/compliance/checks/{missed['id']}/certificates",
        json={
            "done_on": today.isoformat(),
            "certificate_reference": f"ALARM-{uprn}",
            "outcome": "satisfactory",
        },
    )

    assert late_test.status_code == 201, late_test.text
    assert late_test.json()["check_id"] == missed["id"]
    [new] = [c for c in await alarm_checks(compliance, uprn) if c["completed_at"] is None]
    assert new["due_from"] == (today + timedelta(days=30)).isoformat()


async def test_the_same_tenancys_check_is_not_raised_again(
    compliance: httpx.AsyncClient, compliance_database: Database, programme: ProgrammeService
) -> None:
    today = london_today()
    uprn = await a_gas_home(compliance, today + timedelta(days=200))
    tenancy = await a_tenancy_from(compliance_database, programme, uprn, today)
    [first] = await alarm_checks(compliance, uprn)

    await a_tenancy_from(compliance_database, programme, uprn, today, tenancy_id=tenancy)

    assert [c["id"] for c in await alarm_checks(compliance, uprn)] == [first["id"]]
