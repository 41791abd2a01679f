"""DOMAIN.md's compliance numbers, pinned as the settings' and rules' defaults. The
integration tests see most of them only through dates (a check due 60 days ahead, a
ladder step 14 days on), and some not at all (the 90-day no-access lead time, the
5-year EICR, the ladder's order): a default changed by mistake would pass them. A
landlord still changes each by configuration (`HEARTH_COMPLIANCE_PROGRAMME__...`)."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from compliance.checks.rules import (
    GAS_INTERVAL_MONTHS,
    RECORDS_KEPT_MONTHS,
    RENEWAL_WINDOW_MONTHS,
    LadderStep,
)
from compliance.settings import Programme
from hearth_contracts.events.compliance import CheckType, NoAccessStep


def test_a_gas_record_lasts_12_months_renewed_in_its_last_2_and_is_kept_2_years() -> None:
    programme = Programme()
    assert GAS_INTERVAL_MONTHS == 12
    assert programme.interval_for(CheckType.GAS_SAFETY) == 12
    assert RENEWAL_WINDOW_MONTHS == 2
    assert RECORDS_KEPT_MONTHS == 24
    # the register holds at least the 2 years a gas safety record is kept
    assert programme.oldest_check_day(CheckType.GAS_SAFETY, date(2026, 12, 1)) == date(2024, 12, 1)


def test_an_eicr_is_due_at_most_every_5_years_and_its_defects_remedied_in_28_days() -> None:
    programme = Programme()
    assert programme.interval_for(CheckType.ELECTRICAL) == 60
    assert programme.remedy_days == 28


def test_the_tenants_copy_is_due_within_28_days() -> None:
    assert Programme().tenant_copy_days == 28


def test_the_tenants_copy_cannot_be_given_longer_than_the_laws_28_days() -> None:
    """GSIUR 1998 reg. 36(6)(a) and the 2020 electrical regulations' reg. 3(3) give the
    tenant the copy within 28 days: a shorter target is the landlord's, a longer one
    counted copies sent late as on time (the setting took up to 365 before)."""
    assert Programme(tenant_copy_days=14).tenant_copy_days == 14
    with pytest.raises(ValidationError):
        Programme(tenant_copy_days=29)


def test_checks_are_raised_60_days_ahead_90_with_a_no_access_history() -> None:
    programme = Programme()
    assert programme.lead_days == 60
    assert programme.no_access_lead_days == 90


def test_a_no_access_history_never_starts_the_checks_later() -> None:
    """DOMAIN.md starts them earlier for such a household: a no-access lead shorter than
    the usual one (taken before) raised the households hardest to get into last."""
    assert Programme(lead_days=45, no_access_lead_days=45).no_access_lead_days == 45
    with pytest.raises(ValidationError):
        Programme(lead_days=60, no_access_lead_days=30)
    with pytest.raises(ValidationError):
        Programme(lead_days=120)


def test_an_overdue_check_is_escalated_after_3_months() -> None:
    assert Programme().escalate_after_months == 3


def test_the_no_access_ladder_climbs_domain_mds_five_steps_in_order() -> None:
    assert Programme().ladder() == [
        LadderStep(NoAccessStep.APPOINTMENT_LETTER, 0),
        LadderStep(NoAccessStep.SECOND_APPOINTMENT, 14),
        LadderStep(NoAccessStep.FINAL_WARNING, 28),
        LadderStep(NoAccessStep.HOUSING_OFFICER_VISIT, 35),
        LadderStep(NoAccessStep.LEGAL_ACTION, 42),
    ]
