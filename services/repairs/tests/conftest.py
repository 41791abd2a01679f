"""The repairs API on a freshly migrated real database (relay and consumer off, so
published events stay in the outbox for tests to read). See tests/harness/service.py."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Iterator
from datetime import datetime

import httpx
import pytest
from asgi_lifespan import LifespanManager
from pydantic import SecretStr

from hearth_contracts.events.visits import Trade
from hearth_kit.db import Database
from repairs.app import create_app
from repairs.settings import Contractor, RepairsSettings
from services.repairs.tests.contractor_doubles import WEBHOOK_SECRET, WebhookReceiver, manager
from tests.harness.infra import DatabaseFactory
from tests.harness.service import migrated_database, opened_database, service_api
from tests.harness.tokens import InternalTokenAuth


@pytest.fixture(scope="module")
async def repairs_db_url(databases: DatabaseFactory) -> str:
    return await migrated_database(databases, "repairs")


@pytest.fixture(scope="module")
async def repairs(repairs_db_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with service_api("repairs", repairs_db_url) as client:
        yield client


@pytest.fixture(scope="module")
async def repairs_database(repairs_db_url: str) -> AsyncIterator[Database]:
    async with opened_database(repairs_db_url) as db:
        yield db


@pytest.fixture(scope="module")
def webhook_receiver() -> Iterator[WebhookReceiver]:
    with WebhookReceiver(failures=2) as receiver:
        yield receiver


@pytest.fixture(scope="module")
def contracted_settings(repairs_db_url: str, webhook_receiver: WebhookReceiver) -> RepairsSettings:
    """Two contractors (plumbing with a webhook; electrical without), one place per
    trade per slot (so a second booking finds the slot full), back-off from 30 s; the
    scheduler off, so tests run the jobs themselves at the moments they choose."""
    return RepairsSettings(
        database_url=repairs_db_url,
        relay_enabled=False,
        consumer_enabled=False,
        contractors={
            "plumbfast": Contractor(
                trades=[Trade.PLUMBING, Trade.CARPENTRY],
                webhook_url=webhook_receiver.url,
                webhook_secret=SecretStr(WEBHOOK_SECRET),
            ),
            "sparks": Contractor(trades=[Trade.ELECTRICAL, Trade.GENERAL]),
        },
        capacity_per_slot=1,
        scheduler_enabled=False,
    )


@pytest.fixture(scope="module")
async def staff(contracted_settings: RepairsSettings) -> AsyncIterator[httpx.AsyncClient]:
    """The repairs API with the contractors above, as the gateway calls it for staff."""
    app = create_app(contracted_settings)
    async with (
        LifespanManager(app) as manager,
        httpx.AsyncClient(
            transport=httpx.ASGITransport(manager.app),
            base_url="http://repairs",
            auth=InternalTokenAuth("repairs"),
        ) as client,
    ):
        yield client


async def a_damp_case(staff: httpx.AsyncClient, aware: datetime) -> str:
    """A significant damp and mould case at a home of its own, opened by a repairs
    manager with the landlord aware from `aware`: its id."""
    opened = await staff.post(
        "/v1/awaab-cases",
        json={
            "uprn": str(random.randint(10**9, 10**12 - 1)),
            "severity": "significant",
            "became_aware_at": aware.isoformat(),
        },
        auth=manager(),
    )
    assert opened.status_code == 201, opened.text
    case_id: str = opened.json()["id"]
    return case_id
