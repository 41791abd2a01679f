"""The consumer on the embedded default, SQLite (what `make run` and a laptop use), on a
real broker: batches are recorded in the inbox row by row there, and each event still
has its effect once, a redelivered one none, a run of events reaches a batch handler
once, and a dead letter is written once."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import ClassVar

import pytest
from aiokafka import AIOKafkaProducer
from pydantic_settings import SettingsConfigDict
from sqlalchemy import Column, Integer, MetaData, String, Table, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from hearth_contracts import Envelope, events_topic
from hearth_contracts.events.visits import VisitCompleted, VisitFoundRepair
from hearth_kit.consumer import EventConsumer, EventHandlers
from hearth_kit.db import Database
from hearth_kit.settings import ServiceSettings
from hearth_kit.tables import dead_letter, inbox_event, kit_metadata
from tests.harness.events import eventually, repair_found, visit_completed


class RepairsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="HEARTH_KIT_TEST_REPAIRS_", extra="ignore")
    service_name: ClassVar[str] = "repairs"


metadata = MetaData()
effects = Table(
    "effect",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("event_id", String(36), nullable=False),
)

refused: set[uuid.UUID] = set()
handlers = EventHandlers()


@handlers.on(VisitCompleted)
async def note_visit(session: AsyncSession, envelope: Envelope[VisitCompleted]) -> None:
    if envelope.id in refused:
        raise RuntimeError("cannot take this visit")
    await session.execute(insert(effects).values(event_id=str(envelope.id)))


@handlers.on_batch(VisitFoundRepair)
async def note_findings(
    session: AsyncSession, envelopes: Sequence[Envelope[VisitFoundRepair]]
) -> None:
    await session.execute(insert(effects), [{"event_id": str(e.id)} for e in envelopes])


@pytest.fixture
async def consumer(kafka: str, tmp_path: Path) -> AsyncIterator[EventConsumer]:
    settings = RepairsSettings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'repairs.db'}",
        kafka_bootstrap_servers=kafka,
        kafka_namespace=f"t{uuid.uuid4().hex[:10]}",
        consumer_max_attempts=2,
        consumer_retry_backoff_seconds=0.01,
        kafka_request_timeout_ms=5000,
    )
    db = Database(settings.database_url)
    async with db.engine.begin() as conn:
        await conn.run_sync(kit_metadata.create_all)
        await conn.run_sync(metadata.create_all)
    consumer = EventConsumer(settings, db, handlers)
    task = asyncio.create_task(consumer.run())
    async with asyncio.timeout(60):
        await consumer.assigned.wait()
    yield consumer
    await consumer.stop()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    await db.dispose()


async def test_each_event_has_its_effect_once_on_sqlite(
    kafka: str, consumer: EventConsumer
) -> None:
    uprn = "100023336956"
    events = [
        visit_completed(uprn),
        repair_found(uprn),
        repair_found(uprn),
        visit_completed(uprn),
        visit_completed(uprn),
    ]
    failing, marker = events[3], visit_completed(uprn)
    refused.add(failing.id)
    producer = AIOKafkaProducer(bootstrap_servers=kafka, acks="all", enable_idempotence=True)
    await producer.start()
    try:
        topic = events_topic("visits", consumer.settings.kafka_namespace)
        for envelope in [*events, events[1], events[0], marker]:  # two redelivered
            await producer.send_and_wait(
                topic, value=envelope.value(), key=b"1", headers=envelope.headers()
            )
    finally:
        await producer.stop()

    async def settled() -> tuple[dict[str, int], int, int] | None:
        async with consumer.db.sessionmaker() as session:
            per_event = dict(
                (str(event_id), int(n))
                for event_id, n in await session.execute(
                    select(effects.c.event_id, func.count()).group_by(effects.c.event_id)
                )
            )
            inbox = int(await session.scalar(select(func.count()).select_from(inbox_event)) or 0)
            dead = int(await session.scalar(select(func.count()).select_from(dead_letter)) or 0)
        return (per_event, inbox, dead) if str(marker.id) in per_event else None

    per_event, inbox, dead = await eventually(settled, timeout=60, interval=0.1)
    assert per_event == {str(e.id): 1 for e in [*events, marker] if e is not failing}
    assert (inbox, dead) == (len(events), 1)
