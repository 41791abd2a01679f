"""The consumer runner on a real broker and a real database: each event has its effect
once, a failing event is retried then dead-lettered without blocking its partition, and
a replayed dead letter is applied once."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any, ClassVar

import pytest
from aiokafka import AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from pydantic_settings import SettingsConfigDict
from sqlalchemy import Column, Integer, MetaData, String, Table, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from hearth_contracts import Envelope, Event, dead_letter_topic, events_topic
from hearth_contracts.events.visits import (
    DeclineReason,
    VisitCompleted,
    VisitDeclined,
    VisitFoundRepair,
    VisitKind,
)
from hearth_kit.consumer import EventConsumer, EventHandlers
from hearth_kit.db import Database
from hearth_kit.dead_letters import AlreadyReplayed
from hearth_kit.inbox import Message
from hearth_kit.settings import ServiceSettings
from hearth_kit.tables import dead_letter, inbox_event
from hearth_kit.tracing import add_span_processor, setup_tracing
from tests.harness.events import eventually, repair_found, visit_completed

TopicReader = Callable[[str], Awaitable[list[ConsumerRecord[Any, Any]]]]
"""The `read_topic` fixture: every message on a topic, from the beginning to its end."""


class RepairsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="HEARTH_KIT_TEST_REPAIRS_", extra="ignore")
    service_name: ClassVar[str] = "repairs"


metadata = MetaData()
completed_visits = Table(
    "completed_visit",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("visit_id", String(36), nullable=False),
    Column("uprn", String(12), nullable=False),
)

found_repairs = Table(
    "found_repair",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("finding_id", String(36), nullable=False),
    Column("uprn", String(12), nullable=False),
    Column("run_length", Integer, nullable=False),
)

refused_visits: set[uuid.UUID] = set()
"""Visits the handler fails on, every time, until the test "fixes" it."""

lost_connections: dict[uuid.UUID, int] = {}
"""Visits the handler fails on as if the database connection were lost, this many times."""

handlers = EventHandlers()


@handlers.on(VisitCompleted)
async def note_completed_visit(session: AsyncSession, envelope: Envelope[Any]) -> None:
    visit: VisitCompleted = envelope.data
    if visit.visit_id in refused_visits:
        raise RuntimeError(f"cannot take visit {visit.visit_id}")
    if lost_connections.get(visit.visit_id, 0) > 0:
        lost_connections[visit.visit_id] -= 1
        raise ConnectionResetError("connection to the database was lost")
    await session.execute(
        insert(completed_visits).values(visit_id=str(visit.visit_id), uprn=visit.uprn)
    )


refused_findings: set[uuid.UUID] = set()
"""Findings the batch handler fails on (failing the whole run it is in)."""


@handlers.on_batch(VisitFoundRepair)
async def note_found_repairs(
    session: AsyncSession, envelopes: Sequence[Envelope[VisitFoundRepair]]
) -> None:
    if any(e.data.finding_id in refused_findings for e in envelopes):
        raise RuntimeError("cannot take one of the findings")
    await session.execute(
        insert(found_repairs),
        [
            {
                "finding_id": str(e.data.finding_id),
                "uprn": e.data.uprn,
                "run_length": len(envelopes),
            }
            for e in envelopes
        ],
    )


@pytest.fixture(scope="module")
def settings(kafka: str) -> RepairsSettings:
    return RepairsSettings(
        kafka_bootstrap_servers=kafka,
        kafka_namespace=f"t{uuid.uuid4().hex[:10]}",
        consumer_max_attempts=3,
        consumer_retry_backoff_seconds=0.01,
        kafka_request_timeout_ms=5000,
    )


@pytest.fixture(scope="module")
async def consumer(
    settings: RepairsSettings, kit_database: Database
) -> AsyncIterator[EventConsumer]:
    async with kit_database.engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    consumer = EventConsumer(settings, kit_database, handlers)
    task = asyncio.create_task(consumer.run())
    async with asyncio.timeout(60):
        await consumer.assigned.wait()
    yield consumer
    await consumer.stop()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


@pytest.fixture(scope="module")
async def producer(kafka: str) -> AsyncIterator[AIOKafkaProducer]:
    producer = AIOKafkaProducer(bootstrap_servers=kafka, acks="all", enable_idempotence=True)
    await producer.start()
    yield producer
    await producer.stop()


async def send(
    producer: AIOKafkaProducer,
    settings: RepairsSettings,
    messages: Sequence[Envelope[Event] | tuple[Envelope[Event], bytes]],
) -> None:
    """Send the messages together (so the consumer tends to get them in one batch), in
    order; a (envelope, value) pair sends the envelope's headers with another value."""
    topic = events_topic("visits", settings.kafka_namespace)
    sent = []
    for message in messages:
        envelope, value = message if isinstance(message, tuple) else (message, message.value())
        sent.append(
            await producer.send(
                topic, value=value, key=envelope.key.encode(), headers=envelope.headers()
            )
        )
    await asyncio.gather(*sent)


def a_uprn() -> str:
    return str(uuid.uuid4().int % 10**12)


def visit_of(envelope: Envelope[VisitCompleted]) -> str:
    return str(envelope.data.visit_id)


async def visits_applied(db: Database, uprn: str) -> list[str]:
    """The visits the handler applied for a home, in the order it applied them."""
    async with db.sessionmaker() as session:
        rows = await session.scalars(
            select(completed_visits.c.visit_id)
            .where(completed_visits.c.uprn == uprn)
            .order_by(completed_visits.c.id)
        )
        return list(rows)


async def until_applied(db: Database, envelope: Envelope[VisitCompleted]) -> None:
    uprn = envelope.data.uprn

    async def applied() -> bool:
        return visit_of(envelope) in await visits_applied(db, uprn)

    await eventually(applied, timeout=30, interval=0.1)


async def dead_letters_of(db: Database, envelope: Envelope[Event]) -> list[Any]:
    async with db.sessionmaker() as session:
        rows = await session.execute(
            select(dead_letter).where(dead_letter.c.event_id == str(envelope.id))
        )
        return list(rows.mappings())


async def inbox_offset(db: Database, envelope: Envelope[Event]) -> tuple[int, int]:
    async with db.sessionmaker() as session:
        row = (
            await session.execute(
                select(inbox_event.c.partition, inbox_event.c.offset).where(
                    inbox_event.c.event_id == envelope.id
                )
            )
        ).one()
    return row.partition, row.offset


async def committed_offset(kafka: str, group: str, tp: TopicPartition) -> int | None:
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka)
    await admin.start()
    try:
        offsets = await admin.list_consumer_group_offsets(group)
    finally:
        await admin.close()
    return offsets[tp].offset if tp in offsets else None


async def test_a_failing_event_is_dead_lettered_after_its_attempts_and_its_partition_moves_on(
    kafka: str,
    read_topic: TopicReader,
    settings: RepairsSettings,
    consumer: EventConsumer,
    producer: AIOKafkaProducer,
    kit_database: Database,
) -> None:
    uprn = a_uprn()
    first, second, failing, third, fourth = (visit_completed(uprn) for _ in range(5))
    refused_visits.add(failing.data.visit_id)
    await send(producer, settings, [first, second, second, failing, third, fourth])
    await until_applied(kit_database, fourth)

    assert await visits_applied(kit_database, uprn) == [
        visit_of(first),
        visit_of(second),
        visit_of(third),
        visit_of(fourth),
    ]

    [letter] = await dead_letters_of(kit_database, failing)
    source_topic = events_topic("visits", settings.kafka_namespace)
    assert letter["attempts"] == 3
    assert letter["error"] == f"RuntimeError: cannot take visit {visit_of(failing)}"
    assert letter["event_type"] == VisitCompleted.type
    assert letter["consumer_group"] == settings.consumer_group
    assert letter["topic"] == source_topic
    assert letter["message_key"] == uprn.encode()
    assert letter["payload"] == failing.value()
    assert letter["replayed_at"] is None

    dlq = dead_letter_topic("repairs", "repairs", settings.kafka_namespace)
    [record] = [r for r in await read_topic(dlq) if r.key == uprn.encode()]
    headers = {k: v.decode() for k, v in record.headers}
    assert record.value == failing.value()
    assert headers["ce_id"] == str(failing.id)
    assert headers["ce_type"] == VisitCompleted.type
    assert headers["hearth_dlq_original_topic"] == source_topic
    assert headers["hearth_dlq_original_partition"] == str(letter["partition"])
    assert headers["hearth_dlq_original_offset"] == str(letter["offset"])
    assert headers["hearth_dlq_consumer_group"] == settings.consumer_group
    assert headers["hearth_dlq_attempts"] == "3"
    assert headers["hearth_dlq_error"] == letter["error"]

    partition, last_offset = await inbox_offset(kit_database, fourth)
    assert partition == letter["partition"]
    tp = TopicPartition(source_topic, partition)

    async def committed_past_the_last_event() -> bool:
        offset = await committed_offset(kafka, settings.consumer_group, tp)
        return offset == last_offset + 1

    await eventually(committed_past_the_last_event, timeout=10)


async def test_an_event_delivered_again_has_no_second_effect(
    settings: RepairsSettings,
    consumer: EventConsumer,
    producer: AIOKafkaProducer,
    kit_database: Database,
) -> None:
    uprn = a_uprn()
    visit, marker, later_marker = (visit_completed(uprn) for _ in range(3))
    await send(producer, settings, [visit, visit, marker])  # a duplicate in one batch
    await until_applied(kit_database, marker)
    await send(producer, settings, [visit, later_marker])  # and in a later batch
    await until_applied(kit_database, later_marker)

    assert await visits_applied(kit_database, uprn) == [
        visit_of(visit),
        visit_of(marker),
        visit_of(later_marker),
    ]
    async with kit_database.sessionmaker() as session:
        recorded = await session.scalar(
            select(func.count()).where(
                inbox_event.c.event_id == visit.id,
                inbox_event.c.consumer_group == settings.consumer_group,
            )
        )
    assert recorded == 1


async def test_a_batch_with_events_handled_before_applies_only_the_others_once(
    settings: RepairsSettings, consumer: EventConsumer, kit_database: Database
) -> None:
    """A batch is first recorded as all new (a plain INSERT); when some of it was handled
    before, that transaction is rolled back and the batch applied again without them."""
    uprn = a_uprn()
    first, second, third, fourth = (visit_completed(uprn) for _ in range(4))
    topic = events_topic("visits", settings.kafka_namespace)

    def message(envelope: Envelope[VisitCompleted], offset: int) -> Message:
        headers = tuple(envelope.headers())
        return Message(
            topic, 9, 1_000_000 + offset, envelope.key.encode(), envelope.value(), headers
        )

    await consumer.inbox.handle([message(first, 0), message(second, 1)])
    await consumer.inbox.handle([message(second, 1), message(third, 2), message(first, 0)])
    await consumer.inbox.handle([message(third, 2), message(fourth, 3)])
    assert await visits_applied(kit_database, uprn) == [
        visit_of(first),
        visit_of(second),
        visit_of(third),
        visit_of(fourth),
    ]


async def test_a_message_off_its_schema_is_dead_lettered_after_the_same_attempts(
    settings: RepairsSettings,
    consumer: EventConsumer,
    producer: AIOKafkaProducer,
    kit_database: Database,
    read_topic: TopicReader,
) -> None:
    uprn = a_uprn()
    poison, marker = visit_completed(uprn), visit_completed(uprn)
    resident = "Jane Doe, 07700 900123"  # personal data where it does not belong
    off_schema = (
        b'{"visit_id": "not-a-uuid", "uprn": "'
        + uprn.encode()
        + b'", "kind": "'
        + resident.encode()
        + b'"}'
    )
    await send(producer, settings, [(poison, off_schema), marker])
    await until_applied(kit_database, marker)

    assert await visits_applied(kit_database, uprn) == [visit_of(marker)]
    [letter] = await dead_letters_of(kit_database, poison)
    assert letter["attempts"] == 3
    assert letter["error"].startswith("Poison: ")
    assert "visit_id" in letter["error"]
    assert "kind" in letter["error"]
    assert resident not in letter["error"]
    assert "not-a-uuid" not in letter["error"]
    assert letter["payload"] == off_schema  # kept for replay, never quoted in the error

    dlq = dead_letter_topic("repairs", "repairs", settings.kafka_namespace)
    [record] = [
        r for r in await read_topic(dlq) if dict(r.headers)["ce_id"] == str(poison.id).encode()
    ]
    assert dict(record.headers)["hearth_dlq_error"].decode() == letter["error"]


async def test_a_message_whose_ce_id_no_column_holds_is_dead_lettered_and_its_partition_moves_on(
    settings: RepairsSettings,
    consumer: EventConsumer,
    producer: AIOKafkaProducer,
    kit_database: Database,
) -> None:
    """A ce_id longer than an event id (or holding a NUL) fails every parse; its dead
    letter is still written (the raw header kept in its headers), once, and the events
    after it on the partition are handled (it used to fail the dead letter's insert,
    restart the consumer and come again, for ever)."""
    uprn = a_uprn()
    marker = visit_completed(uprn)
    topic = events_topic("visits", settings.kafka_namespace)
    bad_ids = [b"x" * 100, b"\x00" + str(uuid.uuid4()).encode()]
    for bad_id in bad_ids:
        poison = visit_completed(uprn)
        headers = [(k, v) for k, v in poison.headers() if k != "ce_id"] + [("ce_id", bad_id)]
        await producer.send_and_wait(
            topic, value=poison.value(), key=uprn.encode(), headers=headers
        )
    await send(producer, settings, [marker])
    await until_applied(kit_database, marker)

    async with kit_database.sessionmaker() as session:
        rows = await session.execute(
            select(dead_letter).where(dead_letter.c.message_key == uprn.encode())
        )
        letters = list(rows.mappings())
    assert sorted(dict(letter["headers"])["ce_id"] for letter in letters) == sorted(
        bad_id.decode() for bad_id in bad_ids
    )
    assert all(letter["event_id"] is None for letter in letters)
    assert all(letter["error"].startswith("Poison: ") for letter in letters)


async def test_an_event_type_without_a_handler_is_skipped_and_not_recorded(
    settings: RepairsSettings,
    consumer: EventConsumer,
    producer: AIOKafkaProducer,
    kit_database: Database,
) -> None:
    uprn = a_uprn()
    declined: Envelope[Event] = Envelope(
        data=VisitDeclined(
            visit_id=uuid.uuid4(),
            uprn=uprn,
            kind=VisitKind.LITE,
            reason=DeclineReason.NO_REASON_GIVEN,
            declined_at=datetime.now(UTC),
        )
    )
    marker = visit_completed(uprn)
    await send(producer, settings, [declined, marker])
    await until_applied(kit_database, marker)

    async with kit_database.sessionmaker() as session:
        recorded = await session.scalar(
            select(func.count()).where(inbox_event.c.event_id == declined.id)
        )
    assert recorded == 0
    assert await dead_letters_of(kit_database, declined) == []


async def test_a_replayed_dead_letter_is_applied_once_and_marked_replayed(
    settings: RepairsSettings,
    consumer: EventConsumer,
    producer: AIOKafkaProducer,
    kit_database: Database,
) -> None:
    uprn = a_uprn()
    failing, marker = visit_completed(uprn), visit_completed(uprn)
    refused_visits.add(failing.data.visit_id)
    await send(producer, settings, [failing, marker])
    await until_applied(kit_database, marker)
    [letter] = await dead_letters_of(kit_database, failing)

    refused_visits.discard(failing.data.visit_id)  # the fix
    replayed = await consumer.replay(letter["id"])
    assert replayed is not None
    assert replayed["id"] == letter["id"]
    assert await visits_applied(kit_database, uprn) == [visit_of(marker), visit_of(failing)]
    [after] = await dead_letters_of(kit_database, failing)
    assert after["replayed_at"] is not None

    with pytest.raises(AlreadyReplayed):  # replayed once (ADR 0079)
        await consumer.replay(letter["id"])
    assert await visits_applied(kit_database, uprn) == [visit_of(marker), visit_of(failing)]


async def test_a_lost_database_connection_is_waited_out_without_using_up_attempts(
    settings: RepairsSettings,
    consumer: EventConsumer,
    producer: AIOKafkaProducer,
    kit_database: Database,
) -> None:
    uprn = a_uprn()
    visit = visit_completed(uprn)
    lost_connections[visit.data.visit_id] = settings.consumer_max_attempts
    await send(producer, settings, [visit])
    await until_applied(kit_database, visit)

    assert lost_connections[visit.data.visit_id] == 0
    assert await visits_applied(kit_database, uprn) == [visit_of(visit)]
    assert await dead_letters_of(kit_database, visit) == []


async def test_replaying_an_unknown_dead_letter_finds_nothing(consumer: EventConsumer) -> None:
    assert await consumer.replay(987_654_321) is None


async def findings_applied(db: Database, uprn: str) -> list[tuple[str, int]]:
    """(finding id, length of the run it came in) for a home, in the order applied."""
    async with db.sessionmaker() as session:
        rows = await session.execute(
            select(found_repairs.c.finding_id, found_repairs.c.run_length)
            .where(found_repairs.c.uprn == uprn)
            .order_by(found_repairs.c.id)
        )
        return [(row.finding_id, row.run_length) for row in rows]


async def test_a_batch_handler_gets_runs_of_its_type_in_order_without_duplicates(
    settings: RepairsSettings,
    consumer: EventConsumer,
    producer: AIOKafkaProducer,
    kit_database: Database,
) -> None:
    uprn = a_uprn()
    first, second, third, fourth = (repair_found(uprn) for _ in range(4))
    between = visit_completed(uprn)
    await send(producer, settings, [first, second, second, between, third, fourth])
    await until_applied(kit_database, between)

    async def all_applied() -> list[tuple[str, int]]:
        applied = await findings_applied(kit_database, uprn)
        return applied if len(applied) >= 4 else []

    applied = await eventually(all_applied, timeout=30, interval=0.1)
    assert [finding for finding, _run in applied] == [
        str(e.data.finding_id) for e in (first, second, third, fourth)
    ]
    assert all(run <= 2 for _finding, run in applied)  # the visit between splits the runs


async def test_a_failing_event_in_a_batch_handlers_run_costs_only_itself(
    settings: RepairsSettings,
    consumer: EventConsumer,
    producer: AIOKafkaProducer,
    kit_database: Database,
) -> None:
    uprn = a_uprn()
    first, failing, last = repair_found(uprn), repair_found(uprn), repair_found(uprn)
    refused_findings.add(failing.data.finding_id)
    await send(producer, settings, [first, failing, last])

    async def both_applied() -> list[tuple[str, int]]:
        applied = await findings_applied(kit_database, uprn)
        return applied if len(applied) >= 2 else []

    applied = await eventually(both_applied, timeout=30, interval=0.1)
    assert [finding for finding, _run in applied] == [
        str(first.data.finding_id),
        str(last.data.finding_id),
    ]

    async def dead_lettered() -> list[Any]:
        return await dead_letters_of(kit_database, failing)

    [letter] = await eventually(dead_lettered, timeout=30, interval=0.1)
    assert letter["error"] == "RuntimeError: cannot take one of the findings"


@pytest.fixture(scope="module")
def spans() -> Iterator[InMemorySpanExporter]:
    setup_tracing("hearth-kit-tests")
    exporter = InMemorySpanExporter()
    add_span_processor(SimpleSpanProcessor(exporter))
    yield exporter
    exporter.shutdown()


def traceparent(*, sampled: bool) -> tuple[str, str]:
    trace_id = secrets.token_hex(16)
    return trace_id, f"00-{trace_id}-{secrets.token_hex(8)}-{'01' if sampled else '00'}"


async def test_only_events_of_sampled_traces_get_a_consumer_span_in_that_trace(
    settings: RepairsSettings,
    consumer: EventConsumer,
    producer: AIOKafkaProducer,
    kit_database: Database,
    spans: InMemorySpanExporter,
) -> None:
    uprn = a_uprn()
    sampled_trace, sampled_parent = traceparent(sampled=True)
    unsampled_trace, unsampled_parent = traceparent(sampled=False)
    batch_trace, batch_parent = traceparent(sampled=True)
    traced = Envelope(data=visit_completed(uprn).data, traceparent=sampled_parent)
    untraced = Envelope(data=visit_completed(uprn).data, traceparent=unsampled_parent)
    traced_finding = Envelope(data=repair_found(uprn).data, traceparent=batch_parent)
    await send(producer, settings, [traced, untraced, traced_finding])
    await until_applied(kit_database, untraced)

    def in_trace(trace_id: str) -> list[Any]:
        return [
            s
            for s in spans.get_finished_spans()
            if format(s.context.trace_id, "032x") == trace_id and s.kind is SpanKind.CONSUMER
        ]

    async def batch_span_ended() -> list[Any]:
        return in_trace(batch_trace)

    [batch_span] = await eventually(batch_span_ended, timeout=10, interval=0.1)
    [span] = in_trace(sampled_trace)
    assert span.name == f"{events_topic('visits', settings.kafka_namespace)} process"
    assert (span.attributes or {})["messaging.message.id"] == str(traced.id)
    assert (batch_span.attributes or {})["messaging.message.id"] == str(traced_finding.id)
    assert in_trace(unsampled_trace) == []
