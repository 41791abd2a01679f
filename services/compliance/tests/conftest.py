"""The compliance API on a freshly migrated real database (relay and consumer off, so
published events stay in the outbox for tests to read). See tests/harness/service.py."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from hearth_kit.db import Database
from tests.harness.infra import DatabaseFactory
from tests.harness.service import migrated_database, opened_database, service_api


@pytest.fixture(scope="module")
async def compliance_db_url(databases: DatabaseFactory) -> str:
    return await migrated_database(databases, "compliance")


@pytest.fixture(scope="module")
async def compliance(compliance_db_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with service_api("compliance", compliance_db_url) as client:
        yield client


@pytest.fixture(scope="module")
async def compliance_database(compliance_db_url: str) -> AsyncIterator[Database]:
    async with opened_database(compliance_db_url) as db:
        yield db
