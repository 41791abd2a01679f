"""Engagement's resident-merged (docs/adr/0124), handled as the consumer runs it (the
inbox in the handler's transaction) against a real, migrated database: the tenants and
vulnerability flags under the duplicate's person id become the kept person's, the kept
one's staying where both have one; the same event again, or a replay of it under a new
id, changes nothing."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlmodel import col, select

from hearth_contracts import Envelope
from hearth_contracts.events.engagement import ResidentMerged, VulnerabilityRecordedV2
from hearth_kit.db import Database
from income.models import Tenant, VulnerabilityFlag

from .conftest import a_tenancy, a_uprn
from .test_handlers import consume


async def held(
    db: Database, tenancy_ids: list[uuid.UUID], people: list[uuid.UUID]
) -> tuple[list[tuple[uuid.UUID, uuid.UUID]], list[tuple[uuid.UUID, bool, datetime]]]:
    """The tenants of the tenancies, and the flags of the people, sorted."""
    async with db.sessionmaker() as session:
        tenants = await session.execute(
            select(Tenant.tenancy_id, Tenant.person_id).where(
                col(Tenant.tenancy_id).in_(tenancy_ids)
            )
        )
        flags = await session.execute(
            select(
                VulnerabilityFlag.person_id, VulnerabilityFlag.flagged, VulnerabilityFlag.as_of
            ).where(col(VulnerabilityFlag.person_id).in_(people))
        )
        return sorted(map(tuple, tenants.all())), sorted(map(tuple, flags.all()))


def a_flag(person_id: uuid.UUID, uprn: str, vulnerable: bool, at: datetime) -> Envelope[Any]:
    return Envelope(
        data=VulnerabilityRecordedV2(
            resident_id=person_id, uprn=uprn, vulnerable=vulnerable, recorded_at=at
        )
    )


async def test_the_duplicates_tenancies_and_flag_become_the_kept_persons_once(
    income: httpx.AsyncClient, income_database: Database
) -> None:
    db = income_database
    kept, duplicate = uuid.uuid4(), uuid.uuid4()
    # The duplicate alone on one tenancy, and beside the kept person on another.
    alone = await a_tenancy(
        income, tenants=[{"full_name": "Ada Lovelace", "person_id": str(duplicate)}]
    )
    beside = await a_tenancy(
        income,
        tenants=[
            {"full_name": "Ada Lovelace", "person_id": str(kept)},
            {"full_name": "Ada Lovelace", "person_id": str(duplicate)},
        ],
    )
    tenancies = [uuid.UUID(alone["id"]), uuid.UUID(beside["id"])]
    flagged_at = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
    uprn = beside["uprn"]
    await consume(db, [a_flag(duplicate, uprn, True, flagged_at)])

    merged = Envelope(
        data=ResidentMerged(
            person_id=kept, duplicate_person_id=duplicate, uprn=uprn, merged_at=datetime.now(UTC)
        )
    )
    await consume(db, [merged])
    expected = (
        sorted([(tenancies[0], kept), (tenancies[1], kept)]),
        [(kept, True, flagged_at)],
    )
    assert await held(db, tenancies, [kept, duplicate]) == expected
    # The same event again (the inbox), and a replay of it under a new id (the handler).
    await consume(db, [merged])
    await consume(db, [Envelope(data=merged.data)])
    assert await held(db, tenancies, [kept, duplicate]) == expected


async def test_the_kept_persons_own_flag_stays_over_the_duplicates(
    income_database: Database,
) -> None:
    db = income_database
    kept, duplicate, uprn = uuid.uuid4(), uuid.uuid4(), a_uprn()
    theirs = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    await consume(
        db,
        [
            a_flag(kept, uprn, False, theirs),
            a_flag(duplicate, uprn, True, datetime(2026, 11, 1, 9, 0, tzinfo=UTC)),
        ],
    )
    merged = ResidentMerged(
        person_id=kept, duplicate_person_id=duplicate, uprn=uprn, merged_at=datetime.now(UTC)
    )
    for _ in range(2):
        await consume(db, [Envelope(data=merged)])
        assert await held(db, [], [kept, duplicate]) == ([], [(kept, False, theirs)])


@pytest.mark.parametrize("second_merge_first", [False, True], ids=["in_order", "out_of_order"])
async def test_a_chain_of_merges_ends_under_the_last_kept_in_either_order(
    income: httpx.AsyncClient, income_database: Database, second_merge_first: bool
) -> None:
    """A merged into B, then B into C (ADR 0148): the two events are keyed by two homes,
    so income may handle B into C first. Either way every row ends under C, none under
    B (an id engagement no longer uses); handling both again changes nothing."""
    db = income_database
    first, second, third = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    tenancy = await a_tenancy(
        income, tenants=[{"full_name": "Ada Lovelace", "person_id": str(first)}]
    )
    tenancy_id, uprn = uuid.UUID(tenancy["id"]), tenancy["uprn"]
    seconds_flag_at = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    await consume(
        db,
        [
            a_flag(first, uprn, True, datetime(2026, 11, 1, 9, 0, tzinfo=UTC)),
            a_flag(second, a_uprn(), False, seconds_flag_at),
        ],
    )
    first_into_second = Envelope(
        data=ResidentMerged(
            person_id=second, duplicate_person_id=first, uprn=uprn, merged_at=datetime.now(UTC)
        )
    )
    second_into_third = Envelope(
        data=ResidentMerged(
            person_id=third,
            duplicate_person_id=second,
            uprn=a_uprn(),
            merged_at=datetime.now(UTC),
            earlier_duplicate_person_ids=[first],
        )
    )
    merges = [first_into_second, second_into_third]
    if second_merge_first:
        merges.reverse()
    expected = ([(tenancy_id, third)], [(third, False, seconds_flag_at)])
    for merge in merges:
        await consume(db, [merge])
    assert await held(db, [tenancy_id], [first, second, third]) == expected
    for merge in merges:
        await consume(db, [Envelope(data=merge.data)])
    assert await held(db, [tenancy_id], [first, second, third]) == expected
