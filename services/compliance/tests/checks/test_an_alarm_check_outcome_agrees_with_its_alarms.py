"""The smoke and CO alarm check is unsatisfactory exactly when an alarm is faulty or
missing, sent as an alarm_faulty_or_missing defect (ADR 0159). Before, an officer who
classed the landing's missing smoke alarm `other` sent an unsatisfactory certificate
that raised no repair at all (`other` is recorded, no repair): the alarm the law
requires on the tenancy's first day was never fitted. Refused now, 422 naming outcome,
nothing kept, the check open; sent again as the alarm's defect, its repair is raised.
The description is never read: the refusal rests on the outcome the certificate
states."""

from __future__ import annotations

import httpx

from compliance.checks.service import ProgrammeService
from hearth_kit.db import Database
from services.compliance.tests.checks.test_alarm_certificate_and_the_register import (
    alarm_defect,
    certify,
    first_day_alarm_check,
)
from services.compliance.tests.conftest import Published
from services.compliance.tests.gas_safety_records.test_alarm_tests_and_the_register import (
    a_let_gas_home,
)

LANDING_AS_OTHER = {
    "classification": "other",
    "location": "landing",
    "description": "No smoke alarm on the landing",
}


async def test_an_unsatisfactory_alarm_check_without_an_alarm_defect_is_refused(
    compliance: httpx.AsyncClient,
    compliance_database: Database,
    programme: ProgrammeService,
    published: Published,
) -> None:
    uprn = await a_let_gas_home(
        compliance, storeys_with_living_space=1, smoke_alarm_storeys=[0], co_alarm_rooms=["kitchen"]
    )
    check = await first_day_alarm_check(compliance, compliance_database, programme, uprn)

    refused = await certify(compliance, check, [LANDING_AS_OTHER])

    assert refused.status_code == 422, refused.text
    assert [e["field"] for e in refused.json()["errors"]] == ["outcome"]
    # the free text is not echoed back
    assert "landing" not in refused.text
    home = (await compliance.get(f"/v1/compliance/homes/{uprn}")).json()
    assert [c["completed_at"] for c in home["checks"] if c["id"] == check] == [None]
    assert await published("check-completed", uprn) == []

    taken = await certify(compliance, check, [alarm_defect("landing", alarm_kind="smoke")])

    assert taken.status_code == 201, taken.text
    [repair] = await published("safety-defect-found", uprn)
    assert (repair["classification"], repair["priority"]) == ("alarm_faulty_or_missing", "urgent")


async def test_a_satisfactory_alarm_check_with_an_alarm_faulty_is_refused(
    compliance: httpx.AsyncClient,
    compliance_database: Database,
    programme: ProgrammeService,
    published: Published,
) -> None:
    uprn = await a_let_gas_home(
        compliance, storeys_with_living_space=1, smoke_alarm_storeys=[0], co_alarm_rooms=["kitchen"]
    )
    check = await first_day_alarm_check(compliance, compliance_database, programme, uprn)

    refused = await certify(
        compliance,
        check,
        [alarm_defect("hall", alarm_kind="smoke")],
        outcome="satisfactory",
    )

    assert refused.status_code == 422, refused.text
    assert [e["field"] for e in refused.json()["errors"]] == ["outcome"]
    assert await published("safety-defect-found", uprn) == []
    # satisfactory, an observation recorded: taken, no repair
    taken = await certify(
        compliance,
        check,
        [{**LANDING_AS_OTHER, "description": "Alarm due for replacement next year"}],
        outcome="satisfactory",
    )
    assert taken.status_code == 201, taken.text
    assert await published("safety-defect-found", uprn) == []
