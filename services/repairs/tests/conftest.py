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

from hearth_contracts.events.repairs import AwarenessSource
from hearth_contracts.events.visits import HazardSeverity, Trade
from hearth_kit.db import Database
from hearth_kit.working_days import ENGLAND_AND_WALES
from repairs.app import create_app
from repairs.awaab.rules import before_the_law
from repairs.awaab.service import AwaabService
from repairs.settings import AwaabTargets, Contractor, RepairsSettings
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


async def a_case_from_before_the_law(
    db: Database, uprn: str, severity: HazardSeverity, aware: datetime
) -> str:
    """A case whose landlord became aware before Awaab's Law was in force, opened as the
    service opens one, on the database: its id. The API refuses it and events open none
    (docs/adr/0190), but tests that keep each to a year of its own (so the figures of one
    never see another's clocks) set their stories in the years before the law, and what
    they test (pauses, breaches, the figures) is the same for any date."""
    cases = AwaabService(AwaabTargets(), ENGLAND_AND_WALES)
    async with db.sessionmaker() as session, session.begin():
        case, _clocks = await cases.open_case(
            session,
            uprn=uprn,
            severity=severity,
            source=AwarenessSource.CONTACT_CENTRE,
            became_aware_at=aware,
        )
    return str(case.id)


async def a_damp_case(staff: httpx.AsyncClient, aware: datetime, db: Database | None = None) -> str:
    """A significant damp and mould case at a home of its own, opened by a repairs
    manager with the landlord aware from `aware`: its id. From before the law, on `db`
    (a_case_from_before_the_law)."""
    uprn = str(random.randint(10**9, 10**12 - 1))
    if db is not None and before_the_law(aware):
        return await a_case_from_before_the_law(db, uprn, HazardSeverity.SIGNIFICANT, aware)
    opened = await staff.post(
        "/v1/awaab-cases",
        json={"uprn": uprn, "severity": "significant", "became_aware_at": aware.isoformat()},
        auth=manager(),
    )
    assert opened.status_code == 201, opened.text
    case_id: str = opened.json()["id"]
    return case_id
