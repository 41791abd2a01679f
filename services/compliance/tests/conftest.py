from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from asgi_lifespan import LifespanManager

from compliance.app import create_app
from compliance.settings import MIGRATIONS_DIR, ComplianceSettings
from hearth_kit.db import Database
from hearth_kit.migrations import upgrade
from tests.harness.infra import DatabaseFactory


@pytest.fixture(scope="module")
async def compliance_db_url(databases: DatabaseFactory) -> str:
    url = await databases.create("compliance")
    await upgrade(MIGRATIONS_DIR, url)
    return url


@pytest.fixture(scope="module")
async def compliance(compliance_db_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """The compliance API on a real, migrated database; the relay is off, so published
    events stay in the outbox where tests can read them."""
    settings = ComplianceSettings(
        database_url=compliance_db_url, relay_enabled=False, consumer_enabled=False
    )
    app = create_app(settings)
    async with (
        LifespanManager(app) as manager,
        httpx.AsyncClient(
            transport=httpx.ASGITransport(manager.app), base_url="http://compliance"
        ) as client,
    ):
        yield client


@pytest.fixture(scope="module")
async def compliance_database(compliance_db_url: str) -> AsyncIterator[Database]:
    db = Database(compliance_db_url)
    yield db
    await db.dispose()
