"""Engagement's resident-merged: a second record of one person merged into the
resident kept (docs/adr/0124). Repairs keeps person ids in two places, engagement's
vulnerability flags (by resident id) and the tenants of each tenancy (the household a
recharge considers, docs/adr/0116); each row naming the duplicate's id is re-keyed to
the kept one, unless the kept person already has that row (a flag of their own, the
same tenancy), when the kept one's stays and the duplicate's goes. Otherwise a flag
left under the duplicate's id would go on holding the home's recharges after
engagement cleared the person's. Handling it again finds nothing under the
duplicate's id: no change.

The ids merged into the duplicate before (`earlier_duplicate_person_ids`) are re-keyed
to the kept one as well, and only rows still under an id the event names move (ADR
0148): A into B and B into C are on two homes' partitions, so either may come first.
B into C first moves B's and A's rows to C, and A into B then finds none of A's left
and moves nothing to B, an id no longer used (its flag would hold the home's recharges
for nobody); in the other order A's rows go to B and then on to C.

Repairs remembers each merge it handled (`merged_person`, docs/adr/0172): each retired
id and the id kept, re-pointed at each later merge of the kept id as engagement
re-points `merged_into`, so one lookup reaches the person kept. A merge into an id
already retired re-keys to the person that id was kept as (A into B handled after B
into C moves A's rows to C, not to B), and a vulnerability flag or a tenancy's tenant
naming a retired id, handled after its merge, is kept under the person kept
(`kept_ids`): no row is written under a retired id once repairs has handled the merge
retiring it."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Table, delete, exists, inspect
from sqlalchemy.ext.asyncio import AsyncSession

from hearth_contracts.events.engagement import ResidentMerged
from hearth_kit.logs import get_logger
from hearth_kit.retired_ids import RetiredIds
from repairs.models import MergedPerson, TenantOfTenancy, VulnerableResident

log = get_logger(__name__)

KEYED_BY_PERSON: tuple[tuple[Any, str, tuple[str, ...]], ...] = (
    (VulnerableResident, "resident_id", ()),
    (TenantOfTenancy, "person_id", ("tenancy_id",)),
)
"""Each table naming a person id: its person column and the other columns of its key."""


async def merge_person(session: AsyncSession, merged: ResidentMerged) -> None:
    """Re-key what names the duplicate's person id, and those merged into it before, to
    the kept one (module docstring), the duplicate's first: where two of them have the
    same row, the first re-keyed stays. A flag kept under a retired id while the kept
    person has none becomes theirs until engagement's next flag for them (which it
    publishes with the merge). The kept id is the one the event names unless repairs has
    handled its merge into another already, when it is that other's (MERGED.remember, in
    the merge's transaction)."""
    kept, retired_ids = await MERGED.remember(session, merged.person_id, merged.retired_person_ids)
    for retired in retired_ids:
        for model, person, key in KEYED_BY_PERSON:
            table = cast(Table, inspect(model).local_table)
            theirs = table.alias("kept_rows")
            already = exists().where(
                theirs.c[person] == kept, *(theirs.c[name] == table.c[name] for name in key)
            )
            await session.execute(
                table.update().where(table.c[person] == retired, ~already).values({person: kept})
            )
            await session.execute(delete(table).where(table.c[person] == retired))
    log.info(
        "a person id merged into another: re-keyed",
        person_id=str(kept),
        kept_as_named=kept == merged.person_id,
        duplicate_person_id=str(merged.duplicate_person_id),
        earlier_duplicates=len(merged.earlier_duplicate_person_ids),
    )


MERGED = RetiredIds(cast(Table, inspect(MergedPerson).local_table))
"""The merges repairs handled (`merged_person`, ADR 0172; the mechanism in kit, ADR 0173)."""

kept_ids = MERGED.kept_ids
"""Each person id as repairs keys it: an id a merge repairs handled retired is the person
kept, any other is itself. The one rule for a handler writing a row by a person id from
an event, so a late event naming a retired id writes under the person kept."""

kept_id = MERGED.kept_id
"""One person id as repairs keys it (kept_ids)."""
