"""HTTP routes for diversity profiles: set one for a resident; read only aggregates
(scope diversity:read, checked here as well as at the gateway)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response, status

from engagement.diversity.rules import Strand
from engagement.diversity.schemas import DiversityAggregate, DiversityProfileSet
from engagement.diversity.service import DiversityService
from hearth_kit.auth import Caller, require_scope
from hearth_kit.db import SessionDep
from hearth_kit.problems import PROBLEM_RESPONSES

router = APIRouter(tags=["diversity"], responses=PROBLEM_RESPONSES)


def _service(request: Request) -> DiversityService:
    service: DiversityService = request.app.state.diversity_service
    return service


DiversityServiceDep = Annotated[DiversityService, Depends(_service)]


@router.put("/v1/residents/{resident_id}/diversity", status_code=status.HTTP_204_NO_CONTENT)
async def set_diversity_profile(
    resident_id: uuid.UUID,
    body: DiversityProfileSet,
    session: SessionDep,
    diversity: DiversityServiceDep,
) -> Response:
    """Keep a resident's optional diversity profile (never read back one by one)."""
    await diversity.set_profile(session, resident_id, body)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.delete("/v1/residents/{resident_id}/diversity", status_code=status.HTTP_204_NO_CONTENT)
async def remove_diversity_profile(
    resident_id: uuid.UUID, session: SessionDep, diversity: DiversityServiceDep
) -> Response:
    """Forget a resident's diversity profile."""
    await diversity.remove_profile(session, resident_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/v1/diversity", response_model=DiversityAggregate)
async def diversity_aggregate(
    strand: Strand,
    session: SessionDep,
    diversity: DiversityServiceDep,
    caller: Annotated[Caller, Depends(require_scope("diversity:read"))],
) -> DiversityAggregate:
    """Residents per group of one strand; groups under the minimum size are suppressed."""
    return await diversity.aggregate(session, strand)
