"""A household's residents are locked in one order, by person id, whichever of income's
events takes them: tenancy-started (its tenants in any order the event lists them) and
tenancy-ended (the tenancy's residents). Income keys both by home, so the end of a
household's old home and the start of their new one (a transfer) are on different
partitions, handled side by side.

The two transactions are interleaved on purpose: tenancy-started is held after its first
tenant until tenancy-ended is seen waiting for a lock, then goes on and commits.
PostgreSQL only: the wait is a row lock, seen in pg_stat_activity (on SQLite a writer
holds the whole database, docs/adr/0027)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlmodel import col

from engagement.handlers import on_tenancy_ended, on_tenancy_started
from engagement.models import Resident
from engagement.residents import repository
from hearth_contracts import Envelope
from hearth_kit.db import Database
from tests.harness.locks import until_a_backend_waits_for_a_lock

from .test_registration_race import on_postgresql
from .test_tenancy_ended import a_uprn, ended, handle, started


@pytest.mark.parametrize("registered_first", ["lower_person_id", "higher_person_id"])
async def test_a_transfer_started_as_the_old_tenancy_ends_does_not_deadlock(
    engagement_database: Database, monkeypatch: pytest.MonkeyPatch, registered_first: str
) -> None:
    """Joint tenants move home: tenancy-started of the new home names them in one
    order, tenancy-ended of the old one locked them in another (the event's order
    against the order they were registered in). The start held one tenant and waited
    for the other, which the end held while waiting for the first: a deadlock (one
    event retried, after a DeadlockDetectedError)."""
    on_postgresql(engagement_database)
    first, second = sorted([uuid.uuid4(), uuid.uuid4()])
    old_home = started(a_uprn(), date(2020, 4, 6), first, second)
    await handle(engagement_database, on_tenancy_started, Envelope(data=old_home))
    earlier = first if registered_first == "lower_person_id" else second
    async with engagement_database.sessionmaker() as session, session.begin():
        await session.execute(
            update(Resident)
            .where(col(Resident.id) == earlier)
            .values(registered_at=datetime(2020, 4, 1, tzinfo=UTC))
        )
    # Named in the other order than they were registered in.
    new_home = started(
        a_uprn(), date(2026, 11, 2), *([second, first] if earlier == first else [first, second])
    )

    after_first_tenant = asyncio.Event()
    go_on = asyncio.Event()
    record_tenant = repository.record_tenant

    async def held_after_the_first_tenant(session: Any, **values: Any) -> None:
        await record_tenant(session, **values)
        if not after_first_tenant.is_set():
            after_first_tenant.set()
            await go_on.wait()

    monkeypatch.setattr(repository, "record_tenant", held_after_the_first_tenant)

    moving_in = asyncio.create_task(
        handle(
            engagement_database,
            on_tenancy_started,
            Envelope(data=new_home, time=datetime.now(UTC)),
        )
    )
    await after_first_tenant.wait()
    moving_out = asyncio.create_task(
        handle(
            engagement_database,
            on_tenancy_ended,
            Envelope(data=ended(old_home, date(2026, 11, 1))),
        )
    )
    await until_a_backend_waits_for_a_lock(engagement_database)
    go_on.set()
    await asyncio.gather(moving_in, moving_out)

    async with engagement_database.sessionmaker() as session:
        household = (
            (await session.execute(select(Resident).where(Resident.id.in_([first, second]))))
            .scalars()
            .all()
        )
    # The move committed first, so the end found no one still on the old tenancy.
    assert {(r.tenancy_id, r.tenancy_ended_on) for r in household} == {(new_home.tenancy_id, None)}
