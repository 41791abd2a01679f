"""HTTP routes for arrangements."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response, status

from hearth_kit.db import SessionDep
from hearth_kit.idempotency import IdempotencyDep
from hearth_kit.problems import PROBLEM_RESPONSES
from income.arrangements.schemas import ArrangementCreate, ArrangementPublic
from income.arrangements.service import ArrangementService

router = APIRouter(prefix="/v1/rent-accounts", tags=["arrangements"], responses=PROBLEM_RESPONSES)


def arrangement_service(request: Request) -> ArrangementService:
    service: ArrangementService = request.app.state.arrangement_service
    return service


ArrangementServiceDep = Annotated[ArrangementService, Depends(arrangement_service)]


@router.post(
    "/{account_id}/arrangements",
    status_code=status.HTTP_201_CREATED,
    response_model=ArrangementPublic,
)
async def make_arrangement(
    account_id: uuid.UUID,
    body: ArrangementCreate,
    session: SessionDep,
    idempotency: IdempotencyDep,
    arrangements: ArrangementServiceDep,
) -> Response:
    """Agree an arrangement to pay the arrears by instalments, affordable on the income
    and expenditure statement and no longer than allowed (publishes arrangement-made)."""
    return await idempotency.create(
        session,
        lambda: arrangements.make(session, account_id, body, datetime.now(UTC)),
    )
