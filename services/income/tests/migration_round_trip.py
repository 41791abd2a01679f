"""A migration's way back, for income's migration tests: a new database at the head,
looked at there and again after going back one revision, then forward again, so each
test runs the revision's downgrade and its upgrade after it (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from alembic import command
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from hearth_kit.migrations import alembic_config, upgrade
from income.settings import MIGRATIONS_DIR
from tests.harness.infra import DatabaseFactory

Found = TypeVar("Found")


async def at_the_head_and_back(
    databases: DatabaseFactory, name: str, back_to: str, look: Callable[[Connection], Found]
) -> tuple[Found, Found]:
    """What `look` finds on a new database (`name`) at the head, and what it finds after
    alembic's downgrade to `back_to`; the database is upgraded to the head again after."""
    url = await databases.create(name)
    await upgrade(MIGRATIONS_DIR, url)
    engine = create_async_engine(url)

    def downgrade(connection: Connection) -> None:
        config = alembic_config(MIGRATIONS_DIR, url)
        config.attributes["connection"] = connection
        command.downgrade(config, back_to)

    try:
        async with engine.connect() as connection:
            at_the_head = await connection.run_sync(look)
        async with engine.begin() as connection:
            await connection.run_sync(downgrade)
        async with engine.connect() as connection:
            gone_back = await connection.run_sync(look)
    finally:
        await engine.dispose()
    await upgrade(MIGRATIONS_DIR, url)  # and forward again
    return at_the_head, gone_back
