"""The smoke and CO alarm check of a new tenancy is made on its first day (DOMAIN.md;
the Smoke and Carbon Monoxide Alarm (England) Regulations 2015, reg. 4(1)(b): each alarm
in working order on the day the tenancy begins). Income announces a tenancy ahead, and
the check is opened then; a test made before the first day (a void gas visit the week
before) says nothing of the alarms on that day, so it does not complete the check: a gas
record's alarm tests leave it open, and a certificate for it dated before the first day
is refused naming done_on. Before, both closed it, and the register showed the new
tenancy's alarms checked when nobody had."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import httpx

from compliance.checks.service import ProgrammeService
from hearth_contracts import Envelope
from hearth_contracts.events.income import TenancyStarted, TenancyType, Tenant
from hearth_kit.db import Database
from services.compliance.tests.checks.test_programme import a_gas_home, handle_twice
from services.compliance.tests.factories import a_record, london_today

ALARMS = [
    {"kind": "smoke", "location": "ground floor hall", "result": "working"},
    {"kind": "carbon_monoxide", "location": "kitchen", "result": "working"},
]


async def a_tenancy_from(
    compliance_database: Database,
    programme: ProgrammeService,
    uprn: str,
    start: date,
    tenancy_id: uuid.UUID | None = None,
) -> uuid.UUID:
    """tenancy-started for the home from `start` (handled twice); its tenancy id."""
    tenancy_id = tenancy_id or uuid.uuid4()
    event = Envelope(
        data=TenancyStarted(
            tenancy_id=tenancy_id,
            tenancy_reference="T-9",
            uprn=uprn,
            tenants=[Tenant(person_id=uuid.uuid4(), full_name="A Tenant")],
            start_date=start,
            tenancy_type=TenancyType.SECURE,
            weekly_rent_pence=10000,
        )
    )
    await handle_twice(compliance_database, programme, event)
    return tenancy_id


async def alarm_checks(compliance: httpx.AsyncClient, uprn: str) -> list[dict[str, Any]]:
    body = (await compliance.get(f"/v1/compliance/homes/{uprn}")).json()
    return [c for c in body["checks"] if c["check_type"] == "smoke_co_alarms"]


async def a_gas_record_with_alarm_tests(compliance: httpx.AsyncClient, uprn: str) -> httpx.Response:
    """POST /v1/gas-safety-records: today's gas visit at the home, its alarms tested."""
    return await compliance.post(
        "/v1/gas-safety-records", json=a_record(uprn, london_today(), alarm_tests=ALARMS)
    )


async def an_alarm_certificate_of_today(compliance: httpx.AsyncClient, uprn: str) -> httpx.Response:
    """POST a satisfactory certificate, done today, for the home's alarm check."""
    (alarms,) = await alarm_checks(compliance, uprn)
    return await compliance.post(
        f"/v1/compliance/checks/{alarms['id']}/certificates",
        json={
            "done_on": london_today().isoformat(),
            "certificate_reference": f"ALARM-{uprn}",
            "outcome": "satisfactory",
        },
    )


async def test_a_gas_visits_alarm_tests_before_the_first_day_leave_it_open(
    compliance: httpx.AsyncClient, compliance_database: Database, programme: ProgrammeService
) -> None:
    uprn = await a_gas_home(compliance, london_today() + timedelta(days=200))
    await a_tenancy_from(compliance_database, programme, uprn, london_today() + timedelta(days=3))

    recorded = await a_gas_record_with_alarm_tests(compliance, uprn)

    assert recorded.status_code == 201, recorded.text
    (alarms,) = await alarm_checks(compliance, uprn)
    assert alarms["completed_at"] is None


async def test_a_gas_visits_alarm_tests_on_the_first_day_complete_it(
    compliance: httpx.AsyncClient, compliance_database: Database, programme: ProgrammeService
) -> None:
    uprn = await a_gas_home(compliance, london_today() + timedelta(days=200))
    await a_tenancy_from(compliance_database, programme, uprn, london_today())

    recorded = await a_gas_record_with_alarm_tests(compliance, uprn)

    assert recorded.status_code == 201, recorded.text
    (alarms,) = await alarm_checks(compliance, uprn)
    assert alarms["status"] == "completed"


async def test_a_certificate_before_the_first_day_is_refused_naming_done_on(
    compliance: httpx.AsyncClient, compliance_database: Database, programme: ProgrammeService
) -> None:
    uprn = await a_gas_home(compliance, london_today() + timedelta(days=200))
    start = london_today() + timedelta(days=3)
    await a_tenancy_from(compliance_database, programme, uprn, start)

    response = await an_alarm_certificate_of_today(compliance, uprn)

    assert response.status_code == 422, response.text
    assert response.json()["field"] == "done_on"
    assert start.isoformat() in response.json()["detail"]
    (alarms,) = await alarm_checks(compliance, uprn)
    assert alarms["completed_at"] is None


async def test_a_certificate_on_the_first_day_completes_it(
    compliance: httpx.AsyncClient, compliance_database: Database, programme: ProgrammeService
) -> None:
    uprn = await a_gas_home(compliance, london_today() + timedelta(days=200))
    await a_tenancy_from(compliance_database, programme, uprn, london_today())

    response = await an_alarm_certificate_of_today(compliance, uprn)

    assert response.status_code == 201, response.text
    (alarms,) = await alarm_checks(compliance, uprn)
    assert alarms["status"] == "completed"


async def test_the_check_of_a_tenancy_to_come_falls_due_on_its_first_day(
    compliance: httpx.AsyncClient, compliance_database: Database, programme: ProgrammeService
) -> None:
    """Not on the day income announced it: check-due sends nobody to test the alarms
    before the day the test counts for."""
    uprn = await a_gas_home(compliance, london_today() + timedelta(days=200))
    start = london_today() + timedelta(days=3)
    await a_tenancy_from(compliance_database, programme, uprn, start)

    (alarms,) = await alarm_checks(compliance, uprn)

    assert alarms["due_from"] == start.isoformat()
    assert alarms["status"] == "in_date"
