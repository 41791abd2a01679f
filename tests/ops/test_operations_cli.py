"""The ops commands of `hearth`, run as an operator runs them (the installed command, in
its own process) against the platform on a real broker and real databases: health in
one table, dead letters listed, shown and replayed, a parked outbox row retried, and a
projection rebuilt from the start of its topics with a count that matches."""

from __future__ import annotations

import asyncio
import json
import os
import random
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from sqlalchemy import delete, select, update

from hearth_contracts import Envelope
from hearth_contracts.events.compliance import (
    GasSupply,
    HeatingFuel,
    PropertyRegistered,
    PropertyType,
)
from hearth_kit.db import Database
from hearth_kit.dead_letters import DeadLetters
from hearth_kit.inbox import Message
from hearth_kit.outbox import publish
from hearth_kit.tables import dead_letter, outbox_message
from tests.harness.events import eventually, send_raw, topic_of
from tests.harness.infra import DatabaseFactory
from tests.harness.platform import Platform, run_platform, settings_class
from visits.models import HomeProfile

pytestmark = pytest.mark.integration

HEARTH = Path(sys.executable).parent / "hearth"


@pytest.fixture(scope="module")
async def platform(kafka: str, databases: DatabaseFactory) -> AsyncIterator[Platform]:
    async with run_platform(kafka, databases, services=("compliance", "visits")) as running:
        yield running


async def hearth(platform: Platform, *args: str, **env: str) -> tuple[int, str, str]:
    """Run `hearth` as an operator would, pointed at this platform's processes."""
    environment = {
        **os.environ,
        "COLUMNS": "250",
        "HEARTH_GATEWAY_URL": platform.gateway_url,
        **{
            f"HEARTH_GATEWAY_{name.upper()}_URL": running.url
            for name, running in platform.apps.items()
            if name != "gateway"
        },
        **env,
    }
    process = await asyncio.create_subprocess_exec(
        str(HEARTH),
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=environment,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


def a_uprn() -> str:
    return str(random.randint(10**9, 10**12 - 1))


def a_home(uprn: str) -> PropertyRegistered:
    return PropertyRegistered(
        uprn=uprn,
        address_line_1="3 Mare Street",
        town="London",
        postcode="E8 1HY",
        property_type=PropertyType.FLAT,
        heating_fuel=HeatingFuel.GAS,
        gas_supply=GasSupply.LIVE,
        registered_at=datetime.now(UTC),
    )


async def profile_of(platform: Platform, uprn: str) -> Any:
    db = Database(platform.service("visits").database_url)
    try:
        async with db.sessionmaker() as session:
            return (
                await session.execute(select(HomeProfile).where(HomeProfile.uprn == uprn))
            ).scalar_one_or_none()
    finally:
        await db.dispose()


async def replayed_at(platform: Platform, dead_letter_id: int) -> datetime | None:
    db = Database(platform.service("visits").database_url)
    try:
        async with db.sessionmaker() as session:
            found: datetime | None = await session.scalar(
                select(dead_letter.c.replayed_at).where(dead_letter.c.id == dead_letter_id)
            )
            return found
    finally:
        await db.dispose()


def table_rows(out: str) -> dict[str, list[str]]:
    """A rich table's rows by their first cell (the rest of the cells after it)."""
    rows: dict[str, list[str]] = {}
    for line in out.splitlines():
        cells = [cell.strip() for cell in line.split("│")[1:-1]]
        if cells and cells[0]:
            rows[cells[0]] = cells[1:]
    return rows


async def messages_on(platform: Platform, services: set[str]) -> int:
    """Messages on the services' event topics, as the broker counts them: what their
    relays published and anything sent there by hand (the relay deletes an outbox row
    once it is published, so the outbox no longer counts them)."""
    producer = AIOKafkaProducer(bootstrap_servers=platform.kafka)  # to look partitions up
    consumer = AIOKafkaConsumer(bootstrap_servers=platform.kafka)
    await producer.start()
    await consumer.start()
    try:
        partitions = [
            TopicPartition(topic, partition)
            for topic in (topic_of(service, platform.namespace) for service in services)
            for partition in await producer.partitions_for(topic)
        ]
        ends = await consumer.end_offsets(partitions)
        starts = await consumer.beginning_offsets(partitions)
        return sum(ends[p] - starts[p] for p in partitions)
    finally:
        await consumer.stop()
        await producer.stop()


async def test_health_shows_every_process_ready_in_one_table(platform: Platform) -> None:
    # This module runs two services; the other three are asked at one of them.
    stand_in = platform.service("compliance").url
    code, out, err = await hearth(
        platform,
        "health",
        HEARTH_GATEWAY_REPAIRS_URL=stand_in,
        HEARTH_GATEWAY_INCOME_URL=stand_in,
        HEARTH_GATEWAY_ENGAGEMENT_URL=stand_in,
    )
    assert code == 0, out + err
    rows = table_rows(out)
    for process in ("gateway", "visits", "repairs", "compliance", "income", "engagement"):
        assert rows[process][0] in ("ok", "degraded"), rows[process]


async def test_health_names_a_process_that_does_not_answer_and_fails(platform: Platform) -> None:
    code, out, _err = await hearth(
        platform, "health", HEARTH_GATEWAY_INCOME_URL="http://127.0.0.1:9"
    )
    assert code == 1
    assert table_rows(out)["income"][0] == "unreachable"
    assert table_rows(out)["visits"][0] in ("ok", "degraded")


async def test_a_dead_letter_is_listed_shown_and_replayed_once_its_cause_is_gone(
    platform: Platform,
) -> None:
    """A valid event whose handling failed (the handler since fixed) is replayed by the
    service's own handler: the home appears in visits' projection."""
    visits = platform.service("visits")
    uprn = a_uprn()
    envelope = Envelope(data=a_home(uprn))
    message = Message(
        topic=topic_of("compliance", platform.namespace),
        partition=0,
        offset=0,
        key=envelope.key.encode(),
        value=envelope.value(),
        headers=tuple(envelope.headers()),
    )
    settings = settings_class("visits")(
        database_url=visits.database_url,
        kafka_bootstrap_servers=platform.kafka,
        kafka_namespace=platform.namespace,
    )
    db = Database(visits.database_url)
    writer = DeadLetters(settings, db)
    try:
        await writer.write(message, RuntimeError("handler bug, since fixed"), attempts=4)
        async with db.sessionmaker() as session:
            dead_letter_id = await session.scalar(
                select(dead_letter.c.id).where(dead_letter.c.event_id == str(envelope.id))
            )
    finally:
        await writer.close()
        await db.dispose()
    assert dead_letter_id is not None

    code, out, err = await hearth(platform, "dead-letters", "list", "--service", "visits", "--json")
    assert code == 0, err
    listed = {row["id"]: row for row in json.loads(out)}
    assert listed[dead_letter_id]["event_type"] == PropertyRegistered.type
    assert "handler bug, since fixed" in listed[dead_letter_id]["error"]

    code, out, err = await hearth(
        platform, "dead-letters", "show", "--service", "visits", str(dead_letter_id)
    )
    assert code == 0, err
    shown = json.loads(out)
    assert shown["data"]["uprn"] == uprn
    assert ["ce_id", str(envelope.id)] in shown["headers"]

    assert await profile_of(platform, uprn) is None
    code, out, err = await hearth(
        platform, "dead-letters", "replay", "--service", "visits", str(dead_letter_id)
    )
    assert code == 0, out + err
    assert "replayed 1 of 1" in out
    assert (await profile_of(platform, uprn)).heating_fuel == "gas"
    assert await replayed_at(platform, dead_letter_id) is not None


async def test_a_poison_event_fails_its_replay_again_and_stays_a_dead_letter(
    platform: Platform,
) -> None:
    envelope = Envelope(data=a_home(a_uprn()))
    headers = envelope.headers()
    await send_raw(
        platform.kafka,
        topic_of("compliance", platform.namespace),
        key=envelope.key.encode(),
        value=b'{"uprn": "not a uprn"}',
        headers=headers,
    )
    db = Database(platform.service("visits").database_url)
    try:

        async def dead_lettered() -> int | None:
            async with db.sessionmaker() as session:
                found: int | None = await session.scalar(
                    select(dead_letter.c.id).where(dead_letter.c.event_id == str(envelope.id))
                )
                return found

        dead_letter_id = await eventually(dead_lettered, timeout=60)
    finally:
        await db.dispose()

    code, out, err = await hearth(
        platform, "dead-letters", "replay", "--service", "visits", str(dead_letter_id)
    )
    assert code == 1
    assert f"dead letter {dead_letter_id}: visits said 409" in out + err
    assert "replayed 0 of 1" in out
    assert await replayed_at(platform, dead_letter_id) is None


async def test_a_parked_outbox_row_is_listed_and_once_retried_reaches_its_consumer(
    platform: Platform,
) -> None:
    uprn = a_uprn()
    db = Database(platform.service("compliance").database_url)
    try:
        async with db.sessionmaker() as session, session.begin():
            envelope = await publish(session, a_home(uprn))
            await session.execute(
                update(outbox_message)
                .where(outbox_message.c.event_id == envelope.id)
                .values(parked_at=datetime.now(UTC), attempts=5, last_error="MessageSizeTooLarge")
            )
        async with db.sessionmaker() as session:
            outbox_id = await session.scalar(
                select(outbox_message.c.id).where(outbox_message.c.event_id == envelope.id)
            )
    finally:
        await db.dispose()

    code, out, err = await hearth(platform, "outbox", "parked", "--service", "compliance", "--json")
    assert code == 0, err
    parked = {row["id"]: row for row in json.loads(out)}
    assert parked[outbox_id]["message_key"] == uprn
    assert parked[outbox_id]["last_error"] == "MessageSizeTooLarge"

    code, out, err = await hearth(
        platform, "outbox", "retry", "--service", "compliance", str(outbox_id)
    )
    assert code == 0, err
    assert f"outbox row {outbox_id}" in out

    async def projected() -> Any:
        return await profile_of(platform, uprn)

    assert (await eventually(projected, timeout=30)).uprn == uprn


async def test_an_admin_route_refuses_a_token_for_another_service(platform: Platform) -> None:
    code, _out, err = await hearth(
        platform,
        "dead-letters",
        "list",
        "--service",
        "visits",
        "--url",
        platform.service("compliance").url,
    )
    assert code == 1
    assert "401" in err


async def test_a_projection_rebuilt_from_the_start_of_its_topics_matches_the_count_and_the_rows(
    platform: Platform,
) -> None:
    """Homes registered through the API reach visits; the projection is lost; the rebuild
    reads every event on the topics visits consumes (as many as the producers' outboxes
    published there) and the homes are back as they were."""
    uprns = [a_uprn() for _ in range(5)]
    async with platform.client("compliance") as compliance:
        for uprn in uprns:
            created = await compliance.post(
                "/v1/homes",
                json={
                    "uprn": uprn,
                    "address_line_1": "9 Well Street",
                    "town": "London",
                    "postcode": "E9 7PX",
                    "property_type": "house",
                    "heating_fuel": "electric",
                    "gas_supply": "none",
                },
            )
            assert created.status_code == 201, created.text

    async def all_projected() -> bool:
        return all([await profile_of(platform, uprn) is not None for uprn in uprns])

    assert await eventually(all_projected, timeout=30)
    before = {uprn: (await profile_of(platform, uprn)).heating_fuel for uprn in uprns}

    visits_db = Database(platform.service("visits").database_url)
    try:
        async with visits_db.sessionmaker() as session, session.begin():
            await session.execute(delete(HomeProfile).where(HomeProfile.uprn.in_(uprns)))
    finally:
        await visits_db.dispose()
    assert all([await profile_of(platform, uprn) is None for uprn in uprns])

    # Of the services visits consumes, this module runs compliance; the others' topics
    # are empty.
    consumed = set(platform.service("visits").app.state.handlers.services) & set(platform.apps)
    published_before = await messages_on(platform, consumed)

    code, out, err = await hearth(
        platform,
        "projection",
        "rebuild",
        "--service",
        "visits",
        HEARTH_VISITS_DATABASE_URL=platform.service("visits").database_url,
        KAFKA_BOOTSTRAP_SERVERS=platform.kafka,
        HEARTH_KAFKA_NAMESPACE=platform.namespace,
    )
    assert code == 0, out + err
    summary = out.strip().splitlines()[0]
    read, total = summary.split("read ")[1].split(" events")[0].split(" of ")
    assert read == total
    # Every event the producers' outboxes published, and the ones this module sent by
    # hand (a scheduled job may publish meanwhile: hence the two bounds).
    published_after = await messages_on(platform, consumed)
    assert published_before <= int(total) <= published_after, out + err
    assert "(complete)" in summary
    after = {uprn: (await profile_of(platform, uprn)).heating_fuel for uprn in uprns}
    assert after == before


async def test_showing_a_dead_letter_needs_the_admin_token(platform: Platform) -> None:
    async with httpx.AsyncClient(base_url=platform.service("visits").url) as client:
        assert (await client.get("/admin/dead-letters/1")).status_code == 401
