"""HTTP routes for tenancies."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from hearth_contracts.values import UPRN_PATTERN
from hearth_kit.db import SessionDep
from hearth_kit.idempotency import IdempotencyDep
from hearth_kit.pagination import Page, PageDep
from hearth_kit.problems import PROBLEM_RESPONSES
from income.models import TenancyStatus
from income.tenancies.schemas import TenancyCreate, TenancyPublic
from income.tenancies.service import tenancy_service

router = APIRouter(prefix="/v1/tenancies", tags=["tenancies"], responses=PROBLEM_RESPONSES)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=TenancyPublic)
async def start_tenancy(
    body: TenancyCreate, session: SessionDep, idempotency: IdempotencyDep
) -> Response:
    """Start a tenancy and open its rent account (publishes tenancy-started)."""
    return await idempotency.create(
        session,
        lambda: tenancy_service.start(session, body),
        location=lambda tenancy: f"/v1/tenancies/{tenancy.id}",
    )


@router.get("/{tenancy_id}", response_model=TenancyPublic)
async def get_tenancy(tenancy_id: uuid.UUID, session: SessionDep) -> TenancyPublic:
    """One tenancy by id."""
    return await tenancy_service.get(session, tenancy_id)


@router.get("", response_model=Page[TenancyPublic])
async def list_tenancies(
    session: SessionDep,
    page: PageDep,
    uprn: Annotated[str | None, Query(pattern=UPRN_PATTERN)] = None,
    tenancy_status: Annotated[TenancyStatus | None, Query(alias="status")] = None,
) -> Page[TenancyPublic]:
    """Tenancies in reference order, a page at a time; filter by home and status."""
    return await tenancy_service.page(session, page, uprn=uprn, status=tenancy_status)
