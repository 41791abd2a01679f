"""OpenTelemetry: one tracer provider per process, W3C trace context in and out.

Kafka is traced by hand rather than by the aiokafka instrumentation: the outbox stores
the writer's `traceparent` and the relay re-sends it, and the consumer opens a CONSUMER
span around the handler joined to that context (the instrumentation ends its span
before the handler runs, see docs/adr/0003-events-outbox-inbox.md).
"""

from __future__ import annotations

from collections.abc import Mapping

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.propagate import extract, inject
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter

_provider: TracerProvider | None = None


def setup_tracing(service_name: str, exporter: str = "none") -> TracerProvider:
    """Install the process's tracer provider once (after any fork); later calls reuse it."""
    global _provider
    if _provider is not None:
        return _provider
    current = trace.get_tracer_provider()
    if isinstance(current, TracerProvider):
        _provider = current
        return current
    provider = TracerProvider(resource=Resource.create({"service.name": service_name}))
    if exporter == "console":
        provider.add_span_processor(BatchSpanProcessor(ConsoleSpanExporter()))
    elif exporter == "otlp":
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    _provider = provider
    return provider


def add_span_processor(processor: SpanProcessor) -> None:
    """Attach a processor (for example an in-memory exporter in tests)."""
    provider = trace.get_tracer_provider()
    if isinstance(provider, TracerProvider):
        provider.add_span_processor(processor)


def tracer(name: str) -> trace.Tracer:
    return trace.get_tracer(name)


def current_traceparent() -> tuple[str | None, str | None]:
    """The W3C traceparent/tracestate of the active span, if any."""
    carrier: dict[str, str] = {}
    inject(carrier)
    return carrier.get("traceparent"), carrier.get("tracestate")


def context_from_headers(headers: Mapping[str, str]) -> otel_context.Context:
    """The remote context carried in message headers (traceparent, tracestate)."""
    return extract(dict(headers))


def current_ids() -> tuple[str | None, str | None]:
    """The active trace id and span id as lowercase hex, or None outside a span."""
    ctx = trace.get_current_span().get_span_context()
    if not ctx.is_valid:
        return None, None
    return format(ctx.trace_id, "032x"), format(ctx.span_id, "016x")
