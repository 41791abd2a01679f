from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from asgi_lifespan import LifespanManager

from hearth_kit.db import Database
from hearth_kit.migrations import upgrade
from income.app import create_app
from income.settings import MIGRATIONS_DIR, IncomeSettings
from tests.harness.infra import DatabaseFactory


@pytest.fixture(scope="module")
async def income_db_url(databases: DatabaseFactory) -> str:
    url = await databases.create("income")
    await upgrade(MIGRATIONS_DIR, url)
    return url


@pytest.fixture(scope="module")
async def income(income_db_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """The income API on a real, migrated database; the relay and consumer are off, so
    published events stay in the outbox where tests can read them."""
    settings = IncomeSettings(
        database_url=income_db_url, relay_enabled=False, consumer_enabled=False
    )
    app = create_app(settings)
    async with (
        LifespanManager(app) as manager,
        httpx.AsyncClient(
            transport=httpx.ASGITransport(manager.app), base_url="http://income"
        ) as client,
    ):
        yield client


@pytest.fixture(scope="module")
async def income_database(income_db_url: str) -> AsyncIterator[Database]:
    db = Database(income_db_url)
    yield db
    await db.dispose()
