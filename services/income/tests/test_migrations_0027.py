"""Migration 0027: a trial reinstatement names the correction of a court outcome that
put the trial back (ADR 0093), null for an officer's own. It goes back and forward
again, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from hearth_kit.migrations import alembic_config, upgrade
from income.settings import MIGRATIONS_DIR
from tests.harness.infra import DatabaseFactory


def columns(connection: Connection) -> set[str]:
    return {column["name"] for column in inspect(connection).get_columns("trial_reinstatement")}


async def test_0027_adds_the_correction_to_reinstatements_and_goes_back(
    databases: DatabaseFactory,
) -> None:
    url = await databases.create("income_0027")
    await upgrade(MIGRATIONS_DIR, url)
    engine = create_async_engine(url)

    def downgrade(connection: Connection) -> None:
        config = alembic_config(MIGRATIONS_DIR, url)
        config.attributes["connection"] = connection
        command.downgrade(config, "0026")

    try:
        async with engine.connect() as connection:
            assert "correction_id" in await connection.run_sync(columns)
        async with engine.begin() as connection:
            await connection.run_sync(downgrade)
        async with engine.connect() as connection:
            found = await connection.run_sync(columns)
        assert "correction_id" not in found
        assert "reinstated_by" in found
    finally:
        await engine.dispose()
    await upgrade(MIGRATIONS_DIR, url)  # and forward again
