"""Repairs remembers the merges it handled (`merged_person`, docs/adr/0172), through the
inbox against a real, migrated database: a vulnerability flag about a person published
before their merge but handled after a later merge of the kept person (ADR 0148's
consequence) ends under the last person kept, not a retired id holding the home's
recharges for nobody; a late flag or tenancy naming a retired id is kept under the person
kept; handling everything again changes nothing."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from hearth_contracts import Envelope
from hearth_kit.db import Database
from services.repairs.tests.test_handlers import consume
from services.repairs.tests.test_resident_merged import a_home, flagged, held, merged, started


@pytest.mark.parametrize("names_earlier", [True, False], ids=["v1_0148", "before_0148"])
async def test_a_flag_about_the_first_handled_between_the_merges_ends_under_the_last_kept(
    repairs_database: Database, names_earlier: bool
) -> None:
    """A's flag published before A into B, handled after B into C and before A into B.
    B into C names A (as engagement publishes it since ADR 0148), so the flag is kept
    under C; or, published before then, names no earlier ids, so the flag is under A
    until A into B, which re-keys it to the person B is kept as: C."""
    db = repairs_database
    uprn, first, second, third = a_home(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    flagged_at = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
    events = [
        Envelope(data=merged(third, second, a_home(), *([first] if names_earlier else []))),
        flagged(first, uprn, True, flagged_at),
        Envelope(data=merged(second, first, uprn)),
    ]
    for event in events:
        await consume(db, [event])
    expected: tuple[list[Any], list[Any]] = ([], [(third, True, flagged_at)])
    assert await held(db, [], [first, second, third]) == expected
    for event in events:
        await consume(db, [Envelope(data=event.data)])
    assert await held(db, [], [first, second, third]) == expected


async def test_a_late_flag_or_tenancy_naming_a_retired_id_is_the_kept_persons(
    repairs_database: Database,
) -> None:
    """A into B handled, then a flag and a tenancy naming A (other topics' partitions, a
    replayed dead letter): both under B. After B into C (naming A), a flag naming either
    is C's, and a tenancy naming both has one tenant, C."""
    db = repairs_database
    uprn, first, second, third = a_home(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await consume(db, [Envelope(data=merged(second, first, uprn))])
    at = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
    late_flag, late_tenancy = flagged(first, uprn, True, at), started(uprn, first)
    await consume(db, [late_flag, late_tenancy])
    tenancy = late_tenancy.data.tenancy_id
    assert await held(db, [tenancy], [first, second, third]) == (
        [(tenancy, second)],
        [(second, True, at)],
    )

    await consume(db, [Envelope(data=merged(third, second, a_home(), first))])
    later = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    both = started(a_home(), first, second)
    await consume(db, [flagged(second, uprn, False, later), both])
    await consume(db, [Envelope(data=late_flag.data)])  # the older one again: no change
    assert await held(db, [tenancy, both.data.tenancy_id], [first, second, third]) == (
        sorted([(tenancy, third), (both.data.tenancy_id, third)]),
        [(third, False, later)],
    )
