"""Which outcome a hearing had on record when the trial-end job settled the tenancy,
and which corrections of it contradict the settlement (ADR 0086): a dismissal or
withdrawal on record then stays one, on its day; anything else may be corrected."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from income.arrears.rules import OutcomeOnRecord, correction_refused, outcome_on_record_at
from income.models import CourtOutcome

RECORDED = datetime(2027, 3, 1, 12, tzinfo=UTC)
DECIDED = date(2027, 3, 1)


def on_record(outcome: CourtOutcome, hours: int = 0, on: date = DECIDED) -> OutcomeOnRecord:
    return OutcomeOnRecord(RECORDED + timedelta(hours=hours), outcome, on)


def test_the_outcome_on_record_at_a_moment_is_the_last_recorded_by_then() -> None:
    first = on_record(CourtOutcome.ADJOURNED)
    corrected = on_record(CourtOutcome.DISMISSED, hours=2)
    versions = [first, corrected]
    assert outcome_on_record_at(versions, RECORDED - timedelta(seconds=1)) is None
    assert outcome_on_record_at(versions, RECORDED) == first
    assert outcome_on_record_at(versions, RECORDED + timedelta(hours=1)) == first
    assert outcome_on_record_at(versions, RECORDED + timedelta(hours=2)) == corrected
    assert outcome_on_record_at(versions, RECORDED + timedelta(days=9)) == corrected


@pytest.mark.parametrize("ended", [CourtOutcome.DISMISSED, CourtOutcome.WITHDRAWN])
def test_proceedings_ended_when_settled_stay_ended_on_that_day(ended: CourtOutcome) -> None:
    settled_on = on_record(ended)
    for outcome in CourtOutcome:
        refused = correction_refused(settled_on, outcome, DECIDED)
        if outcome in (CourtOutcome.DISMISSED, CourtOutcome.WITHDRAWN):
            assert refused is None
        else:
            assert refused is not None
            assert refused[0] == "outcome"
    another_day = correction_refused(settled_on, ended, DECIDED + timedelta(days=1))
    assert another_day is not None
    assert another_day[0] == "decided_on"


@pytest.mark.parametrize(
    "kept_open",
    [o for o in CourtOutcome if o not in (CourtOutcome.DISMISSED, CourtOutcome.WITHDRAWN)],
)
def test_an_outcome_that_kept_the_trial_open_when_settled_may_be_corrected(
    kept_open: CourtOutcome,
) -> None:
    for outcome in CourtOutcome:
        assert (
            correction_refused(on_record(kept_open), outcome, DECIDED - timedelta(days=3)) is None
        )


def test_with_no_settlement_since_it_was_decided_any_correction_is_allowed() -> None:
    assert correction_refused(None, CourtOutcome.OUTRIGHT_POSSESSION_ORDER, DECIDED) is None
