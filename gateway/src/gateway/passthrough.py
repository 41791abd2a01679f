"""Routes the gateway passes through to the service that owns them, declared as a table.

Each domain lists its routes once (`gateway/src/gateway/routes/<service>.py`): method,
public path, owning service, the scopes a caller needs. `passthrough_router(...)` turns
the table into FastAPI routes that check the scopes and forward the request as it is
(query string, JSON body, Idempotency-Key, If-Match, Accept) with an internal token
naming the caller, contractor id included, so the service applies its own rules (a
contractor sees only its own work orders, checked in the service's query).

The service's OpenAPI document owns the request and response schemas; the gateway's
document takes them from there (docs/api.md).
"""

from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request, Response

from gateway.auth import AUTH_RESPONSES, Principal, require_scopes
from gateway.clients import DownstreamsDep
from gateway.proxy import forward, upstream_openapi
from hearth_contracts.topics import Service
from hearth_kit.problems import Problem, Unprocessable

Method = str


@dataclass(frozen=True)
class PassThrough:
    """One route the gateway passes through unchanged."""

    method: Method
    path: str
    """The public path, FastAPI style (`/v1/work-orders/{work_order_id}`)."""
    service: Service
    scopes: tuple[str, ...]
    """Every scope the caller needs (`require_scopes`)."""
    summary: str
    upstream_path: str | None = None
    """The service's path when it differs from the public one (same placeholders)."""
    status_code: int = 200
    query_scopes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Further scopes the caller needs when the request names a query parameter
    (`{"strand": ("diversity:read",)}`: a breakdown by diversity strand is need to know)."""
    contractor_path: str | None = None
    """A staff route a contractor's token may call too, because an issue names it for
    contractors as well (`POST /v1/gas-safety-records`, issue 7): a contractor's request
    goes to this path of the service, its contractor route (the same placeholders), so
    the service keeps it to its own work and answers with the contractor's own URLs."""


def passthrough_router(routes: Sequence[PassThrough], *, tag: str) -> APIRouter:
    """An APIRouter with one route per row of `routes`."""
    router = APIRouter(tags=[tag], responses=AUTH_RESPONSES)
    for route in routes:
        router.add_api_route(
            route.path,
            _endpoint(route),
            methods=[route.method],
            summary=route.summary,
            status_code=route.status_code,
            responses={503: {"model": Problem, "description": f"{route.service} did not answer"}},
            openapi_extra=upstream_openapi(
                route.service, route.method, route.upstream_path or route.path
            ),
        )
    return router


def service_paths(routes: Iterable[PassThrough]) -> Iterator[str]:
    """The services' paths the rows call: each row's staff path (its public path or its
    `upstream_path`) and its `contractor_path`. Their words are the ones a client span
    of a call the service refused keeps in its path (hearth_kit.tracing.add_route_words)."""
    for route in routes:
        yield route.upstream_path or route.path
        if route.contractor_path is not None:
            yield route.contractor_path


DOT_SEGMENTS = frozenset({".", ".."})
"""Path values that are a URL's dot segments: the client the gateway calls services with
(aiohttp, yarl) resolves them, percent-encoded or not (`/v1/homes/.` is `/v1/homes/`,
`/v1/repairs/homes/..` is `/v1/repairs/`), so they would reach another path of the
service than the row's."""


def path_segment(name: str, value: object) -> str:
    """A path parameter's value as one segment of the service's path: quoted whole, so a
    value holding "/", "?" or "#" is never a query or another route. "." and ".." (a
    caller sends them as %2E) are refused, a 422 naming the parameter, before any
    service is asked: resolved as dot segments they led the register row to compliance's
    list of every home, which the gateway does not publish, and others to a service's
    redirect naming its own address. No id, UPRN or date is a dot."""
    text = str(value)
    if text in DOT_SEGMENTS:
        raise Unprocessable(f"{name} cannot be {text!r}", field=name, location="path")
    return quote(text, safe="")


def _endpoint(route: PassThrough) -> Callable[..., Awaitable[Response]]:
    # Evaluated here, not postponed: FastAPI reads this closure's annotations at runtime
    # (hence no `from __future__ import annotations` in this module).
    caller_dep = Annotated[
        Principal,
        Depends(
            require_scopes(
                *route.scopes,
                query_scopes=route.query_scopes,
                contractor_too=route.contractor_path is not None,
            )
        ),
    ]
    staff_upstream = route.upstream_path or route.path

    async def pass_through(
        request: Request, downstreams: DownstreamsDep, caller: caller_dep
    ) -> Response:
        upstream = (
            route.contractor_path
            if route.contractor_path is not None and caller.is_contractor
            else staff_upstream
        )
        path = upstream.format(
            **{name: path_segment(name, value) for name, value in request.path_params.items()}
        )
        return await forward(
            request, downstreams, caller, route.service, path, method=route.method, route=upstream
        )

    pass_through.__doc__ = (
        f"{route.summary} ({route.service} `{route.method} {staff_upstream}`). "
        + (f"Scopes: {', '.join(route.scopes)}.")
        + (
            f" Or a contractor's token, for its own work ({route.service} "
            f"`{route.method} {route.contractor_path}`)."
            if route.contractor_path is not None
            else ""
        )
        + "".join(
            f" With `{name}`: {', '.join(more)} as well."
            for name, more in route.query_scopes.items()
        )
    )
    return pass_through
