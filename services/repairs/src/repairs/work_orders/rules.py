"""Repair target dates: pure rules, no I/O.

Working days exclude Saturdays, Sundays and bank holidays in England and Wales (the
`holidays` package's calendar for England). Business days are counted in
Europe/London. The clock starts from the moment the repair was reported:
- emergency: the reported moment plus 24 hours (calendar time);
- urgent / routine: the end of the Nth working day after the day it was reported
  (a repair reported at a weekend or on a bank holiday starts counting from the next
  working day, as one reported on a working day starts from the day after);
- planned: the end of the day N calendar days after the day it was reported.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from hearth_contracts.events.repairs import RepairPriority

LONDON = ZoneInfo("Europe/London")


@lru_cache(maxsize=64)
def _bank_holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("GB", subdiv="ENG", years=year)


def is_bank_holiday(day: date) -> bool:
    return day in _bank_holidays(day.year)


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and not is_bank_holiday(day)


def add_working_days(start: date, working_days: int) -> date:
    """The date `working_days` working days after `start` (start itself not counted)."""
    if working_days < 0:
        raise ValueError("working_days must not be negative")
    day = start
    remaining = working_days
    while remaining:
        day += timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return day


def end_of_day(day: date) -> datetime:
    """The last moment of a London day, as a UTC datetime."""
    return datetime.combine(day, time(23, 59, 59), tzinfo=LONDON).astimezone(UTC)


def target_completion(
    reported_at: datetime,
    priority: RepairPriority,
    *,
    emergency_hours: int = 24,
    urgent_working_days: int = 5,
    routine_working_days: int = 20,
    planned_days: int = 90,
) -> datetime:
    """When a repair of this priority, reported at `reported_at`, must be completed."""
    if reported_at.tzinfo is None:
        raise ValueError("reported_at must be timezone-aware")
    if priority is RepairPriority.EMERGENCY:
        return (reported_at + timedelta(hours=emergency_hours)).astimezone(UTC)
    reported_day = reported_at.astimezone(LONDON).date()
    if priority is RepairPriority.URGENT:
        return end_of_day(add_working_days(reported_day, urgent_working_days))
    if priority is RepairPriority.ROUTINE:
        return end_of_day(add_working_days(reported_day, routine_working_days))
    return end_of_day(reported_day + timedelta(days=planned_days))
