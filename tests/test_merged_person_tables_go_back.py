"""The merged_person tables of income 0034, repairs 0032 and visits 0022 (docs/adr/0172):
each migration creates the table with its index, its downgrade drops both, and upgrading
again creates them, on SQLite and PostgreSQL. The table holds only ids a merge retired,
which the consumer rebuilds from engagement's topic no better than it kept them (the
runbook says so), so going back drops it without refusing."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import inspect
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from hearth_kit.migrations import alembic_config, upgrade
from income.settings import MIGRATIONS_DIR as INCOME
from repairs.settings import MIGRATIONS_DIR as REPAIRS
from tests.harness.infra import DatabaseFactory
from visits.settings import MIGRATIONS_DIR as VISITS

MIGRATIONS = {"income": (INCOME, "0033"), "repairs": (REPAIRS, "0031"), "visits": (VISITS, "0021")}


def merged_person(connection: Connection) -> list[str] | None:
    """The merged_person table's index names, None when there is no such table."""
    found = inspect(connection)
    if not found.has_table("merged_person"):
        return None
    return sorted(str(index["name"]) for index in found.get_indexes("merged_person"))


@pytest.mark.parametrize("service", sorted(MIGRATIONS))
async def test_the_merged_person_table_goes_and_comes_back(
    databases: DatabaseFactory, service: str
) -> None:
    migrations, back_to = MIGRATIONS[service]
    url = await databases.create(f"{service}_merged_person")
    await upgrade(migrations, url)
    engine = create_async_engine(url)

    def downgrade(connection: Connection, directory: Path = migrations) -> None:
        config = alembic_config(directory, url)
        config.attributes["connection"] = connection
        command.downgrade(config, back_to)

    try:
        async with engine.connect() as connection:
            assert await connection.run_sync(merged_person) == ["ix_merged_person_kept"]
        async with engine.begin() as connection:
            await connection.run_sync(downgrade)
        async with engine.connect() as connection:
            assert await connection.run_sync(merged_person) is None
    finally:
        await engine.dispose()
    await upgrade(migrations, url)
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            assert await connection.run_sync(merged_person) == ["ix_merged_person_kept"]
    finally:
        await engine.dispose()
