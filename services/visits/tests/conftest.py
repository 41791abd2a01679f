"""The visits API on a freshly migrated real database (relay and consumer off, so
published events stay in the outbox for tests to read). See tests/harness/service.py."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

import httpx
import pytest

from hearth_kit.db import Database
from tests.harness.infra import DatabaseFactory
from tests.harness.service import migrated_database, opened_database, service_api

# The York pilot's officers, as the service's settings name them (test_handlers names
# the same ones for the handlers it builds).
os.environ.setdefault("HEARTH_VISITS_CASELOADS__INTRODUCTORY", "officer-intro")
os.environ.setdefault("HEARTH_VISITS_CASELOADS__SUSTAINABLE_TENANCY", "officer-sustain")
os.environ.setdefault("HEARTH_VISITS_CASELOADS__COMMUNITY_BY_AREA", '{"E8": "officer-e8"}')


@pytest.fixture(scope="module")
async def visits_db_url(databases: DatabaseFactory) -> str:
    return await migrated_database(databases, "visits")


@pytest.fixture(scope="module")
async def visits(visits_db_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with service_api("visits", visits_db_url) as client:
        yield client


@pytest.fixture(scope="module")
async def visits_database(visits_db_url: str) -> AsyncIterator[Database]:
    async with opened_database(visits_db_url) as db:
        yield db
