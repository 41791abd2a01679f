"""HTTP routes for tenancies."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from hearth_contracts.values import UPRN_PATTERN
from hearth_kit.db import SessionDep
from hearth_kit.idempotency import IdempotencyDep
from hearth_kit.pagination import Page, PageDep, encode_cursor
from hearth_kit.problems import PROBLEM_RESPONSES
from income.models import TenancyStatus
from income.tenancies.schemas import TenancyCreate, TenancyPublic
from income.tenancies.service import tenancy_service

router = APIRouter(prefix="/v1/tenancies", tags=["tenancies"], responses=PROBLEM_RESPONSES)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=TenancyPublic)
async def start_tenancy(
    body: TenancyCreate, session: SessionDep, idempotency: IdempotencyDep, response: Response
) -> object:
    """Start a tenancy and open its rent account (publishes tenancy-started)."""
    if (replayed := await idempotency.replay(session)) is not None:
        return replayed
    tenancy = await tenancy_service.start(session, body)
    response.headers["Location"] = f"/v1/tenancies/{tenancy.id}"
    await idempotency.remember(
        session, 201, tenancy.model_dump(mode="json"), {"Location": response.headers["Location"]}
    )
    return tenancy


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
    after = page.after()
    tenancies = await tenancy_service.page(
        session,
        after=after[0] if after else None,
        limit=page.limit + 1,
        uprn=uprn,
        status=tenancy_status,
    )
    items = tenancies[: page.limit]
    next_cursor = (
        encode_cursor(items[-1].tenancy_reference) if len(tenancies) > page.limit else None
    )
    return Page(items=items, next_cursor=next_cursor)
