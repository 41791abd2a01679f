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


def extended_trial_ends_on(
    start_date: date | None, current_ends_on: date | None, officers: CaseloadOfficers
) -> date | None:
    """The first day off an extended trial: `introductory_months` +
    `extension_months` from the start (the month's day rules of `trial_ends_on`);
    with no start known, the current end plus `extension_months`; neither, None."""
    if start_date is not None:
        return trial_ends_on(start_date, officers.introductory_months + officers.extension_months)
    if current_ends_on is not None:
        return add_months(current_ends_on, officers.extension_months)
    return None


def on_type_change(
    change: TenancyTypeChange,
    tenancy_type: TenancyType,
    current_ends_on: date | None,
    announced_ends_on: date | None,
    area: str | None,
    officers: CaseloadOfficers,
    start_date: date | None = None,
) -> Placement | None:
    """An introductory tenancy extended stays introductory 6 months longer; one
    confirmed (converted) moves to the community caseload. A tenancy income puts back
    on trial (`other` to introductory or starter: its trial-end job settled it too soon,
    ADR 0081) comes back to the introductory caseload, with the trial's end income
    restored. None: no move.

    An extension income sends without its end date ends the trial 18 months (12 + 6)
    from the tenancy's `start_date`, as income's own `trial_ends_on` does (ADR 0059):
    the current end plus 6 months was days out for a start late in the month (started
    29 February 2024: 1 September 2025, not 29 August), and a second extension added
    6 more where the law allows one. Only with no start known is it the current end
    plus 6 months."""
    if change is TenancyTypeChange.EXTENDED:
        ends_on = announced_ends_on or extended_trial_ends_on(start_date, current_ends_on, officers)
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
