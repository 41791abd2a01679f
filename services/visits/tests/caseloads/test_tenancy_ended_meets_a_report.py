"""A report that meets the tenancy's end puts nothing on an ended tenancy's caseload.

A visit report puts the tenancy concerns it raised on the tenancy's caseload entry,
never on a tenancy that has ended: it read the tenancy, unlocked, and then added them.
tenancy-ended, handled at the same moment, records the end and clears the tenancy's
caseload entry and concerns; the report read the tenancy before that end was committed
and added its concerns after the clearing, so an ended tenancy kept open concerns (on
no caseload, for no officer). The report now locks the tenancy (FOR SHARE) before it
looks at its end: it waits for tenancy-ended and then sees the end."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime

import httpx
import pytest
from sqlalchemy import func, select
from sqlmodel import col

from hearth_kit.db import Database
from services.visits.tests.caseloads.test_caseloads import referred_home
from services.visits.tests.factories import JUST_VISITED, a_completed_report, a_uprn, a_visit
from services.visits.tests.test_handlers import ended, handle, handlers, registered, started
from tests.harness.locks import until_done_or_waiting
from visits.models import CaseloadAssignment, CaseloadConcern


async def open_concerns(db: Database, tenancy_id: uuid.UUID) -> int:
    async with db.sessionmaker() as session:
        count = await session.scalar(
            select(func.count()).where(
                CaseloadConcern.tenancy_id == tenancy_id,
                col(CaseloadConcern.dealt_with_at).is_(None),
            )
        )
    return int(count or 0)


async def test_a_report_meeting_the_tenancys_end_leaves_no_open_concern_on_it(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    if not visits_database.is_postgresql:
        pytest.skip("PostgreSQL's row locks; SQLite serialises writers as a whole")
    uprn, tenancy_id = a_uprn(), uuid.uuid4()
    await handle(visits_database, registered(uprn, registered_at=datetime.now(UTC)))
    await handle(visits_database, started(uprn, tenancy_id, date(2024, 4, 1), "secure"))
    booked = await visits.post("/v1/visits", json=a_visit(uprn))
    assert booked.status_code == 201, booked.text
    assert booked.json()["tenancy_id"] == str(tenancy_id)
    report = a_completed_report(JUST_VISITED, tenancy_concerns=[{"concern": "hoarding"}])
    async with visits_database.sessionmaker() as ending, ending.begin():
        await handlers.apply(ending, [ended(uprn, tenancy_id)])
        reported = asyncio.create_task(
            visits.post(f"/v1/visits/{booked.json()['id']}/report", json=report)
        )
        await until_done_or_waiting(reported, visits_database)
    response = await reported
    assert response.status_code == 201, response.text
    assert await open_concerns(visits_database, tenancy_id) == 0


async def test_a_hand_back_meeting_the_tenancys_end_puts_it_on_no_caseload(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    """A hand-back read the referral, unlocked, and placed the tenancy back where it
    came from; tenancy-ended clearing the entry at the same moment was waited for and
    then written over: the ended tenancy was back on its officer's caseload. The
    hand-back now holds the tenancy first, then finds no entry (404)."""
    if not visits_database.is_postgresql:
        pytest.skip("PostgreSQL's row locks; SQLite serialises writers as a whole")
    uprn, tenancy_id = await referred_home(visits, visits_database)
    async with visits_database.sessionmaker() as ending, ending.begin():
        await handlers.apply(ending, [ended(uprn, uuid.UUID(tenancy_id))])
        back = asyncio.create_task(visits.post(f"/v1/caseloads/tenancies/{tenancy_id}/hand-back"))
        await until_done_or_waiting(back, visits_database)
    response = await back
    assert response.status_code == 404, response.text
    async with visits_database.sessionmaker() as session:
        assert await session.get(CaseloadAssignment, uuid.UUID(tenancy_id)) is None
