"""A database that answers but takes no writes is, to a writer, a database not answering.

After a failover a service can still reach the demoted primary, now a standby (its
connections left open, or a DNS name not yet moved): reads answer, every write fails
with PostgreSQL's `cannot execute ... in a read-only transaction` (SQLSTATE 25006). It is
nothing about the request or the event, so it is waited out as an outage is: a request
gets a 503 to retry, a consumer pauses the partition and uses up no attempt, and the
connections are replaced so the next ones reach the primary. The tests make the
database read-only for new connections (`default_transaction_read_only`), as a
standby is.
"""

from __future__ import annotations

from typing import ClassVar

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from pydantic_settings import SettingsConfigDict
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

from hearth_contracts import Envelope
from hearth_contracts.events.visits import VisitCompleted
from hearth_kit.consumer import EventHandlers
from hearth_kit.db import Database, ReadOnlyDatabase, SessionDep
from hearth_kit.dead_letters import DeadLetters
from hearth_kit.inbox import DatabaseUnavailable, Inbox, Message
from hearth_kit.problems import DATABASE_RETRY_AFTER_SECONDS, install_problem_handlers
from hearth_kit.settings import ServiceSettings
from hearth_kit.tables import dead_letter, inbox_event, kit_metadata
from tests.harness.events import visit_completed
from tests.harness.infra import DatabaseFactory


class RepairsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="HEARTH_KIT_TEST_REPAIRS_", extra="ignore")
    service_name: ClassVar[str] = "repairs"


class Standby:
    """Makes one database read-only for its new connections, as a standby is, and
    writable again."""

    def __init__(self, url: str) -> None:
        self.url = make_url(url)

    async def _alter(self, setting: str) -> None:
        server = await asyncpg.connect(
            host=self.url.host,
            port=self.url.port,
            user=self.url.username,
            password=self.url.password,
            database="postgres",
        )
        try:
            await server.execute(f'ALTER DATABASE "{self.url.database}" {setting}')
        finally:
            await server.close()

    async def demote(self) -> None:
        await self._alter("SET default_transaction_read_only = on")

    async def promote(self) -> None:
        await self._alter("RESET default_transaction_read_only")


@pytest.fixture
async def standby(databases: DatabaseFactory) -> tuple[Standby, str]:
    if not databases.is_postgresql:
        pytest.skip("a read-only standby is PostgreSQL's (HEARTH_TEST_DATABASE_URL unset)")
    url = await databases.create("kit_standby")
    db = Database(url)
    async with db.engine.begin() as conn:
        await conn.run_sync(kit_metadata.create_all)
    await db.dispose()
    return Standby(url), url


handlers = EventHandlers()


@handlers.on(VisitCompleted)
async def note_visit(session: AsyncSession, envelope: Envelope[VisitCompleted]) -> None:
    """Nothing but the inbox row the batch writes."""


async def test_a_consumers_batch_on_a_read_only_database_waits_and_is_never_dead_lettered(
    standby: tuple[Standby, str], kafka: str
) -> None:
    """Counted as the handler failing, each event was retried, then dead-lettered; and
    its dead-letter row was refused too (read-only), so it was only on the dead-letter
    topic, its offset committed: nothing `hearth dead-letters replay` could replay."""
    server, url = standby
    settings = RepairsSettings(
        database_url=url,
        environment="development",
        kafka_bootstrap_servers=kafka,
        kafka_namespace="kit-read-only",
        consumer_retry_backoff_seconds=0,
    )
    db = Database(url)
    inbox = Inbox(settings, db, handlers, DeadLetters(settings, db))
    messages = [
        Message("hearth.visits.events", 0, offset, None, sent.value(), tuple(sent.headers()))
        for offset, sent in enumerate([visit_completed("100023336956") for _ in range(2)], 10)
    ]
    try:
        await server.demote()
        with pytest.raises(DatabaseUnavailable) as stopped:
            await inbox.handle(messages)
        assert stopped.value.offset == 10

        await server.promote()
        await inbox.handle(messages)  # the connections were replaced: these write
        await inbox.handle(messages)  # delivered again: no second effect
        async with db.sessionmaker() as session:
            handled = await session.scalar(select(func.count()).select_from(inbox_event))
            dead = await session.scalar(select(func.count()).select_from(dead_letter))
        assert (handled, dead) == (2, 0)
    finally:
        await server.promote()
        await inbox.dead_letters.close()
        await db.dispose()


async def test_a_write_on_a_read_only_database_is_a_503_to_retry(
    standby: tuple[Standby, str],
) -> None:
    server, url = standby
    app = FastAPI()
    install_problem_handlers(app)
    app.state.db = db = Database(url)

    @app.post("/notes")
    async def add_note(session: SessionDep) -> None:
        await session.execute(text("CREATE TABLE IF NOT EXISTS note (id integer)"))

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=True)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://kit") as client:
            await server.demote()
            refused = await client.post("/notes")
            await server.promote()
            after = await client.post("/notes")
    finally:
        await server.promote()
        await db.dispose()
    assert refused.status_code == 503  # was a 500
    assert refused.headers["Retry-After"] == str(DATABASE_RETRY_AFTER_SECONDS)
    assert after.status_code == 200, "the read-only connection was handed out again"


async def test_a_writable_ping_is_refused_by_a_read_only_database(
    standby: tuple[Standby, str],
) -> None:
    """What the consumer waits for before it resumes a paused partition: a plain ping
    answers on a standby, so the partition would be resumed to fail again at once."""
    server, url = standby
    db = Database(url)
    try:
        await server.demote()
        await db.ping()  # a read answers (readiness: the service still serves reads)
        with pytest.raises(ReadOnlyDatabase):
            await db.ping(writable=True)
        await server.promote()
        await db.ping(writable=True)  # the read-only connection was not kept
    finally:
        await server.promote()
        await db.dispose()
