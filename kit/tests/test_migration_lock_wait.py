"""A migration waits a bounded time for each lock and is tried again, so it never stands
the serving release still behind a long transaction (docs/adr/0137).

A migration runs while the release before it serves. Its ALTER TABLE needs the table to
itself; behind a transaction that has read the table and not ended, it waited, and
PostgreSQL queues every later read and write of the table behind that waiting ALTER:
the service stood still for as long as the transaction lasted.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from hearth_kit.migrations import upgrade
from kit.tests.test_migration_errors import migrations_folder
from tests.harness.events import eventually
from tests.harness.infra import DatabaseFactory

NOTES = """
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None


def upgrade() -> None:
    op.create_table("note", sa.Column("id", sa.Integer, primary_key=True))
"""

NOTES_GET_TEXT = """
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    op.add_column("note", sa.Column("text", sa.Text, nullable=True))
"""


@pytest.fixture
def migrations(tmp_path: Path) -> Path:
    return migrations_folder(
        tmp_path, {"0001_notes.py": NOTES, "0002_notes_get_text.py": NOTES_GET_TEXT}
    )


async def connect(url: str) -> asyncpg.Connection:
    parts = make_url(url)
    return await asyncpg.connect(
        host=parts.host,
        port=parts.port,
        user=parts.username,
        password=parts.password,
        database=parts.database,
    )


async def test_a_migration_behind_a_long_transaction_never_stands_the_table_still(
    databases: DatabaseFactory, migrations: Path
) -> None:
    if not databases.is_postgresql:
        pytest.skip("PostgreSQL's lock queue (SQLite has one writer and no lock_timeout)")
    url = await databases.create("kit_migration")
    await upgrade(migrations, url, "0001")
    serving, reading, watching = await connect(url), await connect(url), await connect(url)
    migrating: asyncio.Task[None] | None = None
    try:
        # The release serving: a transaction that has read the table and goes on.
        long_transaction = serving.transaction()
        await long_transaction.start()
        await serving.fetch("SELECT * FROM note")

        migrating = asyncio.create_task(
            upgrade(migrations, url, lock_wait=0.5, attempts=100, first_pause=0.2)
        )

        async def waiting_for_its_lock() -> bool:
            return bool(
                await watching.fetchval(
                    "SELECT count(*) FROM pg_locks"
                    " WHERE NOT granted AND relation = 'note'::regclass"
                )
            )

        await eventually(waiting_for_its_lock, timeout=10)
        async with asyncio.timeout(5):  # waited as long as the long transaction before
            assert await reading.fetchval("SELECT count(*) FROM note") == 0

        await long_transaction.commit()
        async with asyncio.timeout(30):
            await migrating
        columns = await reading.fetch(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'note'"
        )
        assert {column["column_name"] for column in columns} == {"id", "text"}
    finally:
        if migrating is not None and not migrating.done():
            migrating.cancel()
        for connection in (serving, reading, watching):
            connection.terminate()
