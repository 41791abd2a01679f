"""Significant damp and mould a home visit or a safety check reports at a home whose damp
already has an open case is recorded on that case and opens no second (docs/adr/0193),
as a complaint (ADR 0192) and a damp repair reported (ADR 0156) do. Before, visits'
hazard-identified and compliance's hazard-found opened a case per hazard: two
investigation clocks for one home's damp (DOMAIN.md: the clock runs from becoming aware,
once), two damp-mould-case-opened, and each breach counted twice. An emergency hazard
still opens its own case: its 24-hour make-safe clock is a duty of its own."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from hearth_contracts import Envelope
from hearth_contracts.events.compliance import CheckType, HazardFoundAtCheck
from hearth_contracts.events.engagement import ComplaintReceived
from hearth_contracts.events.visits import HazardIdentifiedV2, HazardSeverity, HazardType
from hearth_kit.db import Database
from services.repairs.tests.awaab.test_cases import a_uprn, handlers
from services.repairs.tests.awaab.test_damp_reported_as_a_repair_opens_a_case import (
    cases_at,
    report,
)
from services.repairs.tests.contractor_doubles import manager
from services.repairs.tests.orders.test_work_orders import published

Hazard = HazardIdentifiedV2 | HazardFoundAtCheck


def seen_on_a_visit(uprn: str, severity: HazardSeverity, at: datetime) -> HazardIdentifiedV2:
    """As visits sends it at the draft's save (ADR 0209) or the report."""
    return HazardIdentifiedV2(
        hazard_id=uuid.uuid4(),
        uprn=uprn,
        visit_id=uuid.uuid4(),
        hazard_type=HazardType.DAMP_AND_MOULD,
        severity=severity,
        identified_at=at,
    )


def seen_at_a_check(uprn: str, severity: HazardSeverity, at: datetime) -> HazardFoundAtCheck:
    """As compliance sends it with a gas safety record."""
    return HazardFoundAtCheck(
        hazard_id=uuid.uuid4(),
        uprn=uprn,
        check_id=uuid.uuid4(),
        record_id=uuid.uuid4(),
        check_type=CheckType.GAS_SAFETY,
        hazard_type=HazardType.DAMP_AND_MOULD,
        severity=severity,
        identified_at=at,
    )


async def handled(db: Database, event: Hazard | ComplaintReceived) -> None:
    """As the consumer hands repairs another service's event."""
    handler = handlers.get(event.type)
    assert handler is not None
    async with db.sessionmaker() as session, session.begin():
        await handler(session, Envelope(data=event))


async def close(staff: httpx.AsyncClient, case_id: str) -> None:
    """The investigation found no hazard and the tenant was told so: the case closes."""
    for milestone, extra in (("investigate", {"hazard_found": False}), ("written_summary", {})):
        stopped = await staff.post(
            f"/v1/awaab-cases/{case_id}/clocks/{milestone}/stop",
            json={"at": datetime.now(UTC).isoformat(), "evidence": ["survey/1.pdf"], **extra},
            auth=manager(),
        )
        assert stopped.status_code == 200, stopped.text
    assert stopped.json()["status"] == "closed"


async def found_none(staff: httpx.AsyncClient, case_id: str) -> dict[str, Any]:
    """The investigation found no hazard: the written summary is still owed. The case's
    body after the stop, for the caller to look at."""
    stopped = await staff.post(
        f"/v1/awaab-cases/{case_id}/clocks/investigate/stop",
        json={
            "at": datetime.now(UTC).isoformat(),
            "evidence": ["survey/1.pdf"],
            "hazard_found": False,
        },
        auth=manager(),
    )
    assert stopped.status_code == 200, stopped.text
    body: dict[str, Any] = stopped.json()
    return body


SEEN = [
    pytest.param(seen_on_a_visit, "home_visit", id="visit"),
    pytest.param(seen_at_a_check, "safety_check", id="check"),
]


@pytest.mark.parametrize(("seen", "source"), SEEN)
async def test_significant_damp_seen_at_a_home_with_a_case_is_recorded_on_it(
    staff: httpx.AsyncClient, repairs_database: Database, seen: Any, source: str
) -> None:
    uprn = a_uprn()
    reported_at = datetime.now(UTC).replace(microsecond=0) - timedelta(days=3)
    await report(staff, uprn, reported_at=reported_at)
    [opened] = await cases_at(staff, uprn)

    hazard = seen(uprn, HazardSeverity.SIGNIFICANT, datetime.now(UTC) - timedelta(days=1))
    for _ in range(2):  # re-published
        await handled(repairs_database, hazard)

    [case] = await cases_at(staff, uprn)
    assert case["id"] == opened["id"]
    assert (case["became_aware_at"], case["clocks"]) == (
        opened["became_aware_at"],
        opened["clocks"],
    )
    [recorded] = case["hazards_recorded"]
    assert (recorded["hazard_id"], recorded["source"]) == (str(hazard.hazard_id), source)
    assert len(await published(repairs_database, uprn, "damp-mould-case-opened")) == 1
    # the case's own read shows it too
    one = await staff.get(f"/v1/awaab-cases/{opened['id']}")
    assert [h["hazard_id"] for h in one.json()["hazards_recorded"]] == [str(hazard.hazard_id)]


async def test_a_visits_and_a_checks_damp_at_one_home_open_one_case(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    """Neither a repair nor a complaint: the first officer's hazard opens the case, the
    engineer's a week later is recorded on it."""
    uprn = a_uprn()
    first = seen_on_a_visit(uprn, HazardSeverity.SIGNIFICANT, datetime.now(UTC) - timedelta(days=8))
    await handled(repairs_database, first)
    later = seen_at_a_check(uprn, HazardSeverity.SIGNIFICANT, datetime.now(UTC) - timedelta(days=1))
    await handled(repairs_database, later)

    [case] = await cases_at(staff, uprn)
    assert (case["hazard_id"], case["source"]) == (str(first.hazard_id), "home_visit")
    assert [h["hazard_id"] for h in case["hazards_recorded"]] == [str(later.hazard_id)]
    assert len(await published(repairs_database, uprn, "damp-mould-case-opened")) == 1


async def test_an_emergency_hazard_at_a_home_with_a_damp_case_opens_its_own(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    uprn = a_uprn()
    await report(staff, uprn, reported_at=datetime.now(UTC) - timedelta(days=3))
    [opened] = await cases_at(staff, uprn)

    emergency = seen_on_a_visit(
        uprn, HazardSeverity.EMERGENCY, datetime.now(UTC) - timedelta(hours=1)
    )
    await handled(repairs_database, emergency)

    cases = {c["id"]: c for c in await cases_at(staff, uprn)}
    assert len(cases) == 2
    assert cases[opened["id"]]["hazards_recorded"] == []
    [own] = [c for c in cases.values() if c["id"] != opened["id"]]
    assert (own["severity"], own["hazard_id"]) == ("emergency", str(emergency.hazard_id))
    assert [c["milestone"] for c in own["clocks"]] == ["make_safe"]


async def test_after_the_case_closed_a_new_hazard_opens_a_case_and_a_recorded_one_none(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    uprn = a_uprn()
    await report(staff, uprn, reported_at=datetime.now(UTC) - timedelta(days=3))
    [opened] = await cases_at(staff, uprn)
    recorded = seen_on_a_visit(
        uprn, HazardSeverity.SIGNIFICANT, datetime.now(UTC) - timedelta(days=2)
    )
    await handled(repairs_database, recorded)
    await close(staff, opened["id"])

    await handled(repairs_database, recorded)  # replayed after the close: it had its case
    assert [c["id"] for c in await cases_at(staff, uprn)] == [opened["id"]]

    new = seen_at_a_check(uprn, HazardSeverity.SIGNIFICANT, datetime.now(UTC) - timedelta(hours=1))
    await handled(repairs_database, new)
    cases = {c["id"]: c for c in await cases_at(staff, uprn)}
    assert len(cases) == 2
    [fresh] = [c for c in cases.values() if c["id"] != opened["id"]]
    assert (fresh["source"], fresh["hazard_id"]) == ("safety_check", str(new.hazard_id))


@pytest.mark.parametrize(("seen", "source"), SEEN)
async def test_damp_seen_after_the_investigation_found_none_opens_a_case(
    staff: httpx.AsyncClient, repairs_database: Database, seen: Any, source: str
) -> None:
    """The investigation found no hazard, and the case is open only for its written
    summary (no safety-work clock): damp an officer or an engineer then sees is a hazard
    found, a new awareness. Recorded on that case it would have no clock at all."""
    uprn = a_uprn()
    await report(staff, uprn, reported_at=datetime.now(UTC) - timedelta(days=3))
    [opened] = await cases_at(staff, uprn)
    stopped = await found_none(staff, opened["id"])
    assert stopped["status"] == "open"  # the written summary still owed

    hazard = seen(uprn, HazardSeverity.SIGNIFICANT, datetime.now(UTC) - timedelta(hours=1))
    await handled(repairs_database, hazard)

    cases = {c["id"]: c for c in await cases_at(staff, uprn)}
    assert len(cases) == 2
    assert cases[opened["id"]]["hazards_recorded"] == []
    [own] = [c for c in cases.values() if c["id"] != opened["id"]]
    assert (own["source"], own["hazard_id"]) == (source, str(hazard.hazard_id))
    assert [c["milestone"] for c in own["clocks"]] == ["investigate"]


async def test_damp_seen_after_the_investigation_found_the_hazard_is_recorded_on_it(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    """Found: the safety work's clocks run on the case, the damp is being dealt with."""
    uprn = a_uprn()
    await report(staff, uprn, reported_at=datetime.now(UTC) - timedelta(days=3))
    [opened] = await cases_at(staff, uprn)
    stopped = await staff.post(
        f"/v1/awaab-cases/{opened['id']}/clocks/investigate/stop",
        json={"at": datetime.now(UTC).isoformat(), "evidence": ["survey/1.pdf"]},
        auth=manager(),
    )
    assert stopped.status_code == 200, stopped.text

    hazard = seen_on_a_visit(uprn, HazardSeverity.SIGNIFICANT, datetime.now(UTC))
    await handled(repairs_database, hazard)

    [case] = await cases_at(staff, uprn)
    assert [h["hazard_id"] for h in case["hazards_recorded"]] == [str(hazard.hazard_id)]


async def test_damp_seen_again_goes_on_the_case_the_first_sighting_opened(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    """The home has two open cases: one whose investigation found none (open for its
    summary) and the case a visit's damp then opened. An engineer's damp a day later is
    the damp that case deals with: recorded on it, not a third case."""
    uprn = a_uprn()
    await report(staff, uprn, reported_at=datetime.now(UTC) - timedelta(days=3))
    [investigated] = await cases_at(staff, uprn)
    await found_none(staff, investigated["id"])
    first = seen_on_a_visit(uprn, HazardSeverity.SIGNIFICANT, datetime.now(UTC) - timedelta(days=1))
    await handled(repairs_database, first)
    later = seen_at_a_check(uprn, HazardSeverity.SIGNIFICANT, datetime.now(UTC))
    await handled(repairs_database, later)

    cases = {c["hazard_id"]: c for c in await cases_at(staff, uprn)}
    assert set(cases) == {None, str(first.hazard_id)}  # three before: the check's its own
    assert [h["hazard_id"] for h in cases[str(first.hazard_id)]["hazards_recorded"]] == [
        str(later.hazard_id)
    ]


async def test_a_hazard_seen_in_the_future_is_recorded_as_seen_when_its_event_was_sent(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    """A producer's clock ahead: a case it opened would start when the event was sent
    (handlers.clock_start); recorded on a case, its `identified_at` is that moment too,
    not a time still to come."""
    uprn = a_uprn()
    await report(staff, uprn, reported_at=datetime.now(UTC) - timedelta(days=3))
    ahead = seen_on_a_visit(uprn, HazardSeverity.SIGNIFICANT, datetime.now(UTC) + timedelta(days=2))
    await handled(repairs_database, ahead)

    [case] = await cases_at(staff, uprn)
    [recorded] = case["hazards_recorded"]
    seen_at = datetime.fromisoformat(recorded["identified_at"])
    assert seen_at <= datetime.fromisoformat(recorded["recorded_at"])  # before: 2 days on
