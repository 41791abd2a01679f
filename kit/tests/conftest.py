"""Fixtures for the kit's own tests: a fresh real database holding the kit's tables.

Kafka comes from the root conftest (`kafka`), databases from its `databases` factory
(PostgreSQL when HEARTH_TEST_DATABASE_URL is set, else SQLite files).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import pytest
import structlog
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from hearth_kit import problems
from hearth_kit.db import Database
from hearth_kit.tables import kit_metadata
from tests.harness.infra import DatabaseFactory


@pytest.fixture(scope="module")
async def kit_database(databases: DatabaseFactory) -> AsyncIterator[Database]:
    """A fresh database per test module with the outbox, inbox, dead-letter and
    idempotency tables, created from the kit's metadata."""
    db = Database(await databases.create("kit"))
    async with db.engine.begin() as conn:
        await conn.run_sync(kit_metadata.create_all)
    yield db
    await db.dispose()


@pytest.fixture(params=["configured", "sqlite"])
async def each_kind_of_database(
    request: pytest.FixtureRequest, databases: DatabaseFactory, tmp_path: object
) -> AsyncIterator[Database]:
    """A fresh database with the kit's tables, once on the configured server
    (PostgreSQL in CI) and once on a SQLite file, for the kit's jobs that must behave
    alike on both."""
    if request.param == "configured":
        url = await databases.create(f"kit_{request.module.__name__.rsplit('.', 1)[-1]}")
    else:
        url = f"sqlite+aiosqlite:///{tmp_path}/kit.db"
    db = Database(url)
    async with db.engine.begin() as conn:
        await conn.run_sync(kit_metadata.create_all)
    yield db
    await db.dispose()


TopicReader = Callable[[str], Awaitable[list[ConsumerRecord[Any, Any]]]]


@pytest.fixture(scope="session")
def read_topic(kafka: str) -> TopicReader:
    """Reads every message on a topic now: from the beginning to the end offset each
    partition had when reading began. The topic must exist."""

    async def read(topic: str) -> list[ConsumerRecord[Any, Any]]:
        admin = AIOKafkaAdminClient(bootstrap_servers=kafka)
        await admin.start()
        try:
            [description] = await admin.describe_topics([topic])
        finally:
            await admin.close()
        partitions = [TopicPartition(topic, p["partition"]) for p in description["partitions"]]
        assert partitions, f"no topic {topic}"
        consumer = AIOKafkaConsumer(
            bootstrap_servers=kafka, enable_auto_commit=False, auto_offset_reset="earliest"
        )
        await consumer.start()
        try:
            consumer.assign(partitions)
            await consumer.seek_to_beginning(*partitions)
            end = await consumer.end_offsets(partitions)
            records: list[ConsumerRecord[Any, Any]] = []
            async with asyncio.timeout(20):
                while any([await consumer.position(tp) < end[tp] for tp in partitions]):
                    for batch in (await consumer.getmany(timeout_ms=200)).values():
                        records.extend(batch)
        finally:
            await consumer.stop()
        return records

    return read


@pytest.fixture
def logged(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[dict[str, Any]]]:
    """The lines hearth_kit.problems logs during the test. Through a fresh logger:
    capture_logs cannot see one an earlier test in the process has already used
    (cache_logger_on_first_use), which made the tests that read it order-dependent."""
    monkeypatch.setattr(problems, "log", structlog.get_logger("hearth_kit.problems"))
    with structlog.testing.capture_logs() as lines:
        yield lines
