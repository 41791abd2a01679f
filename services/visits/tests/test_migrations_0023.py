"""Migration 0023's downgrade stops while a draft holds an emergency hazard already sent to
repairs (ADR 0182): the release before would send it again at submit under a new id, a
second Awaab's Law case for one hazard. It names how many, never which. SQLite and
PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from hearth_kit.db import Database
from hearth_kit.migrations import upgrade
from services.visits.tests.test_downgrades_keep_readable_rows import a_visit_scheduled
from tests.harness.infra import DatabaseFactory
from tests.harness.service import downgraded
from visits.models import ReportDraftPiece
from visits.settings import MIGRATIONS_DIR


async def test_the_downgrade_waits_for_the_drafts_whose_hazard_was_sent(
    databases: DatabaseFactory,
) -> None:
    url = await databases.create("visits_0023")
    await upgrade(MIGRATIONS_DIR, url)
    db = Database(url)
    at = datetime(2026, 11, 30, 10, tzinfo=UTC)
    visit = a_visit_scheduled(at)
    hazard = {"hazard_type": "fire", "severity": "emergency", "location": "hall"}
    try:
        async with db.sessionmaker() as session, session.begin():
            session.add(visit)
        async with db.sessionmaker() as session, session.begin():
            for piece_id, sent in (("h1", uuid.uuid4()), ("h2", None)):
                session.add(
                    ReportDraftPiece(
                        visit_id=visit.id,
                        section="hazard",
                        piece_id=piece_id,
                        version=1,
                        content={**hazard, "description": "Smoke alarm gone"},
                        saved_at=at,
                        hazard_id=sent,
                        identified_at=at if sent else None,
                    )
                )
        with pytest.raises(
            RuntimeError, match=r"^1 draft report piece\(s\) hold an emergency hazard already"
        ):
            await downgraded(db, MIGRATIONS_DIR, "0022")
        async with db.engine.begin() as connection:  # the report is sent, its draft goes
            await connection.execute(text("DELETE FROM report_draft_piece WHERE piece_id = 'h1'"))
        await downgraded(db, MIGRATIONS_DIR, "0022")
        async with db.engine.connect() as connection:
            kept = (
                await connection.execute(text("SELECT piece_id FROM report_draft_piece"))
            ).scalars()
            assert list(kept) == ["h2"]
    finally:
        await db.dispose()
    await upgrade(MIGRATIONS_DIR, url)  # and forward again
