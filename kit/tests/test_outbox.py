"""The transactional outbox and its relay, on a real broker and a real database: every
committed event is sent once, in order per key, with its CloudEvents attributes and the
writer's trace; a rolled-back event is never sent; a commit wakes the relay."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import UTC, datetime
from typing import Any, ClassVar

import pytest
from aiokafka import ConsumerRecord
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from opentelemetry import trace
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from pydantic_settings import SettingsConfigDict
from sqlalchemy import func, insert, select, update

from hearth_contracts import Envelope, Event, events_topic, parse_message
from hearth_contracts.events.visits import Trade, VisitCompleted, VisitFoundRepair
from hearth_kit.db import Database
from hearth_kit.outbox import OutboxRelay, publish
from hearth_kit.settings import ServiceSettings
from hearth_kit.tables import kit_metadata, outbox_message
from hearth_kit.tracing import add_span_processor, setup_tracing
from tests.harness.events import eventually, visit_completed
from tests.harness.infra import DatabaseFactory, free_port

TopicReader = Callable[[str], Awaitable[list[ConsumerRecord[Any, Any]]]]
"""The `read_topic` fixture: every message on a topic, from the beginning to its end."""


class VisitsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="HEARTH_KIT_TEST_VISITS_", extra="ignore")
    service_name: ClassVar[str] = "visits"


@pytest.fixture(scope="module")
def settings(kafka: str) -> VisitsSettings:
    return VisitsSettings(
        kafka_bootstrap_servers=kafka,
        kafka_namespace=f"t{uuid.uuid4().hex[:10]}",
        outbox_batch_size=7,  # several batches per test: order must hold across them
        kafka_request_timeout_ms=5000,
    )


@pytest.fixture(scope="module")
def topic(settings: VisitsSettings) -> str:
    return events_topic("visits", settings.kafka_namespace)


@pytest.fixture(scope="module")
def spans() -> Iterator[InMemorySpanExporter]:
    setup_tracing("hearth-kit-tests")
    exporter = InMemorySpanExporter()
    add_span_processor(SimpleSpanProcessor(exporter))
    yield exporter
    exporter.shutdown()  # the processor stays on the process's provider; this silences it


@pytest.fixture(scope="module")
async def relay(settings: VisitsSettings, kit_database: Database) -> AsyncIterator[OutboxRelay]:
    relay = OutboxRelay(settings, kit_database)
    yield relay
    await relay.stop()


async def relay_everything(relay: OutboxRelay) -> int:
    """Run the relay's batches until the outbox is empty; how many events it sent."""
    producer = await relay._ensure_producer()
    sent = 0
    while batch := await relay.publish_pending(producer):
        sent += batch
    return sent


def a_uprn() -> str:
    return str(uuid.uuid4().int % 10**12)


async def outbox_rows(db: Database, *uprns: str) -> list[Any]:
    async with db.sessionmaker() as session:
        result = await session.execute(
            select(outbox_message)
            .where(outbox_message.c.message_key.in_(uprns))
            .order_by(outbox_message.c.id)
        )
        return list(result.mappings())


def headers_of(record: ConsumerRecord[Any, Any]) -> dict[str, str]:
    return {k: v.decode() for k, v in record.headers}


async def test_every_committed_event_is_sent_once_in_publish_order_per_key(
    read_topic: TopicReader,
    topic: str,
    relay: OutboxRelay,
    kit_database: Database,
    spans: InMemorySpanExporter,
) -> None:
    first_home, second_home = a_uprn(), a_uprn()
    transactions = [
        [first_home, second_home, first_home],
        [second_home, second_home, first_home, first_home, second_home],
        [first_home, second_home, first_home, first_home, second_home, first_home, second_home],
    ]
    published: list[
        tuple[Envelope[VisitCompleted], str]
    ] = []  # each envelope and its request's trace
    for number, keys in enumerate(transactions):
        with trace.get_tracer(__name__).start_as_current_span(f"POST /v1/visits {number}") as span:
            context = span.get_span_context()
            traceparent = (
                f"00-{context.trace_id:032x}-{context.span_id:016x}-{context.trace_flags:02x}"
            )
            async with kit_database.sessionmaker() as session, session.begin():
                for uprn in keys:
                    published.append(
                        (await publish(session, visit_completed(uprn).data), traceparent)
                    )

    assert await relay_everything(relay) == len(published)

    records = [
        r for r in await read_topic(topic) if r.key in {first_home.encode(), second_home.encode()}
    ]
    sent_ids = [headers_of(r)["ce_id"] for r in records]
    assert sorted(sent_ids) == sorted(str(envelope.id) for envelope, _ in published)
    order_sent: dict[bytes, list[str]] = defaultdict(list)
    for record in sorted(records, key=lambda r: r.offset):
        order_sent[record.key].append(headers_of(record)["ce_id"])
    order_published: dict[bytes, list[str]] = defaultdict(list)
    for envelope, _ in published:
        order_published[envelope.key.encode()].append(str(envelope.id))
    assert order_sent == order_published

    by_id = {headers_of(r)["ce_id"]: r for r in records}
    for envelope, traceparent in published:
        record = by_id[str(envelope.id)]
        headers = headers_of(record)
        assert headers["ce_specversion"] == "1.0"
        assert headers["ce_type"] == VisitCompleted.type
        assert headers["ce_source"] == "/hearth/visits"
        assert headers["ce_subject"] == str(envelope.data.visit_id)
        assert headers["ce_time"] == envelope.time.isoformat()
        assert headers["ce_dataschema"] == f"urn:hearth:schema:{VisitCompleted.type}"
        assert headers["content-type"] == "application/json"
        assert headers["traceparent"] == traceparent
        assert record.value == envelope.value()
        assert parse_message(record.headers, record.value).data == envelope.data

    # Each row is deleted once the broker has acknowledged it: the outbox keeps nothing
    # it has published (docs/adr/0020-relay-deletes-acknowledged-rows.md).
    assert await outbox_rows(kit_database, first_home, second_home) == []

    producer_spans = {
        span.attributes["messaging.message.id"]: span
        for span in spans.get_finished_spans()
        if span.kind is trace.SpanKind.PRODUCER and span.attributes
    }
    for envelope, traceparent in published:
        producer_span = producer_spans[str(envelope.id)]
        assert producer_span.name == f"{topic} publish"
        assert producer_span.parent is not None
        parent = f"00-{producer_span.parent.trace_id:032x}-{producer_span.parent.span_id:016x}-"
        assert traceparent.startswith(parent)  # a child of the request that wrote the event


async def test_an_event_from_an_unsampled_trace_is_sent_with_its_traceparent_but_no_span(
    read_topic: TopicReader,
    topic: str,
    relay: OutboxRelay,
    kit_database: Database,
    spans: InMemorySpanExporter,
) -> None:
    unsampled = trace.NonRecordingSpan(
        trace.SpanContext(
            trace_id=0x4BF92F3577B34DA6A3CE929D0E0E4736,
            span_id=0x00F067AA0BA902B7,
            is_remote=False,
            trace_flags=trace.TraceFlags(trace.TraceFlags.DEFAULT),
        )
    )
    uprn = a_uprn()
    with trace.use_span(unsampled):
        envelope = await publish_one(kit_database, uprn)
    assert envelope.traceparent == "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00"

    assert await relay_everything(relay) == 1

    [record] = [r for r in await read_topic(topic) if r.key == uprn.encode()]
    assert headers_of(record)["traceparent"] == envelope.traceparent
    assert not [
        span
        for span in spans.get_finished_spans()
        if span.attributes and span.attributes.get("messaging.message.id") == str(envelope.id)
    ]


async def test_an_event_in_a_rolled_back_transaction_is_never_stored_nor_sent(
    read_topic: TopicReader, topic: str, relay: OutboxRelay, kit_database: Database
) -> None:
    uprn = a_uprn()

    async def publish_then_fail() -> None:
        async with kit_database.sessionmaker() as session, session.begin():
            await publish(session, visit_completed(uprn).data)
            raise RuntimeError("the visit report failed to save")

    with pytest.raises(RuntimeError, match="report failed"):
        await publish_then_fail()

    assert await outbox_rows(kit_database, uprn) == []
    assert await relay_everything(relay) == 0
    assert [r for r in await read_topic(topic) if r.key == uprn.encode()] == []


async def test_a_row_an_earlier_relay_marked_published_is_history_never_sent_again(
    read_topic: TopicReader, topic: str, relay: OutboxRelay, kit_database: Database
) -> None:
    """Before ADR 0020 the relay kept a published row with `published_at` set (and a
    replica still running that relay does so during a rolling deploy): the deleting
    relay leaves such a row alone and sends the key's later rows."""
    uprn = a_uprn()
    marked = await publish_one(kit_database, uprn)
    async with kit_database.sessionmaker() as session, session.begin():
        await session.execute(
            update(outbox_message)
            .where(outbox_message.c.event_id == marked.id)
            .values(published_at=datetime.now(UTC), attempts=1)
        )
    later = await publish_one(kit_database, uprn)

    assert await relay_everything(relay) == 1

    sent = [headers_of(r)["ce_id"] for r in await read_topic(topic) if r.key == uprn.encode()]
    assert sent == [str(later.id)]
    [history] = await outbox_rows(kit_database, uprn)
    assert history["event_id"] == marked.id
    assert history["published_at"] is not None


async def test_a_row_written_with_json_headers_is_sent_with_them_and_its_span(
    read_topic: TopicReader,
    topic: str,
    relay: OutboxRelay,
    kit_database: Database,
    spans: InMemorySpanExporter,
) -> None:
    """Before kit tables v3 (ADR 0023) `publish` kept the headers as JSON, and an older
    replica does so during a rolling deploy: the relay encodes such a row's headers
    itself, and a sampled one still gets its PRODUCER span, beside a row of today."""
    uprn = a_uprn()
    traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    older = Envelope(data=visit_completed(uprn).data, traceparent=traceparent)
    async with kit_database.sessionmaker() as session, session.begin():
        await session.execute(
            insert(outbox_message).values(
                event_id=older.id,
                event_type=older.type,
                topic=events_topic("visits"),
                message_key=older.key,
                headers={name: value.decode() for name, value in older.headers()},
                payload=older.value(),
                created_at=older.time,
            )
        )
    today = await publish_one(kit_database, uprn)

    assert await relay_everything(relay) == 2

    records = [r for r in await read_topic(topic) if r.key == uprn.encode()]
    assert [headers_of(r)["ce_id"] for r in records] == [str(older.id), str(today.id)]
    assert dict(records[0].headers) == dict(older.headers())
    assert parse_message(records[0].headers, records[0].value).data == older.data
    [span] = [
        span
        for span in spans.get_finished_spans()
        if span.attributes and span.attributes.get("messaging.message.id") == str(older.id)
    ]
    assert span.parent is not None
    assert f"{span.parent.span_id:016x}" == "b7ad6b7169203331"


async def published(db: Database, envelope: Envelope[Event]) -> bool:
    """Whether the relay has published the event: its row is gone from the outbox."""
    async with db.sessionmaker() as session:
        return not await session.scalar(
            select(func.count()).where(outbox_message.c.event_id == envelope.id)
        )


async def publish_one(db: Database, uprn: str) -> Envelope[VisitCompleted]:
    async with db.sessionmaker() as session, session.begin():
        return await publish(session, visit_completed(uprn).data)


async def test_a_commit_wakes_the_relay_well_before_its_poll_interval(
    read_topic: TopicReader, topic: str, settings: VisitsSettings, kit_database: Database
) -> None:
    slow_polling = settings.model_copy(update={"outbox_poll_interval_seconds": 30.0})
    relay = OutboxRelay(slow_polling, kit_database)
    task = asyncio.create_task(relay.run())
    try:
        uprn = a_uprn()
        first = await publish_one(kit_database, uprn)
        await eventually(lambda: published(kit_database, first), timeout=20)
        await asyncio.sleep(0.5)  # the relay is now asleep for up to 30 s

        committed = time.monotonic()
        second = await publish_one(kit_database, uprn)
        await eventually(lambda: published(kit_database, second), timeout=5, interval=0.05)
        assert time.monotonic() - committed < 5
    finally:
        await relay.stop()
        await asyncio.wait_for(task, timeout=5)  # stopping wakes and ends the relay

    sent = [headers_of(r)["ce_id"] for r in await read_topic(topic) if r.key == uprn.encode()]
    assert sent == [str(first.id), str(second.id)]


async def test_events_wait_in_the_outbox_while_kafka_is_unreachable_and_none_are_lost(
    read_topic: TopicReader,
    topic: str,
    settings: VisitsSettings,
    relay: OutboxRelay,
    kit_database: Database,
) -> None:
    unreachable = settings.model_copy(
        update={"kafka_bootstrap_servers": f"127.0.0.1:{free_port()}"}
    )
    cut_off = OutboxRelay(unreachable, kit_database)
    task = asyncio.create_task(cut_off.run())
    try:
        uprn = a_uprn()
        waiting = [await publish_one(kit_database, uprn) for _ in range(3)]
        await asyncio.sleep(1.5)
        rows = await outbox_rows(kit_database, uprn)
        assert [row["event_id"] for row in rows] == [envelope.id for envelope in waiting]
        assert all(row["published_at"] is None for row in rows)
    finally:
        await cut_off.stop()
        task.cancel()  # it may be in a back-off sleep, which stopping does not cut short
        with contextlib.suppress(asyncio.CancelledError):
            await task

    assert await relay_everything(relay) == 3
    sent = [headers_of(r)["ce_id"] for r in await read_topic(topic) if r.key == uprn.encode()]
    assert sent == [str(envelope.id) for envelope in waiting]


async def test_a_row_the_broker_refuses_is_charged_alone_and_its_batch_neighbour_is_sent(
    kafka: str, databases: DatabaseFactory, read_topic: TopicReader
) -> None:
    """The broker refuses a whole record batch for one oversized record; the relay sends
    the batch's rows one by one to charge only the row at fault."""
    settings = VisitsSettings(
        kafka_bootstrap_servers=kafka,
        kafka_namespace=f"t{uuid.uuid4().hex[:10]}",
        kafka_request_timeout_ms=5000,
    )
    topic = events_topic("visits", settings.kafka_namespace)
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka)
    await admin.start()
    try:  # a topic that refuses messages over 1000 bytes
        await admin.create_topics(
            [
                NewTopic(
                    topic,
                    num_partitions=1,
                    replication_factor=1,
                    topic_configs={"max.message.bytes": "1000"},
                )
            ]
        )
    finally:
        await admin.close()
    db = Database(await databases.create("kit_refused"))
    async with db.engine.begin() as conn:
        await conn.run_sync(kit_metadata.create_all)
    relay = OutboxRelay(settings, db)
    try:
        uprn = a_uprn()
        async with db.sessionmaker() as session, session.begin():
            visit = await publish(session, visit_completed(uprn).data)
            long_repair = await publish(session, a_long_repair(uprn))

        assert await relay.publish_pending() == 1

        # The delivered row is deleted; the refused one stays, charged, to be tried again.
        [refused] = await outbox_rows(db, uprn)
        assert refused["event_id"] == long_repair.id
        assert refused["published_at"] is None
        assert refused["attempts"] == 1
        assert refused["last_error"].startswith("MessageSizeTooLargeError")
        assert refused["parked_at"] is None  # one refusal of five
        sent = [headers_of(r)["ce_id"] for r in await read_topic(topic)]
        assert sent == [str(visit.id)]
    finally:
        await relay.stop()
        await db.dispose()


def a_long_repair(uprn: str) -> VisitFoundRepair:
    return VisitFoundRepair(
        visit_id=uuid.uuid4(),
        finding_id=uuid.uuid4(),
        uprn=uprn,
        description="Water coming through the kitchen ceiling. " * 40,
        location="kitchen",
        trade=Trade.PLUMBING,
        reported_at=datetime.now(UTC),
        repairs_found_on_visit=1,
    )
