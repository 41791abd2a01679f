"""Faults: a consumer process killed mid-way, and the database restarting under load.
Neither loses an event nor applies one twice."""

from __future__ import annotations

import asyncio
import random
import signal
import subprocess
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from sqlalchemy import func, select

from hearth_contracts import Envelope
from hearth_contracts.events.repairs import RepairReportedV3
from hearth_contracts.events.visits import VisitFoundRepair
from hearth_kit.db import Database
from hearth_kit.migrations import upgrade
from hearth_kit.tables import dead_letter, inbox_event, outbox_message
from repairs.models import RepairRequest
from repairs.settings import MIGRATIONS_DIR
from tests.harness.events import eventually, send_envelopes, topic_of
from tests.harness.infra import (
    DatabaseFactory,
    LocalPostgres,
    free_port,
    local_postgres_available,
)
from tests.harness.platform import Platform, run_platform
from tests.harness.processes import start_service_process

pytestmark = pytest.mark.integration


def findings(count: int) -> list[Envelope[VisitFoundRepair]]:
    uprns = [str(random.randint(10**9, 10**12 - 1)) for _ in range(6)]
    visits = {uprn: uuid.uuid4() for uprn in uprns}
    events = []
    for i in range(count):
        uprn = uprns[i % len(uprns)]
        events.append(
            Envelope(
                data=VisitFoundRepair(
                    visit_id=visits[uprn],
                    finding_id=uuid.uuid4(),
                    uprn=uprn,
                    description=f"Finding {i}",
                    location="kitchen",
                    trade="general",
                    reported_at=datetime.now(UTC),
                    repairs_found_on_visit=count // len(uprns) + 1,
                )
            )
        )
    return events


async def counts(database_url: str, kafka: str = "", namespace: str = "") -> dict[str, int]:
    """Repairs raised, repair-reported events written, events in the inbox, dead letters.
    The relay deletes an outbox row once the broker acknowledged it (ADR 0020), so the
    events written are those still in the outbox and those on the repairs topic, each
    event id once (counted only when `kafka` is given: reading the topic is slow)."""
    db = Database(database_url)
    try:
        async with db.sessionmaker() as session:
            repairs = await session.scalar(select(func.count()).select_from(RepairRequest))
            waiting = set(
                await session.scalars(
                    select(outbox_message.c.event_id).where(
                        outbox_message.c.event_type == RepairReportedV3.type
                    )
                )
            )
            # Read after the outbox: a row deleted since is on the topic by then.
            reported = len(waiting | await reported_on_topic(kafka, namespace)) if kafka else -1
            inbox = await session.scalar(select(func.count()).select_from(inbox_event))
            dead = await session.scalar(select(func.count()).select_from(dead_letter))
    finally:
        await db.dispose()
    return {
        "repairs": int(repairs or 0),
        "reported": int(reported or 0),
        "inbox": int(inbox or 0),
        "dead_letters": int(dead or 0),
    }


async def reported_on_topic(kafka: str, namespace: str) -> set[uuid.UUID]:
    """The ids of the repair-reported events on the repairs topic, read to its end."""
    topic = topic_of("repairs", namespace)
    producer = AIOKafkaProducer(bootstrap_servers=kafka)  # to look the partitions up
    await producer.start()
    try:
        partitions = [TopicPartition(topic, p) for p in await producer.partitions_for(topic)]
    finally:
        await producer.stop()
    consumer = AIOKafkaConsumer(bootstrap_servers=kafka, enable_auto_commit=False)
    await consumer.start()
    try:
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        ids: set[uuid.UUID] = set()
        while any([await consumer.position(p) < ends[p] for p in partitions]):
            for records in (await consumer.getmany(timeout_ms=500)).values():
                for record in records:
                    headers = dict(record.headers)
                    if headers.get("ce_type") == RepairReportedV3.type.encode():
                        ids.add(uuid.UUID(headers["ce_id"].decode()))
        return ids
    finally:
        await consumer.stop()


def start_repairs_process(
    database_url: str, kafka: str, namespace: str, port: int
) -> subprocess.Popen[bytes]:
    return start_service_process(
        "repairs", database_url=database_url, kafka=kafka, namespace=namespace, port=port
    )


async def test_a_consumer_killed_mid_stream_applies_every_event_exactly_once(
    kafka: str, databases: DatabaseFactory
) -> None:
    url = await databases.create("repairs")
    await upgrade(MIGRATIONS_DIR, url)
    namespace = f"t{uuid.uuid4().hex[:8]}"
    events = findings(1200)
    await send_envelopes(kafka, namespace, events)

    port = free_port()
    first = start_repairs_process(url, kafka, namespace, port)
    try:

        async def started_handling() -> bool:
            return (await counts(url))["repairs"] > 0

        await eventually(started_handling, timeout=60, interval=0.05)
    finally:
        first.send_signal(signal.SIGKILL)  # no graceful shutdown, mid-batch
        first.wait(timeout=30)
    at_kill = (await counts(url))["repairs"]

    second = start_repairs_process(url, kafka, namespace, port)
    try:

        async def all_handled() -> dict[str, int] | None:
            now = await counts(url)
            return now if now["inbox"] >= len(events) else None

        final = await eventually(all_handled, timeout=120, interval=0.2)
        await asyncio.sleep(1.0)  # anything applied twice would show up by now
        final = await counts(url, kafka, namespace)
    finally:
        second.terminate()
        second.wait(timeout=30)
    assert final == {
        "repairs": len(events),
        "reported": len(events),
        "inbox": len(events),
        "dead_letters": 0,
    }, f"{at_kill} repairs had been raised when the first process was killed"


@pytest.fixture(scope="module")
def private_postgres() -> Iterator[LocalPostgres]:
    """A PostgreSQL cluster of this module's own: the test restarts it, and a restart of
    the server every other test shares would break tests running beside it."""
    cluster = LocalPostgres(f"faults-{random.randint(0, 10**6)}")
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()
        cluster.remove_data()


@pytest.fixture(scope="module")
async def platform_on_private_postgres(
    kafka: str, private_postgres: LocalPostgres, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Platform]:
    databases = DatabaseFactory(private_postgres.url, tmp_path_factory.mktemp("sqlite"))
    async with run_platform(kafka, databases, services=("repairs",), gateway=False) as running:
        yield running


@pytest.mark.skipif(
    not local_postgres_available(),
    reason="restarting a database needs Debian's PostgreSQL server (CI installs it)",
)
async def test_a_database_restart_under_load_loses_nothing_and_applies_nothing_twice(
    platform_on_private_postgres: Platform, private_postgres: LocalPostgres
) -> None:
    platform = platform_on_private_postgres
    events = findings(300)
    url = platform.service("repairs").database_url
    await send_envelopes(platform.kafka, platform.namespace, events[:150])
    command, env = private_postgres.restart_command()
    restart = await asyncio.create_subprocess_exec(
        *command, env=env, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL
    )
    await send_envelopes(platform.kafka, platform.namespace, events[150:])
    assert await restart.wait() == 0

    async def all_handled() -> dict[str, int] | None:
        try:
            now = await counts(url)
        except Exception:
            return None  # the database is still coming back
        return now if now["inbox"] >= len(events) else None

    await eventually(all_handled, timeout=120, interval=0.5)
    await asyncio.sleep(1.0)
    assert await counts(url, platform.kafka, platform.namespace) == {
        "repairs": len(events),
        "reported": len(events),
        "inbox": len(events),
        "dead_letters": 0,
    }
    async with httpx.AsyncClient(base_url=platform.service("repairs").url) as client:
        assert (await client.get("/readyz")).status_code == 200
