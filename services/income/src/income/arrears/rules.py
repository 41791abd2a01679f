"""The arrears ladder as pure rules: given where a case stands and the account's
situation, the next thing recovery does. No I/O; thresholds come from configuration
(`ArrearsLadder`, DOMAIN.md's defaults).

A step is reached AT its threshold: a text reminder at 500 pence of arrears, not at
499. Days are London days between the step and today; DOMAIN.md's months (3 to send
letter 2 or the notice, 12 a notice is live) are calendar months of London days, the
days an arrangement held the ladder left out of the 3 (ADR 0219). A
notice the landlord withdrew is live no more from the day it was withdrawn (ADR 0081,
amended): it can found no court step, and the case needs a fresh notice."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from hearth_contracts.events.income import ArrearsStage, InstalmentFrequency, TenancyType
from hearth_kit.working_days import london_day
from income.arrangements import rules as arrangement_rules
from income.models import CourtOutcome
from income.settings import ArrearsLadder
from income.tenancies.rules import PROCEEDINGS_ENDED, add_months, settled_on

LADDER = (
    ArrearsStage.NONE,
    ArrearsStage.TEXT_REMINDER,
    ArrearsStage.LETTER_1,
    ArrearsStage.LETTER_2,
    ArrearsStage.NOTICE_OF_SEEKING_POSSESSION,
    ArrearsStage.COURT_WARNING,
    ArrearsStage.COURT_APPLICATION,
)
COURT_STEPS = frozenset({ArrearsStage.COURT_WARNING, ArrearsStage.COURT_APPLICATION})


@dataclass(frozen=True, slots=True)
class PreActionProtocol:
    """The pre-action protocol for possession claims by social landlords, as recorded
    on the case. Every condition must hold before a court step."""

    tenant_contacted: bool = False
    arrangement_offered: bool = False
    statements_given: bool = False
    benefit_issues_pursued: bool = False
    benefit_claim_pending: bool = False
    vulnerability_considered: bool = False

    def missing(self) -> str | None:
        """The first condition not met, by name, or None when the protocol is met."""
        if not self.tenant_contacted:
            return "tenant_contacted"
        if not self.arrangement_offered:
            return "arrangement_offered"
        if not self.statements_given:
            return "statements_given"
        if not self.benefit_issues_pursued:
            return "benefit_issues_pursued"
        if self.benefit_claim_pending:
            return "no_benefit_claim_pending"
        if not self.vulnerability_considered:
            return "vulnerability_considered"
        return None


def step_counts(done_at: datetime | None, clear_of_arrears_at: datetime | None) -> bool:
    """Whether a pre-action protocol step done at `done_at` counts for the arrears the
    case is recovering now (ADR 0133): done, and not before the ladder last found the
    account clear of arrears. The protocol is about the arrears a claim is for: a
    contact, an offer, a statement or benefit advice given for arrears since paid off
    is not one for arrears that arose later (a case cleared after its notice and owing
    again goes on by its notice to the court warning, so old steps would found a claim
    with none taken for these)."""
    return done_at is not None and (clear_of_arrears_at is None or done_at >= clear_of_arrears_at)


@dataclass(frozen=True, slots=True)
class CaseState:
    stage: ArrearsStage
    letter_1_at: datetime | None = None
    letter_2_at: datetime | None = None
    nosp_served_at: datetime | None = None
    nosp_withdrawn_on: date | None = None
    """The day the landlord withdrew the case's latest notice (`nosp_served_at`'s), or
    None: not withdrawn."""
    court_warning_at: datetime | None = None
    before_the_court: str | None = None
    """Why the court holds the ladder (`court_hold`), or None."""
    resume_at_next_step: bool = False
    paused_for_review: bool = False
    personal_contact_needed: bool = False
    protocol: PreActionProtocol = PreActionProtocol()


@dataclass(frozen=True, slots=True)
class Situation:
    arrears_pence: int
    weekly_gross_rent_pence: int
    now: datetime
    tenancy_started_on: date
    arrangement_kept: bool = False
    vulnerability_unreviewed: bool = False
    rent_charged_back_on: date | None = None
    """The day the tenancy was recorded, when rent weeks were charged back then (its
    start was in the past, ADR 0112); None otherwise."""
    tenancy_type: TenancyType | None = None
    """The tenancy's type, which decides its notice period (ADR 0202); None: not known,
    the longest configured period applies."""
    arrangement_broken_now: bool = False
    """An arrangement on the account was found broken at this look (a missed
    instalment): in a new tenancy's first weeks, a missed payment to ask the tenant
    about in person (ADR 0220)."""
    held_by_arrangements: tuple[tuple[date, date], ...] = ()
    """The London days arrangements on the account held the ladder: each from the day
    one was made to the day it ended (today while it is live), that day left out. Not
    counted in the 3 months letter 2 and the notice have after the letter before
    (ADR 0219)."""


@dataclass(frozen=True, slots=True)
class Move:
    """The case moves to `stage` (raises arrears-stage-changed with the reason)."""

    stage: ArrearsStage
    reason: str


@dataclass(frozen=True, slots=True)
class Blocked:
    """A court step is due but the pre-action protocol is not met: `missing` names the
    condition."""

    stage: ArrearsStage
    missing: str


@dataclass(frozen=True, slots=True)
class PersonalContact:
    """A new tenancy missed a payment: a personal-contact task, not a letter."""

    reason: str


@dataclass(frozen=True, slots=True)
class PersonalContactCleared:
    """The arrears that asked for personal contact are paid: the task is no longer
    needed (the summary stops showing it)."""

    reason: str


@dataclass(frozen=True, slots=True)
class PausedForReview:
    """A vulnerability is recorded: the automatic step waits for a review."""

    stage: ArrearsStage
    reason: str


@dataclass(frozen=True, slots=True)
class Stay:
    reason: str


Decision = Move | Blocked | PersonalContact | PersonalContactCleared | PausedForReview | Stay


COURT_ORDER_HOLDS = frozenset(
    {
        CourtOutcome.ADJOURNED,
        CourtOutcome.ADJOURNED_ON_TERMS,
        CourtOutcome.SUSPENDED_POSSESSION_ORDER,
        CourtOutcome.POSTPONED_POSSESSION_ORDER,
        CourtOutcome.OUTRIGHT_POSSESSION_ORDER,
    }
)
"""Outcomes that leave the claim before the court, or an order in force: the ladder
goes on holding. Dismissed and withdrawn end the proceedings (ADR 0067)."""

DECIDED_AT_THE_HEARING = frozenset(
    {
        CourtOutcome.ADJOURNED_ON_TERMS,
        CourtOutcome.SUSPENDED_POSSESSION_ORDER,
        CourtOutcome.POSTPONED_POSSESSION_ORDER,
        CourtOutcome.OUTRIGHT_POSSESSION_ORDER,
        CourtOutcome.DISMISSED,
    }
)
"""Outcomes only the hearing itself gives, so never decided before the day it was
listed for; a claim can be withdrawn, or a hearing adjourned, before that day."""


ON_TERMS = frozenset(
    {
        CourtOutcome.ADJOURNED_ON_TERMS,
        CourtOutcome.SUSPENDED_POSSESSION_ORDER,
        CourtOutcome.POSTPONED_POSSESSION_ORDER,
    }
)
"""Outcomes whose terms the tenant keeps by paying the current rent plus an instalment
towards the arrears, and may carry them (ADR 0084). An outright order has none (it gives
a day for possession), nor a dismissal, a withdrawal or a plain adjournment."""

TERMS_FIRST_INSTALMENT_WITHIN_MONTHS = 3
"""The first instalment of the court's terms falls due at most this many calendar months
after the decision: courts order payment from the next payday or benefit day, and a day
further on is a mistyped date that would leave the terms unwatched for months."""


@dataclass(frozen=True, slots=True)
class CourtTerms:
    """The court's terms: the current rent plus `arrears_instalment_pence` every
    `frequency` from `first_instalment_on`, towards `arrears_pence` (the account's
    arrears on the day the court decided, that rent week's charges left out)."""

    arrears_instalment_pence: int
    frequency: InstalmentFrequency
    first_instalment_on: date
    arrears_pence: int


def terms_refused(
    outcome: CourtOutcome, decided_on: date, terms: CourtTerms | None
) -> tuple[str, str] | None:
    """Why the terms given with an outcome are refused, as (field, message), or None.
    Only an order or adjournment on terms carries terms; the first instalment is not
    before the decision nor more than `TERMS_FIRST_INSTALMENT_WITHIN_MONTHS` after it;
    the instalment is towards arrears there were on the day, and no more than them (a
    larger one is a mistyped amount: one instalment would clear them)."""
    if terms is None:
        return None
    if outcome not in ON_TERMS:
        return ("terms", f"A court's {outcome.value} carries no terms")
    if terms.first_instalment_on < decided_on:
        return (
            "terms.first_instalment_on",
            f"The first instalment cannot fall due before the court decided ({decided_on})",
        )
    latest = add_months(decided_on, TERMS_FIRST_INSTALMENT_WITHIN_MONTHS)
    if terms.first_instalment_on > latest:
        return (
            "terms.first_instalment_on",
            f"The first instalment falls due at most {TERMS_FIRST_INSTALMENT_WITHIN_MONTHS} "
            f"months after the court decided (by {latest})",
        )
    if terms.arrears_pence <= 0:
        return (
            "terms.arrears_instalment_pence",
            f"The account had no arrears on {decided_on} to pay off by instalments",
        )
    if terms.arrears_instalment_pence > terms.arrears_pence:
        return (
            "terms.arrears_instalment_pence",
            f"An instalment is at most the {terms.arrears_pence} pence of arrears on {decided_on}",
        )
    return None


def terms_broken_on(
    terms: CourtTerms, arrears_now_pence: int, today: date, grace_days: int
) -> date | None:
    """The day the first instalment of the court's terms not paid fell due, once
    `grace_days` have passed since, or None: the terms are kept. The rules of an
    arrangement (`income.arrangements.rules`): what was paid towards the arrears is the
    arrears the terms are on less the arrears now, so rent charged since and not paid
    counts against the instalments, the rent week under way does not, and paying the
    arrears off keeps every instalment."""
    return arrangement_rules.missed_instalment(
        terms.first_instalment_on,
        terms.frequency,
        terms.arrears_instalment_pence,
        terms.arrears_pence,
        arrangement_rules.paid_towards_arrears(terms.arrears_pence, arrears_now_pence),
        today,
        grace_days,
    )


@dataclass(frozen=True, slots=True)
class OutcomeOnRecord:
    """An outcome as recorded on a hearing at `recorded_at`: the first recording, or a
    correction's."""

    recorded_at: datetime
    outcome: CourtOutcome
    decided_on: date


def outcome_on_record_at(
    versions: Sequence[OutcomeOnRecord], moment: datetime
) -> OutcomeOnRecord | None:
    """The outcome the hearing had on record at `moment`, among its versions oldest
    first (those the corrections replaced, then the one it holds), or None: not yet
    decided then."""
    on_record = [version for version in versions if version.recorded_at <= moment]
    return on_record[-1] if on_record else None


def correction_refused(
    when_settled: OutcomeOnRecord | None,
    outcome: CourtOutcome,
    decided_on: date,
    settled_from: date,
    trial_ended_on: date,
) -> tuple[str, str] | None:
    """Why correcting a hearing's outcome to `outcome` on `decided_on` is refused, as
    (field, message), or None. `when_settled`: the outcome the hearing had on record
    when the trial-end job settled the tenancy's trial from `settled_from` (the trial
    having ended on `trial_ended_on`; None: no settlement, or none since it was
    decided). A dismissal or withdrawal ends proceedings that kept the trial open, so
    the job may have made the tenancy secure or assured from its day and published it.
    A correction that takes that away (an order or an adjournment, or a later day) is
    allowed: the settlement is weighed again and put back when it no longer stands (ADR
    0093). One that keeps the proceedings ended on an earlier day the settlement would
    then date from is refused (`decided_on`): the tenancy was secure earlier than
    published, and an earlier day cannot be published after a later one (consumers keep
    the latest `effective_on`, ADR 0081). Any other outcome on record then kept the
    trial open: the settlement did not rest on it."""
    if when_settled is None or when_settled.outcome not in PROCEEDINGS_ENDED:
        return None
    if (
        outcome in PROCEEDINGS_ENDED
        and decided_on < when_settled.decided_on
        and settled_on(trial_ended_on, decided_on) < settled_from
    ):
        return (
            "decided_on",
            "The trial-end job settled the tenancy's trial from "
            f"{settled_from}, when the claim was on record as ended on "
            f"{when_settled.decided_on}: it cannot be corrected to an earlier day it would "
            "have been settled from",
        )
    return None


LISTING_AHEAD_MONTHS = 12
"""How far ahead of London's today a hearing may be listed for (ADR 0075). The county
court fixes a possession hearing when it issues the claim, 4 to 8 weeks ahead (CPR
55.5(3)), and an adjournment to a fixed day is weeks or months ahead; a day further
than a year on is a mistyped year, which would leave the hearing undecidable (an order
is not made before its day) and so hold the ladder and block the next listing."""


def latest_listing_day(today: date) -> date:
    """The last day a hearing recorded today may be listed for: the same day a year on
    (`LISTING_AHEAD_MONTHS`; a 29 February's year on is 28 February)."""
    return add_months(today, LISTING_AHEAD_MONTHS)


def earliest_court_day(tenancy_started_on: date, notice_served_on: date | None) -> date:
    """The first day a hearing of the case's claim, or a court's decision on it, can
    fall on: the day the notice of seeking possession it follows was served (a claim
    follows its notice), or, with no notice on record, the day the tenancy started
    (no proceedings about a tenancy before it began)."""
    if notice_served_on is None:
        return tenancy_started_on
    return max(tenancy_started_on, notice_served_on)


def court_hold(has_hearing: bool, latest_outcome: CourtOutcome | None) -> str | None:
    """Why the court holds the arrears ladder, from the case's latest hearing (None:
    it does not). A hearing listed and not yet decided is the court date DOMAIN.md
    names (no letter 1 while one is in place); an adjournment or a possession order
    keeps the claim with the court, whose terms the officer enforces, so no automatic
    letter, notice or court step either. A dismissed or withdrawn claim ends the hold:
    the ladder goes on from where the case stands (ADR 0067)."""
    if not has_hearing:
        return None
    if latest_outcome is None:
        return "court_hearing_listed"
    if latest_outcome in COURT_ORDER_HOLDS:
        return f"court_{latest_outcome.value}"
    return None


def contact_task_after(
    needed_at: datetime | None, contacted_at: datetime | None
) -> datetime | None:
    """When the personal-contact task still counts from once the tenant has been
    contacted at `contacted_at`: closed (None) by a contact made when or after it was
    asked for (recorded as a protocol step, or an arrangement agreed with the tenant);
    an earlier contact (or none) leaves it as it was."""
    if needed_at is not None and contacted_at is not None and contacted_at >= needed_at:
        return None
    return needed_at


def days_since(moment: datetime | None, now: datetime) -> int | None:
    return None if moment is None else (london_day(now) - london_day(moment)).days


def nosp_threshold(ladder: ArrearsLadder, weekly_gross_rent_pence: int) -> int:
    return ladder.nosp_weeks_of_rent * weekly_gross_rent_pence


def within_months(moment: datetime | None, now: datetime, months: int) -> bool:
    """Whether London day `now` is at most `months` calendar months after the London
    day of `moment` (the day `months` on included: 10 March to 10 June is within 3
    months, 92 days; 30 November to 1 March is not, 91 days). DOMAIN.md counts these
    windows in months, which no fixed number of days matches."""
    return moment is not None and london_day(now) <= add_months(london_day(moment), months)


def days_held(held: Sequence[tuple[date, date]], since: date, today: date) -> int:
    """How many London days from `since` up to `today` (left out) an arrangement held the
    ladder: the days of `held` (each from its first day, its last left out) in that
    span, a day held by two counted once."""
    spans = sorted((max(start, since), min(end, today)) for start, end in held)
    total, counted_to = 0, since
    for start, end in spans:
        start = max(start, counted_to)
        if end > start:
            total += (end - start).days
            counted_to = end
    return total


def within_window(moment: datetime | None, s: Situation, months: int) -> bool:
    """Whether the next letter is still within `months` calendar months of the letter
    sent at `moment` (`within_months`), the days an arrangement held the ladder since
    left out (ADR 0219): the window counts the days recovery was running. Letter 2 sent,
    an arrangement made 10 days later and kept a year, then broken: 10 days of the
    notice's 3 months are gone, not all of them."""
    if moment is None:
        return False
    sent_on, today = london_day(moment), london_day(s.now)
    held = days_held(s.held_by_arrangements, sent_on, today)
    return today - timedelta(days=held) <= add_months(sent_on, months)


def nosp_live_until(
    served_at: datetime, ladder: ArrearsLadder, withdrawn_on: date | None = None
) -> date:
    """The last London day a notice served at `served_at` is live: it is live for
    `nosp_live_months` calendar months counting the day it was served (served 1 March
    2027, live to 29 February 2028), so the ladder and the account summary agree on
    the day it expires (the day after this one). Withdrawn (`withdrawn_on`), it is live
    no more from that day, whatever is left of its 12 months: a withdrawn notice cannot
    found proceedings (ADR 0081, amended). Withdrawn the day it was served, its last
    live day is the day before (it was never live on a day the ladder looked)."""
    expires = add_months(london_day(served_at), ladder.nosp_live_months) - timedelta(days=1)
    if withdrawn_on is None:
        return expires
    return min(expires, withdrawn_on - timedelta(days=1))


def nosp_live(case: CaseState, now: datetime, ladder: ArrearsLadder) -> bool:
    """Whether the case's latest notice is live on London day `now`: served, within its
    12 months and not withdrawn by then. Every step that asks for a notice in place
    (no letter 1, the court warning and application) reads this."""
    served_at = case.nosp_served_at
    return served_at is not None and london_day(now) <= nosp_live_until(
        served_at, ladder, case.nosp_withdrawn_on
    )


def nosp_withdrawn(case: CaseState, now: datetime) -> bool:
    """Whether the case's latest notice was withdrawn by London day `now`."""
    return (
        case.nosp_served_at is not None
        and case.nosp_withdrawn_on is not None
        and case.nosp_withdrawn_on <= london_day(now)
    )


NOTICE_EXPIRED = "notice_of_seeking_possession_expired"
NOTICE_WITHDRAWN = "notice_of_seeking_possession_withdrawn"
"""Why a case at the notice or a court step goes back to letter 2: its notice's 12
months ran out, or the landlord withdrew it (arrears-stage-changed's `reason`)."""


def successor(stage: ArrearsStage) -> ArrearsStage:
    index = LADDER.index(stage)
    return LADDER[min(index + 1, len(LADDER) - 1)]


def threshold_of(stage: ArrearsStage, ladder: ArrearsLadder, weekly_gross_rent_pence: int) -> int:
    """The arrears a step needs, whatever its timing: a text reminder at 500 pence,
    letters 1 and 2 at 1000 pence, the notice and both court steps at 4 weeks of gross
    rent (DOMAIN.md's defaults)."""
    if stage is ArrearsStage.NONE:
        return 0
    if stage is ArrearsStage.TEXT_REMINDER:
        return ladder.text_reminder_pence
    if stage in (ArrearsStage.LETTER_1, ArrearsStage.LETTER_2):
        return ladder.letter_1_pence
    return nosp_threshold(ladder, weekly_gross_rent_pence)


def earliest_proceedings_on(
    served_at: datetime, ladder: ArrearsLadder, tenancy_type: TenancyType | None
) -> date:
    """The first London day possession proceedings may begin on a notice served at
    `served_at` (ADR 0202): the notice names a date at least the tenancy type's notice
    period after service (Housing Act 1985 s.83 for a secure tenancy; Housing Act 1988
    s.8 as amended by the Renters' Rights Act 2025 for an assured one; 28 days at least
    for every type), and proceedings may begin only after that date, so the day after
    it. An application sooner is invalid and would be struck out."""
    return london_day(served_at) + timedelta(days=ladder.notice_period_of(tenancy_type) + 1)


def notice_period_ended(case: CaseState, s: Situation, ladder: ArrearsLadder) -> bool:
    """Whether the case's notice allows possession proceedings on London day `s.now`."""
    served_at = case.nosp_served_at
    return served_at is not None and london_day(s.now) >= earliest_proceedings_on(
        served_at, ladder, s.tenancy_type
    )


NOTICE_PERIOD_NOT_ENDED = "court_application_waits_for_the_notice_period"
"""Why a case at the court warning stays there when the warning's 14 days have passed:
the notice does not yet allow proceedings (ADR 0202)."""


def _minimum_gap_waited(
    target: ArrearsStage, case: CaseState, now: datetime, ladder: ArrearsLadder
) -> bool:
    """Whether DOMAIN.md's least time since the step before has passed for `target`:
    letter 2 at least 14 days after letter 1, the notice at least 1 week after letter
    2, the court application at least 2 weeks after the warning (ADR 0201). A broken
    arrangement never shortens a minimum: the tenant still gets the time between the
    letters DOMAIN.md gives (its upper windows leave out the days the arrangement held
    the ladder instead, ADR 0219).
    The other steps have no minimum gap in DOMAIN.md (the court warning's 28 days
    after the notice is the landlord's setting, which a break brings forward)."""
    if target is ArrearsStage.LETTER_2:
        since, gap = days_since(case.letter_1_at, now), ladder.letter_2_after_days
    elif target is ArrearsStage.NOTICE_OF_SEEKING_POSSESSION:
        since, gap = days_since(case.letter_2_at, now), ladder.nosp_after_days
    elif target is ArrearsStage.COURT_APPLICATION:
        since, gap = days_since(case.court_warning_at, now), ladder.court_application_after_days
    else:
        return True
    return since is not None and since >= gap


def _upper_window_open(
    target: ArrearsStage, case: CaseState, s: Situation, ladder: ArrearsLadder
) -> bool:
    """Whether letter 2 is within its 3 months of letter 1, or the notice within its 3
    months of letter 2, counting only the days recovery was running (`within_window`:
    the days an arrangement held the ladder are not counted, ADR 0219). The other steps
    have no upper window."""
    if target is ArrearsStage.LETTER_2:
        return within_window(case.letter_1_at, s, ladder.letter_2_within_months)
    if target is ArrearsStage.NOTICE_OF_SEEKING_POSSESSION:
        return within_window(case.letter_2_at, s, ladder.nosp_within_months)
    return True


def _resumed_step(case: CaseState, s: Situation, ladder: ArrearsLadder) -> Move | None:
    """A broken arrangement makes the next step due now: the step still needs its
    arrears threshold, its minimum gap from the step before (letter 2 14 days after
    letter 1, the notice 1 week after letter 2, the court application 2 weeks after the
    warning: ADR 0201) and its upper window (letter 2 within 3 months of letter 1, the
    notice within 3 months of letter 2, the days the arrangement held the ladder not
    counted: ADR 0219), and a court step needs a live notice. None when the next step
    is not allowed (the ordinary ladder then decides: a letter out of its window sent
    again, an expired notice back to letter 2, and the break waits for a gap to pass)."""
    target = successor(case.stage)
    if s.arrears_pence < threshold_of(target, ladder, s.weekly_gross_rent_pence):
        return None
    if not _upper_window_open(target, case, s, ladder):
        return None
    if target is ArrearsStage.LETTER_1 and nosp_live(case, s.now, ladder):
        return None  # no letter 1 while a notice is in place: the notice goes on
    if target in COURT_STEPS and not nosp_live(case, s.now, ladder):
        return None
    if not _minimum_gap_waited(target, case, s.now, ladder):
        return None
    if target is ArrearsStage.COURT_APPLICATION and not notice_period_ended(case, s, ladder):
        return None  # never before the notice allows proceedings (ADR 0202)
    return Move(target, "arrangement_broken_resumed_at_next_step")


def _sent_again(
    stage: ArrearsStage, reason: str, s: Situation, ladder: ArrearsLadder
) -> Move | Stay:
    """A letter sent again (out of date, or a notice expired) only while the arrears
    still reach that letter's threshold."""
    threshold = threshold_of(stage, ladder, s.weekly_gross_rent_pence)
    if s.arrears_pence >= threshold:
        return Move(stage, reason)
    return Stay(f"{reason}_arrears_below_{threshold}_pence")


def _court_warning_due(
    case: CaseState, s: Situation, ladder: ArrearsLadder, otherwise: str
) -> Move | Stay:
    """The court warning under a live notice: `court_warning_after_days` after it was
    served, at 4 weeks of gross rent; else stay (`otherwise` the reason). Also the way
    on for a case owing again while its notice is live: letter 1 is only sent when no
    notice is in place (DOMAIN.md), and a second notice would be served over it."""
    since = days_since(case.nosp_served_at, s.now)
    if (
        since is not None
        and since >= ladder.court_warning_after_days
        and s.arrears_pence >= nosp_threshold(ladder, s.weekly_gross_rent_pence)
    ):
        return Move(
            ArrearsStage.COURT_WARNING,
            f"arrears_at_least_{ladder.nosp_weeks_of_rent}_weeks_gross_rent_{ladder.court_warning_after_days}_days_after_notice",
        )
    return Stay(otherwise)


def _due_step(case: CaseState, s: Situation, ladder: ArrearsLadder) -> Move | Stay:
    """The step the ladder's thresholds and intervals call for, before the protocol,
    new-tenancy and vulnerability rules. A case at court application stays there: the
    claim is made, so its notice's 12 months no longer send it back to letter 2. A
    notice withdrawn is another matter at every step from the notice on, court
    application included: the case has no notice to go to court on, so it goes back to
    the step before the notice, letter 2 (sent again, as for an expired notice), from
    which a fresh notice is served a week later (ADR 0081, amended)."""
    stage = case.stage
    if stage is ArrearsStage.COURT_APPLICATION and nosp_withdrawn(case, s.now):
        return _sent_again(ArrearsStage.LETTER_2, NOTICE_WITHDRAWN, s, ladder)
    if stage is ArrearsStage.COURT_APPLICATION:
        return Stay("at_the_last_step")
    due = _step_of_the_ladder(case, s, ladder)
    if case.resume_at_next_step and (resumed := _resumed_step(case, s, ladder)) is not None:
        # A broken arrangement brings the next step forward, never holds recovery back:
        # from none, the ladder itself may call for more than the next rung (letter 1 at
        # 10 pounds, or the court warning under a live notice), and a text reminder in
        # its place would send a text where the letter or warning was due.
        if isinstance(due, Move) and LADDER.index(due.stage) > LADDER.index(resumed.stage):
            return due
        return resumed
    return due


def _step_of_the_ladder(case: CaseState, s: Situation, ladder: ArrearsLadder) -> Move | Stay:
    """The step the thresholds and intervals call for below court application, as if no
    arrangement had been broken (_due_step)."""
    arrears, now = s.arrears_pence, s.now
    nosp_at = nosp_threshold(ladder, s.weekly_gross_rent_pence)
    stage = case.stage
    if stage in (ArrearsStage.NONE, ArrearsStage.TEXT_REMINDER):
        if arrears >= ladder.letter_1_pence and nosp_live(case, now, ladder):
            due = _court_warning_due(case, s, ladder, "notice_live_no_letter_1")
            if isinstance(due, Move) or stage is ArrearsStage.TEXT_REMINDER:
                return due
            return Move(
                ArrearsStage.TEXT_REMINDER, f"arrears_at_least_{ladder.text_reminder_pence}_pence"
            )
        if arrears >= ladder.letter_1_pence:
            return Move(ArrearsStage.LETTER_1, f"arrears_at_least_{ladder.letter_1_pence}_pence")
        if stage is ArrearsStage.NONE and arrears >= ladder.text_reminder_pence:
            return Move(
                ArrearsStage.TEXT_REMINDER, f"arrears_at_least_{ladder.text_reminder_pence}_pence"
            )
        return Stay("below_the_next_threshold")
    if stage is ArrearsStage.LETTER_1:
        since = days_since(case.letter_1_at, now)
        if since is None or not within_window(case.letter_1_at, s, ladder.letter_2_within_months):
            return _sent_again(ArrearsStage.LETTER_1, "letter_1_out_of_date_sent_again", s, ladder)
        if since >= ladder.letter_2_after_days and arrears >= ladder.letter_1_pence:
            return Move(
                ArrearsStage.LETTER_2,
                f"arrears_at_least_{ladder.letter_1_pence}_pence_{ladder.letter_2_after_days}_days_after_letter_1",
            )
        return Stay("letter_2_not_yet_due")
    if stage is ArrearsStage.LETTER_2:
        since = days_since(case.letter_2_at, now)
        if since is None or not within_window(case.letter_2_at, s, ladder.nosp_within_months):
            return _sent_again(ArrearsStage.LETTER_2, "letter_2_out_of_date_sent_again", s, ladder)
        if since >= ladder.nosp_after_days and arrears >= nosp_at:
            return Move(
                ArrearsStage.NOTICE_OF_SEEKING_POSSESSION,
                f"arrears_at_least_{ladder.nosp_weeks_of_rent}_weeks_gross_rent_{ladder.nosp_after_days}_days_after_letter_2",
            )
        return Stay("notice_not_yet_due")
    if not nosp_live(case, now, ladder):
        gone = NOTICE_WITHDRAWN if nosp_withdrawn(case, now) else NOTICE_EXPIRED
        return _sent_again(ArrearsStage.LETTER_2, gone, s, ladder)
    if stage is ArrearsStage.NOTICE_OF_SEEKING_POSSESSION:
        return _court_warning_due(case, s, ladder, "court_warning_not_yet_due")
    since = days_since(case.court_warning_at, now)
    if since is not None and since >= ladder.court_application_after_days and arrears >= nosp_at:
        if not notice_period_ended(case, s, ladder):
            return Stay(NOTICE_PERIOD_NOT_ENDED)
        return Move(
            ArrearsStage.COURT_APPLICATION,
            f"{ladder.court_application_after_days}_days_after_court_warning_notice_live",
        )
    return Stay("court_application_not_yet_due")


def new_tenancy_watch_ends(s: Situation, ladder: ArrearsLadder) -> date:
    """The first day after a new tenancy's watch (its first weeks: personal contact, not
    letters): `new_tenancy_watch_weeks` from its first day, or from the day it was
    recorded when rent weeks were charged back then (ADR 0112): its household was asked
    for them that day, so a tenancy typed in late still gets a personal first contact
    for those arrears, whatever the two settings, never a letter."""
    watch = timedelta(weeks=ladder.new_tenancy_watch_weeks)
    ends = s.tenancy_started_on + watch
    if s.rent_charged_back_on is not None:
        ends = max(ends, s.rent_charged_back_on + watch)
    return ends


def next_step(case: CaseState, s: Situation, ladder: ArrearsLadder) -> Decision:
    """What recovery does next for one case."""
    if s.arrears_pence < ladder.text_reminder_pence:
        if case.stage is not ArrearsStage.NONE:
            return Move(ArrearsStage.NONE, "arrears_cleared")
        if case.personal_contact_needed:
            return PersonalContactCleared("arrears_cleared")
        return Stay("no_arrears")
    if s.arrangement_kept:
        return Stay("arrangement_kept")
    if case.before_the_court is not None:
        return Stay(case.before_the_court)
    today = london_day(s.now)
    if case.stage is ArrearsStage.NONE and today < new_tenancy_watch_ends(s, ladder):
        if case.personal_contact_needed:
            return Stay("personal_contact_already_asked_for")
        if s.arrangement_broken_now:
            # A missed instalment is a missed payment: the contact that agreed the
            # arrangement came before it, so it is asked for again (ADR 0220).
            return PersonalContact(
                f"arrangement_broken_in_first_{ladder.new_tenancy_watch_weeks}_weeks_personal_contact"
            )
        if case.protocol.tenant_contacted:
            # Contact recorded (the task done, or made before it was asked for): the
            # first weeks' personal contact is not asked for again.
            return Stay("tenant_contacted_in_first_weeks")
        return PersonalContact(
            f"new_tenancy_first_{ladder.new_tenancy_watch_weeks}_weeks_personal_contact"
        )
    if case.stage is ArrearsStage.NONE and today == s.rent_charged_back_on:
        # The watch turned off (0 weeks): the rent charged back as the tenancy was
        # recorded is not a missed payment yet, so no letter or text goes that day.
        return Stay("rent_charged_back_today")
    due = _due_step(case, s, ladder)
    if isinstance(due, Stay):
        return due
    if due.stage in COURT_STEPS and (missing := case.protocol.missing()) is not None:
        return Blocked(due.stage, missing)
    if s.vulnerability_unreviewed and due.stage is not ArrearsStage.NONE:
        if case.paused_for_review:
            return Stay("paused_for_review")
        return PausedForReview(due.stage, "vulnerability_recorded_paused_for_review")
    return due
