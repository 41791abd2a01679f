"""Each service checks who is calling, not only the gateway (ARCHITECTURE; issue 11:
"contractor isolation through the gateway and directly on the service").

Every /v1 route of each service's app is walked, so a route added later is checked too:

- a contractor's token is refused (403) on every route but the ones the gateway passes a
  contractor to (its rows with the `contractor` scope), whatever else the token carries;
- a token with no scopes is refused (403) on every route, and a route needs at the
  service the scope the gateway asks of it (the table's row, or the gateway's own
  endpoint for the writes it forwards: a home, a resident, a tenancy, a visit).

Refused requests are answered before any endpoint runs, so no database is needed.
"""

from __future__ import annotations

import importlib
import re
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from compliance.app import CONTRACTOR_ROUTES as COMPLIANCE_CONTRACTOR_ROUTES
from gateway.routes import compliance, engagement, income, repairs, visits
from repairs.app import CONTRACTOR_ROUTES as REPAIRS_CONTRACTOR_ROUTES
from tests.harness.platform import SERVICE_NAMES, settings_class
from tests.harness.tokens import STAFF_SCOPES, internal_token

PATH_PARAMETER = re.compile(r"\{([^}]+)\}")
ROWS = [*compliance.ROUTES, *engagement.ROUTES, *income.ROUTES, *repairs.ROUTES, *visits.ROUTES]

GATEWAY_FORWARDED_WRITES: dict[tuple[str, str, str], tuple[str, ...]] = {
    ("compliance", "POST", "/v1/homes"): ("homes:write",),
    ("engagement", "POST", "/v1/residents"): ("residents:write",),
    ("income", "POST", "/v1/tenancies"): ("tenancies:write",),
    ("visits", "POST", "/v1/visits"): ("visits:write",),
    ("visits", "POST", "/v1/visits/{visit_id}/report"): ("visits:write",),
}
"""Writes the gateway forwards from endpoints of its own (gateway/homes, residents,
tenancies, visits), with the scopes those endpoints need."""


def contractor_routes(service: str) -> set[tuple[str, str]]:
    """(method, service path) of every route the gateway passes a contractor to."""
    return {
        (row.method, row.upstream_path or row.path)
        for row in ROWS
        if row.service == service and "contractor" in row.scopes
    }


def gateway_scopes(service: str) -> dict[tuple[str, str], tuple[str, ...]]:
    """The scopes the gateway asks for each staff route of `service` it passes on."""
    scopes = {
        (row.method, row.upstream_path or row.path): row.scopes
        for row in ROWS
        if row.service == service and "contractor" not in row.scopes
    }
    scopes.update(
        {
            (method, path): needed
            for (s, method, path), needed in GATEWAY_FORWARDED_WRITES.items()
            if s == service
        }
    )
    return scopes


def service_app(service: str) -> FastAPI:
    settings = settings_class(service)(relay_enabled=False, consumer_enabled=False)
    app: FastAPI = importlib.import_module(f"{service}.app").create_app(settings)
    return app


def example_of(parameter: dict[str, Any]) -> str:
    """A value the route's path converter accepts, so the request reaches the checks."""
    schema = parameter.get("schema", {})
    if schema.get("format") == "uuid":
        return "00000000-0000-4000-8000-000000000001"
    if "enum" in schema:
        return str(schema["enum"][0])
    return "100000000001"


def v1_routes(app: FastAPI) -> list[tuple[str, str, str]]:
    """(method, path template, path filled in) of every /v1 route the service documents."""
    routes = []
    for path, operations in app.openapi()["paths"].items():
        if not path.startswith("/v1/"):
            continue
        for method, operation in sorted(operations.items()):
            examples = {
                p["name"]: example_of(p)
                for p in operation.get("parameters", [])
                if p["in"] == "path"
            }
            filled = PATH_PARAMETER.sub(
                lambda match, examples=examples: examples.get(match.group(1), "1"), path
            )
            routes.append((method.upper(), path, filled))
    return routes


@pytest.fixture(scope="module", params=SERVICE_NAMES)
def service(request: pytest.FixtureRequest) -> tuple[str, FastAPI]:
    name: str = request.param
    return name, service_app(name)


@pytest.fixture(scope="module", params=SERVICE_NAMES)
def scoped_service(request: pytest.FixtureRequest) -> tuple[str, FastAPI]:
    name: str = request.param
    return name, service_app(name)


async def answers(
    app: FastAPI, routes: list[tuple[str, str, str]], token: str
) -> dict[tuple[str, str], httpx.Response]:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app, raise_app_exceptions=False),
        base_url="http://service",
        headers={"Authorization": f"Bearer {token}"},
    ) as client:
        return {
            (method, template): await client.request(method, filled)
            for method, template, filled in routes
        }


CONTRACTOR_TOKENS: dict[str, dict[str, Any]] = {
    "contractor": {"scopes": {"contractor"}, "contractor_id": "ROGUE"},
    "contractor-with-staff-scopes": {
        "scopes": STAFF_SCOPES | {"contractor", "compliance:write", "income:write"},
        "contractor_id": "ROGUE",
    },
    "contractor-id-only": {"scopes": STAFF_SCOPES, "contractor_id": "ROGUE"},
    "contractor-scope-only": {"scopes": {"contractor"}, "contractor_id": None},
}


@pytest.mark.parametrize("token", list(CONTRACTOR_TOKENS))
async def test_a_contractor_is_refused_every_route_but_the_contractor_ones(
    service: tuple[str, FastAPI], token: str
) -> None:
    name, app = service
    open_to_contractors = contractor_routes(name)
    staff_routes = [r for r in v1_routes(app) if (r[0], r[1]) not in open_to_contractors]
    assert staff_routes, "a service with no staff route?"
    refused = await answers(app, staff_routes, internal_token(name, **CONTRACTOR_TOKENS[token]))
    wrong = {route: r.status_code for route, r in refused.items() if r.status_code != 403}
    assert not wrong, f"staff routes answering a contractor's token: {wrong}"
    for response in refused.values():
        assert response.headers["content-type"] == "application/problem+json"
        assert "contractor API" in response.json()["detail"]


@pytest.mark.parametrize("name", ["compliance", "repairs"])
async def test_a_contractor_token_must_name_its_contractor_on_the_contractor_routes(
    name: str,
) -> None:
    # Without contractor_id a service's own filter would read it as staff's: every row.
    app = service_app(name)
    routes = [r for r in v1_routes(app) if (r[0], r[1]) in contractor_routes(name)]
    assert len(routes) == len(contractor_routes(name))
    unnamed = await answers(app, routes, internal_token(name, scopes={"contractor"}))
    assert {route: r.status_code for route, r in unnamed.items()} == dict.fromkeys(unnamed, 403)


def test_the_contractor_routes_the_gateway_names_are_the_services() -> None:
    for name in SERVICE_NAMES:
        documented = {(method, path) for method, path, _ in v1_routes(service_app(name))}
        assert contractor_routes(name) <= documented, name
    assert contractor_routes("compliance") == COMPLIANCE_CONTRACTOR_ROUTES
    assert contractor_routes("repairs") == REPAIRS_CONTRACTOR_ROUTES


async def test_a_token_with_no_scopes_is_refused_every_route(
    scoped_service: tuple[str, FastAPI],
) -> None:
    name, app = scoped_service
    refused = await answers(app, v1_routes(app), internal_token(name, scopes=()))
    wrong = {route: r.status_code for route, r in refused.items() if r.status_code != 403}
    assert not wrong, f"routes a token without scopes may call: {wrong}"


async def test_each_route_needs_the_scope_the_gateway_asks_for(
    scoped_service: tuple[str, FastAPI],
) -> None:
    name, app = scoped_service
    expected = gateway_scopes(name)
    routes = [r for r in v1_routes(app) if (r[0], r[1]) in expected]
    assert {(method, path) for method, path, _ in routes} == set(expected), "routes gone?"
    refused = await answers(app, routes, internal_token(name, scopes=()))
    needed = {route: r.json().get("missing_scopes") for route, r in refused.items()}
    assert needed == {route: list(expected[route]) for route in refused}


def variants(routes: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    """Each route asked another way: HEAD and OPTIONS (which change nothing, so an
    access rule keyed by method could miss them), with a trailing slash and with a
    doubled slash (which a rule keyed by path template could miss). The path asked
    stands for the template too, so each variant is answered on its own."""
    asked = set()
    for method, _, filled in routes:
        for variant in [
            ("HEAD", filled),
            ("OPTIONS", filled),
            (method, f"{filled}/"),
            (method, f"/{filled}"),
        ]:
            asked.add((variant[0], variant[1], variant[1]))
    return sorted(asked)


@pytest.mark.parametrize("token", ["no-scopes", "contractor"])
async def test_no_other_method_or_spelling_of_a_route_answers_without_its_scope(
    service: tuple[str, FastAPI], token: str
) -> None:
    # The audit's probe of every route (HEAD, OPTIONS, /path/ and //path): FastAPI
    # answers 405 for a method the route does not declare and redirects a trailing
    # slash to the route itself (307), so no spelling reaches an endpoint unchecked.
    name, app = service
    asked = {
        "no-scopes": internal_token(name, scopes=()),
        "contractor": internal_token(name, scopes={"contractor"}, contractor_id="ROGUE"),
    }[token]
    answered = await answers(app, variants(v1_routes(app)), asked)
    assert answered
    for (method, path), response in answered.items():
        assert response.status_code in {307, 401, 403, 404, 405}, (method, path)
        if response.status_code == 307:  # to the route itself, which checks the token
            assert response.headers["location"] == f"http://service{path.rstrip('/')}"
