"""The engagement API on a freshly migrated real database (relay and consumer off, so
published events stay in the outbox for tests to read). See tests/harness/service.py."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from hearth_kit.db import Database
from hearth_kit.tables import outbox_message
from tests.harness.infra import DatabaseFactory
from tests.harness.service import migrated_database, opened_database, service_api
from tests.harness.tokens import InternalTokenAuth


@pytest.fixture(scope="module")
async def engagement_db_url(databases: DatabaseFactory) -> str:
    return await migrated_database(databases, "engagement")


@pytest.fixture(scope="module")
async def engagement(engagement_db_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with service_api("engagement", engagement_db_url) as client:
        yield client


ClientWithScopes = Callable[[frozenset[str]], httpx.AsyncClient]


@pytest.fixture
async def engagement_as(engagement: httpx.AsyncClient) -> AsyncIterator[ClientWithScopes]:
    """Clients on the same app whose tokens carry the given scopes (the staff scopes
    leave out need-to-know ones such as vulnerabilities:read)."""
    opened: list[httpx.AsyncClient] = []

    def client(scopes: frozenset[str]) -> httpx.AsyncClient:
        other = httpx.AsyncClient(
            transport=engagement._transport,  # the same app, another caller
            base_url=str(engagement.base_url),
            auth=InternalTokenAuth("engagement", scopes=scopes),
        )
        opened.append(other)
        return other

    yield client
    for other in opened:
        await other.aclose()


@pytest.fixture(scope="module")
async def engagement_database(engagement_db_url: str) -> AsyncIterator[Database]:
    async with opened_database(engagement_db_url) as db:
        yield db


Published = Callable[[str, str], Awaitable[list[dict[str, Any]]]]


@pytest.fixture
def published(engagement_database: Database) -> Published:
    """The data of every event of one type (`complaint-received`) the service put in its
    outbox for one home, oldest first."""

    async def events_of(uprn: str, event_type: str) -> list[dict[str, Any]]:
        async with engagement_database.sessionmaker() as session:
            rows = await session.execute(
                select(outbox_message.c.payload)
                .where(
                    outbox_message.c.message_key == uprn,
                    outbox_message.c.event_type == f"uk.hearth.engagement.{event_type}.v1",
                )
                .order_by(outbox_message.c.id)
            )
            return [json.loads(payload) for (payload,) in rows.all()]

    return events_of
