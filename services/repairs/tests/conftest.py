from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from asgi_lifespan import LifespanManager

from hearth_kit.db import Database
from hearth_kit.migrations import upgrade
from repairs.app import create_app
from repairs.settings import MIGRATIONS_DIR, RepairsSettings
from tests.harness.infra import DatabaseFactory


@pytest.fixture(scope="module")
async def repairs_db_url(databases: DatabaseFactory) -> str:
    url = await databases.create("repairs")
    await upgrade(MIGRATIONS_DIR, url)
    return url


@pytest.fixture(scope="module")
async def repairs(repairs_db_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """The repairs API on a real, migrated database; relay and consumer off, so events
    stay in the outbox where tests read them."""
    settings = RepairsSettings(
        database_url=repairs_db_url, relay_enabled=False, consumer_enabled=False
    )
    app = create_app(settings)
    async with (
        LifespanManager(app) as manager,
        httpx.AsyncClient(
            transport=httpx.ASGITransport(manager.app), base_url="http://repairs"
        ) as client,
    ):
        yield client


@pytest.fixture(scope="module")
async def repairs_database(repairs_db_url: str) -> AsyncIterator[Database]:
    db = Database(repairs_db_url)
    yield db
    await db.dispose()
