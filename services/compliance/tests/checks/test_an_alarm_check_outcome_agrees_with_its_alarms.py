"""The smoke and CO alarm check is unsatisfactory exactly when an alarm is faulty or
missing, sent as an alarm_faulty_or_missing defect (ADR 0159). Before, an officer who
classed the landing's missing smoke alarm `other` sent an unsatisfactory certificate
that raised no repair at all (`other` is recorded, no repair): the alarm the law
requires on the tenancy's first day was never fitted. Refused now, 422 naming outcome,
nothing kept, the check open; sent again as the alarm's defect, its repair is raised.
The description is never read: the refusal rests on the outcome the certificate
states. An `other` on the alarm check is refused too, satisfactory or not (ADR 0196):
each finding there is an alarm's fault or an observation, and the contractor says
which."""

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
        [
            {
                **LANDING_AS_OTHER,
                "classification": "improvement_recommended",
                "description": "Alarm due for replacement next year",
            }
        ],
        outcome="satisfactory",
    )
    assert taken.status_code == 201, taken.text
    assert await published("safety-defect-found", uprn) == []


async def test_an_alarm_fault_classed_other_on_a_satisfactory_alarm_check_is_refused(
    compliance: httpx.AsyncClient,
    compliance_database: Database,
    programme: ProgrammeService,
    published: Published,
) -> None:
    """ADR 0196: the landing's missing alarm classed `other` on a certificate that says
    satisfactory was taken and raised nothing; an `other` on the alarm check is now
    refused, 422 naming its classification, nothing kept, the check open. Sent as the
    alarm's defect (and unsatisfactory) its repair is raised."""
    uprn = await a_let_gas_home(
        compliance, storeys_with_living_space=1, smoke_alarm_storeys=[0], co_alarm_rooms=["kitchen"]
    )
    check = await first_day_alarm_check(compliance, compliance_database, programme, uprn)
    observation = {
        "classification": "improvement_recommended",
        "location": "hall",
        "description": "Alarm due for replacement next year",
    }

    refused = await certify(
        compliance, check, [observation, LANDING_AS_OTHER], outcome="satisfactory"
    )

    assert refused.status_code == 422, refused.text
    assert [e["field"] for e in refused.json()["errors"]] == ["defects.1.classification"]
    assert "landing" not in refused.text  # the free text is not echoed back
    home = (await compliance.get(f"/v1/compliance/homes/{uprn}")).json()
    assert [c["completed_at"] for c in home["checks"] if c["id"] == check] == [None]
    assert await published("check-completed", uprn) == []

    # with an alarm faulty too (unsatisfactory), the `other` beside it is refused alike
    alongside = await certify(
        compliance, check, [alarm_defect("hall", alarm_kind="smoke"), LANDING_AS_OTHER]
    )
    assert alongside.status_code == 422, alongside.text
    assert [e["field"] for e in alongside.json()["errors"]] == ["defects.1.classification"]
    assert await published("safety-defect-found", uprn) == []

    taken = await certify(
        compliance, check, [observation, alarm_defect("landing", alarm_kind="smoke")]
    )
    assert taken.status_code == 201, taken.text
    [repair] = await published("safety-defect-found", uprn)
    assert (repair["classification"], repair["priority"]) == ("alarm_faulty_or_missing", "urgent")


async def test_other_stays_an_observation_on_a_check_not_of_the_alarms(
    compliance: httpx.AsyncClient,
    published: Published,
) -> None:
    """An EICR (or a fire risk assessment) is about more than alarms: an `other` there
    is recorded, no repair, as before (ADR 0159, 0196)."""
    uprn = await a_let_gas_home(
        compliance, storeys_with_living_space=1, smoke_alarm_storeys=[0], co_alarm_rooms=["kitchen"]
    )
    home = (await compliance.get(f"/v1/compliance/homes/{uprn}")).json()
    [eicr] = [c["id"] for c in home["checks"] if c["check_type"] == "electrical"]

    taken = await certify(
        compliance,
        eicr,
        [{**LANDING_AS_OTHER, "description": "Consumer unit label faded"}],
        outcome="satisfactory",
    )

    assert taken.status_code == 201, taken.text
    assert await published("safety-defect-found", uprn) == []
