"""Every service answers only the gateway's internal tokens (docs/adr/0006).

Each service's app is built as it runs and called in process. Every /v1 and /admin
route it has is tried, so a route added later without the check fails here. A refused
request is answered before any endpoint runs, so no database is needed.
"""

from __future__ import annotations

import importlib
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI

from hearth_kit.auth import development_private_key, issue_internal_token
from tests.harness.platform import SERVICE_NAMES, settings_class
from tests.harness.tokens import STAFF_SCOPES, internal_token, session_private_key

PATH_PARAMETER = re.compile(r"\{[^}]+\}")


def service_app(service: str) -> FastAPI:
    settings = settings_class(service)(relay_enabled=False, consumer_enabled=False)
    app: FastAPI = importlib.import_module(f"{service}.app").create_app(settings)
    return app


def example_of(parameter: dict[str, Any]) -> str:
    """A value the route's own path converter accepts (a uuid where it takes one), so the
    request reaches the token check instead of stopping at routing."""
    schema = parameter.get("schema", {})
    return "00000000-0000-4000-8000-000000000001" if schema.get("format") == "uuid" else "1"


def guarded_routes(app: FastAPI, prefix: str) -> list[tuple[str, str]]:
    """(method, path) of every route under `prefix` the service documents, path
    parameters filled with a value of their declared type."""
    routes = []
    for path, operations in app.openapi()["paths"].items():
        if not path.startswith(prefix):
            continue
        for method in sorted(operations):
            examples = {
                parameter["name"]: example_of(parameter)
                for parameter in operations[method].get("parameters", [])
                if parameter.get("in") == "path"
            }
            filled = PATH_PARAMETER.sub(
                lambda match, examples=examples: examples.get(match.group(0)[1:-1], "1"), path
            )
            routes.append((method.upper(), filled))
    return routes


@pytest.fixture(scope="module", params=SERVICE_NAMES)
def service(request: pytest.FixtureRequest) -> tuple[str, FastAPI]:
    name: str = request.param
    return name, service_app(name)


async def call_each(
    app: FastAPI, routes: list[tuple[str, str]], token: str | None
) -> dict[tuple[str, str], httpx.Response]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app), base_url="http://service"
    ) as client:
        return {
            (method, path): await client.request(method, path, headers=headers)
            for method, path in routes
        }


def assert_all_401(answers: dict[tuple[str, str], httpx.Response], detail: str) -> None:
    wrong = {route: r.status_code for route, r in answers.items() if r.status_code != 401}
    assert not wrong, f"answered without a valid token: {wrong}"
    for response in answers.values():
        assert response.headers["content-type"] == "application/problem+json"
        assert response.headers["www-authenticate"].startswith("Bearer realm=")
        assert detail in response.json()["detail"]


async def test_every_v1_and_admin_route_without_a_token_is_401(
    service: tuple[str, FastAPI],
) -> None:
    _, app = service
    routes = guarded_routes(app, "/v1/") + guarded_routes(app, "/admin/")
    assert guarded_routes(app, "/v1/"), "a service with no /v1 route?"
    assert_all_401(await call_each(app, routes, None), "answers only the gateway")


async def test_a_token_for_another_services_audience_is_401(
    service: tuple[str, FastAPI],
) -> None:
    name, app = service
    other = next(s for s in SERVICE_NAMES if s != name)
    answers = await call_each(app, guarded_routes(app, "/v1/"), internal_token(other))
    assert_all_401(answers, f"not for this service (hearth-{name})")


async def test_an_expired_token_is_401(service: tuple[str, FastAPI]) -> None:
    name, app = service
    expired = issue_internal_token(
        session_private_key(),
        service=name,
        subject="test-staff",
        scopes=STAFF_SCOPES,
        now=datetime.now(UTC) - timedelta(minutes=5),
    )
    assert_all_401(await call_each(app, guarded_routes(app, "/v1/"), expired), "expired")


@pytest.mark.parametrize(
    "signer",
    [Ed25519PrivateKey.generate(), development_private_key()],
    ids=["another-key", "the-development-key"],
)
async def test_a_token_signed_by_a_key_the_service_does_not_trust_is_401(
    service: tuple[str, FastAPI], signer: Ed25519PrivateKey
) -> None:
    # The test session's services trust only its own key, so even the development key
    # is refused once a key is configured.
    name, app = service
    forged = issue_internal_token(signer, service=name, subject="x", scopes=STAFF_SCOPES)
    answers = await call_each(app, guarded_routes(app, "/v1/"), forged)
    assert_all_401(answers, "not trusted")


async def test_a_token_that_is_not_eddsa_is_401(service: tuple[str, FastAPI]) -> None:
    # An HS256 token naming the trusted key's id: algorithm confusion must not help.
    name, app = service
    genuine = jwt.get_unverified_header(internal_token(name))
    now = datetime.now(UTC)
    claims = {
        "iss": "hearth-gateway",
        "aud": f"hearth-{name}",
        "sub": "x",
        "scope": "admin",
        "iat": now,
        "exp": now + timedelta(seconds=60),
        "jti": "j",
    }
    forged = jwt.encode(
        claims, "a-guessed-secret-of-32-bytes-or-more!", "HS256", {"kid": genuine["kid"]}
    )
    assert_all_401(await call_each(app, guarded_routes(app, "/v1/"), forged), "not valid")


async def test_admin_routes_without_the_admin_scope_are_403(
    service: tuple[str, FastAPI],
) -> None:
    name, app = service
    routes = guarded_routes(app, "/admin/")
    assert routes, "every service has admin routes (dead letters)"
    answers = await call_each(app, routes, internal_token(name, scopes=STAFF_SCOPES))
    wrong = {route: r.status_code for route, r in answers.items() if r.status_code != 403}
    assert not wrong, f"admin routes open to a token without the admin scope: {wrong}"
    for response in answers.values():
        assert response.json()["missing_scopes"] == ["admin"]
        assert 'error="insufficient_scope"' in response.headers["www-authenticate"]


async def test_health_and_metrics_stay_open(service: tuple[str, FastAPI]) -> None:
    _, app = service
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app), base_url="http://service"
    ) as client:
        assert (await client.get("/healthz")).status_code == 200
        assert (await client.get("/metrics")).status_code == 200
