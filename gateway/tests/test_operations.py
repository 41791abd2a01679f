from __future__ import annotations

import httpx
from gateway_stand_ins import KNOWN_UPRN, OpenGateway, StandIns


async def test_healthz_needs_no_token(gateway: httpx.AsyncClient) -> None:
    response = await gateway.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


async def test_readyz_reports_every_service(gateway: httpx.AsyncClient) -> None:
    response = await gateway.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {
            "compliance": "ok",
            "income": "ok",
            "engagement": "ok",
            "visits": "ok",
            "repairs": "ok",
        },
    }


async def test_readyz_names_the_services_that_do_not_answer(
    open_gateway: OpenGateway, stand_ins: StandIns
) -> None:
    async with open_gateway(
        repairs_url=stand_ins.unreachable_url, income_url=stand_ins.broken_url
    ) as gateway:
        response = await gateway.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["checks"]["repairs"].startswith("unavailable")
    assert body["checks"]["income"] == "unhealthy: answered 500"
    assert body["checks"]["compliance"] == "ok"


async def test_metrics_count_requests_and_downstream_calls(
    gateway: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    await gateway.get(f"/v1/homes/{KNOWN_UPRN}", headers=staff)
    response = await gateway.get("/metrics")
    assert response.status_code == 200
    assert 'route="/v1/homes/{uprn}"' in response.text
    assert "hearth_gateway_downstream_request_duration_seconds" in response.text


async def test_the_openapi_document_declares_bearer_auth(gateway: httpx.AsyncClient) -> None:
    spec = (await gateway.get("/openapi.json")).json()
    assert spec["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    assert "/v1/homes/{uprn}" in spec["paths"]
