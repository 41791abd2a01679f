"""The ladder's configuration: DOMAIN.md's months are configured as months, and a
setting that used to count days is refused at start-up, never silently ignored."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from income.settings import IncomeSettings


def test_the_ladders_months_are_configured_as_months(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HEARTH_INCOME_LADDER__NOSP_LIVE_MONTHS", "6")
    monkeypatch.setenv("HEARTH_INCOME_LADDER__LETTER_2_WITHIN_MONTHS", "2")
    ladder = IncomeSettings().ladder
    assert (ladder.nosp_live_months, ladder.letter_2_within_months) == (6, 2)
    assert ladder.nosp_within_months == 3


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("LETTER_2_WITHIN_DAYS", "letter_2_within_months"),
        ("NOSP_WITHIN_DAYS", "nosp_within_months"),
        ("NOSP_LIVE_DAYS", "nosp_live_months"),
    ],
)
def test_a_day_count_still_set_is_refused_naming_its_months_setting(
    monkeypatch: pytest.MonkeyPatch, old: str, new: str
) -> None:
    monkeypatch.setenv(f"HEARTH_INCOME_LADDER__{old}", "91")
    with pytest.raises(ValidationError, match=new):
        IncomeSettings()
