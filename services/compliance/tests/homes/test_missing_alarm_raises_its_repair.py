"""A required alarm the register shows a let home missing raises its repair once
(required-alarm-missing, docs/adr/0109). DOMAIN.md: a smoke alarm on every storey with
living space, a CO alarm in every room with a fixed combustion appliance; faulty alarms
repaired or replaced. Before, migration 0019 counted such homes but nothing raised a
repair: safety-defect-found needs the check a defect was found at, and the register is
no check."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import text

from compliance.checks.service import ProgrammeService
from compliance.settings import Programme
from hearth_kit.db import Database
from hearth_kit.scheduler import ScheduledJob, run_until_done
from services.compliance.tests.conftest import Published
from services.compliance.tests.factories import a_uprn
from services.compliance.tests.homes.test_missing_alarms_counted import a_home, patch


async def test_a_missing_alarm_raises_its_repair_once_and_again_only_after_it_was_fitted(
    compliance: httpx.AsyncClient, published: Published
) -> None:
    uprn = a_uprn()
    registered = await compliance.post(
        "/v1/homes",
        json=a_home(
            uprn,
            storeys_with_living_space=2,
            smoke_alarm_storeys=[0],
            appliances=[{"appliance_type": "boiler", "location": " Kitchen "}],
        ),
    )
    assert registered.status_code == 201, registered.text
    raised = await published("required-alarm-missing", uprn)
    assert sorted((e["kind"], e["storey"], e["location"]) for e in raised) == [
        ("carbon_monoxide", None, "kitchen"),
        ("smoke", 1, "storey 1 above the ground floor"),
    ]
    assert {(e["priority"], e["trade"]) for e in raised} == {("urgent", "electrical")}
    # changed (the address), read: still missing, nothing raised again
    await patch(compliance, uprn, {"address_line_2": "Mare Street end"})
    assert (await compliance.get(f"/v1/homes/{uprn}")).status_code == 200
    assert len(await published("required-alarm-missing", uprn)) == 2
    # the smoke alarm fitted, then gone again: a new repair under a new id
    await patch(compliance, uprn, {"smoke_alarm_storeys": [0, 1]})
    assert len(await published("required-alarm-missing", uprn)) == 2
    await patch(compliance, uprn, {"smoke_alarm_storeys": [0]})
    again = (await published("required-alarm-missing", uprn))[2:]
    assert [(e["kind"], e["storey"]) for e in again] == [("smoke", 1)]
    first_smoke = next(e for e in raised if e["kind"] == "smoke")
    assert again[0]["alarm_id"] != first_smoke["alarm_id"]


async def test_a_leaseholders_home_and_a_gas_cooker_raise_nothing(
    compliance: httpx.AsyncClient, published: Published
) -> None:
    leasehold = a_uprn()
    response = await compliance.post(
        "/v1/homes", json=a_home(leasehold, tenure="leasehold", storeys_with_living_space=2)
    )
    assert response.status_code == 201, response.text
    cooker = a_uprn()
    response = await compliance.post(
        "/v1/homes",
        json=a_home(
            cooker,
            storeys_with_living_space=1,
            smoke_alarm_storeys=[0],
            appliances=[{"appliance_type": "gas_cooker", "location": "Kitchen"}],
        ),
    )
    assert response.status_code == 201, response.text
    assert await published("required-alarm-missing", leasehold) == []
    assert await published("required-alarm-missing", cooker) == []


async def test_the_sweep_raises_the_repairs_of_homes_missing_an_alarm_before_it_was_kept(
    compliance: httpx.AsyncClient, compliance_database: Database, published: Published
) -> None:
    """A home missing an alarm before migration 0020 has no missing alarm open: the idle
    sweep raises its repair, once however often it runs."""
    uprn = a_uprn()
    response = await compliance.post("/v1/homes", json=a_home(uprn, storeys_with_living_space=1))
    assert response.status_code == 201, response.text
    async with compliance_database.sessionmaker() as session, session.begin():
        # as a home was left by migration 0020: counted, nothing raised
        await session.execute(text("DELETE FROM missing_alarm WHERE uprn = :u"), {"u": uprn})
    before = await published("required-alarm-missing", uprn)
    service = ProgrammeService(Programme())
    job = ScheduledJob("compliance-sweep", timedelta(days=1), service.sweep)
    for _ in range(2):
        await run_until_done(compliance_database, job, datetime.now(UTC))
    after: list[dict[str, Any]] = await published("required-alarm-missing", uprn)
    assert [(e["kind"], e["storey"]) for e in after[len(before) :]] == [("smoke", 0)]
