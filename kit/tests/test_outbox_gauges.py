"""The outbox gauges show a broker outage as it happens: they are counted on a timer of
their own, so a relay whose turn waits on a broker that does not answer (up to its
request timeout, a minute here) still reports the backlog and its oldest row's age
within seconds (docs/runbooks/lost-broker.md, step 1)."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from typing import ClassVar

import pytest
from prometheus_client import REGISTRY
from pydantic_settings import SettingsConfigDict

from hearth_kit.db import Database
from hearth_kit.outbox import OutboxRelay, publish
from hearth_kit.settings import ServiceSettings
from tests.harness.events import eventually, visit_completed


class GaugedSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="HEARTH_KIT_TEST_GAUGES_", extra="ignore")
    service_name: ClassVar[str] = "engagement"


@pytest.fixture
async def silent_broker() -> AsyncIterator[str]:
    """An address that accepts connections and never answers: a broker lost behind a
    network that drops its packets, so every request waits for its timeout (a refused
    connection fails at once, which is not the case to show)."""
    held: list[asyncio.StreamWriter] = []

    async def hold(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"127.0.0.1:{port}"
    finally:
        for writer in held:
            writer.close()
        server.close()


def gauge(name: str) -> float | None:
    return REGISTRY.get_sample_value(name, {"service": GaugedSettings.service_name})


async def test_the_backlog_shows_within_seconds_while_the_broker_does_not_answer(
    silent_broker: str, kit_database: Database
) -> None:
    settings = GaugedSettings(
        kafka_bootstrap_servers=silent_broker,
        kafka_namespace=f"t{uuid.uuid4().hex[:10]}",
        kafka_request_timeout_ms=60_000,  # each turn waits a minute for the broker
        outbox_metrics_interval_seconds=0.2,
    )
    async with kit_database.sessionmaker() as session, session.begin():
        for _ in range(3):
            await publish(session, visit_completed("100023336956").data)
    relay = OutboxRelay(settings, kit_database)
    task = asyncio.create_task(relay.run())
    try:

        async def backlog_shown() -> bool:
            return gauge("hearth_outbox_backlog") == 3

        assert await eventually(backlog_shown, timeout=20, interval=0.1)
        assert (gauge("hearth_outbox_oldest_age_seconds") or 0) > 0
    finally:
        await relay.stop()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
