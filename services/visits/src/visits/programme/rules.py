"""The risk-based visit programme's pure rules: a home's visit priority, as an
explainable score from weighted factors (weights are configuration: RiskWeights), and
when a home's next visit is due and of which kind (VisitIntervals)."""

from __future__ import annotations

import calendar
import hashlib
import json
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import NamedTuple

from pydantic import BaseModel, ConfigDict, Field, NonNegativeInt

from hearth_contracts.events.compliance import GasSupply, Tenure
from hearth_contracts.events.engagement import AgeBand
from hearth_contracts.events.income import ArrearsStage, TenancyType
from hearth_contracts.events.visits import NoAccessReason, VisitKind
from visits.settings import RiskWeights, VisitIntervals

INTRODUCTORY_TYPES = frozenset({TenancyType.INTRODUCTORY, TenancyType.STARTER})
HOUSEHOLD_GAVE_NO_ACCESS = frozenset(
    {
        NoAccessReason.NO_ANSWER,
        NoAccessReason.RESIDENT_AWAY,
        NoAccessReason.ENTRY_REFUSED_ON_THE_DAY,
        NoAccessReason.APPOINTMENT_CANCELLED_LATE,
    }
)
"""The no-access reasons of a visit that are the household not letting anyone in: its
no-access history. Unsafe to enter is the officer's call, and other says nothing about
whose side it was; a lite visit, a call that went unanswered, is no failure to let
anyone in. The same reasons compliance holds against a household (its no-access
history, for a check's lead time), so the two services judge one visit alike."""


OUT_OF_PROGRAMME = frozenset({Tenure.LEASEHOLD, Tenure.SHARED_OWNERSHIP})
"""Tenures whose homes the visit programme leaves out (ADR 0115): the annual home visit
is the landlord's visit to its tenants, and a leaseholder or shared owner is not one. Such
a home is never ranked, never counted beyond its interval, nor in the figures; a visit can
still be booked there on request."""


def in_programme(tenure: Tenure | None) -> bool:
    """Whether a home of this tenure is in the visit programme. Unknown (None: a home
    visits heard of before it kept the tenure, until compliance announces it again) stays
    in, as every home was before."""
    return tenure not in OUT_OF_PROGRAMME


NEW_TENANCY_MONTHS = 12
"""A tenancy is new for its first 12 months (the introductory period)."""
RESCORE_AT_LEAST_EVERY = 365
"""Days: a stored score nothing has changed is still worked out again this often."""
RULES_REVISION = 12
"""Bumped when a change to these rules changes a home's score or next visit as worked
out from the same facts (2, 30 November 2026: a stock condition survey falling due makes
the visit full; 3, 1 December 2026: a tenancy is introductory while income says so, not
until `introductory_ends_on`; 4, 1 December 2026: a tenancy income announced ahead is not
the home's, nor its residents the household's, until it starts; 5, 1 December 2026: a
survey completed with no room inventory is not the survey, ADR 0098; 6, 1 December
2026: no-access history and customer actions outstanding are the household's living
there, counted from its tenancy's first day; 7, 1 December 2026: so are its contacts, and
very low contact is judged once it has lived there the whole 12 months; 8, 1 December
2026: a visit's no access is no-access history only when the household gave none to an
officer at the door, HOUSEHOLD_GAVE_NO_ACCESS; 9, 1 December 2026: a customer action
lapsed when its household left is not outstanding, visits migration 0017; 10, 1 December
2026: a visit made once the full visit has fallen due is full, not lite; 11, 1 December
2026: a contact naming a resident counts only when they were of the household living
there on its day, ADR 0151; 12, 1 December 2026: a combined appointment with no access is
one trip, its gas check's access-failed not counted again, ADR 0199): part of
configuration_fingerprint, so once the change is
deployed the programme-rescore job works every stored score out again, as after a
changed weight."""


class ContactFrequency(StrEnum):
    """How often the household contacts the landlord, against the configured bounds."""

    VERY_LOW = "very_low"
    USUAL = "usual"
    VERY_HIGH = "very_high"


class Factor(StrEnum):
    """A reason a home rises up the visit programme."""

    BEYOND_INTERVAL = "beyond_interval"
    CONTACT_VERY_LOW = "contact_very_low"
    CONTACT_VERY_HIGH = "contact_very_high"
    VULNERABILITIES = "vulnerabilities"
    LIVING_ALONE = "living_alone"
    AGE_BAND = "age_band"
    CUSTOMER_ACTIONS_OUTSTANDING = "customer_actions_outstanding"
    NO_ANNUAL_GAS_VISIT = "no_annual_gas_visit"
    NEW_OR_INTRODUCTORY_TENANCY = "new_or_introductory_tenancy"
    ARREARS = "arrears"
    DAMP_HISTORY = "damp_history"
    NO_ACCESS_HISTORY = "no_access_history"
    OFFICER_VISIT_FOR_CHECK_ACCESS = "officer_visit_for_check_access"
    """Compliance's no-access procedure for a safety check (gas above all) reached its
    housing officer visit step: an officer goes in person to get access."""


class HomeRiskFactors(BaseModel):
    """What is known about a home and its household that bears on its visit priority."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    beyond_interval: bool = Field(default=False, description="Past its maximum visit interval")
    contact_frequency: ContactFrequency = ContactFrequency.USUAL
    contacts_last_12_months: NonNegativeInt = 0
    vulnerabilities_declared: NonNegativeInt = Field(
        default=0, description="Residents with a recorded vulnerability (a flag each)"
    )
    living_alone: bool = False
    age_band: AgeBand | None = Field(default=None, description="The eldest resident's band")
    customer_actions_outstanding: NonNegativeInt = Field(
        default=0, description="Promised at earlier visits and still open"
    )
    no_annual_gas_visit: bool = Field(
        default=False,
        description="No annual gas safety check (compliance's decision; for a home compliance "
        "has not said it of, no live gas supply), so no gas visit sees inside every year",
    )
    new_or_introductory_tenancy: bool = False
    arrears_stage: ArrearsStage = ArrearsStage.NONE
    damp_history: bool = False
    no_access_visits: NonNegativeInt = Field(
        default=0, description="Visits and compliance check attempts that got no access"
    )
    officer_visit_for_check_access: bool = Field(
        default=False,
        description="A safety check's no-access procedure asked for a housing officer visit "
        "(access-escalated) and neither the check nor a full visit has been done since",
    )


class HomeFacts(NamedTuple):
    """HomeRiskFactors as a plain tuple: what the ranking of every home holds per home
    (a pydantic model each for 100,000 homes costs more than the scoring itself)."""

    beyond_interval: bool
    contact_frequency: ContactFrequency
    contacts_last_12_months: int
    vulnerabilities_declared: int
    living_alone: bool
    age_band: AgeBand | None
    customer_actions_outstanding: int
    no_annual_gas_visit: bool
    new_or_introductory_tenancy: bool
    arrears_stage: ArrearsStage
    damp_history: bool
    no_access_visits: int
    officer_visit_for_check_access: bool = False

    def model(self) -> HomeRiskFactors:
        return HomeRiskFactors(**self._asdict())


class Reason(BaseModel):
    """One factor that raised the score, and by how much."""

    model_config = ConfigDict(frozen=True)

    factor: Factor
    points: int


class RiskScore(BaseModel):
    """A home's visit priority: the higher, the sooner. The score is the sum of the
    reasons' points, so it explains itself."""

    model_config = ConfigDict(frozen=True)

    score: int
    reasons: list[Reason]


def no_annual_gas_visit(needs_gas_safety_check: bool | None, gas_supply: GasSupply | None) -> bool:
    """Nobody from the landlord sees inside the home every year for gas: compliance
    gives it no annual gas safety check. Compliance's own decision when its event said
    it (a capped supply with a landlord gas appliance still gets the check); for a
    home only older events described (None), a known gas supply that is not live; a
    home nothing is known of, no."""
    if needs_gas_safety_check is not None:
        return not needs_gas_safety_check
    return gas_supply is not None and gas_supply is not GasSupply.LIVE


def contact_frequency(contacts: int, weights: RiskWeights) -> ContactFrequency:
    if contacts <= weights.contact_very_low_at_most:
        return ContactFrequency.VERY_LOW
    if contacts >= weights.contact_very_high_at_least:
        return ContactFrequency.VERY_HIGH
    return ContactFrequency.USUAL


def household_contact(
    contacts: int, weights: RiskWeights, *, whole_window: bool
) -> ContactFrequency:
    """How often the household living there contacts the landlord, from the contacts it
    made since it moved in within the window. Very low is judged only of a household
    that has lived there the whole window (`whole_window`): a few weeks with no call are
    not a year of silence, and a new household scores as one already. Very high is
    judged of any: that many contacts in less time is more often still."""
    frequency = contact_frequency(contacts, weights)
    if frequency is ContactFrequency.VERY_LOW and not whole_window:
        return ContactFrequency.USUAL
    return frequency


def whole_window_on(moved_in: date, window_months: int) -> date:
    """The first day whose contact window (opening the same day `window_months` earlier,
    the month's last day when it is shorter) opens on or after `moved_in`: from then the
    household has lived there the whole window (moved in 29 February 2024: 1 March 2025)."""
    day = add_months(moved_in, window_months)
    while add_months(day, -window_months) < moved_in:
        day += timedelta(days=1)
    return day


def visit_priority(factors: HomeRiskFactors, weights: RiskWeights) -> RiskScore:
    """Score a home for the visit programme: each present factor adds its weight (counted
    factors add theirs per item, up to a cap). Only factors that added points are reasons."""
    reasons = [
        Reason.model_construct(factor=factor, points=points)
        for factor, points in points_earned(factors, weights)
    ]
    return RiskScore.model_construct(score=sum(r.points for r in reasons), reasons=reasons)


def points_earned(
    factors: HomeRiskFactors | HomeFacts, weights: RiskWeights
) -> list[tuple[Factor, int]]:
    """The factors that add points to the home's score, with their points (the score is
    their sum). The ranking of every home uses this directly and explains only the top."""
    earned: list[tuple[Factor, int]] = [
        (Factor.BEYOND_INTERVAL, weights.beyond_interval * factors.beyond_interval),
        (
            Factor.CONTACT_VERY_LOW,
            weights.contact_very_low * (factors.contact_frequency is ContactFrequency.VERY_LOW),
        ),
        (
            Factor.CONTACT_VERY_HIGH,
            weights.contact_very_high * (factors.contact_frequency is ContactFrequency.VERY_HIGH),
        ),
        (
            Factor.VULNERABILITIES,
            weights.per_vulnerability
            * min(factors.vulnerabilities_declared, weights.vulnerabilities_counted),
        ),
        (Factor.LIVING_ALONE, weights.living_alone * factors.living_alone),
        (
            Factor.AGE_BAND,
            0 if factors.age_band is None else weights.age_band[factors.age_band],
        ),
        (
            Factor.CUSTOMER_ACTIONS_OUTSTANDING,
            weights.per_customer_action_outstanding
            * min(factors.customer_actions_outstanding, weights.customer_actions_counted),
        ),
        (Factor.NO_ANNUAL_GAS_VISIT, weights.no_annual_gas_visit * factors.no_annual_gas_visit),
        (
            Factor.NEW_OR_INTRODUCTORY_TENANCY,
            weights.new_or_introductory_tenancy * factors.new_or_introductory_tenancy,
        ),
        (Factor.ARREARS, weights.arrears_stage[factors.arrears_stage]),
        (Factor.DAMP_HISTORY, weights.damp_history * factors.damp_history),
        (
            Factor.NO_ACCESS_HISTORY,
            weights.per_no_access * min(factors.no_access_visits, weights.no_access_counted),
        ),
        (
            Factor.OFFICER_VISIT_FOR_CHECK_ACCESS,
            weights.officer_visit_for_check_access * factors.officer_visit_for_check_access,
        ),
    ]
    return [(factor, points) for factor, points in earned if points > 0]


def add_months(day: date, months: int) -> date:
    """The same day `months` later (the month's last day when it is shorter)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def is_new_tenancy(start_date: date | None, tenancy_type: TenancyType | None, today: date) -> bool:
    """A new or introductory tenancy (DOMAIN.md's risk factor): introductory (or
    starter) while income last said it is, whatever `introductory_ends_on` says, since
    a trial that possession proceedings keep open is still a trial and only income's
    tenancy-type-changed ends it (ADR 0066, amended 2026-12-01); and any tenancy, of
    whatever type, in its first 12 months."""
    if tenancy_type in INTRODUCTORY_TYPES:
        return True
    if start_date is None:
        return False
    return today < no_longer_new_on(start_date)


def no_longer_new_on(start_date: date) -> date:
    """The day a tenancy has run 12 full months (a tenancy started on 29 February is
    new until the 1st of March a year on)."""
    month_index = start_date.month - 1 + NEW_TENANCY_MONTHS
    year, month = start_date.year + month_index // 12, month_index % 12 + 1
    if start_date.day <= calendar.monthrange(year, month)[1]:
        return date(year, month, start_date.day)
    return add_months(date(year, month, 1), 1)


@dataclass(frozen=True, slots=True)
class VisitHistory:
    """When a home was last visited (completed visits only), by kind, and the day its
    intervals run from while it has no visit of a kind recorded (`counted_from`: the
    later of its registration in the asset register and its current tenancy's start;
    None when neither is known, and the home is then due the day it is scored). The
    last stock condition survey is the last one whose report holds the room inventory
    (ADR 0098): one completed without is the last full visit, not the survey."""

    last_visit: date | None = None
    last_full_visit: date | None = None
    last_stock_condition_survey: date | None = None
    counted_from: date | None = None


def counted_from(registered_on: date | None, tenancy_start: date | None) -> date | None:
    """The day a home's visit intervals run from before its first visit: the later of
    the day it joined the asset register and its current tenancy's start, so a home is
    not counted overdue for the years before the programme knew it, nor for a previous
    household; once that is a year ago and no visit is recorded, it is beyond its
    interval like any other home."""
    known = [day for day in (registered_on, tenancy_start) if day is not None]
    return max(known) if known else None


@dataclass(frozen=True, slots=True)
class NextVisit:
    kind: VisitKind
    stock_condition_survey: bool
    due_by: date
    beyond_interval: bool
    survey_due: bool = False
    """A full visit in the home made for this one would be the stock condition survey:
    none is recorded, or the last is `stock_condition_survey_years` old by then (what
    an officer visit for a check's access, full in the home, does; with_officer_visit)."""


def next_visit(history: VisitHistory, today: date, intervals: VisitIntervals) -> NextVisit:
    """When the home must next be visited and how: some visit within `any_visit_months`
    of the last, a full visit within `full_visit_months` of the last full one; with no
    visit (or no full visit) recorded, those intervals run from `counted_from`, and a
    home with neither is due the day it is scored. Between full visits the visit is lite
    when configured, but a home never given a full visit gets one, and so does one whose
    full visit falls due by then: the visit is full when the full visit is due on or
    before its due date, or today once that is past (a home last visited in full six
    years ago is owed an officer in the home, not a call). The survey is the
    next visit when the last one is `stock_condition_survey_years` old on its due date
    (or today, when that is past), and that visit is then a full one even where the
    alternation would make it lite: the survey needs the home, and left to the full
    visit after, it came round in the sixth year. A home with no survey recorded has
    it at its next full visit (no lite visit is made a full one for it)."""
    since_any = history.last_visit or history.counted_from
    since_full = history.last_full_visit or history.counted_from
    due_any = today if since_any is None else add_months(since_any, intervals.any_visit_months)
    due_full = today if since_full is None else add_months(since_full, intervals.full_visit_months)
    due_by = min(due_any, due_full)
    last_survey = history.last_stock_condition_survey
    survey_years = intervals.stock_condition_survey_years
    survey_falls_due = last_survey is not None and (
        add_months(last_survey, 12 * survey_years) <= max(due_by, today)
    )
    survey_due = last_survey is None or survey_falls_due
    full = (
        not intervals.alternate_lite
        or history.last_full_visit is None
        # the full visit falls due by the time the visit is made: on its due date, or
        # today once that is past (a lite call made then would leave the home more than
        # full_visit_months without an officer inside)
        or due_full <= max(due_any, today)
        or survey_falls_due
    )
    return NextVisit(
        kind=VisitKind.FULL if full else VisitKind.LITE,
        stock_condition_survey=full and survey_due,
        due_by=due_by,
        beyond_interval=due_by < today,
        survey_due=survey_due,
    )


def officer_visit_open(asked_on: date | None, last_full_visit: date | None) -> bool:
    """An officer visit asked for on `asked_on` (for a check not yet done) is still to
    be made: no full visit in the home has been completed on or after that day."""
    return asked_on is not None and (last_full_visit is None or last_full_visit < asked_on)


def with_officer_visit(upcoming: NextVisit) -> NextVisit:
    """The next visit when an officer must go in person for a check's access: a full
    visit in the home (never a lite call), otherwise as the intervals say; being in the
    home, it is the stock condition survey when a full visit then would be."""
    if upcoming.kind is VisitKind.FULL:
        return upcoming
    return NextVisit(
        kind=VisitKind.FULL,
        stock_condition_survey=upcoming.survey_due,
        due_by=upcoming.due_by,
        beyond_interval=upcoming.beyond_interval,
        survey_due=upcoming.survey_due,
    )


def configuration_fingerprint(weights: RiskWeights, intervals: VisitIntervals) -> str:
    """A short fingerprint of the configuration a score was worked out with, and of the
    rules' revision: a stored score whose fingerprint differs from the running one's is
    re-scored."""
    settled = json.dumps(
        {
            "weights": weights.model_dump(mode="json"),
            "intervals": intervals.model_dump(mode="json"),
            "rules": RULES_REVISION,
        },
        sort_keys=True,
    )
    return hashlib.sha256(settled.encode()).hexdigest()[:32]


def rescore_on(
    today: date,
    history: VisitHistory,
    upcoming: NextVisit,
    intervals: VisitIntervals,
    *,
    tenancy_start: date | None,
    introductory: bool,
    oldest_contact_in_window: date | None,
    contact_window_months: int,
    next_tenancy_starts: date | None = None,
    very_low_judged_on: date | None = None,
) -> date:
    """The first day after `today` on which the passing of time alone may change the home's
    score or next visit: it passes its due date (beyond interval), its full visit falls
    due (a lite next visit becomes full), its tenancy stops
    being new (12 months from the start; an introductory tenancy stays so until income's
    tenancy-type-changed, whose handler re-scores the home, so no date of its trial is a
    candidate), its stock condition survey falls due, or its oldest contact of the last
    12 months drops out of the window (calendar months: on the first day whose window,
    opening the same day `contact_window_months` earlier, opens after the contact's
    day), or a tenancy income announced ahead starts (`next_tenancy_starts`: the factors
    become the incoming household's), or a household that has made very few contacts
    since it moved in has lived there the whole contact window (`very_low_judged_on`:
    very low contact is judged of it from then). A home never visited counts its interval from its
    registration or tenancy start (rules.counted_from); one with neither is due "today"
    (the day it is scored), so it is re-scored the next day; every home is re-scored at
    least once a year. Events change the other factors and re-score the home as they
    arrive."""
    candidates = [
        upcoming.due_by + timedelta(days=1),
        today + timedelta(days=RESCORE_AT_LEAST_EVERY),
    ]
    since_full = history.last_full_visit or history.counted_from
    if since_full is not None:
        # the full visit falls due: a lite next visit past its due date becomes full
        candidates.append(add_months(since_full, intervals.full_visit_months))
    if history.last_stock_condition_survey is not None:
        candidates.append(
            add_months(
                history.last_stock_condition_survey, 12 * intervals.stock_condition_survey_years
            )
        )
    if tenancy_start is not None and not introductory:
        candidates.append(no_longer_new_on(tenancy_start))
    if next_tenancy_starts is not None:
        # a tenancy income announced ahead becomes the home's: its household's factors
        candidates.append(next_tenancy_starts)
    if very_low_judged_on is not None:
        # the household has lived there the whole contact window, and has made no more
        # contacts than very low allows: from then it is very low (household_contact)
        candidates.append(very_low_judged_on)
    if oldest_contact_in_window is not None:
        # usually the day after the contact's date a year on; a window opening on a
        # shorter month's last day keeps a contact of that day a day longer (one of
        # 28 February 2023 is still in on 29 February 2024)
        leaves = add_months(oldest_contact_in_window, contact_window_months) + timedelta(days=1)
        while add_months(leaves, -contact_window_months) <= oldest_contact_in_window:
            leaves += timedelta(days=1)
        candidates.append(leaves)
    return min(day for day in candidates if day > today)
