"""Homes: register one (compliance), and one home's overview from every service."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response, status
from starlette.convertors import Convertor, register_url_convertor

from gateway.auth import AUTH_RESPONSES, Principal, require_scopes
from gateway.clients import DownstreamsDep
from gateway.homes.schemas import HomeOverview
from gateway.homes.service import home_overview_service
from gateway.proxy import forward_post, upstream_openapi
from hearth_contracts.values import UPRN_PATTERN
from hearth_kit.problems import Problem


class HomeSegment(Convertor[str]):
    """`{uprn:home}`: any segment but `import`, which is the register's own route (POST
    /v1/homes/import), so GET there is a 405 naming POST, not a UPRN refused; any
    other segment that is not a UPRN is still a 422 naming `uprn`."""

    regex = "(?!import$)[^/]+"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("home", HomeSegment())

router = APIRouter(prefix="/v1/homes", tags=["homes"], responses=AUTH_RESPONSES)

UprnPath = Annotated[
    str, Path(pattern=UPRN_PATTERN, description="The home's UPRN (1 to 12 digits)")
]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    openapi_extra=upstream_openapi("compliance", "POST", "/v1/homes"),
    responses={503: {"model": Problem, "description": "Compliance did not answer"}},
)
async def register_home(
    request: Request,
    downstreams: DownstreamsDep,
    caller: Annotated[Principal, Depends(require_scopes("homes:write"))],
) -> Response:
    """Register a home in the asset register (compliance `POST /v1/homes`). Scope
    `homes:write`."""
    return await forward_post(request, downstreams, caller, "compliance", "/v1/homes")


@router.get(
    "/{uprn:home}",  # not `import`: GET /v1/homes/import is a 405 (POST only)
    response_model=HomeOverview,
    responses={404: {"model": Problem, "description": "No service knows this home"}},
)
async def home_overview(
    uprn: UprnPath,
    downstreams: DownstreamsDep,
    caller: Annotated[Principal, Depends(require_scopes("homes:read"))],
) -> HomeOverview:
    """One home as every service sees it, fetched concurrently. Services that did not
    answer are listed in `degraded`. Scope `homes:read`; each other part needs its own
    read scope (`tenancies:read`, `residents:read`, `visits:read`, `repairs:read`), and
    a part the token lacks the scope for is left out and named in `withheld`."""
    return await home_overview_service.get(downstreams, uprn, caller)
