from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hearth_contracts.events.income import TenancyType
from income.tenancies.rules import (
    HearingOnRecord,
    add_months,
    extended_end,
    introductory_ends_on,
    latest_day_ahead,
    notice_spent_without_proceedings,
    proceedings_brought,
    trial_last_day,
)


def test_an_introductory_tenancy_ends_its_trial_twelve_months_after_it_starts() -> None:
    assert introductory_ends_on(TenancyType.INTRODUCTORY, date(2025, 4, 7)) == date(2026, 4, 7)


def test_the_trial_is_the_year_beginning_with_the_start() -> None:
    """Housing Act 1996 s.125(2): the year beginning with 1 March 2025 ends at the end
    of 28 February 2026 (the last day on trial); secure from 1 March 2026."""
    ends = introductory_ends_on(TenancyType.INTRODUCTORY, date(2025, 3, 1))
    assert ends == date(2026, 3, 1)
    assert trial_last_day(ends) == date(2026, 2, 28)


def test_an_extended_trial_ends_18_months_from_the_start() -> None:
    """Extended by 6 months beyond the year (s.125A): on trial to 31 August 2026."""
    assert extended_end(date(2025, 3, 1)) == date(2026, 9, 1)
    assert trial_last_day(extended_end(date(2025, 3, 1))) == date(2026, 8, 31)


def test_an_introductory_tenancy_starting_on_29_february_is_secure_from_1_march() -> None:
    """The year beginning with 29 February 2024 ends at the end of 28 February 2025, its
    last day on trial: secure from 1 March 2025, not 28 February."""
    ends = introductory_ends_on(TenancyType.INTRODUCTORY, date(2024, 2, 29))
    assert ends == date(2025, 3, 1)
    assert trial_last_day(ends) == date(2025, 2, 28)


def test_an_extended_trial_whose_18th_month_lacks_the_start_day_runs_to_its_end() -> None:
    """18 months beginning with 31 August 2024 run to 28 February 2026: secure from 1
    March."""
    assert extended_end(date(2024, 8, 31)) == date(2026, 3, 1)
    assert extended_end(date(2024, 8, 28)) == date(2026, 2, 28)


def test_an_introductory_tenancy_starting_late_in_the_year_ends_the_next_year() -> None:
    assert introductory_ends_on(TenancyType.INTRODUCTORY, date(2025, 12, 31)) == date(2026, 12, 31)


def test_a_starter_tenancy_has_the_same_12_month_trial_as_an_introductory_one() -> None:
    assert introductory_ends_on(TenancyType.STARTER, date(2025, 4, 7)) == date(2026, 4, 7)
    assert introductory_ends_on(TenancyType.STARTER, date(2024, 2, 29)) == date(2025, 3, 1)


@pytest.mark.parametrize(
    "tenancy_type", [TenancyType.SECURE, TenancyType.ASSURED, TenancyType.FIXED_TERM]
)
def test_other_tenancy_types_have_no_trial_period(tenancy_type: TenancyType) -> None:
    assert introductory_ends_on(tenancy_type, date(2025, 4, 7)) is None


def test_a_day_the_later_month_lacks_becomes_its_last_day() -> None:
    assert add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2025, 8, 31), 1) == date(2025, 9, 30)


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(9000, 12, 31)))
def test_the_introductory_period_ends_on_the_same_date_a_year_later_or_1_march(
    start: date,
) -> None:
    ends = introductory_ends_on(TenancyType.INTRODUCTORY, start)
    assert ends is not None
    if (start.month, start.day) == (2, 29):
        assert ends == date(start.year + 1, 3, 1)
    else:
        assert ends == start.replace(year=start.year + 1)


SERVED = date(2026, 5, 11)
"""A notice served 11 May 2026: its six months' last day is 10 November 2026."""


@pytest.mark.parametrize(
    ("hearing", "brought"),
    [
        (HearingOnRecord(date(2027, 1, 11), date(2026, 11, 20), date(2026, 11, 10)), True),
        (HearingOnRecord(date(2027, 1, 11), date(2026, 11, 20), date(2026, 11, 11)), False),
        (HearingOnRecord(date(2027, 1, 11), date(2026, 11, 20)), False),  # by the day recorded
        (HearingOnRecord(date(2026, 12, 14), date(2026, 11, 10)), True),
        (HearingOnRecord(date(2027, 1, 11), date(2026, 11, 20), SERVED), True),
    ],
)
def test_proceedings_are_brought_on_the_claim_s_date_of_issue(
    hearing: HearingOnRecord, brought: bool
) -> None:
    assert proceedings_brought(SERVED, [hearing]) is brought


def test_a_spent_notice_waits_the_grace_and_keeps_the_legal_day() -> None:
    assert notice_spent_without_proceedings(SERVED, [], date(2026, 12, 8), 28) is None
    assert notice_spent_without_proceedings(SERVED, [], date(2026, 12, 9), 28) == date(2026, 11, 11)
    assert notice_spent_without_proceedings(SERVED, [], date(2026, 11, 11), 0) == date(2026, 11, 11)


def test_a_day_ahead_is_at_most_the_same_day_a_year_on() -> None:
    assert latest_day_ahead(date(2026, 12, 1)) == date(2027, 12, 1)
    assert latest_day_ahead(date(2028, 2, 29)) == date(2029, 2, 28)
