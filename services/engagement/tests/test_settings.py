"""Engagement's settings: the Complaint Handling Code is statutory, so a landlord's
timescales may be stricter than the Code's, never laxer (DOMAIN.md; docs/adr/0041)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from engagement.settings import ComplaintTimescales, EngagementSettings
from hearth_contracts.events.engagement import ComplaintStage

CODE = {
    "stage_1": {"acknowledge_within": 5, "respond_within": 10, "extend_by_at_most": 10},
    "stage_2": {"acknowledge_within": 5, "respond_within": 20, "extend_by_at_most": 20},
}


def test_the_codes_own_numbers_and_stricter_ones_are_accepted() -> None:
    assert ComplaintTimescales.model_validate(CODE).by_stage() == ComplaintTimescales().by_stage()
    stricter = ComplaintTimescales.model_validate(
        {
            "stage_1": {"acknowledge_within": 3, "respond_within": 7, "extend_by_at_most": 5},
            "stage_2": {"acknowledge_within": 2, "respond_within": 15, "extend_by_at_most": 0},
        }
    )
    assert stricter.by_stage()[ComplaintStage.STAGE_1].respond_within == 7


@pytest.mark.parametrize(
    ("stage", "name", "value"),
    [
        ("stage_1", "acknowledge_within", 6),
        ("stage_1", "respond_within", 11),
        ("stage_1", "extend_by_at_most", 11),
        ("stage_2", "acknowledge_within", 6),
        ("stage_2", "respond_within", 21),
        ("stage_2", "extend_by_at_most", 21),
    ],
)
def test_a_timescale_laxer_than_the_codes_is_refused(stage: str, name: str, value: int) -> None:
    laxer = {key: dict(numbers) for key, numbers in CODE.items()}
    laxer[stage][name] = value
    with pytest.raises(ValidationError, match=rf"{stage}\.{name}"):
        ComplaintTimescales.model_validate(laxer)


def test_one_stricter_number_from_the_environment_keeps_the_codes_others(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The docs name one variable per number: setting one alone is enough (it used to
    fail start-up with extend_by_at_most missing)."""
    monkeypatch.setenv("HEARTH_ENGAGEMENT_COMPLAINT_TIMESCALES__STAGE_1__RESPOND_WITHIN", "7")
    stage_1 = EngagementSettings().complaint_timescales.by_stage()[ComplaintStage.STAGE_1]
    assert (stage_1.acknowledge_within, stage_1.respond_within, stage_1.extend_by_at_most) == (
        5,
        7,
        10,
    )


def test_a_laxer_timescale_from_the_environment_stops_the_service_starting(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HEARTH_ENGAGEMENT_COMPLAINT_TIMESCALES__STAGE_1__RESPOND_WITHIN", "15")
    with pytest.raises(ValidationError, match=r"stage_1\.respond_within"):
        EngagementSettings()
