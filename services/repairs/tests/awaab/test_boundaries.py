"""Awaab's Law boundaries the conformance audit found unpinned: the working days count
from the London day the landlord became aware (not the UTC day), a step done in the
last moment of the due day meets its deadline, and make safe "within 24 hours" is met at
exactly 24 hours and late a microsecond after (as a repair emergency made safe at its
target moment is on time; this pinned the opposite until the two were made to agree)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from hearth_contracts.events.repairs import AwaabMilestone
from hearth_kit.working_days import ENGLAND_AND_WALES, LONDON, london_day, start_of_london_day
from repairs.awaab.rules import due_at, met
from repairs.settings import AwaabTargets

TARGETS = AwaabTargets()


def due(milestone: AwaabMilestone, start: datetime) -> datetime:
    return due_at(milestone, start, targets=TARGETS, calendar=ENGLAND_AND_WALES)


def test_the_investigation_counts_from_the_london_day_of_awareness() -> None:
    # 23:30 UTC on Mon 1 June 2026 is 00:30 on Tue 2 June in London (BST): 10 working
    # days after Tue 2 June are 3, 4, 5, 8, 9, 10, 11, 12, 15, 16 June, so the deadline
    # is met by anything before Wed 17 June 00:00 London (counted from the UTC day,
    # Mon 1 June, it would be a day early).
    late = due(AwaabMilestone.INVESTIGATE, datetime(2026, 6, 1, 23, 30, tzinfo=UTC))
    assert late == datetime(2026, 6, 17, 0, 0, tzinfo=LONDON)
    assert met(
        AwaabMilestone.INVESTIGATE, datetime(2026, 6, 16, 23, 59, 59, 999_999, tzinfo=LONDON), late
    )
    assert not met(AwaabMilestone.INVESTIGATE, datetime(2026, 6, 17, 0, 0, tzinfo=LONDON), late)


def test_a_written_summary_the_evening_of_the_third_working_day_is_in_time() -> None:
    # Investigated Fri 6 Nov 2026 16:00 (GMT): 9, 10, 11 Nov; met up to 23:59:59.9 on
    # Wed 11 Nov, late from Thu 12 Nov 00:00.
    late = due(AwaabMilestone.WRITTEN_SUMMARY, datetime(2026, 11, 6, 16, tzinfo=LONDON))
    assert met(
        AwaabMilestone.WRITTEN_SUMMARY,
        datetime(2026, 11, 11, 23, 59, 59, 900_000, tzinfo=LONDON),
        late,
    )
    assert not met(
        AwaabMilestone.WRITTEN_SUMMARY, datetime(2026, 11, 12, 0, 0, tzinfo=LONDON), late
    )


def test_make_safe_at_exactly_24_hours_is_in_time_and_late_a_moment_after() -> None:
    aware = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    deadline = due(AwaabMilestone.MAKE_SAFE, aware)
    assert deadline == aware + timedelta(hours=24)
    assert met(AwaabMilestone.MAKE_SAFE, deadline, deadline)
    assert not met(AwaabMilestone.MAKE_SAFE, deadline + timedelta(microseconds=1), deadline)


@pytest.mark.parametrize(
    "milestone",
    [
        AwaabMilestone.INVESTIGATE,
        AwaabMilestone.WRITTEN_SUMMARY,
        AwaabMilestone.BEGIN_SAFETY_WORK,
        AwaabMilestone.START_FURTHER_WORK,
    ],
)
def test_every_day_counted_clock_is_met_until_the_next_london_day_starts(
    milestone: AwaabMilestone,
) -> None:
    late = due(milestone, datetime(2026, 6, 1, 9, tzinfo=LONDON))
    assert late == start_of_london_day(london_day(late))
    assert met(milestone, late - timedelta(microseconds=1), late)
    assert not met(milestone, late, late)
