"""The compliance API on a freshly migrated real database (relay and consumer off, so
published events stay in the outbox for tests to read; the scheduled sweep off, so a
test runs it itself at the moment it chooses). See tests/harness/service.py."""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from compliance.checks.service import ProgrammeService
from compliance.settings import Programme
from hearth_kit.db import Database
from hearth_kit.tables import outbox_message
from tests.harness.infra import DatabaseFactory
from tests.harness.service import migrated_database, opened_database, service_api

Published = Callable[..., Awaitable[list[dict[str, Any]]]]


@pytest.fixture(scope="module")
async def compliance_db_url(databases: DatabaseFactory) -> str:
    return await migrated_database(databases, "compliance")


@pytest.fixture(scope="module")
async def compliance(compliance_db_url: str) -> AsyncIterator[httpx.AsyncClient]:
    previous = os.environ.get("HEARTH_COMPLIANCE_SCHEDULER_ENABLED")
    os.environ["HEARTH_COMPLIANCE_SCHEDULER_ENABLED"] = "false"
    try:
        async with service_api("compliance", compliance_db_url) as client:
            yield client
    finally:
        if previous is None:
            os.environ.pop("HEARTH_COMPLIANCE_SCHEDULER_ENABLED", None)
        else:
            os.environ["HEARTH_COMPLIANCE_SCHEDULER_ENABLED"] = previous


@pytest.fixture(scope="module")
async def compliance_database(compliance_db_url: str) -> AsyncIterator[Database]:
    async with opened_database(compliance_db_url) as db:
        yield db


@pytest.fixture
def programme() -> ProgrammeService:
    """The programme with the default settings (the tests run its sweep themselves)."""
    return ProgrammeService(Programme())


@pytest.fixture
def published(compliance_database: Database) -> Published:
    """The payloads of the events in the outbox, by type name and key (a UPRN)."""

    async def read(name: str, uprn: str) -> list[dict[str, Any]]:
        async with compliance_database.sessionmaker() as session:
            rows = (
                await session.execute(
                    select(outbox_message.c.payload)
                    .where(
                        # any version (check-completed is v2 now, v1 before)
                        outbox_message.c.event_type.like(f"uk.hearth.compliance.{name}.v%"),
                        outbox_message.c.message_key == uprn,
                    )
                    .order_by(outbox_message.c.id)
                )
            ).scalars()
            return [json.loads(row) for row in rows]

    return read
