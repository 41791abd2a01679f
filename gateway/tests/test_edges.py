"""What every answer of the gateway carries, and the limits it keeps: request ids,
rate limits per client, CORS for the configured front-ends, body size."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest
import structlog
from gateway_stand_ins import (
    KNOWN_UPRN,
    OpenGateway,
    StandIns,
    a_gateway_with_a_bug,
    bearer,
    bearer_with_scopes,
    gateway_settings,
)
from pydantic import ValidationError

import hearth_kit.logs
from gateway.rate_limits import RateLimiter, staff_client
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
        rate_limit_overrides={"staff:fast": 10},
    )
    limiter = RateLimiter(settings)
    limiter.take(staff_client("a"), now=0.0)
    with pytest.raises(TooManyRequests) as refused:
        limiter.take(staff_client("a"), now=0.5)
    assert refused.value.headers["Retry-After"] == "1"
    limiter.take(staff_client("a"), now=1.5)
    limiter.take(staff_client("fast"), now=0.0)
    limiter.take(staff_client("fast"), now=0.1)


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


@pytest.fixture
def log_lines(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Iterator[pytest.CaptureFixture[str]]:
    """The process's JSON log lines on stdout: logging set up afresh (setup_logging
    configures once a process, and a test before may have changed the handlers)."""
    monkeypatch.setattr(hearth_kit.logs, "_configured", False)
    capsys.readouterr()
    yield capsys
    structlog.contextvars.clear_contextvars()


async def test_an_unhandled_error_is_answered_with_its_request_id_cors_and_a_logged_id(
    stand_ins: StandIns, log_lines: pytest.CaptureFixture[str]
) -> None:
    """Starlette's ServerErrorMiddleware answers an unhandled error from outside every
    middleware added with add_middleware: the 500 had no X-Request-ID and no CORS headers
    (the front-end's browser hid it, trace id and all), and its log line no request_id
    (docs/adr/0212)."""
    origin = "https://contact.hearth.example"
    settings = gateway_settings(stand_ins, cors_origins=[origin], log_format="json")
    async with a_gateway_with_a_bug(settings) as gateway:
        sent = await gateway.get("/v1/broken", headers={"Origin": origin, "X-Request-ID": "fe:7"})
        made = await gateway.get("/v1/broken", headers={"Origin": origin})
    assert [sent.status_code, made.status_code] == [500, 500]
    assert sent.headers["content-type"] == "application/problem+json"
    assert sent.headers["x-request-id"] == "fe:7"
    assert sent.headers["access-control-allow-origin"] == origin
    assert "x-request-id" in sent.headers["access-control-expose-headers"].lower()
    made_id = made.headers["x-request-id"]
    out = log_lines.readouterr().out
    logged = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    errors = [line for line in logged if line.get("event") == "unhandled error"]
    assert [line.get("request_id") for line in errors] == ["fe:7", made_id]


async def test_a_front_end_that_sends_its_trace_context_passes_the_preflight(
    open_gateway: OpenGateway,
) -> None:
    """A front-end tracing its own calls sends traceparent (and tracestate), which the
    gateway follows (docs/runbooks/tracing.md); refused in the preflight, its browser
    sent no request at all."""
    origin = "https://contact.hearth.example"
    async with open_gateway(cors_origins=[origin]) as gateway:
        preflight = await gateway.options(
            f"/v1/homes/{KNOWN_UPRN}",
            headers={
                "Origin": origin,
                "Access-Control-Request-Method": "GET",
                "Access-Control-Request-Headers": "authorization, traceparent, tracestate",
            },
        )
    assert preflight.status_code == 200
    allowed = preflight.headers["access-control-allow-headers"].lower()
    assert "traceparent" in allowed
    assert "tracestate" in allowed


async def test_a_pass_through_timeout_logs_the_route_template_not_the_callers_values(
    open_gateway: OpenGateway, stand_ins: StandIns, log_lines: pytest.CaptureFixture[str]
) -> None:
    """Every downstream timeout is logged with its route template (gateway.clients), but
    a pass-through named none, so its line carried the path as the caller wrote it: a
    path value a front-end filled with what a person typed reached the logs."""
    async with open_gateway(visits_url=stand_ins.slow_url, log_format="json") as gateway:
        response = await gateway.get(
            "/v1/caseloads/Sam.Okafor-07700900123", headers=bearer("admin")
        )
    assert response.status_code == 503
    out = log_lines.readouterr().out
    logged = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    [timeout] = [line for line in logged if line.get("event") == "downstream timeout"]
    assert timeout["route"] == "/v1/caseloads/{officer}"
    assert "07700900123" not in out


@pytest.mark.parametrize(
    "origin",
    ["https://contact.hearth.example/", "https://Contact.hearth.example", "contact.hearth.example"],
)
def test_a_cors_origin_no_browser_sends_is_refused_at_start(origin: str) -> None:
    """CORS compares the configured origins with the browser's Origin as strings: with a
    trailing slash, capitals or no scheme the gateway started, matched no request, and
    every front-end call failed in the browser with nothing to say why."""
    with pytest.raises(ValidationError, match="cors_origins"):
        GatewaySettings(environment="development", cors_origins=[origin])


def test_origins_as_browsers_send_them_are_taken() -> None:
    origins = ["https://contact.hearth.example", "http://127.0.0.1:5173", "http://[::1]:3000"]
    assert GatewaySettings(environment="development", cors_origins=origins).cors_origins == origins
    assert GatewaySettings(environment="development", cors_origins=["*"]).cors_origins == ["*"]
