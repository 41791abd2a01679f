"""The visit programme's risk score: explainable, additive, never lowered by more risk."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from hearth_contracts.events.compliance import GasSupply
from hearth_contracts.events.engagement import AgeBand
from hearth_contracts.events.income import ArrearsStage, TenancyType
from hearth_contracts.events.visits import VisitKind
from visits.programme.rules import (
    ContactFrequency,
    Factor,
    HomeRiskFactors,
    Reason,
    VisitHistory,
    configuration_fingerprint,
    is_new_tenancy,
    next_visit,
    no_annual_gas_visit,
    officer_visit_open,
    rescore_on,
    visit_priority,
    with_officer_visit,
)
from visits.settings import RiskWeights, VisitIntervals, VisitsSettings

LADDER = list(ArrearsStage)
DEFAULTS = RiskWeights()

points = st.integers(min_value=0, max_value=100)
counted = st.integers(min_value=1, max_value=6)

weights_strategy = st.builds(
    RiskWeights,
    contact_very_low=points,
    contact_very_high=points,
    per_vulnerability=points,
    vulnerabilities_counted=counted,
    living_alone=points,
    per_customer_action_outstanding=points,
    customer_actions_counted=counted,
    no_annual_gas_visit=points,
    new_or_introductory_tenancy=points,
    arrears_stage=st.lists(points, min_size=len(LADDER) - 1, max_size=len(LADDER) - 1).map(
        lambda values: dict(zip(LADDER, [0, *sorted(values)], strict=True))
    ),
    damp_history=points,
    per_no_access=points,
    no_access_counted=counted,
    officer_visit_for_check_access=points,
)

factors_strategy = st.builds(
    HomeRiskFactors,
    contact_frequency=st.sampled_from(ContactFrequency),
    vulnerabilities_declared=st.integers(min_value=0, max_value=10),
    living_alone=st.booleans(),
    customer_actions_outstanding=st.integers(min_value=0, max_value=10),
    no_annual_gas_visit=st.booleans(),
    new_or_introductory_tenancy=st.booleans(),
    arrears_stage=st.sampled_from(ArrearsStage),
    damp_history=st.booleans(),
    no_access_visits=st.integers(min_value=0, max_value=10),
    officer_visit_for_check_access=st.booleans(),
)


def with_one_more(factors: HomeRiskFactors, factor: Factor) -> HomeRiskFactors:
    """The same home with one more risk factor (or one more of a counted factor)."""
    more: dict[Factor, dict[str, object]] = {
        Factor.CONTACT_VERY_LOW: {"contact_frequency": ContactFrequency.VERY_LOW},
        Factor.CONTACT_VERY_HIGH: {"contact_frequency": ContactFrequency.VERY_HIGH},
        Factor.VULNERABILITIES: {"vulnerabilities_declared": factors.vulnerabilities_declared + 1},
        Factor.LIVING_ALONE: {"living_alone": True},
        Factor.CUSTOMER_ACTIONS_OUTSTANDING: {
            "customer_actions_outstanding": factors.customer_actions_outstanding + 1
        },
        Factor.NO_ANNUAL_GAS_VISIT: {"no_annual_gas_visit": True},
        Factor.NEW_OR_INTRODUCTORY_TENANCY: {"new_or_introductory_tenancy": True},
        Factor.ARREARS: {
            "arrears_stage": LADDER[min(LADDER.index(factors.arrears_stage) + 1, len(LADDER) - 1)]
        },
        Factor.DAMP_HISTORY: {"damp_history": True},
        Factor.NO_ACCESS_HISTORY: {"no_access_visits": factors.no_access_visits + 1},
        Factor.BEYOND_INTERVAL: {"beyond_interval": True},
        Factor.AGE_BAND: {"age_band": factors.age_band or AgeBand.AGED_85_AND_OVER},
        Factor.OFFICER_VISIT_FOR_CHECK_ACCESS: {"officer_visit_for_check_access": True},
    }
    return factors.model_copy(update=more[factor])


def test_a_home_with_no_risk_factors_scores_zero_with_no_reasons() -> None:
    score = visit_priority(HomeRiskFactors(), DEFAULTS)
    assert (score.score, score.reasons) == (0, [])


def test_each_present_factor_is_a_reason_with_its_weight() -> None:
    factors = HomeRiskFactors(
        living_alone=True, no_annual_gas_visit=True, arrears_stage=ArrearsStage.LETTER_2
    )
    score = visit_priority(factors, DEFAULTS)
    assert score.reasons == [
        Reason(factor=Factor.LIVING_ALONE, points=15),
        Reason(factor=Factor.NO_ANNUAL_GAS_VISIT, points=15),
        Reason(factor=Factor.ARREARS, points=15),
    ]
    assert score.score == 45


def test_counted_factors_score_per_item_up_to_their_cap() -> None:
    factors = HomeRiskFactors(vulnerabilities_declared=10, no_access_visits=2)
    reasons = {r.factor: r.points for r in visit_priority(factors, DEFAULTS).reasons}
    assert reasons == {Factor.VULNERABILITIES: 3 * 10, Factor.NO_ACCESS_HISTORY: 2 * 10}


def test_very_low_and_very_high_contact_both_raise_the_score() -> None:
    low = visit_priority(HomeRiskFactors(contact_frequency=ContactFrequency.VERY_LOW), DEFAULTS)
    high = visit_priority(HomeRiskFactors(contact_frequency=ContactFrequency.VERY_HIGH), DEFAULTS)
    assert low.reasons == [Reason(factor=Factor.CONTACT_VERY_LOW, points=15)]
    assert high.reasons == [Reason(factor=Factor.CONTACT_VERY_HIGH, points=10)]


def test_a_factor_weighted_zero_is_not_a_reason() -> None:
    weights = RiskWeights(living_alone=0)
    assert visit_priority(HomeRiskFactors(living_alone=True), weights).reasons == []


@given(factors=factors_strategy, weights=weights_strategy)
def test_the_score_is_the_sum_of_its_reasons_points(
    factors: HomeRiskFactors, weights: RiskWeights
) -> None:
    score = visit_priority(factors, weights)
    assert score.score == sum(r.points for r in score.reasons)
    assert all(r.points > 0 for r in score.reasons)
    assert len({r.factor for r in score.reasons}) == len(score.reasons)


@given(factors=factors_strategy, weights=weights_strategy, factor=st.sampled_from(Factor))
def test_adding_a_risk_factor_never_lowers_the_score(
    factors: HomeRiskFactors, weights: RiskWeights, factor: Factor
) -> None:
    if factor in {Factor.CONTACT_VERY_LOW, Factor.CONTACT_VERY_HIGH}:
        factors = factors.model_copy(update={"contact_frequency": ContactFrequency.USUAL})
    before = visit_priority(factors, weights).score
    assert visit_priority(with_one_more(factors, factor), weights).score >= before


@given(weights=weights_strategy)
def test_zero_factors_score_zero_whatever_the_weights(weights: RiskWeights) -> None:
    assert visit_priority(HomeRiskFactors(), weights) == visit_priority(HomeRiskFactors(), DEFAULTS)
    assert visit_priority(HomeRiskFactors(), weights).score == 0


def test_weights_cannot_be_negative() -> None:
    with pytest.raises(ValidationError):
        RiskWeights(living_alone=-5)


def test_an_arrears_ladder_that_scores_less_higher_up_is_refused() -> None:
    with pytest.raises(ValidationError, match="later arrears stage"):
        RiskWeights(arrears_stage={ArrearsStage.COURT_WARNING: 1})


def test_no_arrears_is_never_a_risk() -> None:
    with pytest.raises(ValidationError, match="none stage scores 0"):
        RiskWeights(arrears_stage={ArrearsStage.NONE: 5})


def test_arrears_stages_not_configured_keep_their_default_points() -> None:
    weights = RiskWeights(arrears_stage={ArrearsStage.LETTER_1: 12})
    assert weights.arrears_stage[ArrearsStage.LETTER_1] == 12
    assert weights.arrears_stage[ArrearsStage.COURT_APPLICATION] == 30


def test_weights_are_configured_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HEARTH_VISITS_PROGRAMME__LIVING_ALONE", "40")
    monkeypatch.setenv("HEARTH_VISITS_PROGRAMME__ARREARS_STAGE", '{"letter_2": 16}')
    weights = VisitsSettings().programme
    assert weights.living_alone == 40
    assert weights.arrears_stage[ArrearsStage.LETTER_2] == 16
    assert weights.no_annual_gas_visit == DEFAULTS.no_annual_gas_visit


@pytest.mark.parametrize("tenancy_type", [TenancyType.INTRODUCTORY, TenancyType.STARTER])
def test_an_introductory_tenancy_is_new_however_long_it_has_run(
    tenancy_type: TenancyType,
) -> None:
    assert is_new_tenancy(date(2020, 1, 1), tenancy_type, today=date(2026, 11, 22))


@pytest.mark.parametrize(
    ("start", "today", "new"),
    [
        (date(2025, 11, 23), date(2026, 11, 22), True),
        (date(2025, 11, 22), date(2026, 11, 22), False),
        (date(2024, 2, 29), date(2025, 2, 28), True),
        (date(2024, 2, 29), date(2025, 3, 1), False),
        (date(2026, 12, 1), date(2026, 11, 22), True),
    ],
)
def test_a_secure_tenancy_is_new_for_its_first_twelve_months(
    start: date, today: date, new: bool
) -> None:
    assert is_new_tenancy(start, TenancyType.SECURE, today) is new


def test_a_home_without_a_known_tenancy_is_not_in_a_new_one() -> None:
    assert not is_new_tenancy(None, None, today=date(2026, 11, 22))


def _rescore_on(
    today: date,
    history: VisitHistory,
    *,
    tenancy_start: date | None = None,
    introductory: bool = False,
    oldest_contact_in_window: date | None = None,
) -> date:
    return rescore_on(
        today,
        history,
        next_visit(history, today, VisitIntervals()),
        VisitIntervals(),
        tenancy_start=tenancy_start,
        introductory=introductory,
        oldest_contact_in_window=oldest_contact_in_window,
        contact_window_months=12,
    )


def test_a_stored_score_is_rescored_the_day_after_its_due_date() -> None:
    history = VisitHistory(date(2026, 1, 10), date(2026, 1, 10), date(2026, 1, 10))
    assert _rescore_on(date(2026, 6, 1), history) == date(2027, 1, 11)


def test_a_home_never_visited_is_rescored_the_next_day() -> None:
    assert _rescore_on(date(2026, 6, 1), VisitHistory()) == date(2026, 6, 2)


def test_the_earliest_date_driven_change_wins() -> None:
    history = VisitHistory(date(2026, 1, 10), date(2026, 1, 10), date(2026, 1, 10))
    today = date(2026, 6, 1)
    assert _rescore_on(today, history, tenancy_start=date(2025, 8, 1)) == date(2026, 8, 1)
    assert _rescore_on(today, history, oldest_contact_in_window=date(2025, 9, 1)) == date(
        2026, 9, 2
    )


@given(
    today=st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 1, 1)),
    last=st.one_of(st.none(), st.dates(min_value=date(1990, 1, 1), max_value=date(2090, 1, 1))),
)
def test_a_stored_score_is_always_rescored_on_a_later_day_within_a_year(
    today: date, last: date | None
) -> None:
    day = _rescore_on(today, VisitHistory(last, last, last))
    assert today < day <= date.fromordinal(today.toordinal() + 365)


def test_a_changed_configuration_has_another_fingerprint() -> None:
    usual = configuration_fingerprint(RiskWeights(), VisitIntervals())
    assert usual == configuration_fingerprint(RiskWeights(), VisitIntervals())
    assert usual != configuration_fingerprint(RiskWeights(living_alone=20), VisitIntervals())
    assert usual != configuration_fingerprint(RiskWeights(), VisitIntervals(any_visit_months=18))


@pytest.mark.parametrize(
    "today",
    [
        date(2026, 6, 30),  # an extended trial's last day (18 months from 1 January 2025)
        date(2026, 7, 1),  # the day it would end, kept open by possession proceedings
        date(2027, 3, 1),  # still undecided eight months on
    ],
)
def test_an_introductory_tenancy_is_introductory_until_income_says_otherwise(
    today: date,
) -> None:
    """Past `introductory_ends_on` a trial that possession proceedings keep open is still
    a trial: only income's tenancy-type-changed ends it (ADR 0066, amended)."""
    assert is_new_tenancy(date(2025, 1, 1), TenancyType.INTRODUCTORY, today)


def test_an_introductory_tenancy_is_not_rescored_on_a_date_of_its_trial() -> None:
    """Its factor changes only when income's tenancy-type-changed arrives (that event's
    handler re-scores the home), so neither the trial's end nor the first 12 months is
    a re-scoring day; a secure tenancy is re-scored the day it has run 12 months."""
    history = VisitHistory(date(2026, 1, 10), date(2026, 1, 10), date(2026, 1, 10))
    today = date(2026, 6, 1)
    assert _rescore_on(today, history, tenancy_start=date(2025, 8, 1), introductory=True) == date(
        2027, 1, 11
    )  # the day after the next visit's due date
    assert _rescore_on(today, history, tenancy_start=date(2025, 8, 1)) == date(2026, 8, 1)


@pytest.mark.parametrize(
    ("needs_gas_safety_check", "gas_supply", "expected"),
    [
        (True, GasSupply.CAPPED, False),  # capped, a landlord gas appliance: still checked
        (True, GasSupply.LIVE, False),
        (False, GasSupply.NONE, True),
        (False, GasSupply.CAPPED, True),
        (None, GasSupply.LIVE, False),  # an old event: the gas supply decides
        (None, GasSupply.CAPPED, True),
        (None, GasSupply.NONE, True),
        (None, None, False),  # nothing known of the home's gas
    ],
)
def test_no_annual_gas_visit_is_compliances_decision_and_the_supply_only_when_unsaid(
    needs_gas_safety_check: bool | None, gas_supply: GasSupply | None, expected: bool
) -> None:
    assert no_annual_gas_visit(needs_gas_safety_check, gas_supply) is expected


@given(needs=st.booleans(), supply=st.one_of(st.none(), st.sampled_from(GasSupply)))
def test_compliances_decision_always_overrides_the_gas_supply(
    needs: bool, supply: GasSupply | None
) -> None:
    assert no_annual_gas_visit(needs, supply) is not needs


@pytest.mark.parametrize(
    ("asked_on", "last_full_visit", "expected"),
    [
        (None, None, False),  # nothing asked
        (date(2026, 11, 2), None, True),
        (date(2026, 11, 2), date(2026, 10, 30), True),  # a full visit before it was asked
        (date(2026, 11, 2), date(2026, 11, 2), False),  # the officer went that day
        (date(2026, 11, 2), date(2026, 11, 20), False),
    ],
)
def test_an_officer_visit_asked_for_is_open_until_a_full_visit_on_or_after_that_day(
    asked_on: date | None, last_full_visit: date | None, expected: bool
) -> None:
    assert officer_visit_open(asked_on, last_full_visit) is expected


@given(
    history=st.builds(
        VisitHistory,
        last_visit=st.one_of(st.none(), st.dates(date(2015, 1, 1), date(2026, 11, 1))),
        last_full_visit=st.one_of(st.none(), st.dates(date(2015, 1, 1), date(2026, 11, 1))),
    ),
    alternate_lite=st.booleans(),
)
def test_an_officer_visit_for_access_is_always_a_full_visit_due_as_the_intervals_say(
    history: VisitHistory, alternate_lite: bool
) -> None:
    upcoming = next_visit(
        history, date(2026, 11, 30), VisitIntervals(alternate_lite=alternate_lite)
    )
    officer = with_officer_visit(upcoming)
    assert officer.kind is VisitKind.FULL
    assert (officer.due_by, officer.beyond_interval) == (upcoming.due_by, upcoming.beyond_interval)
