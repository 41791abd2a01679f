"""Income remembers the merges it handled (`merged_person`, docs/adr/0172), through the
inbox against a real, migrated database: an event about a person published before their
merge but handled after a later merge of the kept person (ADR 0148's consequence) ends
under the last person kept, never a retired id; a late event naming a retired id is kept
under the person kept; handling everything again changes nothing."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlmodel import col, select

from hearth_contracts import Envelope
from hearth_contracts.events.engagement import ResidentMerged
from hearth_kit.db import Database
from income.models import Tenancy

from .conftest import a_tenancy, a_uprn, events_of
from .test_handlers import consume
from .test_resident_merged import a_flag, held


def a_merge(
    kept: uuid.UUID, duplicate: uuid.UUID, earlier: list[uuid.UUID] | None = None
) -> Envelope[ResidentMerged]:
    return Envelope(
        data=ResidentMerged(
            person_id=kept,
            duplicate_person_id=duplicate,
            uprn=a_uprn(),
            merged_at=datetime.now(UTC),
            earlier_duplicate_person_ids=earlier or [],
        )
    )


@pytest.mark.parametrize("names_earlier", [True, False], ids=["v1_0148", "before_0148"])
async def test_a_flag_about_the_first_handled_between_the_merges_ends_under_the_last_kept(
    income_database: Database, names_earlier: bool
) -> None:
    """A's flag published before A into B, handled after B into C and before A into B.
    B into C names A (as engagement publishes it since ADR 0148), so the flag is kept
    under C; or, published before then, names no earlier ids, so the flag is under A
    until A into B, which re-keys it to the person B is kept as: C."""
    db = income_database
    first, second, third = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    flagged_at = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
    first_into_second = a_merge(second, first)
    second_into_third = a_merge(third, second, [first] if names_earlier else [])
    firsts_flag = a_flag(first, a_uprn(), True, flagged_at)
    for event in (second_into_third, firsts_flag, first_into_second):
        await consume(db, [event])
    expected: tuple[list[Any], list[Any]] = ([], [(third, True, flagged_at)])
    assert await held(db, [], [first, second, third]) == expected
    for event in (second_into_third, firsts_flag, first_into_second):
        await consume(db, [Envelope(data=event.data)])
    assert await held(db, [], [first, second, third]) == expected


async def test_a_late_flag_naming_a_retired_id_is_the_kept_persons(
    income_database: Database,
) -> None:
    """A into B handled, then a flag naming A (another topic's partition, a replayed dead
    letter): kept under B. After B into C (naming A), a flag naming either is C's."""
    db = income_database
    first, second, third = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    uprn = a_uprn()
    await consume(db, [a_merge(second, first)])
    at = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
    late = a_flag(first, uprn, True, at)
    await consume(db, [late])
    assert await held(db, [], [first, second, third]) == ([], [(second, True, at)])

    await consume(db, [a_merge(third, second, [first])])
    later = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    await consume(db, [a_flag(second, uprn, False, later)])
    await consume(db, [Envelope(data=late.data)])  # the older one again: changes nothing
    assert await held(db, [], [first, second, third]) == ([], [(third, False, later)])


async def test_a_tenancy_naming_a_retired_id_names_the_kept_person(
    income: httpx.AsyncClient, income_database: Database
) -> None:
    """A into B handled, then B into C: a tenancy typed from an old record of A (POST
    /v1/tenancies naming A beside another tenant) is stored, shown and announced with C,
    as the merges re-keyed the tenancies they found (ADR 0200)."""
    db = income_database
    first, second, third, other = (uuid.uuid4() for _ in range(4))
    await consume(db, [a_merge(second, first)])
    await consume(db, [a_merge(third, second, [first])])
    tenancy = await a_tenancy(
        income,
        tenants=[
            {"full_name": "Ada Lovelace", "person_id": str(first)},
            {"full_name": "Sam Okafor", "person_id": str(other)},
        ],
    )
    tenancy_id = uuid.UUID(tenancy["id"])
    assert [t["person_id"] for t in tenancy["tenants"]] == [str(third), str(other)]
    assert await held(db, [tenancy_id], []) == (
        sorted([(tenancy_id, third), (tenancy_id, other)]),
        [],
    )
    [(kind, started)] = await events_of(db, tenancy["uprn"])
    assert kind == "uk.hearth.income.tenancy-started.v2"
    assert [t["person_id"] for t in started["tenants"]] == [str(third), str(other)]


async def test_a_tenancy_naming_a_person_by_both_their_ids_is_refused(
    income: httpx.AsyncClient, income_database: Database
) -> None:
    """The duplicate and the person kept named as two tenants are one person named twice:
    422 naming `tenants`, nothing stored (not a 409 from the tenant table's key)."""
    kept, duplicate = uuid.uuid4(), uuid.uuid4()
    await consume(income_database, [a_merge(kept, duplicate)])
    reference = f"T-{uuid.uuid4().hex[:12].upper()}"
    response = await income.post(
        "/v1/tenancies",
        json={
            "tenancy_reference": reference,
            "uprn": a_uprn(),
            "tenants": [
                {"full_name": "Ada Lovelace", "person_id": str(kept)},
                {"full_name": "Ada Lovelace", "person_id": str(duplicate)},
            ],
            "start_date": "2025-04-07",
            "tenancy_type": "secure",
            "weekly_rent_pence": 10_000,
        },
    )
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "tenants"
    async with income_database.sessionmaker() as session:
        stored = await session.execute(
            select(Tenancy.id).where(col(Tenancy.tenancy_reference) == reference)
        )
        assert stored.all() == []
