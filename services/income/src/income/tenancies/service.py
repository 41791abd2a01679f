"""Use cases for tenancies: start one (with its rent account and arrears case), end
one (what is owed becomes former tenant arrears), and decide on an introductory
tenancy. Never commits: the caller owns the transaction."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Row
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from hearth_contracts.events.income import (
    ArrearsStage,
    ArrearsStageChanged,
    TenancyEnded,
    TenancyStartedV2,
    TenancyType,
    TenancyTypeChange,
    TenancyTypeChanged,
    TenancyWithdrawn,
    TenantOfTenancy,
)
from hearth_kit.db import ReadConnection
from hearth_kit.outbox import publish
from hearth_kit.pagination import Page, PageParams
from hearth_kit.problems import Conflict, NotFound, Unprocessable
from hearth_kit.working_days import london_day, start_of_london_day
from income.accounts import repository as accounts
from income.accounts import rules as account_rules
from income.arrangements import repository as arrangements
from income.arrears import repository as cases
from income.arrears.rules import nosp_live_until
from income.models import (
    Account,
    AccountKind,
    ArrangementStatus,
    ArrearsCase,
    CourtHearing,
    EntryKind,
    LedgerEntry,
    PossessionNotice,
    Tenancy,
    TenancyStatus,
    Tenant,
    TrialReinstatement,
    TrialSettlement,
    WithdrawalReason,
)
from income.person_ids import kept_ids
from income.rent_run.service import charge_weeks_on_recording
from income.settings import BACKDATED_CHARGE_WEEKS, TRIAL_END_GRACE_DAYS, LandlordKind
from income.tenancies import repository, rules
from income.tenancies.schemas import (
    ArrearsStageBroughtForward,
    TenancyCreate,
    TenancyEnd,
    TenancyPublic,
    TenancyTypeDecision,
    TenancyWithRentSummary,
    TenantCreate,
    TenantPublic,
)

if TYPE_CHECKING:
    from income.accounts.service import AccountService
    from income.settings import ArrearsLadder

TRIAL_END_BATCH = 200
"""Tenancies the trial-end job settles in one transaction."""


CHARGE_AFTER_END = "days_after_tenancy_ended"
"""The reason on a reversal of the days charged after a tenancy's last day."""

WITHDRAWN_BEFORE_START = "tenancy_withdrawn"
"""The reason on a reversal of a charge to a tenancy withdrawn before its first day."""


def to_public(
    tenancy: Tenancy,
    tenants: list[Tenant],
    rent_account_id: uuid.UUID | None,
    sundry_account_id: uuid.UUID | None = None,
) -> TenancyPublic:
    return TenancyPublic.model_validate(
        {
            **tenancy.model_dump(),
            "tenants": [TenantPublic.model_validate(t) for t in tenants],
            "rent_account_id": rent_account_id,
            "sundry_account_id": sundry_account_id,
        }
    )


STEP_DAYS = {
    ArrearsStage.LETTER_1: "letter_1_at",
    ArrearsStage.LETTER_2: "letter_2_at",
    ArrearsStage.NOTICE_OF_SEEKING_POSSESSION: "nosp_served_at",
    ArrearsStage.COURT_WARNING: "court_warning_at",
    ArrearsStage.COURT_APPLICATION: "court_application_at",
}
"""The case's column each step stamps as the ladder takes it (arrears.service's
STAGE_MARKERS), or as a load brings the step forward."""


def stand_where_the_old_system_stood(case: ArrearsCase, step: ArrearsStageBroughtForward) -> None:
    """A loaded case at the step the old system's recovery had reached (ADR 0144), as if
    the ladder had taken it at the start of the London day it was reached: the ladder
    reads that step's day for the next one's interval (letter 2 from letter 1, the notice
    from letter 2, the court application from the warning) and a notice's 12 months from
    its service, so it goes on from there and writes no letter for a step taken. Steps
    before it are not stamped: the ladder never reads an earlier step's day once past
    it. Announced by `announce_the_step_brought_forward`, once the load's weeks are
    charged."""
    stage = ArrearsStage(step.stage)
    reached_at = start_of_london_day(step.reached_on)
    case.stage = stage
    case.stage_changed_at = reached_at
    if (marker := STEP_DAYS.get(stage)) is not None:
        setattr(case, marker, reached_at)
    if step.notice_served_on is not None:
        case.nosp_served_at = start_of_london_day(step.notice_served_on)


async def announce_the_step_brought_forward(
    session: AsyncSession,
    tenancy: Tenancy,
    tenants: Sequence[Tenant],
    account_id: uuid.UUID,
    step: ArrearsStageBroughtForward,
    now: datetime,
) -> None:
    """arrears-stage-changed for a step brought forward at the load (ADR 0144), so a
    consumer holding each tenancy's stage (visits' risk score) has it from the load, not
    from the ladder's next move. `brought_forward`: the household had the step's letter
    from the old system, and engagement writes none for it. Dated when the old system
    reached the step (as the case's `stage_changed_at`), from `none`; the arrears are the
    ladder's own figure once the load's weeks are charged (the balance beyond the
    current week's charges), the one its first look reads."""
    today = london_day(now)
    balance = await accounts.balance(session, account_id, through=today)
    week = await accounts.week_charges(
        session, account_id, account_rules.rent_week_of(today), through=today
    )
    await publish(
        session,
        ArrearsStageChanged(
            tenancy_id=tenancy.id,
            uprn=tenancy.uprn,
            stage=ArrearsStage(step.stage),
            previous_stage=ArrearsStage.NONE,
            arrears_pence=account_rules.arrears_of(balance, week),
            changed_at=start_of_london_day(step.reached_on),
            person_ids=[t.person_id for t in tenants],
            rent_account_id=account_id,
            brought_forward=True,
        ),
    )


async def _as_income_keys_them(
    session: AsyncSession, tenants: Sequence[TenantCreate]
) -> dict[uuid.UUID, uuid.UUID]:
    """Each person id the request names, as income keys it (person_ids.kept_ids, ADR
    0172, 0200): an id a merge income handled retired is the person kept, so a tenancy
    typed from an old record of a merged person names the person kept, as the merge
    re-keyed the tenancies it found, and no row is written under a retired id. Mapped
    before anything is written (ADR 0186). Two ids naming one person (the duplicate and
    the person kept, say) are one tenant named twice: 422 naming `tenants`, as two equal
    ids are."""
    named = [t.person_id for t in tenants if t.person_id is not None]
    people = await kept_ids(session, named)
    if len({people[one] for one in named}) < len(named):
        raise Unprocessable(
            "a person is named on a tenancy only once: two of the person ids are one "
            "person (a merge of resident records retired one into the other)",
            field="tenants",
        )
    return people


class TenancyService:
    async def start(
        self,
        session: AsyncSession,
        data: TenancyCreate,
        now: datetime | None = None,
        *,
        backdated_charge_weeks: int = BACKDATED_CHARGE_WEEKS,
        rent_free_weeks: Collection[date] = (),
        landlord_kind: LandlordKind | None = None,
    ) -> TenancyPublic:
        """Start a tenancy of a home, open its rent account (an empty ledger) and its
        arrears case, and announce it (tenancy-started v2). The home need not be known
        to income yet. Joint tenants are named by the platform's person ids; the event
        carries those ids and who is the lead tenant, never a name. The start may be
        ahead, by a year at most (`rules.latest_day_ahead`: further is a year typed
        wrong), and after the last day of the home's previous tenancy (one household
        in a home on any day).

        A start in the past, at most `backdated_charge_weeks` back, is charged the rent
        weeks from its start to the current one (less `rent_free_weeks`) as the rent
        run would have charged them, in this transaction (rent-charged after
        tenancy-started), and how many is kept (`backdated_weeks_charged`): a tenancy
        typed in days or weeks after it was signed owes them, and the rent run only
        charges the current week. An older start is charged nothing back (ADR 0112).

        A tenancy loaded from the old system with its balance brought forward (ADR
        0132) has that balance posted (an opening_balance entry dated the day it was
        struck, the last day of a rent week before the current one; 422 naming
        `balance_brought_forward.as_at` otherwise), and the weeks up to that day are
        the old system's: charged back only from the week after, never again by the
        rent run, whatever the window. A load is safe without ops setting it to 0.
        With it may come the step the old system's arrears recovery had reached (ADR
        0144): the case starts there (`stand_where_the_old_system_stood`), a notice
        brought forward kept with its notices, and the step announced brought forward
        (`announce_the_step_brought_forward`).

        Its type is one `landlord_kind` can grant (`rules.TYPES_GRANTED`: a council's
        secure, introductory or fixed-term; an association's assured, starter,
        fixed-term or secure), a 422 naming `tenancy_type` otherwise (ADR 0150); None
        (development without the setting) takes every type."""
        now = now or datetime.now(UTC)
        if why := rules.why_not_granted(landlord_kind, data.tenancy_type):
            raise Unprocessable(why, field="tenancy_type")
        if data.start_date > (latest := rules.latest_day_ahead(london_day(now))):
            raise Unprocessable(
                f"A tenancy starts at most {rules.RECORDED_AHEAD_MONTHS} months ahead "
                f"(by {latest})",
                field="start_date",
            )
        if await repository.by_reference(session, data.tenancy_reference) is not None:
            raise Conflict(
                f"Tenancy reference {data.tenancy_reference} is already in use",
                field="tenancy_reference",
            )
        if (current := await repository.current_of_home(session, data.uprn)) is not None:
            raise Conflict(
                f"Home {data.uprn} already has a current tenancy ({current.tenancy_reference})",
                field="uprn",
            )
        if data.balance_brought_forward is not None and (
            why := rules.why_not_brought_forward_as_at(
                data.balance_brought_forward.as_at, london_day(now)
            )
        ):
            raise Unprocessable(why, field="balance_brought_forward.as_at")
        if (step := data.arrears_stage_brought_forward) is not None and (
            refused := rules.why_not_stage_brought_forward(
                step.stage,
                step.reached_on,
                step.notice_served_on,
                data.start_date,
                None if (b := data.balance_brought_forward) is None else b.as_at,
            )
        ):
            raise Unprocessable(refused[1], field=refused[0])
        if (last_day := await repository.last_day_of_home(session, data.uprn)) is not None and (
            data.start_date <= last_day
        ):
            # One household in a home on any day: a start on or before the last day of
            # the home's previous tenancy is a date typed wrong, and would charge both
            # households rent for those days and send a recharge raised then (the
            # household in the home on the day, adr/0036) to the new one.
            raise Unprocessable(
                f"Home {data.uprn}'s previous tenancy ran to {last_day}: a tenancy of it "
                "starts after that day",
                field="start_date",
            )
        tenancy = Tenancy(
            id=uuid.uuid4(),
            tenancy_reference=data.tenancy_reference,
            uprn=data.uprn,
            start_date=data.start_date,
            tenancy_type=data.tenancy_type,
            weekly_rent_pence=data.weekly_rent_pence,
            weekly_service_charge_pence=data.weekly_service_charge_pence,
            introductory_ends_on=rules.introductory_ends_on(data.tenancy_type, data.start_date),
            status=TenancyStatus.CURRENT,
            created_at=now,
        )
        if (brought := data.balance_brought_forward) is not None:
            tenancy.balance_brought_forward_pence = brought.amount_pence
            tenancy.balance_brought_forward_as_at = brought.as_at
        people = await _as_income_keys_them(session, data.tenants)
        tenants = [
            Tenant(
                tenancy_id=tenancy.id,
                person_id=uuid.uuid4() if t.person_id is None else people[t.person_id],
                position=position,
                full_name=t.full_name,
            )
            for position, t in enumerate(data.tenants)
        ]
        account = Account(
            id=uuid.uuid4(),
            tenancy_id=tenancy.id,
            uprn=tenancy.uprn,
            kind=AccountKind.RENT,
            opened_on=data.start_date,
        )
        try:
            await repository.add(session, tenancy, tenants)
        except IntegrityError as exc:
            # A concurrent request took the reference or the home between our checks
            # and our insert; the unique indexes kept the rule.
            raise Conflict(
                "The tenancy reference is already in use, or the home already has a current tenancy"
            ) from exc
        await accounts.add_account(session, account)
        case = ArrearsCase(
            account_id=account.id,
            tenancy_id=tenancy.id,
            stage=ArrearsStage.NONE,
            # at none since its tenancy began: the worklist's order needs the moment
            # for a case the court holds before the ladder ever moves it (ADR 0084, amended)
            stage_changed_at=start_of_london_day(data.start_date),
            next_check_at=now,
        )
        if step is not None:
            stand_where_the_old_system_stood(case, step)
        await cases.add(session, case)
        if case.nosp_served_at is not None:
            # kept with the case's notices, as one the ladder served: its 12 months,
            # a withdrawal and the trial's end read it there (ADR 0059, 0081)
            cases.add_notice(
                session,
                PossessionNotice(
                    id=uuid.uuid4(), account_id=account.id, served_at=case.nosp_served_at
                ),
            )
        await publish(
            session,
            TenancyStartedV2(
                tenancy_id=tenancy.id,
                tenancy_reference=tenancy.tenancy_reference,
                uprn=tenancy.uprn,
                tenants=[
                    TenantOfTenancy(
                        person_id=t.person_id, lead=t.position == 0, joint=len(tenants) > 1
                    )
                    for t in tenants
                ],
                start_date=tenancy.start_date,
                tenancy_type=tenancy.tenancy_type,
                weekly_rent_pence=tenancy.weekly_rent_pence,
                weekly_service_charge_pence=tenancy.weekly_service_charge_pence,
                rent_account_id=account.id,
            ),
        )
        if brought is not None and brought.amount_pence:
            # Before any week charged back, so each rent-charged's balance counts it.
            await accounts.add_entry(
                session,
                LedgerEntry(
                    id=uuid.uuid4(),
                    account_id=account.id,
                    kind=EntryKind.OPENING_BALANCE,
                    amount_pence=brought.amount_pence,
                    effective_on=brought.as_at,
                    posted_at=now,
                ),
            )
        weeks = account_rules.weeks_charged_back(
            tenancy.start_date,
            london_day(now),
            backdated_charge_weeks,
            rent_free_weeks,
            tenancy.balance_brought_forward_as_at,
        )
        if weeks:
            tenancy.backdated_weeks_charged = await charge_weeks_on_recording(
                session, account, tenancy, weeks, now
            )
            await session.flush()
        if step is not None:
            await announce_the_step_brought_forward(
                session, tenancy, tenants, account.id, step, now
            )
        return to_public(tenancy, tenants, account.id)

    async def _current(self, session: AsyncSession, tenancy_id: uuid.UUID) -> Tenancy:
        tenancy = await repository.get_for_update(session, tenancy_id)
        if tenancy is None:
            raise NotFound(f"No tenancy {tenancy_id}")
        if tenancy.status is not TenancyStatus.CURRENT:
            raise Conflict(
                f"Tenancy {tenancy_id} {rules.why_not_current(tenancy.status)}",
                field="status",
                reason=f"tenancy_{tenancy.status.value}",
            )
        return tenancy

    async def end(
        self, session: AsyncSession, tenancy_id: uuid.UUID, data: TenancyEnd, now: datetime
    ) -> TenancyPublic:
        """End a tenancy (publishes tenancy-ended with the closing balance): charges for
        days after its last day are reversed, what is still owed becomes former tenant
        arrears, and the case leaves the ladder with its live arrangement (completed
        when nothing is owed, else `tenancy_ended`). Takes the tenancy, then its rent
        account, then its case and arrangement: income's one lock order for a
        tenancy's rows (an arrangement being made waits at the tenancy)."""
        if data.end_date > london_day(now):
            raise Unprocessable("A tenancy cannot end in the future", field="end_date")
        tenancy = await self._current(session, tenancy_id)
        if data.end_date < tenancy.start_date:
            raise Unprocessable("A tenancy cannot end before it starts", field="end_date")
        tenancy.status = TenancyStatus.ENDED
        tenancy.end_date = data.end_date
        tenancy.end_reason = data.reason
        tenancy.version += 1
        account = await accounts.account_of_tenancy(
            session, tenancy.id, AccountKind.RENT, for_update=True
        )
        if account is not None:
            await self._reverse_charges_after_end(
                session, account, tenancy.start_date, data.end_date, now
            )
        closing = 0 if account is None else await accounts.balance(session, account.id)
        await self._case_and_arrangement_end(session, tenancy.id, account, now)
        await session.flush()
        await publish(
            session,
            TenancyEnded(
                tenancy_id=tenancy.id,
                uprn=tenancy.uprn,
                end_date=data.end_date,
                reason=data.reason,
                closing_balance_pence=closing,
            ),
        )
        return await self.get(session, tenancy.id)

    async def withdraw(
        self,
        session: AsyncSession,
        tenancy_id: uuid.UUID,
        withdrawn_by: str,
        now: datetime,
        reason: WithdrawalReason | None = None,
    ) -> TenancyPublic:
        """Withdraw a tenancy recorded ahead before its first day (the offer fell through:
        the household never moves in), publishing tenancy-withdrawn so that visits,
        engagement, compliance and repairs undo what tenancy-started did (ADR 0111). The
        home is free again (the withdrawn tenancy is not current, and has no last day a
        next one must start after). No rent is owed under it: a charge the rent run
        posted for the week it was to start in (charged in advance from that Monday) is
        reversed whole, the rent run charges it no more, its arrears case leaves the
        ladder and a live arrangement ends with it. Rent paid in advance at sign-up stays
        on the account as a credit to return (reverse the payment once refunded); no more
        is taken. 409 naming why (`reason`): it has ended or was withdrawn already, or its
        first day has come (a tenancy in force is ended, POST .../end, from its first day
        on). Takes the tenancy, then its rent account, then its case and arrangement, as
        `end` does. Why (`reason`, a code in the landlord's words) is kept and shown, not
        published: no consumer acts on it, and an enum in a published event could never
        take a new value compatibly (ADR 0111, amended)."""
        tenancy = await repository.get_for_update(session, tenancy_id)
        if tenancy is None:
            raise NotFound(f"No tenancy {tenancy_id}")
        if tenancy.status is not TenancyStatus.CURRENT:
            raise Conflict(
                f"Tenancy {tenancy_id} is {tenancy.status.value}: only a tenancy not yet "
                "started is withdrawn",
                field="status",
                reason=f"tenancy_{tenancy.status.value}",
            )
        if tenancy.start_date <= (today := london_day(now)):
            raise Conflict(
                f"Tenancy {tenancy_id} started on {tenancy.start_date} (today is {today}): a "
                "tenancy in force is ended, not withdrawn",
                field="start_date",
                reason="tenancy_started",
            )
        tenancy.status = TenancyStatus.WITHDRAWN
        tenancy.withdrawn_at = now
        tenancy.withdrawn_by = withdrawn_by
        tenancy.withdrawal_reason = reason
        tenancy.version += 1
        account = await accounts.account_of_tenancy(
            session, tenancy.id, AccountKind.RENT, for_update=True
        )
        if account is not None:
            # As a tenancy that ran no day: its last day the day before its first.
            await self._reverse_charges_after_end(
                session,
                account,
                tenancy.start_date,
                tenancy.start_date - timedelta(days=1),
                now,
                reason=WITHDRAWN_BEFORE_START,
            )
        await self._case_and_arrangement_end(session, tenancy.id, account, now)
        await session.flush()
        await publish(
            session,
            TenancyWithdrawn(
                tenancy_id=tenancy.id,
                uprn=tenancy.uprn,
                start_date=tenancy.start_date,
                withdrawn_at=now,
            ),
        )
        return await self.get(session, tenancy.id)

    async def _case_and_arrangement_end(
        self,
        session: AsyncSession,
        tenancy_id: uuid.UUID,
        account: Account | None,
        now: datetime,
    ) -> None:
        """A tenancy ended or withdrawn: its arrears case leaves the ladder, and its live
        arrangement ends with it, completed when nothing is owed on the account (after
        any reversal), else `tenancy_ended`: it no longer counts as kept (former tenant
        arrears are recovered apart)."""
        await cases.close_for_tenancy(session, tenancy_id)
        if account is None or (live := await arrangements.active_of(session, account.id)) is None:
            return
        closing = await accounts.balance(session, account.id)
        live.status = (
            ArrangementStatus.COMPLETED if closing <= 0 else ArrangementStatus.TENANCY_ENDED
        )
        live.ended_at = now

    async def _reverse_charges_after_end(
        self,
        session: AsyncSession,
        account: Account,
        started_on: date,
        ended_on: date,
        now: datetime,
        *,
        reason: str = CHARGE_AFTER_END,
    ) -> None:
        """Rent is charged a week in advance, so a tenancy ending inside a charged week,
        or before weeks already charged, was charged for days after its last day: each
        such charge gets a reversing entry for those days (the charge itself stays
        posted). A reversal counts from the charge's day or today, whichever is later,
        as every correction does, so a statement already given never changes."""
        today = london_day(now)
        for charge in await accounts.charges_from(
            session, account.id, account_rules.rent_week_of(ended_on)
        ):
            if charge.charge_week is None:  # every weekly charge names its week
                continue
            amount = account_rules.charge_after_end(
                charge.amount_pence, charge.charge_week, started_on, ended_on
            )
            if amount <= 0:
                continue
            await accounts.add_entry(
                session,
                LedgerEntry(
                    id=uuid.uuid4(),
                    account_id=account.id,
                    kind=EntryKind.REVERSAL,
                    amount_pence=-amount,
                    effective_on=max(charge.effective_on, today),
                    posted_at=now,
                    reverses_entry_id=charge.id,
                    reason=reason,
                ),
            )

    async def decide_type(
        self,
        session: AsyncSession,
        tenancy_id: uuid.UUID,
        data: TenancyTypeDecision,
        now: datetime,
    ) -> TenancyPublic:
        """Confirm an introductory (or starter) tenancy as secure or assured, or extend
        its trial period by 6 months once, taking effect by the trial's last day
        (publishes tenancy-type-changed)."""
        if data.effective_on > london_day(now):
            raise Unprocessable("A decision cannot take effect in the future", field="effective_on")
        tenancy = await self._current(session, tenancy_id)
        if data.effective_on < tenancy.start_date:
            # A trial is decided during it: a date before the tenancy began is a slip,
            # and visits (its caseload entry versioned from the first day) ignores it.
            raise Unprocessable(
                "A decision cannot take effect before the tenancy starts", field="effective_on"
            )
        if tenancy.tenancy_type not in rules.TRIAL_TYPES:
            raise Conflict(f"Tenancy {tenancy_id} is not in a trial period", field="change")
        previous = tenancy.tenancy_type
        if data.change is TenancyTypeChange.EXTENDED:
            if (
                tenancy.introductory_ends_on is not None
                and data.effective_on >= tenancy.introductory_ends_on
            ):
                # A trial is extended while it lasts (its last day, the day before
                # introductory_ends_on, included): from the day it ends the tenancy is
                # secure or assured by law (s.125), and nothing is left to extend.
                raise Unprocessable(
                    f"The trial ends on {tenancy.introductory_ends_on.isoformat()}: an "
                    "extension takes effect before then",
                    field="effective_on",
                )
            extended = rules.extended_end(tenancy.start_date)
            if (
                tenancy.introductory_ends_on is not None
                and tenancy.introductory_ends_on >= extended
            ):
                raise Conflict(f"Tenancy {tenancy_id} was already extended", field="change")
            tenancy.introductory_ends_on = extended
        else:  # confirmed: the request's schema takes only the two (TenancyTypeDecision)
            if data.tenancy_type not in (TenancyType.SECURE, TenancyType.ASSURED):
                raise Unprocessable(
                    "A confirmed tenancy becomes secure or assured", field="tenancy_type"
                )
            if data.tenancy_type is not (settled := rules.SETTLED_TYPE[previous]):
                # The trial's own type decides what it becomes: a council's introductory
                # tenancy is secure by law (Housing Act 1996 s.125), a housing
                # association's starter tenancy assured; the other type would name the
                # wrong notice and grounds for possession, and a reinstatement would put
                # back the wrong trial (rules.TRIAL_TYPE_OF).
                raise Unprocessable(
                    f"An {previous.value} tenancy confirmed becomes {settled.value}"
                    if previous is TenancyType.INTRODUCTORY
                    else f"A {previous.value} tenancy confirmed becomes {settled.value}",
                    field="tenancy_type",
                )
            tenancy.tenancy_type = data.tenancy_type
            tenancy.introductory_ends_on = None
        await _type_changed(session, tenancy, data.change, previous, data.effective_on)
        return await self.get(session, tenancy.id)

    async def settle_ended_trials(
        self,
        session: AsyncSession,
        now: datetime,
        ladder: ArrearsLadder,
        *,
        grace_days: int = TRIAL_END_GRACE_DAYS,
    ) -> int:
        """One batch of the trial-end job: a trial that ended by London's today (its
        `introductory_ends_on` is today or earlier) with nobody deciding (not extended,
        not confirmed) and no possession proceedings begun during it makes the tenancy
        secure (introductory) or assured (starter) by law, from the day it ended
        (`introductory_ends_on`) whatever day the job runs, and publishes
        the tenancy-type-changed a confirmation publishes (`confirmed`). Tenancies kept
        on trial by proceedings are passed over, not counted (an officer decides them),
        so a round ends; a tenancy settled here is no longer on trial, so a second run
        changes nothing. Every notice the case was served counts, not only its latest.
        Proceedings dismissed or withdrawn (the case's latest court
        hearing, ADR 0067) no longer keep it, nor does a notice whose six months passed
        with no proceedings brought (no claim issued in them, ADR 0075), once
        `grace_days` more have passed for a claim issued on their last days to be
        recorded: it is settled from the later of the day the trial ended and the day
        the notice stopped keeping it, so a job run late (or after the grace) still
        dates it right, and the settlement is kept (`trial_settlement`) so that a claim
        issued in time and recorded later is shown to the officer. Takes only the
        tenancy, SKIP LOCKED: a decision being made on it finishes first, and the
        trial-end then finds it decided (ADR 0059)."""
        today = london_day(now)
        settled = 0
        after: tuple[date, uuid.UUID] | None = None
        while settled < TRIAL_END_BATCH:
            found = await repository.trials_ended(
                session, by=today, after=after, limit=TRIAL_END_BATCH
            )
            for tenancy, notice_served_at, account_id in found:
                ends_on = tenancy.introductory_ends_on
                assert ends_on is not None  # selected by it
                after = (ends_on, tenancy.id)
                proceedings_ended: date | None = None
                # the case's latest notice says whether it was ever served one; every
                # notice it was served is read then (a later one hides no earlier)
                if notice_served_at is not None and account_id is not None:
                    notice = _notice_of_proceedings(
                        ends_on, await cases.notices_of(session, account_id), ladder
                    )
                    if notice is not None:
                        proceedings_ended = await self._notice_stopped_keeping(
                            session, account_id, notice, today, grace_days
                        )
                        if proceedings_ended is None:
                            continue
                previous = tenancy.tenancy_type
                tenancy.tenancy_type = rules.SETTLED_TYPE[previous]
                tenancy.introductory_ends_on = None
                effective_on = rules.settled_on(ends_on, proceedings_ended)
                repository.add_settlement(
                    session,
                    TrialSettlement(
                        tenancy_id=tenancy.id,
                        settled_on=effective_on,
                        settled_at=now,
                        trial_ended_on=ends_on,
                    ),
                )
                await _type_changed(
                    session, tenancy, TenancyTypeChange.CONFIRMED, previous, effective_on
                )
                settled += 1
                if settled == TRIAL_END_BATCH:
                    break
            if len(found) < TRIAL_END_BATCH:
                break
        return settled

    async def _notice_stopped_keeping(
        self,
        session: AsyncSession,
        account_id: uuid.UUID,
        notice: PossessionNotice,
        today: date,
        grace_days: int,
    ) -> date | None:
        """The day the notice of proceedings (served during the trial) stopped keeping
        the tenancy on trial (`rules.notice_stopped_keeping_on`, s.130(2)): withdrawn
        (ADR 0081), the proceedings dismissed or withdrawn (the case's latest hearing,
        ADR 0067), or its six months passed with no proceedings brought (ADR 0075;
        looked at once `grace_days` more have passed); the earliest. None: it still
        keeps it (six months not yet over, or proceedings brought and undecided,
        adjourned, or ended in a possession order)."""
        served_on = london_day(notice.served_at)
        hearings = await cases.hearings_of(session, account_id)  # latest last
        return rules.notice_stopped_keeping_on(
            served_on,
            _on_record(hearings),
            today,
            proceedings_ended=_proceedings_ended(served_on, hearings),
            withdrawn_on=notice.withdrawn_on,
            grace_days=grace_days,
        )

    async def reinstate_trial(
        self,
        session: AsyncSession,
        tenancy_id: uuid.UUID,
        ladder: ArrearsLadder,
        reinstated_by: str,
        now: datetime,
    ) -> TenancyPublic:
        """Put back on trial a tenancy the trial-end job settled when, in law, it was
        still introductory (or starter): a claim issued within the six months of the
        notice of proceedings served during the trial, recorded after the job ran (the
        hearing's `trial_settled_on`, ADR 0075). The type and the trial's end are
        restored as the job found them, the settlement is removed (the job settles the
        trial again when the proceedings end, from that day) and kept as a
        reinstatement with who made it (audit), and tenancy-type-changed (`other`, back
        to the trial type, effective the day the settlement took effect) corrects what
        the settlement published. 409 naming why when the job did not settle it, or the
        settlement stands: no claim issued in the notice's six months on record, or
        the notice had stopped keeping the trial by the day it was settled from (ADR
        0081). Takes the tenancy first, as every tenancy write does."""
        tenancy = await self._current(session, tenancy_id)
        settlement = await repository.settlement_of(session, tenancy.id)
        if settlement is None or tenancy.tenancy_type not in rules.TRIAL_TYPE_OF:
            raise Conflict(
                f"Tenancy {tenancy_id} was not made secure or assured by the trial-end job: "
                "only its settlement is put back (a decision is the officer's own)",
                field="trial_settled_on",
            )
        refused, trial_ended_on = await self._settlement_stands(
            session, tenancy, settlement, ladder, london_day(now)
        )
        if refused == rules.NO_CLAIM_IN_TIME:
            raise Conflict(
                "No claim issued within the six months of a notice of proceedings served "
                f"during the trial is recorded: the settlement from {settlement.settled_on} "
                "stands",
                field="claim_issued_on",
                reason=refused,
            )
        if refused is not None:
            raise Conflict(
                "The notice of proceedings was withdrawn, or its proceedings ended, by "
                f"{settlement.settled_on}, the day the trial was settled from: it stands",
                field="trial_settled_on",
                reason=refused,
            )
        await _put_back_on_trial(session, tenancy, settlement, trial_ended_on, reinstated_by, now)
        return await self.get(session, tenancy.id)

    async def reinstate_on_corrected_outcome(
        self,
        session: AsyncSession,
        tenancy: Tenancy,
        ladder: ArrearsLadder,
        correction_id: uuid.UUID,
        corrected_by: str,
        now: datetime,
    ) -> bool:
        """Put back on trial a tenancy the trial-end job settled on a court outcome that
        has just been corrected (ADR 0093): a dismissal or withdrawal keyed in error for
        an order or an adjournment, or for another day. With the corrected outcome on
        record, the settlement is weighed as a reinstatement weighs it (ADR 0081): when
        it no longer stands (a claim brought in the notice's six months, and the notice
        not stopped keeping the trial by the day settled), it is undone as a
        reinstatement undoes it, the reinstatement naming the correction, and
        tenancy-type-changed (`other`) published; the job settles the trial again when
        the record says the proceedings ended. True when it was put back. Nothing to do
        (False): no settlement by the job, the tenancy has ended (its type is history),
        or the settlement stands on what is on record now (another reason ended the
        trial by its day). `tenancy` is held (FOR UPDATE) by the caller."""
        if tenancy.status is not TenancyStatus.CURRENT:
            return False
        settlement = await repository.settlement_of(session, tenancy.id)
        if settlement is None or tenancy.tenancy_type not in rules.TRIAL_TYPE_OF:
            return False
        refused, trial_ended_on = await self._settlement_stands(
            session, tenancy, settlement, ladder, london_day(now)
        )
        if refused is not None:
            return False
        await _put_back_on_trial(
            session, tenancy, settlement, trial_ended_on, corrected_by, now, correction_id
        )
        return True

    async def _settlement_stands(
        self,
        session: AsyncSession,
        tenancy: Tenancy,
        settlement: TrialSettlement,
        ladder: ArrearsLadder,
        today: date,
    ) -> tuple[str | None, date]:
        """Why the job's settlement stands on what is on record today
        (`rules.reinstatement_refused`), or None when it does not, with the trial's end
        it read (the year from the start for a settlement made before migration 0022)."""
        trial_ended_on = settlement.trial_ended_on or rules.trial_year_ends_on(tenancy.start_date)
        account_id = (await accounts.rent_accounts_of(session, [tenancy.id])).get(tenancy.id)
        notices = [] if account_id is None else await cases.notices_of(session, account_id)
        hearings = [] if account_id is None else await cases.hearings_of(session, account_id)
        notice = _notice_of_proceedings(trial_ended_on, notices, ladder)
        served_on = None if notice is None else london_day(notice.served_at)
        refused = rules.reinstatement_refused(
            settlement.settled_on,
            trial_ended_on,
            served_on,
            _on_record(hearings),
            today,
            proceedings_ended=None
            if served_on is None
            else _proceedings_ended(served_on, hearings),
            withdrawn_on=None if notice is None else notice.withdrawn_on,
        )
        return refused, trial_ended_on

    async def get(self, session: AsyncSession, tenancy_id: uuid.UUID) -> TenancyPublic:
        tenancy = await repository.get(session, tenancy_id)
        if tenancy is None:
            raise NotFound(f"No tenancy {tenancy_id}")
        tenants = await repository.tenants_of(session, [tenancy.id])
        account_ids = await accounts.rent_accounts_of(session, [tenancy.id])
        sundry = await accounts.rent_accounts_of(session, [tenancy.id], AccountKind.SUNDRY)
        return to_public(
            tenancy, tenants[tenancy.id], account_ids.get(tenancy.id), sundry.get(tenancy.id)
        )

    async def page(
        self,
        connection: ReadConnection,
        page: PageParams,
        *,
        uprn: str | None,
        status: TenancyStatus | None,
    ) -> Page[TenancyPublic]:
        """Tenancies in reference order, a page at a time, each with its tenants and
        accounts: one statement on a read connection, rows straight into the entry."""
        rows = await repository.page_rows(
            connection, after=page.after_as(str), limit=page.fetch, uprn=uprn, status=status
        )
        return Page.from_rows(
            publics_of_rows(rows),
            page.limit,
            cursor_of=lambda tenancy: (tenancy.tenancy_reference,),
        )

    async def page_with_rent_summaries(
        self,
        connection: ReadConnection,
        page: PageParams,
        accounts_service: AccountService,
        now: datetime,
        *,
        uprn: str | None,
        status: TenancyStatus | None,
    ) -> Page[TenancyWithRentSummary]:
        """The page as `page` reads it, each tenancy with its rent account's summary
        (null without one): the summaries of the whole page in one more statement."""
        listed = await self.page(connection, page, uprn=uprn, status=status)
        account_ids = [t.rent_account_id for t in listed.items if t.rent_account_id is not None]
        summaries = await accounts_service.summaries(connection, account_ids, now)
        return Page[TenancyWithRentSummary](
            items=[
                TenancyWithRentSummary.model_construct(
                    **dict(tenancy),
                    rent_summary=summaries.get(tenancy.rent_account_id)
                    if tenancy.rent_account_id is not None
                    else None,
                )
                for tenancy in listed.items
            ],
            next_cursor=listed.next_cursor,
        )


async def _put_back_on_trial(
    session: AsyncSession,
    tenancy: Tenancy,
    settlement: TrialSettlement,
    trial_ended_on: date,
    reinstated_by: str,
    now: datetime,
    correction_id: uuid.UUID | None = None,
) -> None:
    """The job's settlement undone: the type and the trial's end restored as the job
    found them, the settlement removed (the job settles the trial again when the
    proceedings end, from that day) and kept as a reinstatement with who made it, when
    and, when a corrected court outcome called for it, which correction (audit), and
    tenancy-type-changed (`other`, back to the trial type, effective the day the
    settlement took effect) correcting what the settlement published (ADR 0081, 0093)."""
    previous = tenancy.tenancy_type
    tenancy.tenancy_type = rules.TRIAL_TYPE_OF[previous]
    tenancy.introductory_ends_on = trial_ended_on
    await repository.remove_settlement(session, settlement)
    repository.add_reinstatement(
        session,
        TrialReinstatement(
            id=uuid.uuid4(),
            tenancy_id=tenancy.id,
            settled_on=settlement.settled_on,
            settled_at=settlement.settled_at,
            trial_ended_on=trial_ended_on,
            reinstated_at=now,
            reinstated_by=reinstated_by,
            correction_id=correction_id,
        ),
    )
    await _type_changed(session, tenancy, TenancyTypeChange.OTHER, previous, settlement.settled_on)


async def _type_changed(
    session: AsyncSession,
    tenancy: Tenancy,
    change: TenancyTypeChange,
    previous: TenancyType,
    effective_on: date,
) -> None:
    """The tenancy's new type (or trial end) saved and announced: a decision and the
    trial-end job publish the same tenancy-type-changed."""
    tenancy.version += 1
    await session.flush()
    await publish(
        session,
        TenancyTypeChanged(
            tenancy_id=tenancy.id,
            uprn=tenancy.uprn,
            change=change,
            previous_type=previous,
            tenancy_type=tenancy.tenancy_type,
            effective_on=effective_on,
            introductory_period_ends_on=tenancy.introductory_ends_on,
        ),
    )


def _notice_of_proceedings(
    ends_on: date, notices: Sequence[PossessionNotice], ladder: ArrearsLadder
) -> PossessionNotice | None:
    """The notice that began proceedings during the trial ending on `ends_on`
    (`rules.notice_of_proceedings`: the latest served by its last day and live on it),
    among every notice the case was served; None: none did."""
    served_on = rules.notice_of_proceedings(
        rules.trial_last_day(ends_on),
        [
            (london_day(notice.served_at), nosp_live_until(notice.served_at, ladder))
            for notice in notices
        ],
    )
    return next((n for n in reversed(notices) if london_day(n.served_at) == served_on), None)


def _on_record(hearings: Sequence[CourtHearing]) -> list[rules.HearingOnRecord]:
    return [
        rules.HearingOnRecord(
            hearing.listed_for, london_day(hearing.listed_at), hearing.claim_issued_on
        )
        for hearing in hearings
    ]


def _proceedings_ended(served_on: date, hearings: Sequence[CourtHearing]) -> date | None:
    """The day the proceedings ended without possession, from the case's latest hearing
    (`hearings` oldest first; `rules.proceedings_ended_on`, ADR 0067)."""
    latest = hearings[-1] if hearings else None
    return rules.proceedings_ended_on(
        served_on, latest.outcome if latest else None, latest.decided_on if latest else None
    )


def publics_of_rows(rows: Sequence[Row[Any]]) -> list[TenancyPublic]:
    """Public entries from repository.page_rows' rows (one per tenant, in tenancy
    order; every tenancy names at least one tenant, but a row without one is kept)."""
    tenants: dict[uuid.UUID, list[TenantPublic]] = {}
    firsts: list[Row[Any]] = []
    for row in rows:
        if row.id not in tenants:
            tenants[row.id] = []
            firsts.append(row)
        if row.person_id is not None:
            tenants[row.id].append(TenantPublic(person_id=row.person_id, full_name=row.full_name))
    return [
        TenancyPublic(
            **{name: first._mapping[name] for name in repository.TENANCY_COLUMNS},
            tenants=tenants[first.id],
            rent_account_id=first.rent_account_id,
            sundry_account_id=first.sundry_account_id,
        )
        for first in firsts
    ]


tenancy_service = TenancyService()
