"""When a home's next visit is due and of which kind: some visit every year, a full
visit every two, lite in between, the stock condition survey every fifth year."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from hearth_contracts.events.visits import VisitKind
from visits.programme.rules import VisitHistory, add_months, counted_from, next_visit
from visits.settings import VisitIntervals

INTERVALS = VisitIntervals()
TODAY = date(2026, 11, 29)


def test_a_home_never_visited_is_due_a_full_visit_and_survey_now() -> None:
    upcoming = next_visit(VisitHistory(), TODAY, INTERVALS)
    assert (upcoming.kind, upcoming.stock_condition_survey) == (VisitKind.FULL, True)
    assert upcoming.due_by == TODAY
    assert upcoming.beyond_interval is False


def test_a_home_never_visited_is_due_a_year_after_it_is_counted_from() -> None:
    since = date(2026, 3, 1)
    upcoming = next_visit(VisitHistory(counted_from=since), TODAY, INTERVALS)
    assert (upcoming.kind, upcoming.due_by, upcoming.beyond_interval) == (
        VisitKind.FULL,
        date(2027, 3, 1),
        False,
    )
    long_ago = date(2025, 6, 1)
    upcoming = next_visit(VisitHistory(counted_from=long_ago), TODAY, INTERVALS)
    assert (upcoming.kind, upcoming.due_by, upcoming.beyond_interval) == (
        VisitKind.FULL,
        date(2026, 6, 1),
        True,
    )


def test_intervals_count_from_the_later_of_registration_and_tenancy_start() -> None:
    assert counted_from(date(2020, 1, 1), date(2026, 2, 1)) == date(2026, 2, 1)
    assert counted_from(date(2026, 2, 1), date(2015, 4, 1)) == date(2026, 2, 1)
    assert counted_from(None, date(2015, 4, 1)) == date(2015, 4, 1)
    assert counted_from(None, None) is None


def test_a_home_with_only_lite_visits_is_due_a_full_one() -> None:
    history = VisitHistory(date(2026, 3, 1), None, None, counted_from=date(2025, 1, 1))
    upcoming = next_visit(history, TODAY, INTERVALS)
    assert (upcoming.kind, upcoming.due_by) == (VisitKind.FULL, date(2027, 1, 1))


@given(
    since=st.dates(date(2015, 1, 1), date(2026, 11, 29)),
    today=st.dates(date(2015, 1, 1), date(2030, 12, 31)),
)
def test_a_home_never_visited_is_beyond_its_interval_exactly_a_year_on(
    since: date, today: date
) -> None:
    upcoming = next_visit(VisitHistory(counted_from=since), today, INTERVALS)
    assert upcoming.due_by == add_months(since, 12)
    assert upcoming.beyond_interval is (today > add_months(since, 12))
    assert upcoming.kind is VisitKind.FULL


def test_the_year_after_a_full_visit_is_a_lite_visit() -> None:
    last = date(2026, 3, 1)
    upcoming = next_visit(VisitHistory(last, last, last), TODAY, INTERVALS)
    assert (upcoming.kind, upcoming.due_by) == (VisitKind.LITE, date(2027, 3, 1))


def test_the_year_after_a_lite_visit_is_a_full_visit() -> None:
    history = VisitHistory(date(2026, 3, 1), date(2025, 3, 1), date(2025, 3, 1))
    upcoming = next_visit(history, TODAY, INTERVALS)
    assert (upcoming.kind, upcoming.due_by) == (VisitKind.FULL, date(2027, 3, 1))
    assert upcoming.stock_condition_survey is False


def test_without_alternation_every_visit_is_full() -> None:
    last = date(2026, 3, 1)
    upcoming = next_visit(
        VisitHistory(last, last, last), TODAY, VisitIntervals(alternate_lite=False)
    )
    assert upcoming.kind is VisitKind.FULL


def test_the_stock_condition_survey_comes_round_every_fifth_year() -> None:
    history = VisitHistory(date(2026, 3, 1), date(2025, 3, 1), date(2022, 3, 1))
    assert next_visit(history, TODAY, INTERVALS).stock_condition_survey is True


def test_a_home_not_visited_for_over_a_year_is_beyond_its_interval() -> None:
    last = date(2025, 11, 1)
    assert next_visit(VisitHistory(last, last, last), TODAY, INTERVALS).beyond_interval is True


@given(
    last_full=st.dates(date(2015, 1, 1), date(2026, 11, 29)),
    lite_after=st.integers(0, 800),
)
def test_the_due_date_is_never_later_than_either_maximum_interval(
    last_full: date, lite_after: int
) -> None:
    last_visit = min(last_full + timedelta(days=lite_after), TODAY)
    upcoming = next_visit(VisitHistory(last_visit, last_full, last_full), TODAY, INTERVALS)
    assert upcoming.due_by <= add_months(last_visit, 12)
    assert upcoming.due_by <= add_months(last_full, 24)


def test_months_are_added_calendar_wise() -> None:
    assert add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 11, 30), 14) == date(2028, 1, 30)
