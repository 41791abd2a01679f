"""The transactional outbox and its relay.

`publish(session, event)` writes the event in the caller's transaction, with the
request's `traceparent`. The relay sends unpublished rows to Kafka in id order
(acks=all, idempotent producer) and marks them published. While Kafka is down the
rows wait; nothing is lost. A crash between send and mark re-sends the batch, which
consumers de-duplicate by event id (at-least-once delivery, effectively once).
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime
from typing import Any, TypeVar

from aiokafka import AIOKafkaProducer
from opentelemetry import trace
from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hearth_contracts import Envelope, Event, events_topic
from hearth_kit.db import Database
from hearth_kit.kafka import ensure_topics, namespaced, new_producer
from hearth_kit.logs import get_logger
from hearth_kit.metrics import OUTBOX_BACKLOG, OUTBOX_FAILURES, OUTBOX_OLDEST_AGE, OUTBOX_PUBLISHED
from hearth_kit.settings import ServiceSettings
from hearth_kit.tables import outbox_message
from hearth_kit.tracing import context_from_headers, current_traceparent, tracer

log = get_logger(__name__)


E = TypeVar("E", bound=Event)


async def publish(session: AsyncSession, event: E) -> Envelope[E]:
    """Add `event` to the outbox in the session's transaction; returns its envelope."""
    traceparent, tracestate = current_traceparent()
    envelope: Envelope[E] = Envelope(data=event, traceparent=traceparent, tracestate=tracestate)
    headers = {k: v.decode() for k, v in envelope.headers()}
    await session.execute(
        insert(outbox_message).values(
            event_id=envelope.id,
            event_type=envelope.type,
            topic=events_topic(event.service),
            message_key=envelope.key,
            headers=headers,
            payload=envelope.value(),
            created_at=envelope.time,
        )
    )
    session.sync_session.info["outbox_written"] = True
    return envelope


class OutboxRelay:
    """Sends outbox rows to Kafka, oldest first, and marks them published."""

    def __init__(self, settings: ServiceSettings, db: Database) -> None:
        self.settings = settings
        self.db = db
        self.service = settings.service_name
        self._wake = asyncio.Event()
        self._producer: AIOKafkaProducer | None = None
        self._stopping = False
        db.on_outbox_commit(self.wake)

    def wake(self) -> None:
        """Publish soon (called after a transaction that wrote outbox rows commits)."""
        self._wake.set()

    async def run(self) -> None:
        """Relay until cancelled, backing off while Kafka is unreachable."""
        backoff = 0.5
        while not self._stopping:
            try:
                producer = await self._ensure_producer()
                sent = await self.publish_pending(producer)
                backoff = 0.5
                if sent < self.settings.outbox_batch_size:
                    await self._sleep(self.settings.outbox_poll_interval_seconds)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                OUTBOX_FAILURES.labels(self.service).inc()
                log.warning("outbox relay failed; will retry", error=repr(exc), backoff=backoff)
                await self._close_producer()
                await self._sleep(backoff, wakeable=False)
                backoff = min(backoff * 2, 10.0)

    async def stop(self) -> None:
        self._stopping = True
        self._wake.set()
        await self._close_producer()

    async def publish_pending(self, producer: AIOKafkaProducer) -> int:
        """Send one batch of unpublished rows; returns how many were sent."""
        async with self.db.sessionmaker() as session, session.begin():
            query = (
                select(outbox_message)
                .where(outbox_message.c.published_at.is_(None))
                .order_by(outbox_message.c.id)
                .limit(self.settings.outbox_batch_size)
            )
            if self.db.is_postgresql:
                # One relay sends at a time: a second instance waits here rather
                # than sending rows out of order.
                query = query.with_for_update()
            rows = (await session.execute(query)).mappings().all()
            await self._record_backlog(session, len(rows))
            if not rows:
                return 0
            pending = [await self._send(producer, row) for row in rows]
            try:
                await asyncio.gather(*pending)
            except Exception as exc:
                await session.rollback()
                await self._note_failure([row["id"] for row in rows], exc)
                raise
            await session.execute(
                update(outbox_message)
                .where(outbox_message.c.id.in_([row["id"] for row in rows]))
                .values(published_at=datetime.now(UTC), attempts=outbox_message.c.attempts + 1)
            )
        OUTBOX_PUBLISHED.labels(self.service).inc(len(rows))
        return len(rows)

    async def _send(self, producer: AIOKafkaProducer, row: Any) -> asyncio.Future[Any]:
        headers: dict[str, str] = row["headers"]
        topic = namespaced(row["topic"], self.settings.kafka_namespace)
        with tracer(__name__).start_as_current_span(
            f"{topic} publish",
            context=context_from_headers(headers),
            kind=trace.SpanKind.PRODUCER,
            attributes={
                "messaging.system": "kafka",
                "messaging.destination.name": topic,
                "messaging.message.id": str(row["event_id"]),
                "cloudevents.event_type": row["event_type"],
                "hearth.service": self.service,
            },
        ):
            future: asyncio.Future[Any] = await producer.send(
                topic,
                value=row["payload"],
                key=row["message_key"].encode(),
                headers=[(k, v.encode()) for k, v in headers.items()],
            )
        return future

    async def _note_failure(self, ids: list[int], exc: BaseException) -> None:
        with contextlib.suppress(Exception):
            async with self.db.sessionmaker() as session, session.begin():
                await session.execute(
                    update(outbox_message)
                    .where(outbox_message.c.id.in_(ids))
                    .values(attempts=outbox_message.c.attempts + 1, last_error=repr(exc)[:2000])
                )

    async def _record_backlog(self, session: AsyncSession, batch: int) -> None:
        if batch == 0:
            OUTBOX_BACKLOG.labels(self.service).set(0)
            OUTBOX_OLDEST_AGE.labels(self.service).set(0)
            return
        count, oldest = (
            await session.execute(
                select(func.count(), func.min(outbox_message.c.created_at)).where(
                    outbox_message.c.published_at.is_(None)
                )
            )
        ).one()
        OUTBOX_BACKLOG.labels(self.service).set(count)
        if oldest is not None:
            if oldest.tzinfo is None:
                oldest = oldest.replace(tzinfo=UTC)
            OUTBOX_OLDEST_AGE.labels(self.service).set((datetime.now(UTC) - oldest).total_seconds())

    async def _ensure_producer(self) -> AIOKafkaProducer:
        if self._producer is None:
            await ensure_topics(
                self.settings,
                [namespaced(events_topic(self.service), self.settings.kafka_namespace)],
            )
            producer = new_producer(self.settings, client_id=f"hearth-{self.service}-relay")
            try:
                await producer.start()
            except BaseException:
                with contextlib.suppress(Exception):
                    await producer.stop()
                raise
            self._producer = producer
        return self._producer

    async def _close_producer(self) -> None:
        producer, self._producer = self._producer, None
        if producer is not None:
            with contextlib.suppress(Exception):
                await producer.stop()

    async def _sleep(self, seconds: float, *, wakeable: bool = True) -> None:
        if not wakeable:
            await asyncio.sleep(seconds)
            return
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await self._wake.wait()
        self._wake.clear()
