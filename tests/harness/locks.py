"""Interleaving two transactions on PostgreSQL in a test: one holds its first write
open, the other is started in a task, and the test goes on only once the other is
seen waiting for a lock (pg_stat_activity), so the order the two take their locks is
the test's, not the scheduler's. How the lock-order tests of every service are built."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from sqlalchemy import text

from hearth_kit.db import Database

_WAITING = text(
    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
    " AND wait_event_type = 'Lock'"
)


async def until_a_backend_waits_for_a_lock(
    db: Database, *, seconds: float = 30, at_least: int = 1
) -> None:
    """Poll until a backend of `db`'s database waits on a row or transaction lock (or
    `at_least` backends do: several requests all queued behind the test's lock); the
    other side never waiting (within `seconds`) is a bug: AssertionError."""
    for _ in range(int(seconds * 100)):
        # A connection each time: a transaction sees one snapshot of pg_stat_activity.
        async with db.engine.connect() as connection:
            if (await connection.execute(_WAITING)).scalar_one() >= at_least:
                return
        await asyncio.sleep(0.01)
    raise AssertionError("the other transaction never waited for the lock")


async def until_done_or_waiting(task: asyncio.Task[Any], db: Database) -> None:
    """Until `task` has finished (it needed no lock the test holds) or a backend waits
    for a lock: the test then checks which of the two it expected."""
    waiting = asyncio.create_task(until_a_backend_waits_for_a_lock(db))
    await asyncio.wait({task, waiting}, return_when=asyncio.FIRST_COMPLETED)
    waiting.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await waiting
