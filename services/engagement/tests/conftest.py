from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from asgi_lifespan import LifespanManager

from engagement.app import create_app
from engagement.settings import MIGRATIONS_DIR, EngagementSettings
from hearth_kit.db import Database
from hearth_kit.migrations import upgrade
from tests.harness.infra import DatabaseFactory


@pytest.fixture(scope="module")
async def engagement_db_url(databases: DatabaseFactory) -> str:
    url = await databases.create("engagement")
    await upgrade(MIGRATIONS_DIR, url)
    return url


@pytest.fixture(scope="module")
async def engagement(engagement_db_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """The engagement API on a real, migrated database; the relay and consumer are off, so
    published events stay in the outbox where tests can read them."""
    settings = EngagementSettings(
        database_url=engagement_db_url, relay_enabled=False, consumer_enabled=False
    )
    app = create_app(settings)
    async with (
        LifespanManager(app) as manager,
        httpx.AsyncClient(
            transport=httpx.ASGITransport(manager.app), base_url="http://engagement"
        ) as client,
    ):
        yield client


@pytest.fixture(scope="module")
async def engagement_database(engagement_db_url: str) -> AsyncIterator[Database]:
    db = Database(engagement_db_url)
    yield db
    await db.dispose()
