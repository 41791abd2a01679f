"""Consumer guarantees on a real broker and database: a redelivered event has no second
effect, and a poison event is dead-lettered without blocking its partition."""

from __future__ import annotations

import random
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from hearth_contracts import Envelope, dead_letter_topic
from hearth_contracts.events.visits import VisitFoundRepair
from tests.harness.events import eventually, read_all, send_envelope, send_raw, topic_of
from tests.harness.infra import DatabaseFactory
from tests.harness.platform import Platform, run_platform

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
async def platform(kafka: str, databases: DatabaseFactory) -> AsyncIterator[Platform]:
    async with run_platform(kafka, databases, services=("repairs",), gateway=False) as running:
        yield running


def found(uprn: str, visit_id: uuid.UUID | None = None) -> Envelope[VisitFoundRepair]:
    return Envelope(
        data=VisitFoundRepair(
            visit_id=visit_id or uuid.uuid4(),
            finding_id=uuid.uuid4(),
            uprn=uprn,
            description="Loose banister",
            location="stairs",
            trade="carpentry",
            reported_at=datetime.now(UTC),
            repairs_found_on_visit=1,
        )
    )


async def open_repairs(platform: Platform, uprn: str) -> list[dict[str, object]]:
    async with platform.client("repairs") as client:
        response = await client.get("/v1/repairs", params={"uprn": uprn})
    items: list[dict[str, object]] = response.json()["items"]
    return items


async def test_the_same_event_delivered_twice_creates_its_repair_once(platform: Platform) -> None:
    uprn = str(random.randint(10**9, 10**12 - 1))
    event = found(uprn)
    await send_envelope(platform.kafka, platform.namespace, event)
    await send_envelope(platform.kafka, platform.namespace, event)  # redelivery: same ce_id
    marker = found(uprn)  # a later event on the same key: once it is handled, both were
    await send_envelope(platform.kafka, platform.namespace, marker)

    async def both_handled() -> list[dict[str, object]]:
        repairs = await open_repairs(platform, uprn)
        return repairs if len(repairs) >= 2 else []

    repairs = await eventually(both_handled)
    assert len(repairs) == 2
    assert sorted(str(r["description"]) for r in repairs) == ["Loose banister"] * 2


async def test_a_poison_event_is_dead_lettered_and_the_partition_moves_on(
    platform: Platform,
) -> None:
    uprn = str(random.randint(10**9, 10**12 - 1))
    good = found(uprn)
    poison_headers = [
        (k, v) if k != "ce_id" else ("ce_id", str(uuid.uuid4()).encode()) for k, v in good.headers()
    ]
    topic = topic_of("visits", platform.namespace)
    await send_raw(
        platform.kafka,
        topic,
        key=uprn.encode(),
        value=b'{"visit_id": "not-a-uuid", "uprn": "' + uprn.encode() + b'"}',
        headers=poison_headers,
    )
    await send_envelope(platform.kafka, platform.namespace, good)  # same key, same partition

    repairs = await eventually(lambda: open_repairs(platform, uprn))
    assert len(repairs) == 1

    dlq = dead_letter_topic("repairs", "repairs", platform.namespace)
    records = await read_all(platform.kafka, dlq, at_least=1)
    poison = [r for r in records if r.key == uprn.encode()]
    assert len(poison) == 1
    headers = {k: v.decode() for k, v in poison[0].headers}
    assert headers["hearth_dlq_original_topic"] == topic
    assert int(headers["hearth_dlq_original_offset"]) >= 0
    assert headers["hearth_dlq_original_partition"].isdigit()
    assert headers["hearth_dlq_attempts"] == "4"
    assert "visit_id" in headers["hearth_dlq_error"]
    assert "not-a-uuid" not in headers["hearth_dlq_error"]  # where it broke, not the value
    assert headers["ce_type"] == "uk.hearth.visits.visit-found-repair.v1"

    async with platform.client("repairs") as client:
        listed = (await client.get("/admin/dead-letters")).json()
    assert any(d["event_id"] == headers["ce_id"] for d in listed)
