"""No personal data in error texts, logs or traces; request bodies are bounded.

Engagement holds the most personal data (residents' names, phone numbers and email
addresses), so it is the service tried here, as it runs, on a freshly migrated real
database, called as the gateway calls it. Every process, the gateway included, refuses
an oversized body the same way.
"""

from __future__ import annotations

import importlib
import uuid
from collections.abc import AsyncIterator, Iterator
from random import randint

import httpx
import pytest
from fastapi import FastAPI
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from gateway.app import create_app as create_gateway
from gateway.settings import GatewaySettings
from hearth_kit.logs import setup_logging
from hearth_kit.problems import PROBLEM_JSON, TYPE_BASE
from hearth_kit.request_limits import DEFAULT_MAX_BODY_BYTES, MAX_BODY_SETTING, max_body_bytes_of
from hearth_kit.tracing import add_span_processor, setup_tracing
from tests.harness.infra import DatabaseFactory
from tests.harness.platform import SERVICE_NAMES, settings_class
from tests.harness.service import migrated_database, service_api

NAME = "Sam Okafor"
EMAIL = "sam.okafor@example.org"
PHONE = "07700 900123"
PERSONAL = (NAME, "Okafor", EMAIL, "sam.okafor", PHONE, "900123")


def a_uprn() -> str:
    return str(randint(10**9, 10**12 - 1))


def a_resident(**overrides: object) -> dict[str, object]:
    return {
        "person_id": str(uuid.uuid4()),  # a tenant: income's id for them (ADR 0118)
        "tenancy_id": str(uuid.uuid4()),
        "uprn": a_uprn(),
        "full_name": NAME,
        "email": EMAIL,
        "phone": PHONE,
        "preferred_channel": "email",
        **overrides,
    }


@pytest.fixture(scope="module")
async def engagement(databases: DatabaseFactory) -> AsyncIterator[httpx.AsyncClient]:
    async with service_api("engagement", await migrated_database(databases, "engagement")) as api:
        yield api


def assert_quotes_nothing_sent(text: str, *sent: str) -> None:
    for value in (*PERSONAL, *sent):
        assert value not in text, f"{value!r} quoted back in {text}"


# --- Error texts --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field", "sent"),
    [
        ({"phone": f"{NAME}'s mobile, {PHONE}"}, "phone", ""),
        ({"phone": "07700-900123"}, "phone", "07700-900123"),
        ({"email": "sam.okafor at example.org"}, "email", "sam.okafor at example.org"),
        ({"full_name": "Sam Okafor " * 20}, "full_name", ""),
        ({"full_name": 4_401_234_567}, "full_name", "4401234567"),
        ({"tenancy_id": NAME}, "tenancy_id", ""),
        ({"uprn": "SW1A 1AA"}, "uprn", "SW1A 1AA"),
        ({"date_of_birth": "1970-04-01"}, "date_of_birth", "1970-04-01"),
    ],
)
async def test_an_invalid_resident_is_a_422_naming_the_field_and_quoting_none_of_it(
    engagement: httpx.AsyncClient, overrides: dict[str, object], field: str, sent: str
) -> None:
    response = await engagement.post("/v1/residents", json=a_resident(**overrides))
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM_JSON
    problem = response.json()
    assert problem["type"] == TYPE_BASE + "validation"
    assert field in {error["field"] for error in problem["errors"]}
    assert_quotes_nothing_sent(response.text, *([sent] if sent else []))


@pytest.mark.parametrize(
    "body",
    [
        f'{{"full_name": "{NAME}", "email": "{EMAIL}", "phone": "{PHONE}"',
        f'{{"full_name": "{NAME}", "email": {EMAIL}, "phone": "{PHONE}"}}',
        f"full_name={NAME}&email={EMAIL}&phone={PHONE}",
    ],
)
async def test_a_body_that_is_not_json_is_a_422_quoting_none_of_it(
    engagement: httpx.AsyncClient, body: str
) -> None:
    response = await engagement.post(
        "/v1/residents", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM_JSON
    [error] = response.json()["errors"]
    assert (error["field"], error["type"]) == ("body", "json_invalid")
    assert_quotes_nothing_sent(response.text)


# --- Logs and traces ----------------------------------------------------------------


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    """Spans the process exports during the test (the provider the services use)."""
    setup_tracing("hearth-security-tests")
    exporter = InMemorySpanExporter()
    add_span_processor(SimpleSpanProcessor(exporter))
    yield exporter
    exporter.shutdown()


def exported_text(span: ReadableSpan) -> str:
    texts = [span.name, str(span.status.description)]
    texts.extend(f"{key}={value!s}" for key, value in (span.attributes or {}).items())
    for event in span.events:
        texts.extend(f"{key}={value!s}" for key, value in (event.attributes or {}).items())
    return "\n".join(texts)


async def test_a_residents_requests_leave_no_personal_data_in_spans_or_logs(
    engagement: httpx.AsyncClient,
    spans: InMemorySpanExporter,
    capsys: pytest.CaptureFixture[str],
) -> None:
    setup_logging("INFO", "json")
    capsys.readouterr()
    resident = a_resident()
    uprn, tenancy_id = str(resident["uprn"]), str(resident["tenancy_id"])
    created = await engagement.post("/v1/residents", json=resident)
    assert created.status_code == 201, created.text
    resident_id = created.json()["id"]
    assert (await engagement.get(f"/v1/residents/{resident_id}")).status_code == 200
    listed = await engagement.get("/v1/residents", params={"uprn": uprn, "tenancy_id": tenancy_id})
    assert [item["id"] for item in listed.json()["items"]] == [resident_id]
    refused = await engagement.post("/v1/residents", json=a_resident(phone=f"{NAME} {PHONE}"))
    assert refused.status_code == 422

    exported = spans.get_finished_spans()
    routes = {str((span.attributes or {}).get("http.route")) for span in exported}
    assert {"/v1/residents", "/v1/residents/{resident_id}"} <= routes
    for span in exported:
        text = exported_text(span)
        assert_quotes_nothing_sent(text)
        assert tenancy_id not in text  # the query string is gone
        for key in ("http.url", "url.full", "http.target"):
            assert "?" not in str((span.attributes or {}).get(key, ""))
    logged = capsys.readouterr().out
    assert_quotes_nothing_sent(logged)


async def test_a_path_no_route_matches_keeps_the_services_words_not_the_values(
    engagement: httpx.AsyncClient, spans: InMemorySpanExporter
) -> None:
    """A name typed in lowercase letters alone where an id goes reads like a word, but
    is no word of the service's routes: the span of a path no route matches (404)
    shows it as {value}, and keeps the routes' own words."""
    path = "/v1/residents/okafor/vulnerabilities/sam/reviews"
    assert (await engagement.get(path)).status_code == 404

    targets = [(span.attributes or {}).get("http.target") for span in spans.get_finished_spans()]
    assert "/v1/residents/{value}/vulnerabilities/{value}/{value}" in targets
    for span in spans.get_finished_spans():
        text = exported_text(span)
        assert "okafor" not in text
        assert "/sam/" not in text


# --- Request body size --------------------------------------------------------------


def process_app(process: str) -> tuple[FastAPI, int]:
    """The process's app and its own body limit (compliance allows more than the default
    for its stock import; every other process keeps the default)."""
    if process == "gateway":
        gateway_settings = GatewaySettings()
        return create_gateway(gateway_settings), max_body_bytes_of(gateway_settings)
    settings = settings_class(process)(relay_enabled=False, consumer_enabled=False)
    app: FastAPI = importlib.import_module(f"{process}.app").create_app(settings)
    return app, max_body_bytes_of(settings)


async def chunks(body: bytes, size: int = 64 * 1024) -> AsyncIterator[bytes]:
    for start in range(0, len(body), size):
        yield body[start : start + size]


@pytest.mark.parametrize("process", [*SERVICE_NAMES, "gateway"])
async def test_every_process_refuses_a_body_over_the_limit_with_a_413_problem(
    process: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(MAX_BODY_SETTING, raising=False)
    app, limit = process_app(process)
    assert limit >= DEFAULT_MAX_BODY_BYTES
    too_large = b'{"note": "' + b"x" * limit + b'"}'
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app), base_url=f"http://{process}"
    ) as client:
        declared = await client.post(
            "/v1/residents", content=too_large, headers={"content-type": "application/json"}
        )
        answers = [declared]
        if process == "engagement":
            # Without Content-Length: counted as it streams, where a route reads the
            # body before anything else (engagement's parses it; the gateway's proxy
            # reads it only after checking the caller's token).
            answers.append(
                await client.post(
                    "/v1/residents",
                    content=chunks(too_large),
                    headers={"content-type": "application/json"},
                )
            )
    for response in answers:
        assert response.status_code == 413
        assert response.headers["content-type"] == PROBLEM_JSON
        problem = response.json()
        assert problem["type"] == TYPE_BASE + "content-too-large"
        assert problem["max_body_bytes"] == limit
