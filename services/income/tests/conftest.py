"""The income API on a freshly migrated real database (relay and consumer off, so
published events stay in the outbox for tests to read). See tests/harness/service.py."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import date
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from hearth_kit.db import Database
from hearth_kit.tables import outbox_message
from income.tenancies.schemas import TenancyCreate
from tests.harness.infra import DatabaseFactory
from tests.harness.service import migrated_database, opened_database, service_api


@pytest.fixture(scope="module")
async def income_db_url(databases: DatabaseFactory) -> str:
    return await migrated_database(databases, "income")


@pytest.fixture(scope="module")
def backdated_charge_weeks() -> int | None:
    """The income API's `backdated_charge_weeks` (None: the default, 4). A module about
    something else whose tenancies start weeks back and charge the weeks it chooses
    overrides this with 0, so recording them charges none back (ADR 0112)."""
    return None


@pytest.fixture(scope="module")
async def income(
    income_db_url: str, backdated_charge_weeks: int | None
) -> AsyncIterator[httpx.AsyncClient]:
    with pytest.MonkeyPatch.context() as env:
        if backdated_charge_weeks is not None:
            env.setenv("HEARTH_INCOME_BACKDATED_CHARGE_WEEKS", str(backdated_charge_weeks))
        async with service_api("income", income_db_url) as client:
            yield client


@pytest.fixture(scope="module")
async def income_database(income_db_url: str) -> AsyncIterator[Database]:
    async with opened_database(income_db_url) as db:
        yield db


StartTenancy = Callable[..., Awaitable[dict[str, Any]]]


async def a_tenancy(income: httpx.AsyncClient, **overrides: Any) -> dict[str, Any]:
    """Start a tenancy of a new home through the API; returns its public JSON (with
    rent_account_id)."""
    body = {
        "tenancy_reference": f"T-{uuid.uuid4().hex[:12].upper()}",
        "uprn": str(10**11 + uuid.uuid4().int % (9 * 10**11)),
        "tenants": [{"full_name": "Sam Okafor", "person_id": str(uuid.uuid4())}],
        "start_date": "2025-04-07",
        "tenancy_type": "secure",
        "weekly_rent_pence": 10_000,
        **overrides,
    }
    response = await income.post("/v1/tenancies", json=body)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


@pytest.fixture
def start_tenancy(income: httpx.AsyncClient) -> StartTenancy:
    """a_tenancy on this module's income API."""

    async def start(**overrides: Any) -> dict[str, Any]:
        return await a_tenancy(income, **overrides)

    return start


def a_uprn() -> str:
    """A UPRN no other test's home has (the service's database is shared by a module)."""
    return str(10**11 + uuid.uuid4().int % (9 * 10**11))


def new_tenancy(start_date: date, **overrides: Any) -> TenancyCreate:
    """An introductory tenancy from `start_date` of a new home (or the `uprn` given), as
    the service takes it: rent 70.00 and service charge 14.00 a week."""
    return TenancyCreate.model_validate(
        {
            "tenancy_reference": f"T-{uuid.uuid4().hex[:12].upper()}",
            "uprn": a_uprn(),
            "tenants": [{"full_name": "Sam Okafor", "person_id": str(uuid.uuid4())}],
            "start_date": start_date.isoformat(),
            "tenancy_type": "introductory",
            "weekly_rent_pence": 7_000,
            "weekly_service_charge_pence": 1_400,
            **overrides,
        }
    )


async def events_of(db: Database, uprn: str) -> list[tuple[str, dict[str, Any]]]:
    """Every event published about the home (keyed by its UPRN), type and payload, in the
    order published."""
    async with db.sessionmaker() as session:
        rows = (
            (
                await session.execute(
                    select(outbox_message)
                    .where(outbox_message.c.message_key == uprn)
                    .order_by(outbox_message.c.id)
                )
            )
            .mappings()
            .all()
        )
    return [(row["event_type"], json.loads(row["payload"])) for row in rows]
