"""When a report may say the officer was there: not in the future, and not more than
the report window (10 years by default) ago, so a typing slip never starts the clocks
of the repairs and Awaab's Law cases the report raises centuries ago."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from hearth_contracts.events.visits import HazardSeverity, HazardType, VisitKind
from visits.reports.rules import (
    SavedPiece,
    assemble,
    check_visited_at,
    earliest_visit,
    sent_when_saved,
)
from visits.reports.schemas import DraftSection, HazardFinding
from visits.settings import DEFAULT_REPORT_WINDOW_YEARS, VisitsSettings
from visits.visits.rules import RuleBroken

NOW = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)
moments = st.datetimes(
    min_value=datetime(1, 1, 1), max_value=datetime(9000, 1, 1), timezones=st.just(UTC)
)


def test_the_window_is_ten_years_by_default_as_repairs() -> None:
    assert DEFAULT_REPORT_WINDOW_YEARS == 10
    assert VisitsSettings().report_window_years == 10


def test_a_visit_on_the_day_of_the_battle_of_hastings_is_refused_naming_the_field() -> None:
    with pytest.raises(RuleBroken, match="more than 10 years ago") as broken:
        check_visited_at(datetime(1066, 10, 14, tzinfo=UTC), NOW, "visited_at", window_years=10)
    assert broken.value.field == "visited_at"


@pytest.mark.parametrize(
    ("visited_at", "accepted"),
    [
        (NOW, True),
        (NOW - timedelta(days=365 * 10 - 5), True),
        (datetime(2016, 11, 30, 15, 0, tzinfo=UTC), True),  # exactly ten years
        (datetime(2016, 11, 30, 14, 59, tzinfo=UTC), False),
        (NOW + timedelta(seconds=1), False),
    ],
)
def test_the_window_runs_from_ten_years_ago_to_now(visited_at: datetime, accepted: bool) -> None:
    if accepted:
        check_visited_at(visited_at, NOW, "visited_at", window_years=10)
    else:
        with pytest.raises(RuleBroken):
            check_visited_at(visited_at, NOW, "visited_at", window_years=10)


def test_the_twenty_ninth_of_february_falls_back_to_the_twenty_eighth() -> None:
    leap_day = datetime(2028, 2, 29, 12, tzinfo=UTC)
    assert earliest_visit(leap_day, 1) == datetime(2027, 2, 28, 12, tzinfo=UTC)


@given(visited_at=moments, now=moments, years=st.integers(min_value=1, max_value=100))
def test_a_moment_is_accepted_exactly_when_it_is_inside_the_window(
    visited_at: datetime, now: datetime, years: int
) -> None:
    assume(now.year > years)  # a window starting before year 1 is never a real "now"
    earliest = earliest_visit(now, years)
    assert earliest <= now
    assert now - earliest >= timedelta(days=365 * years - 1)
    if earliest <= visited_at <= now:
        check_visited_at(visited_at, now, "f", window_years=years)
    else:
        with pytest.raises(RuleBroken) as broken:
            check_visited_at(visited_at, now, "f", window_years=years)
        assert broken.value.field == "f"


def a_report_with(*extra: SavedPiece) -> list[SavedPiece]:
    """A lite visit's draft, made on 20 November 2026, with `extra` pieces."""
    return [
        SavedPiece(DraftSection.VISIT, "visit", {"visited_at": "2026-11-20T10:30:00+00:00"}),
        SavedPiece(
            DraftSection.HOUSEHOLD,
            "household",
            {"resident_id": "6f0e3c44-3b3a-4c59-9d2a-1f1f3a1f0c01", "household_size": 1},
        ),
        *extra,
    ]


@pytest.mark.parametrize(
    ("due_on", "accepted"),
    [
        ("2026-11-19", False),  # before the visit it was promised at
        ("2026-11-20", True),  # the visit's day
        ("2028-11-30", True),  # 24 months after today (30 November 2026)
        ("2028-12-01", False),
    ],
)
def test_an_action_promised_is_due_from_the_visits_day_to_24_months_ahead(
    due_on: str, accepted: bool
) -> None:
    action = SavedPiece(
        DraftSection.CUSTOMER_ACTION, "a1", {"description": "Chase the fan", "due_on": due_on}
    )
    if accepted:
        assemble(VisitKind.LITE, a_report_with(action), NOW, window_years=10)
    else:
        with pytest.raises(RuleBroken) as broken:
            assemble(VisitKind.LITE, a_report_with(action), NOW, window_years=10)
        assert broken.value.field == "draft.customer_action.due_on"


@pytest.mark.parametrize(("review_on", "accepted"), [("2028-11-30", True), ("2028-12-01", False)])
def test_a_referrals_review_is_at_most_24_months_ahead(review_on: str, accepted: bool) -> None:
    concern = SavedPiece(
        DraftSection.TENANCY_CONCERN,
        "c1",
        {"concern": "hoarding", "refer_to_sustainable_tenancy": True, "review_on": review_on},
    )
    if accepted:
        assemble(VisitKind.LITE, a_report_with(concern), NOW, window_years=10)
    else:
        with pytest.raises(RuleBroken, match="24 months") as broken:
            assemble(VisitKind.LITE, a_report_with(concern), NOW, window_years=10)
        assert broken.value.field == "draft.tenancy_concern.review_on"


@pytest.mark.parametrize("hazard_type", list(HazardType))
@pytest.mark.parametrize(
    ("severity", "sent"),
    [
        (HazardSeverity.EMERGENCY, True),
        (HazardSeverity.SIGNIFICANT, True),
        (HazardSeverity.MINOR, False),
    ],
)
def test_every_emergency_and_significant_hazard_is_sent_when_saved_and_no_minor_one(
    hazard_type: HazardType, severity: HazardSeverity, sent: bool
) -> None:
    """Which significant hazards open an Awaab's Law case is repairs' rule: visits sends
    them all when saved, of any kind; a minor one, in no phase of the law, waits for the
    report (ADR 0227)."""
    hazard = HazardFinding(
        hazard_type=hazard_type, severity=severity, location="kitchen", description="Seen"
    )
    assert sent_when_saved(hazard) is sent
