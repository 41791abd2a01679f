"""The court's hold on the arrears ladder, and the end of possession proceedings that
kept a trial open, as pure rules with fixed dates (ADR 0067)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from hearth_contracts.events.income import ArrearsStage as S
from income.arrears.rules import (
    CaseState,
    Move,
    Situation,
    Stay,
    court_hold,
    earliest_court_day,
    latest_listing_day,
    next_step,
)
from income.models import CourtOutcome as O
from income.settings import ArrearsLadder
from income.tenancies.rules import (
    HearingOnRecord,
    notice_of_proceedings,
    notice_spent_on,
    notice_spent_without_proceedings,
    proceedings_ended_on,
    settled_on,
)

LADDER = ArrearsLadder()
NOW = datetime(2026, 6, 10, 12, tzinfo=UTC)


def at(arrears: int) -> Situation:
    return Situation(
        arrears_pence=arrears,
        weekly_gross_rent_pence=10_000,
        now=NOW,
        tenancy_started_on=date(2020, 4, 6),
    )


@pytest.mark.parametrize(
    ("has_hearing", "outcome", "hold"),
    [
        (False, None, None),
        (True, None, "court_hearing_listed"),
        (True, O.ADJOURNED, "court_adjourned"),
        (True, O.ADJOURNED_ON_TERMS, "court_adjourned_on_terms"),
        (True, O.SUSPENDED_POSSESSION_ORDER, "court_suspended_possession_order"),
        (True, O.POSTPONED_POSSESSION_ORDER, "court_postponed_possession_order"),
        (True, O.OUTRIGHT_POSSESSION_ORDER, "court_outright_possession_order"),
        (True, O.DISMISSED, None),
        (True, O.WITHDRAWN, None),
    ],
)
def test_the_court_holds_the_ladder_until_the_claim_is_dismissed_or_withdrawn(
    has_hearing: bool, outcome: O | None, hold: str | None
) -> None:
    assert court_hold(has_hearing, outcome) == hold


def test_no_letter_1_while_a_court_date_is_in_place() -> None:
    """DOMAIN.md: letter 1 only when no notice, arrangement or court date is in place."""
    listed = CaseState(S.TEXT_REMINDER, before_the_court="court_hearing_listed")
    assert next_step(listed, at(1_000), LADDER) == Stay("court_hearing_listed")
    assert next_step(CaseState(S.TEXT_REMINDER), at(1_000), LADDER) == Move(
        S.LETTER_1, "arrears_at_least_1000_pence"
    )


def test_no_court_step_while_an_order_holds_but_arrears_cleared_still_close_it() -> None:
    ordered = CaseState(
        S.NOTICE_OF_SEEKING_POSSESSION,
        nosp_served_at=datetime(2026, 1, 5, 12, tzinfo=UTC),
        before_the_court="court_postponed_possession_order",
    )
    assert next_step(ordered, at(60_000), LADDER) == Stay("court_postponed_possession_order")
    assert next_step(ordered, at(0), LADDER) == Move(S.NONE, "arrears_cleared")


SERVED = date(2026, 7, 6)


@pytest.mark.parametrize(
    ("outcome", "decided_on", "ended"),
    [
        (None, None, None),  # no hearing yet, or one listed and undecided
        (O.ADJOURNED, date(2026, 8, 20), None),
        (O.POSTPONED_POSSESSION_ORDER, date(2026, 8, 20), None),
        (O.OUTRIGHT_POSSESSION_ORDER, date(2026, 8, 20), None),
        (O.DISMISSED, date(2026, 8, 20), date(2026, 8, 20)),
        (O.WITHDRAWN, SERVED, SERVED),  # withdrawn the day it was served
        (O.WITHDRAWN, date(2026, 7, 5), None),  # earlier proceedings
    ],
)
def test_proceedings_end_when_dismissed_or_withdrawn_after_the_notice(
    outcome: O | None, decided_on: date | None, ended: date | None
) -> None:
    assert proceedings_ended_on(SERVED, outcome, decided_on) == ended


def test_a_trial_kept_open_settles_from_the_later_of_its_end_and_the_proceedings_end() -> None:
    ends_on = date(2026, 7, 7)
    assert settled_on(ends_on, None) == ends_on
    assert settled_on(ends_on, date(2026, 8, 20)) == date(2026, 8, 20)
    assert settled_on(ends_on, date(2026, 7, 1)) == ends_on


def test_the_notice_that_began_proceedings_is_found_among_every_notice_served() -> None:
    """Last day 6 July 2026: the notice served on it counts, whatever was served after;
    one lapsed before it, or none at all, does not."""
    last_day = date(2026, 7, 6)
    on_the_last_day = (date(2026, 7, 6), date(2027, 7, 5))
    after_it = (date(2026, 8, 3), date(2027, 8, 2))
    lapsed = (date(2025, 2, 3), date(2026, 2, 2))
    assert notice_of_proceedings(last_day, [on_the_last_day, after_it]) == date(2026, 7, 6)
    assert notice_of_proceedings(last_day, [lapsed, after_it]) is None
    assert notice_of_proceedings(last_day, []) is None


@pytest.mark.parametrize(
    ("served_on", "spent_on"),
    [
        (date(2027, 1, 10), date(2027, 7, 10)),  # on trial to 9 July
        (date(2026, 8, 31), date(2027, 3, 1)),  # February lacks the 31st: to 28 February
        (date(2027, 8, 29), date(2028, 2, 29)),  # a leap year has it
        (date(2026, 12, 31), date(2027, 7, 1)),  # June lacks the 31st
    ],
)
def test_a_notice_keeps_a_trial_for_the_six_months_beginning_with_its_day(
    served_on: date, spent_on: date
) -> None:
    """s.130(2)(c): the period of six months beginning with the day the notice was
    served, counted as the trial's year is (s.125): the tenancy is off trial from the
    day after it (ADR 0075)."""
    assert notice_spent_on(served_on) == spent_on


def test_a_notice_spent_without_a_hearing_recorded_in_its_six_months() -> None:
    """Served 11 May 2026, six months to 10 November: a hearing recorded by then and
    listed for a day after the notice is a claim brought; one recorded later, or listed
    before the notice (earlier proceedings), is not. Before 11 November nothing is spent."""
    served = date(2026, 5, 11)
    after = date(2026, 11, 30)
    assert notice_spent_without_proceedings(served, [], date(2026, 11, 10)) is None
    assert notice_spent_without_proceedings(served, [], date(2026, 11, 11)) == date(2026, 11, 11)
    assert notice_spent_without_proceedings(served, [], date(2027, 3, 1)) == date(2026, 11, 11)
    in_time = HearingOnRecord(listed_for=after, recorded_on=date(2026, 11, 10))
    on_the_day = HearingOnRecord(listed_for=after, recorded_on=served)
    too_late = HearingOnRecord(listed_for=after, recorded_on=date(2026, 11, 11))
    earlier = HearingOnRecord(listed_for=date(2026, 5, 10), recorded_on=date(2026, 6, 1))
    before_it = HearingOnRecord(listed_for=after, recorded_on=date(2026, 5, 10))
    today = date(2026, 12, 1)
    assert notice_spent_without_proceedings(served, [in_time], today) is None
    assert notice_spent_without_proceedings(served, [on_the_day], today) is None
    for hearing in (too_late, earlier, before_it):
        assert notice_spent_without_proceedings(served, [hearing], today) == date(2026, 11, 11)


def test_a_hearing_is_listed_within_a_year_and_not_before_its_claim_could_be() -> None:
    """A year on from today (29 February's is 28 February); the first day is the notice
    the claim follows, or the tenancy's start with no notice (ADR 0075)."""
    assert latest_listing_day(date(2026, 12, 1)) == date(2027, 12, 1)
    assert latest_listing_day(date(2028, 2, 29)) == date(2029, 2, 28)
    started = date(2025, 4, 7)
    assert earliest_court_day(started, None) == started
    assert earliest_court_day(started, date(2026, 3, 2)) == date(2026, 3, 2)
