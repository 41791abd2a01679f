"""Staff routes refuse a contractor's token in the service itself (hearth_kit.staff); the
contractor routes a service names let a contractor that names itself through, and a
route staff and contractors share needs staff's scope or the contractor's own."""

from __future__ import annotations

import re
from typing import Any, ClassVar

import httpx
import pytest
from fastapi import APIRouter, FastAPI
from pydantic_settings import SettingsConfigDict

from hearth_kit.app import create_service_app
from hearth_kit.auth import CallerDep
from hearth_kit.settings import ServiceSettings
from hearth_kit.staff import STAFF_ONLY, scoped, staff_only
from tests.harness.tokens import InternalTokenAuth


class StaffTestSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="HEARTH_KIT_TEST_STAFF_", extra="ignore")
    service_name: ClassVar[str] = "compliance"


checks = APIRouter(prefix="/v1/checks")


@checks.get("")
async def every_check() -> dict[str, Any]:
    return {"checks": "all"}


@checks.get("/{check_id}")
async def one_check(check_id: str) -> dict[str, Any]:
    return {"check": check_id}


@checks.post("/{check_id}/records", status_code=201)
async def record(check_id: str, caller: CallerDep) -> dict[str, Any]:
    return {"check": check_id, "by": caller.contractor_id}


CONTRACTOR_ROUTES = {("GET", "/v1/checks/{check_id}"), ("POST", "/v1/checks/{check_id}/records")}

figures = APIRouter(prefix="/v1/figures", dependencies=STAFF_ONLY)


@figures.get("")
async def the_figures() -> dict[str, Any]:
    return {"figures": []}


def an_app() -> FastAPI:
    return create_service_app(
        StaffTestSettings(relay_enabled=False, consumer_enabled=False),
        title="Staff routes",
        description="Staff and contractor routes, no database",
        routers=[
            staff_only(scoped(checks, write="checks:write"), contractor_routes=CONTRACTOR_ROUTES),
            figures,
        ],
    )


STAFF = InternalTokenAuth("compliance", scopes={"checks:write"})
STAFF_WITHOUT_SCOPE = InternalTokenAuth("compliance", scopes=set())
GASCO = InternalTokenAuth("compliance", scopes={"contractor"}, contractor_id="GASCO")
UNNAMED = InternalTokenAuth("compliance", scopes={"contractor", "checks:write"})
ID_ONLY = InternalTokenAuth("compliance", scopes={"checks:write"}, contractor_id="GASCO")


@pytest.fixture(scope="module")
async def service() -> Any:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(an_app()), base_url="http://compliance"
    ) as client:
        yield client


async def status(client: httpx.AsyncClient, method: str, path: str, auth: httpx.Auth) -> int:
    return (await client.request(method, path, auth=auth)).status_code


async def test_staff_use_every_route(service: httpx.AsyncClient) -> None:
    for method, path in [("GET", "/v1/checks"), ("GET", "/v1/checks/1"), ("GET", "/v1/figures")]:
        assert await status(service, method, path, STAFF) == 200
    assert await status(service, "POST", "/v1/checks/1/records", STAFF) == 201


@pytest.mark.parametrize("token", [GASCO, UNNAMED, ID_ONLY], ids=["named", "unnamed", "id-only"])
@pytest.mark.parametrize("path", ["/v1/checks", "/v1/figures"])
async def test_a_contractor_is_refused_every_staff_route(
    service: httpx.AsyncClient, token: httpx.Auth, path: str
) -> None:
    response = await service.get(path, auth=token)
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"
    assert "contractor API" in response.json()["detail"]


async def test_a_named_contractor_uses_the_contractor_routes(service: httpx.AsyncClient) -> None:
    assert (await service.get("/v1/checks/7", auth=GASCO)).json() == {"check": "7"}
    recorded = await service.post("/v1/checks/7/records", auth=GASCO)
    assert recorded.status_code == 201
    assert recorded.json()["by"] == "GASCO"


async def test_a_contractor_token_without_its_contractor_is_refused_even_there(
    service: httpx.AsyncClient,
) -> None:
    # Read as staff's, it would see every row the service's own filter keeps for staff.
    for method, path in CONTRACTOR_ROUTES:
        response = await service.request(method, path.format(check_id="7"), auth=UNNAMED)
        assert response.status_code == 403
        assert "contractor_id" in response.json()["detail"]


async def test_a_write_needs_the_staff_scope_or_the_contractor_scope(
    service: httpx.AsyncClient,
) -> None:
    refused = await service.post("/v1/checks/7/records", auth=STAFF_WITHOUT_SCOPE)
    assert refused.status_code == 403
    assert refused.json()["missing_scopes"] == ["checks:write"]
    assert await status(service, "GET", "/v1/checks/7", STAFF_WITHOUT_SCOPE) == 200
    id_only = await service.post("/v1/checks/7/records", auth=ID_ONLY)
    assert id_only.status_code == 403
    assert id_only.json()["missing_scopes"] == ["contractor"]


def test_a_contractor_route_no_router_declares_is_a_mistake_at_start() -> None:
    with pytest.raises(ValueError, match=re.escape("/v1/checks/{check_id}/notes")):
        staff_only(checks, contractor_routes={("POST", "/v1/checks/{check_id}/notes")})


def test_contractor_routes_are_found_through_routers_included_in_others() -> None:
    outer = APIRouter(prefix="/v1")
    outer.include_router(scoped(APIRouter(prefix="/things"), write="checks:write"))
    inner = APIRouter()

    @inner.get("/{thing_id}")
    async def a_thing(thing_id: str) -> dict[str, Any]:
        return {"thing": thing_id}

    nested = APIRouter(prefix="/v1")
    nested.include_router(scoped(inner, write="checks:write"), prefix="/things")
    assert staff_only(nested, contractor_routes={("GET", "/v1/things/{thing_id}")})
    with pytest.raises(ValueError, match="no router declares"):
        staff_only(outer, contractor_routes={("GET", "/v1/things/{thing_id}")})


async def test_reads_need_the_read_scope_or_one_named_for_the_route() -> None:
    reads = APIRouter(prefix="/v1/reads")

    @reads.get("")
    async def every_read() -> dict[str, Any]:
        return {}

    @reads.get("/figures")
    async def figures_read() -> dict[str, Any]:
        return {}

    app = create_service_app(
        StaffTestSettings(relay_enabled=False, consumer_enabled=False),
        title="Reads",
        description="Reads with a scope",
        routers=[
            scoped(reads, read="reads:read", read_also={"/v1/reads/figures": ["reports:read"]})
        ],
    )
    reporter = InternalTokenAuth("compliance", scopes={"reports:read"})
    reader = InternalTokenAuth("compliance", scopes={"reads:read"})
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app), base_url="http://compliance"
    ) as client:
        assert await status(client, "GET", "/v1/reads", reader) == 200
        assert await status(client, "GET", "/v1/reads/figures", reader) == 200
        assert await status(client, "GET", "/v1/reads/figures", reporter) == 200
        refused = await client.get("/v1/reads", auth=reporter)
        assert refused.status_code == 403
        assert refused.json()["missing_scopes"] == ["reads:read"]
    with pytest.raises(ValueError, match="no router declares"):
        scoped(reads, read="reads:read", read_also={"/v1/elsewhere": ["reports:read"]})
