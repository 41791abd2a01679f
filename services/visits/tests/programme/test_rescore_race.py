"""Two transactions changing factors of the same home at once both end up in its stored
score.

Each transaction that changes a factor re-scores the home before it commits
(ProgrammeService.rescore: read every factor, then store the score). Two of them for
the same home (two consumers' partitions, a consumer and a visit report) each read the
factors without the other's uncommitted change; the second to store waited for the
first's score row and then wrote its own score over it, so the stored score missed the
first's change until something else re-scored the home. rescore now locks the home's
score row before it reads the factors, so the second reads them after the first
committed."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import delete
from sqlmodel import col

from hearth_contracts import Envelope
from hearth_contracts.events.repairs import DampMouldCaseOpened
from hearth_kit.db import Database
from services.visits.tests.factories import a_uprn
from services.visits.tests.programme.test_stored_scores import stored
from services.visits.tests.test_handlers import handle, handlers, registered, resident, started
from tests.harness.locks import until_a_backend_waits_for_a_lock
from visits.models import ProgrammeScore


def damp_case_opened(uprn: str, at: datetime) -> Envelope[DampMouldCaseOpened]:
    return Envelope(
        data=DampMouldCaseOpened(
            case_id=uuid.uuid4(),
            uprn=uprn,
            severity="significant",
            source="contact_centre",
            hazard_type="damp_and_mould",
            became_aware_at=at,
            investigate_by=at + timedelta(days=10),
            opened_at=at,
        )
    )


async def test_a_home_rescored_by_two_transactions_at_once_keeps_both_changes(
    visits_database: Database,
) -> None:
    """A resident living alone is registered (one transaction, not yet committed) while
    a damp and mould case opens for the same home (another): the stored score has both
    factors, whichever commits first."""
    if not visits_database.is_postgresql:
        pytest.skip("PostgreSQL's row locks; SQLite serialises writers as a whole")
    uprn, tenancy_id = a_uprn(), uuid.uuid4()
    now = datetime.now(UTC)
    await handle(visits_database, registered(uprn, registered_at=now - timedelta(days=3)))
    await handle(visits_database, started(uprn, tenancy_id, date(2015, 4, 1), "secure"))
    before = await stored(visits_database, uprn)
    assert before.factors["living_alone"] is False
    assert before.factors["damp_history"] is False
    async with visits_database.sessionmaker() as session, session.begin():
        await handlers.apply(  # its writes, then the home re-scored
            session, [resident(uprn, tenancy_id, lives_alone=True, age_band="45_to_64")]
        )
        opened = asyncio.create_task(handle(visits_database, damp_case_opened(uprn, now)))
        await until_a_backend_waits_for_a_lock(visits_database)
    await opened
    after = await stored(visits_database, uprn)
    assert after.factors["living_alone"] is True
    assert after.factors["damp_history"] is True


async def test_a_home_scored_for_the_first_time_by_two_transactions_keeps_both_changes(
    visits_database: Database,
) -> None:
    """A home with no stored score yet (nothing to lock): the second transaction's
    score waits for the first's new row, and is then worked out again."""
    if not visits_database.is_postgresql:
        pytest.skip("PostgreSQL's row locks; SQLite serialises writers as a whole")
    uprn, tenancy_id = a_uprn(), uuid.uuid4()
    now = datetime.now(UTC)
    await handle(visits_database, registered(uprn, registered_at=now - timedelta(days=3)))
    await handle(visits_database, started(uprn, tenancy_id, date(2015, 4, 1), "secure"))
    async with visits_database.sessionmaker() as session, session.begin():
        # never scored (a database from before stored scores)
        await session.execute(delete(ProgrammeScore).where(col(ProgrammeScore.uprn) == uprn))
    async with visits_database.sessionmaker() as session, session.begin():
        await handlers.apply(
            session, [resident(uprn, tenancy_id, lives_alone=True, age_band="45_to_64")]
        )
        opened = asyncio.create_task(handle(visits_database, damp_case_opened(uprn, now)))
        await until_a_backend_waits_for_a_lock(visits_database)
    await opened
    after = await stored(visits_database, uprn)
    assert after.factors["living_alone"] is True
    assert after.factors["damp_history"] is True
