"""HTTP routes for a resident's vulnerabilities. Reading needs the token's
vulnerabilities:read scope (checked here as well as at the gateway) and is audited;
recording, reviewing and removing need vulnerabilities:write, and so does the list of
reviews due (`reviews_router`): it is the reviewer's work list, and shows no category
or detail."""

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
from hearth_kit.auth import Caller, require_scope
from hearth_kit.db import SessionDep
from hearth_kit.figures import ISO_DATE, query_day
from hearth_kit.idempotency import IdempotencyDep
from hearth_kit.pagination import Page, PageDep
from hearth_kit.problems import PROBLEM_RESPONSES

router = APIRouter(
    prefix="/v1/residents/{resident_id}/vulnerabilities",
    tags=["vulnerabilities"],
    responses=PROBLEM_RESPONSES,
)
reviews_router = APIRouter(
    prefix="/v1/vulnerabilities", tags=["vulnerabilities"], responses=PROBLEM_RESPONSES
)
"""Vulnerabilities across residents: the reviews due. Its own router because its GET
needs vulnerabilities:write, not the need-to-know read (app.py scopes it so)."""

ReaderDep = Annotated[Caller, Depends(require_scope("vulnerabilities:read"))]
WriterDep = Annotated[Caller, Depends(require_scope("vulnerabilities:write"))]


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


@router.post("/{vulnerability_id}/review", response_model=VulnerabilityReceipt)
async def review_vulnerability(
    resident_id: uuid.UUID,
    vulnerability_id: uuid.UUID,
    body: VulnerabilityReview,
    session: SessionDep,
    idempotency: IdempotencyDep,
    caller: WriterDep,
) -> Response:
    """Record a review with the resident and the next review's date (publishes the
    flag); a retry with the same Idempotency-Key gets the first answer."""
    return await idempotency.create(
        session,
        lambda: vulnerability_service.review(session, resident_id, vulnerability_id, body),
        status_code=200,
    )


@router.delete("/{vulnerability_id:uuid}", status_code=status.HTTP_204_NO_CONTENT)
async def remove_vulnerability(
    resident_id: uuid.UUID, vulnerability_id: uuid.UUID, session: SessionDep, caller: WriterDep
) -> Response:
    """Remove a vulnerability (reviewed away or consent withdrawn); publishes the flag."""
    await vulnerability_service.remove(session, resident_id, vulnerability_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@reviews_router.get("/reviews-due", response_model=Page[ReviewDuePublic])
async def reviews_due(
    session: SessionDep,
    page: PageDep,
    caller: WriterDep,
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
    home, the date and days overdue, never the category or the detail. Needs
    vulnerabilities:write, the scope that records the review (`POST /v1/residents/
    {resident_id}/vulnerabilities/{vulnerability_id}/review`, after which it leaves the
    list until its next date); not audited, as it shows nothing of the need itself."""
    return await vulnerability_service.reviews_due(
        session,
        page,
        due_by=None if due_by is None else query_day(due_by, "due_by"),
        now=datetime.now(UTC),
    )
