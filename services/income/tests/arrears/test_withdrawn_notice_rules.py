"""ADR 0081, amended: a notice of seeking possession the landlord withdrew is live no
more from the day it was withdrawn. The ladder takes no court step on it (a withdrawn
notice cannot found proceedings), sends the case back to letter 2, the step before the
notice, as for an expired one, and serves a fresh notice a week later without waiting
for the old one's 12 months. Pure rules."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import pytest

from hearth_contracts.events.income import ArrearsStage as S
from income.arrears.rules import (
    NOTICE_WITHDRAWN,
    CaseState,
    Move,
    Stay,
    next_step,
    nosp_live,
    nosp_live_until,
)
from services.income.tests.arrears.test_rules import (
    LADDER,
    MET,
    NOW,
    RESUMED,
    WEEKLY,
    days_ago,
    noon,
    situation,
)

TODAY = NOW.date()
WARNING_REASON = "arrears_at_least_4_weeks_gross_rent_28_days_after_notice"


def withdrawn(stage: S, withdrawn_on: date | None, **values: object) -> CaseState:
    """A case at `stage` whose notice was served 40 days ago (its court warning due at
    28), its protocol met, the notice withdrawn on `withdrawn_on` (None: not)."""
    case = CaseState(
        stage,
        nosp_served_at=days_ago(40),
        nosp_withdrawn_on=withdrawn_on,
        court_warning_at=days_ago(20) if stage is S.COURT_WARNING else None,
        protocol=MET,
    )
    if stage is S.COURT_APPLICATION:
        case = dataclasses.replace(case, court_warning_at=days_ago(30))
    return dataclasses.replace(case, **values)


def test_a_notice_is_live_to_the_day_before_it_was_withdrawn() -> None:
    """Served 10 March 2026, live to 9 March 2027 unless withdrawn earlier."""
    served = noon(date(2026, 3, 10))
    for withdrawn_on, live_until in [
        (None, date(2027, 3, 9)),
        (date(2026, 5, 1), date(2026, 4, 30)),
        (date(2026, 3, 10), date(2026, 3, 9)),  # withdrawn the day it was served
        (date(2027, 5, 1), date(2027, 3, 9)),  # after its 12 months: no longer for it
    ]:
        assert nosp_live_until(served, LADDER, withdrawn_on) == live_until
        case = CaseState(
            S.NOTICE_OF_SEEKING_POSSESSION, nosp_served_at=served, nosp_withdrawn_on=withdrawn_on
        )
        if live_until >= served.date():
            assert nosp_live(case, noon(live_until), LADDER)
        assert not nosp_live(case, noon(live_until + timedelta(days=1)), LADDER)


@pytest.mark.parametrize(
    "stage", [S.NOTICE_OF_SEEKING_POSSESSION, S.COURT_WARNING, S.COURT_APPLICATION]
)
def test_no_court_step_on_a_withdrawn_notice_the_case_goes_back_to_letter_2(stage: S) -> None:
    """Where a live notice takes the next court step (the warning 28 days after it, the
    application 14 days after the warning) or stays at the claim, withdrawn it sends
    the case back to letter 2 from the day it was withdrawn, court application included
    (the claim has no notice left to rest on)."""
    live = withdrawn(stage, None)
    taken = next_step(live, situation(4 * WEEKLY), LADDER)
    assert (
        taken
        == {
            S.NOTICE_OF_SEEKING_POSSESSION: Move(S.COURT_WARNING, WARNING_REASON),
            S.COURT_WARNING: Move(S.COURT_APPLICATION, "14_days_after_court_warning_notice_live"),
            S.COURT_APPLICATION: Stay("at_the_last_step"),
        }[stage]
    )
    for withdrawn_on in (TODAY, TODAY - timedelta(days=10)):
        case = withdrawn(stage, withdrawn_on)
        assert next_step(case, situation(4 * WEEKLY), LADDER) == Move(S.LETTER_2, NOTICE_WITHDRAWN)
    # Recorded for tomorrow (never by the route: a guard of the rule), it is live today.
    tomorrow = withdrawn(stage, TODAY + timedelta(days=1))
    assert next_step(tomorrow, situation(4 * WEEKLY), LADDER) == taken
    # A hearing listed (or an order) still holds the ladder whatever the notice: the
    # claim is the court's until its outcome is recorded (ADR 0067).
    held = withdrawn(stage, TODAY, before_the_court="court_hearing_listed")
    assert next_step(held, situation(4 * WEEKLY), LADDER) == Stay("court_hearing_listed")


@pytest.mark.parametrize(
    "stage", [S.NOTICE_OF_SEEKING_POSSESSION, S.COURT_WARNING, S.COURT_APPLICATION]
)
@pytest.mark.parametrize(("arrears", "sent"), [(999, False), (1_000, True)])
def test_a_withdrawn_notice_sends_letter_2_again_only_while_arrears_reach_it(
    stage: S, arrears: int, sent: bool
) -> None:
    """As for an expired notice: letter 2 again at its threshold; below it the case
    waits (arrears cleared below the text reminder's close it as always)."""
    decision = next_step(withdrawn(stage, TODAY), situation(arrears), LADDER)
    if sent:
        assert decision == Move(S.LETTER_2, NOTICE_WITHDRAWN)
    else:
        assert decision == Stay(f"{NOTICE_WITHDRAWN}_arrears_below_1000_pence")


def test_a_fresh_notice_follows_a_week_after_letter_2_not_after_the_old_ones_12_months() -> None:
    """Withdrawn 10 days after it was served: letter 2 again, and a week later a new
    notice at 4 weeks of rent, 11 months before the old one's 12 months ran out."""
    case = withdrawn(S.NOTICE_OF_SEEKING_POSSESSION, TODAY, nosp_served_at=days_ago(10))
    assert next_step(case, situation(4 * WEEKLY), LADDER) == Move(S.LETTER_2, NOTICE_WITHDRAWN)
    week_on = NOW + timedelta(days=7)
    at_letter_2 = dataclasses.replace(case, stage=S.LETTER_2, letter_2_at=NOW)
    assert next_step(at_letter_2, situation(4 * WEEKLY, now=week_on), LADDER) == Move(
        S.NOTICE_OF_SEEKING_POSSESSION, "arrears_at_least_4_weeks_gross_rent_7_days_after_letter_2"
    )


def test_a_broken_arrangement_takes_no_court_step_on_a_withdrawn_notice() -> None:
    case = withdrawn(S.NOTICE_OF_SEEKING_POSSESSION, TODAY, resume_at_next_step=True)
    assert next_step(case, situation(4 * WEEKLY), LADDER) == Move(S.LETTER_2, NOTICE_WITHDRAWN)
    live = dataclasses.replace(case, nosp_withdrawn_on=None)
    assert next_step(live, situation(4 * WEEKLY), LADDER) == Move(S.COURT_WARNING, RESUMED)


@pytest.mark.parametrize("stage", [S.NONE, S.TEXT_REMINDER])
def test_a_case_owing_again_after_its_notice_was_withdrawn_gets_letter_1(stage: S) -> None:
    """Letter 1 waits only while a notice is in place (DOMAIN.md): a withdrawn one is
    not, so the case starts the ladder again rather than take the court warning."""
    live = withdrawn(stage, None)
    assert next_step(live, situation(4 * WEEKLY), LADDER) == Move(S.COURT_WARNING, WARNING_REASON)
    case = withdrawn(stage, TODAY)
    assert next_step(case, situation(4 * WEEKLY), LADDER) == Move(
        S.LETTER_1, "arrears_at_least_1000_pence"
    )
