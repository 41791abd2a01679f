"""What the consumer sends the broker while it holds a batch has a time budget, its
offset commit and a dead letter's copy on the dead-letter topic, so a broker lost
meanwhile never keeps the consumer from stopping.

aiokafka's commit retries while the group coordinator cannot be found, and it cannot
be while the broker is down: without a budget the commit waited for the broker under
the consumer's batch lock, and `EventConsumer.stop()` (a graceful shutdown, a pod
restarted during a broker outage) waited for that lock until the process was killed.
The batch's effects are committed in the database already; its offsets are committed
again by whoever handles it next, and the inbox keeps that from applying twice.

The idempotent producer never expires what it could not send ("retry until we
succeed"), and a producer stopped flushes it first: the dead letter's copy, and the
producer's close, waited for the broker the same way. Given up, the copy is sent again
when the consumer, restarted, comes back to the event (the dead letter's row is kept
once, its copy at least once).

A broker of its own (deploy/local), stopped while a handler holds the batch.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import shutil
from collections.abc import Iterator
from typing import Any, ClassVar

import pytest
from pydantic_settings import SettingsConfigDict
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from hearth_contracts import Envelope
from hearth_contracts.events.visits import VisitCompleted
from hearth_kit.consumer import EventConsumer, EventHandlers
from hearth_kit.db import Database
from hearth_kit.settings import ServiceSettings
from hearth_kit.tables import dead_letter, inbox_event
from tests.harness.events import eventually, send_envelope, send_envelopes, visit_completed
from tests.harness.infra import LocalKafka

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        shutil.which("java") is None or shutil.which("mvn") is None,
        reason="stopping a broker needs one of the test's own: deploy/local (a JDK and Maven)",
    ),
]

NAMESPACE = "kit-commit"
STOPPED_WITHIN = 20.0
"""Time enough to give the commit up (1 s here) and leave the group; without a budget
the commit waits for the broker."""


class RepairsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="HEARTH_KIT_TEST_REPAIRS_", extra="ignore")
    service_name: ClassVar[str] = "repairs"


@pytest.fixture
def broker() -> Iterator[LocalKafka]:
    with LocalKafka.running(f"kit-commit-{random.randint(0, 10**6)}") as kafka:
        yield kafka


def aiokafka_tasks() -> set[asyncio.Task[Any]]:
    """The tasks of aiokafka's own still running in this loop: a producer's sender, a
    client's metadata sync, a consumer's coordination, heartbeat and fetcher."""
    running = set()
    for task in asyncio.all_tasks():
        code = getattr(task.get_coro(), "cr_code", None)
        if code is not None and "aiokafka" in code.co_filename and not task.done():
            running.add(task)
    return running


def names(tasks: set[asyncio.Task[Any]]) -> list[str]:
    return sorted(getattr(task.get_coro(), "__qualname__", "?") for task in tasks)


def settings_for(broker: LocalKafka, db: Database, **more: Any) -> RepairsSettings:
    """A consumer of the test's own broker, one partition, whose requests to the broker
    are given up after a second (the commit's and the dead letter's copy's budget)."""
    return RepairsSettings(
        database_url=db.url.render_as_string(hide_password=False),
        environment="development",
        kafka_bootstrap_servers=broker.bootstrap_servers,
        kafka_namespace=NAMESPACE,
        kafka_topic_partitions=1,
        kafka_request_timeout_ms=1000,
        **more,
    )


async def test_a_consumer_whose_broker_is_lost_before_its_commit_still_stops(
    broker: LocalKafka, kit_database: Database
) -> None:
    settings = settings_for(broker, kit_database)
    handling, go_on = asyncio.Event(), asyncio.Event()
    handlers = EventHandlers()

    @handlers.on(VisitCompleted)
    async def note_visit(session: AsyncSession, envelope: Envelope[VisitCompleted]) -> None:
        handling.set()
        await go_on.wait()  # the broker is stopped meanwhile

    before = aiokafka_tasks()  # another module's, if any, are not this test's
    consumer = EventConsumer(settings, kit_database, handlers)
    running = asyncio.create_task(consumer.run())
    try:
        async with asyncio.timeout(60):
            await consumer.assigned.wait()
            await send_envelope(
                broker.bootstrap_servers, NAMESPACE, visit_completed("100023336956")
            )
            await handling.wait()
        await asyncio.to_thread(broker.stop)
        go_on.set()  # the batch's transaction commits; its offset commit meets no broker

        async with asyncio.timeout(STOPPED_WITHIN):
            await consumer.stop()  # waited for the broker for ever before
        async with kit_database.sessionmaker() as session:
            handled = await session.scalar(select(func.count()).select_from(inbox_event))
        assert handled == 1
        # The consumer given up is torn down, not left retrying (and logging) for the
        # rest of the process: none of aiokafka's tasks outlives the stop.
        assert names(aiokafka_tasks() - before) == []
    finally:
        go_on.set()
        running.cancel()
        with contextlib.suppress(BaseException):
            await running


async def test_a_consumer_whose_broker_is_lost_before_a_dead_letters_copy_still_stops(
    broker: LocalKafka, kit_database: Database
) -> None:
    settings = settings_for(broker, kit_database, consumer_max_attempts=1)
    first, second = visit_completed("100023336956"), visit_completed("100023336957")
    handling, go_on = asyncio.Event(), asyncio.Event()
    handlers = EventHandlers()

    @handlers.on(VisitCompleted)
    async def fail(session: AsyncSession, envelope: Envelope[VisitCompleted]) -> None:
        if envelope.id == second.id:
            handling.set()
            await go_on.wait()  # the first is dead-lettered, then the broker is stopped
        raise RuntimeError("the handler's own failure")

    before = aiokafka_tasks()  # another module's, if any, are not this test's
    consumer = EventConsumer(settings, kit_database, handlers)
    running = asyncio.create_task(consumer.run())
    try:
        async with asyncio.timeout(60):
            await consumer.assigned.wait()
            await send_envelopes(broker.bootstrap_servers, NAMESPACE, [first, second])
            await handling.wait()
        await asyncio.to_thread(broker.stop)
        go_on.set()  # dead-lettered: its row is written, then its copy meets no broker

        async def letters() -> list[str]:
            async with kit_database.sessionmaker() as session:
                ids = await session.execute(select(dead_letter.c.event_id))
            return sorted(ids.scalars())

        both = sorted([str(first.id), str(second.id)])

        async def both_written() -> bool:  # a stop before would leave the second be
            return await letters() == both

        await eventually(both_written)
        async with asyncio.timeout(STOPPED_WITHIN):
            await consumer.stop()  # waited for the broker for ever before
        assert await letters() == both
        # The dead-letter producer given up is torn down too.
        assert names(aiokafka_tasks() - before) == []
    finally:
        go_on.set()
        running.cancel()
        with contextlib.suppress(BaseException):
            await running
