"""Target dates in working days, across weekends, England's bank holidays and the
landlord's closure days (the calendar itself is tested in kit/tests/test_working_days.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from hearth_contracts.events.repairs import RepairPriority
from hearth_kit.working_days import ENGLAND_AND_WALES, LONDON, WorkingDayCalendar
from repairs.work_orders.rules import earliest_report, target_completion, target_with_remedy_by


def london(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=LONDON)


def test_christmas_boxing_day_substitute_and_new_year_are_not_working_days() -> None:
    # Thu 24 Dec 2026: Fri 25 Christmas, Mon 28 substitute for Boxing Day (a Saturday),
    # Fri 1 Jan New Year's Day. Five working days: 29, 30, 31 Dec, 4, 5 Jan.
    target = target_completion(london(2026, 12, 24, 10, 0), RepairPriority.URGENT)
    assert target == datetime(2027, 1, 5, 23, 59, 59, tzinfo=UTC)


def test_good_friday_and_easter_monday_are_skipped() -> None:
    # Thu 2 Apr 2026: Good Friday 3 Apr and Easter Monday 6 Apr are bank holidays.
    target = target_completion(london(2026, 4, 2, 9, 0), RepairPriority.URGENT)
    assert target.astimezone(LONDON).date() == date(2026, 4, 13)
    assert target == datetime(2026, 4, 13, 22, 59, 59, tzinfo=UTC)  # end of day in BST


def test_a_monday_bank_holiday_is_skipped() -> None:
    # Fri 1 May 2026, then the early May bank holiday on Mon 4 May.
    target = target_completion(london(2026, 5, 1, 16, 0), RepairPriority.URGENT)
    assert target.astimezone(LONDON).date() == date(2026, 5, 11)


def test_a_repair_reported_at_the_weekend_counts_from_the_next_working_day() -> None:
    target = target_completion(london(2026, 11, 14, 11, 0), RepairPriority.URGENT)
    assert target.astimezone(LONDON).date() == date(2026, 11, 20)


def test_routine_is_twenty_working_days_across_christmas() -> None:
    # From Mon 14 Dec 2026: 15-18 (4), 21-24 (8), 29-31 (11), 4-8 Jan (16), 11-14 Jan (20).
    target = target_completion(london(2026, 12, 14, 9, 0), RepairPriority.ROUTINE)
    assert target.astimezone(LONDON).date() == date(2027, 1, 14)


def test_emergency_is_24_calendar_hours_even_over_a_bank_holiday() -> None:
    reported = london(2026, 12, 24, 18, 30)
    assert target_completion(reported, RepairPriority.EMERGENCY) == (
        reported + timedelta(hours=24)
    ).astimezone(UTC)


def test_planned_is_ninety_calendar_days() -> None:
    target = target_completion(london(2026, 1, 10, 9, 0), RepairPriority.PLANNED)
    assert target.astimezone(LONDON).date() == date(2026, 4, 10)


def test_the_reported_day_is_the_london_day_not_the_utc_day() -> None:
    # 23:30 UTC on Mon 1 June 2026 is 00:30 on Tue 2 June in London (BST).
    reported = datetime(2026, 6, 1, 23, 30, tzinfo=UTC)
    target = target_completion(reported, RepairPriority.URGENT)
    assert target.astimezone(LONDON).date() == date(2026, 6, 9)


def test_targets_are_configuration() -> None:
    target = target_completion(
        london(2026, 11, 16, 9, 0), RepairPriority.URGENT, urgent_working_days=3
    )
    assert target.astimezone(LONDON).date() == date(2026, 11, 19)


def test_closure_days_push_an_urgent_target_later() -> None:
    closed = WorkingDayCalendar([date(2026, 12, 29), date(2026, 12, 30), date(2026, 12, 31)])
    target = target_completion(london(2026, 12, 24, 10, 0), RepairPriority.URGENT, calendar=closed)
    assert target.astimezone(LONDON).date() == date(2027, 1, 8)


@given(
    reported=st.datetimes(
        min_value=datetime(2024, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(UTC)
    ),
    days=st.integers(min_value=1, max_value=40),
)
def test_an_urgent_target_ends_a_working_day_exactly_n_working_days_after_the_report(
    reported: datetime, days: int
) -> None:
    target = target_completion(reported, RepairPriority.URGENT, urgent_working_days=days)
    target_day = target.astimezone(LONDON).date()
    assert ENGLAND_AND_WALES.is_working_day(target_day)
    reported_day = reported.astimezone(LONDON).date()
    assert ENGLAND_AND_WALES.working_days_between(reported_day, target_day) == days


@given(
    reported=st.datetimes(
        min_value=datetime(2024, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(UTC)
    )
)
def test_urgent_is_never_later_than_routine(reported: datetime) -> None:
    urgent = target_completion(reported, RepairPriority.URGENT)
    routine = target_completion(reported, RepairPriority.ROUTINE)
    assert reported < urgent < routine


def test_the_report_window_goes_back_whole_years_and_29_february_falls_back_to_the_28th() -> None:
    now = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
    assert earliest_report(now, 10) == datetime(2016, 11, 30, 12, 0, tzinfo=UTC)
    leap = datetime(2028, 2, 29, 9, 0, tzinfo=UTC)
    assert earliest_report(leap, 10) == datetime(2018, 2, 28, 9, 0, tzinfo=UTC)


moments = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
)


@given(target=moments, remedy_by=st.none() | moments)
def test_a_remedy_by_date_only_ever_brings_the_target_forward(
    target: datetime, remedy_by: datetime | None
) -> None:
    due = target_with_remedy_by(target, remedy_by)
    assert due <= target
    assert due == (target if remedy_by is None else min(target, remedy_by))
