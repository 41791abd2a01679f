"""Whose a complaint at a tenancy's home is (gateway.tenancies.household), on its own."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from gateway.tenancies.household import (
    household_ids,
    is_the_households,
    received_while_it_ran,
    tenancy_has_ended,
)

ENDED: dict[str, Any] = {
    "start_date": "2020-04-06",
    "end_date": "2026-11-01",
    "status": "ended",
    "tenants": [{"person_id": "tenant-a"}],
}
CURRENT: dict[str, Any] = {
    "start_date": "2026-11-02",
    "end_date": None,
    "status": "current",
    "tenants": [],
}


def test_the_household_is_the_tenants_and_the_residents_on_the_tenancy() -> None:
    household = household_ids(ENDED, [{"id": "member-b"}, {"no": "id"}, "junk"])
    assert household == {"tenant-a", "member-b"}
    assert household_ids(None, []) == frozenset()


def test_a_complaint_by_someone_else_is_never_the_households() -> None:
    household = frozenset({"tenant-a"})
    theirs = {"resident_id": "tenant-a", "received_at": "2019-01-01T00:00:00Z"}
    others = {"resident_id": "next-tenant", "received_at": "2026-10-01T00:00:00Z"}
    assert is_the_households(theirs, ENDED, household)  # whenever it was received
    assert not is_the_households(others, ENDED, household)  # even while it ran


def test_a_complaint_naming_no_one_is_the_tenancys_only_while_it_ran() -> None:
    def unnamed(received_at: str) -> dict[str, str | None]:
        return {"resident_id": None, "received_at": received_at}

    assert is_the_households(unnamed("2026-11-01T23:00:00Z"), ENDED, frozenset())
    assert not is_the_households(unnamed("2026-11-02T00:00:00Z"), ENDED, frozenset())
    assert not is_the_households(unnamed("2020-04-05T12:00:00Z"), ENDED, frozenset())
    assert is_the_households(unnamed("2027-01-01T00:00:00Z"), CURRENT, frozenset())
    assert not is_the_households(unnamed("not a date"), CURRENT, frozenset())
    assert not is_the_households({"resident_id": None}, CURRENT, frozenset())


def test_a_complaint_naming_no_one_is_placed_by_its_london_day() -> None:
    """A tenancy's dates are London days; engagement writes received_at in UTC. At 00:30
    on 2 July in London (23:30 UTC on 1 July) the tenancy that ended on 1 July had
    ended: it claimed the complaint, and the tenancy starting on 2 July did not."""
    ended = {"start_date": "2020-04-06", "end_date": "2026-07-01", "status": "ended"}
    started = {"start_date": "2026-07-02", "end_date": None, "status": "current"}
    after_midnight = {"resident_id": None, "received_at": "2026-07-01T23:30:00Z"}
    assert not is_the_households(after_midnight, ended, frozenset())
    assert is_the_households(after_midnight, started, frozenset())
    before_midnight = {"resident_id": None, "received_at": "2026-07-01T22:30:00Z"}
    assert is_the_households(before_midnight, ended, frozenset())
    assert not is_the_households(before_midnight, started, frozenset())


def test_a_tenancy_has_ended_by_its_status_or_its_end_date() -> None:
    assert tenancy_has_ended(ENDED)
    assert tenancy_has_ended({"status": "current", "end_date": "2026-11-01"})
    assert not tenancy_has_ended(CURRENT)
    assert not tenancy_has_ended(None)


days = st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 12, 31))


@given(start=days, length=st.integers(0, 4000), received=days)
def test_two_tenancies_back_to_back_never_both_claim_an_unnamed_complaint(
    start: date, length: int, received: date
) -> None:
    end = start + timedelta(days=length)
    former = {"start_date": start.isoformat(), "end_date": end.isoformat()}
    after = {"start_date": (end + timedelta(days=1)).isoformat(), "end_date": None}
    complaint = {"resident_id": None, "received_at": f"{received.isoformat()}T09:30:00+00:00"}
    claims = [received_while_it_ran(complaint, former), received_while_it_ran(complaint, after)]
    assert sum(claims) == (1 if received >= start else 0)


WITHDRAWN: dict[str, Any] = {
    "start_date": "2027-01-11",
    "end_date": None,
    "status": "withdrawn",
    "tenants": [{"person_id": "tenant-w"}],
}


def test_a_tenancy_withdrawn_before_its_first_day_never_held_the_home() -> None:
    """ADR 0111: withdrawn, it has no end_date, yet its household never lived there: the
    home's parts now are the next household's, and so is a complaint naming no one."""
    assert tenancy_has_ended(WITHDRAWN)
    anonymous = {"resident_id": None, "received_at": "2027-02-01T10:00:00Z"}
    assert not received_while_it_ran(anonymous, WITHDRAWN)
    assert not is_the_households(anonymous, WITHDRAWN, frozenset({"tenant-w"}))
