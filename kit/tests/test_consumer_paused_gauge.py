"""hearth_consumer_paused_partitions has a sample, 0, from the moment a consumer starts,
before any partition was ever paused (docs/runbooks/database-failover.md, step 3, and
stuck-consumer.md read it), even while the consumer still waits for the broker to
answer its first request."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import ClassVar

import pytest
from prometheus_client import REGISTRY
from pydantic_settings import SettingsConfigDict

from hearth_contracts import Envelope
from hearth_contracts.events.visits import VisitCompleted
from hearth_kit.consumer import EventConsumer, EventHandlers
from hearth_kit.db import Database
from hearth_kit.metrics import CONSUMER_PAUSED_PARTITIONS
from hearth_kit.settings import ServiceSettings
from tests.harness.events import eventually


class EngagementSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="HEARTH_KIT_TEST_ENGAGEMENT_", extra="ignore")
    service_name: ClassVar[str] = "engagement"


handlers = EventHandlers()


@handlers.on(VisitCompleted)
async def _visit_completed(_session: object, _envelope: Envelope[VisitCompleted]) -> None:
    """Never called: the broker cannot be reached."""


@pytest.fixture
async def silent_broker() -> AsyncIterator[str]:
    """An address that accepts connections and never answers (a broker behind a network
    that drops its packets): the consumer's first request waits for its timeout."""
    held: list[asyncio.StreamWriter] = []

    async def hold(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    try:
        yield f"127.0.0.1:{server.sockets[0].getsockname()[1]}"
    finally:
        for writer in held:
            writer.close()
        server.close()


def paused_sample() -> float | None:
    return REGISTRY.get_sample_value(
        "hearth_consumer_paused_partitions", {"service": EngagementSettings.service_name}
    )


async def test_the_paused_partitions_gauge_is_zero_from_the_start(
    kit_database: Database, silent_broker: str
) -> None:
    with contextlib.suppress(KeyError):  # another test of this process may have set it
        CONSUMER_PAUSED_PARTITIONS.remove(EngagementSettings.service_name)
    assert paused_sample() is None
    settings = EngagementSettings(
        kafka_bootstrap_servers=silent_broker, kafka_request_timeout_ms=60_000
    )
    consumer = EventConsumer(settings, kit_database, handlers)
    task = asyncio.create_task(consumer.run())
    try:

        async def sampled() -> bool:
            return paused_sample() is not None

        assert await eventually(sampled, timeout=10, interval=0.05)
        assert paused_sample() == 0
    finally:
        await consumer.stop()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
