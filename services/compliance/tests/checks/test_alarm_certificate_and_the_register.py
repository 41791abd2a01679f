"""An alarm found faulty or missing on a certificate (the smoke and CO alarm check on a
tenancy's first day, above all) whose repair the register's missing alarm row already
raised is that row's repair, not a second one (ADR 0126, as ADR 0120 has it for a gas
record's alarm tests). Before, every alarm defect on a certificate sent its own
safety-defect-found: at a home whose register showed the landing's smoke alarm and the
kitchen's CO alarm missing (each with its repair), the officer testing the alarms on
the first day raised two more repairs for the same two alarms. A defect now says which
alarm it is (`alarm_kind`, a smoke alarm's `storey`); one that does not is its own
repair as before."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx

from compliance.checks.service import ProgrammeService
from hearth_kit.db import Database
from services.compliance.tests.checks.test_alarm_check_of_a_tenancy_to_come import (
    a_tenancy_from,
)
from services.compliance.tests.conftest import Published
from services.compliance.tests.factories import london_today
from services.compliance.tests.gas_safety_records.test_alarm_tests_and_the_register import (
    a_let_gas_home,
    complete_repair,
)


def alarm_defect(location: str, **alarm: Any) -> dict[str, Any]:
    return {
        "classification": "alarm_faulty_or_missing",
        "location": location,
        "description": "no alarm on the ceiling",
        **alarm,
    }


async def first_day_alarm_check(
    compliance: httpx.AsyncClient, db: Database, programme: ProgrammeService, uprn: str
) -> str:
    await a_tenancy_from(db, programme, uprn, london_today())
    home = (await compliance.get(f"/v1/compliance/homes/{uprn}")).json()
    [check] = [
        c["id"]
        for c in home["checks"]
        if c["check_type"] == "smoke_co_alarms" and c["completed_at"] is None
    ]
    return str(check)


async def certify(
    compliance: httpx.AsyncClient, check: str, defects: list[dict[str, Any]], **fields: Any
) -> httpx.Response:
    return await compliance.post(
        f"/v1/compliance/checks/{check}/certificates",
        json={
            "done_on": london_today().isoformat(),
            "certificate_reference": f"ALARMS-{check}",
            "outcome": "unsatisfactory",
            "defects": defects,
            **fields,
        },
    )


async def test_an_alarm_the_register_has_a_repair_for_raises_no_second_one(
    compliance: httpx.AsyncClient,
    compliance_database: Database,
    programme: ProgrammeService,
    published: Published,
) -> None:
    uprn = await a_let_gas_home(
        compliance, storeys_with_living_space=2, smoke_alarm_storeys=[0], co_alarm_rooms=[]
    )
    raised = await published("required-alarm-missing", uprn)
    assert sorted((r["kind"], r["storey"]) for r in raised) == [
        ("carbon_monoxide", None),
        ("smoke", 1),
    ]
    check = await first_day_alarm_check(compliance, compliance_database, programme, uprn)

    taken = await certify(
        compliance,
        check,
        [
            alarm_defect("landing", alarm_kind="smoke", storey=1),
            alarm_defect(" Kitchen ", alarm_kind="carbon_monoxide"),
            # the hall's, which the register shows fitted: found faulty, its own repair
            alarm_defect("hall", alarm_kind="smoke", storey=0),
        ],
    )

    assert taken.status_code == 201, taken.text
    [own] = await published("safety-defect-found", uprn)
    assert own["location"] == "hall"
    assert len(await published("required-alarm-missing", uprn)) == 2


async def test_an_alarm_defect_that_does_not_say_which_alarm_is_its_own_repair(
    compliance: httpx.AsyncClient,
    compliance_database: Database,
    programme: ProgrammeService,
    published: Published,
) -> None:
    # the register lacks no alarm: no repair raised that this one could repeat
    uprn = await a_let_gas_home(
        compliance, storeys_with_living_space=1, smoke_alarm_storeys=[0], co_alarm_rooms=["kitchen"]
    )
    assert await published("required-alarm-missing", uprn) == []
    check = await first_day_alarm_check(compliance, compliance_database, programme, uprn)
    taken = await certify(compliance, check, [alarm_defect("hall")])
    assert taken.status_code == 201, taken.text
    assert len(await published("safety-defect-found", uprn)) == 1


async def test_where_the_register_has_a_repair_raised_an_alarm_defect_says_which_alarm(
    compliance: httpx.AsyncClient,
    compliance_database: Database,
    programme: ProgrammeService,
    published: Published,
) -> None:
    """ADR 0153: the hall's smoke alarm the register lacks, its repair raised; the officer's
    alarm defect that does not say which alarm could be that one (a second repair to fit
    it) or another: refused, naming the field, nothing kept; sent again saying which, the
    register's repair is the one."""
    uprn = await a_let_gas_home(
        compliance, storeys_with_living_space=1, smoke_alarm_storeys=[], co_alarm_rooms=["kitchen"]
    )
    assert len(await published("required-alarm-missing", uprn)) == 1
    check = await first_day_alarm_check(compliance, compliance_database, programme, uprn)
    co = alarm_defect("kitchen", alarm_kind="carbon_monoxide")

    refused = await certify(compliance, check, [co, alarm_defect("hall")])

    assert refused.status_code == 422, refused.text
    assert [e["field"] for e in refused.json()["errors"]] == ["defects.1.alarm_kind"]
    home = (await compliance.get(f"/v1/compliance/homes/{uprn}")).json()
    assert [c["completed_at"] for c in home["checks"] if c["id"] == check] == [None]
    assert await published("safety-defect-found", uprn) == []

    taken = await certify(compliance, check, [co, alarm_defect("hall", alarm_kind="smoke")])

    assert taken.status_code == 201, taken.text
    # the hall's is the register's row's repair; the kitchen's CO alarm, which the
    # register shows fitted, found faulty: its own repair
    assert [d["location"] for d in await published("safety-defect-found", uprn)] == ["kitchen"]


async def test_an_alarm_defect_after_the_registers_repair_was_done_is_its_own_repair(
    compliance: httpx.AsyncClient,
    compliance_database: Database,
    programme: ProgrammeService,
    published: Published,
) -> None:
    """The row stays open until the register shows the alarm fitted, but its repair done
    before the check cannot be repeated: an alarm found faulty or missing after it is a
    new repair (ADR 0120), and one that does not say which alarm is taken as before."""
    uprn = await a_let_gas_home(
        compliance, storeys_with_living_space=1, smoke_alarm_storeys=[], co_alarm_rooms=["kitchen"]
    )
    [raised] = await published("required-alarm-missing", uprn)
    await complete_repair(compliance_database, raised["alarm_id"], uprn)
    check = await first_day_alarm_check(compliance, compliance_database, programme, uprn)

    taken = await certify(
        compliance, check, [alarm_defect("hall")], checked_at=datetime.now(UTC).isoformat()
    )

    assert taken.status_code == 201, taken.text
    assert len(await published("safety-defect-found", uprn)) == 1


async def test_which_alarm_cannot_be_told_or_is_not_an_alarm_is_refused(
    compliance: httpx.AsyncClient,
    compliance_database: Database,
    programme: ProgrammeService,
    published: Published,
) -> None:
    uprn = await a_let_gas_home(
        compliance, storeys_with_living_space=2, smoke_alarm_storeys=[0], co_alarm_rooms=[]
    )
    check = await first_day_alarm_check(compliance, compliance_database, programme, uprn)
    c2 = {
        "classification": "potentially_dangerous",
        "location": "landing",
        "description": "loose socket",
    }
    for defects, field in (
        ([alarm_defect("landing", alarm_kind="smoke")], "defects.0.storey"),
        ([alarm_defect("kitchen", alarm_kind="carbon_monoxide", storey=0)], "defects.0.storey"),
        ([alarm_defect("hall"), {**c2, "alarm_kind": "smoke"}], "defects.1.alarm_kind"),
    ):
        refused = await certify(compliance, check, defects)
        assert refused.status_code == 422, refused.text
        assert [e["field"] for e in refused.json()["errors"]] == [field]
    assert await published("safety-defect-found", uprn) == []
    home = (await compliance.get(f"/v1/compliance/homes/{uprn}")).json()
    assert [c["completed_at"] for c in home["checks"] if c["id"] == check] == [None]
