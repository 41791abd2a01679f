"""Migration 0022: a notice's withdrawal (nullable: not withdrawn), the trial's end a
settlement kept (nullable: settlements made before it), and the reinstatements officers
make (ADR 0081). It goes back and forward again, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from hearth_kit.migrations import alembic_config, upgrade
from income.settings import MIGRATIONS_DIR
from tests.harness.infra import DatabaseFactory


def shape(connection: Connection) -> tuple[set[str], set[str], bool]:
    found = inspect(connection)
    return (
        {column["name"] for column in found.get_columns("possession_notice")},
        {column["name"] for column in found.get_columns("trial_settlement")},
        found.has_table("trial_reinstatement"),
    )


async def test_0022_adds_withdrawals_and_reinstatements_and_goes_back(
    databases: DatabaseFactory,
) -> None:
    url = await databases.create("income_0022")
    await upgrade(MIGRATIONS_DIR, url)
    engine = create_async_engine(url)

    def downgrade(connection: Connection) -> None:
        config = alembic_config(MIGRATIONS_DIR, url)
        config.attributes["connection"] = connection
        command.downgrade(config, "0021")

    try:
        async with engine.connect() as connection:
            notices, settlements, reinstatements = await connection.run_sync(shape)
        assert {"withdrawn_on", "withdrawn_at", "withdrawn_by"} <= notices
        assert "trial_ended_on" in settlements
        assert reinstatements
        async with engine.begin() as connection:
            await connection.run_sync(downgrade)
        async with engine.connect() as connection:
            notices, settlements, reinstatements = await connection.run_sync(shape)
        assert not {"withdrawn_on", "withdrawn_at", "withdrawn_by"} & notices
        assert "trial_ended_on" not in settlements
        assert not reinstatements
        assert "served_at" in notices
    finally:
        await engine.dispose()
    await upgrade(MIGRATIONS_DIR, url)  # and forward again
