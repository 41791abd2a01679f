"""Health, readiness and metrics of the gateway (no token needed: they say nothing
about any home or person)."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel, Field

from gateway.clients import DownstreamFailure, Downstreams, DownstreamsDep
from gateway.settings import SERVICES, ServiceName

router = APIRouter(tags=["operations"])


class Health(BaseModel):
    status: str
    checks: dict[str, str] = Field(default={})


@router.get("/healthz", response_model=Health)
async def healthz() -> Health:
    """The gateway process is alive."""
    return Health(status="ok")


@router.get("/readyz", response_model=Health)
async def readyz(downstreams: DownstreamsDep) -> Health:
    """Each service's `/healthz`, asked concurrently. The gateway stays ready while a
    service is down (status `degraded`): it still serves partial overviews and
    answers writes to that service with a 503 problem."""
    answers = await asyncio.gather(*(_ping(downstreams, service) for service in SERVICES))
    checks = dict(zip(SERVICES, answers, strict=True))
    healthy = all(answer == "ok" for answer in answers)
    return Health(status="ok" if healthy else "degraded", checks=checks)


async def _ping(downstreams: Downstreams, service: ServiceName) -> str:
    try:
        response = await downstreams.request(service, "GET", "/healthz")
    except DownstreamFailure as failure:
        return f"unavailable: {failure.reason}"
    return "ok" if response.status_code == 200 else f"unhealthy: answered {response.status_code}"


@router.get("/metrics", include_in_schema=False)
async def metrics() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
