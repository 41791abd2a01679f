"""Tenancies: start one (income)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response, status

from gateway.auth import AUTH_RESPONSES, Principal, require_scopes
from gateway.clients import DownstreamsDep
from gateway.proxy import forward_post, upstream_openapi
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
