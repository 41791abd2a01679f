"""Residents: record one (engagement), and the contact view of one."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response, status

from gateway.auth import AUTH_RESPONSES, Principal, require_scopes
from gateway.clients import DownstreamsDep
from gateway.proxy import forward_post, upstream_openapi
from gateway.residents.schemas import ContactView
from gateway.residents.service import contact_view_service
from hearth_contracts.values import UPRN_PATTERN
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


@router.get(
    "/{resident_id}/contact-view",
    response_model=ContactView,
    responses={
        404: {
            "model": Problem,
            "description": "Engagement has no such resident; one merged into another is a "
            "`resident-merged` problem naming `merged_into`, the resident's id to use",
        }
    },
)
async def contact_view(
    resident_id: Annotated[uuid.UUID, Path(description="The resident's (person's) id")],
    downstreams: DownstreamsDep,
    caller: Annotated[Principal, Depends(require_scopes("residents:read"))],
    uprn: Annotated[
        str | None,
        Query(
            pattern=UPRN_PATTERN,
            description="The home on screen: used for the home's parts when engagement "
            "does not answer",
        ),
    ] = None,
) -> ContactView:
    """What the contact centre sees on any call: the home's open repairs and next
    appointments, gas safety status, rent balance and arrears stage, the resident's open
    complaints and their deadlines, needs, language and preferred channel; fetched
    concurrently. Scope `residents:read`; each part needs its own read scope
    (`repairs:read`, `compliance:read`, `income:read`, `complaints:read`) and is named in
    `withheld` without it. Services that did not answer are named in `degraded`."""
    return await contact_view_service.get(downstreams, str(resident_id), caller, uprn)
