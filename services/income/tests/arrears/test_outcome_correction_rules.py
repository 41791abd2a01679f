"""Which outcome a hearing had on record when the trial-end job settled the tenancy,
and which corrections of it are refused (ADR 0086, 0093): only a dismissal or withdrawal
on record then corrected to an earlier day the settlement would date from; anything
else may be corrected (the settlement is weighed again, ADR 0093)."""

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


TRIAL_ENDED = date(2027, 2, 1)
"""The trial ended before the claim was decided: the job settled it from the decision."""


@pytest.mark.parametrize("ended", [CourtOutcome.DISMISSED, CourtOutcome.WITHDRAWN])
def test_a_settlement_on_ended_proceedings_does_not_stop_a_correction_to_an_order_or_later(
    ended: CourtOutcome,
) -> None:
    """ADR 0093: an order, an adjournment or a later day is a correction (the settlement
    is weighed again and put back if it no longer stands); the same day too."""
    settled_on = on_record(ended)
    for outcome in CourtOutcome:
        assert correction_refused(settled_on, outcome, DECIDED, DECIDED, TRIAL_ENDED) is None
    later = DECIDED + timedelta(days=1)
    assert correction_refused(settled_on, ended, later, DECIDED, TRIAL_ENDED) is None


@pytest.mark.parametrize("ended", [CourtOutcome.DISMISSED, CourtOutcome.WITHDRAWN])
def test_proceedings_ended_earlier_than_the_day_settled_from_are_refused(
    ended: CourtOutcome,
) -> None:
    """An earlier day the settlement would date from cannot be published after the
    settlement's (consumers keep the latest effective_on): 409 naming decided_on. An
    earlier day still on or before the trial's end changes nothing: allowed."""
    settled_on = on_record(ended)
    earlier = DECIDED - timedelta(days=3)
    for outcome in (CourtOutcome.DISMISSED, CourtOutcome.WITHDRAWN):
        refused = correction_refused(settled_on, outcome, earlier, DECIDED, TRIAL_ENDED)
        assert refused is not None
        assert refused[0] == "decided_on"
    assert (
        correction_refused(settled_on, CourtOutcome.ADJOURNED, earlier, DECIDED, TRIAL_ENDED)
        is None
    )
    trial_ended_later = earlier + timedelta(days=5)  # settled from the trial's end
    assert (
        correction_refused(settled_on, ended, earlier, trial_ended_later, trial_ended_later) is None
    )


@pytest.mark.parametrize(
    "kept_open",
    [o for o in CourtOutcome if o not in (CourtOutcome.DISMISSED, CourtOutcome.WITHDRAWN)],
)
def test_an_outcome_that_kept_the_trial_open_when_settled_may_be_corrected(
    kept_open: CourtOutcome,
) -> None:
    for outcome in CourtOutcome:
        assert (
            correction_refused(
                on_record(kept_open), outcome, DECIDED - timedelta(days=3), DECIDED, TRIAL_ENDED
            )
            is None
        )


def test_with_no_settlement_since_it_was_decided_any_correction_is_allowed() -> None:
    assert (
        correction_refused(
            None, CourtOutcome.DISMISSED, DECIDED - timedelta(days=3), DECIDED, TRIAL_ENDED
        )
        is None
    )
