from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hearth_contracts.events.income import TenancyType
from income.tenancies.rules import add_months, introductory_ends_on


def test_an_introductory_tenancy_ends_its_trial_twelve_months_after_it_starts() -> None:
    assert introductory_ends_on(TenancyType.INTRODUCTORY, date(2025, 4, 7)) == date(2026, 4, 7)


def test_an_introductory_tenancy_starting_on_29_february_ends_on_28_february() -> None:
    assert introductory_ends_on(TenancyType.INTRODUCTORY, date(2024, 2, 29)) == date(2025, 2, 28)


def test_an_introductory_tenancy_starting_late_in_the_year_ends_the_next_year() -> None:
    assert introductory_ends_on(TenancyType.INTRODUCTORY, date(2025, 12, 31)) == date(2026, 12, 31)


def test_a_starter_tenancy_has_the_same_12_month_trial_as_an_introductory_one() -> None:
    assert introductory_ends_on(TenancyType.STARTER, date(2025, 4, 7)) == date(2026, 4, 7)
    assert introductory_ends_on(TenancyType.STARTER, date(2024, 2, 29)) == date(2025, 2, 28)


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
def test_the_introductory_period_ends_in_the_same_month_a_year_later_never_later_in_it(
    start: date,
) -> None:
    ends = introductory_ends_on(TenancyType.INTRODUCTORY, start)
    assert ends is not None
    assert (ends.year, ends.month) == (start.year + 1, start.month)
    assert ends.day == start.day or (start.month, start.day, ends.day) == (2, 29, 28)
