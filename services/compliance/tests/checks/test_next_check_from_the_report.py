"""An EICR is due again at most 5 years on, or sooner when its report says so: the
Electrical Safety Standards in the Private Rented Sector (England) Regulations 2020,
reg. 3(1)(b), require inspection "at intervals of no more than 5 years" or "where the
most recent report ... requires such inspection and testing to be at intervals of less
than 5 years, at the intervals specified in that report". A certificate may give that
date (`next_check_by`); the next cycle is due by it. Before, every EICR ran 5 years, so a
home whose report asked for re-inspection in 3 counted in date for 2 years past it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx

from compliance.checks.rules import add_months
from compliance.checks.service import ProgrammeService
from hearth_kit.db import Database
from services.compliance.tests.checks.test_alarm_check_of_a_tenancy_to_come import (
    a_tenancy_from,
    alarm_checks,
)
from services.compliance.tests.checks.test_programme import a_gas_home
from services.compliance.tests.conftest import Published
from services.compliance.tests.factories import london_today


async def open_eicr(compliance: httpx.AsyncClient, uprn: str) -> dict[str, Any]:
    body = (await compliance.get(f"/v1/compliance/homes/{uprn}")).json()
    return next(
        c for c in body["checks"] if c["check_type"] == "electrical" and c["completed_at"] is None
    )


async def certify(compliance: httpx.AsyncClient, check_id: str, **fields: object) -> httpx.Response:
    return await compliance.post(
        f"/v1/compliance/checks/{check_id}/certificates",
        json={
            "done_on": london_today().isoformat(),
            "certificate_reference": f"EICR-{check_id}",
            "outcome": "satisfactory",
            **fields,
        },
    )


async def test_the_next_eicr_is_due_when_the_report_says(
    compliance: httpx.AsyncClient, published: Published
) -> None:
    uprn = await a_gas_home(compliance, london_today() + timedelta(days=200))
    eicr = await open_eicr(compliance, uprn)
    in_three_years = add_months(london_today(), 36)

    response = await certify(compliance, eicr["id"], next_check_by=in_three_years.isoformat())

    assert response.status_code == 201, response.text
    assert response.json()["expires_on"] == in_three_years.isoformat()
    following = await open_eicr(compliance, uprn)
    assert following["due_by"] == in_three_years.isoformat()
    assert following["certificate_expires_on"] == in_three_years.isoformat()
    (completed,) = await published("check-completed", uprn)
    assert completed["next_due_by"] == in_three_years.isoformat()


async def test_without_it_the_next_eicr_is_due_in_5_years(
    compliance: httpx.AsyncClient,
) -> None:
    uprn = await a_gas_home(compliance, london_today() + timedelta(days=200))
    eicr = await open_eicr(compliance, uprn)

    response = await certify(compliance, eicr["id"])

    assert response.status_code == 201, response.text
    assert response.json()["expires_on"] == add_months(london_today(), 60).isoformat()


async def test_a_date_past_the_interval_or_not_after_the_check_is_refused(
    compliance: httpx.AsyncClient,
) -> None:
    uprn = await a_gas_home(compliance, london_today() + timedelta(days=200))
    eicr = await open_eicr(compliance, uprn)
    too_late = add_months(london_today(), 60) + timedelta(days=1)

    for day in (too_late, london_today()):
        response = await certify(compliance, eicr["id"], next_check_by=day.isoformat())
        assert response.status_code == 422, response.text
        assert response.json()["field"] == "next_check_by"
    assert (await open_eicr(compliance, uprn))["id"] == eicr["id"]  # nothing kept


async def test_the_5_years_themselves_are_accepted(compliance: httpx.AsyncClient) -> None:
    uprn = await a_gas_home(compliance, london_today() + timedelta(days=200))
    eicr = await open_eicr(compliance, uprn)
    at_most = add_months(london_today(), 60)

    response = await certify(compliance, eicr["id"], next_check_by=at_most.isoformat())

    assert response.status_code == 201, response.text
    assert response.json()["expires_on"] == at_most.isoformat()


async def test_a_one_off_check_takes_no_next_date(
    compliance: httpx.AsyncClient, compliance_database: Database, programme: ProgrammeService
) -> None:
    """The smoke and CO alarm check of a tenancy's first day has no interval."""
    uprn = await a_gas_home(compliance, london_today() + timedelta(days=200))
    await a_tenancy_from(compliance_database, programme, uprn, london_today())
    (alarms,) = await alarm_checks(compliance, uprn)

    response = await certify(
        compliance,
        alarms["id"],
        next_check_by=add_months(london_today(), 12).isoformat(),
    )

    assert response.status_code == 422, response.text
    assert response.json()["field"] == "next_check_by"
