"""Engagement's resident-merged: a second record of one person merged into the
resident kept (docs/adr/0124). Income keeps person ids in two places, the tenants of
its tenancies and engagement's vulnerability flags; each row naming the duplicate's
id is re-keyed to the kept one, unless the kept person already has that row (a tenant
of the same tenancy, a flag of their own), when the kept one's stays and the
duplicate's goes. Handling it again finds nothing under the duplicate's id: no change.

The ids merged into the duplicate before (`earlier_duplicate_person_ids`) are re-keyed
to the kept one as well, and only rows still under an id the event names move (ADR
0148): A into B and B into C are on two homes' partitions, so either may come first.
B into C first moves B's and A's rows to C, and A into B then finds none of A's left
and moves nothing to B, an id no longer used; in the other order A's rows go to B and
then on to C."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Table, delete, exists, inspect
from sqlalchemy.ext.asyncio import AsyncSession

from hearth_contracts.events.engagement import ResidentMerged
from hearth_kit.logs import get_logger
from income.models import Tenant, VulnerabilityFlag

log = get_logger(__name__)

KEYED_BY_PERSON: tuple[tuple[Any, tuple[str, ...]], ...] = (
    (Tenant, ("tenancy_id",)),
    (VulnerabilityFlag, ()),
)
"""Each table naming a person id, with the other columns of its key."""


async def merge_person(session: AsyncSession, merged: ResidentMerged) -> None:
    """Re-key what names the duplicate's person id, and those merged into it before, to
    the kept one (module docstring), the duplicate's first: where two of them have the
    same row, the first re-keyed stays. A flag kept under a retired id while the kept
    person has none becomes theirs until engagement's next flag for them (which it
    publishes with the merge)."""
    kept = merged.person_id
    for retired in merged.retired_person_ids:
        for model, key in KEYED_BY_PERSON:
            table = cast(Table, inspect(model).local_table)
            theirs = table.alias("kept_rows")
            already = exists().where(
                theirs.c.person_id == kept, *(theirs.c[name] == table.c[name] for name in key)
            )
            await session.execute(
                table.update().where(table.c.person_id == retired, ~already).values(person_id=kept)
            )
            await session.execute(delete(table).where(table.c.person_id == retired))
    log.info(
        "a person id merged into another: re-keyed",
        person_id=str(kept),
        duplicate_person_id=str(merged.duplicate_person_id),
        earlier_duplicates=len(merged.earlier_duplicate_person_ids),
    )
