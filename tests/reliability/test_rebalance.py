"""Consumer members of one group rebalancing under load, on a real broker and database:
members join and leave while events stream in, partitions move between them mid-batch,
and every event still has its effect exactly once (one-event and batch handlers alike).
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Sequence
from typing import ClassVar

import pytest
from aiokafka import AIOKafkaProducer
from pydantic_settings import SettingsConfigDict
from sqlalchemy import Column, Integer, MetaData, String, Table, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from hearth_contracts import Envelope, Event, events_topic
from hearth_contracts.events.visits import VisitCompleted, VisitFoundRepair
from hearth_kit.consumer import EventConsumer, EventHandlers
from hearth_kit.db import Database
from hearth_kit.settings import ServiceSettings
from hearth_kit.tables import dead_letter, inbox_event, kit_metadata
from tests.harness.events import eventually, repair_found, visit_completed
from tests.harness.infra import DatabaseFactory

pytestmark = pytest.mark.integration


class RepairsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="HEARTH_REBALANCE_TEST_", extra="ignore")
    service_name: ClassVar[str] = "repairs"


metadata = MetaData()
effects = Table(
    "effect",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("event_id", String(36), nullable=False),  # not unique: a second effect shows
    Column("member", String(8), nullable=False),
)

handlers = EventHandlers()


@handlers.on(VisitCompleted)
async def note_visit(session: AsyncSession, envelope: Envelope[VisitCompleted]) -> None:
    await session.execute(
        insert(effects).values(event_id=str(envelope.id), member=session.info["member"])
    )


@handlers.on_batch(VisitFoundRepair)
async def note_findings(
    session: AsyncSession, envelopes: Sequence[Envelope[VisitFoundRepair]]
) -> None:
    member = session.info["member"]
    await session.execute(
        insert(effects), [{"event_id": str(e.id), "member": member} for e in envelopes]
    )


def stream(count: int) -> list[Envelope[Event]]:
    """Visits completed and repairs found, interleaved, over a dozen homes."""
    events: list[Envelope[Event]] = []
    for i in range(count):
        uprn = str(100_000_000 + i % 12)
        events.append(repair_found(uprn) if i % 3 else visit_completed(uprn))
    return events


class Member:
    """One consumer group member, with its own database engine (as its own process
    would have), tagging the rows it writes."""

    def __init__(self, name: str, settings: RepairsSettings) -> None:
        self.db = Database(settings.database_url)
        self.consumer = EventConsumer(settings, self.db, handlers)
        self.name = name
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self.db.sessionmaker.configure(info={"member": self.name})
        self._task = asyncio.create_task(self.consumer.run())
        async with asyncio.timeout(60):
            await self.consumer.assigned.wait()

    async def stop(self) -> None:
        async with asyncio.timeout(60):  # a hang guard, not a speed check
            await self.consumer.stop()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self.db.dispose()


@pytest.fixture
async def settings(kafka: str, databases: DatabaseFactory) -> RepairsSettings:
    url = await databases.create("rebalance")
    db = Database(url)
    async with db.engine.begin() as conn:
        await conn.run_sync(kit_metadata.create_all)
        await conn.run_sync(metadata.create_all)
    await db.dispose()
    return RepairsSettings(
        database_url=url,
        kafka_bootstrap_servers=kafka,
        kafka_namespace=f"t{uuid.uuid4().hex[:10]}",
        kafka_topic_partitions=6,
        consumer_batch_size=200,
        kafka_request_timeout_ms=5000,
    )


@contextlib.asynccontextmanager
async def producing(kafka: str) -> AsyncIterator[AIOKafkaProducer]:
    producer = AIOKafkaProducer(bootstrap_servers=kafka, acks="all", enable_idempotence=True)
    await producer.start()
    try:
        yield producer
    finally:
        await producer.stop()


async def publish(
    producer: AIOKafkaProducer, settings: RepairsSettings, events: Sequence[Envelope[Event]]
) -> None:
    topic = events_topic("visits", settings.kafka_namespace)
    sent = [
        await producer.send(topic, value=e.value(), key=e.key.encode(), headers=e.headers())
        for e in events
    ]
    await asyncio.gather(*sent)


async def counts(url: str) -> tuple[dict[str, int], set[str], int, int]:
    """Effects per event id, the members that wrote any, inbox rows, dead letters."""
    db = Database(url)
    try:
        async with db.sessionmaker() as session:
            per_event = {
                str(event_id): int(n)
                for event_id, n in await session.execute(
                    select(effects.c.event_id, func.count()).group_by(effects.c.event_id)
                )
            }
            members = set(await session.scalars(select(effects.c.member).distinct()))
            inbox = int(await session.scalar(select(func.count()).select_from(inbox_event)) or 0)
            dead = int(await session.scalar(select(func.count()).select_from(dead_letter)) or 0)
    finally:
        await db.dispose()
    return per_event, members, inbox, dead


async def test_members_joining_and_leaving_under_load_apply_every_event_exactly_once(
    kafka: str, settings: RepairsSettings
) -> None:
    events = stream(3000)
    chunks = [events[i : i + 250] for i in range(0, len(events), 250)]
    first, second, third = (Member(n, settings) for n in ("first", "second", "third"))
    await first.start()
    try:
        async with producing(kafka) as producer:
            for i, chunk in enumerate(chunks):
                await publish(producer, settings, chunk)
                if i == 3:
                    await second.start()  # joins: partitions move mid-stream
                elif i == 6:
                    await first.stop()  # leaves: its partitions move to the other
                elif i == 8:
                    await third.start()

        async def all_handled() -> bool:
            return (await counts(settings.database_url))[2] >= len(events)

        await eventually(all_handled, timeout=120, interval=0.25)
    finally:
        for member in (first, second, third):
            with contextlib.suppress(Exception):
                await member.stop()

    per_event, members, inbox, dead = await counts(settings.database_url)
    assert per_event == {str(e.id): 1 for e in events}
    assert (inbox, dead) == (len(events), 0)
    assert {"first", "second"} <= members  # the work really moved between members
