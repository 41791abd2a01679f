"""The request-latency middleware (hearth_kit.request_metrics): one sample per request,
labelled by route template and the status the client got, including when the endpoint
raised and when no route matched."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from prometheus_client import REGISTRY

from hearth_kit.problems import install_problem_handlers
from hearth_kit.request_metrics import RequestMetrics

PROCESS = "kit-request-metrics-test"


def count(route: str, status: str, method: str = "GET") -> float:
    value = REGISTRY.get_sample_value(
        "hearth_http_request_duration_seconds_count",
        {"service": PROCESS, "method": method, "route": route, "status": status},
    )
    return value or 0.0


def an_app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)
    app.add_middleware(RequestMetrics, process=PROCESS)

    @app.get("/things/{thing_id}")
    async def thing(thing_id: int) -> dict[str, int]:
        return {"id": thing_id}

    @app.get("/broken")
    async def broken() -> None:
        raise RuntimeError("the endpoint failed")

    return app


async def test_each_request_is_one_sample_by_route_template_and_status() -> None:
    transport = httpx.ASGITransport(an_app(), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://kit") as client:
        before = (
            count("/things/{thing_id}", "200"),
            count("/things/{thing_id}", "422"),
            count("/broken", "500"),
            count("unmatched", "404"),
        )
        assert (await client.get("/things/1")).status_code == 200
        assert (await client.get("/things/2")).status_code == 200
        assert (await client.get("/things/not-a-number")).status_code == 422
        assert (await client.get("/broken")).status_code == 500
        assert (await client.get("/nowhere")).status_code == 404
    after = (
        count("/things/{thing_id}", "200"),
        count("/things/{thing_id}", "422"),
        count("/broken", "500"),
        count("unmatched", "404"),
    )
    assert [a - b for a, b in zip(after, before, strict=True)] == [2, 1, 1, 1]
