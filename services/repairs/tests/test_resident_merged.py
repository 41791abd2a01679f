"""Engagement's resident-merged (docs/adr/0124), handled as the consumer runs it (the
inbox in the handler's transaction) against a real, migrated database: the
vulnerability flag and the tenancies under the duplicate's person id become the kept
person's, the kept one's staying where both have one (a flag left under the
duplicate's id would go on holding the home's recharges); the same event again, or a
replay of it under a new id, changes nothing."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlmodel import col, select

from hearth_contracts import Envelope
from hearth_contracts.events.engagement import ResidentMerged, VulnerabilityRecordedV2
from hearth_contracts.events.income import TenancyStartedV2
from hearth_kit.db import Database
from repairs.models import TenantOfTenancy, VulnerableResident
from services.repairs.tests.test_handlers import consume
from tests.harness.events import a_tenancy_of


def a_home() -> str:
    return str(random.randint(10**9, 10**12 - 1))


def started(uprn: str, *people: uuid.UUID) -> Envelope[TenancyStartedV2]:
    return Envelope(data=a_tenancy_of(uprn, *people))


def flagged(person: uuid.UUID, uprn: str, vulnerable: bool, at: datetime) -> Envelope[Any]:
    return Envelope(
        data=VulnerabilityRecordedV2(
            resident_id=person, uprn=uprn, vulnerable=vulnerable, recorded_at=at
        )
    )


def merged(kept: uuid.UUID, duplicate: uuid.UUID, uprn: str, *earlier: uuid.UUID) -> ResidentMerged:
    return ResidentMerged(
        person_id=kept,
        duplicate_person_id=duplicate,
        uprn=uprn,
        merged_at=datetime.now(UTC),
        earlier_duplicate_person_ids=list(earlier),
    )


async def held(
    db: Database, tenancy_ids: list[uuid.UUID], people: list[uuid.UUID]
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The tenants of the tenancies, and the flags of the people, sorted."""
    async with db.sessionmaker() as session:
        tenants = await session.execute(
            select(col(TenantOfTenancy.tenancy_id), col(TenantOfTenancy.person_id)).where(
                col(TenantOfTenancy.tenancy_id).in_(tenancy_ids)
            )
        )
        flags = await session.execute(
            select(
                col(VulnerableResident.resident_id),
                col(VulnerableResident.flagged),
                col(VulnerableResident.as_of),
            ).where(col(VulnerableResident.resident_id).in_(people))
        )
        return sorted(tuple(row) for row in tenants.all()), sorted(
            tuple(row) for row in flags.all()
        )


async def test_the_duplicates_flag_and_tenancies_become_the_kept_persons_once(
    repairs_database: Database,
) -> None:
    db = repairs_database
    uprn, kept, duplicate = a_home(), uuid.uuid4(), uuid.uuid4()
    # The duplicate alone on one tenancy, and beside the kept person on another.
    alone, beside = started(uprn, duplicate), started(uprn, kept, duplicate)
    flagged_at = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
    await consume(db, [alone, beside, flagged(duplicate, uprn, True, flagged_at)])
    tenancies = [alone.data.tenancy_id, beside.data.tenancy_id]

    event = Envelope(data=merged(kept, duplicate, uprn))
    await consume(db, [event])
    expected = (
        sorted([(tenancies[0], kept), (tenancies[1], kept)]),
        [(kept, True, flagged_at)],
    )
    assert await held(db, tenancies, [kept, duplicate]) == expected
    # The same event again (the inbox), and a replay of it under a new id (the handler).
    await consume(db, [event])
    await consume(db, [Envelope(data=event.data)])
    assert await held(db, tenancies, [kept, duplicate]) == expected


async def test_the_kept_persons_own_flag_stays_over_the_duplicates(
    repairs_database: Database,
) -> None:
    db = repairs_database
    uprn, kept, duplicate = a_home(), uuid.uuid4(), uuid.uuid4()
    theirs = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    await consume(
        db,
        [
            flagged(kept, uprn, False, theirs),
            flagged(duplicate, uprn, True, datetime(2026, 11, 1, 9, 0, tzinfo=UTC)),
        ],
    )
    for _ in range(2):
        await consume(db, [Envelope(data=merged(kept, duplicate, uprn))])
        assert await held(db, [], [kept, duplicate]) == ([], [(kept, False, theirs)])


@pytest.mark.parametrize("second_merge_first", [False, True], ids=["in_order", "out_of_order"])
async def test_a_chain_of_merges_ends_under_the_last_kept_in_either_order(
    repairs_database: Database, second_merge_first: bool
) -> None:
    """A merged into B, then B into C (ADR 0148): the two events are keyed by two homes,
    so repairs may handle B into C first. Either way A's tenancy and flag end under C,
    none under B (an id engagement no longer uses, whose flag would go on holding the
    home's recharges); handling both again changes nothing."""
    db = repairs_database
    first, second, third = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    firsts_home, seconds_home = a_home(), a_home()
    tenancy = started(firsts_home, first)
    flagged_at = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
    await consume(db, [tenancy, flagged(first, firsts_home, True, flagged_at)])
    merges = [
        Envelope(data=merged(second, first, firsts_home)),
        Envelope(data=merged(third, second, seconds_home, first)),
    ]
    if second_merge_first:
        merges.reverse()
    expected = ([(tenancy.data.tenancy_id, third)], [(third, True, flagged_at)])
    for event in merges:
        await consume(db, [event])
    assert await held(db, [tenancy.data.tenancy_id], [first, second, third]) == expected
    for event in merges:
        await consume(db, [Envelope(data=event.data)])
    assert await held(db, [tenancy.data.tenancy_id], [first, second, third]) == expected
