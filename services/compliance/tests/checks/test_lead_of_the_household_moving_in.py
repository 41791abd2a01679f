"""The open check's lead time is that of the household living there when it is raised.
DOMAIN.md starts the checks earlier (90 days, not 60) for households with a history of
not giving access, and that history is the household's (037c7ed). A failure moved the
home's open check to the longer lead; a new household moving in (its tenancy announced
to start before the check is raised) kept it: raised 30 days early for the history of
the household before, until the next cycle. Now a tenancy's start brings each open
check not yet raised to the new household's lead, and its withdrawal back to the lead
of the household that stays (ADR 0111)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx

from compliance.checks.service import ProgrammeService
from hearth_kit.db import Database
from services.compliance.tests.checks.test_alarm_check_of_a_tenancy_to_come import (
    a_tenancy_from,
)
from services.compliance.tests.checks.test_alarm_check_of_a_tenancy_withdrawn import withdraw
from services.compliance.tests.checks.test_no_access_history_is_the_households import lead
from services.compliance.tests.checks.test_programme import a_gas_home, gas_check
from services.compliance.tests.factories import london_today


async def test_the_household_moving_in_gets_its_own_lead_and_the_one_staying_keeps_its_own(
    compliance: httpx.AsyncClient, compliance_database: Database, programme: ProgrammeService
) -> None:
    uprn = await a_gas_home(compliance, london_today() + timedelta(days=200))
    check = await gas_check(compliance, uprn)
    assert lead(check) == 60
    attempt = await compliance.post(
        f"/v1/compliance/checks/{check['id']}/access-attempts",
        json={
            "attempted_at": (datetime.now(UTC) - timedelta(days=3)).isoformat(),
            "attempted_by": "ENG-7",
            "outcome": "no_access",
        },
    )
    assert attempt.status_code == 201, attempt.text
    assert lead(await gas_check(compliance, uprn)) == 90

    # a new household moving in in 10 days, long before the check is raised
    start = london_today() + timedelta(days=10)
    tenancy = await a_tenancy_from(compliance_database, programme, uprn, start, uuid.uuid4())
    assert lead(await gas_check(compliance, uprn)) == 60

    # withdrawn before its first day: the household there keeps its history
    await withdraw(compliance_database, programme, uprn, start, tenancy)
    assert lead(await gas_check(compliance, uprn)) == 90


async def test_a_tenancy_starting_after_the_check_is_raised_leaves_the_lead(
    compliance: httpx.AsyncClient, compliance_database: Database, programme: ProgrammeService
) -> None:
    """A household moving in after the usual lead's day: the check is raised while the
    household that did not give access is there, so it keeps the longer lead."""
    uprn = await a_gas_home(compliance, london_today() + timedelta(days=200))
    check = await gas_check(compliance, uprn)
    attempt = await compliance.post(
        f"/v1/compliance/checks/{check['id']}/access-attempts",
        json={
            "attempted_at": datetime.now(UTC).isoformat(),
            "attempted_by": "ENG-7",
            "outcome": "no_access",
        },
    )
    assert attempt.status_code == 201, attempt.text

    await a_tenancy_from(compliance_database, programme, uprn, london_today() + timedelta(days=150))
    assert lead(await gas_check(compliance, uprn)) == 90
