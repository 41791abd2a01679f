"""Two relays on one outbox (two replicas of a service, each with its own connection
pool and producer) publish every row exactly once and in order per key, while events
keep being written: on PostgreSQL one relay sends at a time (an advisory lock)."""

from __future__ import annotations

import asyncio
import contextlib
import random
import uuid
from collections import defaultdict
from typing import ClassVar

import pytest
from pydantic_settings import SettingsConfigDict
from sqlalchemy import func, select

from hearth_contracts import events_topic
from hearth_kit.db import Database
from hearth_kit.outbox import OutboxRelay, publish
from hearth_kit.settings import ServiceSettings
from hearth_kit.tables import kit_metadata, outbox_message
from kit.tests.conftest import TopicReader
from tests.harness.events import eventually, visit_completed
from tests.harness.infra import DatabaseFactory


class VisitsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="HEARTH_KIT_TEST_RELAYS_", extra="ignore")
    service_name: ClassVar[str] = "visits"


async def test_two_relays_on_one_outbox_publish_each_row_once_in_order_per_key(
    kafka: str, databases: DatabaseFactory, read_topic: TopicReader
) -> None:
    if not databases.is_postgresql:
        pytest.skip("one relay per SQLite database: the embedded default runs one process")
    url = await databases.create("kit_two_relays")
    settings = VisitsSettings(
        database_url=url,
        kafka_bootstrap_servers=kafka,
        kafka_namespace=f"t{uuid.uuid4().hex[:10]}",
        outbox_batch_size=25,  # many rounds, so the two relays take turns often
        outbox_poll_interval_seconds=0.02,
    )
    replicas = [Database(url), Database(url)]
    async with replicas[0].engine.begin() as conn:
        await conn.run_sync(kit_metadata.create_all)
    relays = [OutboxRelay(settings, db) for db in replicas]
    tasks = [asyncio.create_task(relay.run()) for relay in relays]
    homes = [str(100_000_000_000 + n) for n in range(8)]
    written: dict[str, list[str]] = defaultdict(list)
    try:
        for number in range(40):  # each replica's API writes too
            async with replicas[number % 2].sessionmaker() as session, session.begin():
                for _ in range(10):
                    home = random.choice(homes)
                    envelope = await publish(session, visit_completed(home).data)
                    written[home].append(str(envelope.id))
            await asyncio.sleep(0.005)

        async def all_published() -> bool:
            async with replicas[0].sessionmaker() as session:
                waiting = await session.scalar(select(func.count()).select_from(outbox_message))
            return waiting == 0  # each row is deleted once the broker acknowledged it

        assert await eventually(all_published, timeout=60, interval=0.1)
    finally:
        for relay in relays:
            await relay.stop()
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for db in replicas:
            await db.dispose()

    records = await read_topic(events_topic("visits", settings.kafka_namespace))
    ids = [dict(r.headers)["ce_id"].decode() for r in records]
    assert len(ids) == len(set(ids)) == 400  # each row once: no duplicates, none lost
    sent: dict[str, list[str]] = defaultdict(list)
    for record in sorted(records, key=lambda r: (r.partition, r.offset)):
        sent[record.key.decode()].append(dict(record.headers)["ce_id"].decode())
    assert sent == written
