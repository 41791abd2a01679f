"""HTTP routes for residents."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Header, Query, Response, status

from engagement.residents.schemas import (
    FollowUp,
    ResidentCreate,
    ResidentMerge,
    ResidentPublic,
    ResidentUpdate,
)
from engagement.residents.service import resident_service
from hearth_contracts.values import UPRN_PATTERN
from hearth_kit.db import ReadConnectionDep, SessionDep
from hearth_kit.idempotency import IdempotencyDep
from hearth_kit.pagination import Page, PageDep
from hearth_kit.problems import PROBLEM_RESPONSES
from hearth_kit.responses import model_response

router = APIRouter(prefix="/v1/residents", tags=["residents"], responses=PROBLEM_RESPONSES)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ResidentPublic)
async def register_resident(
    body: ResidentCreate, session: SessionDep, idempotency: IdempotencyDep
) -> Response:
    """Register a resident (publishes resident-registered once they are on a
    tenancy): a tenant under the person id income names them by, anyone else under a
    new one (ADR 0118). Tenants income named are residents already."""
    return await idempotency.create(
        session,
        lambda: resident_service.register(session, body),
        location=lambda resident: f"/v1/residents/{resident.id}",
    )


@router.get("/{resident_id}", response_model=ResidentPublic)
async def get_resident(
    resident_id: uuid.UUID, session: SessionDep, response: Response
) -> ResidentPublic:
    """One resident by id, with their ETag (for If-Match on PATCH)."""
    resident = await resident_service.get(session, resident_id)
    response.headers["ETag"] = f'"{resident.version}"'
    return resident


@router.patch("/{resident_id}", response_model=ResidentPublic)
async def update_resident(
    resident_id: uuid.UUID,
    body: ResidentUpdate,
    session: SessionDep,
    response: Response,
    if_match: Annotated[str | None, Header(max_length=64)] = None,
) -> ResidentPublic:
    """Change a resident's contact details or communication needs (publishes
    resident-updated naming what changed, never the contact details). If-Match: the
    resident's ETag (412 when they changed since, 428 without one)."""
    resident = await resident_service.update(session, resident_id, body, if_match=if_match)
    response.headers["ETag"] = f'"{resident.version}"'
    return resident


@router.post("/{resident_id}/merge", response_model=ResidentPublic)
async def merge_resident(
    resident_id: uuid.UUID,
    body: ResidentMerge,
    session: SessionDep,
    idempotency: IdempotencyDep,
    if_match: Annotated[str | None, Header(max_length=64)] = None,
) -> Response:
    """Merge a second record of the same person into this resident, the one kept (ADR
    0124; publishes resident-merged): the duplicate's messages, contacts, complaints,
    survey answers, vulnerabilities and needs become this resident's, this resident's
    details staying where both have one; the duplicate's id then answers a 404 problem
    naming this resident (`merged_into`). If-Match: this resident's ETag (412 when they
    changed since, 428 without one); a retry with the same Idempotency-Key gets the
    first answer."""
    return await idempotency.create(
        session,
        lambda: resident_service.merge(session, resident_id, body, if_match=if_match),
        status_code=200,
    )


@router.get("", response_model=Page[ResidentPublic])
async def list_residents(
    connection: ReadConnectionDep,
    page: PageDep,
    uprn: Annotated[str | None, Query(pattern=UPRN_PATTERN)] = None,
    tenancy_id: uuid.UUID | None = None,
    follow_up: Annotated[
        FollowUp | None,
        Query(
            description="Only residents with this detail to follow up: `person_id`, "
            "perhaps a second record of a tenant income names, for staff to reconcile "
            "(ADR 0118)"
        ),
    ] = None,
) -> Response:
    """Residents in the order they were registered, a page at a time; filter by home,
    tenancy or a detail to follow up."""
    return model_response(
        await resident_service.page(
            connection, page, uprn=uprn, tenancy_id=tenancy_id, follow_up=follow_up
        )
    )
