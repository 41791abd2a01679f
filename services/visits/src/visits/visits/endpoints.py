"""HTTP routes for home visits and their reports."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from hearth_contracts.values import UPRN_PATTERN
from hearth_kit.db import SessionDep
from hearth_kit.idempotency import IdempotencyDep
from hearth_kit.pagination import Page, PageDep, encode_cursor
from hearth_kit.problems import PROBLEM_RESPONSES, Unprocessable
from visits.models import VisitStatus
from visits.visits import repository
from visits.visits.schemas import VisitCreate, VisitPublic, VisitReport
from visits.visits.service import to_public, visit_service

router = APIRouter(prefix="/v1/visits", tags=["visits"], responses=PROBLEM_RESPONSES)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=VisitPublic)
async def schedule_visit(
    body: VisitCreate, session: SessionDep, idempotency: IdempotencyDep, response: Response
) -> object:
    """Book a home visit (publishes visit-scheduled)."""
    if (replayed := await idempotency.replay(session)) is not None:
        return replayed
    visit = await visit_service.schedule(session, body)
    public = to_public(visit, repository.Findings())
    response.headers["Location"] = f"/v1/visits/{public.id}"
    await idempotency.remember(
        session, 201, public.model_dump(mode="json"), {"Location": response.headers["Location"]}
    )
    return public


@router.post("/{visit_id}/report", status_code=status.HTTP_201_CREATED, response_model=VisitPublic)
async def report_visit(
    visit_id: uuid.UUID,
    body: VisitReport,
    session: SessionDep,
    idempotency: IdempotencyDep,
    response: Response,
) -> object:
    """Record the visit's outcome and findings, once (publishes visit-completed with
    visit-found-repair and hazard-identified, or visit-no-access / visit-declined, and
    tenancy-concern-raised)."""
    if (replayed := await idempotency.replay(session)) is not None:
        return replayed
    visit, findings = await visit_service.report(session, visit_id, body)
    public = to_public(visit, findings)
    response.headers["Location"] = f"/v1/visits/{public.id}"
    await idempotency.remember(
        session, 201, public.model_dump(mode="json"), {"Location": response.headers["Location"]}
    )
    return public


@router.get("/{visit_id}", response_model=VisitPublic)
async def get_visit(visit_id: uuid.UUID, session: SessionDep) -> VisitPublic:
    """One visit with what it found."""
    return to_public(*await visit_service.get_with_findings(session, visit_id))


@router.get("", response_model=Page[VisitPublic])
async def list_visits(
    session: SessionDep,
    page: PageDep,
    uprn: Annotated[str | None, Query(pattern=UPRN_PATTERN, description="One home")] = None,
    visit_status: Annotated[VisitStatus | None, Query(alias="status")] = None,
) -> Page[VisitPublic]:
    """Visits, latest scheduled first, a page at a time."""
    visits = await repository.page(
        session,
        after=_after(page.after()),
        limit=page.limit + 1,
        uprn=uprn,
        status=visit_status,
    )
    shown = visits[: page.limit]
    findings = await repository.findings(session, [v.id for v in shown])
    items = [to_public(v, findings[v.id]) for v in shown]
    next_cursor = (
        encode_cursor(shown[-1].scheduled_for.isoformat(), shown[-1].id)
        if len(visits) > page.limit
        else None
    )
    return Page(items=items, next_cursor=next_cursor)


def _after(cursor: list[str] | None) -> tuple[datetime, uuid.UUID] | None:
    if cursor is None:
        return None
    try:
        scheduled_for, visit_id = cursor
        after = datetime.fromisoformat(scheduled_for), uuid.UUID(visit_id)
        if after[0].tzinfo is None:
            raise ValueError("naive")
        return after
    except ValueError as exc:
        raise Unprocessable("The cursor is not one this API issued", field="cursor") from exc
