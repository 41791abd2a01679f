"""Repair target dates: pure rules, no I/O.

Working days are those of the kit's working-day calendar (hearth_kit.working_days):
not Saturdays, Sundays, bank holidays in England and Wales, or the landlord's own
closure days. Days are London days (Europe/London). The clock starts from the moment
the repair was reported:
- emergency: the reported moment plus 24 hours (calendar time);
- urgent / routine: the end of the Nth working day after the day it was reported
  (a repair reported at a weekend or on a bank holiday starts counting from the next
  working day, as one reported on a working day starts from the day after);
- planned: the end of the day N calendar days after the day it was reported.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hearth_contracts.events.repairs import RepairPriority
from hearth_kit.working_days import (
    ENGLAND_AND_WALES,
    WorkingDayCalendar,
    end_of_london_day,
    london_day,
)


def target_completion(
    reported_at: datetime,
    priority: RepairPriority,
    *,
    calendar: WorkingDayCalendar = ENGLAND_AND_WALES,
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
    reported_day = london_day(reported_at)
    if priority is RepairPriority.URGENT:
        return end_of_london_day(calendar.add_working_days(reported_day, urgent_working_days))
    if priority is RepairPriority.ROUTINE:
        return end_of_london_day(calendar.add_working_days(reported_day, routine_working_days))
    return end_of_london_day(reported_day + timedelta(days=planned_days))
