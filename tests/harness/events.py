"""Publishing and reading raw Kafka messages in tests, as another service would."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord

from hearth_contracts import Envelope, Event, events_topic
from hearth_contracts.events.income import TenancyStartedV2, TenancyType
from hearth_contracts.events.visits import Trade, VisitCompleted, VisitFoundRepair, VisitKind


def topic_of(service: str, namespace: str) -> str:
    return f"{namespace}.{events_topic(service)}"


async def send_raw(
    kafka: str,
    topic: str,
    *,
    key: bytes,
    value: bytes,
    headers: Sequence[tuple[str, bytes]],
) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=kafka, acks="all", enable_idempotence=True)
    await producer.start()
    try:
        await producer.send_and_wait(topic, value=value, key=key, headers=list(headers))
    finally:
        await producer.stop()


async def send_envelope(kafka: str, namespace: str, envelope: Envelope[Event]) -> None:
    await send_raw(
        kafka,
        topic_of(envelope.data.service, namespace),
        key=envelope.key.encode(),
        value=envelope.value(),
        headers=envelope.headers(),
    )


async def read_all(
    kafka: str, topic: str, *, at_least: int, timeout: float = 30.0
) -> list[ConsumerRecord[Any, Any]]:
    """Every message on `topic` from the beginning, waiting until there are `at_least`."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=kafka,
        group_id=f"test-reader-{uuid.uuid4().hex[:8]}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    records: list[ConsumerRecord[Any, Any]] = []
    try:
        async with asyncio.timeout(timeout):
            while len(records) < at_least:
                batches = await consumer.getmany(timeout_ms=500)
                for batch in batches.values():
                    records.extend(batch)
    finally:
        await consumer.stop()
    return records


async def eventually(check: Any, *, timeout: float = 30.0, interval: float = 0.2) -> Any:
    """Poll an async check until it returns a truthy value; its last value otherwise."""
    last: Any = None
    async with asyncio.timeout(timeout):
        while True:
            last = await check()
            if last:
                return last
            await asyncio.sleep(interval)


async def send_envelopes(kafka: str, namespace: str, envelopes: Sequence[Envelope[Any]]) -> None:
    """Publish many events at once (one producer, acknowledged before returning)."""
    producer = AIOKafkaProducer(bootstrap_servers=kafka, acks="all", enable_idempotence=True)
    await producer.start()
    try:
        pending = [
            await producer.send(
                topic_of(e.data.service, namespace),
                value=e.value(),
                key=e.key.encode(),
                headers=e.headers(),
            )
            for e in envelopes
        ]
        await asyncio.gather(*pending)
    finally:
        await producer.stop()


def a_tenancy_of(
    uprn: str,
    *people: uuid.UUID,
    tenancy_id: uuid.UUID | None = None,
    tenancy_type: TenancyType = TenancyType.SECURE,
) -> TenancyStartedV2:
    """A tenancy of the home from 7 April 2025 as income announces it (tenancy-started
    v2, person ids only): the first person its lead tenant, all of them joint tenants
    when there are several."""
    return TenancyStartedV2(
        tenancy_id=tenancy_id or uuid.uuid4(),
        tenancy_reference=f"T-{uuid.uuid4().hex[:8]}",
        uprn=uprn,
        tenants=[
            {"person_id": person, "lead": n == 0, "joint": len(people) > 1}
            for n, person in enumerate(people)
        ],
        start_date=date(2025, 4, 7),
        tenancy_type=tenancy_type,
        weekly_rent_pence=12_345,
    )


def visit_completed(uprn: str) -> Envelope[VisitCompleted]:
    """A full visit to the home completed now, nothing found: the kit's tests' plain
    event of a handler that takes one event at a time."""
    return Envelope(
        data=VisitCompleted(
            visit_id=uuid.uuid4(),
            uprn=uprn,
            kind=VisitKind.FULL,
            completed_at=datetime.now(UTC),
            repairs_found=0,
            hazards_found=0,
        )
    )


def repair_found(uprn: str) -> Envelope[VisitFoundRepair]:
    """A repair found on a visit to the home now: the kit's tests' event of a batch
    handler."""
    return Envelope(
        data=VisitFoundRepair(
            visit_id=uuid.uuid4(),
            finding_id=uuid.uuid4(),
            uprn=uprn,
            description="Loose banister",
            location="stairs",
            trade=Trade.CARPENTRY,
            reported_at=datetime.now(UTC),
            repairs_found_on_visit=1,
        )
    )
