"""PostgreSQL's plans for the statements a repository really sends, to check that the
indexes its migrations create serve them (services/*/tests/test_query_plans.py).

A case runs the real repository function (or job, or handler's look-up) on a freshly
migrated, empty database; every statement the driver is sent is recorded as sent (the
SQL SQLAlchemy compiled, the arguments after the types' bind processing) and asked for
its plan with `SET enable_seqscan = off`. On an empty table a sequential scan is always
the cheapest read, so without that setting the plan says nothing; with it the planner
takes an index whenever one can serve the statement, and a `Seq Scan` left in the plan
means none can: on a table that grows without bound that is a read of every row.

Where no index can find the rows but an index of the table gives them in an order the
statement can use (its primary key at least, for a join or a grouping), the planner
does not leave a `Seq Scan`: it reads that index from end to end, an Index Scan with no
Index Cond under a filter, as much a read of every row (2918e90: the visit figures).
`whole_reads` finds such reads, less a page its Limit stops; `Plan.whole_reads` keeps
those no index condition could have served, by planning the statement again with index
scans off too. Not checked: how many rows a condition leaves (on an empty table the
planner cannot tell `status = 'completed'` from an id), nor a partial index read whole
(the rows its predicate keeps: the open checks, the current tenancies).

Reads for `ReadConnectionDep` are run through Core (`reader`), not the kit's driver
read pool: the SQL is the same compiled statement, and Core's is the one recorded here.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
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
    """One statement as the driver was sent it, and PostgreSQL's plan for it: `text`
    and `tree` (`EXPLAIN (FORMAT JSON)`'s "Plan") with sequential scans off;
    `by_condition` and `by_condition_text` with index scans off as well (see
    `whole_reads`). `plans_of(..., in_order=True)` leaves the trees empty."""

    sql: str
    text: str
    tree: Mapping[str, Any] = field(default_factory=dict)
    by_condition: Mapping[str, Any] = field(default_factory=dict)
    by_condition_text: str = ""

    def whole_reads(self, tables: Collection[str]) -> list[str]:
        """The reads of one of `tables` from end to end that no index condition could
        have served, each named "index on table": `whole_reads` of the plan, of a table
        the plan with index scans off reads whole too. A table only the first reads
        whole is the planner's choice on an empty table (a hash join over a whole
        index rather than a lookup per row, a partial index with a filter rather than
        another index's condition), not a read no index serves."""
        unreached = {table for table, _ in whole_reads(self.by_condition, tables)}
        return [
            f"{how} on {table}"
            for table, how in whole_reads(self.tree, tables)
            if table in unreached
        ]

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


# The scans that read a table (or an index of it) from the start, unless an Index Cond
# says where to start and stop. A Bitmap Heap Scan is left out: its Bitmap Index Scan
# has an index condition, or reads a partial index whose predicate the statement
# implies, the rows the index was made for (the open checks, the current tenancies).
_READS = ("Seq Scan", "Index Scan", "Index Only Scan")
# Nodes that pass the rows of their outer (or only) input on as they come, in its order,
# without reading the rest of it first, so a Limit above them stops the read below.
_STREAMS = ("LockRows", "Nested Loop", "Incremental Sort", "Subquery Scan", "Result")


def whole_reads(node: Mapping[str, Any], tables: Collection[str]) -> list[tuple[str, str]]:
    """The scans in plan `node` (`EXPLAIN (FORMAT JSON)`'s "Plan") that read one of
    `tables` from end to end: a Seq Scan, Index Scan or Index Only Scan with no Index
    Cond, whatever its Filter, as (table, index or "Seq Scan").

    Not a whole read: such a scan whose rows reach a Limit as the outer (or only) input
    of nodes that pass them on as they come (row locks, a nested loop's outer side, an
    incremental sort, a subquery scan). That is a page read off an index in its order
    (the first page of a list, a "latest" or "next" one): it stops when the page is full.
    Under a Sort, an aggregate, a hash, a merge join or a nested loop's inner side (run
    again for each outer row) a Limit no longer stops it, nor does one in another
    subquery, CTE or subplan."""
    found: list[tuple[str, str]] = []

    def walk(node: Mapping[str, Any], bounded: bool) -> None:
        kind = node.get("Node Type")
        table = str(node.get("Relation Name"))
        if kind in _READS and table in tables and "Index Cond" not in node and not bounded:
            found.append((table, node.get("Index Name", "Seq Scan")))
        for child in node.get("Plans", ()):
            relationship = child.get("Parent Relationship")
            if kind == "Limit":
                walk(child, relationship == "Outer")
            elif kind in _STREAMS and relationship in ("Outer", "Subquery"):
                walk(child, bounded)
            else:
                walk(child, False)

    walk(node, False)
    return found


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
    can give it, and `Plan.seeks` tells whether the cursor is where that read starts.

    Otherwise each statement is also planned as JSON, and again with index scans off
    (`Plan.by_condition`): then only a bitmap scan reads a table at no penalty, and a
    bitmap scan needs an index condition (or a partial index's predicate), so a table
    still read from end to end there is one no index condition reaches."""
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
            text = await _explain(connection, sql, arguments)
            if in_order:
                plans.append(Plan(sql, text))
                continue
            tree = await _explain_tree(connection, sql, arguments)
            await connection.exec_driver_sql("SET enable_indexscan = off")
            await connection.exec_driver_sql("SET enable_indexonlyscan = off")
            by_condition = await _explain_tree(connection, sql, arguments)
            by_condition_text = await _explain(connection, sql, arguments)
            await connection.exec_driver_sql("RESET enable_indexscan")
            await connection.exec_driver_sql("RESET enable_indexonlyscan")
            plans.append(Plan(sql, text, tree, by_condition, by_condition_text))
        await connection.rollback()
    return plans


async def _explain(connection: Any, sql: str, arguments: tuple[Any, ...]) -> str:
    result = await connection.exec_driver_sql(f"EXPLAIN {sql}", arguments)
    return "\n".join(str(row[0]) for row in result.all())


async def _explain_tree(connection: Any, sql: str, arguments: tuple[Any, ...]) -> Mapping[str, Any]:
    result = await connection.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {sql}", arguments)
    explained = result.scalar_one()
    if isinstance(explained, str):
        explained = json.loads(explained)
    plan: Mapping[str, Any] = explained[0]["Plan"]
    return plan


def sequential_scans(plans: list[Plan], tables: Collection[str]) -> list[str]:
    """Each plan that reads one of `tables` end to end, printed with its statement."""
    return [str(plan) for plan in plans if plan.sequential_scans(tables)]


def reads_of_every_row(plans: list[Plan], tables: Collection[str]) -> list[str]:
    """Each plan that reads one of `tables` from end to end through an index (or
    otherwise) where no index condition could serve it (`Plan.whole_reads`), printed
    with its statement and both plans."""
    return [
        f"reads every row: {', '.join(reads)}\n{plan}\n"
        f"-- with index scans off too:\n{plan.by_condition_text}"
        for plan in plans
        if (reads := plan.whole_reads(tables))
    ]


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
    """No statement `action` sends reads one of the `growing` tables end to end (by a
    sequential scan, or by a whole index no condition could narrow: `Plan.whole_reads`);
    each of `indexes` is used; and with `seek`, a page after a cursor starts at its
    position in that table's index."""
    plans = await plans_of(db, action)
    scans = sequential_scans(plans, growing)
    assert not scans, "\n\n".join(scans)
    whole = reads_of_every_row(plans, growing)
    assert not whole, "\n\n".join(whole)
    for index in indexes:
        assert any(index in plan.text for plan in plans), "\n\n".join(map(str, plans))
    if seek is not None:
        pages = await plans_of(db, action, in_order=True)
        assert any(plan.seeks(seek) for plan in pages), "\n\n".join(map(str, pages))
