"""The consumer's offset commit has a time budget, so a broker lost between a batch's
transaction and its commit never keeps the consumer from stopping.

aiokafka's commit retries while the group coordinator cannot be found, and it cannot
be while the broker is down: without a budget the commit waited for the broker under
the consumer's batch lock, and `EventConsumer.stop()` (a graceful shutdown, a pod
restarted during a broker outage) waited for that lock until the process was killed.
The batch's effects are committed in the database already; its offsets are committed
again by whoever handles it next, and the inbox keeps that from applying twice.

A broker of its own (deploy/local), stopped while a handler holds the batch.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import shutil
from collections.abc import Iterator
from typing import ClassVar

import pytest
from pydantic_settings import SettingsConfigDict
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from hearth_contracts import Envelope
from hearth_contracts.events.visits import VisitCompleted
from hearth_kit.consumer import EventConsumer, EventHandlers
from hearth_kit.db import Database
from hearth_kit.settings import ServiceSettings
from hearth_kit.tables import inbox_event
from tests.harness.events import send_envelope, visit_completed
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
    kafka = LocalKafka(f"kit-commit-{random.randint(0, 10**6)}")
    kafka.start()
    try:
        yield kafka
    finally:
        kafka.stop()
        kafka.remove_data()


async def test_a_consumer_whose_broker_is_lost_before_its_commit_still_stops(
    broker: LocalKafka, kit_database: Database
) -> None:
    settings = RepairsSettings(
        database_url=kit_database.url.render_as_string(hide_password=False),
        environment="development",
        kafka_bootstrap_servers=broker.bootstrap_servers,
        kafka_namespace=NAMESPACE,
        kafka_topic_partitions=1,
        kafka_request_timeout_ms=1000,
    )
    handling, go_on = asyncio.Event(), asyncio.Event()
    handlers = EventHandlers()

    @handlers.on(VisitCompleted)
    async def note_visit(session: AsyncSession, envelope: Envelope[VisitCompleted]) -> None:
        handling.set()
        await go_on.wait()  # the broker is stopped meanwhile

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
    finally:
        go_on.set()
        running.cancel()
        with contextlib.suppress(BaseException):
            await running
