"""The home visit's pure rules."""

from __future__ import annotations

from datetime import date, timedelta

import jsonschema
import pytest

from hearth_contracts.events.visits import VisitChannel, VisitKind
from visits.models import VisitStatus
from visits.visits.rules import (
    RuleBroken,
    can_be_reported,
    can_rebook,
    channel_for,
    check_planned_day,
    check_report,
    held_the_home_on,
    latest_planned_day,
)
from visits.visits.schemas import VisitReport


def test_a_full_visit_is_in_the_home_by_default() -> None:
    assert channel_for(VisitKind.FULL, None) is VisitChannel.IN_HOME


@pytest.mark.parametrize("channel", [VisitChannel.PHONE, VisitChannel.VIDEO])
def test_a_full_visit_is_never_by_phone_or_video(channel: VisitChannel) -> None:
    with pytest.raises(RuleBroken) as broken:
        channel_for(VisitKind.FULL, channel)
    assert broken.value.field == "channel"


@pytest.mark.parametrize("channel", [VisitChannel.PHONE, VisitChannel.VIDEO])
def test_a_lite_visit_is_by_phone_or_video(channel: VisitChannel) -> None:
    assert channel_for(VisitKind.LITE, channel) is channel


@pytest.mark.parametrize("channel", [None, VisitChannel.IN_HOME])
def test_a_lite_visit_must_say_phone_or_video(channel: VisitChannel | None) -> None:
    with pytest.raises(RuleBroken, match="phone or video") as broken:
        channel_for(VisitKind.LITE, channel)
    assert broken.value.field == "channel"


@pytest.mark.parametrize("status", list(VisitStatus))
def test_only_a_scheduled_visit_can_be_reported(status: VisitStatus) -> None:
    assert can_be_reported(status) is (status is VisitStatus.SCHEDULED)


@pytest.mark.parametrize("status", list(VisitStatus))
def test_only_a_visit_that_got_no_access_is_rebooked(status: VisitStatus) -> None:
    assert can_rebook(status) is (status is VisitStatus.NO_ACCESS)


VISITED_AT = "2026-11-20T10:30:00+00:00"
REPAIR = {"description": "Loose banister", "location": "stairs", "trade": "carpentry"}
HAZARD = {
    "hazard_type": "damp_and_mould",
    "severity": "minor",
    "location": "bathroom",
    "description": "Mould on the ceiling",
}
HOUSEHOLD = {"resident_id": "00000000-0000-4000-8000-000000000001", "household_size": 2}


def test_a_completed_visit_may_hold_repairs_hazards_and_concerns() -> None:
    check_report(
        VisitReport.model_validate(
            {
                "outcome": "completed",
                "visited_at": VISITED_AT,
                "repairs_found": [REPAIR],
                "hazards_found": [HAZARD],
                "tenancy_concerns": [{"concern": "arrears"}],
                "household": HOUSEHOLD,
            }
        )
    )


@pytest.mark.parametrize(
    ("report", "field"),
    [
        (
            {"outcome": "no_access", "no_access_reason": "no_answer", "repairs_found": [REPAIR]},
            "repairs_found",
        ),
        (
            {"outcome": "declined", "decline_reason": "health", "repairs_found": [REPAIR]},
            "repairs_found",
        ),
        (
            {"outcome": "no_access", "no_access_reason": "no_answer", "hazards_found": [HAZARD]},
            "hazards_found",
        ),
        ({"outcome": "no_access"}, "no_access_reason"),
        ({"outcome": "declined"}, "decline_reason"),
        (
            {"outcome": "completed", "household": HOUSEHOLD, "no_access_reason": "no_answer"},
            "no_access_reason",
        ),
        (
            {"outcome": "completed", "household": HOUSEHOLD, "decline_reason": "health"},
            "decline_reason",
        ),
        ({"outcome": "completed"}, "household"),
        ({"outcome": "completed", "household": None}, "household"),
        (
            {"outcome": "no_access", "no_access_reason": "no_answer", "household": HOUSEHOLD},
            "household",
        ),
    ],
)
def test_a_report_breaking_a_rule_names_the_field_at_fault(
    report: dict[str, object], field: str
) -> None:
    with pytest.raises(RuleBroken) as broken:
        check_report(VisitReport.model_validate({"visited_at": VISITED_AT, **report}))
    assert broken.value.field == field


def test_the_schema_says_a_completed_visits_report_holds_the_household() -> None:
    """The rule stated where Schemathesis and a client read it (ADR 0146): a completed
    report without the household, or with it null, breaks the schema; one with it, and
    a visit that did not go ahead without it, do not."""
    validator = jsonschema.Draft202012Validator(VisitReport.model_json_schema())

    def valid(report: dict[str, object]) -> bool:
        return validator.is_valid({"visited_at": VISITED_AT, **report})

    assert not valid({"outcome": "completed"})
    assert not valid({"outcome": "completed", "household": None})
    assert valid({"outcome": "completed", "household": HOUSEHOLD})
    assert valid({"outcome": "no_access", "no_access_reason": "no_answer"})
    assert valid({"outcome": "declined", "decline_reason": "health"})
    assert not valid({"outcome": "declined", "decline_reason": "health", "household": HOUSEHOLD})


def test_a_visit_that_did_not_go_ahead_may_still_raise_a_tenancy_concern() -> None:
    check_report(
        VisitReport.model_validate(
            {
                "outcome": "declined",
                "decline_reason": "not_wanted",
                "visited_at": VISITED_AT,
                "tenancy_concerns": [{"concern": "support_needs"}],
            }
        )
    )


def test_a_visit_reports_at_most_fifty_repairs() -> None:
    with pytest.raises(ValueError, match="repairs_found"):
        VisitReport.model_validate(
            {"outcome": "completed", "visited_at": VISITED_AT, "repairs_found": [REPAIR] * 51}
        )


@pytest.mark.parametrize(
    ("today", "latest"),
    [
        (date(2026, 12, 1), date(2028, 12, 1)),
        (date(2024, 2, 29), date(2026, 2, 28)),  # the month is shorter: its last day
        (date(2026, 12, 31), date(2028, 12, 31)),
    ],
)
def test_a_day_is_planned_at_most_24_months_ahead(today: date, latest: date) -> None:
    assert latest_planned_day(today) == latest
    check_planned_day(latest, today, "scheduled_for", "The visit's day")
    with pytest.raises(RuleBroken, match=f"latest day accepted today is {latest}") as broken:
        check_planned_day(
            date.fromordinal(latest.toordinal() + 1), today, "scheduled_for", "The visit's day"
        )
    assert broken.value.field == "scheduled_for"


START, LAST = date(2026, 3, 2), date(2026, 9, 30)


@pytest.mark.parametrize(
    ("start_date", "ended_on", "day", "held"),
    [
        (START, None, START, True),
        (START, None, START - timedelta(days=1), False),  # announced ahead
        (START, LAST, LAST, True),  # its last day
        (START, LAST, LAST + timedelta(days=1), False),  # ended before the day
        (START, START - timedelta(days=1), START, False),  # withdrawn: holds no day
        (START, START - timedelta(days=1), START - timedelta(days=1), False),
        (None, None, START, True),  # its start not heard of yet
        (None, LAST, LAST + timedelta(days=1), False),
    ],
)
def test_a_tenancy_held_the_home_from_its_first_day_to_its_last(
    start_date: date | None, ended_on: date | None, day: date, held: bool
) -> None:
    """The household a visit is with: ADR 0096, 0228."""
    assert held_the_home_on(start_date, ended_on, day) is held
