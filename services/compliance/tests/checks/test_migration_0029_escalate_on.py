"""Migration 0029 gives the open checks not yet escalated the day after the anniversary
to be escalated on (ADR 0195: over 3 months overdue), so none opened under the old rule
is escalated a day early; an escalated or completed check keeps its day; the downgrade
puts them back. Its own module: the migration moves every open check of the database."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime

from sqlalchemy import select, text
from sqlmodel import col

from compliance.models import Check, Subject
from compliance.settings import MIGRATIONS_DIR
from hearth_contracts.events.compliance import CheckType
from hearth_kit.db import Database
from hearth_kit.migrations import upgrade
from tests.harness.service import downgraded

NOW = datetime(2026, 12, 1, 9, tzinfo=UTC)
ANNIVERSARY = date(2027, 4, 30)
"""The old rule's day for an expiry on 31 January 2027: 3 months on, overdue exactly 3."""


def a_check(**values: object) -> Check:
    return Check(
        id=uuid.uuid4(),
        uprn=str(random.randint(10**9, 10**12 - 1)),
        subject=Subject.HOME,
        check_type=CheckType.GAS_SAFETY,
        due_by=date(2027, 1, 31),
        due_from=date(2026, 12, 2),
        escalate_on=ANNIVERSARY,
        created_at=NOW,
        **values,
    )


async def test_0029_moves_the_open_checks_not_yet_escalated_to_the_day_after(
    compliance_database: Database, compliance_db_url: str
) -> None:
    waiting = a_check()
    escalated = a_check(escalated_at=NOW)
    completed = a_check(completed_at=NOW)
    async with compliance_database.sessionmaker() as session, session.begin():
        session.add_all([waiting, escalated, completed])
        head = (await session.execute(text("SELECT version_num FROM alembic_version"))).scalar()
    # down to 0029 through the later migrations (none touches these rows), then 0029
    # run again on rows given the old rule's day
    await downgraded(compliance_database, MIGRATIONS_DIR, "0029")
    async with compliance_database.sessionmaker() as session, session.begin():
        await session.execute(text("UPDATE alembic_version SET version_num = '0028'"))
    await upgrade(MIGRATIONS_DIR, compliance_db_url, "0029")

    async def days() -> dict[uuid.UUID, date]:
        async with compliance_database.sessionmaker() as session:
            rows = await session.execute(
                select(col(Check.id), col(Check.escalate_on)).where(
                    col(Check.id).in_([waiting.id, escalated.id, completed.id])
                )
            )
            return dict(rows.tuples().all())

    assert await days() == {
        waiting.id: date(2027, 5, 1),
        escalated.id: ANNIVERSARY,
        completed.id: ANNIVERSARY,
    }
    await downgraded(compliance_database, MIGRATIONS_DIR, "0028")
    assert (await days())[waiting.id] == ANNIVERSARY
    await upgrade(MIGRATIONS_DIR, compliance_db_url, str(head))
    assert (await days())[waiting.id] == date(2027, 5, 1)
