"""Parking, on a real broker and a real database: a row the broker keeps refusing is
parked after `outbox_max_attempts`, the later rows of its key wait behind it, every
other key flows on (on the same partition too), and a retry over /admin, once the cause
is fixed, sends the parked row and the rows that waited, in order."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any, ClassVar

import httpx
import pytest
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from fastapi import FastAPI
from prometheus_client import REGISTRY
from pydantic_settings import SettingsConfigDict
from sqlalchemy import insert, select

from hearth_contracts import events_topic
from hearth_contracts.events.visits import (
    Trade,
    VisitFoundRepair,
)
from hearth_kit.app import create_service_app
from hearth_kit.db import Database
from hearth_kit.outbox import OutboxRelay, outbox_row, publish
from hearth_kit.outbox_admin import outbox_admin_router
from hearth_kit.problems import install_problem_handlers
from hearth_kit.settings import ServiceSettings
from hearth_kit.tables import kit_metadata, outbox_message
from kit.tests.conftest import TopicReader
from tests.harness.events import visit_completed
from tests.harness.infra import DatabaseFactory


class VisitsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="HEARTH_KIT_TEST_PARKING_", extra="ignore")
    service_name: ClassVar[str] = "visits"


@pytest.fixture
async def db(databases: DatabaseFactory) -> AsyncIterator[Database]:
    db = Database(await databases.create("kit_parking"))
    async with db.engine.begin() as conn:
        await conn.run_sync(kit_metadata.create_all)
    yield db
    await db.dispose()


@pytest.fixture
def settings(kafka: str) -> VisitsSettings:
    return VisitsSettings(
        kafka_bootstrap_servers=kafka,
        kafka_namespace=f"t{uuid.uuid4().hex[:10]}",
        kafka_request_timeout_ms=5000,
        outbox_max_attempts=3,
    )


@pytest.fixture
async def relay(settings: VisitsSettings, db: Database) -> AsyncIterator[OutboxRelay]:
    relay = OutboxRelay(settings, db)
    yield relay
    await relay.stop()


@pytest.fixture
async def admin_api(db: Database) -> AsyncIterator[httpx.AsyncClient]:
    """The admin router on its own (the service app adds the internal-token check)."""
    app = FastAPI()
    install_problem_handlers(app)
    app.include_router(outbox_admin_router)
    app.state.db = db
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app), base_url="http://visits"
    ) as client:
        yield client


async def create_topic(kafka: str, topic: str, *, max_message_bytes: int) -> None:
    """One partition, so the refused row and every other key share it."""
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka)
    await admin.start()
    try:
        await admin.create_topics(
            [
                NewTopic(
                    topic,
                    num_partitions=1,
                    replication_factor=1,
                    topic_configs={"max.message.bytes": str(max_message_bytes)},
                )
            ]
        )
    finally:
        await admin.close()


async def raise_topic_limit(kafka: str, topic: str) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka)
    await admin.start()
    try:
        await admin.alter_configs(
            [
                ConfigResource(
                    ConfigResourceType.TOPIC, topic, configs={"max.message.bytes": "1048588"}
                )
            ]
        )
    finally:
        await admin.close()


def a_uprn() -> str:
    return str(uuid.uuid4().int % 10**12)


def a_long_repair(uprn: str) -> VisitFoundRepair:
    """About 2 kB: more than a topic limited to 1000 bytes takes."""
    return VisitFoundRepair(
        visit_id=uuid.uuid4(),
        finding_id=uuid.uuid4(),
        uprn=uprn,
        description="Water coming through the kitchen ceiling. " * 40,
        location="kitchen",
        trade=Trade.PLUMBING,
        reported_at=datetime.now(UTC),
        repairs_found_on_visit=1,
    )


async def rows_by_event(db: Database) -> dict[uuid.UUID, Any]:
    async with db.sessionmaker() as session:
        rows = (await session.execute(select(outbox_message))).mappings().all()
    return {row["event_id"]: row for row in rows}


def sent_ids(records: list[Any], key: str) -> list[str]:
    return [
        dict(r.headers)["ce_id"].decode()
        for r in sorted(records, key=lambda r: r.offset)
        if r.key == key.encode()
    ]


def metric(name: str) -> float:
    return REGISTRY.get_sample_value(name, {"service": "visits"}) or 0.0


async def test_a_refused_row_is_parked_its_key_waits_other_keys_flow_and_a_retry_sends_all_in_order(
    kafka: str,
    settings: VisitsSettings,
    db: Database,
    relay: OutboxRelay,
    admin_api: httpx.AsyncClient,
    read_topic: TopicReader,
    capsys: pytest.CaptureFixture[str],
) -> None:
    topic = events_topic("visits", settings.kafka_namespace)
    await create_topic(kafka, topic, max_message_bytes=1000)
    home, neighbour = a_uprn(), a_uprn()
    async with db.sessionmaker() as session, session.begin():
        first = await publish(session, visit_completed(home).data)
        neighbours_first = await publish(session, visit_completed(neighbour).data)
        refused = await publish(session, a_long_repair(home))  # over the topic's limit
        after_refused = await publish(session, visit_completed(home).data)
        neighbours_second = await publish(session, visit_completed(neighbour).data)
        last = await publish(session, visit_completed(home).data)
    parkings_before = metric("hearth_outbox_parkings_total")
    refusals_before = metric("hearth_outbox_refusals_total")

    # Three rounds, three refusals: parked. Every other row went out in the first round.
    assert await relay.publish_pending() == 3
    assert await relay.publish_pending() == 0
    assert await relay.publish_pending() == 0
    assert await relay.publish_pending() == 0  # parked: its key's rows are not even read

    rows = await rows_by_event(db)
    parked = rows[refused.id]
    assert parked["parked_at"] is not None
    assert parked["published_at"] is None
    assert parked["attempts"] == 3
    assert parked["last_error"].startswith("MessageSizeTooLargeError")
    for waiting in (after_refused, last):  # held back, never charged
        assert rows[waiting.id]["published_at"] is None
        assert rows[waiting.id]["attempts"] == 0
        assert rows[waiting.id]["parked_at"] is None
    # The delivered rows are deleted; the parked row and the rows of its key stay.
    assert set(rows) == {refused.id, after_refused.id, last.id}
    records = await read_topic(topic)
    assert sent_ids(records, home) == [str(first.id)]
    assert sent_ids(records, neighbour) == [str(neighbours_first.id), str(neighbours_second.id)]

    assert metric("hearth_outbox_parkings_total") == parkings_before + 1
    assert metric("hearth_outbox_refusals_total") == refusals_before + 3
    assert metric("hearth_outbox_parked") == 1
    logged = capsys.readouterr().out
    assert "outbox row parked" in logged
    assert str(refused.id) in logged
    assert "kitchen ceiling" not in logged  # never the payload

    listed = await admin_api.get("/admin/outbox/parked")
    assert listed.status_code == 200
    [entry] = listed.json()
    assert entry["id"] == parked["id"]
    assert entry["event_id"] == str(refused.id)
    assert entry["event_type"] == VisitFoundRepair.type
    assert entry["topic"] == "hearth.visits.events"
    assert entry["message_key"] == home
    assert entry["attempts"] == 3
    assert entry["held_back"] == 2
    assert "payload" not in entry
    assert "headers" not in entry

    await raise_topic_limit(kafka, topic)  # the cause, fixed
    retried = await admin_api.post(f"/admin/outbox/{parked['id']}/retry")
    assert retried.status_code == 200, retried.text
    assert retried.json()["attempts"] == 0
    assert retried.json()["parked_at"] is None

    for _ in range(10):  # the broker takes a moment to apply the new limit
        if await relay.publish_pending() == 3:
            break
    records = await read_topic(topic)
    assert sent_ids(records, home) == [str(e.id) for e in (first, refused, after_refused, last)]
    assert (await admin_api.get("/admin/outbox/parked")).json() == []
    assert await rows_by_event(db) == {}  # all sent, all deleted


async def test_a_row_too_large_for_the_producer_is_charged_on_each_send_and_parked(
    settings: VisitsSettings, db: Database, relay: OutboxRelay, read_topic: TopicReader
) -> None:
    """Refused before it reaches the broker (over the producer's max_request_size):
    the refusal is charged like the broker's own."""
    home, other = a_uprn(), a_uprn()
    oversized = visit_completed(home)
    async with db.sessionmaker() as session, session.begin():
        await session.execute(
            insert(outbox_message).values(
                **{
                    **outbox_row(oversized),
                    "payload": b'{"padding": "' + b"x" * 1_100_000 + b'"}',
                }
            )
        )
        behind = await publish(session, visit_completed(home).data)
        flowing = await publish(session, visit_completed(other).data)
    refusals_before = metric("hearth_outbox_refusals_total")

    assert await relay.publish_pending() == 1
    rows = await rows_by_event(db)
    assert rows[oversized.id]["attempts"] == 1
    assert rows[oversized.id]["last_error"].startswith("MessageSizeTooLargeError")
    assert rows[oversized.id]["parked_at"] is None
    assert rows[behind.id]["attempts"] == 0
    assert flowing.id not in rows  # delivered, deleted
    assert metric("hearth_outbox_refusals_total") == refusals_before + 1

    assert await relay.publish_pending() == 0
    assert await relay.publish_pending() == 0
    rows = await rows_by_event(db)
    assert rows[oversized.id]["attempts"] == 3
    assert rows[oversized.id]["parked_at"] is not None
    assert rows[behind.id]["published_at"] is None
    records = await read_topic(events_topic("visits", settings.kafka_namespace))
    assert sent_ids(records, other) == [str(flowing.id)]
    assert sent_ids(records, home) == []


async def test_a_turn_of_several_batches_deletes_clean_ones_and_settles_a_refusal_in_a_later_one(
    settings: VisitsSettings, db: Database, read_topic: TopicReader
) -> None:
    """A turn sends batch after batch, deleting each delivered batch on its own
    connection meanwhile; a batch with a refusal is settled in the turn's transaction and
    ends the turn. Each row is sent once, and the refused row's key waits behind it."""
    if not db.is_postgresql:
        pytest.skip("on SQLite (one process, one relay) a turn is one batch")
    relay = OutboxRelay(settings.model_copy(update={"outbox_batch_size": 2}), db)
    home = a_uprn()
    oversized = visit_completed(home)
    async with db.sessionmaker() as session, session.begin():
        early = [await publish(session, visit_completed(a_uprn()).data) for _ in range(3)]
        await session.execute(
            insert(outbox_message).values(
                **{
                    **outbox_row(oversized),
                    "payload": b'{"padding": "' + b"x" * 1_100_000 + b'"}',
                }
            )
        )
        behind = await publish(session, visit_completed(home).data)
        late = await publish(session, visit_completed(a_uprn()).data)
    try:
        # Batches [early 0, early 1] (delivered, deleted apart) and [early 2, oversized]
        # (early 2 delivered, the oversized row charged): the turn ends there.
        assert await relay.publish_pending() == 3
        rows = await rows_by_event(db)
        assert set(rows) == {oversized.id, behind.id, late.id}  # the early ones deleted
        assert rows[oversized.id]["attempts"] == 1
        assert rows[behind.id]["published_at"] is None
        assert rows[behind.id]["attempts"] == 0

        assert await relay.publish_pending() == 0  # [oversized, behind]: its key waits
        assert await relay.publish_pending() == 0  # the third refusal parks it
        assert await relay.publish_pending() == 1  # the rest of its key stays behind it
        rows = await rows_by_event(db)
        assert rows[oversized.id]["parked_at"] is not None
        assert rows[behind.id]["published_at"] is None
        assert set(rows) == {oversized.id, behind.id}  # late delivered, deleted
    finally:
        await relay.stop()
    records = await read_topic(events_topic("visits", settings.kafka_namespace))
    sent = [dict(r.headers)["ce_id"].decode() for r in records]
    assert sorted(sent) == sorted(str(e.id) for e in (*early, late))  # each exactly once
    assert sent_ids(records, home) == []


async def test_retrying_a_row_that_is_not_parked_is_a_404_and_a_huge_id_a_422(
    db: Database, admin_api: httpx.AsyncClient
) -> None:
    async with db.sessionmaker() as session, session.begin():
        await publish(session, visit_completed(a_uprn()).data)
    async with db.sessionmaker() as session:
        unparked_id = await session.scalar(select(outbox_message.c.id).limit(1))

    for outbox_id in (unparked_id, 987654321):
        missing = await admin_api.post(f"/admin/outbox/{outbox_id}/retry")
        assert missing.status_code == 404
        assert missing.headers["content-type"] == "application/problem+json"
        assert missing.json()["type"].endswith("/not-found")

    for invalid in ("9223372036854775808", "0", "-1", "x"):
        response = await admin_api.post(f"/admin/outbox/{invalid}/retry")
        assert response.status_code == 422, invalid
        assert response.headers["content-type"] == "application/problem+json"
    assert (await admin_api.post("/admin/outbox/9223372036854775807/retry")).status_code == 404
    assert (await admin_api.get("/admin/outbox/parked", params={"limit": 201})).status_code == 422


def test_every_service_app_has_the_outbox_admin_routes(kafka: str) -> None:
    app = create_service_app(
        VisitsSettings(kafka_bootstrap_servers=kafka, relay_enabled=False),
        title="Visits",
        description="routes only",
    )
    paths = app.openapi()["paths"]
    assert "get" in paths["/admin/outbox/parked"]
    assert "post" in paths["/admin/outbox/{outbox_id}/retry"]
