"""A handled event's inbox row is kept while its event can be delivered again, and then
goes: every service's scheduler deletes the rows handled more than
inbox_retention_days ago, a batch a transaction, so the inbox does not grow for ever.
A row within the retention still stops a redelivery applying twice. On the configured
database (PostgreSQL in CI) and on SQLite."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import ClassVar

import pytest
from pydantic_settings import SettingsConfigDict
from sqlalchemy import func, insert, select

from hearth_kit.app import Runtime
from hearth_kit.consumer import EventHandlers
from hearth_kit.db import Database
from hearth_kit.inbox_retention import PRUNE_BATCH, inbox_retention_job, prune_handled
from hearth_kit.scheduler import run_until_done
from hearth_kit.settings import ServiceSettings
from hearth_kit.tables import inbox_event
from tests.harness.infra import DatabaseFactory
from tests.harness.plans import (
    plans_of,
    postgresql_plans,
    reads_of_every_row,
    sequential_scans,
)
from tests.harness.service import migrated_database

NOW = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)


class RetainingSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="HEARTH_KIT_TEST_RETAINING_", extra="ignore")
    service_name: ClassVar[str] = "retaining"


@pytest.fixture
def database(each_kind_of_database: Database) -> Database:
    return each_kind_of_database


def handled(handled_at: datetime, offset: int, group: str = "retaining") -> dict[str, object]:
    return {
        "event_id": uuid.uuid4(),
        "consumer_group": group,
        "event_type": "property-registered",
        "topic": "hearth.compliance.events",
        "partition": 0,
        "offset": offset,
        "handled_at": handled_at,
    }


async def offsets_left(db: Database) -> list[int]:
    async with db.sessionmaker() as session:
        query = select(inbox_event.c.offset).order_by(inbox_event.c.offset)
        return list((await session.execute(query)).scalars())


async def test_rows_past_the_retention_go_and_the_rest_stay(database: Database) -> None:
    """60 days by default: a row handled 61 days ago goes, one handled 59 days ago (its
    event may still be on its topic) stays, in every consumer group's inbox. More than a
    batch of old rows all go in one round, a batch a transaction."""
    settings = RetainingSettings(database_url="sqlite+aiosqlite:///unused.db")
    assert settings.inbox_retention_days == 60
    old = [handled(NOW - timedelta(days=61), offset) for offset in range(PRUNE_BATCH + 3)]
    kept = [
        handled(NOW - timedelta(days=59), 100_000),
        handled(NOW - timedelta(days=1), 100_001, group="another"),
    ]
    async with database.sessionmaker() as session, session.begin():
        await session.execute(insert(inbox_event), [*old, *kept])

    deleted = await run_until_done(database, inbox_retention_job(settings), NOW)

    assert deleted == PRUNE_BATCH + 3
    assert await offsets_left(database) == [100_000, 100_001]


async def test_the_retention_is_configuration(database: Database) -> None:
    settings = RetainingSettings(
        database_url="sqlite+aiosqlite:///unused.db", inbox_retention_days=400
    )
    async with database.sessionmaker() as session, session.begin():
        await session.execute(
            insert(inbox_event),
            [handled(NOW - timedelta(days=401), 1), handled(NOW - timedelta(days=399), 2)],
        )
    await run_until_done(database, inbox_retention_job(settings), NOW)
    assert await offsets_left(database) == [2]


def test_every_service_runs_the_retention_job() -> None:
    """Added by the kit to every service's scheduler, whatever jobs the service has."""
    settings = RetainingSettings(database_url="sqlite+aiosqlite:///unused.db")
    runtime = Runtime(settings, Database(settings.database_url), EventHandlers())
    assert "inbox-retention" in [job.name for job in runtime.scheduler.jobs]


async def test_nothing_past_the_retention_deletes_nothing(database: Database) -> None:
    async with database.sessionmaker() as session, session.begin():
        await session.execute(insert(inbox_event), [handled(NOW, 7)])
    settings = RetainingSettings(database_url="sqlite+aiosqlite:///unused.db")
    assert await run_until_done(database, inbox_retention_job(settings), NOW) == 0
    async with database.sessionmaker() as session:
        assert (await session.execute(select(func.count()).select_from(inbox_event))).scalar() == 1


async def test_the_retention_finds_old_rows_by_their_index(databases: DatabaseFactory) -> None:
    """On a service's migrated database (kit tables v5), PostgreSQL plans the job's
    delete with sequential scans off on ix_inbox_event_handled_at, not a read of the
    whole inbox (a sequential scan, or an index read from end to end). PostgreSQL only
    (its planner)."""
    async with postgresql_plans(await migrated_database(databases, "compliance")) as db:
        plans = await plans_of(
            db, lambda session, _reader: prune_handled(session, NOW, keep=timedelta(days=60))
        )
    assert not sequential_scans(plans, {"inbox_event"}), "\n\n".join(map(str, plans))
    assert not reads_of_every_row(plans, {"inbox_event"}), "\n\n".join(map(str, plans))
    assert any("ix_inbox_event_handled_at" in plan.text for plan in plans)
