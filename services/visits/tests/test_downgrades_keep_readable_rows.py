"""Visits' downgrades leave no row the release before cannot read (docs/adr/0152).
0010's stops while a report's draft holds a piece of the section `concern_dealt_with`
(an officer's unsent work, which the release before cannot read: a 500 for the draft):
it names how many, never which. 0009's puts the stored programme scores back into the
older shape: every score since holds the factor `officer_visit_for_check_access`, which
the release before refuses in `factors` and in `reasons` (a 500 for the whole
programme); the key and the reason go, and the reason's points come off the score.
SQLite and PostgreSQL."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import text

from hearth_contracts.events.visits import VisitChannel, VisitKind
from hearth_kit.db import Database
from hearth_kit.migrations import upgrade
from tests.harness.infra import DatabaseFactory
from tests.harness.service import downgraded
from visits.models import ProgrammeScore, ReportDraftPiece, Visit, VisitStatus
from visits.settings import MIGRATIONS_DIR

FACTOR = "officer_visit_for_check_access"


async def down_to(db: Database, revision: str) -> None:
    await downgraded(db, MIGRATIONS_DIR, revision)


def a_score(uprn: str, officer_visit: bool) -> ProgrammeScore:
    reasons: list[dict[str, object]] = [{"factor": "arrears", "points": 20}]
    if officer_visit:
        reasons.append({"factor": FACTOR, "points": 100})
    return ProgrammeScore(
        uprn=uprn,
        area="N1",
        score=120 if officer_visit else 20,
        due_by=date(2027, 1, 4),
        beyond_interval=False,
        next_visit_kind=VisitKind.FULL,
        stock_condition_survey=False,
        reasons=reasons,
        factors={"arrears_stage": "letter_1", "living_alone": True, FACTOR: officer_visit},
        scored_on=date(2026, 12, 1),
        rescore_on=date(2026, 12, 2),
        configuration="c" * 64,
    )


def a_visit_scheduled(at: datetime) -> Visit:
    """A full visit in the home booked for an hour from `at` (a draft's visit)."""
    return Visit(
        id=uuid.uuid4(),
        uprn="100000000001",
        kind=VisitKind.FULL,
        channel=VisitChannel.IN_HOME,
        status=VisitStatus.SCHEDULED,
        scheduled_for=at,
        scheduled_end=at + timedelta(hours=1),
        scheduled_at=at,
    )


async def test_the_downgrades_leave_drafts_and_scores_the_release_before_reads(
    databases: DatabaseFactory,
) -> None:
    url = await databases.create("visits_readable")
    await upgrade(MIGRATIONS_DIR, url)
    db = Database(url)
    at = datetime(2026, 11, 30, 10, tzinfo=UTC)
    visit = a_visit_scheduled(at)
    try:
        async with db.sessionmaker() as session, session.begin():
            session.add(visit)
            session.add_all([a_score("100000000001", True), a_score("100000000002", False)])
        async with db.sessionmaker() as session, session.begin():
            session.add(
                ReportDraftPiece(
                    visit_id=visit.id,
                    section="concern_dealt_with",
                    piece_id="d1",
                    version=1,
                    content={"concern_id": str(uuid.uuid4())},
                    saved_at=at,
                )
            )

        with pytest.raises(
            RuntimeError,
            match=r"^1 draft report piece\(s\) record a concern dealt with, a section",
        ):
            await down_to(db, "0009")
        async with db.engine.begin() as connection:  # the report is sent, its draft goes
            await connection.execute(text("DELETE FROM report_draft_piece"))
        await down_to(db, "0008")

        async with db.engine.connect() as connection:
            rows = (
                await connection.execute(
                    text("SELECT uprn, score, reasons, factors FROM programme_score ORDER BY uprn")
                )
            ).all()
        scores = {row.uprn: (row.score, as_json(row.reasons), as_json(row.factors)) for row in rows}
        older_factors = {"arrears_stage": "letter_1", "living_alone": True}
        assert scores == {
            "100000000001": (20, [{"factor": "arrears", "points": 20}], older_factors),
            "100000000002": (20, [{"factor": "arrears", "points": 20}], older_factors),
        }
    finally:
        await db.dispose()
    await upgrade(MIGRATIONS_DIR, url)  # and forward again


def as_json(value: object) -> object:
    """A JSON column read by plain SQL: text on SQLite, decoded already on PostgreSQL."""
    return json.loads(value) if isinstance(value, str) else value
