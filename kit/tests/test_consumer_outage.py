"""A database outage, as the consumer sees it, on real PostgreSQL and a real broker.

The consumer reaches PostgreSQL through a TCP link this module can cut (every open
connection reset, new ones refused) and restore, so the outage is real to the driver
without stopping the server other tests share. During an outage the affected
partitions are paused, not held in a batch; afterwards every event has its effect
exactly once; nothing is dead-lettered, not even when the consumer is stopped mid-way.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, ClassVar

import pytest
from aiokafka import AIOKafkaProducer, ConsumerRecord
from prometheus_client import REGISTRY
from pydantic_settings import SettingsConfigDict
from sqlalchemy import Column, Integer, MetaData, String, Table, func, insert, select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

from hearth_contracts import Envelope, events_topic
from hearth_contracts.events.visits import VisitCompleted, VisitKind
from hearth_kit.consumer import EventConsumer, EventHandlers
from hearth_kit.db import Database
from hearth_kit.settings import ServiceSettings
from hearth_kit.tables import dead_letter, inbox_event, kit_metadata
from tests.harness.events import eventually
from tests.harness.infra import DatabaseFactory, free_port

TopicReader = Callable[[str], Awaitable[list[ConsumerRecord[Any, Any]]]]


class RepairsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="HEARTH_KIT_TEST_REPAIRS_", extra="ignore")
    service_name: ClassVar[str] = "repairs"


class DatabaseLink:
    """A TCP link to PostgreSQL that the test can cut and restore."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.upstream_port = host, port
        self.port = free_port()
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    async def restore(self) -> None:
        self._server = await asyncio.start_server(self._pipe, "127.0.0.1", self.port)

    async def cut(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        for writer in self._writers:
            writer.transport.abort()
        self._writers.clear()

    async def _pipe(
        self, client_in: asyncio.StreamReader, client_out: asyncio.StreamWriter
    ) -> None:
        try:
            server_in, server_out = await asyncio.open_connection(self.host, self.upstream_port)
        except OSError:
            client_out.transport.abort()
            return
        self._writers |= {client_out, server_out}
        await asyncio.gather(_copy(client_in, server_out), _copy(server_in, client_out))


async def _copy(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
    try:
        while data := await source.read(65536):
            sink.write(data)
            await sink.drain()
    except OSError:
        pass
    finally:
        sink.transport.abort()


metadata = MetaData()
noted_visits = Table(
    "noted_visit",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("visit_id", String(36), nullable=False),  # not unique: a second effect shows
)

handlers = EventHandlers()


@handlers.on(VisitCompleted)
async def note_visit(session: AsyncSession, envelope: Envelope[VisitCompleted]) -> None:
    await session.execute(insert(noted_visits).values(visit_id=str(envelope.data.visit_id)))


@pytest.fixture
async def database_url(databases: DatabaseFactory) -> str:
    if not databases.is_postgresql:
        pytest.skip("an outage is simulated on a PostgreSQL link; SQLite has no network")
    url = await databases.create("kit_outage")
    db = Database(url)
    async with db.engine.begin() as conn:
        await conn.run_sync(kit_metadata.create_all)
        await conn.run_sync(metadata.create_all)
    await db.dispose()
    return url


@pytest.fixture
async def link(database_url: str) -> AsyncIterator[DatabaseLink]:
    url = make_url(database_url)
    link = DatabaseLink(url.host or "127.0.0.1", url.port or 5432)
    await link.restore()
    yield link
    await link.cut()


@pytest.fixture
def settings(kafka: str, database_url: str, link: DatabaseLink) -> RepairsSettings:
    linked = make_url(database_url).set(host="127.0.0.1", port=link.port)
    return RepairsSettings(
        database_url=linked.render_as_string(hide_password=False),
        kafka_bootstrap_servers=kafka,
        kafka_namespace=f"t{uuid.uuid4().hex[:10]}",
        consumer_max_attempts=2,
        consumer_retry_backoff_seconds=0.01,
        consumer_lag_interval_seconds=0.2,
        kafka_request_timeout_ms=5000,
    )


@contextlib.asynccontextmanager
async def running(settings: RepairsSettings) -> AsyncIterator[EventConsumer]:
    db = Database(settings.database_url)
    consumer = EventConsumer(settings, db, handlers)
    task = asyncio.create_task(consumer.run())
    try:
        async with asyncio.timeout(60):
            await consumer.assigned.wait()
        yield consumer
    finally:
        async with asyncio.timeout(60):  # a hang guard, not a speed check
            await consumer.stop()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await db.dispose()


def visits(count: int) -> list[Envelope[VisitCompleted]]:
    return [
        Envelope(
            data=VisitCompleted(
                visit_id=uuid.uuid4(),
                uprn=str(100_000_000 + i % 7),
                kind=VisitKind.FULL,
                completed_at=datetime.now(UTC),
                repairs_found=0,
                hazards_found=0,
            )
        )
        for i in range(count)
    ]


async def send(
    kafka: str, settings: RepairsSettings, events: list[Envelope[VisitCompleted]]
) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=kafka, acks="all", enable_idempotence=True)
    await producer.start()
    try:
        topic = events_topic("visits", settings.kafka_namespace)
        sent = [
            await producer.send(topic, value=e.value(), key=e.key.encode(), headers=e.headers())
            for e in events
        ]
        await asyncio.gather(*sent)
    finally:
        await producer.stop()


async def effects(database_url: str) -> dict[str, int]:
    """Visits noted (each must be 1), and the inbox and dead-letter row counts."""
    db = Database(database_url)
    try:
        async with db.sessionmaker() as session:
            noted = await session.execute(
                select(noted_visits.c.visit_id, func.count()).group_by(noted_visits.c.visit_id)
            )
            counts = {str(visit): int(n) for visit, n in noted}
            counts["(inbox)"] = int(
                await session.scalar(select(func.count()).select_from(inbox_event)) or 0
            )
            counts["(dead letters)"] = int(
                await session.scalar(select(func.count()).select_from(dead_letter)) or 0
            )
    finally:
        await db.dispose()
    return counts


def lag(settings: RepairsSettings) -> int:
    """hearth_consumer_lag summed over the visits topic's partitions."""
    topic = events_topic("visits", settings.kafka_namespace)
    samples = (
        REGISTRY.get_sample_value(
            "hearth_consumer_lag",
            {
                "service": "repairs",
                "group": settings.consumer_group,
                "topic": topic,
                "partition": str(p),
            },
        )
        for p in range(settings.kafka_topic_partitions)
    )
    return int(sum(sample or 0 for sample in samples))


def exactly_once(events: list[Envelope[VisitCompleted]]) -> dict[str, int]:
    return {
        **{str(e.data.visit_id): 1 for e in events},
        "(inbox)": len(events),
        "(dead letters)": 0,
    }


async def until_noted(database_url: str, count: int) -> None:
    async def noted() -> bool:
        now = await effects(database_url)
        return now["(inbox)"] >= count

    await eventually(noted, timeout=90, interval=0.2)


async def test_an_outage_pauses_the_partitions_and_every_event_has_its_effect_once_after(
    kafka: str,
    database_url: str,
    link: DatabaseLink,
    settings: RepairsSettings,
    read_topic: TopicReader,
) -> None:
    before, during = visits(60), visits(120)
    async with running(settings) as consumer:
        await send(kafka, settings, before)
        await until_noted(database_url, len(before))

        await link.cut()
        await send(kafka, settings, during)

        async def paused() -> bool:
            return bool(consumer.paused)

        await eventually(paused, timeout=60, interval=0.05)

        async def lag_counts_the_waiting_events() -> bool:  # refreshed while paused
            return lag(settings) == len(during)

        await eventually(lag_counts_the_waiting_events, timeout=30, interval=0.1)

        await link.restore()
        await until_noted(database_url, len(before) + len(during))

        async def resumed() -> bool:
            return not consumer.paused

        await eventually(resumed, timeout=30)

        async def caught_up() -> bool:
            return lag(settings) == 0

        await eventually(caught_up, timeout=30, interval=0.1)

    assert await effects(database_url) == exactly_once(before + during)
    assert await read_topic(consumer.dead_letters.topic) == []


async def test_stopping_during_an_outage_dead_letters_nothing_and_loses_nothing(
    kafka: str,
    database_url: str,
    link: DatabaseLink,
    settings: RepairsSettings,
    read_topic: TopicReader,
) -> None:
    events = visits(80)
    async with running(settings) as consumer:
        await link.cut()
        await send(kafka, settings, events)

        async def paused() -> bool:
            return bool(consumer.paused)

        await eventually(paused, timeout=60, interval=0.05)
    # stopped (by `running`) while the database was still unreachable

    await link.restore()
    assert await effects(database_url) == {"(inbox)": 0, "(dead letters)": 0}
    assert await read_topic(consumer.dead_letters.topic) == []

    async with running(settings):  # the group's next member picks up every event
        await until_noted(database_url, len(events))
    assert await effects(database_url) == exactly_once(events)


async def test_stopping_as_the_outage_begins_dead_letters_nothing(
    kafka: str,
    database_url: str,
    link: DatabaseLink,
    settings: RepairsSettings,
    read_topic: TopicReader,
) -> None:
    events = visits(300)
    async with running(settings) as consumer:
        await send(kafka, settings, events)
        await link.cut()  # mid-stream: some batches in hand fail as the consumer stops
    await link.restore()

    assert (await effects(database_url))["(dead letters)"] == 0
    assert await read_topic(consumer.dead_letters.topic) == []
    async with running(settings):
        await until_noted(database_url, len(events))
    assert await effects(database_url) == exactly_once(events)
