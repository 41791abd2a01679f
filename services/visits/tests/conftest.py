from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from asgi_lifespan import LifespanManager

from hearth_kit.db import Database
from hearth_kit.migrations import upgrade
from tests.harness.infra import DatabaseFactory
from visits.app import create_app
from visits.settings import MIGRATIONS_DIR, VisitsSettings


@pytest.fixture(scope="module")
async def visits_db_url(databases: DatabaseFactory) -> str:
    url = await databases.create("visits")
    await upgrade(MIGRATIONS_DIR, url)
    return url


@pytest.fixture(scope="module")
async def visits(visits_db_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """The visits API on a real, migrated database; relay and consumer off, so events
    stay in the outbox where tests read them."""
    settings = VisitsSettings(
        database_url=visits_db_url, relay_enabled=False, consumer_enabled=False
    )
    app = create_app(settings)
    async with (
        LifespanManager(app) as manager,
        httpx.AsyncClient(
            transport=httpx.ASGITransport(manager.app), base_url="http://visits"
        ) as client,
    ):
        yield client


@pytest.fixture(scope="module")
async def visits_database(visits_db_url: str) -> AsyncIterator[Database]:
    db = Database(visits_db_url)
    yield db
    await db.dispose()
