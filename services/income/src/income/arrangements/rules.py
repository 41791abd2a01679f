"""Pure rules of arrangements: instalment dates, length, affordability, a missed
instalment. No I/O."""

from __future__ import annotations

from datetime import date, timedelta

from hearth_contracts.events.income import InstalmentFrequency
from income.tenancies.rules import add_months

PERIOD_DAYS = {
    InstalmentFrequency.WEEKLY: 7,
    InstalmentFrequency.FORTNIGHTLY: 14,
    InstalmentFrequency.FOUR_WEEKLY: 28,
}


def instalment_due(first: date, frequency: InstalmentFrequency, number: int) -> date:
    """The day instalment `number` (0 first) falls due."""
    if frequency is InstalmentFrequency.MONTHLY:
        return add_months(first, number)
    return first + timedelta(days=PERIOD_DAYS[frequency] * number)


def instalments_needed(arrears_pence: int, instalment_pence: int) -> int:
    return -(-arrears_pence // instalment_pence)


def weeks_to_clear(
    arrears_pence: int, instalment_pence: int, frequency: InstalmentFrequency
) -> int:
    """Whole weeks from the first instalment to the last one's week, inclusive."""
    first = date(2000, 1, 3)
    return weeks_to_clear_from(first, first, arrears_pence, instalment_pence, frequency)


MONTHS_COUNTED_BY_DATE = 1200
"""Beyond a century of monthly instalments (far past any longest arrangement, and
towards the end of the calendar's range) the length is a lower bound of 28-day months."""


def weeks_to_clear_from(
    today: date,
    first: date,
    arrears_pence: int,
    instalment_pence: int,
    frequency: InstalmentFrequency,
) -> int:
    """Whole weeks from `today` (the arrangement is agreed) to the last instalment's
    week, inclusive: a first instalment put off counts against the longest arrangement,
    so putting it off cannot stretch recovery. Any number of instalments is counted
    (no date is formed past the calendar's range)."""
    count = instalments_needed(arrears_pence, instalment_pence)
    if count == 0:
        return 0
    days_off = (first - today).days
    if frequency is not InstalmentFrequency.MONTHLY:
        return ((count - 1) * PERIOD_DAYS[frequency] + days_off) // 7 + 1
    if count > MONTHS_COUNTED_BY_DATE:
        return ((count - 1) * 28 + days_off) // 7 + 1
    return (add_months(first, count - 1) - today).days // 7 + 1


def weekly_equivalent(instalment_pence: int, frequency: InstalmentFrequency) -> int:
    """An instalment as pence a week (monthly: x 12 / 52), rounded up."""
    if frequency is InstalmentFrequency.MONTHLY:
        return -(-instalment_pence * 12 // 52)
    return -(-instalment_pence * 7 // PERIOD_DAYS[frequency])


def paid_towards_arrears(arrears_at_start_pence: int, arrears_now_pence: int) -> int:
    """What the tenant has paid off the arrangement's arrears: the arrears it was agreed
    on less the arrears now, both leaving out the charges of the rent week under way
    (due during that week, not arrears). Rent charged since and not paid counts against
    it; a week's charge larger than that of the week the arrangement was agreed in (after
    a rent-free week, or the April rent change) does not, until its week is over."""
    return arrears_at_start_pence - arrears_now_pence


def missed_instalment(
    first: date,
    frequency: InstalmentFrequency,
    instalment_pence: int,
    arrears_pence: int,
    paid_pence: int,
    today: date,
    grace_days: int,
) -> date | None:
    """The first instalment not covered by what was paid off `arrears_pence`, once
    `grace_days` have passed since it fell due (an instalment is missed the day after its
    grace ends), or None. The last instalment is what is left of the arrears: paying the
    arrears off covers every instalment."""
    for number in range(instalments_needed(arrears_pence, instalment_pence)):
        due = instalment_due(first, frequency, number)
        if due + timedelta(days=grace_days) >= today:
            return None
        if paid_pence < min(instalment_pence * (number + 1), arrears_pence):
            return due
    return None
