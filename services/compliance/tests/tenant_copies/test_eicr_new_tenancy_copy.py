"""A new tenancy's copy of the home's EICR before moving in (ADR 0094), as the gas
record's: the Electrical Safety Standards in the Private Rented Sector (England)
Regulations 2020, regulation 3(3), as extended to social housing, give a new tenant the
most recent report before they occupy. A home let again within the EICR's 5 years gets
the existing report's copy, asked of engagement (tenant-copy-requested), owed by the
start date, once per tenancy, listed and counted like any copy; a leasehold or shared
ownership home (no EICR in the programme, ADR 0028) and a lapsed EICR get none."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import httpx
import pytest

from compliance.checks.service import ProgrammeService
from hearth_kit.db import Database
from hearth_kit.working_days import start_of_london_day
from services.compliance.tests.factories import london_today
from services.compliance.tests.tenant_copies.test_tenant_copies import (
    a_gas_home,
    a_gas_record,
    a_uprn,
    copy_sent,
    handle,
    household_copy,
    tenancy_v1,
    tenancy_v2,
)


async def an_electric_home(compliance: httpx.AsyncClient, tenure: str = "general_needs") -> str:
    """A home with no gas: an EICR in the programme only (none when leased)."""
    uprn = a_uprn()
    body: dict[str, Any] = {
        "uprn": uprn,
        "address_line_1": "5 Well Street",
        "town": "London",
        "postcode": "E9 7PX",
        "property_type": "flat",
        "tenure": tenure,
        "heating_fuel": "electric",
        "gas_supply": "none",
    }
    response = await compliance.post("/v1/homes", json=body)
    assert response.status_code == 201, response.text
    return uprn


async def an_eicr(
    compliance: httpx.AsyncClient, uprn: str, done_on: date, reference: str | None = None
) -> dict[str, Any]:
    """The home's open EICR completed with a satisfactory report done on `done_on`."""
    home = (await compliance.get(f"/v1/compliance/homes/{uprn}")).json()
    [check] = [
        c for c in home["checks"] if c["check_type"] == "electrical" and not c["completed_at"]
    ]
    response = await compliance.post(
        f"/v1/compliance/checks/{check['id']}/certificates",
        json={
            "done_on": done_on.isoformat(),
            "certificate_reference": reference or f"EICR-{uprn}-{done_on:%Y%m%d}",
            "outcome": "satisfactory",
        },
    )
    assert response.status_code == 201, response.text
    record: dict[str, Any] = response.json()
    record["check_id"] = check["id"]
    return record


async def measures(compliance: httpx.AsyncClient) -> dict[str, dict[str, Any]]:
    figures = (await compliance.get("/v1/compliance/figures")).json()["measures"]
    return {m["code"]: m for m in figures}


@pytest.mark.parametrize("version", [1, 2])
async def test_a_home_let_again_within_its_eicrs_5_years_asks_for_its_copy_before_moving_in(
    compliance: httpx.AsyncClient,
    compliance_database: Database,
    programme: ProgrammeService,
    published: Any,
    version: int,
) -> None:
    """The EICR done 3 years ago for the last tenants is the report the new ones get
    before moving in, beside the gas record's copy: one request each, once for the
    tenancy however often it is announced."""
    uprn = await a_gas_home(compliance)
    gas = await a_gas_record(compliance, uprn, london_today() - timedelta(days=60))
    eicr = await an_eicr(compliance, uprn, london_today() - timedelta(days=3 * 365))
    start = london_today() + timedelta(days=5)
    people = [uuid.uuid4(), uuid.uuid4()]
    tenancy = (tenancy_v1 if version == 1 else tenancy_v2)(uprn, start, people)
    await handle(compliance_database, programme, tenancy)  # twice: a redelivery

    asked = await published("tenant-copy-requested", uprn)
    assert sorted(a["check_type"] for a in asked) == ["electrical", "gas_safety"]
    [electrical] = [a for a in asked if a["check_type"] == "electrical"]
    assert (electrical["check_id"], electrical["record_id"]) == (eicr["check_id"], eicr["id"])
    assert electrical["certificate_reference"] == eicr["certificate_reference"]
    assert electrical["check_date"] == eicr["done_on"]
    assert electrical["expires_on"] == eicr["expires_on"]
    assert electrical["tenancy_id"] == str(tenancy.data.tenancy_id)
    assert electrical["person_ids"] == [str(p) for p in people]
    assert electrical["copy_by"] == start.isoformat()
    [gas_asked] = [a for a in asked if a["check_type"] == "gas_safety"]
    assert gas_asked["record_id"] == gas["id"]
    assert electrical["copy_id"] != gas_asked["copy_id"]

    _, copies = await household_copy(compliance, uprn, eicr["check_id"])
    [new_tenancy] = [
        c for c in copies if c["tenancy_id"] is not None and c["check_type"] == "electrical"
    ]
    assert new_tenancy["id"] == electrical["copy_id"]
    assert (new_tenancy["record_id"], new_tenancy["copy_by"]) == (eicr["id"], start.isoformat())
    assert new_tenancy["standing"] == "owed"

    # engagement sent it the day before the start: in time, and only this copy stamped
    sent_at = start_of_london_day(start - timedelta(days=1)) + timedelta(hours=9)
    await handle(compliance_database, programme, copy_sent(electrical["copy_id"], uprn, sent_at))
    _, copies = await household_copy(compliance, uprn, eicr["check_id"])
    stamped = {c["id"]: c["sent_on_time"] for c in copies}
    assert stamped[electrical["copy_id"]] is True
    assert stamped[gas_asked["copy_id"]] is None
    assert stamped[eicr["check_id"]] is None  # the household's copy of the EICR


async def test_a_tenancy_announced_late_owes_the_eicr_copy_overdue_listed_and_counted(
    compliance: httpx.AsyncClient,
    compliance_database: Database,
    programme: ProgrammeService,
    published: Any,
) -> None:
    """A home with no gas (the EICR is its only record) let from 3 days ago, announced
    today: its copy was due by the start date, so it is overdue at once, in the overdue
    list, the figures' overdue count and the period's copies due."""
    uprn = await an_electric_home(compliance)
    eicr = await an_eicr(compliance, uprn, london_today() - timedelta(days=400))
    before = await measures(compliance)
    start = london_today() - timedelta(days=3)
    await handle(compliance_database, programme, tenancy_v2(uprn, start, [uuid.uuid4()]))

    [asked] = await published("tenant-copy-requested", uprn)
    assert (asked["check_type"], asked["record_id"]) == ("electrical", eicr["id"])
    listed = await compliance.get(
        "/v1/compliance/tenant-copies", params={"status": "overdue", "uprn": uprn}
    )
    assert listed.status_code == 200, listed.text
    # beside the household's copy of the EICR, overdue since a year ago
    assert [(c["id"], c["tenancy_id"], c["copy_by"]) for c in listed.json()["items"]] == [
        (eicr["check_id"], None, eicr["copy_to_tenant_by"]),
        (asked["copy_id"], asked["tenancy_id"], start.isoformat()),
    ]
    after = await measures(compliance)
    overdue, on_time = "compliance.tenant_copies_overdue", "compliance.tenant_copies_on_time"
    assert after[overdue]["numerator"] == before[overdue]["numerator"] + 1
    assert after[on_time]["denominator"] == before[on_time]["denominator"] + 1
    assert after[on_time]["numerator"] == before[on_time]["numerator"]


async def test_the_eicr_copy_takes_the_gas_records_deadlines_in_either_order(
    compliance: httpx.AsyncClient,
    compliance_database: Database,
    programme: ProgrammeService,
    published: Any,
) -> None:
    """The tenancy known first (announced before the EICR arrives, starting within its
    28 days): the household's copy of the EICR is due by the start date, asked with
    check-completed, and the tenancy asks nothing more of it. The EICR first: the
    tenancy's own copy, due the start date too: "before moving in" is one deadline for
    one tenancy, whichever came first (`rules.copy_before_moving_in`). Before, the first
    ordering owed it the day before the start. As a gas record's copies are."""
    start = london_today() + timedelta(days=10)
    tenancy_first = await an_electric_home(compliance)
    await handle(compliance_database, programme, tenancy_v2(tenancy_first, start, [uuid.uuid4()]))
    eicr = await an_eicr(compliance, tenancy_first, london_today())
    _, copies = await household_copy(compliance, tenancy_first, eicr["check_id"])
    [household] = copies
    assert household["tenancy_id"] is None
    assert await published("tenant-copy-requested", tenancy_first) == []

    record_first = await an_electric_home(compliance)
    eicr_first = await an_eicr(compliance, record_first, london_today())
    assert eicr_first["copy_to_tenant_by"] == (london_today() + timedelta(days=28)).isoformat()
    tenancy = tenancy_v2(record_first, start, [uuid.uuid4()])
    await handle(compliance_database, programme, tenancy)
    [asked] = await published("tenant-copy-requested", record_first)
    assert asked["record_id"] == eicr_first["id"]

    # the same tenancy start, the same deadline, in either order: the start date
    assert eicr["copy_to_tenant_by"] == household["copy_by"] == asked["copy_by"]
    assert asked["copy_by"] == start.isoformat()


async def test_no_eicr_copy_for_a_leased_home_or_a_lapsed_eicr(
    compliance: httpx.AsyncClient,
    compliance_database: Database,
    programme: ProgrammeService,
    published: Any,
) -> None:
    """A home sold on a long lease (right to buy) keeps the EICR done while it was let,
    but the installation is the leaseholder's now (ADR 0028): a tenancy there is asked
    no EICR copy. An EICR that lapses before the first day is not current: none either
    (the home's EICR is overdue in the programme). A let home with a current one is."""
    sold = await an_electric_home(compliance)
    await an_eicr(compliance, sold, london_today() - timedelta(days=100))
    patched = await compliance.patch(
        f"/v1/homes/{sold}", json={"tenure": "leasehold"}, headers={"If-Match": '"1"'}
    )
    assert patched.status_code == 200, patched.text
    # done 1,800 days ago: its 5 years end in about 26 days
    lapsed = await an_electric_home(compliance)
    await an_eicr(compliance, lapsed, london_today() - timedelta(days=1800))
    let = await an_electric_home(compliance)
    current = await an_eicr(compliance, let, london_today() - timedelta(days=1800))
    start = london_today() + timedelta(days=3)
    late_start = london_today() + timedelta(days=60)
    for uprn, day in ((sold, start), (lapsed, late_start), (let, start)):
        await handle(compliance_database, programme, tenancy_v2(uprn, day, [uuid.uuid4()]))

    assert await published("tenant-copy-requested", sold) == []
    assert await published("tenant-copy-requested", lapsed) == []
    [asked] = await published("tenant-copy-requested", let)
    assert asked["record_id"] == current["id"]
