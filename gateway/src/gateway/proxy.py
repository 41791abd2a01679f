"""Writes pass through the gateway unchanged.

The caller's JSON body and `Idempotency-Key` go to the service that owns the resource,
with an internal token naming the caller; its status code, body (problem details
included) and Location come back as they are. When the service does not answer, the
caller gets a 503 problem that says whether the write can have happened and how to
retry safely.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request, Response

from gateway.auth import Principal
from gateway.clients import DownstreamFailure, Downstreams
from hearth_contracts.topics import Service
from hearth_kit.problems import ServiceUnavailable

FORWARDED_REQUEST_HEADERS = ("content-type", "idempotency-key", "if-match", "accept")
RETURNED_RESPONSE_HEADERS = (
    "content-type",
    "content-disposition",
    "location",
    "etag",
    "idempotent-replayed",
    "retry-after",
    "allow",  # a service's 405 names the methods its path serves (RFC 9110)
)

UPSTREAM_KEY = "x-hearth-upstream"
"""Marks a gateway operation with the service operation it passes through to; `make
openapi` (gateway.openapi_build) replaces the operation's parameters, body and responses
with that service's own, then drops the mark."""


def upstream_openapi(service: Service, method: str, path: str) -> dict[str, Any]:
    """`openapi_extra` for a route passed through to `service`'s `method path`: until
    `make openapi` types it, a write's body is documented as any JSON object."""
    extra: dict[str, Any] = {UPSTREAM_KEY: {"service": service, "method": method, "path": path}}
    if method in ("POST", "PUT", "PATCH"):
        extra["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": {"type": "object"}}},
        }
    return extra


async def forward_post(
    request: Request, downstreams: Downstreams, caller: Principal, service: Service, path: str
) -> Response:
    """A POST passed through to `service` at `path` (a path without values)."""
    return await forward(request, downstreams, caller, service, path, method="POST", route=path)


async def forward(
    request: Request,
    downstreams: Downstreams,
    caller: Principal,
    service: Service,
    path: str,
    *,
    method: str,
    route: str,
) -> Response:
    """The request passed through to `service` at `path` with its query string, JSON
    body and the headers in FORWARDED_REQUEST_HEADERS; the service's answer returned
    as it is. A GET that gets no answer is a 503 too, with nothing written. `route` is
    the service's path template (`/v1/caseloads/{officer}`): what a timeout's log line
    and the call's span name, never the caller's values in `path`."""
    headers = {"content-type": "application/json", "accept": "application/json"}
    headers.update(
        {
            name: request.headers[name]
            for name in FORWARDED_REQUEST_HEADERS
            if name in request.headers
        }
    )
    try:
        answer = await downstreams.request(
            service,
            method,
            path,
            caller=caller,
            query=request.url.query,
            content=(await request.body()) or None,
            headers=headers,
            route=route,
        )
    except DownstreamFailure as failure:
        detail = (
            f"The {service} service did not answer ({failure.reason}). Nothing was "
            "changed; retry shortly."
            if method in ("GET", "HEAD")
            else _unavailable_detail(failure, "idempotency-key" in request.headers)
        )
        raise ServiceUnavailable(
            detail,
            service=service,
            headers={"Retry-After": "1"},
        ) from failure
    return Response(
        content=answer.content,
        status_code=answer.status_code,
        headers={
            name: answer.headers[name]
            for name in RETURNED_RESPONSE_HEADERS
            if name in answer.headers
        },
    )


def _unavailable_detail(failure: DownstreamFailure, had_key: bool) -> str:
    service = failure.service
    if failure.delivered is False:
        detail = (
            f"The {service} service could not be reached ({failure.reason}): the request "
            "was not delivered, so nothing was written. Retry"
        )
        return detail + (
            " with the same Idempotency-Key."
            if had_key
            else "; send an Idempotency-Key with every POST so that a retry can never write twice."
        )
    detail = (
        f"The {service} service did not answer ({failure.reason}): the write may or may "
        "not have happened."
    )
    if had_key:
        return detail + (
            " Retry with the same Idempotency-Key: the service then returns the first "
            "outcome instead of writing twice."
        )
    return detail + (
        " This request carried no Idempotency-Key, so check whether the write happened "
        "before retrying; send an Idempotency-Key with every POST so a retry is always safe."
    )
