"""On time (RP02): before the start of the London day after the target day, with no
one-second gap at 23:59:59; an emergency is 24 calendar hours to the second, across
the clock changes. Triage and a visit finding's severity set the priority."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from hearth_contracts.events.repairs import RepairPriority
from hearth_kit.working_days import LONDON, london_day, next_london_day_start
from repairs.work_orders.rules import (
    TriageAnswers,
    completed_on_time,
    measured_at,
    overdue,
    overdue_if_target_before,
    priority_of_finding,
    target_completion,
    triage,
)

NON_EMERGENCY = [RepairPriority.URGENT, RepairPriority.ROUTINE, RepairPriority.PLANNED]
moments = st.datetimes(
    min_value=datetime(2024, 1, 1), max_value=datetime(2028, 12, 31), timezones=st.just(UTC)
)


def test_half_a_second_before_midnight_on_the_target_day_is_on_time() -> None:
    reported = datetime(2026, 6, 1, 9, 0, tzinfo=LONDON)
    target = target_completion(reported, RepairPriority.URGENT)
    last_moment = datetime(2026, 6, 8, 23, 59, 59, 500_000, tzinfo=LONDON)
    assert london_day(target) == date(2026, 6, 8)
    assert completed_on_time(last_moment, target, RepairPriority.URGENT)
    assert not completed_on_time(
        datetime(2026, 6, 9, 0, 0, tzinfo=LONDON), target, RepairPriority.URGENT
    )


def test_the_next_day_boundary_follows_the_clock_change_in_october() -> None:
    # Clocks go back on Sun 25 Oct 2026: the target day Fri 23 Oct ends at 23:00 UTC (BST).
    target = target_completion(datetime(2026, 10, 16, 10, tzinfo=LONDON), RepairPriority.URGENT)
    assert london_day(target) == date(2026, 10, 23)
    urgent = RepairPriority.URGENT
    assert completed_on_time(datetime(2026, 10, 23, 22, 59, 59, tzinfo=UTC), target, urgent)
    assert not completed_on_time(datetime(2026, 10, 23, 23, 0, tzinfo=UTC), target, urgent)


def test_an_emergency_across_the_march_clock_change_is_24_real_hours() -> None:
    reported = datetime(2026, 3, 28, 12, 0, tzinfo=LONDON)  # GMT; BST from Sun 29 Mar 01:00
    target = target_completion(reported, RepairPriority.EMERGENCY)
    assert target - reported == timedelta(hours=24)
    assert target.astimezone(LONDON).hour == 13  # the wall clock moved on an hour
    assert completed_on_time(target, target, RepairPriority.EMERGENCY)
    assert not completed_on_time(target + timedelta(seconds=1), target, RepairPriority.EMERGENCY)


@given(moments, st.sampled_from(NON_EMERGENCY))
def test_on_time_is_exactly_before_the_next_london_day_after_the_target(
    reported: datetime, priority: RepairPriority
) -> None:
    target = target_completion(reported, priority)
    boundary = next_london_day_start(target)
    assert boundary.astimezone(LONDON).time() == datetime.min.time()
    assert completed_on_time(boundary - timedelta(microseconds=1), target, priority)
    assert not completed_on_time(boundary, target, priority)
    assert completed_on_time(reported, target, priority)


def test_open_at_23_59_59_5_on_the_target_day_is_not_overdue_yet() -> None:
    target = target_completion(datetime(2026, 6, 1, 9, 0, tzinfo=LONDON), RepairPriority.URGENT)
    urgent = RepairPriority.URGENT
    assert not overdue(target, urgent, datetime(2026, 6, 8, 23, 59, 59, 500_000, tzinfo=LONDON))
    assert overdue(target, urgent, datetime(2026, 6, 9, 0, 0, tzinfo=LONDON))


@given(moments, moments, st.sampled_from(list(RepairPriority)))
def test_overdue_is_exactly_when_completing_now_would_be_late(
    reported: datetime, now: datetime, priority: RepairPriority
) -> None:
    """The overdue flag and gauge never disagree with RP02's on-time rule, and the
    query's bound for non-emergency repairs says the same as the rule."""
    target = target_completion(reported, priority)
    assert overdue(target, priority, now) is not completed_on_time(now, target, priority)
    if priority is not RepairPriority.EMERGENCY:
        assert overdue(target, priority, now) is (target < overdue_if_target_before(now))


@given(moments)
def test_an_emergency_target_is_24_hours_after_the_report(reported: datetime) -> None:
    target = target_completion(reported, RepairPriority.EMERGENCY)
    assert target - reported == timedelta(hours=24)


def test_triage_answers_set_the_priority() -> None:
    assert triage(TriageAnswers(home_not_secure=True)) is RepairPriority.EMERGENCY
    assert triage(TriageAnswers(uncontained_water_leak=True)) is RepairPriority.EMERGENCY
    assert triage(TriageAnswers(no_heating_or_hot_water=True)) is RepairPriority.URGENT
    assert triage(TriageAnswers(improvement_not_repair=True)) is RepairPriority.PLANNED
    assert triage(TriageAnswers()) is RepairPriority.ROUTINE


def test_a_visit_finding_keeps_its_severity() -> None:
    assert priority_of_finding("urgent") is RepairPriority.URGENT
    assert priority_of_finding("emergency") is RepairPriority.EMERGENCY
    assert priority_of_finding("serious") is RepairPriority.URGENT
    assert priority_of_finding("moderate") is RepairPriority.ROUTINE
    assert priority_of_finding("minor") is RepairPriority.PLANNED
    assert priority_of_finding(None) is RepairPriority.ROUTINE


def test_an_emergency_made_safe_is_judged_then_and_is_no_longer_overdue() -> None:
    reported = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    target = target_completion(reported, RepairPriority.EMERGENCY)
    made_safe = reported + timedelta(hours=3)
    finished = reported + timedelta(days=5)
    assert measured_at(RepairPriority.EMERGENCY, finished, made_safe) == made_safe
    assert measured_at(RepairPriority.EMERGENCY, finished, None) == finished
    assert measured_at(RepairPriority.URGENT, finished, made_safe) == finished
    assert overdue(target, RepairPriority.EMERGENCY, finished)
    assert not overdue(target, RepairPriority.EMERGENCY, finished, made_safe)
