"""The intervals between checks are configuration (DOMAIN.md), but not beyond what the
law allows: a gas safety record lasts at most 12 months (Gas Safety (Installation and
Use) Regulations 1998, reg. 36(3)(a)) and an EICR at most 5 years (Electrical Safety
Standards regulations 2020, reg. 3(1)(b)), as remedy_days stops at the law's 28. Before,
HEARTH_COMPLIANCE_PROGRAMME__INTERVAL_MONTHS='{"gas_safety": 24}' was taken, and every
gas check counted in date a year past its legal expiry; 0 or a negative interval made
every certificate expire the day it was done, or before."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from compliance.settings import Programme
from hearth_contracts.events.compliance import CheckType


@pytest.mark.parametrize(
    "intervals",
    [
        {CheckType.GAS_SAFETY: 13},
        {CheckType.ELECTRICAL: 61},
        {CheckType.WATER: 0},
        {CheckType.LIFT: -6},
    ],
    ids=["gas over 12", "EICR over 60", "zero", "negative"],
)
def test_an_interval_beyond_the_law_or_not_positive_is_refused(
    intervals: dict[CheckType, int],
) -> None:
    with pytest.raises(ValidationError):
        Programme(interval_months=intervals)


def test_shorter_intervals_are_a_landlords_choice() -> None:
    programme = Programme(interval_months={CheckType.GAS_SAFETY: 10, CheckType.ELECTRICAL: 36})
    assert programme.interval_for(CheckType.GAS_SAFETY) == 10
    assert programme.interval_for(CheckType.ELECTRICAL) == 36
    assert (
        Programme(interval_months={CheckType.GAS_SAFETY: 12}).interval_for(CheckType.GAS_SAFETY)
        == 12
    )
