"""A resident named by id in a request (ADR 0124, 0138). A second record of one person
merged into the resident kept is no one any more, but a client may still hold its id:
every route naming a resident tells it which id to use instead, the same way, rather
than answering as for an id never known (a plain 404, or a 422 "no resident") or
quietly acting on another resident than the one it named. Events, which cannot be
refused, are applied to the resident kept instead (repository.as_kept)."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from engagement.models import Resident
from engagement.residents import repository
from hearth_kit.problems import NotFound, Unprocessable


class MergedResident(NotFound):
    """The resident asked for was merged into another (ADR 0124): a 404 whose problem
    names the resident kept (`merged_into`), so a client holding the old id knows
    which to use."""

    title, slug = "Resident merged", "resident-merged"


def refuse_merged(resident: Resident, *, field: str | None = None, location: str = "body") -> None:
    """Refuse a resident merged into another: the resident in the path (`field` None) is
    a 404 problem of type resident-merged naming `merged_into`; one named by a request
    field or query parameter (`field`, at `location`) is a 422 naming it, whose detail
    and `merged_into` name the resident kept. Nothing else about either is said."""
    if resident.merged_into is None:
        return
    detail = f"Resident {resident.id} was merged into {resident.merged_into}: use that id"
    if field is None:
        raise MergedResident(detail, merged_into=str(resident.merged_into))
    raise Unprocessable(
        detail, field=field, location=location, merged_into=str(resident.merged_into)
    )


async def resident_named(
    session: AsyncSession,
    resident_id: uuid.UUID,
    *,
    field: str | None = None,
    location: str = "body",
    for_update: bool = False,
) -> Resident | None:
    """The resident a request names by id (in the path, or in `field` at `location`),
    or None when no resident has that id (each route answers that as it always has). A
    resident merged into another is refused naming the one kept (refuse_merged): a
    request is told, never re-pointed, since a write re-pointed would land on a record
    the client did not name (a vulnerability, a complaint, an ETag not theirs), and a
    read would show rows under an id it did not ask for. `for_update` locks the row."""
    resident = await repository.get(session, resident_id, for_update=for_update, merged=True)
    if resident is not None:
        refuse_merged(resident, field=field, location=location)
    return resident
