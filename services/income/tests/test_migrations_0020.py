"""Migration 0020: a court hearing's claim issued date (nullable: hearings recorded
before it have none, and the trial rule reads the day recorded for them) and the
trial-end job's settlements. It goes back and forward again, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from hearth_kit.migrations import alembic_config, upgrade
from income.settings import MIGRATIONS_DIR
from tests.harness.infra import DatabaseFactory


def shape(connection: Connection) -> tuple[set[str], bool]:
    found = inspect(connection)
    return (
        {column["name"] for column in found.get_columns("court_hearing")},
        found.has_table("trial_settlement"),
    )


async def test_0020_adds_the_claim_date_and_settlements_and_goes_back(
    databases: DatabaseFactory,
) -> None:
    url = await databases.create("income_0020")
    await upgrade(MIGRATIONS_DIR, url)
    engine = create_async_engine(url)

    def downgrade(connection: Connection) -> None:
        config = alembic_config(MIGRATIONS_DIR, url)
        config.attributes["connection"] = connection
        command.downgrade(config, "0019")

    try:
        async with engine.connect() as connection:
            columns, settlements = await connection.run_sync(shape)
        assert "claim_issued_on" in columns
        assert settlements
        async with engine.begin() as connection:
            await connection.run_sync(downgrade)
        async with engine.connect() as connection:
            columns, settlements = await connection.run_sync(shape)
        assert "claim_issued_on" not in columns
        assert not settlements
        assert "listed_for" in columns
    finally:
        await engine.dispose()
    await upgrade(MIGRATIONS_DIR, url)  # and forward again
