"""Ids retired into others, remembered one step (docs/adr/0173, the mechanism of 0172).

A service that re-keys its rows when another service retires an id into another (a
merge) keeps a table of what it retired: `duplicate_person_id` (the key, the id
retired) and `kept_person_id` (the id kept, indexed). The table is the service's own
model and migration, named in its words; `RetiredIds(table)` is only the mechanism on
it:

- `kept_ids` maps ids to the ids kept, one read: every handler writing a row by an id
  from an event maps it first, so a late event naming a retired id writes under the id
  kept.
- `remember` records ids retired into one kept, in the caller's transaction
  (the re-keying's), re-pointing every id already retired into one of them, so the kept
  id is never itself retired: a lookup is one step, never a walk of a chain.

What the ids mean, which event retires them and what is re-keyed stay in the service."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Table, delete, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession


@dataclass(frozen=True)
class RetiredIds:
    """The mechanism on one service's table of retired ids (module docstring)."""

    table: Table

    async def kept_ids(
        self, session: AsyncSession, ids: Iterable[uuid.UUID]
    ) -> dict[uuid.UUID, uuid.UUID]:
        """Each id as the service keys it: an id the table holds as retired is the id kept
        (one step: the table is re-pointed at each retirement), any other is itself.

        Takes the table's SHARE lock (PostgreSQL) until the caller's transaction ends.
        Without it, a handler could read "not retired" while a retirement of that id was
        in flight, the retirement re-key the rows it could see, and the handler then
        commit its row under the id just retired, for good (READ COMMITTED: neither sees
        the other's uncommitted rows). With it, one waits for the other: the retirement
        then re-keys the handler's row, or the handler reads the id kept (docs/adr/0173)."""
        wanted = set(ids)
        if not wanted:
            return {}
        await self._lock(session, "SHARE")
        retired = self.table
        rows = await session.execute(
            select(retired.c.duplicate_person_id, retired.c.kept_person_id).where(
                retired.c.duplicate_person_id.in_(wanted)
            )
        )
        found: dict[uuid.UUID, uuid.UUID] = dict(rows.tuples().all())
        return {one: found.get(one, one) for one in wanted}

    async def _lock(self, session: AsyncSession, mode: str) -> None:
        """The table's lock in `mode` until the caller's transaction ends (PostgreSQL;
        SQLite has one writer, so nothing to take)."""
        bind = session.bind
        if bind is not None and bind.dialect.name == "postgresql":
            name = bind.dialect.identifier_preparer.format_table(self.table)
            await session.execute(text(f"LOCK TABLE {name} IN {mode} MODE"))

    async def kept_id(self, session: AsyncSession, one: uuid.UUID) -> uuid.UUID:
        """One id as the service keys it (kept_ids)."""
        return (await self.kept_ids(session, [one]))[one]

    async def remember(
        self, session: AsyncSession, kept_as_named: uuid.UUID, ids: Iterable[uuid.UUID]
    ) -> tuple[uuid.UUID, list[uuid.UUID]]:
        """The id kept and the ids retired into it, remembered in the table in the
        caller's transaction. The id kept is `kept_as_named`'s own kept one when the table
        holds it as retired already (B into C remembered before A into B: A means C). Ids
        remembered as retired into one retired now are re-pointed at the id kept too (A
        into B, then B into C naming only B), so every row stays one step. Remembering it
        again writes the same rows.

        Two retirements of one chain may be handled side by side (a consumer's
        partitions); each takes the table's lock first (PostgreSQL; SQLite has one
        writer), so the second reads what the first remembered. SHARE ROW EXCLUSIVE
        conflicts with itself and with the SHARE lock `kept_ids` takes, so a handler
        mapping ids waits for a retirement in flight, and a retirement for the handlers
        mapping ids, never reading past each other; handlers mapping ids side by side do
        not wait for one another (SHARE does not conflict with SHARE)."""
        retired = self.table
        await self._lock(session, "SHARE ROW EXCLUSIVE")
        kept = await self.kept_id(session, kept_as_named)
        now_retired = [one for one in ids if one != kept]
        if now_retired:
            await session.execute(
                update(retired)
                .where(retired.c.kept_person_id.in_(now_retired))
                .values(kept_person_id=kept)
            )
            await session.execute(
                delete(retired).where(retired.c.duplicate_person_id.in_(now_retired))
            )
            await session.execute(
                insert(retired).values(
                    [{"duplicate_person_id": one, "kept_person_id": kept} for one in now_retired]
                )
            )
        return kept, now_retired
