"""The gateway's readiness: each service's `/healthz`, asked concurrently. /healthz,
/readyz and /metrics themselves come from the kit's process defaults."""

from __future__ import annotations

from fastapi import Request

from gateway.clients import DownstreamFailure, Downstreams
from hearth_contracts.topics import SERVICES, Service
from hearth_kit.defaults import ReadinessCheck


def service_readiness() -> list[ReadinessCheck]:
    """One optional check per service: the gateway stays ready (status `degraded`)
    while a service is down, since it still serves partial overviews and answers
    writes to that service with a 503 problem."""
    return [ReadinessCheck(service, _pinger(service), required=False) for service in SERVICES]


def _pinger(service: Service) -> ReadinessCheck.Check:
    async def ping(request: Request) -> str:
        downstreams: Downstreams = request.app.state.downstreams
        try:
            response = await downstreams.request(service, "GET", "/healthz")
        except DownstreamFailure as failure:
            return f"unavailable: {failure.reason}"
        if response.status_code != 200:
            return f"unhealthy: answered {response.status_code}"
        return "ok"

    return ping
