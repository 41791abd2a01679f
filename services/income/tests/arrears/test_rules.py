"""The arrears ladder at each threshold boundary: one penny (or one day) under, at and
over, with the default ladder (DOMAIN.md)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hearth_contracts.events.income import ArrearsStage as S
from hearth_kit.working_days import start_of_london_day
from income.arrears.rules import LADDER as LADDER_STEPS
from income.arrears.rules import (
    Blocked,
    CaseState,
    Move,
    PausedForReview,
    PersonalContact,
    PersonalContactCleared,
    PreActionProtocol,
    Situation,
    Stay,
    contact_task_after,
    next_step,
    nosp_live,
    nosp_live_until,
    threshold_of,
)
from income.settings import ArrearsLadder

LADDER = ArrearsLadder()
NOW = datetime(2026, 6, 10, 12, tzinfo=UTC)
WEEKLY = 10_000
OLD_TENANCY = date(2020, 4, 6)
MET = PreActionProtocol(True, True, True, True, False, True)


def situation(arrears: int, **overrides: Any) -> Situation:
    """A situation on an old tenancy with `arrears`, any field overridden by name."""
    default = Situation(
        arrears_pence=arrears,
        weekly_gross_rent_pence=WEEKLY,
        now=NOW,
        tenancy_started_on=OLD_TENANCY,
    )
    return dataclasses.replace(default, **overrides)


def days_ago(days: int) -> datetime:
    return NOW - timedelta(days=days)


@pytest.mark.parametrize(("arrears", "moves"), [(499, False), (500, True), (501, True)])
def test_text_reminder_at_500_pence(arrears: int, moves: bool) -> None:
    decision = next_step(CaseState(S.NONE), situation(arrears), LADDER)
    assert (decision == Move(S.TEXT_REMINDER, "arrears_at_least_500_pence")) is moves
    if not moves:
        assert isinstance(decision, Stay)


@pytest.mark.parametrize(
    ("arrears", "stage"), [(999, None), (1_000, S.LETTER_1), (1_001, S.LETTER_1)]
)
def test_letter_1_at_1000_pence(arrears: int, stage: S | None) -> None:
    decision = next_step(CaseState(S.TEXT_REMINDER), situation(arrears), LADDER)
    assert (decision.stage if isinstance(decision, Move) else None) == stage


@pytest.mark.parametrize(("days", "stage"), [(13, None), (14, S.LETTER_2), (15, S.LETTER_2)])
def test_letter_2_at_least_14_days_after_letter_1(days: int, stage: S | None) -> None:
    case = CaseState(S.LETTER_1, letter_1_at=days_ago(days))
    decision = next_step(case, situation(1_000), LADDER)
    assert (decision.stage if isinstance(decision, Move) else None) == stage


def noon(day: date) -> datetime:
    """Noon on London day `day` (11:00 or 12:00 UTC)."""
    return start_of_london_day(day) + timedelta(hours=12)


@pytest.mark.parametrize(
    ("letter_1_on", "today", "stage"),
    [
        # 3 calendar months, not 91 days: 10 March to 10 June is 92 days ...
        (date(2026, 3, 10), date(2026, 6, 10), S.LETTER_2),
        (date(2026, 3, 9), date(2026, 6, 10), S.LETTER_1),
        # ... and 30 November to 28 February (the month's last day) is 90.
        (date(2025, 11, 30), date(2026, 2, 28), S.LETTER_2),
        (date(2025, 11, 30), date(2026, 3, 1), S.LETTER_1),
    ],
)
def test_letter_2_within_3_months_of_letter_1_else_letter_1_again(
    letter_1_on: date, today: date, stage: S
) -> None:
    case = CaseState(S.LETTER_1, letter_1_at=noon(letter_1_on))
    decision = next_step(case, situation(1_000, now=noon(today)), LADDER)
    assert isinstance(decision, Move)
    assert decision.stage is stage


@pytest.mark.parametrize(
    ("letter_2_on", "today", "stage"),
    [
        (date(2026, 3, 10), date(2026, 6, 10), S.NOTICE_OF_SEEKING_POSSESSION),
        (date(2026, 3, 9), date(2026, 6, 10), S.LETTER_2),
        (date(2025, 11, 30), date(2026, 2, 28), S.NOTICE_OF_SEEKING_POSSESSION),
        (date(2025, 11, 30), date(2026, 3, 1), S.LETTER_2),
    ],
)
def test_the_notice_within_3_months_of_letter_2_else_letter_2_again(
    letter_2_on: date, today: date, stage: S
) -> None:
    case = CaseState(S.LETTER_2, letter_2_at=noon(letter_2_on))
    decision = next_step(case, situation(4 * WEEKLY, now=noon(today)), LADDER)
    assert isinstance(decision, Move)
    assert decision.stage is stage


@pytest.mark.parametrize(
    ("served_on", "today", "live"),
    [
        # Live for 12 calendar months counting the day served: over a 29 February
        # that is 366 days ...
        (date(2027, 3, 1), date(2028, 2, 29), True),
        (date(2027, 3, 1), date(2028, 3, 1), False),
        (date(2027, 3, 10), date(2028, 3, 9), True),
        # ... otherwise 365.
        (date(2026, 6, 10), date(2027, 6, 9), True),
        (date(2026, 6, 10), date(2027, 6, 10), False),
    ],
)
def test_a_notice_is_live_for_12_calendar_months(served_on: date, today: date, live: bool) -> None:
    served = noon(served_on)
    case = CaseState(S.NOTICE_OF_SEEKING_POSSESSION, nosp_served_at=served)
    assert nosp_live(case, noon(today), LADDER) is live
    assert (nosp_live_until(served, LADDER) >= today) is live


def test_the_days_between_steps_are_london_days() -> None:
    # Letter 1 at 23:30 UTC on 27 May is 00:30 on 28 May in London: on 10 June that is
    # 13 London days (14 UTC days), so letter 2 is not yet due.
    case = CaseState(S.LETTER_1, letter_1_at=datetime(2026, 5, 27, 23, 30, tzinfo=UTC))
    assert next_step(case, situation(1_000), LADDER) == Stay("letter_2_not_yet_due")
    case = CaseState(S.LETTER_1, letter_1_at=datetime(2026, 5, 27, 22, 30, tzinfo=UTC))
    assert isinstance(next_step(case, situation(1_000), LADDER), Move)


@pytest.mark.parametrize(
    ("arrears", "stage"),
    [
        (4 * WEEKLY - 1, None),
        (4 * WEEKLY, S.NOTICE_OF_SEEKING_POSSESSION),
        (4 * WEEKLY + 1, S.NOTICE_OF_SEEKING_POSSESSION),
    ],
)
def test_nosp_at_4_weeks_of_gross_rent(arrears: int, stage: S | None) -> None:
    decision = next_step(CaseState(S.LETTER_2, letter_2_at=days_ago(7)), situation(arrears), LADDER)
    assert (decision.stage if isinstance(decision, Move) else None) == stage


@pytest.mark.parametrize(("days", "stage"), [(6, None), (7, S.NOTICE_OF_SEEKING_POSSESSION)])
def test_nosp_at_least_a_week_after_letter_2(days: int, stage: S | None) -> None:
    decision = next_step(
        CaseState(S.LETTER_2, letter_2_at=days_ago(days)), situation(4 * WEEKLY), LADDER
    )
    assert (decision.stage if isinstance(decision, Move) else None) == stage


@pytest.mark.parametrize(("days", "expected"), [(27, Stay), (28, Move)])
def test_court_warning_28_days_after_the_notice_when_the_protocol_is_met(
    days: int, expected: type
) -> None:
    case = CaseState(S.NOTICE_OF_SEEKING_POSSESSION, nosp_served_at=days_ago(days), protocol=MET)
    assert isinstance(next_step(case, situation(4 * WEEKLY), LADDER), expected)


@pytest.mark.parametrize(
    ("days", "stage"), [(13, None), (14, S.COURT_APPLICATION), (15, S.COURT_APPLICATION)]
)
def test_court_application_at_least_2_weeks_after_the_warning(days: int, stage: S | None) -> None:
    case = CaseState(
        S.COURT_WARNING, nosp_served_at=days_ago(60), court_warning_at=days_ago(days), protocol=MET
    )
    decision = next_step(case, situation(4 * WEEKLY), LADDER)
    assert (decision.stage if isinstance(decision, Move) else None) == stage


@pytest.mark.parametrize(("days", "live"), [(364, True), (365, False)])
def test_a_notice_is_live_for_12_months(days: int, live: bool) -> None:
    case = CaseState(
        S.COURT_WARNING, nosp_served_at=days_ago(days), court_warning_at=days_ago(20), protocol=MET
    )
    decision = next_step(case, situation(4 * WEEKLY), LADDER)
    assert decision == (
        Move(S.COURT_APPLICATION, "14_days_after_court_warning_notice_live")
        if live
        else Move(S.LETTER_2, "notice_of_seeking_possession_expired")
    )


@pytest.mark.parametrize(
    ("protocol", "missing"),
    [
        (PreActionProtocol(), "tenant_contacted"),
        (PreActionProtocol(True), "arrangement_offered"),
        (PreActionProtocol(True, True), "statements_given"),
        (PreActionProtocol(True, True, True), "benefit_issues_pursued"),
        (PreActionProtocol(True, True, True, True, True, True), "no_benefit_claim_pending"),
        (PreActionProtocol(True, True, True, True, False, False), "vulnerability_considered"),
    ],
)
def test_a_court_step_waits_for_the_pre_action_protocol_and_names_what_is_missing(
    protocol: PreActionProtocol, missing: str
) -> None:
    case = CaseState(S.NOTICE_OF_SEEKING_POSSESSION, nosp_served_at=days_ago(30), protocol=protocol)
    assert next_step(case, situation(4 * WEEKLY), LADDER) == Blocked(S.COURT_WARNING, missing)


def test_a_new_tenancy_missing_a_payment_gets_personal_contact_not_a_letter() -> None:
    new = situation(2_000, tenancy_started_on=NOW.date() - timedelta(weeks=5))
    assert isinstance(next_step(CaseState(S.NONE), new, LADDER), PersonalContact)
    asked = CaseState(S.NONE, personal_contact_needed=True)
    assert isinstance(next_step(asked, new, LADDER), Stay)
    contacted = CaseState(S.NONE, protocol=PreActionProtocol(tenant_contacted=True))
    assert next_step(contacted, new, LADDER) == Stay("tenant_contacted_in_first_weeks")
    last_watched_day = situation(2_000, tenancy_started_on=NOW.date() - timedelta(days=41))
    assert isinstance(next_step(CaseState(S.NONE), last_watched_day, LADDER), PersonalContact)
    after_watch = situation(2_000, tenancy_started_on=NOW.date() - timedelta(weeks=6))
    assert next_step(CaseState(S.NONE), after_watch, LADDER) == Move(
        S.LETTER_1, "arrears_at_least_1000_pence"
    )


def test_a_vulnerability_flag_pauses_automatic_letters_for_review() -> None:
    flagged = situation(1_000, vulnerability_unreviewed=True)
    assert isinstance(next_step(CaseState(S.TEXT_REMINDER), flagged, LADDER), PausedForReview)
    paused = CaseState(S.TEXT_REMINDER, paused_for_review=True)
    assert isinstance(next_step(paused, flagged, LADDER), Stay)
    assert isinstance(next_step(paused, situation(1_000), LADDER), Move)


def test_a_kept_arrangement_holds_recovery_and_a_broken_one_resumes_at_the_next_step() -> None:
    case = CaseState(S.LETTER_1, letter_1_at=days_ago(3))
    assert next_step(case, situation(5_000, arrangement_kept=True), LADDER) == Stay(
        "arrangement_kept"
    )
    broken = CaseState(S.LETTER_1, letter_1_at=days_ago(14), resume_at_next_step=True)
    assert next_step(broken, situation(5_000), LADDER) == Move(
        S.LETTER_2, "arrangement_broken_resumed_at_next_step"
    )


@pytest.mark.parametrize(("arrears", "stage"), [(499, S.NONE), (500, None)])
def test_arrears_cleared_below_the_first_threshold_leave_recovery(
    arrears: int, stage: S | None
) -> None:
    case = CaseState(S.LETTER_2, letter_2_at=days_ago(1))
    decision = next_step(case, situation(arrears), LADDER)
    assert (decision.stage if isinstance(decision, Move) else None) == stage


@given(
    arrears=st.integers(0, 10**7),
    stage=st.sampled_from(list(S)),
    days=st.integers(0, 800),
)
def test_a_court_step_is_never_taken_without_the_protocol(
    arrears: int, stage: S, days: int
) -> None:
    case = CaseState(
        stage,
        letter_1_at=days_ago(days),
        letter_2_at=days_ago(days),
        nosp_served_at=days_ago(days),
        court_warning_at=days_ago(days),
    )
    decision = next_step(case, situation(arrears), LADDER)
    if isinstance(decision, Move):
        assert decision.stage not in (S.COURT_WARNING, S.COURT_APPLICATION)
        assert len(decision.reason) <= 200


RESUMED = "arrangement_broken_resumed_at_next_step"


def test_a_broken_arrangement_does_not_serve_a_notice_below_4_weeks_of_rent() -> None:
    # Letter 2 a week ago, 1 week of rent owed: the notice needs 4 weeks, whatever the timing.
    case = CaseState(S.LETTER_2, letter_2_at=days_ago(7), resume_at_next_step=True)
    assert next_step(case, situation(WEEKLY), LADDER) == Stay("notice_not_yet_due")
    assert next_step(case, situation(4 * WEEKLY - 1), LADDER) == Stay("notice_not_yet_due")
    assert next_step(case, situation(4 * WEEKLY), LADDER) == Move(
        S.NOTICE_OF_SEEKING_POSSESSION, RESUMED
    )


@pytest.mark.parametrize(("days", "moves"), [(1, False), (13, False), (14, True)])
def test_a_broken_arrangement_still_waits_2_weeks_after_the_court_warning(
    days: int, moves: bool
) -> None:
    case = CaseState(
        S.COURT_WARNING,
        nosp_served_at=days_ago(60),
        court_warning_at=days_ago(days),
        resume_at_next_step=True,
        protocol=MET,
    )
    decision = next_step(case, situation(4 * WEEKLY), LADDER)
    assert isinstance(decision, Move) is moves
    if moves:
        assert decision == Move(S.COURT_APPLICATION, RESUMED)


@pytest.mark.parametrize("stage", [S.NOTICE_OF_SEEKING_POSSESSION, S.COURT_WARNING])
def test_a_broken_arrangement_with_an_expired_notice_goes_back_to_letter_2(stage: S) -> None:
    case = CaseState(
        stage,
        nosp_served_at=days_ago(400),
        court_warning_at=days_ago(1) if stage is S.COURT_WARNING else None,
        resume_at_next_step=True,
        protocol=MET,
    )
    assert next_step(case, situation(4 * WEEKLY), LADDER) == Move(
        S.LETTER_2, "notice_of_seeking_possession_expired"
    )


def test_a_broken_arrangement_takes_the_court_warning_at_once_while_the_notice_is_live() -> None:
    case = CaseState(
        S.NOTICE_OF_SEEKING_POSSESSION,
        nosp_served_at=days_ago(3),
        resume_at_next_step=True,
        protocol=MET,
    )
    assert next_step(case, situation(4 * WEEKLY), LADDER) == Move(S.COURT_WARNING, RESUMED)
    assert next_step(case, situation(4 * WEEKLY - 1), LADDER) == Stay("court_warning_not_yet_due")


@pytest.mark.parametrize("days", [364, 365, 400, 800])
def test_a_case_at_court_application_stays_there_when_its_notice_reaches_12_months(
    days: int,
) -> None:
    case = CaseState(
        S.COURT_APPLICATION,
        nosp_served_at=days_ago(days),
        court_warning_at=days_ago(days - 40),
        resume_at_next_step=True,
        protocol=MET,
    )
    assert next_step(case, situation(4 * WEEKLY), LADDER) == Stay("at_the_last_step")


@pytest.mark.parametrize(
    ("stage", "marker"),
    [(S.LETTER_1, "letter_1_at"), (S.LETTER_2, "letter_2_at")],
)
@pytest.mark.parametrize(("arrears", "sent"), [(999, False), (1_000, True)])
def test_an_out_of_date_letter_is_sent_again_only_while_arrears_reach_its_threshold(
    stage: S, marker: str, arrears: int, sent: bool
) -> None:
    # 93 days before 10 June is 9 March: more than 3 months.
    case = CaseState(stage, **{marker: days_ago(93)})
    decision = next_step(case, situation(arrears), LADDER)
    assert (decision == Move(stage, f"{stage.value}_out_of_date_sent_again")) is sent
    if not sent:
        assert isinstance(decision, Stay)


@pytest.mark.parametrize(("arrears", "sent"), [(999, False), (1_000, True)])
def test_an_expired_notice_sends_letter_2_again_only_while_arrears_reach_its_threshold(
    arrears: int, sent: bool
) -> None:
    case = CaseState(S.NOTICE_OF_SEEKING_POSSESSION, nosp_served_at=days_ago(365))
    decision = next_step(case, situation(arrears), LADDER)
    assert (decision == Move(S.LETTER_2, "notice_of_seeking_possession_expired")) is sent
    if not sent:
        assert isinstance(decision, Stay)


@pytest.mark.parametrize(("days", "live"), [(0, True), (364, True), (365, False)])
def test_the_notice_is_live_up_to_and_including_its_last_live_day(days: int, live: bool) -> None:
    served = days_ago(days)
    case = CaseState(S.NOTICE_OF_SEEKING_POSSESSION, nosp_served_at=served)
    assert nosp_live(case, NOW, LADDER) is live
    assert (nosp_live_until(served, LADDER) >= NOW.date()) is live


def test_personal_contact_is_no_longer_needed_once_the_arrears_are_paid() -> None:
    asked = CaseState(S.NONE, personal_contact_needed=True)
    new = NOW.date() - timedelta(weeks=2)
    assert next_step(asked, situation(499, tenancy_started_on=new), LADDER) == (
        PersonalContactCleared("arrears_cleared")
    )
    assert next_step(CaseState(S.NONE), situation(0), LADDER) == Stay("no_arrears")


@given(
    arrears=st.integers(0, 10**6),
    stage=st.sampled_from(list(S)),
    days=st.integers(0, 800),
    warning_days=st.integers(0, 800),
)
def test_a_broken_arrangement_never_skips_a_threshold_a_live_notice_or_the_2_weeks(
    arrears: int, stage: S, days: int, warning_days: int
) -> None:
    case = CaseState(
        stage,
        letter_1_at=days_ago(days),
        letter_2_at=days_ago(days),
        nosp_served_at=days_ago(days),
        court_warning_at=days_ago(warning_days),
        resume_at_next_step=True,
        protocol=MET,
    )
    decision = next_step(case, situation(arrears), LADDER)
    if stage is S.COURT_APPLICATION:
        assert not isinstance(decision, Move) or decision.stage is S.NONE
    if isinstance(decision, Move):
        assert arrears >= threshold_of(decision.stage, LADDER, WEEKLY)
        if decision.stage in (S.COURT_WARNING, S.COURT_APPLICATION):
            assert nosp_live(case, NOW, LADDER)
        if decision.stage is S.COURT_APPLICATION:
            assert warning_days >= LADDER.court_application_after_days


@given(
    needed=st.none() | st.integers(-1000, 1000),
    contacted=st.none() | st.integers(-1000, 1000),
)
def test_a_contact_closes_the_task_only_when_made_at_or_after_it_was_asked_for(
    needed: int | None, contacted: int | None
) -> None:
    needed_at = None if needed is None else NOW + timedelta(minutes=needed)
    contacted_at = None if contacted is None else NOW + timedelta(minutes=contacted)
    after = contact_task_after(needed_at, contacted_at)
    if needed is not None and contacted is not None and contacted >= needed:
        assert after is None
    else:
        assert after == needed_at


WARNING_REASON = "arrears_at_least_4_weeks_gross_rent_28_days_after_notice"


@pytest.mark.parametrize("stage", [S.NONE, S.TEXT_REMINDER])
def test_no_letter_1_while_a_notice_is_live(stage: S) -> None:
    """Letter 1 is sent when no notice is in place (DOMAIN.md). A case whose arrears
    were cleared after its notice was served, and owed again while the notice is live,
    goes on by the notice (the court warning, 28 days after it, at 4 weeks of rent,
    under the protocol) and never back to letter 1, letter 2 and a second notice."""
    # Short of the court warning: a text reminder from none, then nothing more.
    quiet = (
        Move(S.TEXT_REMINDER, "arrears_at_least_500_pence")
        if stage is S.NONE
        else Stay("notice_live_no_letter_1")
    )
    live = CaseState(stage, nosp_served_at=days_ago(40), protocol=MET)
    assert next_step(live, situation(1_000), LADDER) == quiet
    assert next_step(live, situation(4 * WEEKLY - 1), LADDER) == quiet
    assert next_step(live, situation(4 * WEEKLY), LADDER) == Move(S.COURT_WARNING, WARNING_REASON)
    unmet = dataclasses.replace(live, protocol=PreActionProtocol())
    assert next_step(unmet, situation(4 * WEEKLY), LADDER) == Blocked(
        S.COURT_WARNING, "tenant_contacted"
    )
    young = dataclasses.replace(live, nosp_served_at=days_ago(27))
    assert next_step(young, situation(4 * WEEKLY), LADDER) == quiet
    # A broken arrangement's next step: a text from none, never letter 1.
    resumed = dataclasses.replace(live, resume_at_next_step=True)
    assert next_step(resumed, situation(1_000), LADDER) == (
        Move(S.TEXT_REMINDER, RESUMED) if stage is S.NONE else Stay("notice_live_no_letter_1")
    )
    expired = dataclasses.replace(live, nosp_served_at=days_ago(365))
    assert next_step(expired, situation(1_000), LADDER) == Move(
        S.LETTER_1, "arrears_at_least_1000_pence"
    )


def test_a_text_reminder_is_still_sent_while_a_notice_is_live() -> None:
    live = CaseState(S.NONE, nosp_served_at=days_ago(40))
    assert next_step(live, situation(500), LADDER) == Move(
        S.TEXT_REMINDER, "arrears_at_least_500_pence"
    )


def test_a_broken_arrangement_at_none_never_sends_less_than_the_ladder_would() -> None:
    """From none the next rung is the text reminder, but the ladder itself calls for
    letter 1 at 10 pounds, or for the court warning under a live notice 28 days on at 4
    weeks of rent: a broken arrangement brings steps forward, so it takes those (was: a
    text reminder where the letter or the warning was due)."""
    resumed = CaseState(S.NONE, resume_at_next_step=True, protocol=MET)
    assert next_step(resumed, situation(1_000), LADDER) == Move(
        S.LETTER_1, "arrears_at_least_1000_pence"
    )
    assert next_step(resumed, situation(999), LADDER) == Move(S.TEXT_REMINDER, RESUMED)
    live = dataclasses.replace(resumed, nosp_served_at=days_ago(40))
    assert next_step(live, situation(4 * WEEKLY), LADDER) == Move(S.COURT_WARNING, WARNING_REASON)


@given(
    arrears=st.integers(0, 10**6),
    stage=st.sampled_from(list(S)),
    days=st.integers(0, 800),
    notice_days=st.none() | st.integers(0, 800),
    warning_days=st.integers(0, 800),
)
def test_a_broken_arrangement_never_takes_a_lower_step_than_the_ladder_without_it(
    arrears: int, stage: S, days: int, notice_days: int | None, warning_days: int
) -> None:
    case = CaseState(
        stage,
        letter_1_at=days_ago(days),
        letter_2_at=days_ago(days),
        nosp_served_at=None if notice_days is None else days_ago(notice_days),
        court_warning_at=days_ago(warning_days),
        protocol=MET,
    )
    ordinary = next_step(case, situation(arrears), LADDER)
    resumed = next_step(
        dataclasses.replace(case, resume_at_next_step=True), situation(arrears), LADDER
    )
    if isinstance(ordinary, Move):
        assert isinstance(resumed, Move)
        assert LADDER_STEPS.index(resumed.stage) >= LADDER_STEPS.index(ordinary.stage)


def held_since(days: int) -> tuple[tuple[date, date], ...]:
    """An arrangement made the day after a letter sent `days` ago, broken today."""
    return ((NOW.date() - timedelta(days=days - 1), NOW.date()),)


@pytest.mark.parametrize(("days", "moves"), [(1, False), (13, False), (14, True), (120, True)])
def test_a_broken_arrangement_sends_letter_2_no_sooner_than_14_days_after_letter_1(
    days: int, moves: bool
) -> None:
    """A break never shortens letter 2's 14 days: letter 1 sent, an arrangement made the
    next day and broken days later, letter 2 waits the 14 days DOMAIN.md gives after
    letter 1 (ADR 0201; was: letter 2 at once). Broken 120 days on, at once: the
    arrangement held the ladder all but a day of them (ADR 0219)."""
    case = CaseState(S.LETTER_1, letter_1_at=days_ago(days), resume_at_next_step=True)
    decision = next_step(case, situation(5_000, held_by_arrangements=held_since(days)), LADDER)
    assert decision == (Move(S.LETTER_2, RESUMED) if moves else Stay("letter_2_not_yet_due"))


@pytest.mark.parametrize(("days", "moves"), [(4, False), (6, False), (7, True), (120, True)])
def test_a_broken_arrangement_serves_the_notice_no_sooner_than_a_week_after_letter_2(
    days: int, moves: bool
) -> None:
    """The review's case: letter 2 sent, an arrangement made the next day and broken
    three days later, the notice waits until letter 2 went a week earlier (ADR 0201;
    was: the notice at once, 4 days after letter 2). Broken 120 days on, at once: the
    arrangement held the ladder all but a day of them (ADR 0219)."""
    case = CaseState(
        S.LETTER_2,
        letter_1_at=days_ago(days + 14),
        letter_2_at=days_ago(days),
        resume_at_next_step=True,
    )
    decision = next_step(case, situation(4 * WEEKLY, held_by_arrangements=held_since(days)), LADDER)
    expected = Move(S.NOTICE_OF_SEEKING_POSSESSION, RESUMED)
    assert decision == (expected if moves else Stay("notice_not_yet_due"))


def test_a_broken_arrangement_still_waits_for_a_vulnerability_review_after_the_gap() -> None:
    """The gap passed, the other conditions apply as before: a vulnerability recorded
    and not reviewed pauses the resumed step."""
    case = CaseState(S.LETTER_2, letter_2_at=days_ago(7), resume_at_next_step=True)
    decision = next_step(case, situation(4 * WEEKLY, vulnerability_unreviewed=True), LADDER)
    assert decision == PausedForReview(
        S.NOTICE_OF_SEEKING_POSSESSION, "vulnerability_recorded_paused_for_review"
    )


MINIMUM_GAP_BEFORE = {
    S.LETTER_2: ("letter_1_at", LADDER.letter_2_after_days),
    S.NOTICE_OF_SEEKING_POSSESSION: ("letter_2_at", LADDER.nosp_after_days),
    S.COURT_APPLICATION: ("court_warning_at", LADDER.court_application_after_days),
}
"""DOMAIN.md's least time between a step and the one before it: letter 2 14 days after
letter 1, the notice a week after letter 2, the court application 2 weeks after the
warning."""


DAYS = st.integers(0, 30) | st.integers(31, 400)
"""Days since a step: as often within a month (where the minimum gaps lie) as later."""
ARREARS = st.sampled_from([499, 500, 999, 1_000, 4 * WEEKLY - 1, 4 * WEEKLY, 10 * WEEKLY]) | (
    st.integers(0, 10**6)
)
"""Arrears: often at a threshold's edge (letters at 1,000 pence, the notice and court at 4
weeks of rent), else anything."""


@given(
    arrears=ARREARS,
    stage=st.sampled_from([S.LETTER_1, S.LETTER_2, S.COURT_WARNING]),
    letter_1_days=DAYS,
    letter_2_days=DAYS,
    notice_days=st.none() | DAYS,
    warning_days=DAYS,
)
def test_a_broken_arrangement_never_takes_a_step_before_its_minimum_gap(
    arrears: int,
    stage: S,
    letter_1_days: int,
    letter_2_days: int,
    notice_days: int | None,
    warning_days: int,
) -> None:
    """For any arrears and dates, a broken arrangement's move to letter 2, the notice or
    the court application comes no sooner after the step before than DOMAIN.md allows
    (ADR 0201; failed before: the step at once). The stages these are next from: the
    other steps have no minimum gap, and a resumed move is always to the next step."""
    case = CaseState(
        stage,
        letter_1_at=days_ago(letter_1_days),
        letter_2_at=days_ago(letter_2_days),
        nosp_served_at=None if notice_days is None else days_ago(notice_days),
        court_warning_at=days_ago(warning_days),
        resume_at_next_step=True,
        protocol=MET,
    )
    decision = next_step(case, situation(arrears), LADDER)
    gap = MINIMUM_GAP_BEFORE.get(decision.stage) if isinstance(decision, Move) else None
    if isinstance(decision, Move) and decision.reason == RESUMED and gap is not None:
        marker, days = gap
        assert NOW - getattr(case, marker) >= timedelta(days=days)
