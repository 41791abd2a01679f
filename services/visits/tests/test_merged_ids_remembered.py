"""Visits remembers the merges it handled (`merged_person`, docs/adr/0172), through the
inbox against a real, migrated database: a resident's vulnerability published before
their merge but handled after a later merge of the kept resident (ADR 0148's
consequence) ends in the last kept resident's profile, never a ghost profile under a
retired id scored at the home; a late event naming a retired id (details, a flag, a
tenant, a contact they made) is kept under the resident kept; handling everything
again changes nothing."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlmodel import col, select

from hearth_contracts import Envelope
from hearth_kit.db import Database
from services.visits.tests.factories import a_uprn
from services.visits.tests.programme.test_contacts_the_household_made import logged, member_of
from services.visits.tests.test_handlers import consume, handle, registered, started
from services.visits.tests.test_resident_merged import EARLIER, LATER, details, flag, held, merged
from visits.models import HouseholdContact, TenancyMember


def profiles(after: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [
        (p["resident_id"], p["age_band"], p["vulnerable"], p["adjustments"])
        for p in after["profiles"]
    ]


@pytest.mark.parametrize("names_earlier", [True, False], ids=["v1_0148", "before_0148"])
async def test_a_flag_about_the_first_handled_between_the_merges_ends_under_the_last_kept(
    visits_database: Database, names_earlier: bool
) -> None:
    """A's flag published before A into B, handled after B into C and before A into B.
    B into C names A (as engagement publishes it since ADR 0148), so the flag is C's;
    or, published before then, names no earlier ids, so A has a profile until A into B,
    which merges it into the resident B is kept as: C."""
    db = visits_database
    uprn, tenancy_id = a_uprn(), uuid.uuid4()
    first, second, third = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await handle(db, registered(uprn))
    await handle(db, started(uprn, tenancy_id, date(2026, 1, 5), "secure"))
    await consume(db, [details(second, uprn, tenancy_id, age_band="75_to_84", lives_alone=True)])
    events = [
        Envelope(data=merged(third, second, a_uprn(), *([first] if names_earlier else []))),
        flag(first, uprn, True, EARLIER, "extra_time"),
        Envelope(data=merged(second, first, uprn)),
    ]
    people = [first, second, third]
    for event in events:
        await consume(db, [event])
    after = await held(db, people, [uprn])
    assert profiles(after) == [(third, "75_to_84", True, ["extra_time"])]
    assert after["households"] == {uprn: (True, 1)}
    for event in events:
        await consume(db, [Envelope(data=event.data)])
    assert await held(db, people, [uprn]) == after


async def test_late_events_naming_a_retired_id_are_the_kept_residents(
    visits_database: Database,
) -> None:
    """A into B handled, then A's details, flag, membership of the tenancy and a contact
    A made (other topics' partitions, a replayed dead letter): all under B, one profile,
    the contact a member's. Handled again, nothing changes."""
    db = visits_database
    uprn, tenancy_id, first, second = a_uprn(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await handle(db, registered(uprn))
    await handle(db, started(uprn, tenancy_id, date(2026, 1, 5), "secure"))
    await consume(db, [details(second, uprn, tenancy_id, lives_alone=True)])
    await consume(db, [Envelope(data=merged(second, first, uprn))])
    late = [
        member_of(uprn, tenancy_id, first),
        details(first, uprn, tenancy_id, age_band="75_to_84", updated_at=datetime.now(UTC)),
        flag(first, uprn, True, EARLIER, "extra_time"),
        logged(uprn, "inbound", LATER, first),
    ]
    for event in late:
        await consume(db, [event])

    async def rows() -> tuple[list[Any], list[Any]]:
        async with db.sessionmaker() as session:
            members = await session.scalars(
                select(col(TenancyMember.resident_id)).where(
                    col(TenancyMember.tenancy_id) == tenancy_id,
                    col(TenancyMember.resident_id).in_([first, second]),
                )
            )
            contacts = await session.scalars(
                select(col(HouseholdContact.resident_id)).where(col(HouseholdContact.uprn) == uprn)
            )
            return sorted(members.all()), list(contacts.all())

    after = await held(db, [first, second], [uprn])
    assert profiles(after) == [(second, "75_to_84", True, ["extra_time"])]
    assert await rows() == ([second], [second])
    for event in late:
        await consume(db, [Envelope(data=event.data)])
    assert await held(db, [first, second], [uprn]) == after
    assert await rows() == ([second], [second])
