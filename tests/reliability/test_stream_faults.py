"""A stream of thousands of events across services, while the broker is killed, a consumer process
is SIGKILLed and PostgreSQL restarts: every event has its effect exactly once, nothing is
dead-lettered, and every projection equals one rebuilt from the topics afterwards.

compliance publishes property-registered and property-updated (each home's updates in
order), visits publishes visit-found-repair; visits and income project homes, repairs
projects homes and raises a repair per finding (in its own process, which is killed).
The stream is written into the publishers' outboxes as their APIs would, in
transactions, so the relays carry it through the faults.

`make test` runs it at 3,300 events (a third), so that CI stays within its time;
`make soak` runs the whole 10,000 (HEARTH_SOAK_SCALE=1): the faults strike at the same
points of the stream either way.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import os
import random
import shutil
import signal
import uuid
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from time import perf_counter as clock
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from sqlalchemy import MetaData, func, select
from sqlalchemy.exc import IntegrityError

from hearth_contracts import Envelope, Event
from hearth_contracts.envelope import parse_message
from hearth_contracts.events.compliance import (
    GasSupply,
    HeatingFuel,
    PropertyRegistered,
    PropertyType,
    PropertyUpdated,
)
from hearth_contracts.events.visits import Trade, VisitFoundRepair
from hearth_kit.consumer import EventHandlers
from hearth_kit.consumer import is_infrastructure_fault as is_outage
from hearth_kit.db import Database
from hearth_kit.outbox import publish
from hearth_kit.settings import ServiceSettings
from hearth_kit.tables import dead_letter, inbox_event, outbox_message
from tests.harness.events import eventually, topic_of
from tests.harness.infra import (
    DatabaseFactory,
    LocalKafka,
    LocalPostgres,
    free_port,
    local_postgres_available,
)
from tests.harness.platform import run_platform, settings_class
from tests.harness.processes import start_service_process
from tests.harness.service import migrated_database

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        shutil.which("java") is None or shutil.which("mvn") is None,
        reason="killing and restarting a broker needs deploy/local (a JDK and Maven)",
    ),
    pytest.mark.skipif(
        not local_postgres_available(),
        reason="restarting a database needs Debian's PostgreSQL server (CI installs it)",
    ),
]

SCALE = float(os.environ.get("HEARTH_SOAK_SCALE", "0.33"))
"""The stream's size against the whole soak's (1,500 homes, 4,000 findings)."""
HOMES = round(1_500 * SCALE)
UPDATES_PER_HOME = 3
FINDINGS = round(4_000 * SCALE)
TOTAL = HOMES * (1 + UPDATES_PER_HOME) + FINDINGS
CONSUMERS = ("visits", "income", "repairs")
PARTITIONS = ServiceSettings.model_fields["kafka_topic_partitions"].default
WALL_CLOCK_COLUMNS = {"id", "updated_at", "created_at", "appointment_request_id"}
"""Columns a handler fills from the clock or a fresh uuid, not from the event."""


def the_stream() -> list[Event]:
    """TOTAL events (10,000 at full scale): each home registered then updated three times,
    and findings."""
    start = datetime.now(UTC) - timedelta(days=1)
    uprns = random.sample(range(10**9, 10**12), HOMES)
    fuels = [HeatingFuel.GAS, HeatingFuel.ELECTRIC, HeatingFuel.DISTRICT]
    homes: list[list[Event]] = []
    for n, number in enumerate(uprns):
        uprn = str(number)
        common: dict[str, Any] = {
            "uprn": uprn,
            "address_line_1": f"{n} Stream Street",
            "town": "London",
            "property_type": PropertyType.FLAT,
            "gas_supply": GasSupply.LIVE,
        }
        story: list[Event] = [
            PropertyRegistered(
                **common,
                postcode="E8 1AA",
                heating_fuel=HeatingFuel.GAS,
                registered_at=start,
            )
        ]
        for update in range(1, UPDATES_PER_HOME + 1):
            story.append(
                PropertyUpdated(
                    **common,
                    postcode=f"E{update} 1AA",
                    tenure="general_needs",
                    heating_fuel=fuels[(n + update) % len(fuels)],
                    updated_at=start + timedelta(minutes=update),
                )
            )
        homes.append(story)
    visits = {str(u): uuid.uuid4() for u in uprns}
    findings: list[Event] = []
    for i in range(FINDINGS):
        uprn = str(uprns[i % HOMES])
        findings.append(
            VisitFoundRepair(
                visit_id=visits[uprn],
                finding_id=uuid.uuid4(),
                uprn=uprn,
                description=f"Finding {i}",
                location="kitchen",
                trade=Trade.GENERAL,
                reported_at=start + timedelta(hours=1),
                repairs_found_on_visit=FINDINGS // HOMES + 1,
            )
        )
    # Interleave whole homes' stories with findings; a home's own events stay in order.
    stream: list[Event] = []
    per_home = FINDINGS // HOMES + 1
    for n, story in enumerate(homes):
        stream.extend(story)
        stream.extend(findings[n * per_home : (n + 1) * per_home])
    stream.extend(findings[HOMES * per_home :])
    assert len(stream) == TOTAL
    return stream


@dataclass
class Writer:
    """Writes the stream into the publishers' outboxes, as their APIs would."""

    outboxes: dict[str, Database]
    written: int = 0

    async def write(self, stream: Sequence[Event], batch: int = 50) -> None:
        for start in range(0, len(stream), batch):
            chunk = stream[start : start + batch]
            for service in {e.service for e in chunk}:
                await self._commit(service, [e for e in chunk if e.service == service])
            self.written += len(chunk)
            await asyncio.sleep(0.01)

    async def _commit(self, service: str, events: list[Event]) -> None:
        envelopes = [Envelope(data=e) for e in events]
        while True:
            try:
                async with self.outboxes[service].sessionmaker() as session, session.begin():
                    for envelope in envelopes:
                        await publish(session, envelope.data)
                return
            except IntegrityError:
                return  # committed just before the connection dropped: already written
            except Exception as exc:
                if not is_outage(exc):
                    raise
                await asyncio.sleep(0.5)  # the database is restarting: retry, as a client would

    async def reached(self, count: int) -> None:
        await eventually(lambda: self._at_least(count), timeout=300, interval=0.05)

    async def _at_least(self, count: int) -> bool:
        return self.written >= count


def handlers_of(service: str) -> EventHandlers:
    """The handlers the service's app is built with, from its own settings."""
    settings = settings_class(service)(relay_enabled=False, consumer_enabled=False)
    app = importlib.import_module(f"{service}.app").create_app(settings)
    handlers: EventHandlers = app.state.handlers
    return handlers


async def read_topics(kafka: str, topics: list[str]) -> list[Envelope[Event]]:
    """Every event on the topics, in partition order, each event id once."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=kafka, enable_auto_commit=False, auto_offset_reset="earliest"
    )
    await consumer.start()
    try:
        partitions = [TopicPartition(topic, p) for topic in topics for p in range(PARTITIONS)]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        envelopes: list[Envelope[Event]] = []
        seen: set[uuid.UUID] = set()
        async with asyncio.timeout(60):
            while any([await consumer.position(tp) < ends[tp] for tp in partitions]):
                batches = await consumer.getmany(timeout_ms=500, max_records=5000)
                for records in batches.values():
                    for record in records:
                        envelope = parse_message(record.headers, record.value)
                        if envelope.id not in seen:
                            seen.add(envelope.id)
                            envelopes.append(envelope)
    finally:
        await consumer.stop()
    return envelopes


async def rebuild(service: str, url: str, envelopes: list[Envelope[Event]]) -> None:
    """Apply the events to a fresh database through the service's own handlers."""
    handlers = handlers_of(service)
    relevant = [e for e in envelopes if e.type in handlers]
    db = Database(url)
    try:
        for start in range(0, len(relevant), 500):
            async with db.sessionmaker() as session, session.begin():
                # In topic order, as the live consumer applies a batch.
                await handlers.apply(session, relevant[start : start + 500])
    finally:
        await db.dispose()


async def projection(service: str, url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the service's own tables, without clock- or uuid-filled columns."""
    models = importlib.import_module(f"{service}.models")
    metadata: MetaData = getattr(models, f"{service.capitalize()}Model").metadata
    db = Database(url)
    tables: dict[str, list[tuple[Any, ...]]] = {}
    try:
        async with db.sessionmaker() as session:
            for table in metadata.sorted_tables:
                columns = [c for c in table.columns if c.name not in WALL_CLOCK_COLUMNS]
                rows = (await session.execute(select(*columns))).all()
                tables[table.name] = sorted((tuple(r) for r in rows), key=repr)
    finally:
        await db.dispose()
    return tables


async def counts(url: str) -> dict[str, int]:
    db = Database(url)
    try:
        async with db.sessionmaker() as session:
            # The relay deletes a row once the broker acknowledged it: what is left is unsent.
            unpublished = await session.scalar(select(func.count()).select_from(outbox_message))
            inbox = await session.scalar(select(func.count()).select_from(inbox_event))
            dead = await session.scalar(select(func.count()).select_from(dead_letter))
    except Exception:
        return {"unpublished": -1, "inbox": -1, "dead_letters": -1}  # the database restarting
    finally:
        await db.dispose()
    return {
        "unpublished": int(unpublished or 0),
        "inbox": int(inbox or 0),
        "dead_letters": int(dead or 0),
    }


@pytest.fixture(scope="module")
def broker() -> Iterator[LocalKafka]:
    kafka = LocalKafka(f"stream-test-{random.randint(0, 10**6)}")
    kafka.start()
    try:
        yield kafka
    finally:
        kafka.stop()
        kafka.remove_data()


@pytest.fixture(scope="module")
def private_postgres() -> Iterator[LocalPostgres]:
    """A PostgreSQL cluster of this module's own: the test restarts it, and a restart of
    the server every other test shares would break tests running beside it."""
    cluster = LocalPostgres(f"stream-{random.randint(0, 10**6)}")
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()
        cluster.remove_data()


@contextlib.asynccontextmanager
async def repairs_process(url: str, kafka: str, namespace: str) -> AsyncIterator[list[Any]]:
    """The repairs service in its own process; the list holds the current process."""
    port = free_port()
    current = [
        start_service_process(
            "repairs", database_url=url, kafka=kafka, namespace=namespace, port=port
        )
    ]
    try:
        yield current
    finally:
        current[0].terminate()
        current[0].wait(timeout=30)


async def test_a_stream_through_broker_process_and_database_faults_applies_each_event_once(
    broker: LocalKafka,
    private_postgres: LocalPostgres,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    databases = DatabaseFactory(private_postgres.url, tmp_path_factory.mktemp("sqlite"))
    kafka = broker.bootstrap_servers
    stream = the_stream()
    async with run_platform(
        kafka, databases, services=("compliance", "visits", "income"), gateway=False
    ) as platform:
        repairs_url = await migrated_database(databases, "repairs")
        outboxes = {
            name: Database(platform.service(name).database_url) for name in ("compliance", "visits")
        }
        writer = Writer(outboxes)
        async with repairs_process(repairs_url, kafka, platform.namespace) as repairs:
            started = clock()
            writing = asyncio.create_task(writer.write(stream))
            try:
                await writer.reached(TOTAL // 5)
                # The broker dies mid-stream: writes go on into the outboxes.
                await asyncio.to_thread(broker.stop)
                await asyncio.sleep(3)
                await asyncio.to_thread(broker.start)
                print(f"broker back after {clock() - started:.1f}s")

                await writer.reached(TOTAL // 2)
                repairs[0].send_signal(signal.SIGKILL)  # no graceful shutdown, mid-batch
                await asyncio.to_thread(repairs[0].wait, 30)
                repairs[0] = start_service_process(
                    "repairs",
                    database_url=repairs_url,
                    kafka=kafka,
                    namespace=platform.namespace,
                    port=free_port(),
                )

                await writer.reached(TOTAL * 7 // 10)
                command, env = private_postgres.restart_command()
                restart = await asyncio.create_subprocess_exec(
                    *command,
                    env=env,
                    stdout=asyncio.subprocess.DEVNULL,
                    stderr=asyncio.subprocess.DEVNULL,
                )
                assert await restart.wait() == 0
                print(f"database restarted after {clock() - started:.1f}s")
                await writing
                print(f"stream written after {clock() - started:.1f}s")
            finally:
                writing.cancel()
                for db in outboxes.values():
                    await db.dispose()

            urls = {
                name: platform.service(name).database_url
                for name in ("compliance", "visits", "income")
            }
            urls["repairs"] = repairs_url
            # Each service's handlers built once (an app a comprehension's element, 30,000
            # of them, held this loop and the services in it for two minutes).
            handled = {name: handlers_of(name) for name in CONSUMERS}
            expected_inbox = {
                name: sum(1 for e in stream if e.type in handled[name]) for name in CONSUMERS
            }

            last: dict[str, dict[str, int]] = {}

            async def drained() -> bool:
                last.update({name: await counts(url) for name, url in urls.items()})
                return all(c["unpublished"] == 0 for c in last.values()) and all(
                    last[name]["inbox"] >= expected_inbox[name] for name in CONSUMERS
                )

            try:
                await eventually(drained, timeout=180, interval=1.0)
            except TimeoutError:
                pytest.fail(f"not drained in time: {last}, expected inboxes {expected_inbox}")
            print(f"drained after {clock() - started:.1f}s")
            await asyncio.sleep(2.0)  # anything applied twice would show by now
            final = {name: await counts(url) for name, url in urls.items()}
            live = {name: await projection(name, urls[name]) for name in CONSUMERS}

    for name in CONSUMERS:
        assert final[name]["inbox"] == expected_inbox[name], name
    assert all(c["dead_letters"] == 0 for c in final.values()), final

    envelopes = await read_topics(
        kafka, [topic_of("compliance", platform.namespace), topic_of("visits", platform.namespace)]
    )
    assert len(envelopes) == TOTAL, "every event reached its topic (duplicates removed)"
    assert len(live["repairs"]["repair_request"]) == FINDINGS
    for name in CONSUMERS:
        rebuilt_url = await migrated_database(databases, name)
        await rebuild(name, rebuilt_url, envelopes)
        assert live[name] == await projection(name, rebuilt_url), (
            f"{name}'s projection differs from a rebuild from the topics"
        )
