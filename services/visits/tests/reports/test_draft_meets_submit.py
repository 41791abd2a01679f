"""A piece of a report saved while the report is being submitted is never lost.

Saving a draft piece read the visit (still scheduled) without a lock and kept the
piece; submitting read the pieces, recorded the report and discarded the draft. A
piece saved while a submission was under way was answered 200 and then was in neither
the report (read before it) nor the draft (left on a reported visit, or discarded with
it). Both now lock the visit first (FOR NO KEY UPDATE, as recording the report's UPDATE
takes it): a save during a submission waits, then finds the visit reported (409)."""

from __future__ import annotations

import asyncio
import uuid

import httpx
import pytest
from sqlalchemy import func, select

from hearth_kit.db import Database
from services.visits.tests.factories import a_uprn
from services.visits.tests.reports.test_drafts import complete_draft, piece, save, scheduled
from tests.harness.locks import until_done_or_waiting
from visits.models import ReportDraftPiece
from visits.reports.schemas import ReportSubmission
from visits.reports.service import ReportService
from visits.settings import VisitsSettings
from visits.visits.service import VisitService


async def draft_pieces(db: Database, visit_id: str) -> int:
    async with db.sessionmaker() as session:
        count = await session.scalar(
            select(func.count()).where(ReportDraftPiece.visit_id == uuid.UUID(visit_id))
        )
    return int(count or 0)


async def test_a_piece_saved_during_a_submission_is_refused_not_lost(
    visits: httpx.AsyncClient, visits_database: Database, visits_settings: VisitsSettings
) -> None:
    if not visits_database.is_postgresql:
        pytest.skip("PostgreSQL's row locks; SQLite serialises writers as a whole")
    visit_id = await scheduled(visits, a_uprn())
    assert (await save(visits, visit_id, complete_draft())).status_code == 200
    reports = ReportService(VisitService(visits_settings))
    late = [piece("customer_action", "a2", 1, {"description": "Send the damp leaflet"})]
    async with visits_database.sessionmaker() as submitting, submitting.begin():
        await reports.submit(submitting, uuid.UUID(visit_id), ReportSubmission(pieces_expected=10))
        saved = asyncio.create_task(save(visits, visit_id, late))
        await until_done_or_waiting(saved, visits_database)
    response = await saved
    assert response.status_code == 409, response.text
    assert await draft_pieces(visits_database, visit_id) == 0
