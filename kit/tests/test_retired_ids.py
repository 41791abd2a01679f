"""A handler mapping ids and a retirement of one of them never read past each other.

Under READ COMMITTED, a handler that read "not retired" while a retirement of that id
was in flight would commit its row under the id just retired, and the retirement's
re-keying, blind to the uncommitted row, would leave it there for good. `kept_ids`
therefore holds the table's SHARE lock and `remember` its SHARE ROW EXCLUSIVE lock
(docs/adr/0186): here a second transaction, told to give up on a lock after 50 ms,
finds the other's lock held instead of reading or writing past it. Handlers mapping ids
side by side share the lock."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import Column, Index, MetaData, Table, Uuid, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from hearth_kit.db import Database
from hearth_kit.retired_ids import RetiredIds
from tests.harness.infra import DatabaseFactory

metadata = MetaData()
merged_person = Table(
    "merged_person",
    metadata,
    Column("duplicate_person_id", Uuid, primary_key=True),
    Column("kept_person_id", Uuid, nullable=False),
    Index("ix_merged_person_kept", "kept_person_id"),
)
MERGED = RetiredIds(merged_person)
LOCK_NOT_AVAILABLE = "55P03"


@pytest.fixture
async def database(databases: DatabaseFactory) -> AsyncIterator[Database]:
    if not databases.is_postgresql:
        pytest.skip("PostgreSQL's table locks (SQLite has one writer and no lock_timeout)")
    db = Database(await databases.create("kit_retired_ids"))
    async with db.engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    yield db
    await db.dispose()


async def impatient(session: AsyncSession) -> AsyncSession:
    """A transaction that gives up on a lock after 50 ms instead of waiting for it."""
    await session.execute(text("SET LOCAL lock_timeout = '50ms'"))
    return session


def gave_up_on_a_lock(error: DBAPIError) -> bool:
    return getattr(error.orig, "sqlstate", None) == LOCK_NOT_AVAILABLE


async def test_a_retirement_waits_for_a_handler_that_has_mapped_ids(database: Database) -> None:
    a, b = uuid.uuid4(), uuid.uuid4()
    async with database.sessionmaker() as handler, handler.begin():
        assert await MERGED.kept_ids(handler, [a]) == {a: a}
        async with database.sessionmaker() as merge, merge.begin():
            with pytest.raises(DBAPIError) as refused:
                await MERGED.remember(await impatient(merge), b, [a])
        assert gave_up_on_a_lock(refused.value)
    async with database.sessionmaker() as merge, merge.begin():
        assert await MERGED.remember(merge, b, [a]) == (b, [a])


async def test_a_handler_waits_for_a_retirement_in_flight(database: Database) -> None:
    a, b = uuid.uuid4(), uuid.uuid4()
    async with database.sessionmaker() as merge, merge.begin():
        await MERGED.remember(merge, b, [a])
        async with database.sessionmaker() as handler, handler.begin():
            with pytest.raises(DBAPIError) as refused:
                await MERGED.kept_ids(await impatient(handler), [a])
        assert gave_up_on_a_lock(refused.value)
    async with database.sessionmaker() as handler, handler.begin():
        assert await MERGED.kept_ids(handler, [a]) == {a: b}


async def test_handlers_mapping_ids_side_by_side_do_not_wait(database: Database) -> None:
    a = uuid.uuid4()
    async with database.sessionmaker() as first, first.begin():
        assert await MERGED.kept_ids(first, [a]) == {a: a}
        async with database.sessionmaker() as second, second.begin():
            assert await MERGED.kept_ids(await impatient(second), [a]) == {a: a}
