"""Tenancies: start one (income), and one tenancy's overview."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response, status

from gateway.auth import AUTH_RESPONSES, Principal, require_scopes
from gateway.clients import DownstreamsDep
from gateway.proxy import forward_post, upstream_openapi
from gateway.tenancies.schemas import TenancyOverview
from gateway.tenancies.service import tenancy_overview_service
from hearth_kit.problems import Problem

router = APIRouter(prefix="/v1/tenancies", tags=["tenancies"], responses=AUTH_RESPONSES)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    openapi_extra=upstream_openapi("income", "POST", "/v1/tenancies"),
    responses={503: {"model": Problem, "description": "Income did not answer"}},
)
async def start_tenancy(
    request: Request,
    downstreams: DownstreamsDep,
    caller: Annotated[Principal, Depends(require_scopes("tenancies:write"))],
) -> Response:
    """Start a tenancy (income `POST /v1/tenancies`). Scope `tenancies:write`."""
    return await forward_post(request, downstreams, caller, "income", "/v1/tenancies")


@router.get(
    "/{tenancy_id}/overview",
    response_model=TenancyOverview,
    responses={404: {"model": Problem, "description": "Income has no such tenancy"}},
)
async def tenancy_overview(
    tenancy_id: Annotated[uuid.UUID, Path(description="The tenancy's id")],
    downstreams: DownstreamsDep,
    caller: Annotated[Principal, Depends(require_scopes("tenancies:read"))],
) -> TenancyOverview:
    """A tenancy with its rent account summary, the residents at its home, the home's
    gas safety status, open repairs and open complaints, fetched concurrently. Scope
    `tenancies:read`; each part needs its own read scope (`income:read`,
    `residents:read`, `compliance:read`, `repairs:read`, `complaints:read`) and is named
    in `withheld` without it. Services that did not answer are named in `degraded`."""
    return await tenancy_overview_service.get(downstreams, str(tenancy_id), caller)
