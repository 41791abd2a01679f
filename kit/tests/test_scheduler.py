"""Scheduled jobs on a real database: batches until nothing is due, each item handled
once even with two schedulers (two replicas) racing, a failing batch rolled back."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from hearth_kit.db import Database
from hearth_kit.scheduler import ScheduledJob, Scheduler, run_until_done
from tests.harness.events import eventually
from tests.harness.infra import DatabaseFactory

pytestmark = pytest.mark.integration

metadata = sa.MetaData()
deadlines = sa.Table(
    "deadline",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("breach_raised_at", sa.DateTime(timezone=True)),
)
raised = sa.Table(
    "breach_raised",
    metadata,
    sa.Column("deadline_id", sa.Integer, nullable=False),  # no unique key: duplicates show
)

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


async def raise_breaches(session: AsyncSession, now: datetime) -> int:
    """The pattern every sweep follows: due rows locked with SKIP LOCKED, the effect
    written and the row stamped in one transaction."""
    query = (
        sa.select(deadlines.c.id)
        .where(deadlines.c.due_at <= now, deadlines.c.breach_raised_at.is_(None))
        .order_by(deadlines.c.id)
        .limit(7)
        .with_for_update(skip_locked=True)
    )
    ids = list((await session.execute(query)).scalars())
    if ids:
        await session.execute(sa.insert(raised), [{"deadline_id": i} for i in ids])
        await session.execute(
            sa.update(deadlines).where(deadlines.c.id.in_(ids)).values(breach_raised_at=now)
        )
    return len(ids)


@pytest.fixture
async def db(databases: DatabaseFactory) -> AsyncIterator[Database]:
    database = Database(await databases.create("scheduler"))
    async with database.engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
        await conn.execute(
            sa.insert(deadlines),
            [{"id": i, "due_at": NOW + timedelta(hours=i - 50)} for i in range(1, 101)],
        )
    yield database
    await database.dispose()


async def raised_ids(db: Database) -> list[int]:
    async with db.sessionmaker() as session:
        return list((await session.execute(sa.select(raised.c.deadline_id))).scalars())


async def test_a_job_runs_batch_after_batch_until_nothing_is_due(db: Database) -> None:
    job = ScheduledJob("breaches", timedelta(minutes=5), raise_breaches)
    assert await run_until_done(db, job, NOW) == 50
    assert await run_until_done(db, job, NOW) == 0
    assert sorted(await raised_ids(db)) == list(range(1, 51))


async def test_two_replicas_racing_raise_each_breach_once(
    db: Database, databases: DatabaseFactory
) -> None:
    if not databases.is_postgresql:
        pytest.skip("two replicas share PostgreSQL; SQLite is the single-process default")
    replica = Database(str(db.url.render_as_string(hide_password=False)))
    job = ScheduledJob("breaches", timedelta(minutes=5), raise_breaches)
    try:
        totals = await asyncio.gather(
            run_until_done(db, job, NOW), run_until_done(replica, job, NOW)
        )
    finally:
        await replica.dispose()
    assert sum(totals) == 50
    ids = await raised_ids(db)
    assert sorted(ids) == list(range(1, 51))  # none twice


async def test_a_failing_batch_is_rolled_back_and_retried_next_round(db: Database) -> None:
    calls = 0

    async def fails_once(session: AsyncSession, now: datetime) -> int:
        nonlocal calls
        calls += 1
        handled = await raise_breaches(session, now)
        if calls == 1:
            raise RuntimeError("the database went away mid-batch")
        return handled

    scheduler = Scheduler(
        db,
        [ScheduledJob("breaches", timedelta(milliseconds=50), fails_once)],
        service="test",
        clock=lambda: NOW,
    )
    scheduler.start()
    try:

        async def all_raised() -> bool:
            return sorted(await raised_ids(db)) == list(range(1, 51))

        assert await eventually(all_raised, timeout=10)
    finally:
        await scheduler.stop()
    assert sorted(await raised_ids(db)) == list(range(1, 51))  # the failed batch left nothing


async def test_a_stopping_scheduler_lets_the_batch_in_hand_finish(db: Database) -> None:
    """A batch that has done something outside the database (a webhook a contractor
    acknowledged, a message a provider took) when the process is asked to stop: it
    finishes and commits, so its items are not done again by the next run, and no
    further batch starts. Cancelled, it was rolled back and its items done twice."""
    in_batch, answered = asyncio.Event(), asyncio.Event()

    async def sends_then_stamps(session: AsyncSession, now: datetime) -> int:
        handled = await raise_breaches(session, now)
        in_batch.set()
        await answered.wait()  # the contractor's or the provider's answer
        return handled

    scheduler = Scheduler(
        db,
        [ScheduledJob("breaches", timedelta(minutes=5), sends_then_stamps)],
        service="test",
        clock=lambda: NOW,
    )
    scheduler.start()
    async with asyncio.timeout(10):
        await in_batch.wait()

    async def answer() -> None:
        answered.set()

    async with asyncio.timeout(10):
        await asyncio.gather(scheduler.stop(), answer())  # asked to stop, then answered
    assert sorted(await raised_ids(db)) == list(range(1, 8))  # that batch, and no other


async def test_job_names_are_unique(db: Database) -> None:
    job = ScheduledJob("breaches", timedelta(minutes=5), raise_breaches)
    with pytest.raises(ValueError, match="unique"):
        Scheduler(db, [job, job], service="test")
