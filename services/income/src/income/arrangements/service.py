"""Use cases for arrangements: make one on income and expenditure, and check a live
one's instalments (the ladder job does, before the ladder's own rules). Never commits.

Making one takes the tenancy's rows in income's one order: the tenancy, then its rent
account, then its arrears case (as a tenancy's end and a rent change do), so it waits
for an end of the same tenancy instead of deadlocking with it. On SQLite the write
session's BEGIN IMMEDIATE holds the whole database instead (docs/adr/0027)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from hearth_contracts.events.income import ArrangementBroken, ArrangementMade
from hearth_kit.outbox import publish
from hearth_kit.problems import Conflict, NotFound, Unprocessable
from hearth_kit.working_days import london_day
from income.accounts import repository as accounts
from income.accounts import rules as account_rules
from income.arrangements import repository, rules
from income.arrangements.schemas import ArrangementCreate, ArrangementPublic
from income.arrears import repository as cases
from income.arrears import rules as arrears_rules
from income.models import Arrangement, ArrangementStatus, Tenancy, TenancyStatus
from income.settings import IncomeSettings
from income.tenancies import repository as tenancies
from income.tenancies.rules import add_months


class ArrangementService:
    def __init__(self, settings: IncomeSettings) -> None:
        self.settings = settings

    async def make(
        self,
        session: AsyncSession,
        account_id: uuid.UUID,
        data: ArrangementCreate,
        now: datetime,
    ) -> ArrangementPublic:
        """Agree an arrangement to pay the arrears (publishes arrangement-made). The
        instalment must be affordable on the income and expenditure statement and clear
        the arrears within the configured longest arrangement."""
        today = london_day(now)
        if data.first_instalment_on < today:
            raise Unprocessable(
                "The first instalment cannot be in the past", field="first_instalment_on"
            )
        within = self.settings.arrangement_first_instalment_within_days
        if data.first_instalment_on > today + timedelta(days=within):
            raise Unprocessable(
                f"The first instalment must fall due within {within} days of today",
                field="first_instalment_on",
            )
        # Income's one lock order for a tenancy's rows: the tenancy, then its account,
        # then the account's arrears case (the order a tenancy's end and a rent change
        # take them). The account names its tenancy for good, so it is read unlocked to
        # find it. Taking the account first deadlocked with an end: the end held the
        # tenancy and waited for the account, while the arrangement's insert (a row
        # referring to the tenancy) waited for the tenancy.
        found = await accounts.get_account(session, account_id)
        if found is None:
            raise NotFound(f"No account {account_id}")
        tenancy = (
            None
            if found.tenancy_id is None
            else await tenancies.get_for_update(session, found.tenancy_id)
        )
        account = await accounts.get_account(session, account_id, for_update=True)
        if account is None:
            raise NotFound(f"No account {account_id}")
        if tenancy is None or tenancy.status is not TenancyStatus.CURRENT:
            raise Conflict(f"Account {account_id} is not a current tenancy's rent account")
        if await repository.active_of(session, account.id) is not None:
            raise Conflict(f"Account {account_id} already has a live arrangement")
        balance = await accounts.balance(session, account.id, through=today)
        week = await accounts.week_charges(session, account.id, account_rules.rent_week_of(today))
        arrears = account_rules.arrears_of(balance, week)
        if arrears <= 0:
            raise Conflict(f"Account {account_id} has no arrears to arrange")
        statement = data.income_and_expenditure
        disposable = statement.weekly_income_pence - statement.weekly_expenditure_pence
        if rules.weekly_equivalent(data.instalment_pence, data.frequency) > disposable:
            raise Unprocessable(
                f"The instalment is more than the {max(disposable, 0)} pence a week left on the "
                "income and expenditure statement",
                field="instalment_pence",
            )
        weeks = rules.weeks_to_clear_from(
            today, data.first_instalment_on, arrears, data.instalment_pence, data.frequency
        )
        if weeks > self.settings.arrangement_max_weeks:
            raise Unprocessable(
                f"The arrangement would take {weeks} weeks from today; the longest allowed is "
                f"{self.settings.arrangement_max_weeks}",
                field="instalment_pence",
            )
        arrangement = Arrangement(
            id=uuid.uuid4(),
            account_id=account.id,
            tenancy_id=tenancy.id,
            status=ArrangementStatus.ACTIVE,
            weekly_income_pence=statement.weekly_income_pence,
            weekly_expenditure_pence=statement.weekly_expenditure_pence,
            instalment_pence=data.instalment_pence,
            frequency=data.frequency,
            first_instalment_on=data.first_instalment_on,
            arrears_pence=arrears,
            review_on=add_months(
                today, data.review_in_months or self.settings.arrangement_review_months
            ),
            made_at=now,
            balance_at_start_pence=balance,
        )
        await repository.add(session, arrangement)
        case = await cases.get(session, account.id, for_update=True)
        if case is not None:
            # Agreeing an arrangement on income and expenditure is the protocol's
            # contact and affordable offer, and a contact made now: it closes an open
            # personal-contact task (the ladder only says "arrangement kept" while it
            # is kept). A change of the protocol steps or the task: a new ETag.
            needed_at = arrears_rules.contact_task_after(case.personal_contact_needed_at, now)
            if (
                case.tenant_contacted_at is None
                or case.arrangement_offered_at is None
                or needed_at != case.personal_contact_needed_at
            ):
                case.version += 1
            case.tenant_contacted_at = case.tenant_contacted_at or now
            case.arrangement_offered_at = case.arrangement_offered_at or now
            case.personal_contact_needed_at = needed_at
            case.resume_at_next_step = False
        await publish(
            session,
            ArrangementMade(
                arrangement_id=arrangement.id,
                tenancy_id=tenancy.id,
                uprn=tenancy.uprn,
                instalment_pence=arrangement.instalment_pence,
                frequency=arrangement.frequency,
                first_instalment_on=arrangement.first_instalment_on,
                arrears_pence=arrears,
                review_on=arrangement.review_on,
                made_at=now,
            ),
        )
        return ArrangementPublic.model_validate(arrangement)

    async def check(
        self, session: AsyncSession, arrangement: Arrangement, tenancy: Tenancy, now: datetime
    ) -> bool:
        """Whether a live arrangement is still kept at `now`. A missed instalment breaks
        it (publishes arrangement-broken); arrears cleared completes it."""
        today = london_day(now)
        balance = await accounts.balance(session, arrangement.account_id, through=today)
        if balance <= 0:
            arrangement.status = ArrangementStatus.COMPLETED
            arrangement.ended_at = now
            return False
        # What the arrangement asks for beyond keeping up with the rent: the arrears it
        # covers, by instalments. Arrears as everywhere: the week under way is not in
        # them (a tenant may pay it on any day of the week), past weeks' rent is.
        week = await accounts.week_charges(
            session, arrangement.account_id, account_rules.rent_week_of(today)
        )
        towards_arrears = rules.paid_towards_arrears(
            arrangement.arrears_pence, account_rules.arrears_of(balance, week)
        )
        missed = rules.missed_instalment(
            arrangement.first_instalment_on,
            arrangement.frequency,
            arrangement.instalment_pence,
            arrangement.arrears_pence,
            towards_arrears,
            today,
            self.settings.arrangement_grace_days,
        )
        if missed is None:
            return True
        arrangement.status = ArrangementStatus.BROKEN
        arrangement.ended_at = now
        arrangement.missed_instalment_on = missed
        await publish(
            session,
            ArrangementBroken(
                arrangement_id=arrangement.id,
                tenancy_id=tenancy.id,
                uprn=tenancy.uprn,
                missed_instalment_on=missed,
                arrears_pence=max(balance, 0),
                broken_at=now,
            ),
        )
        return False
