"""HTTP routes for a resident's vulnerabilities. Reading needs the token's
vulnerabilities:read scope (checked here as well as at the gateway) and is audited;
recording and removing need vulnerabilities:write. The reviewer's routes
(`reviews_router`: the list of reviews due and recording a review) need both: a review
is held with the resident about the need itself, and what either answers is drawn from
what is stored (the list shows each review date; a review is refused when dated before
the stored consent or latest review), so a caller who may record but not read would
learn stored dates from them (docs/api/engagement.md). What the write-only routes answer is what the
caller sent, ids and the moment of their own change."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status

from engagement.vulnerabilities.schemas import (
    ReviewDuePublic,
    VulnerabilityCreate,
    VulnerabilityPublic,
    VulnerabilityReadPublic,
    VulnerabilityReceipt,
    VulnerabilityReview,
)
from engagement.vulnerabilities.service import vulnerability_service
from hearth_kit.auth import Caller, CallerDep, require_scope
from hearth_kit.db import SessionDep
from hearth_kit.figures import ISO_DATE, query_day
from hearth_kit.idempotency import IdempotencyDep
from hearth_kit.pagination import Page, PageDep
from hearth_kit.problems import PROBLEM_RESPONSES, Forbidden

router = APIRouter(
    prefix="/v1/residents/{resident_id}/vulnerabilities",
    tags=["vulnerabilities"],
    responses=PROBLEM_RESPONSES,
)
ReaderDep = Annotated[Caller, Depends(require_scope("vulnerabilities:read"))]
WriterDep = Annotated[Caller, Depends(require_scope("vulnerabilities:write"))]

REVIEWER_SCOPES = ("vulnerabilities:read", "vulnerabilities:write")
"""What the reviewer's routes need: the need-to-know read as well as the write."""


async def reviewer(caller: CallerDep) -> Caller:
    """The caller, if they hold every scope in REVIEWER_SCOPES (403 naming the missing
    ones otherwise, before anything stored is looked at)."""
    missing = [scope for scope in REVIEWER_SCOPES if scope not in caller.scopes]
    if missing:
        raise Forbidden(
            f"This needs the scope {' '.join(missing)}, which the token does not grant",
            required_scopes=list(REVIEWER_SCOPES),
            missing_scopes=missing,
        )
    return caller


ReviewerDep = Annotated[Caller, Depends(reviewer)]

reviews_router = APIRouter(
    tags=["vulnerabilities"], responses=PROBLEM_RESPONSES, dependencies=[Depends(reviewer)]
)
"""The reviewer's routes: the reviews due across residents and recording a review. Its
own router because each needs two scopes (`reviewer`, which names every one missing, as
the gateway does): checked here for the whole router, before any of a route's own
dependencies opens a session; app.py leaves its scopes to this router."""


@router.post("", status_code=status.HTTP_201_CREATED, response_model=VulnerabilityReceipt)
async def record_vulnerability(
    resident_id: uuid.UUID,
    body: VulnerabilityCreate,
    session: SessionDep,
    idempotency: IdempotencyDep,
    caller: WriterDep,
) -> Response:
    """Record a vulnerability with consent (publishes vulnerability-recorded v2: the
    flag and the adjustments, never the category or the detail)."""
    return await idempotency.create(
        session,
        lambda: vulnerability_service.record(session, resident_id, body, caller),
        location=lambda v: f"/v1/residents/{resident_id}/vulnerabilities/{v.id}",
    )


@router.get("", response_model=list[VulnerabilityPublic])
async def read_vulnerabilities(
    resident_id: uuid.UUID, session: SessionDep, caller: ReaderDep
) -> list[VulnerabilityPublic]:
    """The resident's vulnerabilities (need to know; this read is audited)."""
    return await vulnerability_service.read(session, resident_id, caller)


@router.get("/reads", response_model=list[VulnerabilityReadPublic])
async def vulnerability_reads(
    resident_id: uuid.UUID, session: SessionDep, caller: ReaderDep
) -> list[VulnerabilityReadPublic]:
    """The audit: who read this resident's vulnerabilities, latest first."""
    return await vulnerability_service.audit(session, resident_id)


@router.get("/{vulnerability_id:uuid}", response_model=VulnerabilityPublic)
async def read_vulnerability(
    resident_id: uuid.UUID, vulnerability_id: uuid.UUID, session: SessionDep, caller: ReaderDep
) -> VulnerabilityPublic:
    """One of the resident's vulnerabilities, the Location recording one answers with
    (need to know: vulnerabilities:read; this read is audited as the list's is). One
    removed, or an id the resident never had, is a 404."""
    return await vulnerability_service.read_one(session, resident_id, vulnerability_id, caller)


@router.delete("/{vulnerability_id:uuid}", status_code=status.HTTP_204_NO_CONTENT)
async def remove_vulnerability(
    resident_id: uuid.UUID, vulnerability_id: uuid.UUID, session: SessionDep, caller: WriterDep
) -> Response:
    """Remove a vulnerability (reviewed away or consent withdrawn); publishes the flag.
    One already removed answers 204 again and changes nothing (no flag published); an id
    the resident never had is a 404."""
    await vulnerability_service.remove(session, resident_id, vulnerability_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@reviews_router.post(
    "/v1/residents/{resident_id}/vulnerabilities/{vulnerability_id}/review",
    response_model=VulnerabilityReceipt,
)
async def review_vulnerability(
    resident_id: uuid.UUID,
    vulnerability_id: uuid.UUID,
    body: VulnerabilityReview,
    session: SessionDep,
    idempotency: IdempotencyDep,
    caller: ReviewerDep,
) -> Response:
    """Record a review with the resident and the next review's date (publishes the
    flag); a retry with the same Idempotency-Key gets the first answer. Needs
    vulnerabilities:read as well as :write: the review is of the need itself, and its
    refusals (before consent, before the latest review) compare with stored moments."""
    return await idempotency.create(
        session,
        lambda: vulnerability_service.review(session, resident_id, vulnerability_id, body),
        status_code=200,
    )


@reviews_router.get("/v1/vulnerabilities/reviews-due", response_model=Page[ReviewDuePublic])
async def reviews_due(
    session: SessionDep,
    page: PageDep,
    caller: ReviewerDep,
    due_by: Annotated[
        str | None,
        Query(
            pattern=ISO_DATE,
            json_schema_extra={"format": "date"},
            description="Reviews due on or before this day (YYYY-MM-DD; default: today in London)",
        ),
    ] = None,
) -> Page[ReviewDuePublic]:
    """Vulnerabilities whose review has come (on or before `due_by`, default London's
    today), oldest due first, a page at a time: the resident, the vulnerability, the
    home, the date and days overdue, never the category or the detail. Needs the
    reviewer's scopes, vulnerabilities:read and :write (those recording the review
    needs: `POST /v1/residents/{resident_id}/vulnerabilities/{vulnerability_id}/review`,
    after which it leaves the list until its next date): each item is a stored review
    date, which a caller who may record but not read must not learn (docs/api/engagement.md). Not
    audited as a read, as it shows nothing of the need itself."""
    return await vulnerability_service.reviews_due(
        session,
        page,
        due_by=None if due_by is None else query_day(due_by, "due_by"),
        now=datetime.now(UTC),
    )
