"""A case is not opened with Awaab's Law's clocks for something the landlord became
aware of before the law was in force, 27 October 2025 London time (docs/adr/0190),
whichever way it reaches repairs. A damp repair reported before then opened none
(docs/adr/0156), but a manager's POST, engagement's complaint-received, visits'
hazard-identified and compliance's hazard-found opened one, its clocks breached the
moment they started (the report window reaches back ten years). The POST is refused
naming the field; an event is skipped (a consumer cannot answer 422), and the same
event from the day the law came in still opens its case."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest

from hearth_contracts.events.compliance import CheckType, HazardFoundAtCheck
from hearth_contracts.events.engagement import ComplaintReceived
from hearth_contracts.events.visits import HazardIdentifiedV2, HazardSeverity, HazardType
from hearth_kit.db import Database
from services.repairs.tests.awaab.test_a_hazard_at_a_home_with_a_damp_case_open import handled
from services.repairs.tests.awaab.test_cases import a_uprn
from services.repairs.tests.contractor_doubles import manager
from services.repairs.tests.orders.test_work_orders import published

BEFORE = datetime(2025, 10, 26, 23, 59, 59, tzinfo=UTC)
"""The last second before the law: London is on GMT by then (the clocks went back on
26 October), so its midnight is 00:00 UTC."""
IN_FORCE = datetime(2025, 10, 27, 0, 0, tzinfo=UTC)


async def cases_at(staff: httpx.AsyncClient, uprn: str) -> list[dict[str, Any]]:
    response = await staff.get("/v1/awaab-cases", params={"uprn": uprn})
    assert response.status_code == 200, response.text
    cases: list[dict[str, Any]] = response.json()["items"]
    return cases


@pytest.mark.parametrize("severity", ["significant", "emergency"])
async def test_a_case_opened_by_hand_for_awareness_before_the_law_is_refused_naming_the_field(
    staff: httpx.AsyncClient, repairs_database: Database, severity: str
) -> None:
    uprn = a_uprn()
    refused = await staff.post(
        "/v1/awaab-cases",
        json={"uprn": uprn, "severity": severity, "became_aware_at": BEFORE.isoformat()},
        auth=manager(),
    )
    assert refused.status_code == 422, refused.text
    assert [e["field"] for e in refused.json()["errors"]] == ["became_aware_at"]
    assert "27 October 2025" in refused.json()["detail"]
    assert await cases_at(staff, uprn) == []
    assert await published(repairs_database, uprn, "damp-mould-case-opened") == []

    opened = await staff.post(
        "/v1/awaab-cases",
        json={"uprn": uprn, "severity": severity, "became_aware_at": IN_FORCE.isoformat()},
        auth=manager(),
    )
    assert opened.status_code == 201, opened.text


def a_complaint(uprn: str, received_at: datetime) -> ComplaintReceived:
    return ComplaintReceived(
        complaint_id=uuid.uuid4(),
        uprn=uprn,
        category="damp_and_mould",
        medium="phone",
        received_at=received_at,
        acknowledge_by=date(2025, 11, 3),
    )


def a_visits_hazard(uprn: str, identified_at: datetime) -> HazardIdentifiedV2:
    return HazardIdentifiedV2(
        hazard_id=uuid.uuid4(),
        uprn=uprn,
        visit_id=uuid.uuid4(),
        hazard_type=HazardType.DAMP_AND_MOULD,
        severity=HazardSeverity.SIGNIFICANT,
        identified_at=identified_at,
    )


def a_checks_hazard(uprn: str, identified_at: datetime) -> HazardFoundAtCheck:
    return HazardFoundAtCheck(
        hazard_id=uuid.uuid4(),
        uprn=uprn,
        check_id=uuid.uuid4(),
        record_id=uuid.uuid4(),
        check_type=CheckType.GAS_SAFETY,
        hazard_type=HazardType.GAS_OR_CARBON_MONOXIDE,
        severity=HazardSeverity.EMERGENCY,
        identified_at=identified_at,
    )


@pytest.mark.parametrize(
    "event", [a_complaint, a_visits_hazard, a_checks_hazard], ids=["complaint", "visit", "check"]
)
async def test_an_event_from_before_the_law_opens_no_case_and_one_from_its_first_day_does(
    staff: httpx.AsyncClient,
    repairs_database: Database,
    event: Any,
) -> None:
    before, in_force = a_uprn(), a_uprn()
    for uprn, at in ((before, BEFORE), (in_force, IN_FORCE)):
        await handled(repairs_database, event(uprn, at))

    assert await cases_at(staff, before) == []
    assert await published(repairs_database, before, "damp-mould-case-opened") == []
    [case] = await cases_at(staff, in_force)
    assert case["became_aware_at"] == "2025-10-27T00:00:00Z"
