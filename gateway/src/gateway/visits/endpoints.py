"""Home visits: arrange one, and file its report (visits)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response, status

from gateway.auth import AUTH_RESPONSES, Principal, require_scopes
from gateway.clients import DownstreamsDep
from gateway.proxy import forward_post, upstream_openapi
from hearth_kit.problems import Problem

router = APIRouter(
    prefix="/v1/visits",
    tags=["visits"],
    responses={
        **AUTH_RESPONSES,
        503: {"model": Problem, "description": "Visits did not answer"},
    },
)

VisitsWrite = Annotated[Principal, Depends(require_scopes("visits:write"))]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    openapi_extra=upstream_openapi("visits", "POST", "/v1/visits"),
)
async def arrange_visit(
    request: Request, downstreams: DownstreamsDep, caller: VisitsWrite
) -> Response:
    """Arrange a home visit (visits `POST /v1/visits`). Scope `visits:write`."""
    return await forward_post(request, downstreams, caller, "visits", "/v1/visits")


@router.post(
    "/{visit_id}/report",
    status_code=status.HTTP_201_CREATED,
    openapi_extra=upstream_openapi("visits", "POST", "/v1/visits/{visit_id}/report"),
)
async def file_visit_report(
    visit_id: Annotated[uuid.UUID, Path(description="The visit's id")],
    request: Request,
    downstreams: DownstreamsDep,
    caller: VisitsWrite,
) -> Response:
    """File a visit's report: findings, condition, no access (visits
    `POST /v1/visits/{visit_id}/report`). Scope `visits:write`."""
    return await forward_post(
        request, downstreams, caller, "visits", f"/v1/visits/{visit_id}/report"
    )
