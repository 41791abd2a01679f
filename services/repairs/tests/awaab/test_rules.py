"""Awaab's Law deadlines over dates: working days skip weekends, Christmas and Easter;
a deadline is met by anything before the start of the next London day after the due
day; the emergency clock is 24 real hours across the clock changes; pauses move the
deadline on by the time paused."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hearth_contracts.events.repairs import AwaabMilestone
from hearth_contracts.events.visits import HazardSeverity
from hearth_kit.working_days import ENGLAND_AND_WALES, LONDON, london_day
from repairs.awaab.rules import due_at, last_recorded, met, resumed_due, under_awaabs_law
from repairs.settings import AwaabTargets

TARGETS = AwaabTargets()


def due(milestone: AwaabMilestone, start: datetime) -> datetime:
    return due_at(milestone, start, targets=TARGETS, calendar=ENGLAND_AND_WALES)


def test_investigation_over_christmas_skips_the_bank_holidays() -> None:
    # Aware Wed 23 Dec 2026: 24, 29, 30, 31 Dec, 4, 5, 6, 7, 8, 11 Jan (25 Christmas,
    # 28 Boxing Day substitute, 1 Jan New Year's Day). Late from Tue 12 Jan 00:00.
    late = due(AwaabMilestone.INVESTIGATE, datetime(2026, 12, 23, 15, tzinfo=LONDON))
    assert late == datetime(2027, 1, 12, 0, 0, tzinfo=LONDON)


def test_the_written_summary_over_easter_and_a_clock_change() -> None:
    # Investigated Thu 26 Mar 2026 (GMT); Good Friday 3 Apr and Easter Monday 6 Apr;
    # 3 working days: 27, 30, 31 Mar; late from Wed 1 Apr 00:00 BST (23:00 UTC 31 Mar).
    late = due(AwaabMilestone.WRITTEN_SUMMARY, datetime(2026, 3, 26, 16, tzinfo=LONDON))
    assert late == datetime(2026, 3, 31, 23, 0, tzinfo=UTC)
    safety = due(AwaabMilestone.BEGIN_SAFETY_WORK, datetime(2026, 4, 1, 10, tzinfo=LONDON))
    assert london_day(safety) == date(2026, 4, 11)  # 2, 7, 8, 9, 10 Apr: late from Sat 11


def test_a_step_at_midnight_minus_a_moment_meets_the_deadline() -> None:
    late = due(AwaabMilestone.INVESTIGATE, datetime(2026, 6, 1, 9, tzinfo=LONDON))
    assert met(AwaabMilestone.INVESTIGATE, late - timedelta(microseconds=1), late)
    assert not met(AwaabMilestone.INVESTIGATE, late, late)


def test_further_work_is_twelve_weeks() -> None:
    late = due(AwaabMilestone.START_FURTHER_WORK, datetime(2026, 6, 1, 9, tzinfo=LONDON))
    assert late == datetime(2026, 8, 25, 0, 0, tzinfo=LONDON)


def test_only_emergencies_and_significant_damp_and_mould_are_cases() -> None:
    assert under_awaabs_law(HazardSeverity.EMERGENCY, "fire")
    assert under_awaabs_law(HazardSeverity.SIGNIFICANT, "damp_and_mould")
    assert not under_awaabs_law(HazardSeverity.SIGNIFICANT, "falls")
    assert not under_awaabs_law(HazardSeverity.MINOR, "damp_and_mould")


moments = st.datetimes(
    min_value=datetime(2025, 10, 27), max_value=datetime(2029, 12, 31), timezones=st.just(UTC)
)


@given(moments)
def test_make_safe_is_24_real_hours(start: datetime) -> None:
    assert due(AwaabMilestone.MAKE_SAFE, start) - start == timedelta(hours=24)


@given(
    moments,
    st.sampled_from(
        [
            AwaabMilestone.INVESTIGATE,
            AwaabMilestone.WRITTEN_SUMMARY,
            AwaabMilestone.BEGIN_SAFETY_WORK,
        ]
    ),
)
def test_working_day_deadlines_fall_at_london_midnight_after_a_working_day(
    start: datetime, milestone: AwaabMilestone
) -> None:
    late = due(milestone, start)
    assert late.astimezone(LONDON).time() == datetime.min.time()
    due_day = london_day(late) - timedelta(days=1)
    assert ENGLAND_AND_WALES.is_working_day(due_day)
    days = {
        AwaabMilestone.INVESTIGATE: 10,
        AwaabMilestone.WRITTEN_SUMMARY: 3,
        AwaabMilestone.BEGIN_SAFETY_WORK: 5,
    }[milestone]
    assert ENGLAND_AND_WALES.working_days_between(london_day(start), due_day) == days


@given(moments, st.integers(min_value=0, max_value=10**6))
def test_a_pause_moves_the_deadline_on_by_the_time_paused(start: datetime, seconds: int) -> None:
    late = due(AwaabMilestone.INVESTIGATE, start)
    assert resumed_due(late, start, start + timedelta(seconds=seconds)) - late == timedelta(
        seconds=seconds
    )


def test_the_last_recorded_moment_is_the_start_the_last_pauses_end_or_the_open_pause() -> None:
    start = datetime(2026, 11, 2, 9, tzinfo=UTC)
    pauses = [
        {"reason": "a", "from": (start + timedelta(hours=1)).isoformat(),
         "to": (start + timedelta(hours=11)).isoformat()},
    ]  # fmt: skip
    assert last_recorded(start, [], None) == start
    assert last_recorded(start, pauses, None) == start + timedelta(hours=11)
    open_pause = [*pauses, {"reason": "b", "from": (start + timedelta(hours=12)).isoformat()}]
    assert last_recorded(start, open_pause, start + timedelta(hours=12)) == start + timedelta(
        hours=12
    )


def test_finishing_the_work_is_late_from_the_london_day_after_the_day_the_landlord_set() -> None:
    """DOMAIN.md: finish within a reasonable period. The law gives no number, so the
    clock's deadline is the last day set with the written summary (docs/adr/0087): in
    summer time the first late moment is 23:00 UTC that day; with no day set there is
    no deadline to count."""
    summary = datetime(2026, 7, 1, 15, tzinfo=LONDON)
    late = due_at(
        AwaabMilestone.COMPLETE_WORK,
        summary,
        targets=TARGETS,
        calendar=ENGLAND_AND_WALES,
        finish_by=date(2026, 8, 31),
    )
    assert late == datetime(2026, 8, 31, 23, 0, tzinfo=UTC)
    assert met(AwaabMilestone.COMPLETE_WORK, late - timedelta(microseconds=1), late)
    assert not met(AwaabMilestone.COMPLETE_WORK, late, late)
    with pytest.raises(ValueError, match="no fixed deadline"):
        due(AwaabMilestone.COMPLETE_WORK, summary)
