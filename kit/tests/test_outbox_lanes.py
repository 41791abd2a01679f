"""Relay lanes (docs/adr/0018-relay-lanes.md): with `outbox_relay_lanes` > 1 each lane
(the rows whose key hashes to it) has its own lock, so relays publish one outbox side
by side; every row is still published once and in order per key."""

from __future__ import annotations

import asyncio
import contextlib
import random
import uuid
from collections import defaultdict
from typing import Any, ClassVar

import pytest
from aiokafka import ConsumerRecord
from pydantic_settings import SettingsConfigDict
from sqlalchemy import func, select, text
from typer.testing import CliRunner

from hearth_contracts import events_topic
from hearth_kit.cli import build_app
from hearth_kit.db import Database
from hearth_kit.outbox import OutboxRelay, publish, relay_lane_lock_key, relay_lock_key
from hearth_kit.settings import ServiceSettings
from hearth_kit.tables import kit_metadata
from kit.tests.conftest import TopicReader
from tests.harness.events import eventually, visit_completed
from tests.harness.infra import DatabaseFactory


class VisitsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="HEARTH_KIT_TEST_LANES_", extra="ignore")
    service_name: ClassVar[str] = "visits"


HOMES = [str(100_000_000_000 + n) for n in range(8)]


async def _outbox(
    databases: DatabaseFactory, name: str, kafka: str, **extra: object
) -> tuple[VisitsSettings, str]:
    if not databases.is_postgresql:
        pytest.skip("lanes are for PostgreSQL: the embedded SQLite default runs one relay")
    url = await databases.create(name)
    settings = VisitsSettings(
        database_url=url,
        kafka_bootstrap_servers=kafka,
        kafka_namespace=f"t{uuid.uuid4().hex[:10]}",
        outbox_poll_interval_seconds=0.02,
        **extra,
    )
    return settings, url


async def _write(db: Database, written: dict[str, list[str]], events: int) -> None:
    async with db.sessionmaker() as session, session.begin():
        for number in range(events):
            home = HOMES[number] if number < len(HOMES) else random.choice(HOMES)
            envelope = await publish(session, visit_completed(home).data)
            written[home].append(str(envelope.id))


async def _unpublished_by_lane(db: Database, lanes: int) -> dict[int, int]:
    async with db.sessionmaker() as session:
        rows = await session.execute(
            text(
                "SELECT (hashtext(message_key) & 2147483647) % :lanes, count(*)"
                " FROM outbox_message GROUP BY 1"
            ),
            {"lanes": lanes},
        )
        return {int(lane): int(count) for lane, count in rows}


def _sent_by_key(records: list[ConsumerRecord[Any, Any]]) -> dict[str, list[str]]:
    sent: dict[str, list[str]] = defaultdict(list)
    for record in sorted(records, key=lambda r: (r.partition, r.offset)):
        sent[record.key.decode()].append(dict(record.headers)["ce_id"].decode())
    return sent


async def test_two_lanes_publish_each_row_once_in_order_per_key(
    kafka: str, databases: DatabaseFactory, read_topic: TopicReader
) -> None:
    """Two replicas, two lanes, no lane set on either: each takes the lane the other
    does not hold, while both replicas' APIs keep writing."""
    settings, url = await _outbox(
        databases, "kit_relay_lanes", kafka, outbox_relay_lanes=2, outbox_batch_size=25
    )
    replicas = [Database(url), Database(url)]
    async with replicas[0].engine.begin() as conn:
        await conn.run_sync(kit_metadata.create_all)
    relays = [OutboxRelay(settings, db) for db in replicas]
    tasks = [asyncio.create_task(relay.run()) for relay in relays]
    written: dict[str, list[str]] = defaultdict(list)
    try:
        for number in range(40):
            await _write(replicas[number % 2], written, 10)
            await asyncio.sleep(0.005)

        async def all_published() -> bool:
            return not await _unpublished_by_lane(replicas[0], 2)

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
    assert _sent_by_key(records) == written


async def test_a_held_lane_waits_and_is_taken_over_when_released(
    kafka: str, databases: DatabaseFactory, read_topic: TopicReader
) -> None:
    """While another relay holds lane 0 (its turn's lock, held here on a connection of
    the test's own), a second relay sends only lane 1; once lane 0 is free it sends
    lane 0 as well. A relay of the whole outbox (one lane, say a replica not yet
    configured) is kept out while any lane is being sent."""
    settings, url = await _outbox(databases, "kit_relay_lane_takeover", kafka, outbox_relay_lanes=2)
    db = Database(url)
    holder = Database(url)
    async with db.engine.begin() as conn:
        await conn.run_sync(kit_metadata.create_all)
    written: dict[str, list[str]] = defaultdict(list)
    relay = OutboxRelay(settings, db)
    whole_outbox = OutboxRelay(settings.model_copy(update={"outbox_relay_lanes": 1}), db)
    try:
        await _write(db, written, 60)
        before = await _unpublished_by_lane(db, 2)
        assert before.get(0)  # both lanes have rows (every home has one)
        assert before.get(1)

        async with holder.sessionmaker() as session, session.begin():
            await session.execute(
                select(
                    func.pg_advisory_xact_lock_shared(relay_lock_key("visits")),
                    func.pg_advisory_xact_lock(relay_lane_lock_key("visits", 0, 2)),
                )
            )
            assert await relay.publish_pending() == before[1]
            assert await relay.publish_pending() == 0  # lane 0 is still held
            assert await _unpublished_by_lane(db, 2) == {0: before[0]}
            assert await whole_outbox.publish_pending() == 0  # a lane is being sent

        assert await relay.publish_pending() == before[0]  # released: taken over
        assert await _unpublished_by_lane(db, 2) == {}
    finally:
        await relay.stop()
        await whole_outbox.stop()
        await db.dispose()
        await holder.dispose()

    records = await read_topic(events_topic("visits", settings.kafka_namespace))
    assert len(records) == 60
    assert _sent_by_key(records) == written


async def test_a_relay_pinned_to_a_lane_sends_only_that_lane(
    kafka: str, databases: DatabaseFactory
) -> None:
    settings, url = await _outbox(databases, "kit_relay_lane_pinned", kafka, outbox_relay_lanes=3)
    db = Database(url)
    async with db.engine.begin() as conn:
        await conn.run_sync(kit_metadata.create_all)
    written: dict[str, list[str]] = defaultdict(list)
    relays = [OutboxRelay(settings, db, lane=lane) for lane in range(3)]
    try:
        await _write(db, written, 60)
        before = await _unpublished_by_lane(db, 3)
        assert await relays[1].publish_pending() == before.get(1, 0)
        assert 1 not in await _unpublished_by_lane(db, 3)
        assert await relays[0].publish_pending() == before.get(0, 0)
        assert await relays[2].publish_pending() == before.get(2, 0)
        assert await _unpublished_by_lane(db, 3) == {}
        with pytest.raises(ValueError, match="not one of the 3 lanes"):
            OutboxRelay(settings, db, lane=3)
    finally:
        for relay in relays:
            await relay.stop()
        await db.dispose()


def test_hearth_relay_runs_a_services_relay_on_its_own() -> None:
    """`hearth relay <service> [--lane N]` is a kit command (bench/pipeline.py starts it)."""
    result = CliRunner().invoke(build_app(registered=[]), ["relay", "--help"])
    assert result.exit_code == 0
    assert "--lane" in result.output
