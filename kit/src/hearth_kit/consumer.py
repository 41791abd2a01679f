"""The consumer runner: one consumer group per service.

For each message: parse the CloudEvent, and if this service handles its type, run the
handler in a transaction that also records the event id in the inbox, so a
redelivered event has no second effect. Offsets are committed per partition, with
explicit offsets, only after the handler's transaction committed. A handler that
keeps failing is retried in place with back-off, then dead-lettered (to
`hearth.<service>.dlq.<group>` with the original topic, partition, offset, error and
attempt count in headers, and to the dead_letter table for listing and replay), and
the partition moves on.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sqlite3
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import asyncpg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.abc import ConsumerRebalanceListener
from opentelemetry import trace
from opentelemetry.trace import Status, StatusCode
from pydantic import ValidationError
from sqlalchemy import insert, select
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.ext.asyncio import AsyncSession

from hearth_contracts import Envelope, EnvelopeError, Event, dead_letter_topic, events_topic
from hearth_contracts.envelope import header_map, parse_message
from hearth_kit.db import Database
from hearth_kit.kafka import ensure_topics, namespaced, new_consumer, new_producer
from hearth_kit.logs import get_logger
from hearth_kit.metrics import (
    CONSUMER_LAG,
    DEAD_LETTERS,
    EVENTS_HANDLED,
    HANDLER_FAILURES,
)
from hearth_kit.settings import ServiceSettings
from hearth_kit.tables import dead_letter, inbox_event
from hearth_kit.tracing import context_from_headers, tracer

log = get_logger(__name__)

Handler = Callable[[AsyncSession, Envelope[Any]], Awaitable[None]]
"""A reaction to one event: it writes through the session it is given and never commits."""


@dataclass(frozen=True)
class Message:
    """What the runner needs of a Kafka record (also rebuilt from a dead letter on replay)."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes], ...]

    @classmethod
    def of(cls, record: ConsumerRecord[Any, Any]) -> Message:
        return cls(
            record.topic,
            record.partition,
            record.offset,
            record.key,
            record.value,
            tuple(record.headers or ()),
        )


class Poison(Exception):
    """A message that can never be handled (not a CloudEvent, or data off its schema)."""


class EventHandlers:
    """The handlers a service registers, by event type."""

    def __init__(self) -> None:
        self._by_type: dict[str, Handler] = {}
        self.services: set[str] = set()

    def on(self, event_type: type[Event]) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            if event_type.type in self._by_type:
                raise ValueError(f"{event_type.type} already has a handler")
            self._by_type[event_type.type] = handler
            self.services.add(event_type.service)
            return handler

        return register

    def get(self, ce_type: str) -> Handler | None:
        return self._by_type.get(ce_type)

    def __bool__(self) -> bool:
        return bool(self._by_type)


class EventConsumer:
    """Runs one service's consumer group until stopped."""

    def __init__(self, settings: ServiceSettings, db: Database, handlers: EventHandlers) -> None:
        self.settings = settings
        self.db = db
        self.handlers = handlers
        self.service = settings.service_name
        self.group = settings.consumer_group
        self.topics = sorted(
            namespaced(events_topic(s), settings.kafka_namespace) for s in handlers.services
        )
        self.dead_letter_topic = namespaced(
            dead_letter_topic(self.service, self.service), settings.kafka_namespace
        )
        self._lock = asyncio.Lock()
        self._stopping = False
        self._consumer: AIOKafkaConsumer | None = None
        self._producer: AIOKafkaProducer | None = None
        self.assigned = asyncio.Event()

    async def run(self) -> None:
        """Consume until cancelled; reconnect with back-off when Kafka is unreachable."""
        backoff = 0.5
        while not self._stopping:
            try:
                await self._consume()
                return
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("consumer failed; restarting", error=repr(exc), backoff=backoff)
                await self._close()
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 10.0)

    async def stop(self) -> None:
        self._stopping = True
        async with self._lock:
            await self._close()

    async def _consume(self) -> None:
        await ensure_topics(self.settings, [*self.topics, self.dead_letter_topic])
        consumer = new_consumer(self.settings)
        self._consumer = consumer
        consumer.subscribe(self.topics, listener=_Rebalance(self))
        await consumer.start()
        log.info("consumer started", topics=self.topics, group=self.group)
        while not self._stopping:
            batches = await consumer.getmany(timeout_ms=500, max_records=200)
            for tp, records in batches.items():
                async with self._lock:
                    if self._stopping or tp not in consumer.assignment():
                        continue  # revoked mid-batch: the new owner resumes from our commit
                    await self.process_batch([Message.of(r) for r in records])
                    await consumer.commit({tp: records[-1].offset + 1})
                self._record_lag(consumer, tp, records[-1].offset)

    async def process(self, message: Message) -> None:
        """Handle one message: once, with retries, or dead-letter it. Never raises for a
        handler failure; raises only if the dead letter itself cannot be written."""
        attrs = header_map(message.headers)
        ce_type = attrs.get("ce_type", "")
        if self.handlers.get(ce_type) is None:
            EVENTS_HANDLED.labels(self.service, ce_type or "unknown", "ignored").inc()
            return
        error: BaseException | None = None
        attempts = self.settings.consumer_max_attempts
        attempt = 0
        outage = 0
        while attempt < attempts:
            try:
                # A message off its schema is retried like any failure (cheap and
                # bounded), so every dead letter has had the same chances.
                envelope = _parse(message)
                outcome = await self._handle_once(message, envelope)
                EVENTS_HANDLED.labels(self.service, ce_type, outcome).inc()
                return
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if is_infrastructure_fault(exc) and not self._stopping:
                    # The database is unreachable: no event could be handled, so this is
                    # not the event's fault. Wait for it without using up attempts and
                    # without committing the offset.
                    outage += 1
                    log.warning("database unreachable; waiting", error=repr(exc), tries=outage)
                    await asyncio.sleep(min(0.5 * 2 ** min(outage - 1, 5), 15.0))
                    continue
                attempt += 1
                error = exc
                HANDLER_FAILURES.labels(self.service, ce_type).inc()
                log.warning(
                    "handler failed",
                    event_type=ce_type,
                    event_id=attrs.get("ce_id"),
                    attempt=attempt,
                    error=repr(exc),
                )
                if attempt < attempts:
                    backoff = self.settings.consumer_retry_backoff_seconds
                    await asyncio.sleep(backoff * 2 ** (attempt - 1))
        assert error is not None
        await self._dead_letter(message, error, attempts=attempts)

    async def process_batch(self, messages: list[Message]) -> None:
        """Handle a partition's batch in one transaction: one inbox query, one inbox
        insert and one commit for the lot. If anything in it fails, the transaction rolls
        back and each message is handled on its own, with retries and dead-lettering, so
        a poison event costs only itself."""
        relevant = []
        for message in messages:
            if self.handlers.get(_ce_type(message)) is None:
                EVENTS_HANDLED.labels(self.service, _ce_type(message) or "unknown", "ignored").inc()
            else:
                relevant.append(message)
        if not relevant:
            return
        if len(relevant) > 1:
            try:
                async with self.db.sessionmaker() as session, session.begin():
                    outcomes = await self._apply(session, [(m, _parse(m)) for m in relevant])
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.info("batch failed; handling its events one by one", error=repr(exc))
            else:
                for ce_type, outcome in outcomes:
                    EVENTS_HANDLED.labels(self.service, ce_type, outcome).inc()
                return
        for message in relevant:
            await self.process(message)

    async def _handle_once(self, message: Message, envelope: Envelope[Any]) -> str:
        async with self.db.sessionmaker() as session, session.begin():
            ((_type, outcome),) = await self._apply(session, [(message, envelope)])
        return outcome

    async def _apply(
        self, session: AsyncSession, batch: list[tuple[Message, Envelope[Any]]]
    ) -> list[tuple[str, str]]:
        """Run each event's handler, skipping events the inbox has seen, and record them
        in the inbox, all in the caller's transaction. Each handler runs in a CONSUMER
        span joined to the producer's trace."""
        seen = set(
            (
                await session.scalars(
                    select(inbox_event.c.event_id).where(
                        inbox_event.c.event_id.in_([e.id for _m, e in batch]),
                        inbox_event.c.consumer_group == self.group,
                    )
                )
            ).all()
        )
        outcomes: list[tuple[str, str]] = []
        handled: list[dict[str, Any]] = []
        for message, envelope in batch:
            if envelope.id in seen:
                log.info("duplicate event skipped", event_id=str(envelope.id))
                outcomes.append((envelope.type, "duplicate"))
                continue
            seen.add(envelope.id)
            await self._run_handler(session, message, envelope)
            handled.append(
                {
                    "event_id": envelope.id,
                    "consumer_group": self.group,
                    "event_type": envelope.type,
                    "topic": message.topic,
                    "partition": message.partition,
                    "offset": message.offset,
                    "handled_at": datetime.now(UTC),
                }
            )
            outcomes.append((envelope.type, "handled"))
        if handled:
            await session.execute(insert(inbox_event), handled)
        return outcomes

    async def _run_handler(
        self, session: AsyncSession, message: Message, envelope: Envelope[Any]
    ) -> None:
        handler = self.handlers.get(envelope.type)
        assert handler is not None
        with tracer(__name__).start_as_current_span(
            f"{message.topic} process",
            context=context_from_headers(header_map(message.headers)),
            kind=trace.SpanKind.CONSUMER,
            attributes={
                "messaging.system": "kafka",
                "messaging.consumer.group.name": self.group,
                "messaging.destination.name": message.topic,
                "messaging.destination.partition.id": str(message.partition),
                "messaging.kafka.offset": message.offset,
                "messaging.message.id": str(envelope.id),
                "cloudevents.event_type": envelope.type,
                "hearth.service": self.service,
            },
        ) as span:
            try:
                await handler(session, envelope)
            except Exception as exc:
                span.record_exception(exc)
                span.set_status(Status(StatusCode.ERROR, repr(exc)))
                raise
            log.debug("event handled", event_type=envelope.type, event_id=str(envelope.id))

    async def replay(self, dead_letter_id: int) -> Mapping[str, Any] | None:
        """Run a dead letter through its handler again (once the cause is fixed) and mark it
        replayed, in one transaction. The inbox still applies, so replaying an event that
        was handled meanwhile has no second effect. None when there is no such id."""
        async with self.db.sessionmaker() as session, session.begin():
            row = (
                (
                    await session.execute(
                        select(dead_letter).where(dead_letter.c.id == dead_letter_id)
                    )
                )
                .mappings()
                .first()
            )
            if row is None:
                return None
            message = Message(
                topic=row["topic"],
                partition=row["partition"],
                offset=row["offset"],
                key=row["message_key"],
                value=row["payload"],
                headers=tuple((k, v.encode()) for k, v in row["headers"]),
            )
            await self._apply(session, [(message, _parse(message))])
            replayed = {**row, "replayed_at": datetime.now(UTC)}
            await session.execute(
                dead_letter.update()
                .where(dead_letter.c.id == dead_letter_id)
                .values(replayed_at=replayed["replayed_at"])
            )
        return replayed

    async def _dead_letter(self, message: Message, error: BaseException, *, attempts: int) -> None:
        attrs = header_map(message.headers)
        ce_type = attrs.get("ce_type") or "unknown"
        error_text = f"{type(error).__name__}: {error}"[:4000]
        dlq_headers = [
            *[(k, v) for k, v in message.headers if not k.startswith("hearth_dlq_")],
            ("hearth_dlq_original_topic", message.topic.encode()),
            ("hearth_dlq_original_partition", str(message.partition).encode()),
            ("hearth_dlq_original_offset", str(message.offset).encode()),
            ("hearth_dlq_consumer_group", self.group.encode()),
            ("hearth_dlq_error", error_text.encode()),
            ("hearth_dlq_attempts", str(attempts).encode()),
        ]
        producer = await self._dead_letter_producer()
        await producer.send_and_wait(
            self.dead_letter_topic, value=message.value, key=message.key, headers=dlq_headers
        )
        async with self.db.sessionmaker() as session, session.begin():
            await session.execute(
                insert(dead_letter).values(
                    event_id=attrs.get("ce_id"),
                    event_type=attrs.get("ce_type"),
                    consumer_group=self.group,
                    topic=message.topic,
                    partition=message.partition,
                    offset=message.offset,
                    message_key=message.key,
                    headers=[[k, v.decode("utf-8", "replace")] for k, v in message.headers],
                    payload=message.value,
                    error=error_text,
                    attempts=attempts,
                    dead_lettered_at=datetime.now(UTC),
                )
            )
        DEAD_LETTERS.labels(self.service, ce_type).inc()
        EVENTS_HANDLED.labels(self.service, ce_type, "dead_lettered").inc()
        log.error(
            "event dead-lettered",
            event_type=ce_type,
            event_id=attrs.get("ce_id"),
            topic=message.topic,
            partition=message.partition,
            offset=message.offset,
            attempts=attempts,
            error=error_text,
        )

    async def _dead_letter_producer(self) -> AIOKafkaProducer:
        if self._producer is None:
            producer = new_producer(self.settings, client_id=f"hearth-{self.service}-dlq")
            await producer.start()
            self._producer = producer
        return self._producer

    def _record_lag(self, consumer: AIOKafkaConsumer, tp: TopicPartition, offset: int) -> None:
        highwater = consumer.highwater(tp)
        if highwater is not None:
            CONSUMER_LAG.labels(self.service, tp.topic, str(tp.partition)).set(
                max(highwater - offset - 1, 0)
            )

    async def _close(self) -> None:
        consumer, self._consumer = self._consumer, None
        producer, self._producer = self._producer, None
        for client in (consumer, producer):
            if client is not None:
                with contextlib.suppress(Exception):
                    await client.stop()


class _Rebalance(ConsumerRebalanceListener):
    """Waits for in-flight work before partitions move, so nothing is handled twice
    without the inbox noticing and no commit is lost."""

    def __init__(self, runner: EventConsumer) -> None:
        self.runner = runner

    async def on_partitions_revoked(self, revoked: list[TopicPartition]) -> None:
        async with self.runner._lock:
            log.info("partitions revoked", partitions=[str(tp) for tp in revoked])

    async def on_partitions_assigned(self, assigned: list[TopicPartition]) -> None:
        log.info("partitions assigned", partitions=[str(tp) for tp in assigned])
        if assigned:
            self.runner.assigned.set()


_UNREACHABLE_DATABASE: tuple[type[BaseException], ...] = (
    asyncpg.exceptions.ConnectionDoesNotExistError,
    asyncpg.exceptions.PostgresConnectionError,
    asyncpg.exceptions.CannotConnectNowError,
    asyncpg.exceptions.OperatorInterventionError,
    ConnectionError,
    TimeoutError,
    DisconnectionError,
)


def is_infrastructure_fault(exc: BaseException) -> bool:
    """True when a failure is the database being unreachable (restarting, failing over,
    the network), not anything about the event: such failures are waited out, never
    counted as attempts or dead-lettered. Walks the exception's causes, since SQLAlchemy
    wraps the driver's error."""
    seen: set[int] = set()
    pending: list[BaseException | None] = [exc]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, DBAPIError) and current.connection_invalidated:
            return True
        if isinstance(current, _UNREACHABLE_DATABASE):
            return True
        if isinstance(current, sqlite3.OperationalError) and "locked" in str(current):
            return True
        orig = current.orig if isinstance(current, DBAPIError) else None
        pending.extend([orig, current.__cause__, current.__context__])
    return False


def _ce_type(message: Message) -> str:
    for key, value in message.headers:
        if key == "ce_type":
            return value.decode("utf-8", "replace")
    return ""


def _parse(message: Message) -> Envelope[Event]:
    try:
        return parse_message(message.headers, message.value)
    except (EnvelopeError, ValidationError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise Poison(str(exc)) from exc
