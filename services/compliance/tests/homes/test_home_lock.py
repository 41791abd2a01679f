"""Locking a home for a change does not wait for a row that only refers to it.

A check's access attempt or certificate locks its check and then inserts a row that
refers to the home (PostgreSQL takes a key share lock on the home's row for the foreign
key). A gas safety record locked the home FOR UPDATE and then the home's open check:
each waited for the other, and PostgreSQL broke the deadlock with a 500 (seen by
Schemathesis through the gateway). The home is now locked FOR NO KEY UPDATE, which a key
share does not block."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import httpx
import pytest
import sqlalchemy

from compliance.homes import repository
from hearth_kit.db import Database
from tests.harness.locks import until_a_backend_waits_for_a_lock

from .test_endpoints import a_home, a_uprn


async def test_a_home_is_locked_for_a_change_while_a_row_refers_to_it(
    compliance: httpx.AsyncClient, compliance_database: Database
) -> None:
    if not compliance_database.is_postgresql:
        pytest.skip("PostgreSQL's row lock modes; SQLite serialises writers as a whole")
    uprn = a_uprn()
    assert (await compliance.post("/v1/homes", json=a_home(uprn))).status_code == 201
    async with compliance_database.sessionmaker() as referring, referring.begin():
        # what inserting a row with a foreign key to the home takes on its row
        await referring.execute(
            sqlalchemy.text("SELECT uprn FROM home WHERE uprn = :uprn FOR KEY SHARE"),
            {"uprn": uprn},
        )
        async with compliance_database.sessionmaker() as changing, changing.begin():
            await changing.execute(sqlalchemy.text("SET LOCAL lock_timeout = '2s'"))
            home = await repository.get(changing, uprn, for_update=True)
            assert home is not None


async def test_an_access_attempt_locks_the_home_before_its_check(
    compliance: httpx.AsyncClient, compliance_database: Database
) -> None:
    """The order every path takes: the home, then its checks. A failed attempt holding
    its check and then changing the home (its no-access history) deadlocked with a gas
    record holding the home and then waiting for the check (Schemathesis, through the
    gateway). While the home is held, the attempt waits before it takes the check."""
    if not compliance_database.is_postgresql:
        pytest.skip("PostgreSQL's row locks; SQLite serialises writers as a whole")
    uprn = a_uprn()
    assert (await compliance.post("/v1/homes", json=a_home(uprn))).status_code == 201
    home = (await compliance.get(f"/v1/compliance/homes/{uprn}")).json()
    [gas] = [c for c in home["checks"] if c["check_type"] == "gas_safety"]
    async with compliance_database.sessionmaker() as holding, holding.begin():
        await repository.get(holding, uprn, for_update=True)  # as a gas record does first
        attempt = asyncio.create_task(
            compliance.post(
                f"/v1/compliance/checks/{gas['id']}/access-attempts",
                json={
                    "attempted_at": datetime.now(UTC).isoformat(),
                    "attempted_by": "engineer-1",
                    "outcome": "no_access",
                },
            )
        )
        # the attempt is waiting for the home; the check is still free to lock
        async with compliance_database.sessionmaker() as record, record.begin():
            await record.execute(sqlalchemy.text("SET LOCAL lock_timeout = '2s'"))
            await until_a_backend_waits_for_a_lock(compliance_database)
            locked = await record.execute(
                sqlalchemy.text("SELECT id FROM compliance_check WHERE id = :id FOR UPDATE"),
                {"id": gas["id"]},
            )
            assert locked.first() is not None
    response = await attempt
    assert response.status_code == 201, response.text
