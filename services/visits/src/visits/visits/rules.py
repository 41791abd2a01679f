"""Pure rules of the home visit: who may be visited how, and what a report may hold."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, timedelta

from hearth_contracts.events.visits import RepairSeverity, VisitChannel, VisitKind
from hearth_kit.working_days import london_day
from visits.models import VisitStatus
from visits.programme.rules import add_months
from visits.visits.schemas import VisitOutcome, VisitReport

DEFAULT_LENGTH: dict[VisitKind, timedelta] = {
    VisitKind.FULL: timedelta(minutes=60),
    VisitKind.LITE: timedelta(minutes=30),
}
"""A full visit takes about an hour in the home; a lite call about half that."""

CHANNELS: dict[VisitKind, frozenset[VisitChannel]] = {
    VisitKind.FULL: frozenset({VisitChannel.IN_HOME}),
    VisitKind.LITE: frozenset({VisitChannel.PHONE, VisitChannel.VIDEO}),
}
"""A full visit is made in the home; a lite visit by phone or video."""

STATUS_AFTER: dict[VisitOutcome, VisitStatus] = {
    VisitOutcome.COMPLETED: VisitStatus.COMPLETED,
    VisitOutcome.NO_ACCESS: VisitStatus.NO_ACCESS,
    VisitOutcome.DECLINED: VisitStatus.DECLINED,
}


PLANNING_HORIZON_MONTHS = 24
"""How far after London's today a caller may plan a visit's day, a referral's review or
a customer action's due date (ADR 0076): the full visit interval (24 months, DOMAIN.md),
so the furthest booking a landlord would defend; a later day is a typing slip (2062 for
2026), and a visit booked there would hold the home's next visit years beyond its
interval."""


def latest_planned_day(today: date) -> date:
    """The last day a visit, a review or an action may be planned for: the same day
    `PLANNING_HORIZON_MONTHS` on (the month's last day when it is shorter)."""
    return add_months(today, PLANNING_HORIZON_MONTHS)


def check_planned_day(day: date, today: date, field: str, what: str) -> None:
    """`day` (a visit's, a review's, an action's) is no later than latest_planned_day."""
    latest = latest_planned_day(today)
    if day > latest:
        raise RuleBroken(
            f"{what} is more than {PLANNING_HORIZON_MONTHS} months ahead: the latest day "
            f"accepted today is {latest.isoformat()}",
            field,
        )


def check_referral(refer: bool, review_on: date | None, today: date, field: str) -> None:
    """A referral to the sustainable tenancy caseload names its review date, after
    `today` (as a direct referral's must) and within the planning horizon: the same rule
    for a draft's concern and the one-shot report's."""
    if not refer:
        return
    if review_on is None:
        raise RuleBroken(
            "A referral to the sustainable tenancy caseload needs a review date", field
        )
    if review_on <= today:
        raise RuleBroken("The review date must be after today (as a direct referral's must)", field)
    check_planned_day(review_on, today, field, "The review date")


def check_action_due(due_on: date | None, visited_on: date, today: date, field: str) -> None:
    """An action promised at a visit is due no earlier than the visit's London day, and
    within the planning horizon: the same rule for a draft's and the one-shot report's."""
    if due_on is None:
        return
    if due_on < visited_on:
        raise RuleBroken(
            "An action promised at the visit is due no earlier than the visit's day "
            f"({visited_on.isoformat()}, from visited_at)",
            field,
        )
    check_planned_day(due_on, today, field, "The due date")


NOTES_SCOPE = "visits:notes"
"""The need-to-know scope that shows the officer's free-text notes: the visit's own and
each tenancy concern's (safeguarding, support needs). Visit officers hold it; the
contact centre, with visits:read only, sees the concern codes and never the notes."""


def may_read_notes(scopes: Collection[str]) -> bool:
    """Whether a caller with `scopes` needs, and so may see, the officer's notes."""
    return NOTES_SCOPE in scopes


class RuleBroken(Exception):
    """A request that breaks a visit rule, naming the field at fault."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def channel_for(kind: VisitKind, channel: VisitChannel | None) -> VisitChannel:
    """The channel a visit of `kind` is made by: a full visit only in the home (the
    default); a lite visit by phone or video, which the booking must say."""
    allowed = CHANNELS[kind]
    if channel is None:
        if len(allowed) == 1:
            return next(iter(allowed))
        choices = " or ".join(sorted(allowed))
        raise RuleBroken(f"A {kind} visit is made by {choices}: say which", "channel")
    if channel not in allowed:
        choices = " or ".join(sorted(allowed))
        raise RuleBroken(f"A {kind} visit is made by {choices}, not {channel}", "channel")
    return channel


def check_lite_offered(kind: VisitKind, next_kind: VisitKind) -> None:
    """A lite visit, by phone or video, is offered every other year (DOMAIN.md): in the
    year between full visits, that is only when the home's next visit, as the programme
    works it out for the visit's day, is lite. A home never given a full visit, one whose
    full visit falls due (24 months), whose stock condition survey falls due, or where an
    officer must go in person for a safety check's access is owed a full visit in the
    home: a call booked in its place leaves nobody seeing inside, while the programme
    counts a visit made. A full visit may always be booked where a lite one is offered."""
    if kind is VisitKind.LITE and next_kind is VisitKind.FULL:
        raise RuleBroken(
            "A lite visit is offered only in the year between full visits: this home's next "
            "visit is a full one in the home (never given one, its full visit or stock "
            "condition survey falling due, or an officer visit for a safety check's access; "
            "GET /v1/programme/homes/{uprn} says which). Book kind full",
            "kind",
        )


EMERGENCY_NOT_HELD_FOR_THE_REPORT = (
    "An emergency repair found on a visit is not held for the report: report it to repairs "
    "at once as a first contact (POST /v1/repairs: priority emergency, source home_visit, "
    "reported_at when you saw it), so it is made safe within 24 hours on its own. A visit "
    "report holds non-emergency repairs, which wait for the report and go together into "
    "the visit's one follow-on appointment (ADR 0166)"
)


def check_repair_not_emergency(severity: RepairSeverity | None, field: str) -> None:
    """A repair found with emergency severity is refused in a visit's report (DOMAIN.md:
    the report holds non-emergency repairs found, and all from one visit go into one
    follow-on appointment). Taken, it would reach repairs only when the report is
    submitted, maybe days after the officer saw it, its 24-hour clock counted from then,
    and be grouped into the visit's appointment request with the routine work, whose
    booking asks for all of it together (ADR 0145): an emergency waiting for a joint
    slot. The officer reports it to repairs at once instead (ADR 0166). A hazard is not
    refused so: repairs opens each emergency hazard's Awaab's Law case on its own, not in
    the visit's appointment, its clock from visited_at."""
    if severity is RepairSeverity.EMERGENCY:
        raise RuleBroken(EMERGENCY_NOT_HELD_FOR_THE_REPORT, field)


def held_the_home_on(start_date: date | None, ended_on: date | None, day: date) -> bool:
    """A tenancy held the home on `day`: started by it (a start not heard of yet counts,
    as for the briefing's residents) and not ended before it (`ended_on` is its last day).
    A tenancy withdrawn before its first day ended the day before it: it holds no day
    (ADR 0111)."""
    if start_date is not None and start_date > day:
        return False
    return ended_on is None or ended_on >= day


def can_be_reported(status: VisitStatus) -> bool:
    """Only a booked visit that has not been reported yet takes a report."""
    return status is VisitStatus.SCHEDULED


ONLY_AT_A_COMPLETED_VISIT = (
    ("repairs_found", "Repairs are found only on"),
    ("hazards_found", "Hazards are found only on"),
    ("communal_issues", "Communal issues are found only on"),
    ("customer_actions", "Customer actions are promised only at"),
    ("actions_closed", "Customer actions are closed only at"),
    ("concerns_dealt_with", "Tenancy concerns are dealt with only at"),
)
"""What a report records only of a visit that went ahead, each under its own field
(checked in this order): one rule, worded for each."""


def check_report(report: VisitReport) -> None:
    """Findings of repairs, hazards and communal issues, customer actions promised or
    closed, concerns dealt with, and the household's details, need a completed visit (as
    a draft's report, always completed, records them); a visit that did not go ahead says
    why, with the reason for its own outcome only. A completed visit's report holds the
    household's details confirmed or corrected with a resident (DOMAIN.md; a draft's
    report needs its household piece, ADR 0146): without them the visit is not what a
    completed visit is. Household details given were checked with a resident:
    household_confirmed sent false with them contradicts them."""
    completed = report.outcome is VisitOutcome.COMPLETED
    for field, recorded in ONLY_AT_A_COMPLETED_VISIT:
        if not completed and getattr(report, field):
            raise RuleBroken(
                f"{recorded} a completed visit, not one that ended {report.outcome}", field
            )
    if not completed and report.household is not None:
        raise RuleBroken(
            "The household's details are confirmed only at a completed visit, not one that "
            f"ended {report.outcome}",
            "household",
        )
    if completed and report.household is None:
        raise RuleBroken(
            "A completed visit's report holds the household's details, confirmed or "
            "corrected with a resident of the home (household: resident_id, household_size; "
            "the briefing lists the residents)",
            "household",
        )
    if (
        report.household is not None
        and "household_confirmed" in report.model_fields_set
        and not report.household_confirmed
    ):
        raise RuleBroken(
            "household_confirmed is false, but household gives the details a resident "
            "confirmed: leave it out or send true",
            "household_confirmed",
        )
    for n, repair in enumerate(report.repairs_found):
        check_repair_not_emergency(repair.severity, f"repairs_found.{n}.severity")
    if report.outcome is VisitOutcome.NO_ACCESS and report.no_access_reason is None:
        raise RuleBroken("Say why there was no access", "no_access_reason")
    if report.outcome is not VisitOutcome.NO_ACCESS and report.no_access_reason is not None:
        raise RuleBroken("A no-access reason goes with a no_access outcome", "no_access_reason")
    if report.outcome is VisitOutcome.DECLINED and report.decline_reason is None:
        raise RuleBroken("Say why the household declined the visit", "decline_reason")
    if report.outcome is not VisitOutcome.DECLINED and report.decline_reason is not None:
        raise RuleBroken("A decline reason goes with a declined outcome", "decline_reason")


def check_report_days(report: VisitReport, today: date) -> None:
    """The days a one-shot report plans, by the draft's rules (check_referral,
    check_action_due): each referral's review date, each action's due date."""
    visited_on = london_day(report.visited_at)
    for concern in report.tenancy_concerns:
        check_referral(
            concern.refer_to_sustainable_tenancy,
            concern.review_on,
            today,
            "tenancy_concerns.review_on",
        )
    for action in report.customer_actions:
        check_action_due(action.due_on, visited_on, today, "customer_actions.due_on")


def can_rebook(status: VisitStatus) -> bool:
    """A visit is rebooked after no access (a declined visit is not chased)."""
    return status is VisitStatus.NO_ACCESS
