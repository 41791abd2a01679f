"""Awaab's Law deadlines: pure rules, no I/O.

Clocks start when the landlord became aware (or, for the steps after it, when the
investigation was done). A deadline of N working days is met by anything before the
start of the London day after the Nth working day, so a working-day (or week) clock
stores `due_at` as that first late moment and a step before it is in time. The emergency
clock is 24 calendar hours to the microsecond and stores `due_at` as the 24-hour moment
itself: made safe at it is in time, as a repair emergency made safe at its target moment
is on time (work_orders.rules.completed_on_time). `met` holds the two conventions,
and repository.late (the breach job's and the figures' SQL) says the
same, so no moment is in time for a stop yet breached for the job.
A pause moves the deadline on by the time paused. Working days are the law's (the
service counts in ENGLAND_AND_WALES: weekends and bank holidays only), never the
landlord's closure days (docs/adr/0035).

- emergency hazard: make safe (or rehouse) within 24 hours;
- significant damp and mould: investigate within 10 working days; then a written
  summary within 3 working days and safety work begun within 5 working days of the
  investigation, and further work physically started within 12 weeks;
- finishing the work "within a reasonable period": the law sets no number, so the
  landlord sets the last day with the written summary (which tells the tenant the
  timescales), and the complete_work clock is late from the London day after it
  (docs/adr/0087).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from hearth_contracts.events.repairs import AwaabMilestone
from hearth_contracts.events.visits import HazardSeverity
from hearth_kit.working_days import WorkingDayCalendar, london_day, start_of_london_day
from repairs.models import AwaabCase, AwaabCaseStatus
from repairs.settings import AwaabTargets

IN_FORCE = start_of_london_day(date(2025, 10, 27))
"""Awaab's Law in force (DOMAIN.md): 27 October 2025, London time."""

IN_FORCE_DAY = "27 October 2025"


def before_the_law(became_aware_at: datetime) -> bool:
    """Whether the landlord became aware before Awaab's Law was in force (IN_FORCE):
    no case is opened with the law's clocks for it, however it reaches repairs (a
    manager's POST is refused, an event is skipped and logged, a damp repair opens none:
    docs/adr/0156, docs/adr/0190). Its clocks would be owed for a duty that did not exist
    then, breached the moment they started and counted in the figures as the law's."""
    return became_aware_at < IN_FORCE


AFTER_INVESTIGATION = (
    AwaabMilestone.WRITTEN_SUMMARY,
    AwaabMilestone.BEGIN_SAFETY_WORK,
    AwaabMilestone.START_FURTHER_WORK,
)


def clocks_after_investigation(hazard_found: bool) -> tuple[AwaabMilestone, ...]:
    """The clocks an investigation starts. The written summary of its findings is owed
    to the tenant whatever it found; safety work, and further work, only when it found
    the hazard (docs/adr/0108): an investigation of a damp complaint that finds
    condensation, not a significant hazard, owes no safety work, and clocks for it would
    breach for work the law does not ask for."""
    if hazard_found:
        return AFTER_INVESTIGATION
    return (AwaabMilestone.WRITTEN_SUMMARY,)


def is_damp_and_mould(hazard_type: str) -> bool:
    """Whether a hazard type as reported (a code, or any text) names damp or mould."""
    kind = hazard_type.lower()
    return "damp" in kind or "mould" in kind


def under_awaabs_law(severity: HazardSeverity, hazard_type: str) -> bool:
    """Emergency hazards of any kind, and significant damp and mould (phase 1)."""
    if severity is HazardSeverity.EMERGENCY:
        return True
    return severity is HazardSeverity.SIGNIFICANT and is_damp_and_mould(hazard_type)


def recorded_on_open_damp_case(severity: HazardSeverity, hazard_type: str) -> bool:
    """Whether a hazard seen at a home whose damp has an open significant case is
    recorded on that case rather than opening its own (docs/adr/0193): significant damp
    and mould only. An emergency has its own 24-hour make-safe duty; any other type the
    law comes to cover (a later phase widening under_awaabs_law) is not the home's damp,
    and recorded there it would have no clock of its own."""
    return severity is HazardSeverity.SIGNIFICANT and is_damp_and_mould(hazard_type)


def first_milestone(severity: HazardSeverity) -> AwaabMilestone:
    if severity is HazardSeverity.EMERGENCY:
        return AwaabMilestone.MAKE_SAFE
    return AwaabMilestone.INVESTIGATE


def _after_working_days(start: datetime, days: int, calendar: WorkingDayCalendar) -> datetime:
    """The first late moment for "within `days` working days of `start`"."""
    due_day = calendar.add_working_days(london_day(start), days)
    return start_of_london_day(due_day + timedelta(days=1))


def due_at(
    milestone: AwaabMilestone,
    started_at: datetime,
    *,
    targets: AwaabTargets,
    calendar: WorkingDayCalendar,
    finish_by: date | None = None,
) -> datetime:
    """The deadline of the clock started at `started_at` (before any pause): the
    24-hour moment for make safe, else the first late moment (see `met`). Finishing the
    work has no fixed deadline: its clock needs the last day the landlord set,
    `finish_by`."""
    if started_at.tzinfo is None:
        raise ValueError("started_at must be timezone-aware")
    if milestone is AwaabMilestone.MAKE_SAFE:
        return started_at.astimezone(UTC) + timedelta(hours=targets.emergency_hours)
    if milestone is AwaabMilestone.INVESTIGATE:
        return _after_working_days(started_at, targets.investigate_working_days, calendar)
    if milestone is AwaabMilestone.WRITTEN_SUMMARY:
        return _after_working_days(started_at, targets.written_summary_working_days, calendar)
    if milestone is AwaabMilestone.BEGIN_SAFETY_WORK:
        return _after_working_days(started_at, targets.safety_work_working_days, calendar)
    if milestone is AwaabMilestone.START_FURTHER_WORK:
        due_day = london_day(started_at) + timedelta(weeks=targets.further_work_weeks)
        return start_of_london_day(due_day + timedelta(days=1))
    if milestone is AwaabMilestone.COMPLETE_WORK and finish_by is not None:
        return start_of_london_day(finish_by + timedelta(days=1))
    raise ValueError(f"{milestone} has no fixed deadline")


def met(milestone: AwaabMilestone, stopped_at: datetime, due: datetime) -> bool:
    """Whether a step done at `stopped_at` met its deadline: make safe up to and
    including its 24-hour moment ("within 24 hours" is met at exactly 24 hours);
    a working-day or week clock before its first late moment, the start of the London
    day after the due day (so 23:59:59.9 on the due day is in time)."""
    if milestone is AwaabMilestone.MAKE_SAFE:
        return stopped_at <= due
    return stopped_at < due


def resumed_due(due: datetime, paused_at: datetime, resumed_at: datetime) -> datetime:
    """The deadline after a pause: moved on by the time paused."""
    return due + max(timedelta(0), resumed_at - paused_at)


def last_recorded(
    started_at: datetime,
    pauses: list[dict[str, str]],
    paused_at: datetime | None,
    revised_summaries: Sequence[dict[str, Any]] = (),
) -> datetime:
    """The latest moment a clock's record holds: its start, the end of its last pause,
    the start of the pause it is in, or the last revised summary that moved its day. A
    new pause (or the stop, or a revised summary) may not come before it: pauses never
    overlap, so no stretch of time moves a deadline twice, and none before a revised
    summary moves the day it set (docs/adr/0092)."""
    ends = [datetime.fromisoformat(p["to"]) for p in pauses if "to" in p]
    revised = [datetime.fromisoformat(r["at"]) for r in revised_summaries]
    return max([started_at, *ends, *revised, *([paused_at] if paused_at is not None else [])])


def why_not_kept(case: AwaabCase, kept: AwaabCase | None) -> str | None:
    """Why `kept` cannot be the case `case` is the same damp as, or None when it can: it
    exists, is another case at the same home, of the same severity (an emergency's
    make-safe is a duty of its own), not itself a duplicate (name the case it is the
    same damp as), and its landlord was aware no later than `case`'s. The case kept is
    the one whose clocks began first: withdrawing the earlier clocks would lose the
    lawful start (Awaab's Law counts from becoming aware, docs/adr/0216)."""
    if kept is None:
        return "No Awaab's Law case with that id"
    if kept.id == case.id:
        return "A case is not a duplicate of itself"
    if kept.uprn != case.uprn:
        return "That case is at another home"
    if kept.severity is not case.severity:
        return f"That case is {kept.severity}, this one {case.severity}"
    if kept.status is AwaabCaseStatus.DUPLICATE and kept.duplicate_of == case.id:
        return "That case is already closed as the same damp as this one"
    if kept.status is AwaabCaseStatus.DUPLICATE:
        return f"That case is itself the same damp as case {kept.duplicate_of}: name that one"
    if kept.became_aware_at > case.became_aware_at:
        return (
            "That case began after this one: keep the case whose clocks began first (mark "
            "that case the same damp as this one)"
        )
    return None
