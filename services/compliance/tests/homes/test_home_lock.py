"""Locking a home for a change does not wait for a row that only refers to it.

A check's access attempt or certificate locks its check and then inserts a row that
refers to the home (PostgreSQL takes a key share lock on the home's row for the foreign
key). A gas safety record locked the home FOR UPDATE and then the home's open check:
each waited for the other, and PostgreSQL broke the deadlock with a 500 (seen by
Schemathesis through the gateway). The home is now locked FOR NO KEY UPDATE, which a key
share does not block."""

from __future__ import annotations

import httpx
import pytest
import sqlalchemy

from compliance.homes import repository
from hearth_kit.db import Database

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
