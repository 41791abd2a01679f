"""A write the gateway gave up on is retried with the same Idempotency-Key and gets the
first attempt's result, done once (issue 11): the service goes on with the write after
the gateway's budget ran out, and the retry is answered with what it stored.

On the real compliance service and gateway, on PostgreSQL: the test holds the outbox
table so the first attempt's write waits (after its key is claimed) until the gateway
has answered 503, then lets it go on.
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, text

from gateway.app import create_app
from gateway.auth import issue_development_token
from gateway.settings import GatewaySettings
from hearth_kit.db import Database
from hearth_kit.tables import idempotency_record
from tests.harness.infra import DatabaseFactory
from tests.harness.locks import until_a_backend_waits_for_a_lock
from tests.harness.platform import Platform, run_platform, serve, stop

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
async def platform(kafka: str, databases: DatabaseFactory) -> AsyncIterator[Platform]:
    async with run_platform(kafka, databases, services=("compliance",)) as running:
        yield running


@pytest.fixture(scope="module")
async def impatient_gateway(platform: Platform) -> AsyncIterator[httpx.AsyncClient]:
    """A gateway giving a write half a second, beside the platform's own."""
    settings = GatewaySettings(
        compliance_url=platform.service("compliance").url, write_timeout_seconds=0.5
    )
    running = await serve("impatient-gateway", create_app(settings))
    try:
        async with httpx.AsyncClient(base_url=running.url, timeout=30, headers=STAFF) as client:
            yield client
    finally:
        await stop(running)


@pytest.fixture(scope="module")
async def database(platform: Platform) -> AsyncIterator[Database]:
    db = Database(platform.service("compliance").database_url)
    yield db
    await db.dispose()


STAFF = {
    "Authorization": "Bearer "
    + issue_development_token(role="compliance_manager", subject="officer-timeout")
}


def a_home() -> dict[str, Any]:
    return {
        "uprn": str(random.randint(10**9, 10**12 - 1)),
        "address_line_1": "14 Clarence Road",
        "town": "London",
        "postcode": "E5 8HB",
        "property_type": "flat",
        "heating_fuel": "electric",
        "gas_supply": "none",
    }


async def homes_with(database: Database, uprn: str) -> int:
    async with database.engine.connect() as connection:
        query = text("SELECT count(*) FROM home WHERE uprn = :uprn")
        return int((await connection.execute(query, {"uprn": uprn})).scalar_one())


async def test_a_write_the_gateway_gave_up_on_is_replayed_to_its_retry_and_done_once(
    platform: Platform, impatient_gateway: httpx.AsyncClient, database: Database
) -> None:
    if database.engine.dialect.name != "postgresql":
        pytest.skip("holds a table lock: PostgreSQL")
    home = a_home()
    key = {"Idempotency-Key": f"register-{home['uprn']}"}
    async with database.engine.connect() as holder:
        transaction = await holder.begin()
        # Inserts wait; the key's claim and look-up (reads, an advisory lock) do not.
        await holder.execute(text("LOCK TABLE outbox_message IN SHARE MODE"))
        given_up = await impatient_gateway.post("/v1/homes", json=home, headers=key)
        assert given_up.status_code == 503, given_up.text
        assert "may or may not have happened" in given_up.json()["detail"]
        # The first attempt is still there on the service, waiting for the table.
        await until_a_backend_waits_for_a_lock(database)
        await transaction.rollback()
    async with platform.client("gateway", headers=STAFF) as gateway:
        retried = await gateway.post("/v1/homes", json=home, headers=key)
    assert retried.status_code == 201, retried.text
    assert retried.headers.get("idempotent-replayed") == "true"
    assert retried.headers["location"] == f"/v1/homes/{home['uprn']}"
    assert retried.json()["uprn"] == home["uprn"]
    assert await homes_with(database, home["uprn"]) == 1
    async with database.engine.connect() as connection:
        stored = select(func.count()).where(idempotency_record.c.key == key["Idempotency-Key"])
        assert (await connection.execute(stored)).scalar_one() == 1
