"""A relay killed between sending a batch and deleting it from the outbox (which is how
it records a batch delivered, ADR 0020) loses nothing: after a restart
every event is on the topic, the only duplicates are re-sends of the same event ids
(which consumers de-duplicate), and per key the first copies keep the order the events
were written in.

The kill lands exactly between send and delete: the test holds a SHARE lock on the outbox
table, which lets the relay read its batch and send it but blocks its DELETE, then kills
the relay once the whole batch is on the topic (SIGKILL of a relay process, or
cancelling the relay's task)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator
from typing import Any, ClassVar

import pytest
from aiokafka.admin import AIOKafkaAdminClient
from pydantic_settings import SettingsConfigDict
from sqlalchemy import func, select, text

from hearth_contracts import events_topic
from hearth_kit.db import Database
from hearth_kit.outbox import OutboxRelay, publish
from hearth_kit.settings import ServiceSettings
from hearth_kit.tables import kit_metadata, outbox_message
from tests.harness.events import eventually, read_all, visit_completed
from tests.harness.infra import REPO, DatabaseFactory

pytestmark = pytest.mark.integration

EVENTS = 1200
HOMES = [str(200_000_000_000 + n) for n in range(12)]

RELAY_PROCESS = """
import asyncio, sys
from typing import ClassVar
from hearth_kit.db import Database
from hearth_kit.outbox import OutboxRelay
from hearth_kit.settings import ServiceSettings

class VisitsSettings(ServiceSettings):
    service_name: ClassVar[str] = "visits"

async def main(url: str, kafka: str, namespace: str) -> None:
    settings = VisitsSettings(
        database_url=url, kafka_bootstrap_servers=kafka, kafka_namespace=namespace
    )
    await OutboxRelay(settings, Database(url)).run()

asyncio.run(main(*sys.argv[1:4]))
"""


class VisitsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="HEARTH_RELAY_TEST_VISITS_", extra="ignore")
    service_name: ClassVar[str] = "visits"


@pytest.fixture
async def outbox(databases: DatabaseFactory) -> AsyncIterator[Database]:
    if not databases.is_postgresql:
        pytest.skip("holding the relay between send and delete uses a PostgreSQL table lock")
    db = Database(await databases.create("relay_killed"))
    async with db.engine.begin() as conn:
        await conn.run_sync(kit_metadata.create_all)
    yield db
    await db.dispose()


async def topic_exists(kafka: str, topic: str) -> bool:
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka)
    await admin.start()
    try:
        return topic in await admin.list_topics()
    finally:
        await admin.close()


async def unpublished(db: Database) -> int:
    """Rows still in the outbox: the relay deletes a row once the broker acknowledged it."""
    async with db.sessionmaker() as session:
        count = await session.scalar(select(func.count()).select_from(outbox_message))
    return int(count or 0)


@pytest.mark.parametrize("kill", ["sigkill", "cancel"])
async def test_a_relay_killed_between_send_and_delete_loses_nothing_after_a_restart(
    kafka: str, outbox: Database, kill: str
) -> None:
    settings = VisitsSettings(
        database_url=outbox.url.render_as_string(hide_password=False),
        kafka_bootstrap_servers=kafka,
        kafka_namespace=f"t{uuid.uuid4().hex[:10]}",
    )
    topic = events_topic("visits", settings.kafka_namespace)
    written: dict[str, list[str]] = defaultdict(list)
    async with outbox.sessionmaker() as session, session.begin():
        for number in range(EVENTS):
            home = HOMES[number % len(HOMES)]
            written[home].append(str((await publish(session, visit_completed(home).data)).id))

    blocker = await outbox.engine.connect()
    transaction = await blocker.begin()
    await blocker.execute(text("LOCK TABLE outbox_message IN SHARE MODE"))
    try:
        stop_relay = await start_relay(kill, settings)
        try:
            # The whole batch is on Kafka, and none of it is deleted from the outbox.
            await eventually(lambda: topic_exists(kafka, topic), timeout=60)
            await read_all(kafka, topic, at_least=EVENTS, timeout=60)
            assert await unpublished(outbox) == EVENTS
        finally:
            await stop_relay()
    finally:
        await transaction.rollback()
        await blocker.close()

    restarted = OutboxRelay(settings, outbox)
    task = asyncio.create_task(restarted.run())
    try:
        await eventually(lambda: none_left(outbox), timeout=60)
    finally:
        await restarted.stop()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    records = await read_all(kafka, topic, at_least=2 * EVENTS)
    ids = [dict(r.headers)["ce_id"].decode() for r in records]
    assert set(ids) == {event_id for ids in written.values() for event_id in ids}
    assert len(ids) == 2 * EVENTS  # each event re-sent once, under its own id
    first_copies: dict[str, list[str]] = defaultdict(list)
    seen: set[str] = set()
    for record in sorted(records, key=lambda r: (r.partition, r.offset)):
        event_id = dict(record.headers)["ce_id"].decode()
        if event_id not in seen:  # what a de-duplicating consumer applies
            seen.add(event_id)
            first_copies[record.key.decode()].append(event_id)
    assert first_copies == written


async def none_left(db: Database) -> bool:
    return await unpublished(db) == 0


async def start_relay(kill: str, settings: VisitsSettings) -> Any:
    """Start a relay; returns how to kill it."""
    if kill == "sigkill":
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            RELAY_PROCESS,
            settings.database_url,
            settings.kafka_bootstrap_servers,
            settings.kafka_namespace,
            cwd=REPO,
            env={**os.environ, "HEARTH_LOG_LEVEL": "WARNING"},
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )

        async def sigkill() -> None:
            process.send_signal(signal.SIGKILL)
            async with asyncio.timeout(10):
                await process.wait()

        return sigkill

    db = Database(settings.database_url)
    relay = OutboxRelay(settings, db)
    task = asyncio.create_task(relay.run())

    async def cancel() -> None:
        task.cancel()  # mid-round: its UPDATE is waiting on the lock
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await relay.stop()
        await db.dispose()

    return cancel
