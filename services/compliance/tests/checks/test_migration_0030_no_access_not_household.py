"""Migration 0030's downgrade stops while an access attempt holds no_access_not_household
(ADR 0197): the release before has no such outcome and fails loading the row. It names
how many, never which; with none left it goes down, and up again. SQLite and
PostgreSQL (HEARTH_TEST_DATABASE=sqlite)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from compliance.models import AccessAttempt, AccessOutcome
from compliance.settings import MIGRATIONS_DIR
from hearth_kit.db import Database
from hearth_kit.migrations import upgrade
from tests.harness.infra import DatabaseFactory
from tests.harness.service import downgraded

AT = datetime(2026, 11, 30, 10, tzinfo=UTC)


def an_attempt(number: int, outcome: AccessOutcome) -> AccessAttempt:
    return AccessAttempt(
        check_id=uuid.UUID(int=1),
        uprn="100000000001",
        attempt_number=number,
        attempted_at=AT,
        attempted_by="ENG-7",
        outcome=outcome,
        recorded_at=AT,
    )


async def test_the_downgrade_waits_while_an_attempt_is_not_the_households(
    databases: DatabaseFactory,
) -> None:
    url = await databases.create("compliance_0030")
    await upgrade(MIGRATIONS_DIR, url)
    db = Database(url)
    try:
        async with db.engine.connect() as connection:
            at_head = await connection.execute(text("SELECT version_num FROM alembic_version"))
            head = at_head.scalar_one()
        async with db.sessionmaker() as session, session.begin():
            session.add_all(
                [
                    an_attempt(1, AccessOutcome.NO_ACCESS_NOT_HOUSEHOLD),
                    an_attempt(2, AccessOutcome.NO_ACCESS),
                ]
            )
        with pytest.raises(
            RuntimeError,
            match=r"^1 access attempt\(s\) are no_access_not_household, an outcome the "
            r"release before 0030 cannot read",
        ):
            await downgraded(db, MIGRATIONS_DIR, "0029")
        async with db.engine.begin() as connection:
            version = await connection.execute(text("SELECT version_num FROM alembic_version"))
            assert version.scalar_one() == head  # refused: nothing changed
            await connection.execute(
                text("DELETE FROM access_attempt WHERE outcome = 'no_access_not_household'")
            )
        await downgraded(db, MIGRATIONS_DIR, "0029")
        async with db.engine.connect() as connection:
            kept = await connection.execute(text("SELECT outcome FROM access_attempt"))
            assert list(kept.scalars()) == ["no_access"]
    finally:
        await db.dispose()
    await upgrade(MIGRATIONS_DIR, url)  # and forward again
