"""What every answer of the gateway carries, and the limits it keeps: request ids,
rate limits per client, CORS for the configured front-ends, body size."""

from __future__ import annotations

import httpx
import pytest
from gateway_stand_ins import KNOWN_UPRN, OpenGateway, StandIns, bearer, bearer_with_scopes
from pydantic import ValidationError

from gateway.rate_limits import RateLimiter
from gateway.settings import GatewaySettings
from hearth_kit.problems import TooManyRequests


async def test_a_request_id_is_made_echoed_and_passed_to_the_service(
    gateway: httpx.AsyncClient, stand_ins: StandIns
) -> None:
    response = await gateway.get(f"/v1/homes/{KNOWN_UPRN}", headers=bearer("admin"))
    made = response.headers["x-request-id"]
    assert len(made) == 32
    seen = stand_ins.received("compliance", "GET", f"/v1/homes/{KNOWN_UPRN}")
    assert made in [r.headers.get("x-request-id") for r in seen]


async def test_the_callers_request_id_is_kept_and_a_strange_one_replaced(
    gateway: httpx.AsyncClient,
) -> None:
    kept = await gateway.get("/healthz", headers={"X-Request-ID": "front-end:42"})
    assert kept.headers["x-request-id"] == "front-end:42"
    replaced = await gateway.get("/healthz", headers={"X-Request-ID": "a b <script>"})
    assert replaced.headers["x-request-id"] != "a b <script>"
    unauthorised = await gateway.get("/v1/homes/1")
    assert unauthorised.status_code == 401
    assert unauthorised.headers["x-request-id"]


async def test_a_client_over_its_rate_is_a_429_with_retry_after(open_gateway: OpenGateway) -> None:
    async with open_gateway(rate_limit_per_second=0.5, rate_limit_burst=2) as gateway:
        headers = bearer_with_scopes("homes:read", subject="busy-client")
        answers = [await gateway.get(f"/v1/homes/{KNOWN_UPRN}", headers=headers) for _ in range(3)]
        other = await gateway.get(
            f"/v1/homes/{KNOWN_UPRN}", headers=bearer_with_scopes("homes:read", subject="calm")
        )
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert answers[2].headers["content-type"] == "application/problem+json"
    assert int(answers[2].headers["retry-after"]) >= 1
    assert other.status_code == 200


def test_a_bucket_refills_at_the_configured_rate_and_overrides_apply() -> None:
    settings = GatewaySettings(
        environment="development",
        rate_limit_per_second=1,
        rate_limit_burst=1,
        rate_limit_overrides={"gasco-client": 10},
    )
    limiter = RateLimiter(settings)
    limiter.take("a", now=0.0)
    with pytest.raises(TooManyRequests) as refused:
        limiter.take("a", now=0.5)
    assert refused.value.headers["Retry-After"] == "1"
    limiter.take("a", now=1.5)
    limiter.take("gasco-client", now=0.0)
    limiter.take("gasco-client", now=0.1)


async def test_cors_answers_only_the_configured_front_ends(open_gateway: OpenGateway) -> None:
    origin = "https://contact.hearth.example"
    async with open_gateway(cors_origins=[origin]) as gateway:
        allowed = await gateway.options(
            "/v1/homes",
            headers={"Origin": origin, "Access-Control-Request-Method": "POST"},
        )
        refused = await gateway.options(
            "/v1/homes",
            headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
        )
        simple = await gateway.get("/healthz", headers={"Origin": origin})
    assert allowed.headers["access-control-allow-origin"] == origin
    assert "access-control-allow-origin" not in refused.headers
    assert "x-request-id" in simple.headers["access-control-expose-headers"].lower()


async def test_a_body_over_the_limit_is_a_413_problem_before_any_service_is_asked(
    open_gateway: OpenGateway, stand_ins: StandIns
) -> None:
    before = len(stand_ins.received("compliance", "POST", "/v1/homes"))
    async with open_gateway(max_request_body_bytes=1000) as gateway:
        response = await gateway.post(
            "/v1/homes", content=b"{" + b" " * 2000 + b"}", headers=bearer("admin")
        )
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    assert len(stand_ins.received("compliance", "POST", "/v1/homes")) == before


@pytest.mark.parametrize("rate", [0, -1, float("inf"), float("nan")])
def test_a_rate_limit_override_that_is_not_a_positive_finite_rate_is_refused(rate: float) -> None:
    """0 divided the Retry-After into a ZeroDivisionError (a 500 to the client), -1 gave
    Retry-After -1: the gateway now refuses such a configuration when it starts."""
    with pytest.raises(ValidationError) as refused:
        GatewaySettings(environment="development", rate_limit_overrides={"gasco-client": rate})
    assert refused.value.errors()[0]["loc"] == ("rate_limit_overrides", "gasco-client")
    with pytest.raises(ValidationError):
        GatewaySettings(environment="development", rate_limit_per_second=rate)
