"""The court application never goes before the notice of seeking possession allows
proceedings (ADR 0202): the notice names a date at least the tenancy type's notice
period after it was served, and proceedings begin only after that date. The ladder's
own days (court warning 28 days after the notice, application 14 after the warning)
wait longer by default; a landlord's shorter ones, or a broken arrangement bringing the
warning forward, did not."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from hearth_contracts.events.income import ArrearsStage as S
from hearth_contracts.events.income import TenancyType
from hearth_kit.working_days import london_day
from income.arrears.rules import (
    NOTICE_PERIOD_NOT_ENDED,
    CaseState,
    Move,
    PreActionProtocol,
    Situation,
    Stay,
    earliest_proceedings_on,
    next_step,
)
from income.settings import ArrearsLadder, IncomeSettings, LandlordKind

NOW = datetime(2026, 6, 10, 12, tzinfo=UTC)
WEEKLY = 10_000
MET = PreActionProtocol(True, True, True, True, False, True)
RESUMED = "arrangement_broken_resumed_at_next_step"
DEFAULT = ArrearsLadder()
SHORT = ArrearsLadder(court_warning_after_days=0, court_application_after_days=14)
"""A landlord's shorter ladder: the court warning as soon as the notice is served."""


def days_ago(days: int) -> datetime:
    return NOW - timedelta(days=days)


def situation(tenancy_type: TenancyType | None = None) -> Situation:
    return Situation(
        arrears_pence=6 * WEEKLY,
        weekly_gross_rent_pence=WEEKLY,
        now=NOW,
        tenancy_started_on=date(2020, 4, 6),
        tenancy_type=tenancy_type,
    )


def at_the_warning(served_days_ago: int, *, broken: bool = False) -> CaseState:
    """A case at the court warning, sent 14 days ago (its own gap waited)."""
    return CaseState(
        S.COURT_WARNING,
        letter_1_at=days_ago(120),
        letter_2_at=days_ago(100),
        nosp_served_at=days_ago(served_days_ago),
        court_warning_at=days_ago(14),
        resume_at_next_step=broken,
        protocol=MET,
    )


@pytest.mark.parametrize(("served", "moves"), [(14, False), (28, False), (29, True)])
def test_a_shorter_ladder_makes_no_court_application_before_the_notice_allows(
    served: int, moves: bool
) -> None:
    """The warning on the notice's day, the application 14 days later: 14 days after
    the notice, where a secure tenancy's notice names a date at least 28 days on (was:
    the application then). Proceedings begin after that date: on the 29th day."""
    decision = next_step(at_the_warning(served), situation(TenancyType.SECURE), SHORT)
    if moves:
        assert decision == Move(S.COURT_APPLICATION, "14_days_after_court_warning_notice_live")
    else:
        assert decision == Stay(NOTICE_PERIOD_NOT_ENDED)


@pytest.mark.parametrize(("served", "moves"), [(2, False), (16, False), (28, False), (29, True)])
def test_a_broken_arrangement_at_the_notice_makes_no_court_application_before_it_allows(
    served: int, moves: bool
) -> None:
    """The review's case, with the default ladder: an arrangement broken days after the
    notice brings the warning forward (ADR 0201), and the application came 14 days
    after it, about 16 days after the notice (was: the application then)."""
    decision = next_step(at_the_warning(served, broken=True), situation(), DEFAULT)
    assert decision == (
        Move(S.COURT_APPLICATION, RESUMED) if moves else Stay(NOTICE_PERIOD_NOT_ENDED)
    )


def test_a_broken_arrangement_at_the_notice_still_takes_the_warning_at_once() -> None:
    case = CaseState(
        S.NOTICE_OF_SEEKING_POSSESSION,
        letter_2_at=days_ago(30),
        nosp_served_at=days_ago(2),
        resume_at_next_step=True,
        protocol=MET,
    )
    assert next_step(case, situation(), DEFAULT) == Move(S.COURT_WARNING, RESUMED)


@pytest.mark.parametrize(
    ("tenancy_type", "served", "moves"),
    [
        (TenancyType.ASSURED, 35, False),
        (TenancyType.ASSURED, 36, True),
        (TenancyType.STARTER, 36, True),
        (TenancyType.SECURE, 28, False),
        (TenancyType.SECURE, 29, True),
        (TenancyType.INTRODUCTORY, 28, False),
        (TenancyType.INTRODUCTORY, 29, True),
        (None, 29, False),
        (None, 36, True),
    ],
)
def test_the_notice_period_is_the_tenancy_types(
    tenancy_type: TenancyType | None, served: int, moves: bool
) -> None:
    """An association configured to 35 days for assured and starter tenancies applies
    later on those, not on a secure one (28 by default); a type not known takes the
    longest."""
    ladder = SHORT.model_copy(
        update={
            "notice_period_days": ArrearsLadder(
                notice_period_days={TenancyType.ASSURED: 35, TenancyType.STARTER: 35}
            ).notice_period_days
        }
    )
    decision = next_step(at_the_warning(served), situation(tenancy_type), ladder)
    assert isinstance(decision, Move) is moves


def test_the_notice_period_defaults_to_28_days_for_every_type() -> None:
    assert DEFAULT.notice_period_days == dict.fromkeys(TenancyType, 28)
    partial = ArrearsLadder(notice_period_days={TenancyType.ASSURED: 35})
    assert partial.notice_period_days[TenancyType.ASSURED] == 35
    assert partial.notice_period_days[TenancyType.SECURE] == 28


@pytest.mark.parametrize(
    ("tenancy_type", "days"),
    [
        (TenancyType.SECURE, 27),
        (TenancyType.INTRODUCTORY, 27),
        (TenancyType.ASSURED, 27),
        (TenancyType.STARTER, 27),
        (TenancyType.FIXED_TERM, 27),
    ],
)
def test_a_notice_period_below_the_laws_least_is_refused_at_start_up(
    tenancy_type: TenancyType, days: int
) -> None:
    with pytest.raises(
        ValidationError, match=rf"notice_period_days\.{tenancy_type} is at least 28"
    ):
        ArrearsLadder(notice_period_days={tenancy_type: days})


@pytest.mark.parametrize(
    "tenancy_type", [TenancyType.ASSURED, TenancyType.STARTER, TenancyType.FIXED_TERM]
)
@pytest.mark.parametrize("kind", list(LandlordKind))
def test_the_old_two_weeks_on_an_assured_notice_is_refused_at_start_up(
    tenancy_type: TenancyType, kind: LandlordKind
) -> None:
    """The Renters' Rights Act 2025 made an assured (and starter, and an association's
    fixed-term) tenancy's notice on the rent arrears grounds 4 weeks from 1 May 2026
    (was: 14 days accepted for those types, 2 weeks under Housing Act 1988 s.8). A
    council's fixed-term tenancy, flexible and secure, was 28 already; both kinds are
    now refused by the one floor, naming the type and the Act."""
    with pytest.raises(
        ValidationError,
        match=rf"notice_period_days\.{tenancy_type} is at least 28 days .*Renters' Rights Act 2025",
    ):
        IncomeSettings(landlord_kind=kind, ladder={"notice_period_days": {tenancy_type: 14}})


@pytest.mark.parametrize("days", [28, 35, 363])
@pytest.mark.parametrize("kind", list(LandlordKind))
def test_a_notice_period_of_28_days_or_longer_is_accepted_for_every_type(
    days: int, kind: LandlordKind
) -> None:
    ladder = ArrearsLadder(notice_period_days=dict.fromkeys(TenancyType, days))
    settings = IncomeSettings(landlord_kind=kind, ladder=ladder)
    assert settings.ladder.notice_period_days == dict.fromkeys(TenancyType, days)


def test_a_notice_period_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HEARTH_INCOME_LADDER__NOTICE_PERIOD_DAYS", '{"assured": 35}')
    periods = IncomeSettings().ladder.notice_period_days
    assert periods[TenancyType.ASSURED] == 35
    assert periods[TenancyType.SECURE] == 28


def test_the_old_two_weeks_from_the_environment_stops_start_up(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A deployment still configured with the 2 weeks allowed before 1 May 2026 does not
    start (was: started, applying to court on assured notices 14 days early)."""
    monkeypatch.setenv("HEARTH_INCOME_LADDER__NOTICE_PERIOD_DAYS", '{"assured": 14}')
    with pytest.raises(ValidationError, match=r"assured is at least 28 days"):
        IncomeSettings()


@given(
    warning_after=st.integers(0, 40),
    application_after=st.integers(0, 20),
    served=st.integers(0, 80),
    warned=st.integers(0, 60),
    broken=st.booleans(),
    tenancy_type=st.none() | st.sampled_from(list(TenancyType)),
    periods=st.fixed_dictionaries({t: st.integers(28, 70) for t in TenancyType}),
)
def test_no_court_application_is_made_before_the_notice_allows_proceedings(
    warning_after: int,
    application_after: int,
    served: int,
    warned: int,
    broken: bool,
    tenancy_type: TenancyType | None,
    periods: dict[TenancyType, int],
) -> None:
    """Whatever the landlord's days, the dates and a break, a move to the court
    application is on or after the notice's earliest proceedings day (failed before
    for short ladders and breaks). Every type's period is one the law allows: 28 days
    or longer, as the type's own (ADR 0202)."""
    ladder = ArrearsLadder(
        court_warning_after_days=warning_after,
        court_application_after_days=application_after,
        notice_period_days=periods,
    )
    case = CaseState(
        S.COURT_WARNING,
        nosp_served_at=days_ago(served),
        court_warning_at=days_ago(min(warned, served)),
        resume_at_next_step=broken,
        protocol=MET,
    )
    decision = next_step(case, situation(tenancy_type), ladder)
    if isinstance(decision, Move) and decision.stage is S.COURT_APPLICATION:
        assert case.nosp_served_at is not None
        assert london_day(NOW) >= earliest_proceedings_on(case.nosp_served_at, ladder, tenancy_type)
        assert london_day(NOW) > london_day(case.nosp_served_at) + timedelta(
            days=ladder.notice_period_of(tenancy_type)
        )


def test_an_empty_notice_period_setting_keeps_28_days_for_every_type(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A deployment template leaving the setting empty starts the service with the
    default (was: start-up refused, the empty value not a JSON object)."""
    monkeypatch.setenv("HEARTH_INCOME_LADDER__NOTICE_PERIOD_DAYS", "")
    assert IncomeSettings().ladder.notice_period_days == dict.fromkeys(TenancyType, 28)


def test_a_notice_period_ending_after_the_notice_is_live_is_refused_at_start_up() -> None:
    """The application goes the day after the period and needs a live notice (12
    months counting the day served, 365 days at the fewest): 363 days leaves the
    notice's last live day, 364 leaves none, so no court application would ever be
    due (was: accepted, every case going round the notice and warning for ever)."""
    ArrearsLadder(notice_period_days={TenancyType.SECURE: 363})
    with pytest.raises(ValidationError, match=r"notice_period_days\.secure is at most 363"):
        ArrearsLadder(notice_period_days={TenancyType.SECURE: 364})
    with pytest.raises(ValidationError, match=r"notice_period_days\.assured is at most 87"):
        ArrearsLadder(nosp_live_months=3, notice_period_days={TenancyType.ASSURED: 88})


def test_the_longest_notice_period_allowed_still_reaches_the_court_application() -> None:
    """On the notice's last live day, a 363-day period allows the application: served
    10 January 2027, live to 9 January 2028 (365 days), proceedings from 9 January."""
    ladder = ArrearsLadder(notice_period_days=dict.fromkeys(TenancyType, 363))
    served = datetime(2027, 1, 10, 12, tzinfo=UTC)
    last_live = datetime(2028, 1, 9, 12, tzinfo=UTC)
    case = CaseState(
        S.COURT_WARNING,
        nosp_served_at=served,
        court_warning_at=last_live - timedelta(days=20),
        protocol=MET,
    )
    s = Situation(
        arrears_pence=6 * WEEKLY,
        weekly_gross_rent_pence=WEEKLY,
        now=last_live,
        tenancy_started_on=date(2020, 4, 6),
        tenancy_type=TenancyType.SECURE,
    )
    assert earliest_proceedings_on(served, ladder, TenancyType.SECURE) == london_day(last_live)
    assert isinstance(next_step(case, s, ladder), Move)
