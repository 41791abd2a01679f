"""Spans carry no personal data: no query strings, no bound values, no exception messages.

Each test traces through its own TracerProvider with the kit's WithoutPersonalData
processor first, as setup_tracing installs it, and an in-memory exporter after it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
from opentelemetry.instrumentation.sqlalchemy.engine import EngineTracer
from opentelemetry.metrics import get_meter
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF, ALWAYS_ON, ParentBased, TraceIdRatioBased
from opentelemetry.trace import SpanKind, StatusCode
from sqlalchemy import Column, Integer, MetaData, String, Table, insert, select

from hearth_kit.db import Database
from hearth_kit.problems import install_problem_handlers
from hearth_kit.tracing import (
    ServerTraceIds,
    WithoutPersonalData,
    add_route_words,
    current_traceparent,
    path_without_values,
    query_names,
    route_paths,
    route_words,
    setup_tracing,
    trace_requests,
    trace_sql,
    type_of_description,
    without_query,
)
from tests.harness.infra import DatabaseFactory

POSTCODE = "SW1A 1AA"
NAME = "Sam Okafor"
PHONE = "07700 900123"
PERSONAL = (POSTCODE, "SW1A", NAME, "Okafor", PHONE, "900123")


@pytest.fixture
def provider() -> Iterator[tuple[TracerProvider, InMemorySpanExporter]]:
    provider = TracerProvider()
    provider.add_span_processor(WithoutPersonalData())
    exporter = InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    yield provider, exporter
    provider.shutdown()


def everything_in(span: ReadableSpan) -> str:
    """Every text a span would export: name, attributes, events and status."""
    texts: list[Any] = [span.name, span.status.description]
    texts.extend(f"{key}={value!s}" for key, value in (span.attributes or {}).items())
    for event in span.events:
        texts.append(event.name)
        texts.extend(f"{key}={value!s}" for key, value in (event.attributes or {}).items())
    return "\n".join(str(text) for text in texts)


def assert_no_personal_data(spans: tuple[ReadableSpan, ...]) -> None:
    assert spans
    for span in spans:
        exported = everything_in(span)
        for value in PERSONAL:
            assert value not in exported, f"{value!r} in span {span.name}:\n{exported}"
        assert "SW1A+1AA" not in exported
        assert "SW1A%201AA" not in exported


def is_server(span: ReadableSpan) -> bool:
    """The ASGI span of the request (INTERNAL rather than SERVER here: the client's
    span is current in the same process, so the server span is its child)."""
    return "http.route" in (span.attributes or {}) and span.kind is not SpanKind.CLIENT


def residents_app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/residents")
    async def find_residents(postcode: str, name: str) -> dict[str, list[str]]:
        return {"items": []}

    @app.post("/residents/{resident_id}/calls")
    async def call_resident(resident_id: int, phone: str) -> dict[str, str]:
        raise ValueError(f"cannot call {NAME} on {phone}")

    return app


@pytest.fixture
async def traced_client(
    provider: tuple[TracerProvider, InMemorySpanExporter],
) -> AsyncIterator[httpx.AsyncClient]:
    tracer_provider, _ = provider
    app = residents_app()
    add_route_words(route_paths(app.routes))  # as trace_requests does when the app starts
    FastAPIInstrumentor.instrument_app(app, tracer_provider=tracer_provider)
    transport = httpx.ASGITransport(app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://hearth") as client:
        HTTPXClientInstrumentor.instrument_client(client, tracer_provider=tracer_provider)
        yield client
    FastAPIInstrumentor.uninstrument_app(app)


async def test_server_and_client_spans_carry_no_query_values(
    traced_client: httpx.AsyncClient, provider: tuple[TracerProvider, InMemorySpanExporter]
) -> None:
    _, exporter = provider
    response = await traced_client.get("/residents", params={"postcode": POSTCODE, "name": NAME})
    assert response.status_code == 200
    spans = exporter.get_finished_spans()
    assert_no_personal_data(spans)
    assert {span.kind for span in spans} >= {SpanKind.CLIENT}
    assert [server.name for server in spans if is_server(server)] == ["GET /residents"]
    for span in spans:
        attributes = span.attributes or {}
        for key in ("http.url", "url.full", "http.target"):
            if key in attributes:
                assert "?" not in str(attributes[key])
                assert str(attributes[key]).endswith("/residents")
        if "url.query" in attributes:
            assert attributes["url.query"] == "postcode=&name="


async def test_an_exception_is_recorded_by_type_and_frames_without_its_message(
    traced_client: httpx.AsyncClient, provider: tuple[TracerProvider, InMemorySpanExporter]
) -> None:
    _, exporter = provider
    response = await traced_client.post("/residents/7/calls", params={"phone": PHONE})
    assert response.status_code == 500
    spans = exporter.get_finished_spans()
    assert_no_personal_data(spans)
    [server] = [span for span in spans if is_server(span)]
    assert server.status.status_code is StatusCode.ERROR
    assert server.status.description in (None, "ValueError")
    [event] = [event for event in server.events if event.name == "exception"]
    attributes = event.attributes or {}
    assert attributes["exception.type"] == "ValueError"
    assert attributes["exception.message"] == "ValueError"
    stacktrace = str(attributes["exception.stacktrace"])
    assert "in call_resident" in stacktrace  # the frames are kept
    assert stacktrace.rstrip().endswith("ValueError")


@pytest.mark.parametrize("typed", [NAME, "okafor"])
async def test_a_refused_path_keeps_its_route_not_the_value_typed_into_it(
    traced_client: httpx.AsyncClient,
    provider: tuple[TracerProvider, InMemorySpanExporter],
    typed: str,
) -> None:
    """A name typed where an id goes is refused (422): the server span's URL shows the
    route's template, the client's the path without its values, a name in lowercase
    letters alone (which reads like a word) as well."""
    _, exporter = provider
    response = await traced_client.post(f"/residents/{typed}/calls", params={"phone": PHONE})
    assert response.status_code == 422
    spans = exporter.get_finished_spans()
    assert_no_personal_data(spans)
    [server] = [span for span in spans if is_server(span)]
    assert (server.attributes or {})["http.target"] == "/residents/{resident_id}/calls"
    [client] = [span for span in spans if span.kind is SpanKind.CLIENT]
    assert (client.attributes or {})["http.url"] == "http://hearth/residents/{value}/calls"


@pytest.mark.parametrize(
    ("path", "kept"),
    [
        (f"/residents/{NAME}/{POSTCODE}", "/residents/{value}/{value}"),
        ("/residents/okafor/sam", "/residents/{value}/{value}"),
        ("/resident-search/okafor", "/{value}/{value}"),  # a word, but no route's
    ],
)
async def test_a_path_no_route_matches_keeps_the_routes_words_only(
    traced_client: httpx.AsyncClient,
    provider: tuple[TracerProvider, InMemorySpanExporter],
    path: str,
    kept: str,
) -> None:
    _, exporter = provider
    response = await traced_client.get(path)
    assert response.status_code == 404
    spans = exporter.get_finished_spans()
    assert_no_personal_data(spans)
    for span in spans:
        assert "okafor" not in everything_in(span)
        assert "resident-search" not in everything_in(span)
    targets = {(span.attributes or {}).get("http.target") for span in spans}
    assert kept in targets


async def test_a_path_answered_keeps_its_ids_for_searching_traces(
    provider: tuple[TracerProvider, InMemorySpanExporter],
) -> None:
    """Only a refused request loses its path's values: the ids of one answered (or one
    that failed, 5xx) are how an operator finds its trace."""
    tracer_provider, exporter = provider
    app = residents_app()

    @app.get("/residents/{resident_id}")
    async def one_resident(resident_id: int) -> dict[str, int]:
        return {"id": resident_id}

    FastAPIInstrumentor.instrument_app(app, tracer_provider=tracer_provider)
    transport = httpx.ASGITransport(app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://hearth") as client:
        assert (await client.get("/residents/7")).status_code == 200
        assert (await client.post("/residents/8/calls", params={"phone": "1"})).status_code == 500
    FastAPIInstrumentor.uninstrument_app(app)
    targets = {(s.attributes or {}).get("http.target") for s in exporter.get_finished_spans()}
    assert {"/residents/7", "/residents/8/calls"} <= targets


ROUTE_WORDS = route_words(
    (
        "/v1/residents/{resident_id}",
        "/v1/homes/{uprn}/overview",
        "/v1/work-orders/{work_order_id}/status-updates",
    )
)


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/v1/residents/Sam%20Okafor", "/v1/residents/{value}"),
        ("/v1/residents/okafor", "/v1/residents/{value}"),
        ("/v1/homes/100023336956/overview", "/v1/homes/{value}/overview"),
        ("/v1/homes/sam/overview", "/v1/homes/{value}/overview"),
        (
            "/v1/work-orders/{work_order_id}/status-updates",
            "/v1/work-orders/{work_order_id}/status-updates",
        ),
        ("/v2/residents/{okafor}", "/v2/residents/{value}"),
        ("/v1/resident-search/sam-okafor", "/v1/{value}/{value}"),
        ("/v1/residents/a@b.example/", "/v1/residents/{value}/"),
        ("/", "/"),
    ],
)
def test_a_path_keeps_only_its_routes_words_and_version(path: str, expected: str) -> None:
    assert path_without_values(path, ROUTE_WORDS) == expected


metadata = MetaData()
contacts = Table(
    "traced_contact",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("full_name", String(200), nullable=False),
    Column("phone", String(32), nullable=False),
)


@pytest.fixture(params=["configured", "sqlite"])
async def database(
    request: pytest.FixtureRequest,
    databases: DatabaseFactory,
    tmp_path: Any,
) -> AsyncIterator[Database]:
    if request.param == "configured":
        url = await databases.create("kit_tracing")
    else:
        url = f"sqlite+aiosqlite:///{tmp_path / 'tracing.db'}"
    db = Database(url)
    async with db.engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    yield db
    await db.dispose()


async def test_database_spans_carry_the_statement_with_placeholders_only(
    database: Database, provider: tuple[TracerProvider, InMemorySpanExporter]
) -> None:
    tracer_provider, exporter = provider
    connections = get_meter("kit-tests").create_up_down_counter("connections")
    EngineTracer(tracer_provider.get_tracer("kit-tests"), database.engine.sync_engine, connections)
    async with database.sessionmaker() as session, session.begin():
        await session.execute(insert(contacts).values(full_name=NAME, phone=PHONE))
        await session.execute(select(contacts.c.id).where(contacts.c.phone == PHONE))
    spans = [span for span in exporter.get_finished_spans() if span.attributes]
    statements = [
        str(
            (span.attributes or {}).get("db.statement")
            or (span.attributes or {}).get("db.query.text")
        )
        for span in spans
    ]
    assert any(statement.startswith("INSERT INTO traced_contact") for statement in statements)
    assert all(("$1" in s or "?" in s) for s in statements if "traced_contact" in s)
    assert_no_personal_data(tuple(spans))


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://engagement/v1/residents?postcode=SW1A%201AA", "http://engagement/v1/residents"),
        ("/v1/residents?name=Sam#top", "/v1/residents"),
        ("/v1/residents", "/v1/residents"),
    ],
)
def test_a_url_loses_its_query_and_fragment(url: str, expected: str) -> None:
    assert without_query(url) == expected


def test_a_query_keeps_its_names_only() -> None:
    assert query_names("postcode=SW1A+1AA&name=Sam&limit=") == "postcode=&name=&limit="


@pytest.mark.parametrize(
    ("description", "expected"),
    [
        ("ValueError: cannot call Sam Okafor", "ValueError"),
        ("ValueError('cannot call Sam Okafor')", "ValueError"),
        (
            "<class 'asyncpg.exceptions.UniqueViolationError'>: duplicate key",
            "asyncpg.exceptions.UniqueViolationError",
        ),
        ("sam@example.org was refused", None),
        ("Sam: no phone number", None),
        ("'Sam Okafor' was refused", None),
    ],
)
def test_a_status_description_keeps_the_exception_type_only(
    description: str, expected: str | None
) -> None:
    assert type_of_description(description) == expected


def test_setup_tracing_puts_the_processor_on_the_process_provider() -> None:
    provider = setup_tracing("hearth-kit-tests")
    tracer = provider.get_tracer("kit-tests")
    with tracer.start_as_current_span(
        "call", attributes={"url.full": f"http://engagement/v1/residents?name={NAME}"}
    ) as span:
        span.set_attribute("http.url", f"http://engagement/v1/residents?phone={PHONE}")
        span.set_attributes({"url.query": f"name={NAME}", "http.target": "/v1/residents?x=1"})
        assert isinstance(span, ReadableSpan)  # the SDK's span, which can be read
        assert dict(span.attributes or {}) == {
            "url.full": "http://engagement/v1/residents",
            "http.url": "http://engagement/v1/residents",
            "url.query": "name=",
            "http.target": "/v1/residents",
        }


def test_a_status_set_with_other_attributes_leaves_the_paths_values_out_too(
    provider: tuple[TracerProvider, InMemorySpanExporter],
) -> None:
    """FastAPI's own telemetry sets a request's status with its route, in one
    set_attributes call as the request ends: a 4xx loses its path's values as with
    set_attribute, and an answered request keeps its ids."""
    tracer_provider, exporter = provider
    tracer = tracer_provider.get_tracer("kit-tests")
    route = "/v1/residents/{resident_id}"
    add_route_words((route,))
    requests: list[tuple[str, dict[str, str | int]]] = [
        ("/v1/residents/okafor", {"http.route": route, "http.response.status_code": 404}),
        ("/v1/residents/okafor/sam", {"http.response.status_code": 404}),
        ("/v1/residents/7", {"http.route": route, "http.response.status_code": 200}),
    ]
    for path, ended in requests:
        with tracer.start_as_current_span("GET", attributes={"url.path": path}) as span:
            span.set_attributes(ended)
    paths = [(span.attributes or {})["url.path"] for span in exporter.get_finished_spans()]
    assert paths == [
        "/v1/residents/{resident_id}",
        "/v1/residents/{value}/{value}",
        "/v1/residents/7",
    ]


# --- Spans only for what the sampler keeps ---------------------------------------------

PARENT_TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"


def sampled_app(tracer_provider: TracerProvider) -> FastAPI:
    """An app traced as add_process_defaults traces one, whose endpoint answers the
    traceparent it runs under (what the outbox would store)."""
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/homes/{uprn}")
    async def home(uprn: str) -> dict[str, str | None]:
        traceparent, _ = current_traceparent()
        return {"traceparent": traceparent}

    @app.get("/healthz")
    async def healthz() -> dict[str, str | None]:
        traceparent, _ = current_traceparent()
        return {"traceparent": traceparent}

    trace_requests(
        app,
        lambda: FastAPIInstrumentor.instrument_app(app, tracer_provider=tracer_provider),
        tracer_provider=tracer_provider,
        untraced_paths=("/healthz",),
    )
    return app


def provider_sampling(sampler: Any) -> tuple[TracerProvider, InMemorySpanExporter]:
    provider = TracerProvider(sampler=sampler, id_generator=ServerTraceIds())
    provider.add_span_processor(WithoutPersonalData())
    exporter = InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return provider, exporter


async def get_traceparents(app: FastAPI, count: int, traceparent: str | None = None) -> list[str]:
    headers = {"traceparent": traceparent} if traceparent else {}
    transport = httpx.ASGITransport(app)
    async with httpx.AsyncClient(transport=transport, base_url="http://hearth") as client:
        answers = [await client.get("/homes/1", headers=headers) for _ in range(count)]
    assert {answer.status_code for answer in answers} == {200}
    return [str(answer.json()["traceparent"]) for answer in answers]


async def test_a_request_whose_parent_is_not_sampled_makes_no_span_and_stays_out() -> None:
    provider, exporter = provider_sampling(ParentBased(ALWAYS_ON))
    [seen] = await get_traceparents(
        sampled_app(provider), 1, f"00-{PARENT_TRACE_ID}-00f067aa0ba902b7-00"
    )
    assert exporter.get_finished_spans() == ()
    version, trace_id, _span_id, flags = seen.split("-")
    assert (version, trace_id) == ("00", PARENT_TRACE_ID)
    assert not int(flags, 16) & 0x01  # the outbox and downstream see "not sampled"


async def test_a_request_whose_parent_is_sampled_gets_its_server_span() -> None:
    provider, exporter = provider_sampling(ParentBased(ALWAYS_OFF))
    [seen] = await get_traceparents(
        sampled_app(provider), 1, f"00-{PARENT_TRACE_ID}-00f067aa0ba902b7-01"
    )
    [server] = [span for span in exporter.get_finished_spans() if span.kind is SpanKind.SERVER]
    assert server.name == "GET /homes/{uprn}"
    assert server.context is not None
    assert format(server.context.trace_id, "032x") == PARENT_TRACE_ID
    assert seen.split("-")[1] == PARENT_TRACE_ID
    assert int(seen.split("-")[3], 16) & 0x01


async def test_a_request_with_no_parent_is_sampled_once_by_its_own_trace_id() -> None:
    """The sampler is asked before any span is made, with a trace id drawn for the
    request; a request it keeps gets a SERVER span with that very trace id (the ratio
    is not applied twice), one it drops gets none."""
    ratio = TraceIdRatioBased(0.5)
    provider, exporter = provider_sampling(ParentBased(ratio))
    seen = await get_traceparents(sampled_app(provider), 40)
    servers = [span for span in exporter.get_finished_spans() if span.kind is SpanKind.SERVER]
    sampled = {
        trace_id for _, trace_id, _, flags in (t.split("-") for t in seen) if int(flags, 16) & 1
    }
    assert {format(span.context.trace_id, "032x") for span in servers if span.context} == sampled
    assert len(servers) == len(sampled)
    assert 0 < len(sampled) < 40
    for traceparent in seen:
        trace_id, flags = traceparent.split("-")[1], int(traceparent.split("-")[3], 16)
        kept = ratio.should_sample(None, int(trace_id, 16), "").decision.is_sampled()
        assert kept == bool(flags & 0x01)


async def test_sql_spans_are_made_only_inside_a_recording_span(
    database: Database,
) -> None:
    provider, exporter = provider_sampling(ParentBased(ALWAYS_ON))
    trace_sql(database.engine.sync_engine, provider)
    async with database.engine.connect() as connection:
        await connection.execute(select(contacts.c.id).where(contacts.c.phone == PHONE))
        assert exporter.get_finished_spans() == ()  # no span is current: none made
        with provider.get_tracer("kit-tests").start_as_current_span("job"):
            await connection.execute(select(contacts.c.id).where(contacts.c.phone == PHONE))
    [job] = [span for span in exporter.get_finished_spans() if span.name == "job"]
    [sql] = [span for span in exporter.get_finished_spans() if span.kind is SpanKind.CLIENT]
    assert sql.parent is not None
    assert job.context is not None
    assert sql.parent.span_id == job.context.span_id
    statement = str((sql.attributes or {}).get("db.statement"))
    assert "traced_contact" in statement
    assert "$1" in statement or "?" in statement
    assert_no_personal_data((sql,))


async def test_a_probe_is_never_traced_even_when_every_request_is() -> None:
    provider, exporter = provider_sampling(ParentBased(ALWAYS_ON))
    transport = httpx.ASGITransport(sampled_app(provider))
    async with httpx.AsyncClient(transport=transport, base_url="http://hearth") as client:
        probe = await client.get("/healthz")
    assert probe.status_code == 200
    assert probe.json()["traceparent"] is None
    assert exporter.get_finished_spans() == ()


async def test_an_app_traced_keeps_its_own_route_words_in_a_path_no_route_matches() -> None:
    """trace_requests makes the app's routes' words the ones a refused path keeps, as
    the app starts (its routes are all in place then): a value where an id goes,
    lowercase or not, becomes {value}, and so does a word no route has."""
    provider, exporter = provider_sampling(ParentBased(ALWAYS_ON))
    app = FastAPI()

    @app.get("/v1/boiler-readings/{reading_id}")
    async def reading(reading_id: str) -> dict[str, str]:
        return {"id": reading_id}

    trace_requests(
        app,
        lambda: FastAPIInstrumentor.instrument_app(app, tracer_provider=provider),
        tracer_provider=provider,
    )
    transport = httpx.ASGITransport(app)
    async with httpx.AsyncClient(transport=transport, base_url="http://hearth") as client:
        assert (await client.get("/v1/boiler-readings/okafor/sam")).status_code == 404
        assert (await client.get("/v1/boiler-reading/okafor")).status_code == 404
    targets = [(span.attributes or {}).get("http.target") for span in exporter.get_finished_spans()]
    assert "/v1/boiler-readings/{value}/{value}" in targets
    assert "/v1/{value}/{value}" in targets
    assert not any("okafor" in str(target) or "sam" in str(target) for target in targets)
