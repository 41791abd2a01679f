"""PostgreSQL's plans for the statements a repository really sends, to check that the
indexes its migrations create serve them (services/*/tests/test_query_plans.py).

A case runs the real repository function (or job, or handler's look-up) on a freshly
migrated, empty database; every statement the driver is sent is recorded as sent (the
SQL SQLAlchemy compiled, the arguments after the types' bind processing) and asked for
its plan with `SET enable_seqscan = off`. On an empty table a sequential scan is always
the cheapest read, so without that setting the plan says nothing; with it the planner
takes an index whenever one can serve the statement, and a `Seq Scan` left in the plan
means none can: on a table that grows without bound that is a read of every row.

Reads for `ReadConnectionDep` are run through Core (`reader`), not the kit's driver
read pool: the SQL is the same compiled statement, and Core's is the one recorded here.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable, Collection
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession

from hearth_kit.db import Database, ReadConnection

_PLANNED = ("SELECT", "WITH", "UPDATE", "DELETE")
_SCAN = re.compile(r"^(?:->\s*)?(?:Parallel )?Seq Scan on (\w+)")
_INDEX_SCAN = re.compile(r"^(?:->\s*)?Index (?:Only )?Scan(?: Backward)? using (\w+) on (\w+)")

Action = Callable[[AsyncSession, ReadConnection], Awaitable[object]]


@dataclass(frozen=True)
class Plan:
    """One statement as the driver was sent it, and PostgreSQL's plan for it."""

    sql: str
    text: str

    def sequential_scans(self, tables: Collection[str]) -> list[str]:
        """The tables among `tables` the plan reads from end to end."""
        found = (_SCAN.match(line.strip()) for line in self.text.splitlines())
        return [match.group(1) for match in found if match and match.group(1) in tables]

    def seeks(self, table: str) -> bool:
        """Whether the plan finds a page's position in an index of `table`: the page's
        rows come off an index scan (right under its Limit), read in the index's order,
        whose index condition is the cursor's row comparison (`(due_by, id) > (...)`).
        A cursor said as an OR of its columns is no such condition: it is a filter over
        every entry before the position, or a bitmap of every entry after it that is
        then sorted. Plan with `plans_of(..., in_order=True)`."""
        lines = self.text.splitlines()
        for n, line in enumerate(lines):
            match = _INDEX_SCAN.match(line.strip())
            if not match or match.group(2) != table:
                continue
            depth = len(line) - len(line.lstrip())
            details = []
            for detail in lines[n + 1 :]:
                if detail.strip().startswith("->") or len(detail) - len(detail.lstrip()) <= depth:
                    break
                details.append(detail.strip())
            if any(d.startswith("Index Cond") and "ROW(" in d for d in details) and (
                _in_order_up_to_the_limit(lines, n)
            ):
                return True
        return False

    def __str__(self) -> str:
        return f"{self.sql}\n{self.text}"


_KEEPS_ORDER = ("LockRows", "Nested Loop", "Incremental Sort", "Subquery Scan", "Result")


def _in_order_up_to_the_limit(lines: list[str], n: int) -> bool:
    """Whether the rows of plan node `lines[n]` reach a Limit through nodes that keep
    their order (a join's outer side, row locks), not through a Sort."""
    depth = len(lines[n]) - len(lines[n].lstrip())
    for earlier in reversed(lines[:n]):
        indent = len(earlier) - len(earlier.lstrip())
        node = earlier.strip()
        if indent >= depth or not (node.startswith("->") or indent == 0):
            continue
        depth = indent
        node = node.removeprefix("->").strip()
        if node.startswith("Limit"):
            return True
        if not node.startswith(_KEEPS_ORDER):
            return False
    return False


@asynccontextmanager
async def plan_database(url: str) -> AsyncIterator[Database]:
    """A Database on `url` whose `reader` runs through Core (no driver read pool), so
    that the statements of a `ReadConnectionDep` read are recorded like any other."""
    db = Database(url)
    db.driver_reads = None
    try:
        yield db
    finally:
        await db.dispose()


async def plans_of(db: Database, action: Action, *, in_order: bool = False) -> list[Plan]:
    """Run `action` (its writes rolled back) and return the plan of every SELECT,
    UPDATE and DELETE it sent, in order, each planned with sequential scans off.

    `in_order` plans a page as a table with rows would have it read: sorts and bitmap
    scans off too, so that on an empty table (where sorting a few rows found by a
    bitmap is cheapest) the planner reads an index in the page's order whenever one
    can give it, and `Plan.seeks` tells whether the cursor is where that read starts."""
    sent: list[tuple[str, tuple[Any, ...]]] = []

    def record(
        _conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, many: bool
    ) -> None:
        if not many and statement.lstrip().split(None, 1)[0].upper() in _PLANNED:
            sent.append((statement, tuple(parameters or ())))

    event.listen(db.engine.sync_engine, "before_cursor_execute", record)
    try:
        async with db.sessionmaker() as session:
            await action(session, db.reader)
            await session.rollback()
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", record)
    assert sent, "the action sent no statement to plan"
    plans = []
    async with db.engine.connect() as connection:
        await connection.exec_driver_sql("SET enable_seqscan = off")
        if in_order:
            await connection.exec_driver_sql("SET enable_sort = off")
            await connection.exec_driver_sql("SET enable_bitmapscan = off")
        for sql, arguments in sent:
            result = await connection.exec_driver_sql(f"EXPLAIN {sql}", arguments)
            plans.append(Plan(sql, "\n".join(str(row[0]) for row in result.all())))
        await connection.rollback()
    return plans


def sequential_scans(plans: list[Plan], tables: Collection[str]) -> list[str]:
    """Each plan that reads one of `tables` end to end, printed with its statement."""
    return [str(plan) for plan in plans if plan.sequential_scans(tables)]


def case(name: str, action: Action, *indexes: str, seek: str | None = None) -> Any:
    """A statement to plan, as a test parameter: `indexes` it must use; `seek`, the
    table a page after a cursor must find its position in by an index condition (not
    from the start). For `assert_served_by_indexes`."""
    return pytest.param(action, indexes, seek, id=name)


@asynccontextmanager
async def postgresql_plans(url: str) -> AsyncIterator[Database]:
    """`plan_database` on a service's migrated database, or the test skipped on SQLite
    (these tests ask PostgreSQL's planner)."""
    if not url.startswith("postgresql"):
        pytest.skip("asks PostgreSQL's planner")
    async with plan_database(url) as db:
        yield db


async def assert_served_by_indexes(
    db: Database,
    action: Action,
    indexes: Collection[str],
    seek: str | None,
    growing: Collection[str],
) -> None:
    """No statement `action` sends reads one of the `growing` tables end to end; each of
    `indexes` is used; and with `seek`, a page after a cursor starts at its position in
    that table's index."""
    plans = await plans_of(db, action)
    scans = sequential_scans(plans, growing)
    assert not scans, "\n\n".join(scans)
    for index in indexes:
        assert any(index in plan.text for plan in plans), "\n\n".join(map(str, plans))
    if seek is not None:
        pages = await plans_of(db, action, in_order=True)
        assert any(plan.seeks(seek) for plan in pages), "\n\n".join(map(str, pages))
