"""A statement on PostgreSQL is given up after its budget (`Database`'s
statement_timeout_seconds, `database_statement_timeout_seconds`), so a database that
goes silent never holds a request or a consumer's batch for ever.

Silent is what a failover that moves the server's address, or a dropped route, looks
like to the driver: no answer and no reset, so without a budget a statement waits until
the kernel gives the connection up (some fifteen minutes). The test reaches PostgreSQL
through a TCP link it can silence (bytes held, nothing closed) and make speak again.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any, ClassVar

import pytest
from pydantic_settings import SettingsConfigDict
from sqlalchemy import func, literal_column, select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

from hearth_contracts import Envelope
from hearth_contracts.events.visits import VisitCompleted
from hearth_kit.consumer import EventHandlers
from hearth_kit.database_faults import is_infrastructure_fault
from hearth_kit.db import Database
from hearth_kit.dead_letters import DeadLetters
from hearth_kit.inbox import DatabaseUnavailable, Inbox, Message
from hearth_kit.settings import ServiceSettings
from hearth_kit.tables import inbox_event, kit_metadata
from tests.harness.events import visit_completed
from tests.harness.infra import DatabaseFactory, free_port

BUDGET = 1.0
"""The statement budget these tests give the database (300 s by default)."""
GIVEN_UP_WITHIN = 8.0
"""Time enough for a statement given up after BUDGET; without a budget it waits on."""


class RepairsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="HEARTH_KIT_TEST_REPAIRS_", extra="ignore")
    service_name: ClassVar[str] = "repairs"


class SilentLink:
    """A TCP link to PostgreSQL that the test can silence: what is sent either way is
    held, nothing is closed or reset, until it speaks again."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.upstream_port = host, port
        self.port = free_port()
        self._speaking = asyncio.Event()
        self._speaking.set()
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    def silence(self) -> None:
        self._speaking.clear()

    def speak(self) -> None:
        self._speaking.set()

    async def open(self) -> None:
        self._server = await asyncio.start_server(self._pipe, "127.0.0.1", self.port)

    async def close(self) -> None:
        self.speak()
        if self._server is not None:
            self._server.close()
        for writer in self._writers:
            writer.transport.abort()

    async def _pipe(
        self, client_in: asyncio.StreamReader, client_out: asyncio.StreamWriter
    ) -> None:
        await self._speaking.wait()  # a new connection gets no answer either
        server_in, server_out = await asyncio.open_connection(self.host, self.upstream_port)
        self._writers |= {client_out, server_out}
        await asyncio.gather(self._copy(client_in, server_out), self._copy(server_in, client_out))

    async def _copy(self, source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        try:
            while data := await source.read(65536):
                await self._speaking.wait()
                sink.write(data)
                await sink.drain()
        except OSError:
            pass
        finally:
            sink.transport.abort()


@pytest.fixture
async def link(databases: DatabaseFactory) -> AsyncIterator[tuple[SilentLink, str]]:
    """A database with the kit's tables, and a link to it the test can silence."""
    if not databases.is_postgresql:
        pytest.skip("a silent server is a PostgreSQL connection's; SQLite has no network")
    url = make_url(await databases.create("kit_silent"))
    db = Database(url.render_as_string(hide_password=False))
    async with db.engine.begin() as conn:
        await conn.run_sync(kit_metadata.create_all)
    await db.dispose()
    silent = SilentLink(url.host or "127.0.0.1", url.port or 5432)
    await silent.open()
    try:
        linked = url.set(host="127.0.0.1", port=silent.port)
        yield silent, linked.render_as_string(hide_password=False)
    finally:
        await silent.close()


async def given_up(statement: Any) -> tuple[BaseException, float]:
    """What the awaited statement raised and how long it took; fails the test if it is
    still waiting after GIVEN_UP_WITHIN."""
    started = time.monotonic()
    try:
        async with asyncio.timeout(GIVEN_UP_WITHIN):
            await statement
    except TimeoutError as exc:
        if time.monotonic() - started >= GIVEN_UP_WITHIN:
            pytest.fail(f"the statement was still waiting after {GIVEN_UP_WITHIN} s")
        return exc, time.monotonic() - started
    except Exception as exc:
        return exc, time.monotonic() - started
    pytest.fail("the statement was answered through a silent link")


async def test_a_statement_to_a_silent_server_is_given_up_as_the_database_not_answering(
    link: tuple[SilentLink, str],
) -> None:
    silent, url = link
    db = Database(url, statement_timeout_seconds=BUDGET)
    one = select(literal_column("1"))
    try:
        async with db.sessionmaker() as session:  # connections open while it speaks
            assert await session.scalar(one) == 1
        assert await db.reader.scalar(one) == 1

        silent.silence()

        async def in_a_session() -> None:
            async with db.sessionmaker() as session, session.begin():
                await session.execute(one)

        for statement in (in_a_session(), db.reader.scalar(one)):
            error, took = await given_up(statement)
            # the database not answering: a 503 to a request, a paused partition
            assert is_infrastructure_fault(error), repr(error)
            assert BUDGET <= took < GIVEN_UP_WITHIN

        silent.speak()
        async with db.sessionmaker() as session:  # the pool's connections were replaced
            assert await session.scalar(one) == 1
        assert await db.reader.scalar(one) == 1
    finally:
        silent.speak()
        await db.dispose()


handlers = EventHandlers()


@handlers.on(VisitCompleted)
async def note_visit(session: AsyncSession, envelope: Envelope[VisitCompleted]) -> None:
    """Nothing but the inbox row the batch writes."""


async def test_a_consumers_batch_to_a_silent_server_stops_at_its_budget_and_applies_later(
    link: tuple[SilentLink, str],
) -> None:
    """The batch does not hold the consumer (its lock, so its rebalance and its stop)
    until the kernel gives up: it stops as a database outage does, without using up an
    attempt, and its events are applied once when the database answers again."""
    silent, url = link
    settings = RepairsSettings(database_url=url, environment="development")
    db = Database(url, statement_timeout_seconds=BUDGET)
    inbox = Inbox(settings, db, handlers, DeadLetters(settings, db))
    messages = [
        Message("hearth.visits.events", 0, offset, None, sent.value(), tuple(sent.headers()))
        for offset, sent in enumerate([visit_completed("100023336956") for _ in range(2)], 10)
    ]
    try:
        async with db.sessionmaker() as session:  # a connection opens while it speaks
            await session.scalar(select(literal_column("1")))

        silent.silence()
        stopped, took = await given_up(inbox.handle(messages))
        assert isinstance(stopped, DatabaseUnavailable), repr(stopped)
        assert stopped.offset == 10
        assert took < GIVEN_UP_WITHIN

        silent.speak()
        async with asyncio.timeout(GIVEN_UP_WITHIN):
            await inbox.handle(messages)
            await inbox.handle(messages)  # delivered again: no second effect
        async with db.sessionmaker() as session:
            handled = await session.scalar(select(func.count()).select_from(inbox_event))
        assert handled == 2
    finally:
        silent.speak()
        await db.dispose()
