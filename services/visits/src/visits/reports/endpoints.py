"""HTTP routes for reports a tablet sends in pieces, and the officer's briefing."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response, status

from hearth_kit.auth import CallerDep
from hearth_kit.db import SessionDep
from hearth_kit.idempotency import IdempotencyDep
from hearth_kit.problems import PROBLEM_RESPONSES
from visits.reports.schemas import (
    Briefing,
    DraftPieces,
    DraftPublic,
    LateInventory,
    ReportSubmission,
)
from visits.reports.service import ReportService
from visits.visits.schemas import VisitPublic
from visits.visits.service import to_public

router = APIRouter(prefix="/v1/visits", tags=["visit reports"], responses=PROBLEM_RESPONSES)


def the_report_service(request: Request) -> ReportService:
    service: ReportService = request.app.state.report_service
    return service


ReportServiceDep = Annotated[ReportService, Depends(the_report_service)]


@router.put("/{visit_id}/report/draft", response_model=DraftPublic)
async def save_draft(
    visit_id: uuid.UUID,
    body: DraftPieces,
    session: SessionDep,
    reports: ReportServiceDep,
    caller: CallerDep,
) -> DraftPublic:
    """Save pieces of the visit's report as the tablet sends them (idempotent: each
    piece is kept at its highest version, so resent or reordered pieces converge). An
    emergency or significant hazard is sent to repairs at once (hazard-identified,
    dated the draft's visited_at) when the draft holds it and its visit piece, and then
    stays as sent; a minor one waits for the report (ADR 0182, 0209, 0227)."""
    return await reports.save_draft(session, visit_id, body, caller)


@router.get("/{visit_id}/report/draft", response_model=DraftPublic)
async def get_draft(
    visit_id: uuid.UUID, session: SessionDep, reports: ReportServiceDep, caller: CallerDep
) -> DraftPublic:
    """The draft as it stands and the sections it still lacks; the officer's notes only
    to a caller holding visits:notes, else null (withheld)."""
    return await reports.draft(session, visit_id, caller)


@router.post(
    "/{visit_id}/report/submit", status_code=status.HTTP_201_CREATED, response_model=VisitPublic
)
async def submit_report(
    visit_id: uuid.UUID,
    body: ReportSubmission,
    session: SessionDep,
    idempotency: IdempotencyDep,
    reports: ReportServiceDep,
    caller: CallerDep,
) -> Response:
    """Submit the draft as the visit's report, once (send an Idempotency-Key: a retry
    gets the same answer and changes nothing). Publishes visit-completed,
    resident-details-confirmed, visit-found-repair, hazard-identified (but for a
    hazard sent when its piece was saved, ADR 0182, 0209, 0227) and
    tenancy-concern-raised, all dated visited_at."""
    return await idempotency.create(
        session,
        lambda: reports.submit(session, visit_id, body),
        shape=lambda recorded: to_public(*recorded, caller=caller),
        location=lambda visit: f"/v1/visits/{visit.id}",
    )


@router.post(
    "/{visit_id}/report/rooms",
    status_code=status.HTTP_201_CREATED,
    response_model=VisitPublic,
    responses={
        403: {
            "description": "Not the visit's officer, or the visit names none (problem "
            "details, type .../not-the-visits-officer), or a scope missing"
        }
    },
)
async def add_inventory(
    visit_id: uuid.UUID,
    body: LateInventory,
    session: SessionDep,
    idempotency: IdempotencyDep,
    reports: ReportServiceDep,
    caller: CallerDep,
) -> Response:
    """Add the room inventory of a full visit completed without one (written up back at
    the office): once, by the visit's officer, within a week of visited_at by default
    (ADR 0113). Publishes nothing; the visit then shows inventory_recorded true, and a
    stock condition survey counts as the survey."""
    return await idempotency.create(
        session,
        lambda: reports.add_inventory(session, visit_id, body, caller),
        shape=lambda recorded: to_public(*recorded, caller=caller),
        location=lambda visit: f"/v1/visits/{visit.id}",
    )


@router.get("/{visit_id}/briefing", response_model=Briefing)
async def briefing(visit_id: uuid.UUID, session: SessionDep, reports: ReportServiceDep) -> Briefing:
    """Before going: the household's language, format and access needs, whether a
    vulnerability is recorded (a flag), and customer actions still open."""
    return await reports.briefing(session, visit_id)
