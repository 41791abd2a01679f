"""The pure rules of ADR 0081: a notice of proceedings withdrawn stops keeping a trial
open (Housing Act 1996 s.130(2)(a)), and a trial the job settled is put back only when
a claim issued within the notice's six months is on record and the notice had not
stopped keeping the trial by the day it was settled from."""

from __future__ import annotations

from datetime import date

import pytest

from hearth_contracts.events.income import TenancyType
from income.tenancies.rules import (
    NO_CLAIM_IN_TIME,
    SETTLED_RIGHTLY,
    TRIAL_TYPE_OF,
    HearingOnRecord,
    notice_stopped_keeping_on,
    reinstatement_refused,
    settled_on,
)

SERVED = date(2026, 5, 11)
"""A notice served 11 May 2026: its six months' last day is 10 November 2026."""
SPENT = date(2026, 11, 11)
TRIAL_ENDS = date(2026, 7, 7)
"""A trial from 7 July 2025: its last day 6 July 2026, off trial from 7 July."""
IN_TIME = HearingOnRecord(date(2027, 1, 11), date(2026, 12, 15), date(2026, 11, 9))
"""A claim issued on 9 November, in the six months, recorded on 15 December."""


def test_a_withdrawn_notice_stops_keeping_the_trial_the_day_it_was_withdrawn() -> None:
    """Withdrawn on 20 August, within its six months and with no claim brought: the
    notice keeps the trial no longer from that day, with no grace to wait for."""
    assert notice_stopped_keeping_on(SERVED, [], date(2026, 8, 21)) is None
    assert notice_stopped_keeping_on(
        SERVED, [], date(2026, 8, 21), withdrawn_on=date(2026, 8, 20), grace_days=28
    ) == date(2026, 8, 20)


def test_the_tenancy_is_secure_from_the_later_of_the_trials_end_and_the_withdrawal() -> None:
    """s.130(2)(a) with the trial's own end: withdrawn before the trial ended, the
    trial's end; withdrawn after it, the withdrawal."""
    before = notice_stopped_keeping_on(SERVED, [], TRIAL_ENDS, withdrawn_on=date(2026, 6, 1))
    assert before is not None
    assert settled_on(TRIAL_ENDS, before) == TRIAL_ENDS
    after = notice_stopped_keeping_on(SERVED, [], date(2026, 9, 1), withdrawn_on=date(2026, 8, 20))
    assert after is not None
    assert settled_on(TRIAL_ENDS, after) == date(2026, 8, 20)


def test_a_withdrawal_ends_proceedings_brought_on_the_notice_too() -> None:
    """A claim issued in time keeps the trial; the notice withdrawn, it no longer does."""
    brought = HearingOnRecord(date(2026, 9, 14), date(2026, 8, 3), date(2026, 8, 3))
    assert notice_stopped_keeping_on(SERVED, [brought], date(2026, 10, 1)) is None
    assert notice_stopped_keeping_on(
        SERVED, [brought], date(2026, 10, 1), withdrawn_on=date(2026, 9, 30)
    ) == date(2026, 9, 30)


def test_the_earliest_of_the_withdrawal_the_proceedings_end_and_the_six_months() -> None:
    assert (
        notice_stopped_keeping_on(
            SERVED,
            [],
            date(2027, 1, 4),
            proceedings_ended=date(2026, 12, 1),
            withdrawn_on=date(2026, 11, 20),
            grace_days=28,
        )
        == SPENT
    )
    assert notice_stopped_keeping_on(
        SERVED,
        [],
        date(2026, 9, 1),
        proceedings_ended=date(2026, 8, 25),
        withdrawn_on=date(2026, 8, 20),
    ) == date(2026, 8, 20)


def test_a_withdrawal_after_the_six_months_waits_the_grace_for_a_claim_in_time() -> None:
    """Withdrawn on 20 November, after the six months (spent 11 November): in the grace a
    claim issued in time may yet be recorded (then the withdrawal is the day), so the
    rule waits; after it the legal day is the six months' end, not the withdrawal."""
    withdrawn = date(2026, 11, 20)
    assert (
        notice_stopped_keeping_on(
            SERVED, [], date(2026, 11, 25), withdrawn_on=withdrawn, grace_days=28
        )
        is None
    )
    assert (
        notice_stopped_keeping_on(
            SERVED, [], date(2026, 12, 9), withdrawn_on=withdrawn, grace_days=28
        )
        == SPENT
    )
    assert (
        notice_stopped_keeping_on(
            SERVED, [IN_TIME], date(2026, 12, 15), withdrawn_on=withdrawn, grace_days=28
        )
        == withdrawn
    )


@pytest.mark.parametrize(
    "withdrawn_on",
    [date(2026, 5, 10), date(2026, 8, 22)],  # before the notice; after today
    ids=["before_served", "after_today"],
)
def test_a_withdrawal_outside_the_notice_and_today_is_not_one(withdrawn_on: date) -> None:
    assert (
        notice_stopped_keeping_on(SERVED, [], date(2026, 8, 21), withdrawn_on=withdrawn_on) is None
    )


def test_a_settlement_with_a_claim_issued_in_the_six_months_may_be_put_back() -> None:
    assert reinstatement_refused(SPENT, TRIAL_ENDS, SERVED, [IN_TIME], date(2026, 12, 15)) is None


@pytest.mark.parametrize(
    ("served_on", "hearings"),
    [
        (None, [IN_TIME]),  # no notice of proceedings during the trial
        (SERVED, []),  # no claim at all
        (SERVED, [HearingOnRecord(date(2027, 1, 11), date(2026, 12, 15), SPENT)]),  # a day late
        (SERVED, [HearingOnRecord(date(2027, 1, 11), date(2026, 12, 15))]),  # recorded late
    ],
    ids=["no_notice", "no_claim", "issued_after", "undated_recorded_after"],
)
def test_a_settlement_stands_without_a_claim_issued_in_the_six_months(
    served_on: date | None, hearings: list[HearingOnRecord]
) -> None:
    assert (
        reinstatement_refused(SPENT, TRIAL_ENDS, served_on, hearings, date(2026, 12, 15))
        == NO_CLAIM_IN_TIME
    )


def test_a_settlement_stands_when_the_notice_stopped_keeping_the_trial_by_its_day() -> None:
    """Withdrawn on 1 October, before the settlement's day: right. Proceedings
    dismissed on 1 December, after it: put back (the job settles again from then)."""
    assert (
        reinstatement_refused(
            SPENT, TRIAL_ENDS, SERVED, [IN_TIME], date(2026, 12, 15), withdrawn_on=date(2026, 10, 1)
        )
        == SETTLED_RIGHTLY
    )
    assert (
        reinstatement_refused(
            SPENT,
            TRIAL_ENDS,
            SERVED,
            [IN_TIME],
            date(2026, 12, 15),
            proceedings_ended=date(2026, 12, 1),
        )
        is None
    )


def test_a_settled_type_goes_back_to_its_trial_type() -> None:
    assert TRIAL_TYPE_OF == {
        TenancyType.SECURE: TenancyType.INTRODUCTORY,
        TenancyType.ASSURED: TenancyType.STARTER,
    }
