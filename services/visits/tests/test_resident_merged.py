"""Engagement's resident-merged (docs/adr/0124; visits' rules: 0142), handled as the
consumer runs it (the inbox in the handler's transaction) against a real, migrated
database: the duplicate's profile becomes the kept resident's (merged with theirs where
visits holds both: their details first, the duplicate's filling the gaps, format needs,
the vulnerability flag and adjustments joined), a visit it confirmed names the kept
resident, and the homes are scored again (one resident fewer: living alone now; the
kept resident's own home, vulnerable now). The same event again, or a replay of it
under a new id, changes nothing."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest
from sqlmodel import col, select

from hearth_contracts import Envelope
from hearth_contracts.events.engagement import (
    ResidentMerged,
    ResidentUpdatedV2,
    VulnerabilityRecordedV2,
)
from hearth_kit.db import Database
from services.visits.tests.factories import a_uprn
from services.visits.tests.programme.test_contacts_the_household_made import logged, member_of
from services.visits.tests.test_handlers import consume, handle, registered, started
from services.visits.tests.visits.test_one_shot_report_confirms_the_household import (
    booked,
    household,
    report,
)
from visits.models import (
    HouseholdContact,
    ProgrammeScore,
    ResidentProfile,
    TenancyMember,
    Visit,
)

EARLIER = datetime(2026, 2, 1, 9, 0, tzinfo=UTC)
LATER = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def details(
    resident_id: uuid.UUID, uprn: str, tenancy_id: uuid.UUID, **overrides: Any
) -> Envelope[Any]:
    facts: dict[str, Any] = {
        "changed": ["household"],
        "preferred_channel": "letter",
        "language": "cy",
        "updated_at": EARLIER,
    }
    return Envelope(
        data=ResidentUpdatedV2(
            resident_id=resident_id, uprn=uprn, tenancy_id=tenancy_id, **{**facts, **overrides}
        )
    )


def flag(
    resident_id: uuid.UUID, uprn: str, vulnerable: bool, at: datetime, *adjustments: str
) -> Envelope[Any]:
    return Envelope(
        data=VulnerabilityRecordedV2(
            resident_id=resident_id,
            uprn=uprn,
            vulnerable=vulnerable,
            adjustments=list(adjustments),
            recorded_at=at,
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


async def held(db: Database, people: list[uuid.UUID], homes: list[str]) -> dict[str, Any]:
    """The people's profiles, the visits at the homes (who confirmed, their version)
    and the homes' household factors."""
    async with db.sessionmaker() as session:
        profiles = (
            (
                await session.execute(
                    select(ResidentProfile)
                    .where(col(ResidentProfile.resident_id).in_(people))
                    .order_by(col(ResidentProfile.resident_id))
                )
            )
            .scalars()
            .all()
        )
        visits = await session.execute(
            select(col(Visit.id), col(Visit.resident_id), col(Visit.version)).where(
                col(Visit.uprn).in_(homes)
            )
        )
        scores = await session.execute(
            select(col(ProgrammeScore.uprn), col(ProgrammeScore.factors)).where(
                col(ProgrammeScore.uprn).in_(homes)
            )
        )
        return {
            "profiles": [p.model_dump() for p in profiles],
            "visits": sorted(tuple(row) for row in visits.all()),
            "households": {
                uprn: (f["living_alone"], f["vulnerabilities_declared"]) for uprn, f in scores.all()
            },
        }


async def applied_again_changes_nothing(
    db: Database, event: Envelope[ResidentMerged], people: list[uuid.UUID], homes: list[str]
) -> dict[str, Any]:
    """Handle the merge, then the same event again (the inbox) and a replay of it under
    a new id (the handler): what is held after the first is held after each."""
    await consume(db, [event])
    after = await held(db, people, homes)
    await consume(db, [event])
    assert await held(db, people, homes) == after
    await consume(db, [Envelope(data=event.data)])
    assert await held(db, people, homes) == after
    return after


async def test_the_duplicates_profile_and_visit_become_the_kept_residents_once(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    db = visits_database
    uprn, tenancy_id, kept, duplicate = a_uprn(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await handle(db, registered(uprn))
    await handle(db, started(uprn, tenancy_id, date(2026, 1, 5), "secure"))
    # engagement told visits of the duplicate only (the kept record's events to come)
    await handle(db, details(duplicate, uprn, tenancy_id, lives_alone=True))
    await handle(db, flag(duplicate, uprn, True, EARLIER, "extra_time"))
    visit_id = await booked(visits, uprn)
    confirmed = await report(visits, visit_id, household=household(duplicate))
    assert confirmed.status_code == 201, confirmed.text
    before = await held(db, [kept, duplicate], [uprn])
    [(_, confirmed_by, version)] = before["visits"]
    assert confirmed_by == duplicate

    after = await applied_again_changes_nothing(
        db, Envelope(data=merged(kept, duplicate, uprn)), [kept, duplicate], [uprn]
    )

    [profile] = after["profiles"]
    assert profile == {**before["profiles"][0], "resident_id": kept}
    assert after["visits"] == [(uuid.UUID(visit_id), kept, version + 1)]
    assert (await visits.get(f"/v1/visits/{visit_id}")).json()["resident_id"] == str(kept)


async def test_both_profiles_are_merged_into_the_kept_residents_and_the_home_rescored(
    visits_database: Database,
) -> None:
    db = visits_database
    uprn, tenancy_id, kept, duplicate = a_uprn(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await handle(db, registered(uprn))
    await handle(db, started(uprn, tenancy_id, date(2026, 1, 5), "secure"))
    await consume(
        db,
        [
            details(kept, uprn, tenancy_id, lives_alone=True, format_needs=["large_print"]),
            details(
                duplicate,
                uprn,
                tenancy_id,
                language="en",
                preferred_channel="email",
                age_band="75_to_84",
                lives_alone=False,
                format_needs=["braille", "large_print"],
                updated_at=LATER,
            ),
            flag(kept, uprn, False, EARLIER, "call_before_visiting"),
            flag(duplicate, uprn, True, LATER, "extra_time", "call_before_visiting"),
        ],
    )
    # two residents: not living alone, one vulnerable
    assert (await held(db, [], [uprn]))["households"] == {uprn: (False, 1)}

    after = await applied_again_changes_nothing(
        db, Envelope(data=merged(kept, duplicate, uprn)), [kept, duplicate], [uprn]
    )

    [profile] = after["profiles"]
    assert profile == {
        "resident_id": kept,
        "uprn": uprn,
        "tenancy_id": tenancy_id,
        # the kept resident's details; the duplicate's age band where theirs is unknown
        "age_band": "75_to_84",
        "lives_alone": True,
        "language": "cy",
        "preferred_channel": "letter",
        "format_needs": ["large_print", "braille"],
        "details_as_of": EARLIER,
        # vulnerable on either record: vulnerable; as of the newer flag
        "vulnerable": True,
        "adjustments": ["call_before_visiting", "extra_time"],
        "vulnerability_as_of": LATER,
    }
    # one resident, living alone and vulnerable
    assert after["households"] == {uprn: (True, 1)}


async def test_the_kept_residents_own_home_is_scored_again(visits_database: Database) -> None:
    """The duplicate was recorded at a home visits knows the kept resident elsewhere
    from (the event names the duplicate's home): the kept resident's home is scored
    again too, vulnerable now."""
    db = visits_database
    theirs, other, kept, duplicate = a_uprn(), a_uprn(), uuid.uuid4(), uuid.uuid4()
    tenancy_id = uuid.uuid4()
    for home in (theirs, other):
        await handle(db, registered(home))
    await handle(db, started(theirs, tenancy_id, date(2026, 1, 5), "secure"))
    await handle(db, details(kept, theirs, tenancy_id))
    await handle(db, details(duplicate, other, uuid.uuid4()))
    await handle(db, flag(duplicate, other, True, EARLIER))
    assert (await held(db, [], [theirs]))["households"] == {theirs: (False, 0)}

    after = await applied_again_changes_nothing(
        db, Envelope(data=merged(kept, duplicate, other)), [kept, duplicate], [theirs, other]
    )

    assert [(p["resident_id"], p["uprn"], p["vulnerable"]) for p in after["profiles"]] == [
        (kept, theirs, True)
    ]
    assert after["households"][theirs] == (False, 1)
    assert after["households"].get(other, (False, 0)) == (False, 0)


@pytest.mark.parametrize("second_merge_first", [False, True], ids=["in_order", "out_of_order"])
async def test_a_chain_of_merges_ends_under_the_last_kept_in_either_order(
    visits: httpx.AsyncClient, visits_database: Database, second_merge_first: bool
) -> None:
    """A merged into B, then B into C (ADR 0148): the two events are keyed by two homes,
    so visits may handle B into C first. Either way one profile is left, C's, with A's
    vulnerability and B's details, the visit A confirmed names C, and none is under B
    (an id engagement no longer uses: a ghost profile scored at the home); handling
    both again changes nothing."""
    db = visits_database
    uprn, tenancy_id = a_uprn(), uuid.uuid4()
    first, second, third = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await handle(db, registered(uprn))
    await handle(db, started(uprn, tenancy_id, date(2026, 1, 5), "secure"))
    await consume(
        db,
        [
            details(first, uprn, tenancy_id, lives_alone=False),
            flag(first, uprn, True, EARLIER, "extra_time"),
            details(second, uprn, tenancy_id, age_band="75_to_84", lives_alone=True),
        ],
    )
    visit_id = await booked(visits, uprn)
    confirmed = await report(visits, visit_id, household=household(first))
    assert confirmed.status_code == 201, confirmed.text
    merges = [
        Envelope(data=merged(second, first, uprn)),
        Envelope(data=merged(third, second, a_uprn(), first)),
    ]
    if second_merge_first:
        merges.reverse()
    people = [first, second, third]
    for event in merges:
        await consume(db, [event])
    after = await held(db, people, [uprn])
    for event in merges:
        await consume(db, [Envelope(data=event.data)])
    assert await held(db, people, [uprn]) == after

    assert [
        (p["resident_id"], p["age_band"], p["lives_alone"], p["vulnerable"], p["adjustments"])
        for p in after["profiles"]
    ] == [(third, "75_to_84", True, True, ["extra_time"])]
    assert [(visit, resident) for visit, resident, _ in after["visits"]] == [
        (uuid.UUID(visit_id), third)
    ]
    assert after["households"] == {uprn: (True, 1)}


async def test_the_duplicates_tenancies_and_contacts_are_the_kept_residents(
    visits_database: Database,
) -> None:
    """ADR 0151 counts a contact naming a resident only from a member of the home's
    tenancy: the duplicate's membership moves to the kept id with its profile, and
    handling the merge again moves nothing twice."""
    db = visits_database
    uprn, tenancy_id, kept, duplicate = a_uprn(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await handle(db, registered(uprn))
    await handle(db, started(uprn, tenancy_id, date(2026, 1, 5), "secure"))
    await consume(db, [member_of(uprn, tenancy_id, duplicate), member_of(uprn, tenancy_id, kept)])
    await consume(db, [logged(uprn, "inbound", LATER, duplicate)])

    async def rows() -> tuple[list[Any], list[Any]]:
        async with db.sessionmaker() as session:
            members = await session.execute(
                select(col(TenancyMember.tenancy_id), col(TenancyMember.resident_id)).where(
                    col(TenancyMember.resident_id).in_([kept, duplicate])
                )
            )
            contacts = await session.scalars(
                select(col(HouseholdContact.resident_id)).where(col(HouseholdContact.uprn) == uprn)
            )
            return sorted(tuple(r) for r in members.all()), list(contacts.all())

    assert await rows() == (sorted([(tenancy_id, kept), (tenancy_id, duplicate)]), [duplicate])
    event = Envelope(data=merged(kept, duplicate, uprn))
    await consume(db, [event])
    # the contact keeps its id: one visits knows nothing of now, the household's as before
    assert await rows() == ([(tenancy_id, kept)], [duplicate])
    await consume(db, [Envelope(data=event.data)])
    assert await rows() == ([(tenancy_id, kept)], [duplicate])
