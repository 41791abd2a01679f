"""The visits API on a freshly migrated real database (relay and consumer off, so
published events stay in the outbox for tests to read).

The app is built from an explicit VisitsSettings (the York pilot's officers,
factories.OFFICERS, the same ones test_handlers builds its handlers with), never from
process-wide environment variables, so nothing leaks into other tests. Its client
calls with staff scopes plus the caseload scopes, the need-to-know visits:notes (as a
visit officer's token) and admin."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from asgi_lifespan import LifespanManager

from hearth_kit.db import Database
from services.visits.tests.factories import OFFICERS
from tests.harness.infra import DatabaseFactory
from tests.harness.service import migrated_database, opened_database
from tests.harness.tokens import ADMIN_SCOPE, STAFF_SCOPES, InternalTokenAuth
from visits.app import create_app
from visits.settings import VisitsSettings

VISITS_SCOPES = STAFF_SCOPES | {"caseloads:read", "caseloads:write", "visits:notes", ADMIN_SCOPE}


@pytest.fixture(scope="module")
async def visits_db_url(databases: DatabaseFactory) -> str:
    return await migrated_database(databases, "visits")


@pytest.fixture(scope="module")
def visits_settings(visits_db_url: str) -> VisitsSettings:
    return VisitsSettings(
        environment="development",
        database_url=visits_db_url,
        relay_enabled=False,
        consumer_enabled=False,
        scheduler_enabled=False,
        caseloads=OFFICERS,
    )


@pytest.fixture(scope="module")
async def visits(visits_settings: VisitsSettings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(visits_settings)
    async with (
        LifespanManager(app) as manager,
        httpx.AsyncClient(
            transport=httpx.ASGITransport(manager.app),
            base_url="http://visits",
            auth=InternalTokenAuth("visits", scopes=VISITS_SCOPES),
        ) as client,
    ):
        yield client


@pytest.fixture(scope="module")
async def visits_database(visits_db_url: str) -> AsyncIterator[Database]:
    async with opened_database(visits_db_url) as db:
        yield db
