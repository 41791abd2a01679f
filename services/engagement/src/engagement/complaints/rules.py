"""The Housing Ombudsman's Complaint Handling Code as pure rules: when each stage must
be acknowledged and answered, how far an answer may be extended, and whether a deadline
has passed. Days are the Code's working days, counted in the calendar the service is
given: app.py gives it `ENGLAND_AND_WALES` (weekends and bank holidays only), never the
landlord's closure days, since the Code is statutory (docs/adr/0041). They are counted
from the London day the thing happened; a deadline is met by anything before the start
of the next London day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from hearth_contracts.events.engagement import ComplaintStage
from hearth_kit.working_days import WorkingDayCalendar, london_day


@dataclass(frozen=True)
class StageTimescale:
    """One stage's timescales, in working days."""

    acknowledge_within: int
    """From receipt (stage 1) or the escalation request (stage 2)."""
    respond_within: int
    """From the acknowledgement."""
    extend_by_at_most: int
    """How far the answer's date may move, in all, from the date the Code set."""


CODE_TIMESCALES: dict[ComplaintStage, StageTimescale] = {
    ComplaintStage.STAGE_1: StageTimescale(
        acknowledge_within=5, respond_within=10, extend_by_at_most=10
    ),
    ComplaintStage.STAGE_2: StageTimescale(
        acknowledge_within=5, respond_within=20, extend_by_at_most=20
    ),
}
"""The statutory Code's numbers (settings may carry a landlord's stricter ones)."""


def acknowledge_by(
    requested_at: datetime, timescale: StageTimescale, calendar: WorkingDayCalendar
) -> date:
    """The last day to acknowledge: the working days counted from the day it was
    received (stage 1) or escalation was asked for (stage 2)."""
    return calendar.add_working_days(london_day(requested_at), timescale.acknowledge_within)


def respond_by(
    acknowledged_at: datetime, timescale: StageTimescale, calendar: WorkingDayCalendar
) -> date:
    """The last day to answer: the working days counted from the acknowledgement."""
    return calendar.add_working_days(london_day(acknowledged_at), timescale.respond_within)


def latest_extension(
    code_respond_by: date, timescale: StageTimescale, calendar: WorkingDayCalendar
) -> date:
    """The furthest an answer may be put back: the stage's limit in working days after
    the date the Code set (10 at stage 1, 20 at stage 2), however many extensions."""
    return calendar.add_working_days(code_respond_by, timescale.extend_by_at_most)


def has_passed(deadline: date, now: datetime) -> bool:
    """A deadline passes when its London day is over: anything before the start of the
    next London day meets it (23:59:59.5 on the day included)."""
    return london_day(now) > deadline


def earliest_receipt(now: datetime, years: int) -> datetime:
    """The earliest moment a complaint may say it was received, or a survey response
    that it was given: `years` before `now` (29 February falls back to the 28th). Older
    is not a plausible complaint on the Code's clocks, nor a response for this decade's
    satisfaction figures (1999-01-01 is a typing slip)."""
    try:
        return now.replace(year=now.year - years)
    except ValueError:
        return now.replace(year=now.year - years, day=28)


def same_person(one: str, other: str) -> bool:
    """Two handler names name the same person, whatever their case and spacing
    ("Hana One" and "hana one ")."""
    return " ".join(one.split()).casefold() == " ".join(other.split()).casefold()


def stage_1_escalatable_at(
    *,
    acknowledge_by: date,
    acknowledged_at: datetime | None,
    respond_by: date | None,
    responded_at: datetime | None,
    moment: datetime,
) -> bool:
    """Whether the resident could ask for stage 2 at `moment`: stage 1 was answered by
    then, or was late then, either never acknowledged with its acknowledgement's day
    over, or acknowledged but unanswered with its answer's day over. An escalation
    is judged when it was asked for, so one dated before stage 1 was answered, while
    stage 1 was still in time, is not one."""
    if responded_at is not None and responded_at <= moment:
        return True
    if acknowledged_at is None or acknowledged_at > moment:
        return has_passed(acknowledge_by, moment)
    return respond_by is not None and has_passed(respond_by, moment)


class ExtensionRefused(ValueError):
    """Why an extension is not allowed; `field` names the request field at fault."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


def check_extension(
    *,
    current_respond_by: date,
    code_respond_by: date,
    new_respond_by: date,
    agreed_at: datetime,
    acknowledged_at: datetime,
    now: datetime,
    breach_raised: bool,
    timescale: StageTimescale,
    calendar: WorkingDayCalendar,
) -> None:
    """An extension must be agreed (told to the resident) after the acknowledgement and
    before the current deadline has passed, and recorded before it has passed too (never
    after the deadline: a date agreed "yesterday" cannot be backdated past a deadline
    that is over now, nor once its breach was raised); it moves the date later, to a
    working day, and stays within the stage's limit. Raises ExtensionRefused naming the
    field at fault."""
    if agreed_at > now:
        raise ExtensionRefused("agreed_at is in the future", field="agreed_at")
    if agreed_at < acknowledged_at:
        raise ExtensionRefused("agreed_at is before the stage was acknowledged", field="agreed_at")
    if breach_raised or has_passed(current_respond_by, now):
        raise ExtensionRefused(
            f"The deadline of {current_respond_by.isoformat()} has passed: an extension "
            "must be agreed and recorded before it",
            field="agreed_at",
        )
    if has_passed(current_respond_by, agreed_at):
        raise ExtensionRefused(
            f"The deadline of {current_respond_by.isoformat()} has passed: an extension "
            "must be agreed before it",
            field="agreed_at",
        )
    if new_respond_by <= current_respond_by:
        raise ExtensionRefused(
            f"The new date must be after the current deadline {current_respond_by.isoformat()}",
            field="new_respond_by",
        )
    if not calendar.is_working_day(new_respond_by):
        raise ExtensionRefused(
            f"{new_respond_by.isoformat()} is not a working day (a weekend or a bank "
            "holiday in England and Wales)",
            field="new_respond_by",
        )
    limit = latest_extension(code_respond_by, timescale, calendar)
    if new_respond_by > limit:
        raise ExtensionRefused(
            f"At most {timescale.extend_by_at_most} working days after "
            f"{code_respond_by.isoformat()}: no later than {limit.isoformat()}",
            field="new_respond_by",
        )


def answered_in_time(responded_at: datetime, deadline: date) -> bool:
    """Answered on or before its (possibly extended) deadline (CH02)."""
    return not has_passed(deadline, responded_at)


def answered_within_the_code(
    *,
    stage: ComplaintStage,
    acknowledged_at: datetime,
    deadline: date,
    responded_at: datetime,
    calendar: WorkingDayCalendar,
) -> bool:
    """Answered within the Code's timescales (CH02): by the Code's own date, counted
    from the acknowledgement with the Code's numbers (CODE_TIMESCALES), or by the
    stage's date in force (`deadline`, its `respond_by`) when that is later, an agreed
    extension. A landlord's stricter timescale sets an earlier `respond_by`, which the
    breach is raised against: an answer after it and within the Code's is late against
    the landlord's target and in time for the regulator's measure. An extension is
    limited within the Code's own allowance (check_extension), so a later date in force
    is one the Code allows."""
    code_date = respond_by(acknowledged_at, CODE_TIMESCALES[stage], calendar)
    return answered_in_time(responded_at, max(deadline, code_date))
