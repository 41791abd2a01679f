"""Figures: ratios with what they were counted from, and the period's query rules."""

from __future__ import annotations

from datetime import date

import pytest

from hearth_kit.figures import MAX_PERIOD_DAYS, Figures, Measure, Period, period
from hearth_kit.problems import Unprocessable


def test_a_ratio_keeps_its_numerator_and_denominator() -> None:
    measure = Measure.ratio("RP02.1", "Non-emergency repairs on time", 3, 4)
    assert (measure.numerator, measure.denominator, measure.value) == (3, 4, 0.75)


def test_a_ratio_is_rounded_to_four_places_a_half_up() -> None:
    """As by hand from its numerator and denominator: 1 of 32 is 0.03125, so 0.0313 (a
    float rounded would give 0.0312, a half to even); 2 of 3 is 0.6667."""
    assert Measure.ratio("TP01", "Satisfied", 1, 32).value == 0.0313
    assert Measure.ratio("TP01", "Satisfied", 2, 3).value == 0.6667
    assert Measure.ratio("TP01", "Satisfied", 5, 16).value == 0.3125
    assert Measure.ratio("CH01.1", "Per 1,000 homes", 1, 16000, per=1000).value == 0.0625


def test_a_ratio_of_nothing_has_no_value() -> None:
    assert Measure.ratio("CH02.1", "Answered in time", 0, 0).value is None


def test_a_rate_per_thousand_homes() -> None:
    measure = Measure.ratio("CH01.1", "Stage 1 complaints per 1,000 homes", 7, 2000, per=1000)
    assert measure.value == 3.5
    assert measure.per == 1000


def test_a_count_has_no_denominator() -> None:
    measure = Measure.count("repairs.awaab.open", "Open Awaab's Law cases", 4)
    assert (measure.denominator, measure.value) == (None, 4)


def test_figures_serialise_their_period_as_from_and_to() -> None:
    figures = Period(date(2026, 4, 1), date(2027, 3, 31)).figures([])
    assert isinstance(figures, Figures)
    assert figures.model_dump(by_alias=True, mode="json")["from"] == "2026-04-01"


def test_to_before_from_is_refused_naming_to() -> None:
    with pytest.raises(Unprocessable) as refused:
        period("2026-04-02", "2026-04-01")
    assert refused.value.extensions["field"] == "to"


def test_a_period_of_more_than_five_years_is_refused() -> None:
    first = date(2020, 1, 1)
    last = date.fromordinal(first.toordinal() + MAX_PERIOD_DAYS)
    with pytest.raises(Unprocessable):
        period(first.isoformat(), last.isoformat())


def test_one_day_is_a_period() -> None:
    assert period("2026-04-01", "2026-04-01") == Period(date(2026, 4, 1), date(2026, 4, 1))


def test_a_number_is_not_a_date() -> None:
    with pytest.raises(Unprocessable) as refused:
        period("2026-04-01", "2026-13-01")
    assert refused.value.extensions["field"] == "to"


@pytest.mark.parametrize(
    ("first", "last", "field"),
    [
        ("0001-01-01", "0001-01-01", "from"),
        ("0999-12-31", "1000-01-01", "from"),
        ("8999-12-31", "9000-01-01", "to"),
        ("9999-12-31", "9999-12-31", "from"),
    ],
)
def test_a_day_outside_years_1000_to_8999_is_refused_naming_it(
    first: str, last: str, field: str
) -> None:
    """Each service's figures count the rent year, month or day either side of the
    period: at either end of the calendar that overflowed, a 500 (ADR 0072)."""
    with pytest.raises(Unprocessable) as refused:
        period(first, last)
    assert refused.value.extensions["field"] == field
    assert refused.value.extensions["location"] == "query"


def test_the_first_and_last_days_of_years_1000_to_8999_are_a_period() -> None:
    assert period("1000-01-01", "1000-01-01").first == date(1000, 1, 1)
    assert period("8999-12-31", "8999-12-31").last == date(8999, 12, 31)
