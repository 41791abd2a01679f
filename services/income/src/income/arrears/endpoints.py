"""HTTP routes for arrears cases: the case, its pre-action protocol, a review."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Request, Response

from hearth_kit.db import SessionDep
from hearth_kit.idempotency import IdempotencyDep
from hearth_kit.problems import PROBLEM_RESPONSES
from income.arrears.schemas import CasePublic, ProtocolUpdate
from income.arrears.service import ArrearsService

router = APIRouter(prefix="/v1/rent-accounts", tags=["arrears"], responses=PROBLEM_RESPONSES)


def arrears_service(request: Request) -> ArrearsService:
    service: ArrearsService = request.app.state.arrears_service
    return service


ArrearsServiceDep = Annotated[ArrearsService, Depends(arrears_service)]


@router.get("/{account_id}/arrears-case", response_model=CasePublic)
async def arrears_case(
    account_id: uuid.UUID, session: SessionDep, arrears: ArrearsServiceDep, response: Response
) -> CasePublic:
    """Where the account stands on the arrears ladder, and the pre-action protocol, with
    its ETag (for If-Match on PATCH .../protocol)."""
    case = await arrears.case(session, account_id)
    response.headers["ETag"] = f'"{case.version}"'
    return case


@router.patch("/{account_id}/arrears-case/protocol", response_model=CasePublic)
async def record_protocol(
    account_id: uuid.UUID,
    body: ProtocolUpdate,
    session: SessionDep,
    arrears: ArrearsServiceDep,
    response: Response,
    if_match: Annotated[str | None, Header(max_length=64)] = None,
) -> CasePublic:
    """Record pre-action protocol steps done (a court step waits for all of them).
    If-Match: the case's ETag (412 when it changed since, 428 without one)."""
    case = await arrears.record_protocol(
        session, account_id, body, if_match=if_match, now=datetime.now(UTC)
    )
    response.headers["ETag"] = f'"{case.version}"'
    return case


@router.post("/{account_id}/arrears-case/review", response_model=CasePublic)
async def review_case(
    account_id: uuid.UUID,
    session: SessionDep,
    idempotency: IdempotencyDep,
    arrears: ArrearsServiceDep,
) -> Response:
    """A review after a vulnerability flag paused automatic letters: steps may go on. A
    retry with the same Idempotency-Key gets the first answer and changes nothing (the
    review's time stays the first one's)."""
    return await idempotency.create(
        session, lambda: arrears.review(session, account_id, datetime.now(UTC)), status_code=200
    )
