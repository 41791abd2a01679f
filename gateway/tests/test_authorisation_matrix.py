"""The authorisation matrix, every cell: each role against each gateway route.

The routes and the scopes they need are read from the app (pass-through rows included,
as the domains add them); each role's scopes come from the default role sets. A cell
that is denied is a 403 naming the missing scopes, before any service is asked; a cell
that is allowed is never a 401 or 403 from the gateway."""

from __future__ import annotations

import contextlib
import re
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from asgi_lifespan import LifespanManager
from gateway_stand_ins import KNOWN_UPRN, StandIns, bearer, bearer_with_scopes, gateway_settings

from gateway.app import create_app
from gateway.authorisation import GatewayRoute, gateway_routes
from gateway.roles import CONTRACTOR_ROLE, DEFAULT_ROLES
from gateway.settings import GatewaySettings

ROUTES = gateway_routes(create_app(GatewaySettings(environment="development")))
CELLS = [(role, route) for route in ROUTES for role in DEFAULT_ROLES]


def _concrete(path: str) -> str:
    """The route's path with its placeholders filled in."""

    def value(match: re.Match[str]) -> str:
        return KNOWN_UPRN if match.group(1) == "uprn" else str(uuid.uuid4())

    return re.sub(r"\{(\w+)(?::\w+)?\}", value, path)


def _token(role: str) -> dict[str, str]:
    return bearer(role, contractor_id="gasco" if role == CONTRACTOR_ROLE else None)


def test_the_matrix_covers_the_gateways_own_routes() -> None:
    paths = {route.path for route in ROUTES}
    assert {"/v1/homes/{uprn}", "/v1/homes"} <= paths


def test_survey_results_by_strand_need_diversity_read_as_well() -> None:
    rows = {r.query: r.scopes for r in ROUTES if r.path == "/v1/surveys/results"}
    assert rows == {None: ("surveys:read",), "strand": ("surveys:read", "diversity:read")}


def test_a_checks_access_attempts_are_read_by_staff_with_compliance_read() -> None:
    """The evidence of every attempt (ADR 0194): a staff read, compliance:read, which a
    contractor's token does not hold; the contractor API records attempts only."""
    attempts = "/v1/compliance/checks/{check_id}/access-attempts"
    rows = {(r.method, r.scopes, r.contractor_too) for r in ROUTES if r.path == attempts}
    assert rows == {("GET", ("compliance:read",), False), ("POST", ("compliance:write",), False)}
    reader = next(r for r in ROUTES if r.path == attempts and r.method == "GET")
    assert not reader.allows(DEFAULT_ROLES[CONTRACTOR_ROLE])
    contractors = "/v1/contractor/compliance/checks/{check_id}/access-attempts"
    assert {r.method for r in ROUTES if r.path == contractors} == {"POST"}


def test_no_role_grants_a_need_to_know_scope() -> None:
    for scopes in DEFAULT_ROLES.values():
        assert not {"vulnerabilities:read", "diversity:read"} & set(scopes)


@pytest.fixture(scope="module")
async def matrix_gateway(stand_ins: StandIns) -> AsyncIterator[httpx.AsyncClient]:
    """One gateway for every cell (a gateway per cell made the matrix take minutes), its
    rate limit out of the way: this test asks a thousand questions at once."""
    app = create_app(gateway_settings(stand_ins, rate_limit_per_second=1e6, rate_limit_burst=10**6))
    async with contextlib.AsyncExitStack() as stack:
        manager = await stack.enter_async_context(LifespanManager(app))
        client = await stack.enter_async_context(
            httpx.AsyncClient(transport=httpx.ASGITransport(manager.app), base_url="http://gateway")
        )
        yield client


@pytest.mark.parametrize(
    ("role", "route"), CELLS, ids=[f"{role}-{r.method}-{r.path}" for role, r in CELLS]
)
async def test_each_role_may_call_exactly_the_routes_its_scopes_cover(
    matrix_gateway: httpx.AsyncClient, role: str, route: GatewayRoute
) -> None:
    response = await matrix_gateway.request(
        route.method,
        _concrete(route.path),
        params={route.query: "1"} if route.query else None,
        headers={**_token(role), "Idempotency-Key": str(uuid.uuid4())},
        json={} if route.method in ("POST", "PUT", "PATCH") else None,
    )
    if route.allows(DEFAULT_ROLES[role]):
        assert response.status_code not in (401, 403), response.text
    else:
        assert response.status_code == 403
        missing = response.json()["missing_scopes"]
        assert missing
        assert not set(missing) & set(DEFAULT_ROLES[role])


async def test_a_strand_needs_diversity_read_from_the_tokens_own_scope(
    matrix_gateway: httpx.AsyncClient,
) -> None:
    """The identity provider grants diversity:read to a person, in the token's own scope;
    without it survey results are still there, but not by strand."""
    params = {"survey": "perception", "from": "2026-04-01", "to": "2026-04-30"}
    reader = bearer_with_scopes("surveys:read")
    assert (
        await matrix_gateway.get("/v1/surveys/results", params=params, headers=reader)
    ).status_code != 403
    refused = await matrix_gateway.get(
        "/v1/surveys/results", params={**params, "strand": "religion"}, headers=reader
    )
    assert refused.status_code == 403
    assert refused.json()["missing_scopes"] == ["diversity:read"]
    allowed = await matrix_gateway.get(
        "/v1/surveys/results",
        params={**params, "strand": "religion"},
        headers=bearer_with_scopes("surveys:read diversity:read"),
    )
    assert allowed.status_code not in (401, 403), allowed.text


@pytest.mark.parametrize("role", ["no-scopes", CONTRACTOR_ROLE])
async def test_no_other_method_or_spelling_of_a_route_answers_without_its_scope(
    matrix_gateway: httpx.AsyncClient, role: str
) -> None:
    """HEAD and OPTIONS of every route, and the route with a trailing or a doubled slash:
    a 405 (no such method), a 404, or a 307 to the route itself (which checks the
    token); never an answer from a route the token may not call."""
    token = bearer_with_scopes("") if role == "no-scopes" else _token(role)
    for route in ROUTES:
        if route.query or route.scopes is None:
            continue
        path = _concrete(route.path)
        for method, asked in [
            ("HEAD", path),
            ("OPTIONS", path),
            (route.method, f"{path}/"),
            (route.method, f"/{path}"),
        ]:
            response = await matrix_gateway.request(method, asked, headers=token)
            assert response.status_code in {307, 401, 403, 404, 405}, (method, asked)
            if response.status_code == 307:
                assert response.headers["location"] == f"http://gateway{path}"
