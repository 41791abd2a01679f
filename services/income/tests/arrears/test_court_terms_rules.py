"""The court's terms as pure rules (ADR 0084): which outcomes carry terms, the window
for the first instalment and the instalment's size, and when the terms are broken (the
rules of an arrangement: what was paid towards the arrears against the instalments
due, with the grace)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from hearth_contracts.events.income import InstalmentFrequency
from income.arrears.rules import CourtTerms, terms_broken_on, terms_refused
from income.models import CourtOutcome

DECIDED = date(2027, 3, 1)  # a Monday
GRACE = 3


def terms(
    instalment: int = 2_000,
    first: date = DECIDED,
    arrears: int = 40_000,
    frequency: InstalmentFrequency = InstalmentFrequency.WEEKLY,
) -> CourtTerms:
    return CourtTerms(
        arrears_instalment_pence=instalment,
        frequency=frequency,
        first_instalment_on=first,
        arrears_pence=arrears,
    )


@pytest.mark.parametrize(
    "outcome",
    [
        CourtOutcome.ADJOURNED_ON_TERMS,
        CourtOutcome.SUSPENDED_POSSESSION_ORDER,
        CourtOutcome.POSTPONED_POSSESSION_ORDER,
    ],
)
def test_an_order_or_adjournment_on_terms_carries_terms(outcome: CourtOutcome) -> None:
    assert terms_refused(outcome, DECIDED, terms()) is None
    assert terms_refused(outcome, DECIDED, None) is None  # terms are not required


@pytest.mark.parametrize(
    "outcome",
    [
        CourtOutcome.OUTRIGHT_POSSESSION_ORDER,
        CourtOutcome.DISMISSED,
        CourtOutcome.WITHDRAWN,
        CourtOutcome.ADJOURNED,
    ],
)
def test_an_outcome_without_terms_refuses_them(outcome: CourtOutcome) -> None:
    refused = terms_refused(outcome, DECIDED, terms())
    assert refused is not None
    assert refused[0] == "terms"
    assert terms_refused(outcome, DECIDED, None) is None


@pytest.mark.parametrize(
    ("first", "refused"),
    [
        (DECIDED - timedelta(days=1), True),
        (DECIDED, False),
        (date(2027, 6, 1), False),  # three calendar months on
        (date(2027, 6, 2), True),
    ],
)
def test_the_first_instalment_falls_within_three_months_of_the_decision(
    first: date, refused: bool
) -> None:
    found = terms_refused(CourtOutcome.SUSPENDED_POSSESSION_ORDER, DECIDED, terms(first=first))
    assert (found is not None) is refused
    if found is not None:
        assert found[0] == "terms.first_instalment_on"


@pytest.mark.parametrize(
    ("instalment", "arrears", "refused"),
    [(40_000, 40_000, False), (40_001, 40_000, True), (1, 0, True)],
)
def test_an_instalment_is_towards_arrears_there_were_and_no_more_than_them(
    instalment: int, arrears: int, refused: bool
) -> None:
    found = terms_refused(
        CourtOutcome.POSTPONED_POSSESSION_ORDER,
        DECIDED,
        terms(instalment=instalment, arrears=arrears),
    )
    assert (found is not None) is refused
    if found is not None:
        assert found[0] == "terms.arrears_instalment_pence"


def test_terms_kept_while_the_arrears_fall_by_the_instalments_due() -> None:
    # Three weekly instalments due by 15 March, each past its grace on 19 March:
    # 6,000 paid off the 40,000 keeps them (the rent paid as well).
    assert terms_broken_on(terms(), 34_000, date(2027, 3, 19), GRACE) is None
    # Paying the arrears off keeps every instalment.
    assert terms_broken_on(terms(), 0, date(2028, 3, 1), GRACE) is None


def test_a_short_instalment_breaks_the_terms_on_its_day_once_the_grace_has_passed() -> None:
    # 4,000 paid off: the third instalment (15 March) is short.
    assert terms_broken_on(terms(), 36_000, date(2027, 3, 18), GRACE) is None  # in grace
    assert terms_broken_on(terms(), 36_000, date(2027, 3, 19), GRACE) == date(2027, 3, 15)


def test_rent_not_paid_counts_against_the_instalments() -> None:
    # The instalments paid (6,000) but a week's rent (10,000) not: the arrears rose.
    assert terms_broken_on(terms(), 44_000, date(2027, 3, 19), GRACE) == DECIDED


def test_monthly_terms_fall_due_on_the_same_day_each_month() -> None:
    monthly = terms(instalment=8_000, frequency=InstalmentFrequency.MONTHLY)
    assert terms_broken_on(monthly, 32_000, date(2027, 4, 4), GRACE) is None
    assert terms_broken_on(monthly, 32_000, date(2027, 4, 5), GRACE) == date(2027, 4, 1)
