"""HTTP routes for arrangements."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status

from hearth_kit.auth import Caller, require_scope
from hearth_kit.db import ReadConnectionDep, SessionDep
from hearth_kit.figures import ISO_DATE, query_day
from hearth_kit.idempotency import IdempotencyDep
from hearth_kit.pagination import Page, PageDep
from hearth_kit.problems import PROBLEM_RESPONSES
from hearth_kit.responses import model_response
from income.arrangements.schemas import (
    ArrangementCreate,
    ArrangementPublic,
    ArrangementReviewCreate,
    ArrangementReviewPublic,
    ReviewDuePublic,
)
from income.arrangements.service import ArrangementService

router = APIRouter(prefix="/v1/rent-accounts", tags=["arrangements"], responses=PROBLEM_RESPONSES)
reviews_router = APIRouter(
    prefix="/v1/arrangements", tags=["arrangements"], responses=PROBLEM_RESPONSES
)
"""Arrangements by their own id (a review) and across accounts (the reviews due).
/v1/arrangements has no GET /{arrangement_id}, so /reviews-due shadows nothing."""


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


WriterDep = Annotated[Caller, Depends(require_scope("income:write"))]


@reviews_router.get("/reviews-due", response_model=Page[ReviewDuePublic])
async def reviews_due(
    connection: ReadConnectionDep,
    page: PageDep,
    arrangements: ArrangementServiceDep,
    due_by: Annotated[
        str | None,
        Query(
            pattern=ISO_DATE,
            json_schema_extra={"format": "date"},
            description="Reviews due on or before this day (YYYY-MM-DD; default: today in London)",
        ),
    ] = None,
) -> Response:
    """Live arrangements whose review has come (DOMAIN.md: reviewed every 3 to 6
    months), oldest due first, a page at a time: each with its tenancy, home, instalment
    and arrears now, no personal data. Record one with `POST /v1/arrangements/
    {arrangement_id}/review`; it then leaves the list until its next review."""
    return model_response(
        await arrangements.reviews_due(
            connection,
            page,
            due_by=None if due_by is None else query_day(due_by, "due_by"),
            now=datetime.now(UTC),
        )
    )


@reviews_router.post(
    "/{arrangement_id}/review",
    status_code=status.HTTP_201_CREATED,
    response_model=ArrangementReviewPublic,
)
async def review_arrangement(
    arrangement_id: uuid.UUID,
    body: ArrangementReviewCreate,
    officer: WriterDep,  # first: refused before a transaction is opened
    session: SessionDep,
    idempotency: IdempotencyDep,
    arrangements: ArrangementServiceDep,
) -> Response:
    """Record a review of a live arrangement, kept as a row of its own: it continues,
    its instalment changes (affordable on income and expenditure and within the longest
    arrangement, as when it was made, on the arrears now), or it ends (recovery goes on
    by the ladder). The next review is `review_in_months` (3 to 6) from the review's
    London day. Send an Idempotency-Key: a retry records nothing twice. 404 for no such
    arrangement; 409 when it is not live (broken, completed, ended, or its tenancy
    ended), or when one made on a sundry account before that was refused is not ended
    (naming `outcome`: the ladder never watches it); 422 naming the field refused."""
    return await idempotency.create(
        session,
        lambda: arrangements.review(
            session, arrangement_id, body, officer.subject, datetime.now(UTC)
        ),
    )
