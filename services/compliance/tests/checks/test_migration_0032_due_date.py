"""Migration 0032 moves the due dates that were the first day late a day back, to the
last day in time (ADR 0221): a tenancy's alarm check and a check needed at once (no
certificate expiry), open or closed, each then overdue from the same day as before;
an open one not yet escalated is given its new due date's escalation day. A check due
by its certificate's expiry keeps its dates, and so does the gas cycle opened and
closed at once to hold the record of a home outside the annual programme (due by the
check's own day, which the release after still writes). The downgrade puts them back.
Its own module: the migration moves every check of the database."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlmodel import col

from compliance.models import Check, Subject
from compliance.settings import MIGRATIONS_DIR
from hearth_contracts.events.compliance import CheckType
from hearth_kit.db import Database
from hearth_kit.migrations import upgrade
from tests.harness.service import downgraded

NOW = datetime(2026, 12, 1, 9, tzinfo=UTC)


def a_check(check_type: CheckType, due_by: date, escalate_on: date, **values: object) -> Check:
    return Check(
        id=uuid.uuid4(),
        uprn=str(random.randint(10**9, 10**12 - 1)),
        subject=Subject.HOME,
        check_type=check_type,
        due_by=due_by,
        due_from=date(2026, 11, 30),
        escalate_on=escalate_on,
        created_at=NOW,
        **values,
    )


async def test_0032_moves_the_due_dates_that_were_the_first_day_late(
    compliance_database: Database, compliance_db_url: str
) -> None:
    # as the release before opened them: a due date the first day late
    alarm = a_check(CheckType.SMOKE_CO_ALARMS, date(2026, 12, 1), date(2027, 3, 2))
    first = a_check(CheckType.GAS_SAFETY, date(2026, 12, 1), date(2027, 3, 2))
    # a tenancy beginning 28 November: 29 November + 3 months is 28 February, + 1
    month_end = a_check(CheckType.SMOKE_CO_ALARMS, date(2026, 11, 29), date(2027, 3, 1))
    closed = a_check(
        CheckType.SMOKE_CO_ALARMS, date(2026, 6, 2), date(2026, 9, 3), completed_at=NOW
    )
    certificate = a_check(
        CheckType.GAS_SAFETY,
        date(2027, 1, 31),
        date(2027, 5, 1),
        certificate_expires_on=date(2027, 1, 31),
    )
    # a gas record of a home outside the annual programme: the cycle opened only to hold
    # it, due by the check's own day and closed by it in the same instant (as the
    # release after writes it too): not a due date that was the first day late
    held_for_a_record = a_check(
        CheckType.GAS_SAFETY,
        date(2026, 10, 14),
        date(2027, 1, 15),
        completed_at=NOW,
        completed_on=date(2026, 10, 14),
        record_id=uuid.uuid4(),
    )
    rows = [alarm, first, month_end, closed, certificate, held_for_a_record]
    # down to 0031 (the rows inserted at the head are then as the release before kept
    # them), then 0032 run on them
    await downgraded(compliance_database, MIGRATIONS_DIR, "0031")
    async with compliance_database.sessionmaker() as session, session.begin():
        session.add_all(rows)
    await upgrade(MIGRATIONS_DIR, compliance_db_url, "0032")

    async def dates() -> dict[uuid.UUID, tuple[date, date]]:
        async with compliance_database.sessionmaker() as session:
            found = await session.execute(
                select(col(Check.id), col(Check.due_by), col(Check.escalate_on)).where(
                    col(Check.id).in_([r.id for r in rows])
                )
            )
            return {row[0]: (row[1], row[2]) for row in found.tuples().all()}

    assert await dates() == {
        alarm.id: (date(2026, 11, 30), date(2027, 3, 1)),
        first.id: (date(2026, 11, 30), date(2027, 3, 1)),
        # 28 November + 3 months is 28 February: escalated 1 March, as before
        month_end.id: (date(2026, 11, 28), date(2027, 3, 1)),
        closed.id: (date(2026, 6, 1), date(2026, 9, 3)),
        certificate.id: (date(2027, 1, 31), date(2027, 5, 1)),
        held_for_a_record.id: (date(2026, 10, 14), date(2027, 1, 15)),
    }
    await downgraded(compliance_database, MIGRATIONS_DIR, "0031")
    assert await dates() == {r.id: (r.due_by, r.escalate_on) for r in rows}
    await upgrade(MIGRATIONS_DIR, compliance_db_url, "head")
