"""ADR 0111: a tenancy income withdraws before its first day (the offer fell through)
is undone here: the home's tenancy on no day, never current, off every caseload, and a
tenancy-started handled after the withdrawal (a replayed dead letter) places nothing.
The next household, starting before the withdrawn one would have, is the home's."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

from hearth_contracts import Envelope
from hearth_contracts.events.income import TenancyWithdrawn
from hearth_kit.db import Database
from services.visits.tests.factories import a_uprn
from services.visits.tests.test_tenancy_started_v2 import handle, started_v2
from visits.models import CaseloadAssignment
from visits.programme import repository as projections

START = date(2027, 1, 11)


def withdrawn(uprn: str, tenancy_id: uuid.UUID) -> Envelope[Any]:
    return Envelope(
        data=TenancyWithdrawn(
            tenancy_id=tenancy_id,
            uprn=uprn,
            start_date=START,
            withdrawn_at=datetime(2026, 12, 1, 12, tzinfo=UTC),
        )
    )


async def test_a_withdrawn_tenancy_is_the_homes_on_no_day_and_on_no_caseload(
    visits_database: Database,
) -> None:
    uprn, tenancy_id, next_id = a_uprn(), uuid.uuid4(), uuid.uuid4()
    await handle(visits_database, started_v2(uprn, tenancy_id, START))
    await handle(visits_database, withdrawn(uprn, tenancy_id))
    await handle(visits_database, withdrawn(uprn, tenancy_id))  # again: no change
    async with visits_database.sessionmaker() as session:
        assert await projections.current_tenancy(session, uprn, date(2027, 2, 1)) is None
        assert await session.get(CaseloadAssignment, tenancy_id) is None
    await handle(visits_database, started_v2(uprn, next_id, date(2026, 12, 14)))
    async with visits_database.sessionmaker() as session:
        there = await projections.current_tenancy(session, uprn, date(2027, 2, 1))
        assert there is not None
        assert there.tenancy_id == next_id


async def test_a_start_handled_after_its_withdrawal_places_nothing(
    visits_database: Database,
) -> None:
    uprn, tenancy_id = a_uprn(), uuid.uuid4()
    await handle(visits_database, withdrawn(uprn, tenancy_id))
    await handle(visits_database, started_v2(uprn, tenancy_id, START))
    async with visits_database.sessionmaker() as session:
        assert await projections.current_tenancy(session, uprn, date(2027, 2, 1)) is None
        assert await session.get(CaseloadAssignment, tenancy_id) is None
