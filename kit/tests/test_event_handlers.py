"""EventHandlers.applied: the work a service does once a transaction's events have all
been applied (visits re-scores the homes they name), and EventHandlers.apply, which
applies events as the consumer does (the projection rebuild and tests use it)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from hearth_contracts import Envelope, Event
from hearth_contracts.events.visits import VisitCompleted, VisitFoundRepair
from hearth_kit.db import Database
from hearth_kit.dead_letters import DeadLetters
from hearth_kit.event_handlers import EventHandlers
from hearth_kit.inbox import Inbox, Message
from repairs.settings import RepairsSettings
from tests.harness.events import repair_found, visit_completed

pytestmark = pytest.mark.integration

metadata = MetaData()
noted = Table(
    "noted_event",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("event_id", String(36), nullable=False),
)


class CountingHandlers(EventHandlers):
    """Handlers that note each event in a table, and remember what `applied` was given
    and how many events the table held when it was called."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[list[uuid.UUID], int]] = []

    async def applied(self, session: AsyncSession, envelopes: Sequence[Envelope[Any]]) -> None:
        rows = await session.scalar(select(func.count()).select_from(noted))
        self.calls.append(([envelope.id for envelope in envelopes], int(rows or 0)))


def counting_handlers(*, findings: bool = True) -> CountingHandlers:
    handlers = CountingHandlers()

    @handlers.on(VisitCompleted)
    async def one(session: AsyncSession, envelope: Envelope[Any]) -> None:
        await session.execute(insert(noted).values(event_id=str(envelope.id)))

    async def run(session: AsyncSession, envelopes: Sequence[Envelope[Any]]) -> None:
        await session.execute(insert(noted), [{"event_id": str(e.id)} for e in envelopes])

    if findings:
        handlers.on_batch(VisitFoundRepair)(run)
    return handlers


@pytest.fixture(scope="module")
async def database(kit_database: Database) -> Database:
    async with kit_database.engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    return kit_database


async def applied_through_the_inbox(
    db: Database, handlers: EventHandlers, envelopes: Sequence[Envelope[Event]], first: int
) -> None:
    """One partition's batch in one transaction, as the consumer applies it."""
    settings = RepairsSettings(environment="development")
    inbox = Inbox(settings, db, handlers, DeadLetters(settings, db))
    batch = [(Message("t", 0, first + n, None, None, ()), e) for n, e in enumerate(envelopes)]
    async with db.sessionmaker() as session, session.begin():
        await inbox.apply(session, batch)


async def noted_count(db: Database) -> int:
    async with db.sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(noted)) or 0)


async def test_applied_is_called_once_a_batch_after_every_handler_with_its_new_events(
    database: Database,
) -> None:
    handlers = counting_handlers()
    uprn = "100000000001"
    events: list[Envelope[Event]] = [
        repair_found(uprn),
        repair_found(uprn),
        visit_completed(uprn),
        repair_found(uprn),
    ]
    before = await noted_count(database)

    await applied_through_the_inbox(database, handlers, events, first=0)

    # Once, with every event in order, when all four had been applied in the transaction.
    assert handlers.calls == [([e.id for e in events], before + 4)]


async def test_events_handled_before_are_not_given_to_applied_again(
    database: Database,
) -> None:
    handlers = counting_handlers()
    uprn = "100000000002"
    old, new = repair_found(uprn), visit_completed(uprn)
    await applied_through_the_inbox(database, handlers, [old], first=100)
    handlers.calls.clear()

    await applied_through_the_inbox(database, handlers, [old, new], first=100)
    assert [ids for ids, _rows in handlers.calls] == [[new.id]]

    handlers.calls.clear()
    await applied_through_the_inbox(database, handlers, [old, new], first=100)
    assert handlers.calls == []  # nothing new: nothing to follow up


async def test_apply_runs_the_handlers_in_order_then_applied_and_leaves_out_unknown_types(
    database: Database,
) -> None:
    handlers = counting_handlers(findings=False)
    uprn = "100000000003"
    first, second = visit_completed(uprn), visit_completed(uprn)
    events: list[Envelope[Event]] = [first, repair_found(uprn), second]  # no handler for findings
    before = await noted_count(database)

    async with database.sessionmaker() as session, session.begin():
        await handlers.apply(session, events)
        await handlers.apply(session, [repair_found(uprn)])  # nothing it handles: no `applied`

    assert handlers.calls == [([first.id, second.id], before + 2)]
    assert await noted_count(database) == before + 2
