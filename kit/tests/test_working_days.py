"""The working-day calendar: weekends, England and Wales bank holidays, the landlord's
closure days, and London days across the clock changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hearth_kit.working_days import (
    ENGLAND_AND_WALES,
    LONDON,
    WorkingDayCalendar,
    end_of_london_day,
    is_bank_holiday,
    london_day,
    next_london_day_start,
    start_of_london_day,
)

calendar = ENGLAND_AND_WALES
some_days = st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31))


@pytest.mark.parametrize(
    ("day", "why"),
    [
        (date(2026, 1, 1), "New Year's Day"),
        (date(2026, 4, 3), "Good Friday"),
        (date(2026, 4, 6), "Easter Monday"),
        (date(2026, 5, 4), "early May bank holiday"),
        (date(2026, 5, 25), "spring bank holiday"),
        (date(2026, 8, 31), "summer bank holiday (England, not Scotland's first Monday)"),
        (date(2026, 12, 25), "Christmas Day"),
        (date(2026, 12, 28), "substitute for Boxing Day on a Saturday"),
        (date(2027, 12, 27), "substitute for Christmas Day on a Saturday"),
        (date(2027, 12, 28), "substitute for Boxing Day on a Sunday"),
    ],
)
def test_bank_holidays_in_england_and_wales_are_not_working_days(day: date, why: str) -> None:
    assert is_bank_holiday(day), why
    assert not calendar.is_working_day(day), why


def test_st_andrews_day_and_the_august_scottish_holiday_are_working_days_here() -> None:
    assert calendar.is_working_day(date(2026, 11, 30))  # St Andrew's Day (Scotland)
    assert calendar.is_working_day(date(2026, 8, 3))  # first Monday in August (Scotland)


def test_weekends_are_not_working_days() -> None:
    assert not calendar.is_working_day(date(2026, 11, 14))  # Saturday
    assert not calendar.is_working_day(date(2026, 11, 15))  # Sunday
    assert calendar.is_working_day(date(2026, 11, 16))  # Monday


def test_christmas_week_five_working_days_skip_christmas_the_substitute_and_new_year() -> None:
    # Thu 24 Dec 2026: 29, 30, 31 Dec, then 4, 5 Jan.
    assert calendar.add_working_days(date(2026, 12, 24), 5) == date(2027, 1, 5)


def test_a_closure_day_of_the_landlords_own_is_not_a_working_day() -> None:
    closed_between_christmas_and_new_year = WorkingDayCalendar(
        closure_days=[date(2026, 12, 29), date(2026, 12, 30), date(2026, 12, 31)]
    )
    assert not closed_between_christmas_and_new_year.is_working_day(date(2026, 12, 30))
    assert closed_between_christmas_and_new_year.add_working_days(date(2026, 12, 24), 2) == date(
        2027, 1, 5
    )
    assert calendar.is_working_day(date(2026, 12, 30))


def test_zero_working_days_is_the_start_and_negative_is_refused() -> None:
    assert calendar.add_working_days(date(2026, 11, 14), 0) == date(2026, 11, 14)
    with pytest.raises(ValueError, match="negative"):
        calendar.add_working_days(date(2026, 11, 14), -1)


def test_the_next_working_day_after_friday_before_a_bank_holiday_is_tuesday() -> None:
    assert calendar.next_working_day(date(2026, 5, 1)) == date(2026, 5, 5)


@given(start=some_days, days=st.integers(min_value=1, max_value=40))
def test_n_working_days_later_is_a_working_day_with_exactly_n_working_days_after_start(
    start: date, days: int
) -> None:
    target = calendar.add_working_days(start, days)
    assert calendar.is_working_day(target)
    assert calendar.working_days_between(start, target) == days


@given(
    start=some_days,
    closures=st.frozensets(some_days, max_size=20),
    days=st.integers(min_value=0, max_value=30),
)
def test_closure_days_only_ever_push_a_date_later(
    start: date, closures: frozenset[date], days: int
) -> None:
    with_closures = WorkingDayCalendar(closures).add_working_days(start, days)
    assert with_closures >= calendar.add_working_days(start, days)
    assert with_closures not in closures or days == 0


def test_a_london_day_is_the_date_in_london_not_in_utc() -> None:
    # 23:30 UTC on Mon 1 June 2026 is 00:30 on Tue 2 June in London (BST).
    assert london_day(datetime(2026, 6, 1, 23, 30, tzinfo=UTC)) == date(2026, 6, 2)
    # In winter London is on UTC.
    assert london_day(datetime(2026, 12, 1, 23, 30, tzinfo=UTC)) == date(2026, 12, 1)


def test_a_naive_moment_has_no_london_day() -> None:
    with pytest.raises(ValueError, match="aware"):
        london_day(datetime(2026, 6, 1, 12, 0))


def test_london_days_start_and_end_in_utc_across_the_clock_changes() -> None:
    assert start_of_london_day(date(2026, 6, 2)) == datetime(2026, 6, 1, 23, 0, tzinfo=UTC)
    assert start_of_london_day(date(2026, 12, 2)) == datetime(2026, 12, 2, 0, 0, tzinfo=UTC)
    assert end_of_london_day(date(2026, 4, 13)) == datetime(2026, 4, 13, 22, 59, 59, tzinfo=UTC)
    # Sun 29 March 2026 is 23 hours long; Sun 25 October 2026 is 25.
    assert start_of_london_day(date(2026, 3, 30)) - start_of_london_day(
        date(2026, 3, 29)
    ) == timedelta(hours=23)
    assert start_of_london_day(date(2026, 10, 26)) - start_of_london_day(
        date(2026, 10, 25)
    ) == timedelta(hours=25)


@given(
    st.datetimes(
        min_value=datetime(2024, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(UTC)
    )
)
def test_the_next_london_day_starts_after_the_moment_and_within_25_hours(moment: datetime) -> None:
    start = next_london_day_start(moment)
    assert moment < start <= moment + timedelta(hours=25)
    assert start.astimezone(LONDON).time().hour == 0
    assert london_day(start) == london_day(moment) + timedelta(days=1)


@given(st.datetimes(timezones=st.timezones()))
def test_any_moment_python_has_has_a_london_day_and_a_next_day_start(moment: datetime) -> None:
    """Even at the ends of the calendar (a moment a request may carry), neither raises:
    the London day of the first minute of year 1 in UTC is year 0, which Python lacks."""
    try:
        moment.astimezone(UTC)
    except OverflowError:
        return  # no UTC time: StrictMoment refuses it before it gets here
    day = london_day(moment)
    assert date.min <= day <= date.max
    assert next_london_day_start(moment) > moment


def test_the_first_and_last_moments_have_the_first_and_last_london_days() -> None:
    assert london_day(datetime.min.replace(tzinfo=UTC)) == date.min
    assert london_day(datetime.max.replace(tzinfo=UTC)) == date.max
    assert next_london_day_start(datetime.max.replace(tzinfo=UTC)) == datetime.max.replace(
        tzinfo=UTC
    )
