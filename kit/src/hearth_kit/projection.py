"""Projections: a service's copy of what other services' events said.

Every projection row is written with one statement, `upsert_newer`: INSERT ... ON
CONFLICT DO UPDATE ... WHERE the stored version is absent or not newer than the
event's. So handling an event again changes nothing, and an older event that arrives
late (a replayed dead letter, a rebuilt topic) never overwrites what a newer one said.
The version is the event's own time: the fact's time (registered_at, updated_at) where
the event carries one, else the envelope's time.

A projection fed a run of events at a time (`EventHandlers.on_batch`) writes the run
with `upsert_newer_many`: the same guard, one statement for the run. Within the run
only the newest row of each key is kept (PostgreSQL refuses to update one row twice in
a statement; of equal versions the later one wins, as it would one event at a time), so
the outcome is exactly that of applying the rows one by one.

Handlers call their repository, and the repository calls this; there is no SQL in a
handler. Works on PostgreSQL and SQLite (both support ON CONFLICT ... WHERE).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import JSON, DateTime, Table, Text, TextClause, bindparam, inspect, or_, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import Insert
from sqlalchemy.types import TypeEngine

from hearth_kit.db import AwareDateTime

SQLITE_MAX_VARIABLES = 32766 if sqlite3.sqlite_version_info >= (3, 32) else 999
"""How many bound values one SQLite statement may hold (SQLITE_MAX_VARIABLE_NUMBER's
default); a longer run is written in as few statements as that allows."""


def _table_of(model: type[Any] | Table) -> Table:
    if isinstance(model, Table):
        return model
    table = inspect(model).local_table
    if not isinstance(table, Table):
        raise TypeError(f"{model!r} is not mapped to a table")
    return table


async def upsert_newer(
    session: AsyncSession,
    model: type[Any] | Table,
    *,
    key: Mapping[str, Any],
    values: Mapping[str, Any],
    version: str,
) -> None:
    """Insert the row `key` with `values`, or update it with `values` unless the row's
    `version` column already holds a later value than `values[version]`.

    `key` names the primary key (or unique) columns; `values` the columns this event
    sets, including `version` (never None). Columns not in `values` are left as they
    are, so one row can hold parts kept by different events, each with its own version
    column.
    """
    if version not in values:
        raise ValueError(f"values must include the version column {version!r}")
    # A run of one: the same statement, built once (SQLAlchemy would compile an
    # INSERT ... ON CONFLICT expression again on every call).
    await upsert_newer_many(
        session, model, key=list(key), rows=[{**key, **values}], version=version
    )


async def upsert_newer_many(
    session: AsyncSession,
    model: type[Any] | Table,
    *,
    key: Sequence[str],
    rows: Iterable[Mapping[str, Any]],
    version: str,
) -> None:
    """`upsert_newer` for many rows in one statement, with the same outcome as calling
    it for each row in order.

    `key` names the primary key (or unique) columns; each row gives the key columns and
    the columns it sets, `version` among them and never None, and every row the same
    columns. Of the rows for one key only the one with the greatest version is written,
    the later one of equal versions; it is written unless the stored row's version is
    later still. On PostgreSQL the rows travel as one array per column (`INSERT ...
    SELECT FROM unnest(...)`), one statement text however long the run.
    """
    newest = newest_of_each_key(rows, key=key, version=version)
    if not newest:
        return
    columns = tuple(newest[0])
    table = _table_of(model)
    if session.get_bind().dialect.name == "postgresql":
        await _upsert_arrays(
            session, table, key, version, {name: [row[name] for row in newest] for name in columns}
        )
        return
    await _upsert_rows_on_sqlite(session, table, key, columns, version, newest)


async def upsert_newer_columns(
    session: AsyncSession,
    model: type[Any] | Table,
    *,
    key: Sequence[str],
    columns: Mapping[str, Sequence[Any]],
    version: str,
) -> None:
    """`upsert_newer_many` given the rows as columns: one sequence of values per column
    name, the i-th row made of each sequence's i-th value. The same statement and the
    same outcome, without a mapping per row: a projection fed thousands of events a
    second builds its columns straight from the events (`zip(*entries)`), and when
    no key comes twice (the usual case, checked with one set) nothing is done per row
    in Python at all."""
    names = tuple(columns)
    missing = [name for name in (*key, version) if name not in columns]
    if missing:
        raise ValueError(f"columns must include the key and version columns {missing}")
    values = [columns[name] for name in names]
    count = len(values[0])
    if any(len(column) != count for column in values):
        raise ValueError("every column must hold one value per row")
    if not count:
        return
    if None in columns[version]:
        raise ValueError(f"the version column {version!r} must not be None")
    key_columns = [columns[name] for name in key]
    keys = key_columns[0] if len(key) == 1 else list(zip(*key_columns, strict=True))
    table = _table_of(model)
    if len(set(keys)) == count and session.get_bind().dialect.name == "postgresql":
        await _upsert_arrays(session, table, key, version, columns)
        return
    # A key more than once (or SQLite): row by row, newest of each key, as above.
    await upsert_newer_many(
        session,
        table,
        key=key,
        rows=[dict(zip(names, row, strict=True)) for row in zip(*values, strict=True)],
        version=version,
    )


async def _upsert_arrays(
    session: AsyncSession,
    table: Table,
    key: Sequence[str],
    version: str,
    columns: Mapping[str, Sequence[Any]],
) -> None:
    """One INSERT ... SELECT FROM unnest(...) of the columns, each key at most once.

    A moment column (`AwareDateTime`) travels as a plain `timestamptz[]`: asyncpg
    encodes an aware datetime as its instant whatever its zone, so converting each one
    to UTC first (the type's bind step, a Python call per value) changed nothing but
    the cost. A naive one is refused here, as that step refuses it."""
    names = tuple(columns)
    for name in names:
        if isinstance(table.c[name].type, AwareDateTime) and any(
            moment is not None and moment.tzinfo is None for moment in columns[name]
        ):
            raise ValueError("naive datetime: Hearth stores timezone-aware moments only")
    statement = _unnest_upsert(table, tuple(key), names, version)
    await session.execute(
        statement,
        {
            f"column_{n}": _json_texts(columns[name])
            if isinstance(table.c[name].type, JSON)
            else list(columns[name])
            for n, name in enumerate(names)
        },
    )


def _json_texts(values: Sequence[Any]) -> list[str | None]:
    """A JSON column's values as JSON text, cast back to JSON in the statement. Bound as
    an array of JSON, a list value would be taken for one more dimension of the array:
    `["a"]` was stored as the string "a", and two items or more broke the row."""
    return [None if value is None else json.dumps(value) for value in values]


async def _upsert_rows_on_sqlite(
    session: AsyncSession,
    table: Table,
    key: Sequence[str],
    columns: tuple[str, ...],
    version: str,
    newest: list[Mapping[str, Any]],
) -> None:
    per_statement = max(1, SQLITE_MAX_VARIABLES // len(columns))
    for start in range(0, len(newest), per_statement):
        insert = sqlite.insert(table).values(newest[start : start + per_statement])
        await session.execute(_guarded(insert, table, tuple(key), columns, version))


def newest_of_each_key(
    rows: Iterable[Mapping[str, Any]], *, key: Sequence[str], version: str
) -> list[Mapping[str, Any]]:
    """The row that one-by-one application would leave for each key: the greatest
    version, the later of equal ones. Checks that every row sets the same columns,
    the key and a non-None version among them."""
    newest: dict[tuple[Any, ...], Mapping[str, Any]] = {}
    columns: frozenset[str] | None = None
    single = len(key) == 1
    for row in rows:
        if columns is None:
            columns = frozenset(row)
            missing = [name for name in (*key, version) if name not in columns]
            if missing:
                raise ValueError(f"rows must include the key and version columns {missing}")
        elif row.keys() != columns:  # compared as sets, without building one per row
            raise ValueError("every row must set the same columns")
        if row[version] is None:
            raise ValueError(f"the version column {version!r} must not be None")
        row_key = (row[key[0]],) if single else tuple(row[name] for name in key)
        kept = newest.get(row_key)
        if kept is None or kept[version] <= row[version]:
            newest[row_key] = row
    return list(newest.values())


def _guarded(
    insert: postgresql.Insert | sqlite.Insert,
    table: Table,
    key: tuple[str, ...],
    columns: tuple[str, ...],
    version: str,
) -> Insert:
    """ON CONFLICT (key) DO UPDATE the columns, unless the stored version is later."""
    stored = table.c[version]
    return insert.on_conflict_do_update(
        index_elements=[table.c[name] for name in key],
        set_={name: insert.excluded[name] for name in columns if name not in key},
        where=or_(stored.is_(None), stored <= insert.excluded[version]),
    )


@lru_cache(maxsize=128)
def _unnest_upsert(
    table: Table, key: tuple[str, ...], columns: tuple[str, ...], version: str
) -> TextClause:
    """INSERT INTO table (columns) SELECT FROM unnest(<one array per column>) with the
    guard: one set of parameters however many rows (no parameter limit, no statement
    text growing with the run). Written as text, once per table and columns, because
    SQLAlchemy never caches a compiled INSERT ... ON CONFLICT: built as an expression
    it would be compiled again for every run."""
    dialect = postgresql.dialect()
    quote = dialect.identifier_preparer.quote
    target = dialect.identifier_preparer.format_table(table)
    names = ", ".join(quote(name) for name in columns)
    arrays = ", ".join(
        f"CAST(:column_{n} AS {_array_item_type(table.c[name].type).compile(dialect=dialect)}[])"
        for n, name in enumerate(columns)
    )
    chosen = ", ".join(  # a JSON column travels as text (_json_texts)
        f"CAST(given.{quote(name)} AS {table.c[name].type.compile(dialect=dialect)})"
        if isinstance(table.c[name].type, JSON)
        else f"given.{quote(name)}"
        for name in columns
    )
    updates = ", ".join(
        f"{quote(name)} = excluded.{quote(name)}" for name in columns if name not in key
    )
    stored = f"{target}.{quote(version)}"
    return text(
        f"INSERT INTO {target} ({names}) SELECT {chosen} FROM unnest({arrays}) AS given({names})"
        f" ON CONFLICT ({', '.join(quote(name) for name in key)}) DO UPDATE SET {updates}"
        f" WHERE {stored} IS NULL OR {stored} <= excluded.{quote(version)}"
    ).bindparams(
        *[
            bindparam(f"column_{n}", type_=postgresql.ARRAY(_array_item_type(table.c[name].type)))
            for n, name in enumerate(columns)
        ]
    )


def _array_item_type(column_type: TypeEngine[Any]) -> TypeEngine[Any]:
    """The type an array of the column's values is bound as: a moment's plain
    `timestamptz` (its awareness checked by `_upsert_arrays`), JSON as text (see
    `_json_texts`), else the column's own."""
    if isinstance(column_type, AwareDateTime):
        return DateTime(timezone=True)
    if isinstance(column_type, JSON):
        return Text()
    return column_type
