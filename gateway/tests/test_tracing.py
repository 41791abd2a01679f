"""The gateway's client spans carry no value from the path of a call a service refused.

A call's client span names its route template in `url.template`, or, for a call passed
through as it is (no template), its path. When the service refuses the call (4xx), a
path keeps only the words of the services' routes: a value typed where an id goes
becomes {value}, a name in lowercase letters alone as well.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from hearth_kit.tracing import add_span_processor, setup_tracing


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    """Spans the process exports during the test (the provider the gateway uses)."""
    setup_tracing("hearth-gateway-tests")
    exporter = InMemorySpanExporter()
    add_span_processor(SimpleSpanProcessor(exporter))
    yield exporter
    exporter.shutdown()


def client_spans(spans: InMemorySpanExporter, service: str) -> list[ReadableSpan]:
    return [
        span
        for span in spans.get_finished_spans()
        if span.kind is SpanKind.CLIENT
        and (span.attributes or {}).get("hearth.downstream") == service
    ]


def exported_text(span: ReadableSpan) -> str:
    texts = [span.name, str(span.status.description)]
    texts.extend(f"{key}={value!s}" for key, value in (span.attributes or {}).items())
    for event in span.events:
        texts.extend(f"{key}={value!s}" for key, value in (event.attributes or {}).items())
    return "\n".join(texts)


@pytest.mark.parametrize("typed", ["okafor", "Sam Okafor"])
async def test_a_refused_call_passed_through_keeps_the_services_words_not_the_value(
    gateway: httpx.AsyncClient, staff: dict[str, str], spans: InMemorySpanExporter, typed: str
) -> None:
    """A name typed where a resident's id goes reaches engagement, which answers 404:
    the client span names the pass-through's route template, the name nowhere."""
    answer = await gateway.get(f"/v1/residents/{typed}", headers=staff)
    assert answer.status_code == 404

    [call] = client_spans(spans, "engagement")
    assert (call.attributes or {})["http.response.status_code"] == 404
    assert (call.attributes or {})["url.template"] == "/v1/residents/{resident_id}"
    for span in spans.get_finished_spans():
        assert "okafor" not in exported_text(span).lower()


async def test_a_refused_call_with_a_route_keeps_its_template(
    gateway: httpx.AsyncClient, staff: dict[str, str], spans: InMemorySpanExporter
) -> None:
    """A composite's call names its route template, placeholders and all, refused or not."""
    answer = await gateway.get("/v1/homes/999999999999", headers=staff)
    assert answer.status_code == 404

    templates = {
        (span.attributes or {})["url.template"]: (span.attributes or {})[
            "http.response.status_code"
        ]
        for span in client_spans(spans, "compliance")
    }
    assert templates == {"/v1/homes/{uprn}": 404}
