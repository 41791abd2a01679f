"""A damp case being closed at the moment a hazard, a complaint or a repair comes for the
home's damp takes none of them (docs/adr/0193, 0192, 0156).

The case closes when a manager stops its last running clock (AwaabService.stop, the
case row locked). The hazard, complaint and repair handlers looked for the home's open
case with the home held (repository.open_damp_case_at) but read the case without its
lock: a stop not yet committed left it open to them, so each recorded the hazard (or
named the complaint) on a case that then committed closed. The hazard, or the
complaint's damp, had no clock at all. Now the open case is read locked: the taker waits
for the stop, reads the case closed and opens a case of its own.

Interleaved on purpose: the stop is held open, closed but not committed, until the
other is seen waiting for a lock (pg_stat_activity), then committed. PostgreSQL only:
SQLite's writers take the whole database in turn. Last, the same hazard's event twice
at once: the second waits for the home and then finds the first's case by the hazard."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Coroutine
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from hearth_contracts import Envelope
from hearth_contracts.events.repairs import AwaabMilestone
from hearth_contracts.events.visits import HazardSeverity
from hearth_kit.db import Database
from hearth_kit.working_days import ENGLAND_AND_WALES
from repairs.awaab.schemas import ClockStop
from repairs.awaab.service import AwaabService
from repairs.models import AwaabCaseStatus
from repairs.settings import AwaabTargets
from services.repairs.tests.awaab.test_a_hazard_at_a_home_with_a_damp_case_open import (
    seen_on_a_visit,
)
from services.repairs.tests.awaab.test_cases import a_uprn, handlers
from services.repairs.tests.awaab.test_damp_reported_as_a_repair_opens_a_case import (
    cases_at,
    report,
)
from services.repairs.tests.awaab.test_one_case_per_complaint_race import a_complaint
from services.repairs.tests.contractor_doubles import manager
from services.repairs.tests.orders.test_appointment_lock_order import on_postgresql
from tests.harness.locks import until_a_backend_waits_for_a_lock

LAST = AwaabMilestone.BEGIN_SAFETY_WORK


async def a_case_with_one_clock_left(staff: httpx.AsyncClient, uprn: str) -> str:
    """A damp repair's case whose investigation found the hazard, every clock but the
    safety work's stopped."""
    await report(staff, uprn, reported_at=datetime.now(UTC) - timedelta(days=3))
    [opened] = await cases_at(staff, uprn)
    for milestone in ("investigate", "written_summary", "start_further_work"):
        stopped = await staff.post(
            f"/v1/awaab-cases/{opened['id']}/clocks/{milestone}/stop",
            json={"at": datetime.now(UTC).isoformat(), "evidence": ["survey/1.pdf"]},
            auth=manager(),
        )
        assert stopped.status_code == 200, stopped.text
    assert stopped.json()["status"] == "open"
    return str(opened["id"])


async def closed_while(db: Database, case_id: str, taker: Coroutine[Any, Any, None]) -> None:
    """Stop the last clock (the case closes) and hold it uncommitted until the taker's
    transaction waits for a lock, then commit and let the taker finish."""
    service = AwaabService(AwaabTargets(), ENGLAND_AND_WALES)
    stop = ClockStop(at=datetime.now(UTC), evidence=["works/1.pdf"])
    async with db.sessionmaker() as stopping, stopping.begin():
        closed = await service.stop(stopping, uuid.UUID(case_id), LAST, stop)
        assert closed.status is AwaabCaseStatus.CLOSED
        taking = asyncio.create_task(taker)
        await until_a_backend_waits_for_a_lock(db)
    await taking


async def test_a_hazard_meeting_the_stop_that_closes_the_case_opens_its_own(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    on_postgresql(repairs_database)
    uprn = a_uprn()
    case_id = await a_case_with_one_clock_left(staff, uprn)
    hazard = seen_on_a_visit(uprn, HazardSeverity.SIGNIFICANT, datetime.now(UTC))
    handler = handlers.get(hazard.type)
    assert handler is not None

    async def seen() -> None:
        async with repairs_database.sessionmaker() as session, session.begin():
            await handler(session, Envelope(data=hazard))

    await closed_while(repairs_database, case_id, seen())

    cases = {c["id"]: c for c in await cases_at(staff, uprn)}
    assert cases[case_id]["hazards_recorded"] == []  # before: recorded on the closed case
    [own] = [c for c in cases.values() if c["id"] != case_id]
    assert (own["status"], own["hazard_id"]) == ("open", str(hazard.hazard_id))


async def test_a_complaint_meeting_the_stop_that_closes_the_case_opens_its_own(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    on_postgresql(repairs_database)
    uprn = a_uprn()
    case_id = await a_case_with_one_clock_left(staff, uprn)
    complaint = a_complaint(uprn)
    handler = handlers.get(complaint.type)
    assert handler is not None

    async def received() -> None:
        async with repairs_database.sessionmaker() as session, session.begin():
            await handler(session, Envelope(data=complaint))

    await closed_while(repairs_database, case_id, received())

    cases = {c["id"]: c for c in await cases_at(staff, uprn)}
    assert cases[case_id]["complaint_id"] is None  # before: named on the closed case
    [own] = [c for c in cases.values() if c["id"] != case_id]
    assert (own["status"], own["complaint_id"]) == ("open", str(complaint.complaint_id))


async def test_one_hazard_handled_twice_at_once_is_not_recorded_on_its_own_case(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    """The same hazard's event twice at once (a re-publish, a replay beside the live
    consumer): the first opens its case, not yet committed; the second looked for the
    hazard before the home's lock, found nothing, waited for the home and then found the
    first's case open, and recorded the hazard on the case it had opened. It now looks
    again once it holds the home."""
    on_postgresql(repairs_database)
    uprn = a_uprn()
    hazard = seen_on_a_visit(uprn, HazardSeverity.SIGNIFICANT, datetime.now(UTC))
    handler = handlers.get(hazard.type)
    assert handler is not None

    async def again() -> None:
        async with repairs_database.sessionmaker() as session, session.begin():
            await handler(session, Envelope(data=hazard))

    async with repairs_database.sessionmaker() as first, first.begin():
        await handler(first, Envelope(data=hazard))  # opened, not committed
        second = asyncio.create_task(again())
        await until_a_backend_waits_for_a_lock(repairs_database)
    await second

    [case] = await cases_at(staff, uprn)
    assert case["hazard_id"] == str(hazard.hazard_id)
    assert case["hazards_recorded"] == []  # before: the case's own hazard
