"""Hearth's event pipeline measured side by side with Kafka's own tools, on one broker.

Absolute times on shared 2-core machines vary, so each figure is reported as a ratio
to Kafka's own performance tool run in the same session on the same broker:

- outbox relay: events/s from outbox rows to the broker (acks=all, idempotent) against
  `ProducerPerformance` with the same record size, acks=all and idempotence;
- consumer runner: events/s handled with inbox de-duplication and a transaction per
  event, against `ConsumerPerformance` reading the same topic.

Usage: `make bench` (or `uv run python -m bench --events 20000`).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import subprocess
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from hearth_contracts import Envelope
from hearth_contracts.events.visits import VisitFoundRepair
from hearth_kit.consumer import EventConsumer, EventHandlers
from hearth_kit.db import Database
from hearth_kit.kafka import ensure_topics
from hearth_kit.migrations import upgrade
from hearth_kit.outbox import OutboxRelay, publish
from hearth_kit.settings import ServiceSettings
from tests.harness.infra import DatabaseFactory, kafka_bootstrap_servers, postgres_server_url

KAFKA_LIBS = (
    Path(os.environ.get("HEARTH_KAFKA_HOME", Path.home() / ".cache" / "hearth" / "kafka-4.1.1"))
    / "libs"
)


class BenchSettings(ServiceSettings):
    service_name = "visits"


def an_event(i: int) -> VisitFoundRepair:
    return VisitFoundRepair(
        visit_id=uuid.uuid4(),
        finding_id=uuid.uuid4(),
        uprn=str(100000000000 + i % 5000),
        description="Dripping kitchen tap; washer needs replacing",
        location="kitchen",
        trade="plumbing",
        reported_at=datetime.now(UTC),
        repairs_found_on_visit=3,
    )


def kafka_tool(main_class: str, *args: str) -> str:
    result = subprocess.run(
        ["java", "-Xmx512m", "-cp", f"{KAFKA_LIBS}/*", main_class, *args],
        check=True,
        capture_output=True,
        text=True,
    )
    return result.stdout


async def fill_outbox(db: Database, events: int) -> int:
    size = 0
    for start in range(0, events, 1000):
        async with db.sessionmaker() as session, session.begin():
            for i in range(start, min(start + 1000, events)):
                envelope = await publish(session, an_event(i))
                size = len(envelope.value())
    return size


async def relay_rate(settings: BenchSettings, db: Database, events: int) -> float:
    relay = OutboxRelay(settings, db)
    producer = await relay._ensure_producer()
    started = time.perf_counter()
    sent = 0
    while sent < events:
        sent += await relay.publish_pending(producer)
    elapsed = time.perf_counter() - started
    await relay.stop()
    return events / elapsed


def producer_perf_rate(servers: str, topic: str, events: int, record_size: int) -> float:
    out = kafka_tool(
        "org.apache.kafka.tools.ProducerPerformance",
        "--topic",
        topic,
        "--num-records",
        str(events),
        "--record-size",
        str(record_size),
        "--throughput",
        "-1",
        "--producer-props",
        f"bootstrap.servers={servers}",
        "acks=all",
        "enable.idempotence=true",
        "linger.ms=5",
    )
    match = re.findall(r"([\d.]+) records/sec", out)
    return float(match[-1])


async def consumer_rate(settings: BenchSettings, db: Database, events: int) -> float:
    handlers = EventHandlers()
    handled = 0
    done = asyncio.Event()

    @handlers.on(VisitFoundRepair)
    async def count(session: AsyncSession, envelope: Envelope[Any]) -> None:
        nonlocal handled
        handled += 1
        if handled >= events:
            done.set()

    consumer = EventConsumer(settings, db, handlers)
    started = time.perf_counter()
    task = asyncio.create_task(consumer.run())
    await asyncio.wait_for(done.wait(), timeout=600)
    elapsed = time.perf_counter() - started
    await consumer.stop()
    task.cancel()
    return events / elapsed


def consumer_perf_rate(servers: str, topic: str, events: int) -> float:
    out = kafka_tool(
        "org.apache.kafka.tools.ConsumerPerformance",
        "--bootstrap-server",
        servers,
        "--topic",
        topic,
        "--messages",
        str(events),
        "--group",
        f"bench-{uuid.uuid4().hex[:6]}",
        "--timeout",
        "60000",
    )
    # CSV: start, end, MB, MB/s, records, records/s, ...
    last = [line for line in out.splitlines() if line and line[0].isdigit()][-1]
    return float(last.split(",")[5])


async def main(events: int) -> None:
    with kafka_bootstrap_servers() as servers, postgres_server_url() as pg:
        factory = DatabaseFactory(pg, Path(tempfile.mkdtemp()))
        namespace = f"bench{uuid.uuid4().hex[:6]}"
        settings = BenchSettings(
            database_url=await factory.create("bench"),
            kafka_bootstrap_servers=servers,
            kafka_namespace=namespace,
            outbox_batch_size=1000,
        )
        from compliance.settings import MIGRATIONS_DIR

        await upgrade(MIGRATIONS_DIR, settings.database_url)
        db = Database(settings.database_url)
        record_size = await fill_outbox(db, events)
        ours = await relay_rate(settings, db, events)
        perf_topic = f"{namespace}.perf"
        await ensure_topics(settings, [perf_topic])
        theirs = producer_perf_rate(servers, perf_topic, events, record_size)

        # The consumer reads what the relay published (the visits topic).
        consumer_settings = BenchSettings(**{**settings.model_dump(), "kafka_namespace": namespace})
        ours_in = await consumer_rate(consumer_settings, db, events)
        theirs_in = consumer_perf_rate(servers, f"{namespace}.hearth.visits.events", events)
        await db.dispose()
        await factory.drop_all()

    backend = "PostgreSQL" if pg else "SQLite"
    print(
        f"\nHearth event pipeline vs Kafka's own tools ({events} events, {record_size} B, "
        f"{backend}, same broker, same run)"
    )
    print(f"{'measure':<34}{'hearth/s':>12}{'kafka/s':>12}{'ratio':>8}")
    print(
        f"{'outbox relay vs ProducerPerformance':<34}{ours:>12.0f}{theirs:>12.0f}"
        f"{ours / theirs:>8.2f}"
    )
    print(
        f"{'consumer vs ConsumerPerformance':<34}{ours_in:>12.0f}{theirs_in:>12.0f}"
        f"{ours_in / theirs_in:>8.2f}"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=20_000)
    asyncio.run(main(parser.parse_args().events))
