"""Migration 0024: court_outcome_correction, each correction of a hearing's outcome
with the outcome it replaced (ADR 0086). It goes back and forward again."""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from hearth_kit.migrations import alembic_config, upgrade
from income.settings import MIGRATIONS_DIR
from tests.harness.infra import DatabaseFactory


def tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


async def test_0024_adds_the_corrections_table_and_goes_back(databases: DatabaseFactory) -> None:
    url = await databases.create("income_0024")
    await upgrade(MIGRATIONS_DIR, url)
    engine = create_async_engine(url)

    def downgrade(connection: Connection) -> None:
        config = alembic_config(MIGRATIONS_DIR, url)
        config.attributes["connection"] = connection
        command.downgrade(config, "0023")

    try:
        async with engine.connect() as connection:
            assert "court_outcome_correction" in await connection.run_sync(tables)
        async with engine.begin() as connection:
            await connection.run_sync(downgrade)
        async with engine.connect() as connection:
            found = await connection.run_sync(tables)
        assert "court_outcome_correction" not in found
        assert "court_hearing" in found
    finally:
        await engine.dispose()
    await upgrade(MIGRATIONS_DIR, url)  # and forward again
