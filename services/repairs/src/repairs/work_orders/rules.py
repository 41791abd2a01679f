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

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from pydantic import BaseModel, ConfigDict

from hearth_contracts.events.repairs import RepairPriority
from hearth_kit.strict_types import StrictBoolean
from hearth_kit.working_days import (
    ENGLAND_AND_WALES,
    WorkingDayCalendar,
    end_of_london_day,
    london_day,
    next_london_day_start,
    start_of_london_day,
)


def earliest_report(now: datetime, years: int) -> datetime:
    """The earliest moment a report may say the landlord became aware of something:
    `years` before `now` (29 February falls back to the 28th). Older is not a plausible
    report (1066-10-14 is a typing slip, 0001-01-01 would overflow the calendar)."""
    try:
        return now.replace(year=now.year - years)
    except ValueError:
        return now.replace(year=now.year - years, day=28)


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
        # In UTC: adding hours to a London wall-clock time would lose or gain the hour
        # the clocks change by.
        return reported_at.astimezone(UTC) + timedelta(hours=emergency_hours)
    reported_day = london_day(reported_at)
    if priority is RepairPriority.URGENT:
        return end_of_london_day(calendar.add_working_days(reported_day, urgent_working_days))
    if priority is RepairPriority.ROUTINE:
        return end_of_london_day(calendar.add_working_days(reported_day, routine_working_days))
    return end_of_london_day(reported_day + timedelta(days=planned_days))


def work_class(priority: RepairPriority) -> str:
    """HACT's work class of a raised repair: `planned` for planned work (an improvement
    rather than a repair, a visit's minor finding), `responsive` for the rest. RP02
    counts responsive repairs only and leaves planned work out; the contractor is told
    the same, not `responsive` for every work order."""
    return "planned" if priority is RepairPriority.PLANNED else "responsive"


FOLLOW_ON_OF_AN_EMERGENCY = RepairPriority.URGENT
"""The priority of work left on an emergency repair once it was made safe (its follow-on):
the danger is dealt with, and what is left is put right as an urgent repair is, within
its working days counted from when it was found (docs/adr/0218)."""


def work_after_make_safe(
    repair_priority: RepairPriority, made_safe_at: datetime | None
) -> RepairPriority | None:
    """The priority a work order of a repair is raised at when it is not the repair's own:
    work raised on an emergency already made safe is follow-on work, whose 24-hour target
    (to make safe, docs/adr/0038) was met or missed already; None otherwise (the work order
    carries the repair's priority and target)."""
    if repair_priority is RepairPriority.EMERGENCY and made_safe_at is not None:
        return FOLLOW_ON_OF_AN_EMERGENCY
    return None


def target_with_remedy_by(target_at: datetime, remedy_by: datetime | None) -> datetime:
    """A safety defect's repair is due by the earlier of its priority's target and the
    date compliance says the remedy is due by (an EICR's C2 within 28 days, say), when
    it gives one: the law's deadline is never later than the landlord's own target."""
    if remedy_by is None:
        return target_at
    return min(target_at, remedy_by.astimezone(UTC))


def completed_on_time(
    completed_at: datetime, target_at: datetime, priority: RepairPriority
) -> bool:
    """RP02: an emergency is on time up to its target moment (calendar hours); any other
    priority is on time if completed before the start of the London day after its target
    day (so 23:59:59.5 on the target day counts, with no one-second gap)."""
    if priority is RepairPriority.EMERGENCY:
        return completed_at <= target_at
    return completed_at < next_london_day_start(target_at)


def measured_at(
    priority: RepairPriority, completed_at: datetime, made_safe_at: datetime | None
) -> datetime:
    """The moment RP02 judges against the target: for an emergency, when it was made
    safe (DOMAIN.md: "make safe within 24 hours"; its first work order completed, the
    follow-on work after it is not the emergency); for any other priority, when the
    repair was completed."""
    if priority is RepairPriority.EMERGENCY and made_safe_at is not None:
        return made_safe_at
    return completed_at


def overdue(
    target_at: datetime,
    priority: RepairPriority,
    now: datetime,
    made_safe_at: datetime | None = None,
    open_work: Iterable[tuple[datetime, RepairPriority]] = (),
) -> bool:
    """An open repair is overdue from the moment completing it would be late: an
    emergency after its target moment, any other priority from the start of the London
    day after its target day (open at 23:59:59.5 on the target day is not overdue yet: no
    one-second gap against `completed_on_time`). An emergency made safe is judged by its
    make-safe (RP02, docs/adr/0038), and what is left is its follow-on, with a target of
    its own (docs/adr/0218): it is overdue while a work order of it still open
    (`open_work`: each one's `required_by` and priority) is past that target, judged as
    that work order's completion would be, or a follow-on asked for and not raised, or
    raised and cancelled, is past the due its asking completion kept (docs/adr/0235)."""
    if priority is RepairPriority.EMERGENCY and made_safe_at is not None:
        return any(
            not completed_on_time(now, required_by, work_priority)
            for required_by, work_priority in open_work
        )
    return not completed_on_time(now, target_at, priority)


def overdue_priority(priority: RepairPriority, made_safe: bool) -> RepairPriority:
    """The priority an overdue repair is counted at (hearth_repairs_overdue): its own,
    except an emergency made safe, overdue only by its follow-on, which is urgent work
    (FOLLOW_ON_OF_AN_EMERGENCY, docs/adr/0218); the emergency count is of homes not yet
    made safe (HearthEmergencyRepairsOverdue)."""
    if priority is RepairPriority.EMERGENCY and made_safe:
        return FOLLOW_ON_OF_AN_EMERGENCY
    return priority


def overdue_if_target_before(now: datetime) -> datetime:
    """For a non-emergency repair, the same rule as a bound a query can use: overdue at
    `now` exactly when its target is before the start of now's London day."""
    return start_of_london_day(london_day(now))


class TriageAnswers(BaseModel):
    """The contact centre's triage questions: the answers set the priority."""

    model_config = ConfigDict(extra="forbid")

    danger_to_health_or_safety: StrictBoolean = False
    home_not_secure: StrictBoolean = False
    uncontained_water_leak: StrictBoolean = False
    no_heating_or_hot_water: StrictBoolean = False
    affects_daily_living: StrictBoolean = False
    improvement_not_repair: StrictBoolean = False


def triage(answers: TriageAnswers) -> RepairPriority:
    """The priority the triage answers call for: danger, an insecure home or an
    uncontained leak are emergencies; no heating or hot water, or something that stops
    daily living, is urgent; an improvement is planned; anything else is routine."""
    if answers.danger_to_health_or_safety or answers.home_not_secure:
        return RepairPriority.EMERGENCY
    if answers.uncontained_water_leak:
        return RepairPriority.EMERGENCY
    if answers.no_heating_or_hot_water or answers.affects_daily_living:
        return RepairPriority.URGENT
    if answers.improvement_not_repair:
        return RepairPriority.PLANNED
    return RepairPriority.ROUTINE


_FINDING_SEVERITY: dict[str, RepairPriority] = {
    "emergency": RepairPriority.EMERGENCY,
    "urgent": RepairPriority.URGENT,
    "routine": RepairPriority.ROUTINE,
    "planned": RepairPriority.PLANNED,
    "serious": RepairPriority.URGENT,
    "moderate": RepairPriority.ROUTINE,
    "minor": RepairPriority.PLANNED,
    "significant": RepairPriority.URGENT,
}


def priority_of_finding(severity: str | None) -> RepairPriority:
    """The priority of a repair found on a visit from the officer's severity (visits'
    RepairSeverity: emergency -> emergency, serious -> urgent, moderate -> routine,
    minor -> planned; a priority word is taken as it is); routine when the finding
    carries none (reports from before the officer was asked)."""
    if severity is None:
        return RepairPriority.ROUTINE
    return _FINDING_SEVERITY.get(severity.lower(), RepairPriority.ROUTINE)
