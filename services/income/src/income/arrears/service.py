"""Use cases for arrears recovery: the ladder job (a batch of due cases at a time),
recording the pre-action protocol, and a review after a vulnerability pause. Never
commits: the scheduler or the request owns the transaction."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from hearth_contracts.events.income import ArrearsStage, ArrearsStageChanged
from hearth_kit.db import ReadConnection
from hearth_kit.logs import get_logger
from hearth_kit.outbox import publish
from hearth_kit.pagination import Page, PageParams
from hearth_kit.problems import (
    Conflict,
    NotFound,
    PreconditionFailed,
    PreconditionRequired,
    Unprocessable,
)
from hearth_kit.working_days import london_day, next_london_day_start
from income import metrics
from income.accounts import repository as accounts
from income.accounts import rules as account_rules
from income.arrangements import repository as arrangements
from income.arrangements.service import ArrangementService
from income.arrears import repository, rules
from income.arrears.schemas import (
    CasePublic,
    CaseSummaryPublic,
    CourtHearingCreate,
    CourtHearingPublic,
    CourtOutcomeCorrectionCreate,
    CourtOutcomeCreate,
    CourtTermsPublic,
    NoticePublic,
    NoticeWithdrawal,
    ProtocolUpdate,
)
from income.models import (
    ArrearsCase,
    CourtHearing,
    CourtOutcome,
    CourtOutcomeCorrection,
    PossessionNotice,
    Tenancy,
    TrialSettlement,
)
from income.rents import repository as rents
from income.settings import ArrearsLadder, IncomeSettings
from income.tenancies import repository as tenancies
from income.tenancies.rules import PROCEEDINGS_ENDED, trial_year_ends_on
from income.tenancies.service import STEP_DAYS, tenancy_service

log = get_logger(__name__)


def etag_of(case: ArrearsCase) -> str:
    return f'"{case.version}"'


BATCH = 200

STAGE_MARKERS = STEP_DAYS


def hold_of(latest: CourtHearing | None) -> str | None:
    """Why the court holds the case's ladder, from its latest hearing (rules.court_hold)."""
    return rules.court_hold(latest is not None, latest.outcome if latest else None)


def worklist_hold(latest_hearing: str | None) -> str | None:
    """The court's hold from the worklist's latest hearing (repository.UNDECIDED: no
    outcome yet; None: no hearing), as `hold_of` gives it on the case."""
    if latest_hearing is None:
        return rules.court_hold(False, None)
    if latest_hearing == repository.UNDECIDED:
        return rules.court_hold(True, None)
    return rules.court_hold(True, CourtOutcome(latest_hearing))


def trial_settled_before(hearing: CourtHearing, settlement: TrialSettlement | None) -> date | None:
    """The day the trial-end job made the tenancy secure or assured from, when this
    hearing was recorded after the job did so and its claim was issued before that
    day: proceedings brought while the tenancy was, in law, maybe still on trial
    (Housing Act 1996 s.130). The job does not reverse a settlement (it published it,
    and visits acted on it): the answer tells the officer, who reviews the tenancy (ADR
    0075). None otherwise (no date of issue given: the day recorded is after it)."""
    if settlement is None or hearing.claim_issued_on is None:
        return None
    recorded_after = hearing.listed_at > settlement.settled_at
    if recorded_after and hearing.claim_issued_on < settlement.settled_on:
        return settlement.settled_on
    return None


def terms_of(hearing: CourtHearing | None) -> rules.CourtTerms | None:
    """The court's terms recorded on a hearing's outcome, as the rules read them."""
    if (
        hearing is None
        or hearing.terms_arrears_instalment_pence is None
        or hearing.terms_frequency is None
        or hearing.terms_first_instalment_on is None
        or hearing.terms_arrears_pence is None
    ):
        return None
    return rules.CourtTerms(
        arrears_instalment_pence=hearing.terms_arrears_instalment_pence,
        frequency=hearing.terms_frequency,
        first_instalment_on=hearing.terms_first_instalment_on,
        arrears_pence=hearing.terms_arrears_pence,
    )


def hearing_public(hearing: CourtHearing, settlement: TrialSettlement | None) -> CourtHearingPublic:
    terms = terms_of(hearing)
    return CourtHearingPublic.model_validate(hearing).model_copy(
        update={
            "trial_settled_on": trial_settled_before(hearing, settlement),
            "terms": None
            if terms is None
            else CourtTermsPublic(
                arrears_instalment_pence=terms.arrears_instalment_pence,
                frequency=terms.frequency,
                first_instalment_on=terms.first_instalment_on,
                arrears_pence=terms.arrears_pence,
                broken_on=hearing.terms_broken_on,
            ),
        }
    )


def notice_public(notice: PossessionNotice, ladder: ArrearsLadder, today: date) -> NoticePublic:
    """A notice as the case shows it: live to the end of its 12 months, or to the day
    before it was withdrawn (`rules.nosp_live_until`), as the ladder reads it."""
    live_until = rules.nosp_live_until(notice.served_at, ladder, notice.withdrawn_on)
    return NoticePublic(
        id=notice.id,
        served_at=notice.served_at,
        live_until=live_until,
        live=live_until >= today,
        withdrawn_on=notice.withdrawn_on,
    )


def state_of(
    case: ArrearsCase,
    latest: CourtHearing | None = None,
    notice: PossessionNotice | None = None,
) -> rules.CaseState:
    """The case as the ladder's rules read it, with its latest hearing and its latest
    notice (`notice`: its withdrawal ends it, ADR 0081 amended)."""
    cleared = case.clear_of_arrears_at
    return rules.CaseState(
        stage=case.stage,
        letter_1_at=case.letter_1_at,
        letter_2_at=case.letter_2_at,
        nosp_served_at=case.nosp_served_at,
        nosp_withdrawn_on=None if notice is None else notice.withdrawn_on,
        court_warning_at=case.court_warning_at,
        before_the_court=hold_of(latest),
        resume_at_next_step=case.resume_at_next_step,
        paused_for_review=case.paused_for_review,
        personal_contact_needed=case.personal_contact_needed_at is not None,
        # Steps done for these arrears only: not before the account was last seen clear
        # of arrears (ADR 0133).
        protocol=rules.PreActionProtocol(
            tenant_contacted=rules.step_counts(case.tenant_contacted_at, cleared),
            arrangement_offered=rules.step_counts(case.arrangement_offered_at, cleared),
            statements_given=rules.step_counts(case.statements_given_at, cleared),
            benefit_issues_pursued=rules.step_counts(case.benefit_issues_pursued_at, cleared),
            benefit_claim_pending=case.benefit_claim_pending,
            vulnerability_considered=rules.step_counts(case.vulnerability_considered_at, cleared),
        ),
    )


def _decide(
    hearing: CourtHearing,
    data: CourtOutcomeCreate,
    terms: rules.CourtTerms | None,
    recorded_by: str,
    now: datetime,
) -> None:
    """The hearing holds the court's decision: its outcome, day and terms (none cleared
    to none), who recorded it and when. Terms (re)recorded are watched from scratch: no
    breach of terms recorded before carries over (ADR 0086)."""
    hearing.outcome = data.outcome
    hearing.decided_on = data.decided_on
    hearing.terms_arrears_instalment_pence = None
    hearing.terms_frequency = None
    hearing.terms_first_instalment_on = None
    hearing.terms_arrears_pence = None
    if terms is not None:
        hearing.terms_arrears_instalment_pence = terms.arrears_instalment_pence
        hearing.terms_frequency = terms.frequency
        hearing.terms_first_instalment_on = terms.first_instalment_on
        hearing.terms_arrears_pence = terms.arrears_pence
    hearing.terms_broken_on = None
    hearing.outcome_recorded_at = now
    hearing.outcome_recorded_by = recorded_by


class ArrearsService:
    def __init__(self, settings: IncomeSettings) -> None:
        self.settings = settings
        self.arrangements = ArrangementService(settings)

    async def run_ladder(self, session: AsyncSession, now: datetime) -> int:
        """One batch of the ladder job: every due case of a current tenancy is looked
        at once (its arrangement checked, then the ladder), and its next look stamped
        in the same transaction as any event it raised. Returns how many it handled."""
        due = await repository.due(session, now, BATCH)
        for case, tenancy in due:
            await self._look_at(session, case, tenancy, now)
        if 0 < len(due) < BATCH:
            # The round's last batch: the gauges once per round, not per batch.
            await self.refresh_metrics(session, now)
        return len(due)

    async def _look_at(
        self, session: AsyncSession, case: ArrearsCase, tenancy: Tenancy, now: datetime
    ) -> None:
        ladder = self.settings.ladder
        today = london_day(now)
        balance = await accounts.balance(session, case.account_id, through=today)
        week = await accounts.week_charges(
            session, case.account_id, account_rules.rent_week_of(today), through=today
        )
        arrears = account_rules.arrears_of(balance, week)
        if arrears < ladder.text_reminder_pence:
            # Clear of arrears at this look: arrears owed at a later one arose after it,
            # and are recovered under the protocol afresh (ADR 0133).
            case.clear_of_arrears_at = now
        await self._watch_court_terms(session, case, arrears, today)
        kept = broken_now = False
        if (arrangement := await arrangements.active_of(session, case.account_id)) is not None:
            kept = await self.arrangements.check(session, arrangement, tenancy, now)
            if not kept and arrangement.missed_instalment_on is not None:
                case.resume_at_next_step = broken_now = True
        tenants = (await tenancies.tenants_of(session, [tenancy.id]))[tenancy.id]
        person_ids = [t.person_id for t in tenants]
        flagged_at = await repository.latest_flag(session, person_ids)
        unreviewed = flagged_at is not None and (
            case.vulnerability_considered_at is None
            or case.vulnerability_considered_at < flagged_at
        )
        held = await self._held_by_arrangements(session, case, today)
        weekly_rent, weekly_service = await rents.rent_in_force(
            session, tenancy, account_rules.rent_week_of(today)
        )
        decision = rules.next_step(
            state_of(
                case,
                await repository.latest_hearing(session, case.account_id),
                await repository.latest_notice(session, case.account_id),
            ),
            rules.Situation(
                arrears_pence=arrears,
                weekly_gross_rent_pence=weekly_rent + weekly_service,
                now=now,
                tenancy_started_on=tenancy.start_date,
                tenancy_type=tenancy.tenancy_type,
                arrangement_kept=kept,
                arrangement_broken_now=broken_now,
                held_by_arrangements=held,
                vulnerability_unreviewed=unreviewed,
                # A tenancy loaded with its balance brought forward (ADR 0132) was
                # asked for the weeks after it by the old system's rhythm, not all at
                # once: watched from its first day, as any load.
                rent_charged_back_on=london_day(tenancy.created_at)
                if tenancy.backdated_weeks_charged and tenancy.balance_brought_forward_as_at is None
                else None,
            ),
            ladder,
        )
        # Steps fall due on London days: the next look is within the check interval and
        # at the start of the next London day at the latest, so no London day is passed
        # over (24 hours after a look at 23:50 drifted past the job's last run that day).
        case.next_check_at = min(
            now + timedelta(hours=ladder.check_interval_hours), next_london_day_start(now)
        )
        match decision:
            case rules.Move(stage=stage, reason=reason):
                previous = case.stage
                case.stage = stage
                case.stage_changed_at = now
                case.blocked_by = None
                case.resume_at_next_step = False
                case.paused_for_review = False
                if (marker := STAGE_MARKERS.get(stage)) is not None:
                    setattr(case, marker, now)
                if stage is ArrearsStage.NOTICE_OF_SEEKING_POSSESSION:
                    # every notice kept, not only the case's latest (its column)
                    repository.add_notice(
                        session,
                        PossessionNotice(
                            id=uuid.uuid4(), account_id=case.account_id, served_at=now
                        ),
                    )
                # A move closes the first weeks' personal-contact task: cleared arrears
                # need none, and from a letter on the ladder's steps do the contacting.
                case.personal_contact_needed_at = None
                await publish(
                    session,
                    ArrearsStageChanged(
                        tenancy_id=tenancy.id,
                        uprn=tenancy.uprn,
                        stage=stage,
                        previous_stage=previous,
                        arrears_pence=arrears,
                        changed_at=now,
                        person_ids=person_ids,
                        reason=reason,
                        rent_account_id=case.account_id,
                    ),
                )
                log.info(
                    "arrears stage changed", account_id=str(case.account_id), stage=stage.value
                )
            case rules.Blocked(missing=missing):
                case.blocked_by = missing
            case rules.PersonalContact():
                case.personal_contact_needed_at = now
            case rules.PersonalContactCleared():
                case.personal_contact_needed_at = None
            case rules.PausedForReview():
                case.paused_for_review = True
            case rules.Stay():
                pass

    async def _held_by_arrangements(
        self, session: AsyncSession, case: ArrearsCase, today: date
    ) -> tuple[tuple[date, date], ...]:
        """The London days arrangements held the case's ladder since the letter of the
        step it is at (`rules.Situation.held_by_arrangements`): each from the day it was
        made to the day it ended, or today while live (one broken at this look ended
        now). Only at letter 1 or letter 2: the windows after them are all that read
        them (ADR 0219), so no other look queries for them."""
        sent = {
            ArrearsStage.LETTER_1: case.letter_1_at,
            ArrearsStage.LETTER_2: case.letter_2_at,
        }.get(case.stage)
        if sent is None:
            return ()
        await session.flush()  # an arrangement this look broke or completed has ended
        periods = await arrangements.held_since(session, case.account_id, sent)
        return tuple(
            (london_day(made_at), today if ended_at is None else london_day(ended_at))
            for made_at, ended_at in periods
        )

    async def _watch_court_terms(
        self, session: AsyncSession, case: ArrearsCase, arrears: int, today: date
    ) -> None:
        """Mark the terms of the court's decision in force broken, once, on the day the
        first instalment not paid fell due (the rules of an arrangement, with its
        grace: `rules.terms_broken_on`). Nothing else: the court holds the ladder, and
        the next legal step (a warrant, a date for possession) is the officer's, who
        sees `court_terms_broken_on` on the case (ADR 0084). No event: nothing consumes
        one yet."""
        decision = await repository.latest_decision(session, case.account_id)
        terms = terms_of(decision)
        if decision is None or terms is None or decision.terms_broken_on is not None:
            return
        broken_on = rules.terms_broken_on(
            terms, arrears, today, self.settings.arrangement_grace_days
        )
        if broken_on is not None:
            decision.terms_broken_on = broken_on
            log.info(
                "court terms broken", account_id=str(case.account_id), hearing_id=str(decision.id)
            )

    async def refresh_metrics(self, session: AsyncSession, now: datetime) -> None:
        """hearth_income_accounts_in_arrears, hearth_income_arrears_pence and
        hearth_income_court_terms_broken."""
        count, total = await accounts.arrears_totals(
            session, account_rules.rent_week_of(london_day(now))
        )
        metrics.ACCOUNTS_IN_ARREARS.set(count)
        metrics.ARREARS_PENCE.set(total)
        metrics.COURT_TERMS_BROKEN.set(await repository.court_terms_broken(session))

    async def case(self, session: AsyncSession, account_id: uuid.UUID) -> CasePublic:
        case = await repository.get(session, account_id)
        if case is None:
            raise NotFound(f"No arrears case for account {account_id}")
        return await self._public(session, case)

    async def worklist(
        self,
        connection: ReadConnection,
        page: PageParams,
        *,
        stages: list[ArrearsStage],
        before_the_court: bool | None,
        court_terms_broken: bool | None,
    ) -> Page[CaseSummaryPublic]:
        """Open arrears cases, and those of current tenancies the court holds at stage
        none, longest at their step first, a page at a time: the income officer's
        worklist, by step, by the court's hold and by broken court terms (ADR 0084). A
        case at none is listed only while the court holds it (a hearing listed, an
        adjournment or a possession order, whose terms are watched until it ends, with
        the arrears cleared too: ADR 0084, amended); a case closed otherwise (arrears
        cleared, or its tenancy ended) is not. Ids and dates only, no names."""
        rows = await repository.worklist_rows(
            connection,
            stages=stages,
            before_the_court=before_the_court,
            court_terms_broken=court_terms_broken,
            after=page.after_as(datetime, uuid.UUID),
            limit=page.fetch,
        )
        cases = [
            CaseSummaryPublic(
                account_id=row.account_id,
                tenancy_id=row.tenancy_id,
                stage=row.stage,
                stage_changed_at=row.stage_changed_at,
                before_the_court=worklist_hold(row.latest_hearing),
                court_terms_broken_on=row.court_terms_broken_on,
            )
            for row in rows
        ]
        return Page.from_rows(
            cases, page.limit, cursor_of=lambda item: (item.stage_changed_at, item.account_id)
        )

    async def _public(self, session: AsyncSession, case: ArrearsCase) -> CasePublic:
        """The case as the API shows it, with every notice served, its court hearings and
        the court's hold."""
        hearings = await repository.hearings_of(session, case.account_id)
        latest = await repository.latest_hearing(session, case.account_id)
        decision = await repository.latest_decision(session, case.account_id)
        today = london_day(datetime.now(UTC))
        notices = []
        for notice in await repository.notices_of(session, case.account_id):
            notices.append(notice_public(notice, self.settings.ladder, today))
        settlement = await tenancies.settlement_of(session, case.tenancy_id)
        return CasePublic.model_validate(case).model_copy(
            update={
                "notices": notices,
                "court_hearings": [hearing_public(h, settlement) for h in hearings],
                "before_the_court": hold_of(latest),
                "court_terms_broken_on": None if decision is None else decision.terms_broken_on,
            }
        )

    async def list_hearing(
        self,
        session: AsyncSession,
        account_id: uuid.UUID,
        data: CourtHearingCreate,
        recorded_by: str,
        now: datetime,
    ) -> CourtHearingPublic:
        """Record a possession hearing the court listed (a court date in place: the
        ladder holds, ADR 0067). One undecided hearing at a time (409); a hearing is
        listed for a day no earlier than the case's latest one (an adjournment's next
        hearing comes after it), nor than the case's latest notice was served (the
        claim follows it) or the tenancy started, and at most a year after London's
        today (ADR 0075). The claim's date of issue, when given, is London's today or
        earlier, no earlier than that notice (or the start) and no later than the day
        listed for. The case is held (FOR UPDATE) while it is checked."""
        today = london_day(now)
        if data.listed_for > (latest_day := rules.latest_listing_day(today)):
            raise Unprocessable(
                f"A hearing is listed at most {rules.LISTING_AHEAD_MONTHS} months ahead "
                f"(by {latest_day})",
                field="listed_for",
            )
        if data.claim_issued_on is not None and data.claim_issued_on > today:
            raise Unprocessable(
                "A claim cannot have been issued in the future", field="claim_issued_on"
            )
        if data.claim_issued_on is not None and data.claim_issued_on > data.listed_for:
            raise Unprocessable(
                "A claim is issued before the hearing it is listed for (CPR 55.5)",
                field="claim_issued_on",
            )
        case = await _locked_case(session, account_id)
        if data.listed_for < (earliest := await self._earliest_court_day(session, case)):
            raise Unprocessable(
                f"A hearing cannot be listed before {earliest}, the day the case's latest "
                "notice of seeking possession was served (or the tenancy started)",
                field="listed_for",
            )
        if data.claim_issued_on is not None and data.claim_issued_on < earliest:
            raise Unprocessable(
                f"A claim cannot have been issued before {earliest}, the day the case's "
                "latest notice of seeking possession was served (or the tenancy started)",
                field="claim_issued_on",
            )
        latest = await repository.latest_hearing(session, account_id)
        if latest is not None and latest.outcome is None:
            raise Conflict(
                f"A hearing of the arrears case of account {account_id} is not yet decided",
                field="listed_for",
            )
        if latest is not None and data.listed_for < latest.listed_for:
            raise Unprocessable(
                "A hearing cannot be listed before the case's latest hearing",
                field="listed_for",
            )
        hearing = CourtHearing(
            id=uuid.uuid4(),
            account_id=account_id,
            listed_for=data.listed_for,
            listed_at=now,
            listed_by=recorded_by,
            claim_issued_on=data.claim_issued_on,
        )
        repository.add_hearing(session, hearing)
        case.held_by_court = hold_of(hearing) is not None  # the case's latest hearing now
        case.next_check_at = min(case.next_check_at, now)
        await session.flush()
        settlement = await tenancies.settlement_of(session, case.tenancy_id)
        if (settled_on := trial_settled_before(hearing, settlement)) is not None:
            # a fact recorded, not a decision taken: the officer reviews the tenancy
            log.info(
                "claim issued before the trial was settled, recorded after",
                account_id=str(account_id),
                settled_on=settled_on.isoformat(),
            )
        return hearing_public(hearing, settlement)

    async def _earliest_court_day(
        self, session: AsyncSession, case: ArrearsCase, followed_by: date | None = None
    ) -> date:
        """The first day a hearing of the case, or the court's decision on one, can
        fall on (`rules.earliest_court_day`): the day the notice it follows was served,
        else the day the tenancy started. The notice a new listing follows is the case's
        latest; with `followed_by` (a hearing's day), the latest served by that day."""
        tenancy = await tenancies.get(session, case.tenancy_id)
        assert tenancy is not None  # a case belongs to a tenancy (foreign key)
        served = [
            london_day(notice.served_at)
            for notice in await repository.notices_of(session, case.account_id)
        ]
        if followed_by is not None:
            served = [day for day in served if day <= followed_by]
        return rules.earliest_court_day(tenancy.start_date, max(served, default=None))

    async def record_outcome(
        self,
        session: AsyncSession,
        account_id: uuid.UUID,
        hearing_id: uuid.UUID,
        data: CourtOutcomeCreate,
        recorded_by: str,
        now: datetime,
    ) -> CourtHearingPublic:
        """Record what the court decided on a hearing, once (409 when it already has an
        outcome). The day it decided is London's today or earlier, not before the
        notice the hearing follows was served or the tenancy started (ADR 0075), and an
        order, terms or a dismissal (given at the hearing) no earlier than the day it
        was listed for. An order or adjournment on terms may carry them, on the
        account's arrears that day (`_terms_given`, ADR 0084). The next look at the case
        applies it (ADR 0067) and from then on watches the terms."""
        case = await _locked_case(session, account_id)
        hearing = await _hearing(session, account_id, hearing_id)
        if hearing.outcome is not None:
            raise Conflict(f"Court hearing {hearing_id} is already decided", field="outcome")
        terms = await self._outcome_given(session, case, hearing, data, now)
        _decide(hearing, data, terms, recorded_by, now)
        # an undecided hearing is the case's latest: a later one waits for its outcome
        case.held_by_court = hold_of(hearing) is not None
        case.next_check_at = min(case.next_check_at, now)
        await session.flush()
        return hearing_public(hearing, await tenancies.settlement_of(session, case.tenancy_id))

    async def correct_outcome(
        self,
        session: AsyncSession,
        account_id: uuid.UUID,
        hearing_id: uuid.UUID,
        data: CourtOutcomeCorrectionCreate,
        corrected_by: str,
        now: datetime,
    ) -> CourtHearingPublic:
        """Correct the outcome recorded on a hearing (keyed wrongly, or the court
        amended its order), by the rules that refuse a first one (`_outcome_given`),
        keeping the outcome as it was (who recorded it and when, its day and terms) with
        who corrected it, when and why (`court_outcome_correction`, ADR 0086). The next
        look at the case applies it as it applies a first one: the court's hold from it,
        and its terms watched afresh (broken or not before, the corrected terms start
        kept). When the trial-end job settled the tenancy's trial while the outcome on
        record ended the proceedings (dismissed, withdrawn), the settlement is weighed
        again on the corrected outcome, and the trial put back (tenancy-type-changed
        `other`) when it no longer stands: a dismissal keyed in error for an order
        leaves the tenancy on trial, as in law (ADR 0093). 409 naming the field: the
        hearing is not decided (outcome: record it first), a later hearing of the case
        is listed (hearing_id, in the path: only the case's latest hearing is corrected;
        a later one was listed, and maybe decided, on the strength of it), or the
        correction would date the job's settlement earlier than published
        (`rules.correction_refused`, decided_on, reason trial_settled)."""
        # the tenancy before the case, as every tenancy write takes them (its end closes
        # the case): the correction may put its trial back, and the trial-end job, which
        # takes the tenancy SKIP LOCKED, does not settle it meanwhile
        found = await repository.get(session, account_id)
        if found is None:
            raise NotFound(f"No arrears case for account {account_id}")
        tenancy = await tenancies.get_for_update(session, found.tenancy_id)
        assert tenancy is not None  # a case belongs to a tenancy (foreign key)
        case = await _locked_case(session, account_id)
        hearing = await _hearing(session, account_id, hearing_id)
        if (
            hearing.outcome is None
            or hearing.decided_on is None
            or hearing.outcome_recorded_at is None
            or hearing.outcome_recorded_by is None
        ):
            raise Conflict(
                f"Court hearing {hearing_id} is not yet decided: record its outcome",
                field="outcome",
            )
        latest = await repository.latest_hearing(session, account_id)
        if latest is not None and latest.id != hearing.id:
            raise Conflict(
                f"A later hearing of the arrears case, listed for {latest.listed_for}, is "
                "recorded: only the case's latest hearing's outcome can be corrected",
                field="hearing_id",
                location="path",
            )
        settlement = await tenancies.settlement_of(session, case.tenancy_id)
        corrections = await repository.corrections_of(session, hearing.id)
        versions = [
            rules.OutcomeOnRecord(c.previous_recorded_at, c.previous_outcome, c.previous_decided_on)
            for c in corrections
        ] + [
            rules.OutcomeOnRecord(hearing.outcome_recorded_at, hearing.outcome, hearing.decided_on)
        ]
        when_settled = (
            None
            if settlement is None
            else rules.outcome_on_record_at(versions, settlement.settled_at)
        )
        if settlement is not None:
            refused = rules.correction_refused(
                when_settled,
                data.outcome,
                data.decided_on,
                settlement.settled_on,
                settlement.trial_ended_on or trial_year_ends_on(tenancy.start_date),
            )
            if refused is not None:
                field, message = refused
                raise Conflict(message, field=field, reason="trial_settled")
        terms = await self._outcome_given(session, case, hearing, data, now)
        correction_id = uuid.uuid4()
        repository.add_correction(
            session,
            CourtOutcomeCorrection(
                id=correction_id,
                hearing_id=hearing.id,
                reason=data.reason,
                corrected_at=now,
                corrected_by=corrected_by,
                previous_outcome=hearing.outcome,
                previous_decided_on=hearing.decided_on,
                previous_recorded_at=hearing.outcome_recorded_at,
                previous_recorded_by=hearing.outcome_recorded_by,
                previous_terms_arrears_instalment_pence=hearing.terms_arrears_instalment_pence,
                previous_terms_frequency=hearing.terms_frequency,
                previous_terms_first_instalment_on=hearing.terms_first_instalment_on,
                previous_terms_arrears_pence=hearing.terms_arrears_pence,
                previous_terms_broken_on=hearing.terms_broken_on,
            ),
        )
        _decide(hearing, data, terms, corrected_by, now)
        case.held_by_court = hold_of(hearing) is not None  # the latest hearing, checked above
        case.next_check_at = min(case.next_check_at, now)
        await session.flush()
        # a settlement that rested on the outcome as it was is weighed again on the
        # corrected one, and put back if it no longer stands (ADR 0093)
        rested_on_it = when_settled is not None and when_settled.outcome in PROCEEDINGS_ENDED
        if rested_on_it and await tenancy_service.reinstate_on_corrected_outcome(
            session, tenancy, self.settings.ladder, correction_id, corrected_by, now
        ):
            settlement = None
            log.info(
                "trial put back on a corrected court outcome",
                account_id=str(account_id),
                tenancy_id=str(tenancy.id),
            )
        log.info(
            "court outcome corrected",
            account_id=str(account_id),
            hearing_id=str(hearing_id),
            reason=data.reason.value,
        )
        return hearing_public(hearing, settlement)

    async def _outcome_given(
        self,
        session: AsyncSession,
        case: ArrearsCase,
        hearing: CourtHearing,
        data: CourtOutcomeCreate,
        now: datetime,
    ) -> rules.CourtTerms | None:
        """The court's terms given with an outcome on `hearing` (or None), once the
        outcome passes the rules a recording and a correction share, else a 422 naming
        the field: the day it decided is London's today or earlier, not before the
        notice the hearing follows was served or the tenancy started (ADR 0075), and an
        order, terms or a dismissal (given at the hearing) no earlier than the day it
        was listed for; terms on the account's arrears that day (`_terms_given`)."""
        if data.decided_on > london_day(now):
            raise Unprocessable("A court cannot have decided in the future", field="decided_on")
        earliest = await self._earliest_court_day(session, case, hearing.listed_for)
        if data.decided_on < earliest:
            raise Unprocessable(
                f"A court cannot have decided before {earliest}, the day the notice of "
                "seeking possession the hearing follows was served (or the tenancy started)",
                field="decided_on",
            )
        if data.outcome in rules.DECIDED_AT_THE_HEARING and data.decided_on < hearing.listed_for:
            raise Unprocessable(
                f"A hearing listed for {hearing.listed_for} cannot give {data.outcome.value} "
                "before that day",
                field="decided_on",
            )
        return await self._terms_given(session, case, data)

    async def _terms_given(
        self, session: AsyncSession, case: ArrearsCase, data: CourtOutcomeCreate
    ) -> rules.CourtTerms | None:
        """The court's terms given with an outcome, on the account's arrears on the day
        it decided (that rent week's charges left out, as an arrangement counts them
        when it is made), or a 422 naming the field (`rules.terms_refused`)."""
        if data.terms is None:
            return None
        balance = await accounts.balance(session, case.account_id, through=data.decided_on)
        week = await accounts.week_charges(
            session,
            case.account_id,
            account_rules.rent_week_of(data.decided_on),
            through=data.decided_on,
        )
        terms = rules.CourtTerms(
            arrears_instalment_pence=data.terms.arrears_instalment_pence,
            frequency=data.terms.frequency,
            first_instalment_on=data.terms.first_instalment_on,
            arrears_pence=account_rules.arrears_of(balance, week),
        )
        if (refused := rules.terms_refused(data.outcome, data.decided_on, terms)) is not None:
            field, message = refused
            raise Unprocessable(message, field=field)
        return terms

    async def withdraw_notice(
        self,
        session: AsyncSession,
        account_id: uuid.UUID,
        notice_id: uuid.UUID,
        data: NoticeWithdrawal,
        recorded_by: str,
        now: datetime,
    ) -> NoticePublic:
        """Record that the landlord withdrew a notice served on the case, once (409 when
        it is already withdrawn): on a London day not in the future and not before the
        day it was served (422 naming withdrawn_on). A notice of proceedings withdrawn
        keeps no introductory or starter tenancy on trial from that day (Housing Act
        1996 s.130(2)(a)): the trial-end job reads it (ADR 0081). Nor is it live for the
        ladder from that day: withdrawn, the case's latest notice founds no court step,
        and the case goes back to letter 2 for a fresh notice (ADR 0081, amended). The
        case is due a look at once, so the ladder applies it at its next run."""
        today = london_day(now)
        if data.withdrawn_on > today:
            raise Unprocessable(
                "A notice cannot have been withdrawn in the future", field="withdrawn_on"
            )
        case = await _locked_case(session, account_id)
        notice = await repository.get_notice(session, account_id, notice_id)
        if notice is None:
            raise NotFound(f"No notice {notice_id} on account {account_id}")
        if notice.withdrawn_on is not None:
            raise Conflict(
                f"Notice {notice_id} was withdrawn on {notice.withdrawn_on.isoformat()}",
                field="withdrawn_on",
            )
        if data.withdrawn_on < (served_on := london_day(notice.served_at)):
            raise Unprocessable(
                f"A notice cannot have been withdrawn before it was served ({served_on})",
                field="withdrawn_on",
            )
        notice.withdrawn_on = data.withdrawn_on
        notice.withdrawn_at = now
        notice.withdrawn_by = recorded_by
        case.next_check_at = min(case.next_check_at, now)
        await session.flush()
        return notice_public(notice, self.settings.ladder, today)

    async def record_protocol(
        self,
        session: AsyncSession,
        account_id: uuid.UUID,
        data: ProtocolUpdate,
        *,
        if_match: str | None,
        now: datetime,
    ) -> CasePublic:
        """Record pre-action protocol steps (each dated when it was done, never in the
        future nor before the tenancy's start, London day) if the caller saw the case's
        current steps (If-Match: its ETag); the next look at the case re-checks a
        blocked court step."""
        if if_match is None:
            raise PreconditionRequired(
                "Send If-Match with the arrears case's ETag", field="If-Match", location="header"
            )
        case = await _locked_case(session, account_id)
        if if_match.strip() not in (etag_of(case), f"W/{etag_of(case)}", "*"):
            raise PreconditionFailed(
                f"The arrears case of account {account_id} has changed since that version",
                field="If-Match",
                location="header",
            )
        steps = {
            field: value
            for field, value in data.model_dump(exclude_unset=True).items()
            if isinstance(value, datetime)
        }
        for field, value in steps.items():
            if value > now:
                raise Unprocessable("A step cannot be done in the future", field=field)
        tenancy = await tenancies.get(session, case.tenancy_id)
        assert tenancy is not None  # a case belongs to a tenancy (foreign key)
        for field, value in steps.items():
            # a contact, offer or statement before the tenancy began was not about its
            # arrears, and would meet the protocol for a court step (and close the
            # first weeks' personal-contact task) without a step taken
            if london_day(value) < tenancy.start_date:
                raise Unprocessable(
                    f"A step cannot be done before the tenancy started ({tenancy.start_date})",
                    field=field,
                )
        for field, value in data.model_dump(exclude_unset=True).items():
            if value is not None:
                setattr(case, field, value)
        # The personal contact asked for has been made: the task is done.
        case.personal_contact_needed_at = rules.contact_task_after(
            case.personal_contact_needed_at, case.tenant_contacted_at
        )
        case.version += 1
        case.next_check_at = min(case.next_check_at, now)
        return await self._public(session, case)

    async def review(
        self, session: AsyncSession, account_id: uuid.UUID, now: datetime
    ) -> CasePublic:
        """A member of staff reviewed the case after a vulnerability flag: automatic
        steps may go on (the review counts as the protocol's vulnerability step)."""
        case = await _locked_case(session, account_id)
        case.paused_for_review = False
        case.vulnerability_considered_at = now
        case.version += 1  # a protocol step: the case's ETag changes
        case.next_check_at = now
        return await self._public(session, case)


async def _locked_case(session: AsyncSession, account_id: uuid.UUID) -> ArrearsCase:
    """The account's arrears case, locked for this transaction's change (404 if none)."""
    case = await repository.get(session, account_id, for_update=True)
    if case is None:
        raise NotFound(f"No arrears case for account {account_id}")
    return case


async def _hearing(
    session: AsyncSession, account_id: uuid.UUID, hearing_id: uuid.UUID
) -> CourtHearing:
    """A court hearing of the account's case (404 if none)."""
    hearing = await repository.get_hearing(session, account_id, hearing_id)
    if hearing is None:
        raise NotFound(f"No court hearing {hearing_id} on account {account_id}")
    return hearing
