"""OpenTelemetry: one tracer provider per process, W3C trace context in and out.

Kafka is traced by hand rather than by the aiokafka instrumentation: the outbox stores
the writer's `traceparent` and the relay re-sends it, and the consumer opens a CONSUMER
span around the handler joined to that context (the instrumentation ends its span
before the handler runs, see docs/adr/0003-events-outbox-inbox.md).

A request the sampler drops costs no tracing: `trace_requests` asks the process's
sampler first, from the request's `traceparent` (or a trace id drawn for it), and only
a request it keeps goes through OpenTelemetry's ASGI middleware and gets a SERVER
span; any other runs under a non-recording span carrying the same trace id and the
"not sampled" flag (what the SDK would have made), so the outbox and downstream
services stay out of the trace too. SQL spans (`trace_sql`) are made only inside a
span that is recording (docs/adr/0014-spans-only-for-sampled-requests.md).

No personal data in spans: `WithoutPersonalData`, the first processor of every
provider set up here, strips query strings (?postcode=, ?name=) from URL attributes and
records exceptions by type and frames only. SQLAlchemy spans carry the statement with
its placeholders, never the bound values.
"""

from __future__ import annotations

import random
import re
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextvars import ContextVar
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from fastapi.routing import iter_route_contexts
from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.instrumentation.sqlalchemy.engine import EngineTracer
from opentelemetry.metrics import get_meter
from opentelemetry.propagate import inject
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import Span, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter
from opentelemetry.sdk.trace.id_generator import RandomIdGenerator
from opentelemetry.sdk.trace.sampling import ParentBased, StaticSampler, TraceIdRatioBased
from opentelemetry.trace import (
    INVALID_TRACE_ID,
    NonRecordingSpan,
    SpanContext,
    SpanKind,
    Status,
    StatusCode,
    TraceFlags,
    TraceState,
)
from opentelemetry.util.types import Attributes
from sqlalchemy.engine import Engine
from starlette.routing import BaseRoute, Mount
from starlette.types import ASGIApp, Receive, Scope, Send

from hearth_kit.personal_data import (
    describe_exception,
    exception_type_name,
    format_exception_without_values,
)

_provider: TracerProvider | None = None

URL_ATTRIBUTES = ("http.url", "url.full", "http.target")
"""Span attributes holding a URL or request target, whose query string may hold
personal data (?postcode=SW1A 1AA, ?name=...)."""
QUERY_ATTRIBUTE = "url.query"
_SCRUBBED_KEYS = frozenset((*URL_ATTRIBUTES, QUERY_ATTRIBUTE))
"""The attributes `_without_query_value` may change: a span without any is left as it is."""
PATH_ATTRIBUTES = ("http.target", "url.path", "url.template")
"""Span attributes holding the request's path alone (no scheme or host); the gateway's
client spans put the route in `url.template`, or the path when it has no route."""
STATUS_ATTRIBUTES = frozenset(("http.status_code", "http.response.status_code"))
"""The attributes a response's status is recorded in (old and stable conventions)."""
ROUTE_ATTRIBUTE = "http.route"
_VERSION_SEGMENT = re.compile(r"v[0-9]+")
"""An API version (`v1`), kept in a refused request's path whatever routes are known."""
_route_words: frozenset[str] = frozenset()
"""The segments of the process's route templates (`v1`, `residents`, `work-orders`,
`{resident_id}`): the only segments, with a version, a refused request's path keeps
when it has no route to take its place (`add_route_words`)."""
PATH_VALUE = "{value}"
"""What a refused request's path shows in place of each value the caller put in it."""
_EXCEPTION_NAME = re.compile(
    r"^\s*(?:<class '([\w.]+)'>|([A-Za-z_][\w.]*(?:Error|Exception|Warning|Interrupt|Exit)))"
    r"(?=$|[:(>\s])"
)


def without_query(url: str) -> str:
    """The URL or target without its query string and fragment."""
    return url.split("#", 1)[0].split("?", 1)[0]


def query_names(query: str) -> str:
    """A query string with its values left out: `uprn=&name=`."""
    names = (part.split("=", 1)[0] for part in query.split("&") if part)
    return "&".join(f"{name}=" for name in names)


def route_paths(routes: Sequence[BaseRoute], prefix: str = "") -> Iterator[str]:
    """The path templates of an app's routes (`app.routes`) as FastAPI resolves them,
    through included routers and their prefixes (FastAPI keeps an included router as
    one entry of `app.routes`), a mounted app's under its mount's path."""
    for context in iter_route_contexts(routes):
        path = context.path
        if path is None:
            continue
        route = context.original_route
        if isinstance(route, Mount) and route.routes:
            yield from route_paths(route.routes, prefix + path)
        else:
            yield prefix + path


def route_words(paths: Iterable[str]) -> frozenset[str]:
    """The segments of route templates (`/v1/residents/{resident_id}` -> `v1`,
    `residents`, `{resident_id}`)."""
    return frozenset(segment for path in paths for segment in path.split("/") if segment)


def add_route_words(paths: Iterable[str]) -> None:
    """Make the segments of `paths` (route templates: `/v1/residents/{resident_id}`)
    words a refused request's path keeps. `trace_requests` adds the app's own routes;
    a process that calls other services' routes (the gateway) adds theirs too."""
    global _route_words
    words = route_words(paths)
    if not words <= _route_words:
        _route_words = _route_words | words


def path_without_values(path: str, words: frozenset[str] | None = None) -> str:
    """A path with every segment that is not one of the routes' own words (or a version,
    `v1`) shown as `{value}` (`/v1/residents/Sam%20Okafor` and `/v1/residents/okafor`
    -> `/v1/residents/{value}`). The words are the process's routes' (`add_route_words`),
    or `words` when given, not whatever looks like a word: a name typed in lowercase
    letters alone where an id goes would."""
    if words is None:
        words = _route_words
    return "/".join(
        segment
        if not segment or segment in words or _VERSION_SEGMENT.fullmatch(segment)
        else PATH_VALUE
        for segment in path.split("/")
    )


def _url_without_path_values(url: str, route: str | None) -> str:
    """A URL (or a bare path) whose path is the route's template when the server matched
    one, else the path without its values."""
    parts = urlsplit(url)
    path = route if route is not None else path_without_values(parts.path)
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def type_of_description(description: str) -> str | None:
    """An error status description reduced to the exception type it starts with
    ("ValueError: bad sam@..." and "ValueError('bad ...')" both become "ValueError"),
    or None when it does not start with one."""
    match = _EXCEPTION_NAME.match(description)
    return (match.group(1) or match.group(2)) if match else None


def _without_query_value(key: str, value: Any) -> Any:
    """The value to keep for attribute `key`: URLs without their query strings, query
    strings with their names only, anything else as it is."""
    if not isinstance(value, str):
        return value
    if key in URL_ATTRIBUTES and ("?" in value or "#" in value):
        return without_query(value)
    if key == QUERY_ATTRIBUTE and value:
        return query_names(value)
    return value


class WithoutPersonalData(SpanProcessor):
    """Keeps personal data out of every span: URL attributes lose their query strings,
    and exceptions and error statuses are recorded without their messages (which may
    quote a value the code refused).

    Attributes given when the span starts are rewritten here; for what is set or
    recorded later, the span becomes a `_SpanWithoutPersonalData` (a subclass of its
    own class, whose set_attribute(s), record_exception and set_status do the same:
    instrumentations call them on the span object, and the SDK has no later hook that
    may still change a span). Changing the span's class is one assignment, where
    wrapping each method built four closures and a reference cycle per span."""

    def on_start(self, span: Span, parent_context: otel_context.Context | None = None) -> None:
        attributes = span.attributes
        if attributes and not _SCRUBBED_KEYS.isdisjoint(attributes):  # one pass over the keys
            for key, value in attributes.items():
                kept = _without_query_value(key, value)
                if kept is not value:
                    span.set_attribute(key, kept)
        guarded = _GUARDED_CLASSES.get(type(span))
        if guarded is None:
            guarded = _GUARDED_CLASSES[type(span)] = _guarded_class(type(span))
        span.__class__ = guarded


class _SpanWithoutPersonalData(Span):
    """What a span's later calls become: the same calls without personal data."""

    _recorded_exception_type: str | None = None
    """The type of the last exception recorded on the span (a per-span attribute once
    one is recorded), which a later error status is reduced to."""

    def set_attribute(self, key: str, value: Any) -> None:
        super().set_attribute(key, _without_query_value(key, value))
        if key in STATUS_ATTRIBUTES and _refused(value):
            self._without_path_values()

    def _without_path_values(self) -> None:
        """A refused request (4xx) may be refused because of what its path holds: a name
        or a postcode typed where an id goes (`/v1/residents/Sam Okafor`, a 422), or
        a path that matches no route (404). Its URL attributes then keep the route's
        template (`/v1/residents/{resident_id}`), which the server span knows once the
        request is routed, or else the path with each segment that is not a word of the
        process's routes left out (`path_without_values`). A request answered 2xx or
        5xx was routed with its values valid (ids, codes), and keeps them: they are what
        an operator searches traces by."""
        attributes = self.attributes or {}
        route = attributes.get(ROUTE_ATTRIBUTE)
        template = route if isinstance(route, str) else None
        for key in (*URL_ATTRIBUTES, *PATH_ATTRIBUTES):
            value = attributes.get(key)
            if isinstance(value, str):
                super().set_attribute(key, _url_without_path_values(value, template))

    def set_attributes(self, attributes: Mapping[str, Any]) -> None:
        super().set_attributes(
            {key: _without_query_value(key, value) for key, value in attributes.items()}
        )
        # FastAPI's own telemetry sets the status with the route, all at once, at the end
        if any(_refused(attributes.get(key)) for key in STATUS_ATTRIBUTES):
            self._without_path_values()

    def record_exception(
        self,
        exception: BaseException,
        attributes: Attributes = None,
        timestamp: int | None = None,
        escaped: bool = False,
    ) -> None:
        event: dict[str, Any] = {
            "exception.type": exception_type_name(exception),
            "exception.message": describe_exception(exception),
            "exception.stacktrace": format_exception_without_values(exception),
            "exception.escaped": str(escaped),
        }
        event.update(attributes or {})
        self.add_event("exception", event, timestamp)
        self._recorded_exception_type = event["exception.type"]

    def set_status(self, status: Status | StatusCode, description: str | None = None) -> None:
        if isinstance(status, Status) and status.description:
            status = Status(status.status_code, self._without_message(status.description))
        elif description:
            description = self._without_message(description)
        super().set_status(status, description)

    def _without_message(self, description: str) -> str | None:
        """The type of the exception just recorded, else what the description starts
        with if that is an exception type, else nothing."""
        return self._recorded_exception_type or type_of_description(description)


def _refused(status: object) -> bool:
    """Whether a status attribute's value is a 4xx."""
    return isinstance(status, int) and 400 <= status < 500


_GUARDED_CLASSES: dict[type[Span], type[Span]] = {}


def _guarded_class(span_class: type[Span]) -> type[Span]:
    """`span_class` with `_SpanWithoutPersonalData`'s methods in front of its own (the
    SDK makes `_Span`s; a subclass of it keeps its layout, so a span can change to it)."""
    if issubclass(span_class, _SpanWithoutPersonalData):
        return span_class
    return type(
        f"{span_class.__name__}WithoutPersonalData",
        (_SpanWithoutPersonalData, span_class),
        {"__module__": __name__},
    )


_providers_without_personal_data: weakref.WeakSet[TracerProvider] = weakref.WeakSet()


def _keep_personal_data_out(provider: TracerProvider) -> None:
    if provider not in _providers_without_personal_data:
        provider.add_span_processor(WithoutPersonalData())
        _providers_without_personal_data.add(provider)


def setup_tracing(service_name: str, exporter: str = "none") -> TracerProvider:
    """Install the process's tracer provider once (after any fork); later calls reuse it."""
    global _provider
    if _provider is not None:
        return _provider
    current = trace.get_tracer_provider()
    if isinstance(current, TracerProvider):
        _keep_personal_data_out(current)
        _provider = current
        return current
    provider = TracerProvider(
        resource=Resource.create({"service.name": service_name}), id_generator=ServerTraceIds()
    )
    _keep_personal_data_out(provider)
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


_TRACEPARENT = re.compile(
    r"^[ \t]*([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?[ \t]*$"
)
"""A W3C traceparent (the pattern OpenTelemetry's propagator uses, compiled once: the
propagator looks it up by its text on every call)."""
_MAXIMUM_TRACESTATE_LENGTH = 512


def context_from_headers(headers: Mapping[str, str]) -> otel_context.Context:
    """The remote context carried in message headers (the W3C traceparent and
    tracestate the outbox stored), read as OpenTelemetry's W3C propagator reads them:
    an empty context when there is no valid traceparent."""
    traceparent = headers.get("traceparent")
    match = _TRACEPARENT.match(traceparent) if traceparent else None
    if match is None:
        return otel_context.Context()
    version, trace_id, span_id, flags, rest = match.groups()
    if version == "ff" or (version == "00" and rest) or trace_id == "0" * 32 or span_id == "0" * 16:
        return otel_context.Context()
    tracestate = headers.get("tracestate")
    span_context = trace.SpanContext(
        trace_id=int(trace_id, 16),
        span_id=int(span_id, 16),
        is_remote=True,
        trace_flags=trace.TraceFlags(int(flags, 16)),
        trace_state=(
            TraceState.from_header([tracestate])
            if tracestate and len(tracestate) <= _MAXIMUM_TRACESTATE_LENGTH
            else None
        ),
    )
    return trace.set_span_in_context(trace.NonRecordingSpan(span_context))


def current_ids() -> tuple[str | None, str | None]:
    """The active trace id and span id as lowercase hex, or None outside a span."""
    ctx = trace.get_current_span().get_span_context()
    if not ctx.is_valid:
        return None, None
    return format(ctx.trace_id, "032x"), format(ctx.span_id, "016x")


REQUEST_ID_HEADER = b"x-request-id"
REQUEST_ID_ATTRIBUTE = "hearth.request_id"
_PLAIN_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


_SERVER_SPAN = "hearth.server_span"
"""Where the server-span hook leaves the request's SERVER span in the ASGI scope, for
the response hook (which is given only the span of one `send`)."""


def request_id_on_span(span: trace.Span, scope: dict[str, Any]) -> None:
    """FastAPI's server-span hook: the request's `X-Request-ID` (the caller's, or the
    one the gateway passes on to a service) as `hearth.request_id` on the SERVER span,
    so a trace is found from the id a user or a log line quotes
    (docs/runbooks/tracing.md). Only a short plain id is kept (no personal data fits)."""
    if not span.is_recording():
        return
    scope[_SERVER_SPAN] = span
    _set_request_id(span, scope.get("headers", ()))


def request_id_of_response_on_span(
    span: trace.Span, scope: dict[str, Any], message: dict[str, Any]
) -> None:
    """FastAPI's response hook: the `X-Request-ID` the answer carries, on the SERVER
    span. The tracing middleware is the outermost, so it sees a request before the
    gateway gives it an id; the answer carries the id the gateway made."""
    server_span = scope.get(_SERVER_SPAN)
    if message.get("type") == "http.response.start" and server_span is not None:
        _set_request_id(server_span, message.get("headers", ()))


def _set_request_id(span: trace.Span, headers: Iterable[tuple[bytes, bytes]]) -> None:
    for name, value in headers:
        if name.lower() == REQUEST_ID_HEADER:
            text = value.decode("latin-1")
            if _PLAIN_REQUEST_ID.fullmatch(text):
                span.set_attribute(REQUEST_ID_ATTRIBUTE, text)
            return


# --- Spans only for the requests the sampler keeps ------------------------------------

_DRAWN_TRACE_ID: ContextVar[list[int] | None] = ContextVar("hearth_drawn_trace_id", default=None)


class ServerTraceIds(RandomIdGenerator):
    """Random ids (the SDK's), except that a trace id `trace_requests` drew to ask the
    sampler about a request with no parent is the one that request's SERVER span gets,
    once: the sampler's answer (a ratio sampler decides by the trace id) stays the one
    the span is made with."""

    def generate_trace_id(self) -> int:
        drawn = _DRAWN_TRACE_ID.get()
        if drawn:
            return drawn.pop()
        return super().generate_trace_id()


_SAMPLERS_ASKED_FIRST = (ParentBased, TraceIdRatioBased, StaticSampler)
"""Samplers whose answer depends on the parent and the trace id only (not on the span's
name or attributes), so asking them before the span is made gives the same answer."""


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            text: str = value.decode("latin-1")
            return text
    return None


def _remote_parent(scope: Scope) -> otel_context.Context | None:
    traceparent = _header(scope, b"traceparent")
    if traceparent is None:
        return None
    headers = {"traceparent": traceparent}
    if (tracestate := _header(scope, b"tracestate")) is not None:
        headers["tracestate"] = tracestate
    return context_from_headers(headers)


def _trace_id_drawn() -> int:
    trace_id = random.getrandbits(128)
    while trace_id == INVALID_TRACE_ID:
        trace_id = random.getrandbits(128)
    return trace_id


def unsampled_context(
    scope: Scope, provider: object
) -> tuple[otel_context.Context | None, list[int] | None]:
    """The sampler's answer for a request, asked before any span is made: a context
    holding a non-recording span when it drops the request, else None and, for a
    request with no parent, the trace id the SERVER span must be given."""
    if not isinstance(provider, TracerProvider):
        return None, None
    sampler = provider.sampler
    if not isinstance(sampler, _SAMPLERS_ASKED_FIRST):
        return None, None
    parent = _remote_parent(scope)
    parent_span = trace.get_current_span(parent).get_span_context() if parent else None
    drawn: list[int] | None = None
    if parent_span is not None and parent_span.is_valid:
        trace_id = parent_span.trace_id
        random_trace_id = parent_span.trace_flags.random_trace_id
    elif isinstance(provider.id_generator, ServerTraceIds):
        parent = None
        trace_id = _trace_id_drawn()
        drawn = [trace_id]
        random_trace_id = True
    else:
        return None, None  # the span's trace id could not be the one asked about
    answer = sampler.should_sample(parent, trace_id, "", SpanKind.SERVER)
    if answer.decision.is_recording():
        return None, drawn
    flags = TraceFlags.RANDOM_TRACE_ID if random_trace_id else TraceFlags.DEFAULT
    span = NonRecordingSpan(
        SpanContext(
            trace_id,
            provider.id_generator.generate_span_id(),
            is_remote=False,
            trace_flags=TraceFlags(flags),
            trace_state=answer.trace_state,
        )
    )
    return trace.set_span_in_context(span, parent), None


class SampledRequestsTraced:
    """Pure ASGI, outermost: a request the sampler keeps goes to `traced` (the app with
    OpenTelemetry's middleware), any other to `untraced` (the same app without it), in a
    context whose current span carries the trace id, not sampled."""

    def __init__(
        self,
        traced: ASGIApp,
        untraced: ASGIApp,
        provider: TracerProvider | None = None,
        untraced_paths: frozenset[str] = frozenset(),
    ) -> None:
        self.traced = traced
        self.untraced = untraced
        self.provider = provider
        self.untraced_paths = untraced_paths
        # FastAPI looks for OpenTelemetry's middleware down the `.app` chain of the
        # stack and, finding it, makes no SERVER spans of its own ("native telemetry"):
        # without it every request would get FastAPI's span as well, sampled or not.
        self.app = traced

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.traced(scope, receive, send)
            return
        if scope["path"] in self.untraced_paths:
            await self.untraced(scope, receive, send)  # probes and scrapes: never traced
            return
        provider = self.provider or trace.get_tracer_provider()
        unsampled, drawn = unsampled_context(scope, provider)
        if unsampled is None:
            reset = _DRAWN_TRACE_ID.set(drawn) if drawn else None
            try:
                await self.traced(scope, receive, send)
            finally:
                if reset is not None:
                    _DRAWN_TRACE_ID.reset(reset)
            return
        token = otel_context.attach(unsampled)
        try:
            await self.untraced(scope, receive, send)
        finally:
            otel_context.detach(token)


def trace_requests(
    app: Any,
    instrument: Callable[[], None],
    *,
    tracer_provider: TracerProvider | None = None,
    untraced_paths: Iterable[str] = (),
) -> None:
    """Make `app` (a Starlette or FastAPI app) trace only the requests the sampler keeps.
    `instrument` instruments the app (FastAPIInstrumentor.instrument_app with the
    process's hooks), which wraps the app's middleware stack; the stack built without
    it serves the requests the sampler drops, and those to `untraced_paths` (probes,
    scrapes) without asking it.

    The app's routes are in place when its stack is built (as it starts): their words
    are then the ones a refused request's path keeps (`add_route_words`)."""
    never = frozenset(untraced_paths)
    untraced: Callable[[], ASGIApp] = app.build_middleware_stack
    instrument()
    traced: Callable[[], ASGIApp] = app.build_middleware_stack

    def build_middleware_stack() -> ASGIApp:
        add_route_words(route_paths(app.routes))
        return SampledRequestsTraced(traced(), untraced(), tracer_provider, never)

    vars(app)["build_middleware_stack"] = build_middleware_stack


class _SqlSpansInRecordedSpans(EngineTracer):
    """OpenTelemetry's SQLAlchemy spans, made only when the current span is recording
    (a sampled request, event or job): elsewhere a statement costs no span at all,
    where the instrumentation would still make a non-recording one and work out its
    name and attributes."""

    def _before_cur_exec(
        self, conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool
    ) -> tuple[str, Any]:
        if not trace.get_current_span().is_recording():
            return statement, params
        answer: tuple[str, Any] = super()._before_cur_exec(
            conn, cursor, statement, params, context, many
        )
        return answer


def trace_sql(engine: Engine, tracer_provider: TracerProvider | None = None) -> None:
    """Spans for `engine`'s statements (their SQL with placeholders, never values),
    inside recording spans only. One engine; nothing is patched globally."""
    from opentelemetry.instrumentation.sqlalchemy.version import __version__

    tracer = trace.get_tracer(
        "opentelemetry.instrumentation.sqlalchemy", __version__, tracer_provider
    )
    connections = get_meter(
        "opentelemetry.instrumentation.sqlalchemy", __version__
    ).create_up_down_counter(
        name="db.client.connections.usage",
        unit="connections",
        description="Connections in the state the state attribute names.",
    )
    _SqlSpansInRecordedSpans(tracer, engine, connections)
