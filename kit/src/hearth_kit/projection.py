"""Projections: a service's copy of what other services' events said.

Every projection row is written with one statement, `upsert_newer`: INSERT ... ON
CONFLICT DO UPDATE ... WHERE the stored version is absent or not newer than the
event's. So handling an event again changes nothing, and an older event that arrives
late (a replayed dead letter, a rebuilt topic) never overwrites what a newer one said.
The version is the event's own time: the fact's time (registered_at, updated_at) where
the event carries one, else the envelope's time.

Handlers call their repository, and the repository calls this; there is no SQL in a
handler. Works on PostgreSQL and SQLite (both support ON CONFLICT ... WHERE).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Table, inspect, or_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession


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
    sets, including `version`. Columns not in `values` are left as they are, so one row
    can hold parts kept by different events, each with its own version column.
    """
    if version not in values:
        raise ValueError(f"values must include the version column {version!r}")
    table = _table_of(model)
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table).values({**key, **values})
    stored = table.c[version]
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[table.c[name] for name in key],
            set_={name: statement.excluded[name] for name in values},
            where=or_(stored.is_(None), stored <= statement.excluded[version]),
        )
    )
