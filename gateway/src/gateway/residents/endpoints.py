"""Residents: record one (engagement)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response, status

from gateway.auth import AUTH_RESPONSES, Principal, require_scopes
from gateway.clients import DownstreamsDep
from gateway.proxy import forward_post, upstream_openapi
from hearth_kit.problems import Problem

router = APIRouter(prefix="/v1/residents", tags=["residents"], responses=AUTH_RESPONSES)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    openapi_extra=upstream_openapi("engagement", "POST", "/v1/residents"),
    responses={503: {"model": Problem, "description": "Engagement did not answer"}},
)
async def record_resident(
    request: Request,
    downstreams: DownstreamsDep,
    caller: Annotated[Principal, Depends(require_scopes("residents:write"))],
) -> Response:
    """Record a resident (engagement `POST /v1/residents`). Scope `residents:write`."""
    return await forward_post(request, downstreams, caller, "engagement", "/v1/residents")
