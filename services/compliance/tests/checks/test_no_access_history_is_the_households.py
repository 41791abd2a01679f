"""A history of not giving access is the household's, not the home's: the checks of a
household that moved in after the failures start at the usual lead time (60 days), and
those of the household that failed to give access at the longer one (90). DOMAIN.md:
the programme starts earlier for households with a history of not giving access.
Before, the flag on the home was never cleared, so every later household was started
early as if the history were its own."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx

from compliance.checks.rules import add_months, household_no_access_history
from compliance.checks.service import ProgrammeService
from hearth_contracts import Envelope
from hearth_contracts.events.income import TenancyStarted, TenancyType, Tenant
from hearth_kit.db import Database
from services.compliance.tests.checks.test_programme import a_gas_home, gas_check, handle_twice
from services.compliance.tests.factories import a_record, london_today


async def next_cycle_after_a_failure_and_a_tenancy(
    compliance: httpx.AsyncClient,
    db: Database,
    programme: ProgrammeService,
    *,
    failed_days_ago: int,
    tenancy_started_days_ago: int,
) -> dict[str, Any]:
    """A gas home whose check was not let in `failed_days_ago`, a tenancy begun
    `tenancy_started_days_ago` (announced then), and today's gas record: the next cycle."""
    uprn = await a_gas_home(compliance, london_today() + timedelta(days=200))
    check = await gas_check(compliance, uprn)
    attempt = await compliance.post(
        f"/v1/compliance/checks/{check['id']}/access-attempts",
        json={
            "attempted_at": (datetime.now(UTC) - timedelta(days=failed_days_ago)).isoformat(),
            "attempted_by": "ENG-7",
            "outcome": "no_access",
        },
    )
    assert attempt.status_code == 201, attempt.text
    tenancy = TenancyStarted(
        tenancy_id=uuid.uuid4(),
        tenancy_reference="T-NAH",
        uprn=uprn,
        tenants=[Tenant(person_id=uuid.uuid4(), full_name="A Tenant")],
        start_date=london_today() - timedelta(days=tenancy_started_days_ago),
        tenancy_type=TenancyType.SECURE,
        weekly_rent_pence=10000,
    )
    await handle_twice(db, programme, Envelope(data=tenancy))
    recorded = await compliance.post("/v1/gas-safety-records", json=a_record(uprn, london_today()))
    assert recorded.status_code == 201, recorded.text
    following = await gas_check(compliance, uprn)
    assert following["id"] != check["id"]
    assert following["due_by"] == add_months(london_today(), 12).isoformat()
    return following


def lead(check: dict[str, Any]) -> int:
    return (date.fromisoformat(check["due_by"]) - date.fromisoformat(check["due_from"])).days


async def test_a_household_that_moved_in_after_the_failure_starts_at_the_usual_lead_time(
    compliance: httpx.AsyncClient, compliance_database: Database, programme: ProgrammeService
) -> None:
    newcomers = await next_cycle_after_a_failure_and_a_tenancy(
        compliance, compliance_database, programme, failed_days_ago=5, tenancy_started_days_ago=2
    )
    assert lead(newcomers) == 60
    # the household that did not give access keeps its history
    failed = await next_cycle_after_a_failure_and_a_tenancy(
        compliance, compliance_database, programme, failed_days_ago=5, tenancy_started_days_ago=30
    )
    assert lead(failed) == 90


def test_whose_history_it_is() -> None:
    today = london_today()
    day = timedelta(days=1)
    assert not household_no_access_history(None, None, today)
    assert household_no_access_history(today - 5 * day, None, today)  # no tenancy known
    assert household_no_access_history(today - 5 * day, today - 30 * day, today)
    assert household_no_access_history(today - 5 * day, today - 5 * day, today)  # its first day
    assert not household_no_access_history(today - 5 * day, today - 2 * day, today)
    # a tenancy announced ahead: the household there now is the one before
    assert household_no_access_history(today - 5 * day, today + 7 * day, today)
