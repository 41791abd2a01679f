"""A complaint has one Awaab's Law case even when two writers open it at the same moment.

Engagement's complaint-received and POST /v1/awaab-cases (or two requests with different
Idempotency-Keys) each looked for the complaint's case and opened one when they found
none; at the same moment each found none, the other's case not yet committed, and both
opened one: two sets of clocks for one hazard, each breach counted twice. Both now look
with the complaint held (an advisory lock to the end of the transaction), so the second
waits for the first and finds its case: a 409 naming complaint_id, or nothing done.

The two transactions are interleaved on purpose: the first is held open, its case opened
but not committed, until the second is seen waiting for the complaint's lock (pg_locks),
then committed. Without the lock the second never waits: it finishes on its own, having
opened a second case, and the test says so. PostgreSQL only: SQLite's writers take the
whole database in turn (BEGIN IMMEDIATE), so they never race."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from hearth_contracts import Envelope
from hearth_contracts.events.engagement import ComplaintCategory, ComplaintReceived
from hearth_kit.db import Database
from hearth_kit.working_days import ENGLAND_AND_WALES
from repairs.awaab.repository import COMPLAINT_CASE_LOCK_SPACE
from repairs.awaab.schemas import AwaabCaseCreate
from repairs.awaab.service import AwaabService
from repairs.settings import AwaabTargets
from services.repairs.tests.awaab.test_cases import a_uprn, handlers
from services.repairs.tests.awaab.test_one_case_per_complaint import a_case, cases_opened
from services.repairs.tests.contractor_doubles import manager
from services.repairs.tests.orders.test_appointment_lock_order import on_postgresql

_WAITING_FOR_A_COMPLAINT = text(
    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
    " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
    " AND classid = :space AND objsubid = 2"
)


async def waits_for_the_complaint(db: Database, writer: asyncio.Task[Any]) -> bool:
    """Poll until the other writer is seen waiting for a complaint's lock (True), or has
    finished without waiting (False: nothing held it back)."""
    for _ in range(3000):
        if writer.done():
            return False
        # A connection each time: a transaction sees one snapshot of the lock table.
        async with db.engine.connect() as connection:
            waiting = await connection.execute(
                _WAITING_FOR_A_COMPLAINT, {"space": COMPLAINT_CASE_LOCK_SPACE}
            )
            if waiting.scalar_one() > 0:
                return True
        await asyncio.sleep(0.01)
    raise AssertionError("the other writer neither finished nor waited for the complaint")


def a_complaint(uprn: str) -> ComplaintReceived:
    """Received after the landlord became aware by a_case's account, so the request's
    case is the complaint's (one that began after the receipt is not: docs/adr/0216)."""
    return ComplaintReceived(
        complaint_id=uuid.uuid4(),
        uprn=uprn,
        category=ComplaintCategory.DAMP_AND_MOULD,
        medium="phone",
        received_at=datetime.now(UTC) - timedelta(hours=12),
        acknowledge_by=date.today() + timedelta(days=5),
    )


async def handle(session: AsyncSession, complaint: ComplaintReceived) -> None:
    """Engagement's complaint-received as repairs' consumer hands it to its handler."""
    handler = handlers.get(complaint.type)
    assert handler is not None
    await handler(session, Envelope(data=complaint))


async def cases_of(staff: httpx.AsyncClient, uprn: str) -> list[dict[str, Any]]:
    listed = await staff.get("/v1/awaab-cases", params={"uprn": uprn})
    assert listed.status_code == 200, listed.text
    items: list[dict[str, Any]] = listed.json()["items"]
    return items


async def test_a_request_meeting_complaint_received_is_refused_and_opens_nothing(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    on_postgresql(repairs_database)
    uprn = a_uprn()
    complaint = a_complaint(uprn)
    async with repairs_database.sessionmaker() as handling, handling.begin():
        await handle(handling, complaint)  # opened, not committed
        request = asyncio.create_task(
            staff.post("/v1/awaab-cases", json=a_case(uprn, complaint.complaint_id), auth=manager())
        )
        waited = await waits_for_the_complaint(repairs_database, request)
    response = await request
    assert response.status_code == 409, response.text  # 201 before: a second case
    assert waited  # the request met the handler's transaction, not its commit
    assert [e["field"] for e in response.json()["errors"]] == ["complaint_id"]
    [case] = await cases_of(staff, uprn)
    assert case["id"] in response.json()["detail"]
    assert await cases_opened(repairs_database, uprn) == 1


async def test_complaint_received_meeting_a_request_opens_nothing(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    on_postgresql(repairs_database)
    uprn = a_uprn()
    complaint = a_complaint(uprn)
    cases = AwaabService(AwaabTargets(), ENGLAND_AND_WALES)

    async def received() -> None:
        async with repairs_database.sessionmaker() as other, other.begin():
            await handle(other, complaint)

    async with repairs_database.sessionmaker() as requesting, requesting.begin():
        opened = await cases.report(  # the request's transaction: opened, not committed
            requesting, AwaabCaseCreate.model_validate(a_case(uprn, complaint.complaint_id))
        )
        handled = asyncio.create_task(received())
        waited = await waits_for_the_complaint(repairs_database, handled)
    await handled
    assert [c["id"] for c in await cases_of(staff, uprn)] == [str(opened.id)]  # two before
    assert waited  # the handler met the request's transaction, not its commit
    assert await cases_opened(repairs_database, uprn) == 1


async def test_two_requests_with_different_keys_open_one_case(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    """Idempotency-Keys keep one request from running twice, not two requests for one
    complaint: with different keys neither waits for the other's key."""
    on_postgresql(repairs_database)
    uprn, complaint_id = a_uprn(), uuid.uuid4()
    cases = AwaabService(AwaabTargets(), ENGLAND_AND_WALES)
    async with repairs_database.sessionmaker() as requesting, requesting.begin():
        opened = await cases.report(  # the first request's transaction, not committed
            requesting, AwaabCaseCreate.model_validate(a_case(uprn, complaint_id))
        )
        request = asyncio.create_task(
            staff.post(
                "/v1/awaab-cases",
                json=a_case(uprn, complaint_id),
                headers={"Idempotency-Key": f"second-{uuid.uuid4()}"},
                auth=manager(),
            )
        )
        waited = await waits_for_the_complaint(repairs_database, request)
    response = await request
    assert response.status_code == 409, response.text  # 201 before: a second case
    assert waited  # the second request met the first's transaction, not its commit
    assert [e["field"] for e in response.json()["errors"]] == ["complaint_id"]
    assert str(opened.id) in response.json()["detail"]
    assert [c["id"] for c in await cases_of(staff, uprn)] == [str(opened.id)]
    assert await cases_opened(repairs_database, uprn) == 1
