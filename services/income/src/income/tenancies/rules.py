"""Pure tenancy rules."""

from __future__ import annotations

import calendar
from datetime import date

from hearth_contracts.events.income import TenancyType

INTRODUCTORY_PERIOD_MONTHS = 12
EXTENSION_MONTHS = 6


def add_months(start: date, months: int) -> date:
    """The same day `months` later; a day the later month lacks (29 to 31) becomes its
    last day, so 29 February plus 12 months is 28 February."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


TRIAL_TYPES = (TenancyType.INTRODUCTORY, TenancyType.STARTER)
"""Tenancies on trial: introductory for councils, starter for housing associations, the
same trial period (DOMAIN.md)."""


def introductory_ends_on(tenancy_type: TenancyType, start_date: date) -> date | None:
    """An introductory or starter tenancy's trial period ends 12 months after it starts;
    other tenancy types have no trial period."""
    if tenancy_type not in TRIAL_TYPES:
        return None
    return add_months(start_date, INTRODUCTORY_PERIOD_MONTHS)


def extended_end(start_date: date) -> date:
    """An extended introductory (or starter) tenancy's trial ends 18 months after it starts (12,
    extended once by 6)."""
    return add_months(start_date, INTRODUCTORY_PERIOD_MONTHS + EXTENSION_MONTHS)
