"""One trace from a gateway request through a service, its outbox, Kafka, the consuming
service and that service's own outbox onward, read from the exported spans (an
in-memory exporter) and checked parent by parent:

    gateway  SERVER  POST /v1/visits/{visit_id}/report
    gateway  CLIENT  (httpx, the call to visits)
    visits   SERVER  POST /v1/visits/{visit_id}/report    the report and its events, one transaction
    visits   PRODUCER  <ns>.hearth.visits.events publish   the relay sends visit-found-repair
    repairs  CONSUMER  <ns>.hearth.visits.events process   repairs raises the repair
    repairs  PRODUCER  <ns>.hearth.repairs.events publish  the relay sends repair-reported

and the repair-reported message on Kafka carries the repairs CONSUMER span as its
parent, so whoever consumes it next joins the same trace.

The consumer's span is a child of the span that wrote the event (the traceparent the
outbox stored), beside the relay's PRODUCER span rather than under it: the relay sends
the writer's context on the message (docs/adr/0003-events-outbox-inbox.md).
"""

from __future__ import annotations

import random
import secrets
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from prometheus_client.parser import text_string_to_metric_families

from gateway.auth import issue_development_token
from hearth_contracts.envelope import header_map
from hearth_contracts.events.repairs import RepairReportedV3
from hearth_kit.tracing import add_span_processor
from services.visits.tests.factories import a_household
from tests.harness.events import eventually, read_all, topic_of
from tests.harness.infra import DatabaseFactory
from tests.harness.platform import Platform, run_platform

pytestmark = pytest.mark.integration

spans = InMemorySpanExporter()
REPORT_ROUTE = "/v1/visits/{visit_id}/report"
VISIT_FOUND_REPAIR = "uk.hearth.visits.visit-found-repair.v1"
REPAIR_REPORTED = RepairReportedV3.type


@pytest.fixture(scope="module")
async def platform(kafka: str, databases: DatabaseFactory) -> AsyncIterator[Platform]:
    async with run_platform(kafka, databases, services=("visits", "repairs")) as running:
        add_span_processor(SimpleSpanProcessor(spans))
        yield running


def hex_id(number: int, width: int) -> str:
    return format(number, f"0{width}x")


def port_of(span: ReadableSpan) -> int | None:
    attributes = span.attributes or {}
    for key in ("server.port", "net.host.port"):
        if key in attributes:
            return int(str(attributes[key]))
    return None


def parent_of(span: ReadableSpan, by_id: dict[int, ReadableSpan]) -> ReadableSpan | None:
    return by_id.get(span.parent.span_id) if span.parent is not None else None


def ancestors(span: ReadableSpan, by_id: dict[int, ReadableSpan]) -> list[ReadableSpan]:
    """The span, its parent, its parent's parent, ... up to the root (or the caller's
    remote span, which this process did not record)."""
    chain = [span]
    while (parent := parent_of(chain[-1], by_id)) is not None:
        chain.append(parent)
    return chain


def messaging(span: ReadableSpan, kind: SpanKind, service: str, event_type: str) -> bool:
    attributes = span.attributes or {}
    return (
        span.kind is kind
        and attributes.get("hearth.service") == service
        and attributes.get("cloudevents.event_type") == event_type
    )


async def test_one_trace_runs_from_the_gateway_through_kafka_to_the_consumer_s_own_outbox(
    platform: Platform,
) -> None:
    uprn = str(random.randint(10**9, 10**12 - 1))
    token = issue_development_token(role="staff", subject="visit-officer-2")
    async with platform.client("gateway", headers={"Authorization": f"Bearer {token}"}) as gateway:
        visit = await gateway.post(
            "/v1/visits",
            json={
                "uprn": uprn,
                "kind": "full",
                "scheduled_for": (datetime.now(UTC) + timedelta(hours=1)).isoformat(),
            },
        )
        assert visit.status_code == 201, visit.text
        trace_id = secrets.token_hex(16)
        request_id = f"trace-chain-{secrets.token_hex(4)}"
        report = await gateway.post(
            f"/v1/visits/{visit.json()['id']}/report",
            json={
                "outcome": "completed",
                "visited_at": datetime.now(UTC).isoformat(),
                "repairs_found": [
                    {"description": "Loose stair rail", "location": "hall", "trade": "carpentry"}
                ],
                "hazards_found": [],
                "household": a_household(),
            },
            headers={
                "traceparent": f"00-{trace_id}-{secrets.token_hex(8)}-01",
                "X-Request-ID": request_id,
            },
        )
    assert report.status_code == 201, report.text

    def in_trace() -> list[ReadableSpan]:
        return [s for s in spans.get_finished_spans() if hex_id(s.context.trace_id, 32) == trace_id]

    async def onward_published() -> list[ReadableSpan]:
        return [
            s for s in in_trace() if messaging(s, SpanKind.PRODUCER, "repairs", REPAIR_REPORTED)
        ]

    (repairs_producer,) = await eventually(onward_published, timeout=30)
    by_id = {s.context.span_id: s for s in in_trace()}
    chain = ancestors(repairs_producer, by_id)
    described = [(s.kind.name, s.name) for s in chain]

    # repairs' relay publishes repair-reported as a child of repairs' handling ...
    repairs_consumer = chain[1]
    assert messaging(repairs_consumer, SpanKind.CONSUMER, "repairs", VISIT_FOUND_REPAIR), described
    # ... whose parent is the span in visits that wrote visit-found-repair: the request's
    # SERVER span in visits (or a span inside it) ...
    visits_server = next(
        s
        for s in chain[2:]
        if s.kind is SpanKind.SERVER and port_of(s) == platform.service("visits").port
    )
    assert (visits_server.attributes or {}).get("http.route") == REPORT_ROUTE, described
    # ... called by the gateway's httpx CLIENT span, under the gateway's SERVER span, whose
    # parent is the caller's own span (the traceparent sent), which this process never saw.
    below_visits = chain[chain.index(visits_server) + 1 :]
    assert [s.kind for s in below_visits[:2]] == [SpanKind.CLIENT, SpanKind.SERVER], described
    gateway_server = below_visits[1]
    assert port_of(gateway_server) == platform.service("gateway").port, described
    assert (gateway_server.attributes or {}).get("http.route") == REPORT_ROUTE
    assert (gateway_server.attributes or {}).get("hearth.request_id") == request_id
    assert gateway_server is chain[-1]
    assert gateway_server.parent is not None
    assert gateway_server.parent.is_remote

    # visits' relay published visit-found-repair in the same trace, as a child of the
    # span that wrote it, the same parent as repairs' CONSUMER span.
    visits_producers = [
        s for s in in_trace() if messaging(s, SpanKind.PRODUCER, "visits", VISIT_FOUND_REPAIR)
    ]
    assert visits_producers, described
    assert {parent_of(s, by_id) for s in visits_producers} == {parent_of(repairs_consumer, by_id)}

    # On Kafka, repair-reported carries repairs' CONSUMER span as its parent: the next
    # consumer of repairs' events joins this trace.
    records = await read_all(
        platform.kafka, topic_of("repairs", platform.namespace), at_least=1, timeout=30
    )
    traceparents = [
        header_map(r.headers).get("traceparent")
        for r in records
        if header_map(r.headers).get("ce_type") == REPAIR_REPORTED
    ]
    assert f"00-{trace_id}-{hex_id(repairs_consumer.context.span_id, 16)}-01" in traceparents, (
        traceparents
    )


async def test_a_request_s_trace_is_found_from_its_request_id(platform: Platform) -> None:
    """The runbook's search (docs/runbooks/tracing.md): the X-Request-ID a caller sends
    is on the gateway's SERVER span and, passed on with the call, on the service's, as
    `hearth.request_id`; both are in one trace."""
    token = issue_development_token(role="staff", subject="visit-officer-3")
    request_id = f"find-me-{secrets.token_hex(4)}"
    async with platform.client("gateway", headers={"Authorization": f"Bearer {token}"}) as gateway:
        answer = await gateway.get(
            "/v1/visits", params={"limit": 1}, headers={"X-Request-ID": request_id}
        )
    assert answer.status_code == 200, answer.text

    async def tagged() -> list[ReadableSpan]:
        found = [
            s
            for s in spans.get_finished_spans()
            if (s.attributes or {}).get("hearth.request_id") == request_id
        ]
        return found if len(found) >= 2 else []

    found = await eventually(tagged, timeout=10)
    assert {s.kind for s in found} == {SpanKind.SERVER}
    assert {port_of(s) for s in found} == {
        platform.service("gateway").port,
        platform.service("visits").port,
    }
    assert len({s.context.trace_id for s in found}) == 1


async def test_metrics_show_requests_by_route_and_status_outbox_and_lag_per_group_and_partition(
    platform: Platform,
) -> None:
    """What the alert rules watch is on /metrics with the labels they use (the services
    here share one process, so one scrape shows them all)."""
    group = f"{platform.namespace}.repairs"
    visits_topic = topic_of("visits", platform.namespace)
    token = issue_development_token(role="staff", subject="visit-officer-3")
    async with platform.client("gateway", headers={"Authorization": f"Bearer {token}"}) as gateway:
        answer = await gateway.get("/v1/visits", params={"limit": 1})
    assert answer.status_code == 200, answer.text

    async def scraped() -> dict[str, list[dict[str, str]]] | None:
        async with httpx.AsyncClient(base_url=platform.service("visits").url) as client:
            text = (await client.get("/metrics")).text
        series: dict[str, list[dict[str, str]]] = {}
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                series.setdefault(sample.name, []).append(dict(sample.labels))
        partitions = {
            s["partition"]
            for s in series.get("hearth_consumer_lag", [])
            if s.get("group") == group and s.get("topic") == visits_topic
        }
        # Refreshed for every assigned partition every 5 s (and after each batch).
        return series if partitions == {"0", "1", "2"} else None

    series = await eventually(scraped, timeout=30)
    assert all(
        s["service"] == "repairs" for s in series["hearth_consumer_lag"] if s["group"] == group
    )
    outbox = ("hearth_outbox_backlog", "hearth_outbox_oldest_age_seconds", "hearth_outbox_parked")
    for gauge in outbox:
        assert {"service": "visits"} in series[gauge], gauge
    requests = series["hearth_http_request_duration_seconds_count"]
    for service in ("gateway", "visits"):
        assert {"service": service, "method": "GET", "route": "/v1/visits", "status": "200"} in (
            requests
        ), service


async def test_a_request_id_the_gateway_made_also_finds_its_trace(platform: Platform) -> None:
    """A caller that sent no X-Request-ID gets one made by the gateway, in the answer's
    headers, and that one is on the request's SERVER spans too."""
    token = issue_development_token(role="staff", subject="visit-officer-4")
    async with platform.client("gateway", headers={"Authorization": f"Bearer {token}"}) as gateway:
        answer = await gateway.get("/v1/visits", params={"limit": 1})
    assert answer.status_code == 200, answer.text
    request_id = answer.headers["X-Request-ID"]

    async def tagged() -> list[ReadableSpan]:
        found = [
            s
            for s in spans.get_finished_spans()
            if (s.attributes or {}).get("hearth.request_id") == request_id
        ]
        return found if len(found) >= 2 else []

    found = await eventually(tagged, timeout=10)
    assert {s.kind for s in found} == {SpanKind.SERVER}
    assert {port_of(s) for s in found} == {
        platform.service("gateway").port,
        platform.service("visits").port,
    }
    assert len({s.context.trace_id for s in found}) == 1
