"""The harness' service API (tests/harness/service.py) runs no scheduled job of its own.

Its tests run a service's jobs themselves, at the moments they choose, and then count
what a job handled, which message went by which channel, which event was raised once.
A scheduler running beside them with the real clock (engagement's messages every 30 s,
repairs' contractor webhooks every 10 s, each job once as the app starts) could take a
row first: a message a test meant to send through its Notify stand-in went as a letter,
a breach was raised before the test's own sweep counted it. Whether it did depended on
when the job woke, so such a test failed now and then, never on a rerun."""

from __future__ import annotations

import asyncio

import pytest

from tests.harness.infra import DatabaseFactory
from tests.harness.platform import SERVICE_NAMES
from tests.harness.service import migrated_database, service_api


@pytest.mark.parametrize("service", SERVICE_NAMES)
async def test_the_service_api_leaves_the_scheduled_jobs_to_the_tests(
    databases: DatabaseFactory, service: str
) -> None:
    url = await migrated_database(databases, service)
    async with service_api(service, url) as client:
        assert (await client.get("/healthz")).status_code == 200
        running = [t.get_name() for t in asyncio.all_tasks() if t.get_name().startswith("job ")]
        assert running == []
