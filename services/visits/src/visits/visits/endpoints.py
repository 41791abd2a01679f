"""HTTP routes for home visits and their reports."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status

from hearth_contracts.values import UPRN_PATTERN
from hearth_kit.auth import CallerDep
from hearth_kit.db import ReadConnectionDep, SessionDep
from hearth_kit.idempotency import IdempotencyDep
from hearth_kit.pagination import Page, PageDep
from hearth_kit.problems import PROBLEM_RESPONSES
from hearth_kit.responses import model_response
from visits.models import VisitStatus
from visits.visits.schemas import VisitCreate, VisitPublic, VisitReport
from visits.visits.service import VisitService, page_of_visits, to_public

router = APIRouter(prefix="/v1/visits", tags=["visits"], responses=PROBLEM_RESPONSES)


async def the_visit_service(request: Request) -> VisitService:
    service: VisitService = request.app.state.visit_service
    return service


VisitServiceDep = Annotated[VisitService, Depends(the_visit_service)]


def _location(visit: VisitPublic) -> str:
    return f"/v1/visits/{visit.id}"


@router.post("", status_code=status.HTTP_201_CREATED, response_model=VisitPublic)
async def schedule_visit(
    body: VisitCreate,
    session: SessionDep,
    idempotency: IdempotencyDep,
    visit_service: VisitServiceDep,
    caller: CallerDep,
) -> Response:
    """Book a home visit (publishes visit-scheduled)."""
    return await idempotency.create(
        session,
        lambda: visit_service.schedule(session, body),
        shape=lambda visit: to_public(visit, caller=caller),
        location=_location,
    )


@router.post("/{visit_id}/report", status_code=status.HTTP_201_CREATED, response_model=VisitPublic)
async def report_visit(
    visit_id: uuid.UUID,
    body: VisitReport,
    session: SessionDep,
    idempotency: IdempotencyDep,
    visit_service: VisitServiceDep,
    caller: CallerDep,
) -> Response:
    """Record the visit's outcome and findings, once (publishes visit-completed with
    visit-found-repair and hazard-identified, or visit-no-access / visit-declined, and
    tenancy-concern-raised). A completed visit's report may close earlier customer actions
    and record tenancy concerns dealt with, as a draft's: one not open is a 422 naming it,
    and nothing is recorded. A visit whose draft sent an emergency hazard to repairs is
    reported by submitting the draft (409 here, ADR 0182). The answer shows the notes
    only with visits:notes."""
    return await idempotency.create(
        session,
        lambda: visit_service.report(session, visit_id, body),
        shape=lambda reported: to_public(*reported, caller=caller),
        location=_location,
    )


@router.get("/{visit_id}", response_model=VisitPublic)
async def get_visit(
    visit_id: uuid.UUID, session: SessionDep, visit_service: VisitServiceDep, caller: CallerDep
) -> VisitPublic:
    """One visit with what it found; the officer's notes (the visit's and each tenancy
    concern's) only to a caller holding visits:notes, else null (withheld)."""
    return to_public(*await visit_service.get_with_findings(session, visit_id), caller=caller)


@router.get("", response_model=Page[VisitPublic])
async def list_visits(
    connection: ReadConnectionDep,
    page: PageDep,
    caller: CallerDep,
    uprn: Annotated[str | None, Query(pattern=UPRN_PATTERN, description="One home")] = None,
    visit_status: Annotated[VisitStatus | None, Query(alias="status")] = None,
) -> Response:
    """Visits, latest scheduled first, a page at a time; the officer's notes only to a
    caller holding visits:notes, else null (withheld)."""
    return model_response(
        await page_of_visits(connection, page, uprn=uprn, status=visit_status, caller=caller)
    )
