"""The 3 months letter 2 has after letter 1, and the notice after letter 2, count the
days recovery was running: the days an arrangement held the ladder are left out (ADR
0219). After a break the next step goes while the window is open so counted, and past
it the letter before is sent again (was: the window waived after a break, and counted
in calendar days whatever held the ladder on the ordinary ladder)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hearth_contracts.events.income import ArrearsStage as S
from income.arrears.rules import (
    CaseState,
    Move,
    Situation,
    Stay,
    days_held,
    next_step,
)
from income.settings import ArrearsLadder
from income.tenancies.rules import add_months

from .test_rules import LADDER, OLD_TENANCY, WEEKLY, noon

RESUMED = "arrangement_broken_resumed_at_next_step"
SENT_ON = date(2026, 3, 10)
HELD = ((date(2026, 3, 20), date(2026, 5, 20)),)
"""An arrangement made 10 days after the letter, kept 61 days: the letter's 3 months
(to 10 June) end 61 days later, on 10 August."""
LAST_DAY = date(2026, 8, 10)


def at(today: date, arrears: int, held: tuple[tuple[date, date], ...] = HELD) -> Situation:
    return Situation(
        arrears_pence=arrears,
        weekly_gross_rent_pence=WEEKLY,
        now=noon(today),
        tenancy_started_on=OLD_TENANCY,
        held_by_arrangements=held,
    )


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (LAST_DAY, Move(S.NOTICE_OF_SEEKING_POSSESSION, RESUMED)),
        (LAST_DAY + timedelta(days=1), Move(S.LETTER_2, "letter_2_out_of_date_sent_again")),
    ],
)
def test_a_broken_arrangement_serves_the_notice_only_within_letter_2s_3_months_of_recovery(
    today: date, expected: Move
) -> None:
    """Letter 2 on 10 March, an arrangement from 20 March to its break on 20 May: the
    notice goes for the break to 10 August, 3 months of recovery after letter 2; from
    the 11th letter 2 is sent again (failed before: the notice, the window waived)."""
    case = CaseState(S.LETTER_2, letter_2_at=noon(SENT_ON), resume_at_next_step=True)
    assert next_step(case, at(today, 4 * WEEKLY), LADDER) == expected


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (LAST_DAY, Move(S.LETTER_2, RESUMED)),
        (LAST_DAY + timedelta(days=1), Move(S.LETTER_1, "letter_1_out_of_date_sent_again")),
    ],
)
def test_a_broken_arrangement_sends_letter_2_only_within_letter_1s_3_months_of_recovery(
    today: date, expected: Move
) -> None:
    case = CaseState(S.LETTER_1, letter_1_at=noon(SENT_ON), resume_at_next_step=True)
    assert next_step(case, at(today, 5_000), LADDER) == expected


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (
            LAST_DAY,
            Move(
                S.NOTICE_OF_SEEKING_POSSESSION,
                "arrears_at_least_4_weeks_gross_rent_7_days_after_letter_2",
            ),
        ),
        (LAST_DAY + timedelta(days=1), Move(S.LETTER_2, "letter_2_out_of_date_sent_again")),
    ],
)
def test_an_arrangement_ended_at_a_review_does_not_spend_letter_2s_window(
    today: date, expected: Move
) -> None:
    """Not only a break: an arrangement ended by the officer held the ladder too, and
    recovery goes on from where it stood with what was left of the window (failed
    before: letter 2 again on 10 August, 5 months after it by the calendar)."""
    case = CaseState(S.LETTER_2, letter_2_at=noon(SENT_ON))
    assert next_step(case, at(today, 4 * WEEKLY), LADDER) == expected


def test_the_days_under_an_arrangement_before_the_letter_do_not_lengthen_its_window() -> None:
    """An arrangement broken before letter 1 was sent (letter 1 the step it resumed at)
    held no day of letter 1's window."""
    held = ((date(2025, 12, 1), SENT_ON),)
    case = CaseState(S.LETTER_1, letter_1_at=noon(SENT_ON))
    decision = next_step(case, at(date(2026, 6, 11), 5_000, held), LADDER)
    assert decision == Move(S.LETTER_1, "letter_1_out_of_date_sent_again")


def test_a_letter_out_of_its_window_after_a_break_is_sent_again_only_at_its_threshold() -> None:
    case = CaseState(S.LETTER_2, letter_2_at=noon(SENT_ON), resume_at_next_step=True)
    decision = next_step(case, at(LAST_DAY + timedelta(days=1), 999), LADDER)
    assert decision == Stay("letter_2_out_of_date_sent_again_arrears_below_1000_pence")


@pytest.mark.parametrize(
    ("held", "since", "today", "days"),
    [
        ((), date(2026, 3, 10), date(2026, 8, 10), 0),
        (HELD, date(2026, 3, 10), date(2026, 8, 10), 61),
        # clipped to the window's first day and to today
        (HELD, date(2026, 4, 20), date(2026, 8, 10), 30),
        (HELD, date(2026, 3, 10), date(2026, 4, 1), 12),
        # a day held by two counted once; a span ended before the letter not at all
        (
            (
                (date(2026, 3, 20), date(2026, 4, 20)),
                (date(2026, 4, 10), date(2026, 5, 20)),
                (date(2026, 1, 1), date(2026, 3, 1)),
            ),
            date(2026, 3, 10),
            date(2026, 8, 10),
            61,
        ),
    ],
)
def test_days_held(
    held: tuple[tuple[date, date], ...], since: date, today: date, days: int
) -> None:
    assert days_held(held, since, today) == days


DAY = st.dates(date(2025, 1, 1), date(2027, 12, 31))


@given(
    stage=st.sampled_from([S.LETTER_1, S.LETTER_2]),
    sent_on=DAY,
    today=DAY,
    held=st.lists(st.tuples(DAY, DAY).map(sorted).map(tuple), max_size=3),
    arrears=st.sampled_from([999, 1_000, 4 * WEEKLY - 1, 4 * WEEKLY]),
    resume=st.booleans(),
)
def test_the_next_letter_goes_only_within_its_window_of_days_recovery_ran(
    stage: S,
    sent_on: date,
    today: date,
    held: list[tuple[date, date]],
    arrears: int,
    resume: bool,
) -> None:
    """For any dates, arrangements and arrears, letter 2 or the notice (by the ladder or
    for a break) goes only when the letter before it is within its 3 months, the days
    held left out: the day it goes, less those days, is at most 3 months after it."""
    if today < sent_on:
        return
    case = CaseState(
        stage,
        letter_1_at=noon(sent_on),
        letter_2_at=noon(sent_on),
        resume_at_next_step=resume,
    )
    spans = tuple((start, end) for start, end in held)
    decision = next_step(case, at(today, arrears, spans), ArrearsLadder())
    if isinstance(decision, Move) and decision.stage is not stage:
        ran_to = today - timedelta(days=days_held(spans, sent_on, today))
        assert ran_to <= add_months(sent_on, 3)
