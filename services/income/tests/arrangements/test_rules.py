"""Arrangement rules: instalment dates, length, affordability, a missed instalment."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hearth_contracts.events.income import InstalmentFrequency as F
from income.accounts.rules import (
    arrears_of,
    chargeable_weeks,
    rent_week_of,
    rent_weeks_in_year,
    week_charge,
    weeks_in_arrears,
)
from income.arrangements.rules import (
    instalment_due,
    missed_instalment,
    weekly_equivalent,
    weeks_to_clear,
)


def test_monthly_instalments_keep_the_day_or_the_month_end() -> None:
    assert instalment_due(date(2026, 1, 31), F.MONTHLY, 1) == date(2026, 2, 28)
    assert instalment_due(date(2026, 1, 5), F.FORTNIGHTLY, 2) == date(2026, 2, 2)


def test_weeks_to_clear() -> None:
    assert weeks_to_clear(10_000, 1_000, F.WEEKLY) == 10
    assert weeks_to_clear(10_001, 1_000, F.WEEKLY) == 11
    assert weeks_to_clear(10_000, 5_000, F.FOUR_WEEKLY) == 5


def test_weekly_equivalent_rounds_up() -> None:
    assert weekly_equivalent(5_200, F.MONTHLY) == 1_200
    assert weekly_equivalent(1_001, F.FORTNIGHTLY) == 501


@pytest.mark.parametrize(
    ("today", "missed"), [(date(2026, 3, 5), None), (date(2026, 3, 6), date(2026, 3, 2))]
)
def test_an_instalment_is_missed_the_day_after_its_grace_ends(
    today: date, missed: date | None
) -> None:
    assert missed_instalment(date(2026, 3, 2), F.WEEKLY, 1_000, 5_000, 999, today, 3) == missed


def test_paying_the_instalments_keeps_the_arrangement() -> None:
    assert (
        missed_instalment(date(2026, 3, 2), F.WEEKLY, 1_000, 5_000, 2_000, date(2026, 3, 13), 3)
        is None
    )
    assert missed_instalment(
        date(2026, 3, 2), F.WEEKLY, 1_000, 5_000, 1_999, date(2026, 3, 13), 3
    ) == date(2026, 3, 9)


@pytest.mark.parametrize(("paid", "missed"), [(1_000, None), (999, date(2026, 3, 23))])
def test_the_last_instalment_is_what_is_left_of_the_arrears(paid: int, missed: date | None) -> None:
    # 1,000 pence at 300 a week: 300, 300, 300 and 100. Paying the 1,000 off covers
    # the fourth; it was asked for 1,200 and broke an arrangement paid in full.
    assert missed_instalment(date(2026, 3, 2), F.WEEKLY, 300, 1_000, paid, date(2026, 4, 1), 3) == (
        missed
    )


@pytest.mark.parametrize(
    ("year", "weeks"), [(2025, 52), (2026, 52), (2029, 52), (2030, 53), (2024, 53)]
)
def test_rent_years_have_52_weeks_or_53_when_a_53rd_monday_falls_in(year: int, weeks: int) -> None:
    assert rent_weeks_in_year(year) == weeks


def test_some_rent_years_have_53_weeks() -> None:
    fifty_three = [year for year in range(2000, 2040) if rent_weeks_in_year(year) == 53]
    assert fifty_three  # every 5 or 6 years
    assert all(rent_weeks_in_year(y) in (52, 53) for y in range(2000, 2100))
    assert chargeable_weeks(fifty_three[0], [rent_week_of(date(fifty_three[0], 12, 25))]) == 52


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)))
def test_the_rent_week_starts_on_the_monday_on_or_before(day: date) -> None:
    week = rent_week_of(day)
    assert week.weekday() == 0
    assert 0 <= (day - week).days < 7


def test_arrears_leave_out_the_current_weeks_charges() -> None:
    assert arrears_of(10_000, 10_000) == 0
    assert arrears_of(10_001, 10_000) == 1
    assert arrears_of(-50, 10_000) == 0
    assert weeks_in_arrears(39_999, 10_000) == 3.9


@given(st.integers(0, 10**9), st.integers(0, 6))
def test_a_week_charge_is_never_more_than_the_weekly_rent(weekly: int, offset: int) -> None:
    week = date(2026, 6, 1)
    charge = week_charge(weekly, date(2026, 6, 1 + offset), week)
    assert 0 <= charge <= weekly
    assert week_charge(weekly, week, week) == weekly
