"""Pure tenancy rules."""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from datetime import date, timedelta
from typing import NamedTuple

from hearth_contracts.events.income import TenancyType, trial_ends_on
from income.models import CourtOutcome, TenancyStatus
from income.settings import LandlordKind

INTRODUCTORY_PERIOD_MONTHS = 12
EXTENSION_MONTHS = 6


def add_months(start: date, months: int) -> date:
    """The same day `months` later; a day the later month lacks (29 to 31) becomes its
    last day, so 29 February plus 12 months is 28 February."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


RECORDED_AHEAD_MONTHS = 12
"""How far ahead of London's today a tenancy's start, or a rent change, may be recorded
(ADR 0075's amendment). A tenancy is signed up days or weeks before the keys are handed
over (a new build's a few months), and a rent change is set in the winter for the April
rent year and notified a month or four weeks ahead (Housing Act 1988 s.13, Housing Act
1985 s.103): a year covers both with room to spare. A day further on is a year typed
wrong (2062 for 2026), which would charge no rent until then, or put a rent change where
no rent run reaches it for decades, with nothing to show the mistake."""


def latest_day_ahead(today: date) -> date:
    """The last day a start or a rent change recorded today may fall on: the same day a
    year on (`RECORDED_AHEAD_MONTHS`; a 29 February's year on is 28 February)."""
    return add_months(today, RECORDED_AHEAD_MONTHS)


def why_not_brought_forward_as_at(as_at: date, today: date) -> str | None:
    """Why a balance brought forward cannot be struck `as_at` (None: it can; ADR 0132).
    It is struck at the end of a rent week (a Sunday), so the weeks it holds are whole
    weeks the rent run can tell apart from Hearth's; and at the end of one already over,
    so the current rent week's charge, which is not yet arrears, is Hearth's own (struck
    in the middle of a week, the old system's charge of that week would be read as
    arrears and the ladder would write to every household yet to pay it)."""
    current_week = today - timedelta(days=today.weekday())
    if as_at.weekday() != 6:
        return (
            "A balance is brought forward as at the last day of a rent week (a Sunday), "
            f"not a {calendar.day_name[as_at.weekday()]}"
        )
    if as_at >= current_week:
        return (
            "A balance is brought forward as at the end of a rent week already over: the "
            f"current rent week began on {current_week}"
        )
    return None


AFTER_THE_NOTICE = frozenset({"court_warning", "court_application"})
"""Steps a case reaches on a notice of seeking possession already served: one brought
forward at them names the notice's day (ADR 0144)."""


def why_not_stage_brought_forward(
    stage: str,
    reached_on: date,
    notice_served_on: date | None,
    started_on: date,
    as_at: date | None,
) -> tuple[str, str] | None:
    """Why the old system's arrears step cannot be brought forward with a loaded
    tenancy, as (field, message), or None (ADR 0144). It comes with the balance the
    arrears are in (`as_at`: none, no load), reached in the tenancy's life and by the
    day that balance was struck (never later: the balance holds the arrears it was
    reached for, and the day is over, so never in the future). A court step stands on a
    notice: its day is named, served by the step and in the tenancy's life; at the
    notice the step's day is the notice's, and below it there is none."""
    field = "arrears_stage_brought_forward"
    if as_at is None:
        return (
            field,
            "An arrears stage is brought forward with the balance it is for: "
            "give balance_brought_forward too",
        )
    if reached_on < started_on or reached_on > as_at:
        return (
            f"{field}.reached_on",
            f"A stage brought forward was reached in the tenancy's life (from {started_on}) "
            f"and by the day its balance was struck ({as_at})",
        )
    if stage in AFTER_THE_NOTICE:
        if notice_served_on is None:
            return (
                f"{field}.notice_served_on",
                f"A case at {stage} is on a notice of seeking possession: give the day it "
                "was served",
            )
        if notice_served_on < started_on or notice_served_on > reached_on:
            return (
                f"{field}.notice_served_on",
                f"The notice was served in the tenancy's life (from {started_on}) and by the "
                f"day {stage} was reached ({reached_on})",
            )
        return None
    if notice_served_on is not None and (
        stage != "notice_of_seeking_possession" or notice_served_on != reached_on
    ):
        return (
            f"{field}.notice_served_on",
            "Only a case at court_warning or court_application names its notice's day (at "
            "notice_of_seeking_possession it is reached_on)",
        )
    return None


TYPES_GRANTED: dict[LandlordKind, frozenset[TenancyType]] = {
    LandlordKind.COUNCIL: frozenset(
        {TenancyType.SECURE, TenancyType.INTRODUCTORY, TenancyType.FIXED_TERM}
    ),
    LandlordKind.HOUSING_ASSOCIATION: frozenset(
        {TenancyType.ASSURED, TenancyType.STARTER, TenancyType.FIXED_TERM, TenancyType.SECURE}
    ),
}
"""The tenancy types each kind of landlord can grant (ADR 0150). DOMAIN.md: introductory
for councils, starter for housing associations, then secure or assured. A council's
tenancies are secure (Housing Act 1985 s.79-80), introductory (Housing Act 1996 s.124:
councils and housing action trusts only) or fixed-term (a flexible tenancy, a secure
tenancy for a term, s.107A); a council cannot grant an assured tenancy (Housing Act
1988 Sch.1 para.12), nor so a starter one. An association's are assured, starter (an
assured shorthold on trial) or fixed-term (an assured tenancy for a term), and secure
too: one granted before 15 January 1989, or since to the association's own secure tenant
moving home (Housing Act 1988 s.35(4)), which a go-live load brings; an association
cannot grant an introductory tenancy (s.124)."""


def why_not_granted(kind: LandlordKind | None, tenancy_type: TenancyType) -> str | None:
    """Why a landlord of `kind` cannot record a tenancy of `tenancy_type`, or None: it can,
    or no kind is configured (development only; production does not start without it)."""
    if kind is None or tenancy_type in TYPES_GRANTED[kind]:
        return None
    granted = ", ".join(sorted(TYPES_GRANTED[kind]))
    landlord = "A council" if kind is LandlordKind.COUNCIL else "A housing association"
    return f"{landlord} does not grant {tenancy_type} tenancies: it grants {granted}"


TRIAL_TYPES = (TenancyType.INTRODUCTORY, TenancyType.STARTER)
"""Tenancies on trial: introductory for councils, starter for housing associations, the
same trial period (DOMAIN.md)."""


def introductory_ends_on(tenancy_type: TenancyType, start_date: date) -> date | None:
    """An introductory or starter tenancy's trial period ends 12 months after it starts;
    other tenancy types have no trial period. The day it gives is the first day off
    trial (secure or assured unless decided otherwise): the trial is a year beginning
    with the start, so its last day is the day before (Housing Act 1996 s.125;
    `trial_ends_on`, ADR 0059)."""
    if tenancy_type not in TRIAL_TYPES:
        return None
    return trial_ends_on(start_date, INTRODUCTORY_PERIOD_MONTHS)


def trial_year_ends_on(start_date: date) -> date:
    """The first day off trial of a trial not extended: a year from the start."""
    return trial_ends_on(start_date, INTRODUCTORY_PERIOD_MONTHS)


def extended_end(start_date: date) -> date:
    """An extended introductory (or starter) tenancy's trial ends 18 months after it starts (12,
    extended once by 6, s.125A): the first day off trial, as `introductory_ends_on`."""
    return trial_ends_on(start_date, INTRODUCTORY_PERIOD_MONTHS + EXTENSION_MONTHS)


def trial_last_day(ends_on: date) -> date:
    """The trial's last day, the tenancy on trial all of it: the day before it ends."""
    return ends_on - timedelta(days=1)


SETTLED_TYPE = {
    TenancyType.INTRODUCTORY: TenancyType.SECURE,
    TenancyType.STARTER: TenancyType.ASSURED,
}
"""What a trial becomes when it ends undecided: an introductory (council) tenancy
secure, a starter (housing association) tenancy assured (DOMAIN.md)."""


def proceedings_begun(
    last_day: date, notice_served_on: date | None, notice_live_until: date | None
) -> bool:
    """Possession proceedings begun during the trial keep the tenancy on trial until
    they are decided. Income records no notice of proceedings apart from the arrears
    ladder's notice of seeking possession: a notice served by the trial's last day and
    still live on it counts as proceedings begun (ADR 0059). Their end, when the court
    dismissed the claim or it was withdrawn, is `proceedings_ended_on` (ADR 0067)."""
    return (
        notice_served_on is not None
        and notice_live_until is not None
        and notice_served_on <= last_day <= notice_live_until
    )


def notice_of_proceedings(last_day: date, notices: Sequence[tuple[date, date]]) -> date | None:
    """The day the notice that began proceedings during the trial was served, among
    every notice the case was served (`notices`: served on, live until): the latest one
    served by the trial's last day and live on it (`proceedings_begun`). A notice served
    after the last day does not hide it (income keeps them all). None: no such notice."""
    begun = [served for served, until in notices if proceedings_begun(last_day, served, until)]
    return max(begun, default=None)


PROCEEDINGS_ENDED = frozenset({CourtOutcome.DISMISSED, CourtOutcome.WITHDRAWN})
"""Outcomes that end possession proceedings in the tenant's favour (Housing Act 1996
s.130: the notice withdrawn, or the proceedings determined in the tenant's favour)."""


def proceedings_ended_on(
    notice_served_on: date, latest_outcome: CourtOutcome | None, decided_on: date | None
) -> date | None:
    """The day the proceedings a notice began ended without possession, from the
    case's latest court hearing: dismissed or withdrawn on or after the day the notice
    was served (a hearing decided before it belongs to earlier proceedings). None while
    they go on: no hearing yet, one listed and undecided, adjourned, or a possession
    order (the officer decides the tenancy then) (ADR 0067)."""
    if latest_outcome not in PROCEEDINGS_ENDED or decided_on is None:
        return None
    return decided_on if decided_on >= notice_served_on else None


NOTICE_OF_PROCEEDINGS_MONTHS = 6
"""A notice of proceedings served during the trial keeps the tenancy introductory for
at most the six months beginning with the day it was served unless possession
proceedings are brought in them (Housing Act 1996 s.130(2)(c), ADR 0075)."""


class HearingOnRecord(NamedTuple):
    """What the trial rule reads of a court hearing recorded on the case."""

    listed_for: date
    recorded_on: date
    """The London day it was recorded (`listed_at`)."""
    claim_issued_on: date | None = None
    """The date of issue on the claim form, when the officer gave it."""

    @property
    def brought_on(self) -> date:
        """The day the proceedings were brought: the claim's date of issue, when given
        (when it happened), else the day the hearing was recorded (a hearing recorded
        before income kept the date, or relisted without it: the latest the claim can
        have been issued, as before ADR 0075's amendment)."""
        return self.claim_issued_on if self.claim_issued_on is not None else self.recorded_on


def notice_spent_on(served_on: date) -> date:
    """The day a notice served on `served_on` stops keeping a tenancy on trial if no
    proceedings were brought: the period of six months beginning with the day it was
    served ends at the end of the day before the same date six months on, so the tenancy
    is secure (or assured) from that date, counted as the trial is (`trial_ends_on`: the
    1st of the next month when that month lacks the day). Served 10 January 2027: on
    trial to 9 July, secure from 10 July; served 31 August 2026, secure from 1 March
    2027."""
    return trial_ends_on(served_on, NOTICE_OF_PROCEEDINGS_MONTHS)


def proceedings_brought(served_on: date, hearings: Sequence[HearingOnRecord]) -> bool:
    """Whether possession proceedings were brought on the notice within its six months.
    Income's record of a claim is a court hearing: the county court fixes the hearing
    when it issues a possession claim (CPR 55.5(1)), so a hearing on record means a
    claim was issued. One counts when it is listed for a day on or after the notice
    was served (not earlier proceedings) and its claim was brought from the day the
    notice was served to the six months' last day (`brought_on`: the claim's date of
    issue, else the day the hearing was recorded). Days that happened, not the day the
    job looks, so the answer is the same whichever day the job runs (ADR 0075)."""
    spent = notice_spent_on(served_on)
    return any(
        hearing.listed_for >= served_on and served_on <= hearing.brought_on < spent
        for hearing in hearings
    )


def notice_spent_without_proceedings(
    served_on: date, hearings: Sequence[HearingOnRecord], today: date, grace_days: int = 0
) -> date | None:
    """The day a notice stopped keeping the tenancy on trial because its six months
    passed with no proceedings brought (`notice_spent_on`, s.130(2)(c)); None while the
    six months run, or for `grace_days` after them (up to today: a claim issued on
    their last days is recorded days later, and counts), or when proceedings were
    brought in them (then only their end, `proceedings_ended_on`, or an officer settles
    it). The day given is the legal one, however long the grace."""
    spent = notice_spent_on(served_on)
    if today < spent + timedelta(days=grace_days) or proceedings_brought(served_on, hearings):
        return None
    return spent


def notice_stopped_keeping_on(
    served_on: date,
    hearings: Sequence[HearingOnRecord],
    today: date,
    *,
    proceedings_ended: date | None = None,
    withdrawn_on: date | None = None,
    grace_days: int = 0,
) -> date | None:
    """The day the notice of proceedings served on `served_on` stopped keeping the
    tenancy on trial, as far as income knows by `today` (Housing Act 1996 s.130(2)): the
    earliest of (a) the day the notice was withdrawn (ADR 0081), (b) the day the
    proceedings ended in the tenant's favour, dismissed or withdrawn
    (`proceedings_ended`, ADR 0067), and (c) the day after its six months when no
    proceedings were brought in them (`notice_spent_on`, ADR 0075). The six months
    count only once `grace_days` more have passed (a claim issued on their last days is
    recorded later, and would take (c) away), unless (a) or (b) came no later: then the
    day is known already. A withdrawal dated before the notice was served or after
    `today` is not one (the route refuses both). None: the notice still keeps it."""
    withdrawn = (
        withdrawn_on if withdrawn_on is not None and served_on <= withdrawn_on <= today else None
    )
    known = [day for day in (proceedings_ended, withdrawn) if day is not None]
    if not proceedings_brought(served_on, hearings):
        spent = notice_spent_on(served_on)
        if today >= spent + timedelta(days=grace_days):
            known.append(spent)
        elif not known or min(known) > spent:
            return None  # the six months, or the grace after them, still run
    return min(known, default=None)


NO_CLAIM_IN_TIME = "no_claim_issued_in_the_notices_six_months"
"""Why a settlement stands: no notice of proceedings served during the trial had a
claim issued within its six months on record."""
SETTLED_RIGHTLY = "the_notice_stopped_keeping_the_trial_by_the_day_settled"
"""Why a settlement stands: the claim was brought in time, but the notice stopped
keeping the trial (withdrawn, or the proceedings ended) by the day it was settled from."""


def reinstatement_refused(
    settled_from: date,
    trial_ended_on: date,
    served_on: date | None,
    hearings: Sequence[HearingOnRecord],
    today: date,
    *,
    proceedings_ended: date | None = None,
    withdrawn_on: date | None = None,
) -> str | None:
    """Why a trial the trial-end job settled from `settled_from` may not be put back on
    trial, or None when it may (ADR 0081). `served_on` is the notice of proceedings
    served during the trial (`notice_of_proceedings`, None: none). It may be put back
    when a claim was issued within the notice's six months (`proceedings_brought`: then
    s.130(2)(c) never applied) and, with what is on record today, the notice had not
    stopped keeping the trial by that day (it still keeps it, or it stopped later: the
    job then settles the trial again, from the right day). Otherwise the settlement
    stands: `NO_CLAIM_IN_TIME` or `SETTLED_RIGHTLY`."""
    if served_on is None or not proceedings_brought(served_on, hearings):
        return NO_CLAIM_IN_TIME
    stopped = notice_stopped_keeping_on(
        served_on,
        hearings,
        today,
        proceedings_ended=proceedings_ended,
        withdrawn_on=withdrawn_on,
    )
    if stopped is not None and settled_on(trial_ended_on, stopped) <= settled_from:
        return SETTLED_RIGHTLY
    return None


TRIAL_TYPE_OF = {settled: trial for trial, settled in SETTLED_TYPE.items()}
"""What a settled trial was: secure was introductory, assured was starter."""


def settled_on(ends_on: date, proceedings_ended: date | None) -> date:
    """The day an undecided trial's tenancy becomes secure (or assured): the day the
    trial ends, or, when a notice of proceedings kept it on trial past that, the day
    the notice stopped keeping it (the proceedings ended, or its six months passed with
    none brought; s.130: it stays introductory until then)."""
    return ends_on if proceedings_ended is None else max(ends_on, proceedings_ended)


def why_not_current(status: TenancyStatus) -> str:
    """What a change refused to a tenancy no longer current says of it: one withdrawn
    before its first day never ran, so it did not end (ADR 0111)."""
    if status is TenancyStatus.WITHDRAWN:
        return "was withdrawn before its first day"
    return "has ended"
