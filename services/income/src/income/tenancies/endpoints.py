"""HTTP routes for tenancies."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response, status

from hearth_contracts.values import UPRN_PATTERN
from hearth_kit.auth import Caller
from hearth_kit.db import ReadConnectionDep, SessionDep
from hearth_kit.idempotency import IdempotencyDep
from hearth_kit.pagination import Page, PageDep
from hearth_kit.problems import PROBLEM_RESPONSES, Forbidden
from hearth_kit.responses import model_response
from income.models import TenancyStatus
from income.tenancies.schemas import (
    TenancyCreate,
    TenancyEnd,
    TenancyPublic,
    TenancyTypeDecision,
    TenancyWithRentSummary,
)
from income.tenancies.service import tenancy_service

RENT_SUMMARY_SCOPE = "income:read"
"""What `include=rent_summary` needs besides reading tenancies: the scope that reads
a rent account's summary."""

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


@router.get("/{tenancy_id}", response_model=TenancyWithRentSummary)
async def get_tenancy(
    request: Request,
    tenancy_id: uuid.UUID,
    session: SessionDep,
    connection: ReadConnectionDep,
    include: Annotated[
        Literal["rent_summary"] | None,
        Query(
            description="`rent_summary`: the tenancy also carries its rent account's "
            "summary (`rent_summary`), so a composite needs one call, not two"
        ),
    ] = None,
) -> Response:
    """One tenancy by id. `include=rent_summary` also needs the scope `income:read`, as
    on the list."""
    if include is not None:
        _may_read_rent_summaries(request.state.caller)
    tenancy = await tenancy_service.get(session, tenancy_id)
    if include is None or tenancy.rent_account_id is None:
        return model_response(
            tenancy
            if include is None
            else TenancyWithRentSummary.model_construct(**dict(tenancy), rent_summary=None)
        )
    summaries = await request.app.state.account_service.summaries(
        connection, [tenancy.rent_account_id], datetime.now(UTC)
    )
    return model_response(
        TenancyWithRentSummary.model_construct(
            **dict(tenancy), rent_summary=summaries.get(tenancy.rent_account_id)
        )
    )


def _may_read_rent_summaries(caller: Caller) -> None:
    """`include=rent_summary` needs the summary route's own scope (403 naming it)."""
    if RENT_SUMMARY_SCOPE not in caller.scopes:
        raise Forbidden(
            f"include=rent_summary needs the scope {RENT_SUMMARY_SCOPE}, "
            "which the token does not grant",
            required_scopes=[RENT_SUMMARY_SCOPE],
            missing_scopes=[RENT_SUMMARY_SCOPE],
        )


@router.get("", response_model=Page[TenancyWithRentSummary])
async def list_tenancies(
    request: Request,
    connection: ReadConnectionDep,
    page: PageDep,
    uprn: Annotated[str | None, Query(pattern=UPRN_PATTERN)] = None,
    tenancy_status: Annotated[TenancyStatus | None, Query(alias="status")] = None,
    include: Annotated[
        Literal["rent_summary"] | None,
        Query(
            description="`rent_summary`: each tenancy also carries its rent account's "
            "summary (`rent_summary`), read in one more statement for the whole page"
        ),
    ] = None,
) -> Response:
    """Tenancies in reference order, a page at a time; filter by home and status.
    `include=rent_summary` also needs the scope `income:read` (the summary route's), so
    a token that may read tenancies but not rent accounts does not see them this way."""
    if include is None:
        return model_response(
            await tenancy_service.page(connection, page, uprn=uprn, status=tenancy_status)
        )
    _may_read_rent_summaries(request.state.caller)
    return model_response(
        await tenancy_service.page_with_rent_summaries(
            connection,
            page,
            request.app.state.account_service,
            datetime.now(UTC),
            uprn=uprn,
            status=tenancy_status,
        )
    )


@router.post("/{tenancy_id}/end", response_model=TenancyPublic)
async def end_tenancy(
    tenancy_id: uuid.UUID, body: TenancyEnd, session: SessionDep, idempotency: IdempotencyDep
) -> Response:
    """End a tenancy (publishes tenancy-ended): what is still owed becomes former
    tenant arrears. A retry with the same Idempotency-Key gets the first answer, not a
    409 for a tenancy already ended."""
    return await idempotency.create(
        session,
        lambda: tenancy_service.end(session, tenancy_id, body, datetime.now(UTC)),
        status_code=200,
    )


@router.post("/{tenancy_id}/type-decision", response_model=TenancyPublic)
async def decide_tenancy_type(
    tenancy_id: uuid.UUID,
    body: TenancyTypeDecision,
    session: SessionDep,
    idempotency: IdempotencyDep,
) -> Response:
    """Confirm an introductory tenancy as secure or assured, or extend it by 6 months
    (publishes tenancy-type-changed). A retry with the same Idempotency-Key gets the
    first answer and publishes nothing."""
    return await idempotency.create(
        session,
        lambda: tenancy_service.decide_type(session, tenancy_id, body, datetime.now(UTC)),
        status_code=200,
    )
