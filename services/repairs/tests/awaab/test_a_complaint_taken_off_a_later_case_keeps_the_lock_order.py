"""Complaint-received taking its complaint off a later case (docs/adr/0216) holds the
case's home before it writes the case, as every other taker of a home's damp does
(repository.open_damp_case_at: the home, then the case).

It wrote the case first (complaint_id cleared, the row held to the end of the
transaction) and only then waited for the home to look for an open case. A damp repair
reported there, a hazard, another complaint or a manager's POST at that moment held the
home and asked for the case's row: each waited for the other, and PostgreSQL broke the
deadlock by failing one of them (the repair's request a 500, or the event retried).

Interleaved on purpose: the other writer holds the home, the handler is started and
seen waiting for a lock, then the other writer locks the home's open case as
open_damp_case_at does, and commits. PostgreSQL only: SQLite's writers take the whole
database in turn."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime, timedelta

import httpx

from hearth_contracts.events.engagement import ComplaintCategory, ComplaintReceived
from hearth_kit.db import Database
from repairs.awaab import repository
from services.repairs.tests.awaab.test_cases import a_uprn
from services.repairs.tests.awaab.test_damp_reported_as_a_repair_opens_a_case import (
    cases_at,
    moment,
    report,
)
from services.repairs.tests.awaab.test_one_case_per_complaint_race import handle
from services.repairs.tests.orders.test_appointment_lock_order import on_postgresql
from tests.harness.locks import until_a_backend_waits_for_a_lock


async def test_a_complaint_taken_off_a_later_case_waits_for_the_home_before_the_case(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    on_postgresql(repairs_database)
    uprn = a_uprn()
    began = datetime.now(UTC).replace(microsecond=0) - timedelta(days=3)
    await report(staff, uprn, reported_at=began)  # the home's open case
    complaint_id = uuid.uuid4()
    # a damp repair reported in the complaint names it on that case (ADR 0192)
    await report(staff, uprn, source="complaint", complaint_id=str(complaint_id))
    [open_case] = await cases_at(staff, uprn)
    assert open_case["complaint_id"] == str(complaint_id)
    received = began - timedelta(days=1)  # received before the case began: its event late
    complaint = ComplaintReceived(
        complaint_id=complaint_id,
        uprn=uprn,
        category=ComplaintCategory.DAMP_AND_MOULD,
        medium="phone",
        received_at=received,
        acknowledge_by=date.today() + timedelta(days=5),
    )

    async def received_now() -> None:
        async with repairs_database.sessionmaker() as handling, handling.begin():
            await handle(handling, complaint)

    async with repairs_database.sessionmaker() as other, other.begin():
        # another writer at the home (a damp repair reported, a hazard): the home first
        await repository.hold_home(other, uprn)
        handled = asyncio.create_task(received_now())
        await until_a_backend_waits_for_a_lock(repairs_database)
        # ... then its open case, locked. Before: the handler held this row, waiting for
        # the home: a deadlock, one of the two failed (DeadlockDetectedError).
        taken = await repository.open_damp_case_at(other, uprn, aware_at=datetime.now(UTC))
        assert taken is not None
        assert str(taken.id) == open_case["id"]
    await handled

    cases = {c["id"]: c for c in await cases_at(staff, uprn)}
    assert cases[open_case["id"]]["complaint_id"] is None
    [own] = [c for c in cases.values() if c["id"] != open_case["id"]]
    assert (own["complaint_id"], moment(own["became_aware_at"])) == (str(complaint_id), received)
