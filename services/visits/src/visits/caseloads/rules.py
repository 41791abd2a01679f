"""Pure rules of the tenancy sustainment caseloads (the York pilot): which caseload and
officer hold a tenancy."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from hearth_contracts.events.income import TenancyType, TenancyTypeChange, trial_ends_on
from hearth_contracts.events.visits import Caseload
from visits.programme.rules import INTRODUCTORY_TYPES, add_months
from visits.settings import CaseloadOfficers


@dataclass(frozen=True)
class Placement:
    caseload: Caseload
    officer: str | None
    introductory_ends_on: date | None = None


def officer_for(caseload: Caseload, area: str | None, officers: CaseloadOfficers) -> str | None:
    if caseload is Caseload.INTRODUCTORY:
        return officers.introductory
    if caseload is Caseload.SUSTAINABLE_TENANCY:
        return officers.sustainable_tenancy
    return officers.community_by_area.get(area or "")


def on_start(
    tenancy_type: TenancyType, start_date: date, area: str | None, officers: CaseloadOfficers
) -> Placement:
    """A new tenancy: introductory for its first 12 months when it is introductory (or
    starter), until the day its trial ends (`trial_ends_on`, the first day off trial);
    otherwise the community caseload of its area."""
    if tenancy_type in INTRODUCTORY_TYPES:
        return Placement(
            Caseload.INTRODUCTORY,
            officer_for(Caseload.INTRODUCTORY, area, officers),
            trial_ends_on(start_date, officers.introductory_months),
        )
    return Placement(Caseload.COMMUNITY, officer_for(Caseload.COMMUNITY, area, officers))


def on_type_change(
    change: TenancyTypeChange,
    tenancy_type: TenancyType,
    current_ends_on: date | None,
    announced_ends_on: date | None,
    area: str | None,
    officers: CaseloadOfficers,
) -> Placement | None:
    """An introductory tenancy extended stays introductory 6 months longer; one
    confirmed (converted) moves to the community caseload. A tenancy income puts back
    on trial (`other` to introductory or starter: its trial-end job settled it too soon,
    ADR 0081) comes back to the introductory caseload, with the trial's end income
    restored. None: no move."""
    if change is TenancyTypeChange.EXTENDED:
        ends_on = announced_ends_on or (
            add_months(current_ends_on, officers.extension_months) if current_ends_on else None
        )
        return Placement(
            Caseload.INTRODUCTORY, officer_for(Caseload.INTRODUCTORY, area, officers), ends_on
        )
    if change is TenancyTypeChange.OTHER and tenancy_type in INTRODUCTORY_TYPES:
        return Placement(
            Caseload.INTRODUCTORY,
            officer_for(Caseload.INTRODUCTORY, area, officers),
            announced_ends_on or current_ends_on,
        )
    if tenancy_type not in INTRODUCTORY_TYPES:
        return Placement(Caseload.COMMUNITY, officer_for(Caseload.COMMUNITY, area, officers))
    return None
