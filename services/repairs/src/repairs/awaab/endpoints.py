"""HTTP routes for Awaab's Law cases."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status

from hearth_contracts.events.repairs import AwaabMilestone
from hearth_contracts.values import UPRN_PATTERN
from hearth_kit.auth import Caller, require_scope
from hearth_kit.db import SessionDep
from hearth_kit.idempotency import IdempotencyDep
from hearth_kit.pagination import Page, PageDep
from hearth_kit.staff import STAFF_RESPONSES
from repairs.awaab.schemas import (
    AwaabCaseCreate,
    AwaabCasePublic,
    CaseDuplicate,
    ClockPause,
    ClockResume,
    ClockStop,
    RevisedSummary,
)
from repairs.awaab.service import AwaabService
from repairs.models import AwaabCaseStatus
from repairs.scopes import MANAGE_SCOPE


def _service(request: Request) -> AwaabService:
    """The service with this process's Awaab's Law targets and calendar."""
    service: AwaabService = request.app.state.awaab_service
    return service


AwaabServiceDep = Annotated[AwaabService, Depends(_service)]

MANAGE = [Depends(require_scope(MANAGE_SCOPE))]
"""Opening a case and moving its clocks need repairs:manage (the gateway asks the same)."""

router = APIRouter(
    prefix="/v1/awaab-cases",
    tags=["Awaab's Law"],
    responses=STAFF_RESPONSES,
)


@router.post(
    "", status_code=status.HTTP_201_CREATED, response_model=AwaabCasePublic, dependencies=MANAGE
)
async def open_case(
    body: AwaabCaseCreate, session: SessionDep, idempotency: IdempotencyDep, cases: AwaabServiceDep
) -> Response:
    """Open a case for a hazard reported by a contact or complaint (damp-mould-case-opened)."""
    return await idempotency.create(
        session, lambda: cases.report(session, body), location=lambda c: f"/v1/awaab-cases/{c.id}"
    )


@router.get("", response_model=Page[AwaabCasePublic])
async def list_cases(
    session: SessionDep,
    page: PageDep,
    cases: AwaabServiceDep,
    uprn: Annotated[str | None, Query(pattern=UPRN_PATTERN)] = None,
    status: AwaabCaseStatus | None = None,
) -> Page[AwaabCasePublic]:
    """Cases with every clock, by home and status."""
    return await cases.page(session, page, uprn=uprn, status=status)


@router.get("/{case_id}", response_model=AwaabCasePublic)
async def get_case(
    case_id: uuid.UUID, session: SessionDep, cases: AwaabServiceDep
) -> AwaabCasePublic:
    """One case with its clocks, pauses and evidence."""
    return await cases.get(session, case_id)


@router.post(
    "/{case_id}/clocks/{milestone}/pause", response_model=AwaabCasePublic, dependencies=MANAGE
)
async def pause_clock(
    case_id: uuid.UUID,
    milestone: AwaabMilestone,
    body: ClockPause,
    session: SessionDep,
    idempotency: IdempotencyDep,
    cases: AwaabServiceDep,
) -> Response:
    """Pause a clock with its reason."""
    return await idempotency.create(
        session, lambda: cases.pause(session, case_id, milestone, body), status_code=200
    )


@router.post(
    "/{case_id}/clocks/{milestone}/resume", response_model=AwaabCasePublic, dependencies=MANAGE
)
async def resume_clock(
    case_id: uuid.UUID,
    milestone: AwaabMilestone,
    body: ClockResume,
    session: SessionDep,
    idempotency: IdempotencyDep,
    cases: AwaabServiceDep,
) -> Response:
    """Resume a paused clock: its deadline moves on by the time paused."""
    return await idempotency.create(
        session, lambda: cases.resume(session, case_id, milestone, body), status_code=200
    )


@router.post(
    "/{case_id}/clocks/{milestone}/stop", response_model=AwaabCasePublic, dependencies=MANAGE
)
async def stop_clock(
    case_id: uuid.UUID,
    milestone: AwaabMilestone,
    body: ClockStop,
    session: SessionDep,
    idempotency: IdempotencyDep,
    cases: AwaabServiceDep,
) -> Response:
    """The step was done, with evidence (stopping the investigation starts the next clocks)."""
    return await idempotency.create(
        session, lambda: cases.stop(session, case_id, milestone, body), status_code=200
    )


@router.post("/{case_id}/close-as-duplicate", response_model=AwaabCasePublic, dependencies=MANAGE)
async def close_as_duplicate(
    case_id: uuid.UUID,
    body: CaseDuplicate,
    session: SessionDep,
    idempotency: IdempotencyDep,
    cases: AwaabServiceDep,
) -> Response:
    """The case is the same damp as another at the home whose clocks began first: closed
    as its duplicate, its running clocks withdrawn (neither met nor late), its recorded
    hazards moved to the case kept (docs/adr/0236)."""
    return await idempotency.create(
        session, lambda: cases.close_as_duplicate(session, case_id, body), status_code=200
    )


@router.post("/{case_id}/clocks/complete_work/revised-summary", response_model=AwaabCasePublic)
async def revise_summary(
    case_id: uuid.UUID,
    body: RevisedSummary,
    manager: Annotated[Caller, Depends(require_scope(MANAGE_SCOPE))],  # before a transaction
    session: SessionDep,
    idempotency: IdempotencyDep,
    cases: AwaabServiceDep,
) -> Response:
    """A revised written summary sets or moves the last day to finish the work: starts
    the complete_work clock when none runs, or re-dues the running one, keeping the day
    it replaced and who moved it (docs/adr/0092). A breach stays a breach."""
    return await idempotency.create(
        session,
        lambda: cases.revise_summary(session, case_id, body, manager.subject),
        status_code=200,
    )
