"""An extension income sends without its end date (tenancy-type-changed `extended`
with no `introductory_period_ends_on`) ends the trial 18 months from the tenancy's
start, as income's `trial_ends_on` does (DOMAIN.md: first 12 months, extended by 6;
ADR 0059): not the current end plus 6 months, days out for a start late in the month,
nor 6 months more at each extension the law allows only once."""

from __future__ import annotations

import uuid
from datetime import date

import pytest

from hearth_contracts.events.income import TenancyType, TenancyTypeChange
from hearth_contracts.events.visits import Caseload
from hearth_kit.db import Database
from services.visits.tests.factories import OFFICERS, a_uprn, an_area
from services.visits.tests.test_handlers import (
    caseload,
    handle,
    registered,
    started,
    type_changed,
)
from visits.caseloads.rules import Placement, on_start, on_type_change
from visits.settings import CaseloadOfficers


def test_domains_numbers_are_the_caseload_defaults() -> None:
    """DOMAIN.md: introductory for the first 12 months, extendable by 6."""
    defaults = CaseloadOfficers()
    assert (defaults.introductory_months, defaults.extension_months) == (12, 6)


@pytest.mark.parametrize(
    ("start", "first_day_off_trial", "extended_first_day_off_trial"),
    [
        (date(2025, 3, 1), date(2026, 3, 1), date(2026, 9, 1)),
        # February lacks the 29th a year on; August has it 18 months on
        (date(2024, 2, 29), date(2025, 3, 1), date(2025, 8, 29)),
        # August has the 31st a year on; February lacks it 18 months on
        (date(2025, 8, 31), date(2026, 8, 31), date(2027, 3, 1)),
    ],
)
def test_an_extension_without_its_date_ends_the_trial_18_months_from_the_start(
    start: date, first_day_off_trial: date, extended_first_day_off_trial: date
) -> None:
    placed = on_start(TenancyType.INTRODUCTORY, start, "E8", OFFICERS)
    assert placed.introductory_ends_on == first_day_off_trial
    extended = Placement(Caseload.INTRODUCTORY, "officer-intro", extended_first_day_off_trial)
    assert (
        on_type_change(
            TenancyTypeChange.EXTENDED,
            TenancyType.INTRODUCTORY,
            first_day_off_trial,
            None,
            "E8",
            OFFICERS,
            start_date=start,
        )
        == extended
    )
    # the same extension again (the law allows one) leaves the end where it is
    assert (
        on_type_change(
            TenancyTypeChange.EXTENDED,
            TenancyType.INTRODUCTORY,
            extended_first_day_off_trial,
            None,
            "E8",
            OFFICERS,
            start_date=start,
        )
        == extended
    )


def test_an_extension_with_its_date_takes_incomes_date() -> None:
    announced = date(2025, 8, 29)
    assert on_type_change(
        TenancyTypeChange.EXTENDED,
        TenancyType.INTRODUCTORY,
        date(2025, 3, 1),
        announced,
        "E8",
        OFFICERS,
        start_date=date(2024, 2, 29),
    ) == Placement(Caseload.INTRODUCTORY, "officer-intro", announced)


def test_with_no_start_known_an_extension_adds_6_months_to_the_current_end() -> None:
    assert on_type_change(
        TenancyTypeChange.EXTENDED,
        TenancyType.INTRODUCTORY,
        date(2026, 3, 1),
        None,
        "E8",
        OFFICERS,
    ) == Placement(Caseload.INTRODUCTORY, "officer-intro", date(2026, 9, 1))


async def test_an_undated_extension_of_a_leap_day_tenancy_runs_to_its_18th_month(
    visits_database: Database,
) -> None:
    """Started on 29 February 2024: off trial from 1 March 2025; extended without a
    date, on trial to 28 August 2025 and off it from 29 August 2025 (the current end
    plus 6 months made it 1 September)."""
    uprn, tenancy_id = a_uprn(), uuid.uuid4()
    area = an_area()
    await handle(visits_database, registered(uprn, postcode=f"{area} 1AA"))
    await handle(visits_database, started(uprn, tenancy_id, date(2024, 2, 29)))
    await handle(
        visits_database,
        type_changed(uprn, tenancy_id, "extended", "introductory", date(2025, 2, 3)),
    )
    held = await caseload(visits_database, tenancy_id)
    assert held is not None
    assert (held.caseload, held.introductory_ends_on) == ("introductory", date(2025, 8, 29))
