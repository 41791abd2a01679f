"""Engagement's resident-merged: a second record of one person merged into the resident
kept (docs/adr/0124, 0125; visits' rules: 0142). Visits keeps person ids in its profile
of each resident (what the programme scores a home from and the officer's briefing
lists), the resident who confirmed the household's details at a visit, the people of
each tenancy's household and who made each contact (ADR 0151).

- The duplicate's profile becomes the kept resident's when visits has none of them.
  When it has both, the kept one's stays and the duplicate's goes, merged as engagement
  merged the records: the kept resident's details stay and the duplicate's fill only
  what they lack (age band, living alone, language, channel); format needs are joined,
  and so is the vulnerability flag and its adjustments (a vulnerability recorded on
  either record is the person's: engagement moved them all to the kept id). Left as two
  profiles, a home would go on scoring two residents, neither living alone, and the
  briefing listing a person twice.
- A visit's `resident_id` naming the duplicate names the kept resident (the visit's
  version moves on: its entry changed).
- The tenancies the duplicate was a member of are the kept resident's (ADR 0151 counts
  a named contact only from a member of the tenancy).

The ids merged into the duplicate before (`earlier_duplicate_person_ids`) are merged
into the kept resident the same way, one after another, and only what still names an
id the event names moves (ADR 0148): A into B and B into C are on two homes'
partitions, so either may come first. B into C first merges B's and A's profiles and
visits into C's, and A into B then finds none of A's left and moves nothing to B, an id
no longer used (a ghost profile scored at a home); in the other order A's go to B and
then on to C.

Visits remembers each merge it handled (`merged_person`, docs/adr/0172): each retired id
and the id kept, re-pointed at each later merge of the kept id as engagement re-points
`merged_into`, so one lookup reaches the person kept. A merge into an id already retired
merges into the person that id was kept as (A into B handled after B into C merges A's
profile into C's, leaving no ghost under B), and an event naming a retired id, handled
after its merge (a resident's details or vulnerability, a tenant, a contact they made),
is kept under the person kept (`kept_ids`): no row is written under a retired id once
visits has handled the merge retiring it.

Handling it again finds nothing under the duplicate's id: no change. A request naming
a retired id (a draft's household piece, a report's household, from a tablet that
cached the household before the merge) is written under the person kept too
(visits.service.as_kept, ADR 0208): a draft's household piece saved before the merge
keeps the duplicate's id until its report is submitted, which maps it then."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any, TypeVar, cast

from sqlalchemy import Table, delete, inspect, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from hearth_contracts.events.engagement import ResidentMerged
from hearth_kit.logs import get_logger
from hearth_kit.retired_ids import RetiredIds
from visits.models import MergedPerson, ResidentProfile, TenancyMember, Visit
from visits.programme.repository import save_members

log = get_logger(__name__)

T = TypeVar("T")

FILLED_FROM_THE_DUPLICATE = ("age_band", "lives_alone", "language", "preferred_channel")
"""The details the kept resident's profile keeps where it has one, and takes from the
duplicate's where it has none (engagement's merge: MERGED_OPTIONAL_DETAILS)."""


def joined(kept: Sequence[T] | None, duplicate: Sequence[T] | None) -> list[T] | None:
    """Both lists as one, the kept one's first, each value once; None if neither is known."""
    if kept is None and duplicate is None:
        return None
    return list(dict.fromkeys([*(kept or []), *(duplicate or [])]))


def either_flagged(kept: bool | None, duplicate: bool | None) -> bool | None:
    """Vulnerable if either record was; not if neither was and one said so; else unknown."""
    if kept is None and duplicate is None:
        return None
    return bool(kept) or bool(duplicate)


def newer(kept: datetime | None, duplicate: datetime | None) -> datetime | None:
    return max((at for at in (kept, duplicate) if at is not None), default=None)


def merged_profile(kept: ResidentProfile, duplicate: ResidentProfile) -> dict[str, Any]:
    """The kept resident's profile with the duplicate's merged in (module docstring).
    Their details' version stays the kept one's (theirs lead), the duplicate's when the
    kept one has none; the flag's is the newer of the two (the flag joins both), so a
    flag either record had before is not taken over it, and engagement's next flag for
    the kept resident (published with the merge) replaces it as any newer one does."""
    values: dict[str, Any] = {}
    if kept.details_as_of is None:
        values["details_as_of"] = duplicate.details_as_of
    for name in FILLED_FROM_THE_DUPLICATE:
        if getattr(kept, name) is None:
            values[name] = getattr(duplicate, name)
    values["format_needs"] = joined(kept.format_needs, duplicate.format_needs)
    values["vulnerable"] = either_flagged(kept.vulnerable, duplicate.vulnerable)
    values["adjustments"] = joined(kept.adjustments, duplicate.adjustments)
    values["vulnerability_as_of"] = newer(kept.vulnerability_as_of, duplicate.vulnerability_as_of)
    return values


async def merge_person(session: AsyncSession, merged: ResidentMerged) -> list[str]:
    """Re-key what names the duplicate's person id, and those merged into it before, to
    the kept one (module docstring), the duplicate's first. The kept id is the one the
    event names unless visits has handled its merge into another already, when it is
    that other's (MERGED.remember, in the merge's transaction). Returns the homes of the
    profiles it changed, to be scored again."""
    kept_id, retired = await MERGED.remember(session, merged.person_id, merged.retired_person_ids)
    # Every profile the merge may change locked at once, in resident id order (as each
    # step's own read does), so never crosswise with another merge.
    await session.execute(
        select(col(ResidentProfile.resident_id))
        .where(col(ResidentProfile.resident_id).in_([kept_id, *retired]))
        .order_by(col(ResidentProfile.resident_id))
        .with_for_update()
    )
    homes: list[str] = []
    for duplicate_id in retired:
        homes.extend(await _merge_one(session, duplicate_id, kept_id))
    log.info(
        "a person id merged into another: re-keyed",
        person_id=str(kept_id),
        kept_as_named=kept_id == merged.person_id,
        duplicate_person_id=str(merged.duplicate_person_id),
        earlier_duplicates=len(merged.earlier_duplicate_person_ids),
    )
    return list(dict.fromkeys(homes))


async def _merge_one(
    session: AsyncSession, duplicate_id: uuid.UUID, kept_id: uuid.UUID
) -> list[str]:
    """One retired id's profile and visits merged into the kept resident's: the homes of
    the profiles changed."""
    profiles = {
        profile.resident_id: profile
        for profile in (
            await session.execute(
                select(ResidentProfile)
                .where(col(ResidentProfile.resident_id).in_([kept_id, duplicate_id]))
                .order_by(col(ResidentProfile.resident_id))
                .with_for_update()
            )
        )
        .scalars()
        .all()
    }
    kept, duplicate = profiles.get(kept_id), profiles.get(duplicate_id)
    homes: list[str] = []
    if duplicate is not None:
        homes.append(duplicate.uprn)
        if kept is None:
            await session.execute(
                update(ResidentProfile)
                .where(col(ResidentProfile.resident_id) == duplicate_id)
                .values(resident_id=kept_id)
                .execution_options(synchronize_session=False)
            )
        else:
            homes.append(kept.uprn)
            values = merged_profile(kept, duplicate)
            await session.execute(
                delete(ResidentProfile)
                .where(col(ResidentProfile.resident_id) == duplicate_id)
                .execution_options(synchronize_session=False)
            )
            await session.execute(
                update(ResidentProfile)
                .where(col(ResidentProfile.resident_id) == kept_id)
                .values(**values)
                .execution_options(synchronize_session=False)
            )
    await session.execute(
        update(Visit)
        .where(col(Visit.resident_id) == duplicate_id)
        .values(resident_id=kept_id, version=col(Visit.version) + 1)
        .execution_options(synchronize_session=False)
    )
    await _household_rekeyed(session, duplicate_id, kept_id)
    # the rows read above are stale now: whatever the transaction reads next is fresh
    session.expire_all()
    return homes


async def _household_rekeyed(
    session: AsyncSession, duplicate_id: uuid.UUID, kept_id: uuid.UUID
) -> None:
    """The tenancies the duplicate was a member of are the kept resident's (ADR 0151
    counts a named contact only from a member of the home's tenancy): left under the
    retired id, the kept resident's later calls would not be the household's. The
    contacts the duplicate made keep its id: a resident visits knows nothing of is the
    household's as before (households_then), so they still count, and re-keying them
    would scan every contact (household_contact.resident_id has no index)."""
    tenancies = (
        await session.scalars(
            select(col(TenancyMember.tenancy_id)).where(
                col(TenancyMember.resident_id) == duplicate_id
            )
        )
    ).all()
    await save_members(session, [(tenancy_id, kept_id) for tenancy_id in tenancies])
    await session.execute(
        delete(TenancyMember)
        .where(col(TenancyMember.resident_id) == duplicate_id)
        .execution_options(synchronize_session=False)
    )


MERGED = RetiredIds(cast(Table, inspect(MergedPerson).local_table))
"""The merges visits handled (`merged_person`, ADR 0172; the mechanism in kit, ADR 0173)."""

kept_ids = MERGED.kept_ids
"""Each person id as visits keys it: an id a merge visits handled retired is the person
kept, any other is itself. The one rule for a handler writing a row by a person id from
an event, so a late event naming a retired id writes under the person kept."""

kept_id = MERGED.kept_id
"""One person id as visits keys it (kept_ids)."""
