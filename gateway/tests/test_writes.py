from __future__ import annotations

import uuid

import httpx
import pytest
from gateway_stand_ins import OpenGateway, StandIns


@pytest.mark.parametrize(
    ("path", "service", "location"),
    [
        ("/v1/tenancies", "income", "/v1/tenancies/t-2"),
        ("/v1/residents", "engagement", "/v1/residents/r-2"),
        ("/v1/visits", "visits", "/v1/visits/v-2"),
    ],
)
async def test_a_write_reaches_the_owning_service_with_its_idempotency_key(
    gateway: httpx.AsyncClient,
    staff: dict[str, str],
    stand_ins: StandIns,
    idempotency_key: str,
    path: str,
    service: str,
    location: str,
) -> None:
    body = {"uprn": "100023336956", "note": "from the gateway"}
    response = await gateway.post(
        path, json=body, headers={**staff, "Idempotency-Key": idempotency_key}
    )
    assert response.status_code == 201
    assert response.headers["location"] == location
    assert response.json() == body
    keys = [r.headers.get("idempotency-key") for r in stand_ins.received(service, "POST", path)]
    assert idempotency_key in keys


async def test_a_visit_report_is_filed_with_the_visits_service(
    gateway: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    visit_id = uuid.uuid4()
    response = await gateway.post(
        f"/v1/visits/{visit_id}/report", json={"outcome": "completed"}, headers=staff
    )
    assert response.status_code == 201
    assert response.json() == {"visit_id": str(visit_id), "status": "completed"}


async def test_a_visit_report_for_a_malformed_visit_id_is_a_422_naming_it(
    gateway: httpx.AsyncClient, staff: dict[str, str]
) -> None:
    response = await gateway.post("/v1/visits/not-a-visit/report", json={}, headers=staff)
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["visit_id"]


@pytest.mark.parametrize(
    ("path", "scope"),
    [
        ("/v1/tenancies", "tenancies:write"),
        ("/v1/residents", "residents:write"),
        ("/v1/visits", "visits:write"),
        ("/v1/visits/0b7e2f4c-1d3a-4e5b-9c6d-7e8f9a0b1c2d/report", "visits:write"),
    ],
)
async def test_each_write_needs_its_scope(
    gateway: httpx.AsyncClient, contractor: dict[str, str], path: str, scope: str
) -> None:
    response = await gateway.post(path, json={}, headers=contractor)
    assert response.status_code == 403
    assert response.json()["missing_scopes"] == [scope]


async def test_each_write_needs_a_token(gateway: httpx.AsyncClient) -> None:
    for path in ("/v1/homes", "/v1/tenancies", "/v1/residents", "/v1/visits"):
        response = await gateway.post(path, json={})
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"
        assert response.headers["www-authenticate"].startswith("Bearer")


async def test_a_write_without_idempotency_key_to_a_down_service_says_how_to_retry(
    open_gateway: OpenGateway, stand_ins: StandIns, staff: dict[str, str]
) -> None:
    async with open_gateway(engagement_url=stand_ins.unreachable_url) as gateway:
        response = await gateway.post("/v1/residents", json={"uprn": "1"}, headers=staff)
    assert response.status_code == 503
    assert response.json()["service"] == "engagement"
    assert "Idempotency-Key" in response.json()["detail"]
