"""Counting and listing never take SQLite's write lock.

On SQLite a `Database.sessionmaker` session begins with BEGIN IMMEDIATE (ADR 0027): it
waits for the write lock, then holds it until it ends. The outbox gauges (counted every
few seconds) and the admin routes that list, count and show dead letters only read, so
they use `Database.read_sessionmaker`: while a writer holds the lock they answer from
the last committed state instead of queueing behind it, and they never hold back a
writer themselves. Here the busy timeout is cut to a few milliseconds, so a read that
asked for the write lock would fail with "database is locked" instead of answering."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar

import httpx
import pytest
from asgi_lifespan import LifespanManager
from pydantic_settings import SettingsConfigDict
from sqlalchemy import insert, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession

from hearth_kit import db as kit_db
from hearth_kit.app import create_service_app
from hearth_kit.db import Database
from hearth_kit.metrics import OUTBOX_BACKLOG, OUTBOX_PARKED
from hearth_kit.outbox import OutboxRelay
from hearth_kit.settings import ServiceSettings
from hearth_kit.tables import dead_letter, kit_metadata
from tests.harness.tokens import InternalTokenAuth


class LockSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="HEARTH_KIT_TEST_LOCKS_", extra="ignore")
    service_name: ClassVar[str] = "repairs"


@pytest.fixture
def impatient_writers(monkeypatch: pytest.MonkeyPatch) -> None:
    """Who asks for the held write lock gives up after 20 ms instead of 30 s."""
    monkeypatch.setattr(kit_db, "SQLITE_BUSY_TIMEOUT_MS", 20)


async def create_kit_tables(db: Database) -> None:
    async with db.engine.begin() as conn:
        await conn.run_sync(kit_metadata.create_all)


@pytest.fixture
async def service(
    tmp_path: Path, impatient_writers: None
) -> AsyncIterator[tuple[httpx.AsyncClient, Database, LockSettings]]:
    settings = LockSettings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'repairs.db'}",
        relay_enabled=False,
        consumer_enabled=False,
    )
    app = create_service_app(settings, title="r", description="r", on_startup=create_kit_tables)
    async with (
        LifespanManager(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app),
            base_url="http://r",
            auth=InternalTokenAuth("repairs"),
        ) as client,
    ):
        yield client, app.state.db, settings


async def a_dead_letter(db: Database) -> int:
    async with db.sessionmaker() as session, session.begin():
        inserted = await session.execute(
            insert(dead_letter)
            .values(
                consumer_group="repairs",
                topic="hearth.visits.events",
                partition=0,
                offset=1,
                event_id=str(uuid.uuid4()),
                event_type="uk.hearth.visits.visit-completed.v1",
                error="RuntimeError",
                attempts=1,
                headers=[],
                payload=b"{}",
                dead_lettered_at=datetime.now(UTC),
            )
            .returning(dead_letter.c.id)
        )
        return int(inserted.scalar_one())


async def holding_the_write_lock(db: Database) -> AsyncSession:
    """A writer in the middle of its transaction (BEGIN IMMEDIATE taken)."""
    writer = db.sessionmaker()
    await writer.execute(text("SELECT 1"))
    return writer


async def test_a_writer_session_does_wait_for_the_lock(
    service: tuple[httpx.AsyncClient, Database, LockSettings],
) -> None:
    """What the reads below avoid: a second `sessionmaker` session cannot begin."""
    _client, db, _settings = service
    writer = await holding_the_write_lock(db)
    try:
        async with db.sessionmaker() as other:
            with pytest.raises(OperationalError, match="locked"):
                await other.execute(text("SELECT 1"))
    finally:
        await writer.rollback()
        await writer.close()


async def test_dead_letters_are_listed_counted_and_shown_while_a_writer_holds_the_lock(
    service: tuple[httpx.AsyncClient, Database, LockSettings],
) -> None:
    client, db, _settings = service
    letter = await a_dead_letter(db)
    writer = await holding_the_write_lock(db)
    try:
        count = await client.get("/admin/dead-letters/count")
        listed = await client.get("/admin/dead-letters")
        shown = await client.get(f"/admin/dead-letters/{letter}")
    finally:
        await writer.rollback()
        await writer.close()
    assert count.status_code == 200, count.text
    assert count.json() == {"unreplayed": 1}
    assert listed.status_code == 200, listed.text
    assert [row["id"] for row in listed.json()] == [letter]
    assert shown.status_code == 200, shown.text
    assert shown.json()["id"] == letter


async def test_the_outbox_gauges_are_counted_while_a_writer_holds_the_lock(
    service: tuple[httpx.AsyncClient, Database, LockSettings],
) -> None:
    _client, db, settings = service
    relay = OutboxRelay(settings, db)
    backlog = OUTBOX_BACKLOG.labels(settings.service_name)
    parked = OUTBOX_PARKED.labels(settings.service_name)
    writer = await holding_the_write_lock(db)
    try:
        backlog.set(-1)
        parked.set(-1)
        await relay.record_gauges()
        assert (backlog._value.get(), parked._value.get()) == (0, 0)
        parked.set(-1)
        await relay._record_parked()  # swallows any failure: the gauge shows it counted
        assert parked._value.get() == 0
    finally:
        await writer.rollback()
        await writer.close()
