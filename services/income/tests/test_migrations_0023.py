"""Migration 0023: the court's terms on a hearing's outcome and the day they were broken
(nullable: no terms, as for every outcome recorded before it; ADR 0084). It goes back
and forward again, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from hearth_kit.migrations import alembic_config, upgrade
from income.settings import MIGRATIONS_DIR
from tests.harness.infra import DatabaseFactory

TERMS = {
    "terms_arrears_instalment_pence",
    "terms_frequency",
    "terms_first_instalment_on",
    "terms_arrears_pence",
    "terms_broken_on",
}


def columns(connection: Connection) -> dict[str, bool]:
    return {
        column["name"]: column["nullable"]
        for column in inspect(connection).get_columns("court_hearing")
    }


async def test_0023_adds_the_court_terms_and_goes_back(databases: DatabaseFactory) -> None:
    url = await databases.create("income_0023")
    await upgrade(MIGRATIONS_DIR, url)
    engine = create_async_engine(url)

    def downgrade(connection: Connection) -> None:
        config = alembic_config(MIGRATIONS_DIR, url)
        config.attributes["connection"] = connection
        command.downgrade(config, "0022")

    try:
        async with engine.connect() as connection:
            found = await connection.run_sync(columns)
        assert {name: found.get(name) for name in TERMS} == dict.fromkeys(TERMS, True)
        async with engine.begin() as connection:
            await connection.run_sync(downgrade)
        async with engine.connect() as connection:
            found = await connection.run_sync(columns)
        assert not TERMS & found.keys()
        assert "claim_issued_on" in found
    finally:
        await engine.dispose()
    await upgrade(MIGRATIONS_DIR, url)  # and forward again
