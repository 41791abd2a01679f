"""The income API on a freshly migrated real database (relay and consumer off, so
published events stay in the outbox for tests to read). See tests/harness/service.py."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest

from hearth_kit.db import Database
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
